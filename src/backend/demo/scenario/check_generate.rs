//! What a `[projects.generate]` table must not say, and where the written-out entries may
//! not meet the generated ones: a clashing sha or label, a written-out deployment younger
//! than the history that follows it. The generated entries themselves are valid by rule.

use super::check::{Problem, problem};
use super::generate::{History, MAX_AGE, MAX_DEPLOYMENTS};
use super::spec::ProjectSpec;

/// The project's generated history once its parameters are sound; `None` when it has none.
pub(super) fn check_history<'a>(
    project: &'a ProjectSpec,
    pkey: &str,
) -> Result<Option<History<'a>>, Problem> {
    let Some(spec) = &project.generate else {
        return Ok(None);
    };
    let gkey = format!("{pkey}.generate");
    let history = History::of(project).ok_or_else(|| {
        problem(
            format!("{gkey}.environment"),
            format!("no environment `{}` in this project", spec.environment),
        )
    })?;
    if spec.deployments == 0 {
        return Err(problem(format!("{gkey}.deployments"), "must be at least 1"));
    }
    if spec.deployments > MAX_DEPLOYMENTS {
        return Err(problem(
            format!("{gkey}.deployments"),
            format!("must be at most {MAX_DEPLOYMENTS}"),
        ));
    }
    if spec.every.is_zero() {
        return Err(problem(format!("{gkey}.every"), "must be more than zero"));
    }
    let oldest = history.oldest_age().filter(|age| *age <= MAX_AGE);
    let Some(oldest) = oldest else {
        return Err(problem(
            format!("{gkey}.every"),
            format!(
                "too long: {} deployments this far apart would reach back more than {} years",
                spec.deployments,
                MAX_AGE.as_secs() / (365 * 24 * 3600)
            ),
        ));
    };
    for (ci, commit) in project.commits.iter().enumerate() {
        if let Some(i) = history.number_of_sha(&commit.sha) {
            return Err(problem(
                format!("{pkey}.commits[{ci}].sha"),
                format!("`{}` is also the sha of generated commit {i}", commit.sha),
            ));
        }
    }
    let env = &project.environments[history.env];
    let ekey = format!("{pkey}.environments[{}] ({})", history.env, env.id);
    for (di, dep) in env.deployments.iter().enumerate() {
        let dkey = || format!("{ekey}.deployments[{di}] ({})", dep.label);
        if history.number_of_label(&dep.label).is_some() {
            return Err(problem(
                format!("{}.label", dkey()),
                format!(
                    "clashes with a generated deployment's label ({}1 to {})",
                    history.prefix,
                    history.label(history.len())
                ),
            ));
        }
    }
    // The generated history follows the written-out deployments, oldest first.
    if let Some((di, last)) = env.deployments.iter().enumerate().next_back()
        && last.age < oldest
    {
        return Err(problem(
            format!("{ekey}.deployments[{di}] ({}).age", last.label),
            format!(
                "deployments must be listed oldest first, and the generated ones follow the \
                 written-out ones: this one must be at least {} old",
                humantime_serde::re::humantime::format_duration(oldest)
            ),
        ));
    }
    Ok(Some(history))
}
