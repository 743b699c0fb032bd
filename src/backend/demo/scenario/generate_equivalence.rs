//! A generated history built straight from its parameters is the platform that writing
//! every entry out gives: the same deployments, commits, ids, digests, live history and
//! spin-downs. The reference below expands the parameters into written-out entries by the
//! rules as first defined, independently of `generate.rs`.

use super::build::build_world;
use super::check::check;
use super::spec::{CommitSpec, DeploymentSpec, ScenarioSpec, SpecBuildStatus};
use crate::backend::demo::world::World;
use chrono::TimeZone;
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

/// Every generated entry written out, appended to the project's commits and its
/// environment's deployments.
fn written_out(mut spec: ScenarioSpec) -> ScenarioSpec {
    for project in &mut spec.projects {
        let Some(generate) = project.generate.take() else {
            continue;
        };
        let env = project
            .environments
            .iter_mut()
            .find(|e| e.id == generate.environment)
            .expect("the environment exists");
        let n = generate.deployments;
        let prefix = env.label_prefix.clone().unwrap_or_else(|| "v".to_owned());
        for i in 1..=n {
            // The value's low 28 bits lead, so every short sha is its own.
            let sha = format!(
                "{:032x}00000000",
                (i as u128)
                    .wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835)
                    .rotate_right(28)
            );
            let fails = generate.failed_every > 0 && i % generate.failed_every == 0 && i != n;
            project.commits.push(CommitSpec {
                sha: sha.clone(),
                subject: format!("{} (#{})", SUBJECTS[i % SUBJECTS.len()], 1000 + i),
                author: AUTHORS[i % AUTHORS.len()].to_owned(),
                branch: Some("main".to_owned()),
                build_fails: false,
            });
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
                pruned: generate.keep_artifacts.is_some_and(|keep| n - i >= keep),
                regions: None,
                author: None,
            });
        }
    }
    spec
}

fn assert_same(built: &World, reference: &World) {
    assert_eq!(built.id_counter, reference.id_counter);
    assert_eq!(built.deployments.len(), reference.deployments.len());
    for (d, (a, b)) in built
        .deployments
        .iter()
        .zip(&reference.deployments)
        .enumerate()
    {
        let label = &b.dep.label;
        assert_eq!(a.dep, b.dep, "{label}");
        assert_eq!((a.project, a.env, a.commit), (b.project, b.env, b.commit));
        assert_eq!(a.profile, b.profile, "{label}");
        assert_eq!(built.spin_down_at(d), reference.spin_down_at(d), "{label}");
        assert_eq!(a.noise_key, b.noise_key, "{label}");
    }
    assert_eq!(built.next_spin_down(), reference.next_spin_down());
    for (p, (a, b)) in built.projects.iter().zip(&reference.projects).enumerate() {
        assert_eq!(a.commits.len(), b.commits.len());
        for (x, y) in a.commits.iter().zip(&b.commits) {
            assert_eq!(
                (&x.commit, &x.author, x.build_fails),
                (&y.commit, &y.author, y.build_fails)
            );
        }
        assert_eq!(a.envs.len(), b.envs.len());
        for (e, (x, y)) in a.envs.iter().zip(&b.envs).enumerate() {
            assert_eq!(x.live, y.live);
            assert_eq!(x.deployments, y.deployments);
            assert_eq!(built.live_changes(p, e), reference.live_changes(p, e));
            let served = |w: &World| -> Vec<usize> {
                w.env(p, e)
                    .live_history
                    .iter()
                    .map(|c| c.deployment)
                    .collect()
            };
            assert_eq!(served(built), served(reference));
            assert_eq!(
                (&x.label_prefix, x.next_label),
                (&y.label_prefix, y.next_label)
            );
            assert_eq!(x.config, y.config);
        }
    }
}

fn assert_built_as_written_out(text: &str) {
    let spec: ScenarioSpec = toml::from_str(text).unwrap();
    check(&spec).unwrap();
    let reference_spec = written_out(spec.clone());
    check(&reference_spec).unwrap();
    let start = chrono::Utc
        .with_ymd_and_hms(2026, 11, 20, 14, 0, 0)
        .unwrap();
    assert_same(
        &build_world(&spec, start),
        &build_world(&reference_spec, start),
    );
}

#[test]
fn the_large_scenario_is_built_as_if_written_out() {
    let text = include_str!("../scenarios/large.toml")
        .replace("deployments = 10000", "deployments = 2000");
    assert_built_as_written_out(&text);
}

/// Written-out entries before and around the generated ones, a prefix of its own, and a
/// generated history in a preview (idle: the live one spins down) and a staging environment
/// (default labels `v…` unlike the environment's own `stg-…`).
const MIXED: &str = r#"
[scenario]
name = "mixed"
seed = 11

[[projects]]
id = "acme/a"
image = "r/a"
regions = ["us-east-1", "eu-west-1"]

[[projects.commits]]
sha = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
subject = "Initial import"
author = "zoe"

[projects.generate]
environment = "production"
deployments = 120
every = "7m"
failed_every = 5
keep_artifacts = 30

[[projects.environments]]
id = "staging"
kind = "staging"

[[projects.environments.deployments]]
label = "stg-4"
commit = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
age = "3d"

[[projects.environments]]
id = "production"
kind = "production"
label_prefix = "r"
config = { A = "1" }

[[projects.environments.deployments]]
label = "r500"
commit = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
age = "20d"
config = { B = "2" }
regions = ["eu-west-1"]

[[projects.environments]]
id = "preview"
kind = "preview"

[[projects.environments.deployments]]
label = "pr-1"
commit = "a807973538454127b096499a94942a2800000000"
age = "10m"

[[projects]]
id = "acme/b"
image = "r/b"

[projects.generate]
environment = "staging"
deployments = 40
every = "1h"

[[projects.environments]]
id = "staging"
kind = "staging"

[[projects]]
id = "acme/c"
image = "r/c"

[projects.generate]
environment = "pr"
deployments = 3
every = "20m"

[[projects.environments]]
id = "pr"
kind = "preview"
"#;

#[test]
fn written_out_entries_and_other_environments_are_built_as_if_written_out() {
    assert_built_as_written_out(MIXED);
}
