//! Long generated histories (the `large` scenario): commits and deployments made by rule
//! instead of written out.

use super::spec::{CommitSpec, DeploymentSpec, ScenarioSpec, SpecBuildStatus};
use std::collections::BTreeMap;

const SUBJECTS: [&str; 8] = [
    "Tune cache headers",
    "Fix pagination off-by-one",
    "Bump dependencies",
    "Add order export",
    "Refactor checkout flow",
    "Improve search ranking",
    "Log slow queries",
    "Tidy error pages",
];
const AUTHORS: [&str; 5] = ["alice", "bob", "chen", "dana", "emeka"];

pub(crate) fn expand(spec: &mut ScenarioSpec) -> Result<(), (String, String)> {
    for (pi, project) in spec.projects.iter_mut().enumerate() {
        let Some(generate) = project.generate.clone() else {
            continue;
        };
        let key = format!("projects[{pi}] ({}).generate", project.id);
        let Some(env) = project
            .environments
            .iter_mut()
            .find(|e| e.id == generate.environment)
        else {
            return Err((
                format!("{key}.environment"),
                format!("no environment `{}` in this project", generate.environment),
            ));
        };
        if generate.deployments == 0 || generate.every.is_zero() {
            return Err((
                key,
                "needs deployments >= 1 and a non-zero `every`".to_owned(),
            ));
        }
        let n = generate.deployments;
        let prefix = env.label_prefix.clone().unwrap_or_else(|| "v".to_owned());
        for i in 1..=n {
            let sha = format!(
                "{:040x}",
                (i as u128).wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835)
            );
            let fails = generate.failed_every > 0 && i % generate.failed_every == 0 && i != n;
            project.commits.push(CommitSpec {
                sha: sha.clone(),
                subject: format!("{} (#{})", SUBJECTS[i % SUBJECTS.len()], 1000 + i),
                author: AUTHORS[i % AUTHORS.len()].to_owned(),
                branch: Some("main".to_owned()),
                build_fails: false,
            });
            let pruned = generate.keep_artifacts.is_some_and(|keep| n - i >= keep);
            env.deployments.push(DeploymentSpec {
                label: format!("{prefix}{i}"),
                commit: sha,
                age: generate.every * (n - i) as u32 + generate.every / 2,
                status: if fails {
                    SpecBuildStatus::Failed
                } else {
                    SpecBuildStatus::Ready
                },
                error_rate: 0.001 + 0.002 * (i % 3) as f64,
                p50_ms: 30.0 + (i % 7) as f64,
                p95_ms: 110.0 + (i % 11) as f64 * 3.0,
                migrations: if i % 50 == 0 {
                    vec![format!("{i:05}_migration")]
                } else {
                    Vec::new()
                },
                config: BTreeMap::new(),
                config_removed: Vec::new(),
                pruned,
                regions: None,
                author: None,
            });
        }
    }
    Ok(())
}
