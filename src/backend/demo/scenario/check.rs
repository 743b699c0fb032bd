//! What a scenario must not say: unknown commits, duplicate labels, impossible numbers.

use super::spec::ScenarioSpec;
use crate::domain::DomainKind;
use std::collections::HashSet;

pub(super) type Problem = (String, String);

pub(super) fn problem(key: String, message: impl Into<String>) -> Problem {
    (key, message.into())
}

/// Everything a scenario says must be possible.
pub(crate) fn check(spec: &ScenarioSpec) -> Result<(), Problem> {
    if spec
        .settings
        .as_ref()
        .is_some_and(|s| s.machines_per_region == 0)
    {
        return Err(problem(
            "settings.machines_per_region".into(),
            "must be at least 1",
        ));
    }
    let mut project_ids = HashSet::new();
    for (pi, project) in spec.projects.iter().enumerate() {
        let pkey = format!("projects[{pi}] ({})", project.id);
        if !project_ids.insert(&project.id) {
            return Err(problem(format!("{pkey}.id"), "duplicate project id"));
        }
        if project.regions.is_empty() {
            return Err(problem(
                format!("{pkey}.regions"),
                "needs at least one region",
            ));
        }
        let history = super::check_generate::check_history(project, &pkey)?;
        let mut shas = HashSet::new();
        for (ci, c) in project.commits.iter().enumerate() {
            if !shas.insert(c.sha.as_str()) {
                return Err(problem(
                    format!("{pkey}.commits[{ci}].sha"),
                    format!("duplicate commit `{}`", c.sha),
                ));
            }
        }
        let known_commit = |sha: &str| {
            shas.contains(sha) || history.is_some_and(|h| h.number_of_sha(sha).is_some())
        };
        let mut env_ids = HashSet::new();
        for (ei, env) in project.environments.iter().enumerate() {
            let ekey = format!("{pkey}.environments[{ei}] ({})", env.id);
            if !env_ids.insert(&env.id) {
                return Err(problem(format!("{ekey}.id"), "duplicate environment id"));
            }
            if env.rps.is_some_and(|r| !(0.0..=100_000.0).contains(&r)) {
                return Err(problem(
                    format!("{ekey}.rps"),
                    "must be between 0 and 100000",
                ));
            }
            for (di, dom) in env.domains.iter().enumerate() {
                if dom.kind == DomainKind::Deployment {
                    return Err(problem(
                        format!("{ekey}.domains[{di}].kind"),
                        "deployment URLs are generated for every deployment; list only environment, branch and custom domains",
                    ));
                }
            }
            let mut labels = HashSet::new();
            let mut previous_age = None;
            for (di, dep) in env.deployments.iter().enumerate() {
                // Named only when something is wrong: a generated history has thousands.
                let dkey = || format!("{ekey}.deployments[{di}] ({})", dep.label);
                if !labels.insert(dep.label.as_str()) {
                    return Err(problem(
                        format!("{}.label", dkey()),
                        "duplicate label in this environment",
                    ));
                }
                if !known_commit(&dep.commit) {
                    return Err(problem(
                        format!("{}.commit", dkey()),
                        format!("commit `{}` is not in the project's commits", dep.commit),
                    ));
                }
                if previous_age.is_some_and(|a| dep.age > a) {
                    return Err(problem(
                        format!("{}.age", dkey()),
                        "deployments must be listed oldest first",
                    ));
                }
                previous_age = Some(dep.age);
                if !(0.0..=1.0).contains(&dep.error_rate) {
                    return Err(problem(
                        format!("{}.error_rate", dkey()),
                        "must be a fraction between 0 and 1",
                    ));
                }
                if dep.p50_ms <= 0.0 || dep.p95_ms < dep.p50_ms {
                    return Err(problem(
                        format!("{}.p95_ms", dkey()),
                        "needs 0 < p50_ms <= p95_ms",
                    ));
                }
                if let Some(regions) = &dep.regions
                    && let Some(r) = regions.iter().find(|r| !project.regions.contains(r))
                {
                    return Err(problem(
                        format!("{}.regions", dkey()),
                        format!("`{r}` is not one of the project's regions"),
                    ));
                }
            }
        }
    }
    for (i, event) in spec.events.iter().enumerate() {
        let key = format!("events[{i}]");
        let project = spec
            .projects
            .iter()
            .find(|p| p.id == event.project)
            .ok_or_else(|| {
                problem(
                    format!("{key}.project"),
                    format!("no project `{}`", event.project),
                )
            })?;
        let env = project
            .environments
            .iter()
            .find(|e| e.id == event.environment)
            .ok_or_else(|| {
                problem(
                    format!("{key}.environment"),
                    format!("no environment `{}`", event.environment),
                )
            })?;
        if event.kind != super::spec::EventKind::Push {
            let target = event.target.as_deref().ok_or_else(|| {
                problem(format!("{key}.target"), "this event needs a target label")
            })?;
            let generated = super::generate::History::of(project)
                .filter(|h| project.environments[h.env].id == env.id)
                .and_then(|h| h.number_of_label(target));
            if generated.is_none() && !env.deployments.iter().any(|d| d.label == target) {
                return Err(problem(
                    format!("{key}.target"),
                    format!("no deployment `{target}` in {}", env.id),
                ));
            }
        }
    }
    Ok(())
}
