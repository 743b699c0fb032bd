//! Finding the project, environment and deployment a command is about.

use super::CommandError;
use crate::backend::{Backend, PageRequest};
use crate::domain::{Deployment, EnvRef, Environment, EnvironmentKind, Project};

/// Pages of this many items are asked for when a whole list is needed.
const PAGE: usize = 200;

pub async fn projects(backend: &dyn Backend) -> Result<Vec<Project>, CommandError> {
    let mut all = Vec::new();
    let mut request = PageRequest::first(PAGE);
    loop {
        let page = backend.list_projects(request.clone()).await?;
        all.extend(page.items);
        match page.next {
            Some(cursor) => request.cursor = Some(cursor),
            None => return Ok(all),
        }
    }
}

/// `--project`, by id or name; the first project without it.
pub async fn project(backend: &dyn Backend, wanted: Option<&str>) -> Result<Project, CommandError> {
    let projects = projects(backend).await?;
    match wanted {
        None => projects
            .into_iter()
            .next()
            .ok_or_else(|| CommandError::usage("the backend has no projects")),
        Some(wanted) => {
            let names: Vec<String> = projects.iter().map(|p| p.id.to_string()).collect();
            projects
                .into_iter()
                .find(|p| p.id.as_str() == wanted || p.name == wanted)
                .ok_or_else(|| not_found("project", wanted, "this backend", &names))
        }
    }
}

/// `--env`, by id or name; without it `production`, else the first environment.
pub async fn environment(
    backend: &dyn Backend,
    project: &Project,
    wanted: Option<&str>,
) -> Result<Environment, CommandError> {
    let environments = backend.list_environments(&project.id).await?;
    let names: Vec<String> = environments.iter().map(|e| e.name.clone()).collect();
    let found = match wanted {
        Some(wanted) => environments
            .into_iter()
            .find(|e| e.id.as_str() == wanted || e.name == wanted)
            .ok_or_else(|| not_found("environment", wanted, &project.id.to_string(), &names))?,
        None => {
            let production = environments
                .iter()
                .position(|e| e.name == "production" || e.id.as_str() == "production")
                .or_else(|| {
                    environments
                        .iter()
                        .position(|e| e.kind == EnvironmentKind::Production)
                })
                .unwrap_or(0);
            environments.into_iter().nth(production).ok_or_else(|| {
                CommandError::usage(format!("project {} has no environments", project.id))
            })?
        }
    };
    Ok(found)
}

/// Every deployment of the environment, newest first.
pub async fn deployments(
    backend: &dyn Backend,
    env: &EnvRef,
    limit: usize,
) -> Result<Vec<Deployment>, CommandError> {
    let mut all = Vec::new();
    let mut request = PageRequest::first(PAGE.min(limit.max(1)));
    loop {
        let page = backend.list_deployments(env, request.clone()).await?;
        all.extend(page.items);
        match page.next {
            Some(cursor) if all.len() < limit => request.cursor = Some(cursor),
            _ => {
                all.truncate(limit);
                return Ok(all);
            }
        }
    }
}

/// A deployment by label or id; an unknown one is a usage error naming the closest labels.
pub async fn deployment(
    backend: &dyn Backend,
    env: &EnvRef,
    wanted: &str,
) -> Result<Deployment, CommandError> {
    let all = deployments(backend, env, usize::MAX).await?;
    if let Some(found) = all
        .iter()
        .find(|d| d.label == wanted)
        .or_else(|| all.iter().find(|d| d.id.as_str() == wanted))
    {
        return Ok(found.clone());
    }
    let labels: Vec<String> = all.iter().map(|d| d.label.clone()).collect();
    Err(not_found("deployment", wanted, &env.to_string(), &labels))
}

fn not_found(what: &str, wanted: &str, within: &str, known: &[String]) -> CommandError {
    let candidates = closest(wanted, known, 5);
    let hint = if candidates.is_empty() {
        String::new()
    } else {
        format!("; closest: {}", candidates.join(", "))
    };
    CommandError::Usage {
        message: format!("no {what} `{wanted}` in {within}{hint}"),
        candidates,
    }
}

/// Up to `count` of `known`, most similar to `wanted` first (ties keep their order).
pub fn closest(wanted: &str, known: &[String], count: usize) -> Vec<String> {
    let wanted = wanted.to_lowercase();
    let mut scored: Vec<(usize, usize, &String)> = known
        .iter()
        .enumerate()
        .map(|(i, k)| (strsim::levenshtein(&wanted, &k.to_lowercase()), i, k))
        .collect();
    scored.sort();
    scored
        .into_iter()
        .take(count)
        .map(|(_, _, k)| k.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_labels_come_first() {
        let known: Vec<String> = ["v42", "v41", "v40", "v37", "v12"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(closest("v14", &known, 3), vec!["v12", "v42", "v41"]);
        assert_eq!(closest("V37", &known, 1), vec!["v37"]);
    }
}
