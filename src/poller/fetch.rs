//! One fetch of one resource, and what it brings back.

use super::{MAX_DEPLOYMENTS, MAX_PROJECTS, METRICS_STEP_SECS, METRICS_WINDOW, PAGE_SIZE};
use crate::backend::{BackendError, Identity, PageRequest, Platform};
use crate::domain::{
    Deployment, EnvRef, Environment, LiveChange, MetricPoint, MetricSeries, MetricsQuery,
    MetricsScope, Operation, OperationId, Project, ProjectId, Timestamp,
};
use crate::operation::pages;
use std::time::Duration;

/// Something the console keeps fresh.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Resource {
    Identity,
    Projects,
    Environments(ProjectId),
    Environment(EnvRef),
    Deployments(EnvRef),
    Metrics(EnvRef),
    LiveHistory(EnvRef),
    Operations(EnvRef),
    Operation(EnvRef, OperationId),
}

/// What a successful fetch brought back.
#[derive(Clone, Debug, PartialEq)]
pub enum Fetched {
    Identity(Identity),
    Projects(Vec<Project>),
    Environments(ProjectId, Vec<Environment>),
    Environment(Environment),
    /// Newest first. `complete` is false when only the first page was read; the reader
    /// merges that page into the list it already has.
    Deployments {
        env: EnvRef,
        items: Vec<Deployment>,
        complete: bool,
    },
    Metrics {
        env: EnvRef,
        series: MetricSeries,
        /// The header figure: the source's own "now" answer (an instant query on
        /// Prometheus), none without data.
        current: Option<MetricPoint>,
    },
    LiveHistory(EnvRef, Vec<LiveChange>),
    Operations(EnvRef, Vec<Operation>),
    Operation(Operation),
}

/// One poll's result.
#[derive(Clone, Debug)]
pub struct PollEvent {
    pub resource: Resource,
    /// When the answer (or the failure) arrived.
    pub at: Timestamp,
    pub outcome: Result<Fetched, BackendError>,
    /// Failures in a row so far (0 after a success).
    pub failures: u32,
    /// When the poller asks again.
    pub next_in: Duration,
}

/// Fetches one resource once; metric windows end at the platform's `now`. `full` reads every page of deployments; otherwise only the
/// first, for a cheap refresh of a list that is already loaded.
pub async fn fetch(
    backend: &Platform,
    resource: &Resource,
    full: bool,
) -> Result<Fetched, BackendError> {
    Ok(match resource {
        Resource::Identity => Fetched::Identity(backend.identity().await?),
        Resource::Projects => Fetched::Projects(
            pages::collect(backend.platform(), "projects", MAX_PROJECTS, |page| {
                backend.list_projects(page)
            })
            .await?,
        ),
        Resource::Environments(project) => {
            Fetched::Environments(project.clone(), backend.list_environments(project).await?)
        }
        Resource::Environment(env) => Fetched::Environment(backend.get_environment(env).await?),
        Resource::Deployments(env) => {
            // The whole list (within the bounds) when `full`, else the first page.
            let (items, complete) = if full {
                let all = pages::collect_in_pages(
                    backend.platform(),
                    "deployments",
                    PAGE_SIZE,
                    MAX_DEPLOYMENTS,
                    |page| backend.list_deployments(env, page),
                )
                .await?;
                (all, true)
            } else {
                let first = backend
                    .list_deployments(env, PageRequest::first(100))
                    .await?;
                let complete = first.next.is_none();
                (first.items, complete)
            };
            Fetched::Deployments {
                env: env.clone(),
                items,
                complete,
            }
        }
        Resource::Metrics(env) => {
            let window = chrono::Duration::from_std(METRICS_WINDOW).expect("window in range");
            // Whole buckets only, aligned to the step: the answer changes when a bucket
            // completes, not on every poll, so an idle screen stays still.
            let step = i64::from(METRICS_STEP_SECS);
            let now = backend.now().timestamp();
            let to =
                chrono::DateTime::from_timestamp(now - now.rem_euclid(step), 0).unwrap_or_default();
            let query = MetricsQuery {
                env: env.clone(),
                scope: MetricsScope::Environment,
                from: to - window,
                to,
                step_secs: METRICS_STEP_SECS,
            };
            let series = backend.error_rate(&query).await?;
            let current = backend.current_error_rate(&query).await?.points.pop();
            Fetched::Metrics {
                env: env.clone(),
                series,
                current,
            }
        }
        Resource::LiveHistory(env) => {
            Fetched::LiveHistory(env.clone(), backend.live_history(env).await?)
        }
        Resource::Operations(env) => {
            Fetched::Operations(env.clone(), backend.list_operations(env).await?)
        }
        Resource::Operation(env, id) => Fetched::Operation(backend.operation(env, id).await?),
    })
}
