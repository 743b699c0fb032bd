//! Finding what a command is about on a live platform: the project, the environment and the
//! deployment, by the rules of [`super::resolve`], reading whole lists within the bounds of
//! [`super::pages`].

use super::last_good::{LastGood, last_good};
use super::pages::{self, PagingError};
use super::resolve::{self, ResolveError};
use crate::backend::{Backend, BackendError, Platform};
use crate::domain::{Deployment, Environment, EnvironmentKind, Project};

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum TargetError {
    #[error(transparent)]
    Resolve(#[from] ResolveError),
    #[error(transparent)]
    Paging(#[from] PagingError),
    #[error(transparent)]
    Backend(#[from] BackendError),
    /// Nothing to choose from, or nothing qualifies (`last-good` with no healthy past).
    #[error("{0}")]
    Nothing(String),
}

/// `wanted` by the naming rule; without it the first project.
pub async fn project(backend: &dyn Backend, wanted: Option<&str>) -> Result<Project, TargetError> {
    let projects = pages::projects(backend).await?;
    match wanted {
        Some(wanted) => Ok(resolve::project(&projects, wanted, "this backend")?.clone()),
        None => projects
            .into_iter()
            .next()
            .ok_or_else(|| TargetError::Nothing("the backend has no projects".to_owned())),
    }
}

/// `wanted` by the naming rule; without it `production`, else the first production-kind
/// environment, else the first.
pub async fn environment(
    backend: &dyn Backend,
    project: &Project,
    wanted: Option<&str>,
) -> Result<Environment, TargetError> {
    let environments = backend.list_environments(&project.id).await?;
    if let Some(wanted) = wanted {
        return Ok(resolve::environment(&environments, wanted, project.id.as_str())?.clone());
    }
    let production = environments
        .iter()
        .position(|e| e.name.eq_ignore_ascii_case("production") || e.id.as_str() == "production")
        .or_else(|| {
            environments
                .iter()
                .position(|e| e.kind == EnvironmentKind::Production)
        })
        .unwrap_or(0);
    environments
        .into_iter()
        .nth(production)
        .ok_or_else(|| TargetError::Nothing(format!("project {} has no environments", project.id)))
}

/// A deployment of `env` named by id, label, commit prefix, or `last-good`.
pub struct Found {
    pub deployment: Deployment,
    /// Set when the name was `last-good`: why that one.
    pub last_good: Option<LastGood>,
}

/// The deployment `wanted` names in `env`. `threshold` judges `last-good`.
pub async fn deployment(
    backend: &Platform,
    env: &Environment,
    wanted: &str,
    threshold: f64,
) -> Result<Found, TargetError> {
    let env_ref = env.env_ref();
    let all = pages::deployments(&**backend, &env_ref, pages::MAX_ITEMS).await?;
    let within = env_ref.to_string();
    let named = resolve::deployment(&all, wanted, &within);
    if !resolve::is_last_good(wanted) {
        return Ok(Found {
            deployment: named?.clone(),
            last_good: None,
        });
    }
    let good = last_good(
        backend,
        &env_ref,
        env.live.as_ref(),
        threshold,
        backend.now(),
    )
    .await?;
    match (named, good) {
        // A deployment literally called `last-good` and a different healthy one: say so.
        (Ok(literal), Some(good)) if literal.id != good.deployment => {
            Err(ResolveError::Ambiguous {
                what: "deployment",
                wanted: wanted.to_owned(),
                candidates: vec![
                    format!("{} (by label)", literal.label),
                    format!("{} (last good)", label_of(&all, &good.deployment)),
                ],
                hint: "name it by id (id:ID) or label (label:NAME)",
            }
            .into())
        }
        (Ok(literal), _) => Ok(Found {
            deployment: literal.clone(),
            last_good: None,
        }),
        (Err(_), Some(good)) => match all.iter().find(|d| d.id == good.deployment) {
            Some(found) => Ok(Found {
                deployment: found.clone(),
                last_good: Some(good),
            }),
            None => Ok(Found {
                deployment: backend.get_deployment(&env_ref, &good.deployment).await?,
                last_good: Some(good),
            }),
        },
        (Err(_), None) => Err(TargetError::Nothing(format!(
            "no last good deployment in {within}: no earlier deployment stayed under {:.1}% 5xx \
             while it was live",
            threshold * 100.0
        ))),
    }
}

fn label_of(all: &[Deployment], id: &crate::domain::DeploymentId) -> String {
    all.iter()
        .find(|d| &d.id == id)
        .map_or_else(|| id.to_string(), |d| d.label.clone())
}
