//! Environments, diffs, live history and the error-rate series, assembled from several
//! calls.

use super::address::EnvAddress;
use super::address::{decode_cursor, encode_cursor};
use super::api::{self, MAX_PAGE};
use super::{UnkeyBackend, analytics, domains, errors, mapping};
use crate::backend::{BackendError, PageRequest};
use crate::domain::{
    ConfigChange, ConfigChangeKind, Deployment, DeploymentId, Diff, EnvMode, EnvRef, Environment,
    LiveCause, LiveChange, MetricSeries, MetricsQuery, MetricsScope, OperationKind,
    OperationStatus, ProjectId, SwitchKind,
};

impl UnkeyBackend {
    pub(super) async fn environment_view(
        &self,
        at: &EnvAddress,
        app: &api::App,
        env: &api::Environment,
        several_apps: bool,
    ) -> Result<Environment, BackendError> {
        let production = env.kind == api::EnvironmentKind::Production;
        // Only production has a live pointer; previews serve per branch.
        let live = if production {
            app.current_deployment_id.clone()
        } else {
            None
        };
        let domains = match &live {
            Some(id) => {
                let live = self.fetch_deployment(id).await?;
                let custom = self.custom_domains(at).await?;
                domains::current(&domains::DomainInputs {
                    live: &live,
                    custom: &custom,
                })
            }
            None => Vec::new(),
        };
        Ok(Environment {
            mixed: Vec::new(),
            live_label: None,
            id: EnvAddress::environment_id(&app.slug, &env.slug),
            project: ProjectId::new(at.project.clone()),
            name: if several_apps {
                format!("{}/{}", app.slug, env.slug)
            } else {
                env.slug.clone()
            },
            kind: mapping::environment_kind(env.kind),
            live: live.map(DeploymentId::new),
            mode: if production && app.is_rolled_back {
                EnvMode::RolledBack
            } else {
                EnvMode::Normal
            },
            domains,
            branch: None,
        })
    }

    pub(super) async fn projects_page(
        &self,
        page: &PageRequest,
    ) -> Result<api::Envelope<Vec<api::Project>>, BackendError> {
        let cursor = page
            .cursor
            .as_deref()
            .map(|c| decode_cursor("projects", c))
            .transpose()?;
        let call = errors::CallContext {
            path: "projects.listProjects",
            doing: "list the projects".to_owned(),
            permission: "project.*.read_project",
            subject: "the workspace's projects".to_owned(),
            replay: crate::net::Replay::Read,
        };
        let body = api::ListProjects {
            limit: page.limit.unwrap_or(MAX_PAGE).clamp(1, MAX_PAGE),
            cursor: cursor.as_deref(),
        };
        self.client.call(&call, &body).await
    }

    pub(super) fn map_context<'a>(
        &self,
        env: &'a EnvRef,
        show_app: bool,
        id: &str,
    ) -> mapping::MapContext<'a> {
        mapping::MapContext {
            env,
            show_app,
            redeployed_from: self.book.redeployed_from(id),
        }
    }

    pub(super) async fn build_diff(
        &self,
        env: &EnvRef,
        target: &DeploymentId,
    ) -> Result<Diff, BackendError> {
        let at = EnvAddress::parse(env)?;
        let app = self.fetch_app(&at).await?;
        let to = self.fetch_deployment_in(&at, target.as_str()).await?;
        let from = match &app.current_deployment_id {
            Some(id) => Some(self.fetch_deployment(id).await?),
            None => None,
        };
        let several = self.several_apps(&at.project).await?;
        let mapped_to = mapping::deployment(&to, &self.map_context(env, several, &to.id));
        let mapped_from = from
            .as_ref()
            .map(|d| mapping::deployment(d, &self.map_context(env, several, &d.id)));
        let config_drift = mapped_from
            .as_ref()
            .map(|live| config_drift(live, &mapped_to))
            .unwrap_or_default();
        let domains = match &from {
            Some(live) => {
                let custom = self.custom_domains(&at).await?;
                domains::moves(
                    &domains::DomainInputs {
                        live,
                        custom: &custom,
                    },
                    target,
                )
            }
            None => Vec::new(),
        };
        Ok(Diff {
            rollout: None,
            live: from.as_ref().map(|d| DeploymentId::new(d.id.clone())),
            target: target.clone(),
            artifact_from: mapped_from.map(|d| d.artifact),
            artifact_to: mapped_to.artifact,
            // v2 lists no commits between deployments.
            commits_between: Vec::new(),
            commits_back: 0,
            config_drift,
            migrations_not_reverted: Vec::new(),
            domains,
            switch: if to.status == api::DeploymentStatus::Ready {
                SwitchKind::Instant
            } else {
                SwitchKind::Cold { estimate_secs: 60 }
            },
            details: Vec::new(),
        })
    }

    pub(super) async fn live_changes(&self, env: &EnvRef) -> Result<Vec<LiveChange>, BackendError> {
        // Unkey keeps no history of the live pointer that v2 exposes: the switches made
        // from this console, and the live deployment as of its creation.
        let mut changes: Vec<LiveChange> = self
            .book
            .list(env)
            .into_iter()
            .rev()
            .filter(|t| t.operation.status == OperationStatus::Completed)
            .filter_map(|t| {
                let op = t.operation;
                let (deployment, cause) = match op.kind {
                    OperationKind::Rollback => (op.target, LiveCause::Rollback),
                    OperationKind::Promote => (op.target, LiveCause::Promote),
                    OperationKind::Redeploy => (op.new_deployment?, LiveCause::Redeploy),
                };
                Some(LiveChange {
                    scope: Default::default(),
                    at: op.finished_at.unwrap_or(op.updated_at),
                    deployment,
                    cause,
                    actor: Some(op.actor.into()),
                })
            })
            .collect();
        let at = EnvAddress::parse(env)?;
        let app = self.fetch_app(&at).await?;
        if let Some(live) = &app.current_deployment_id
            && !changes.iter().any(|c| c.deployment.as_str() == live)
        {
            let d = self.fetch_deployment(live).await?;
            changes.push(LiveChange {
                scope: Default::default(),
                at: mapping::timestamp(d.created_at),
                deployment: DeploymentId::new(d.id),
                cause: LiveCause::Deploy,
                actor: None,
            });
        }
        changes.sort_by_key(|c| c.at);
        Ok(changes)
    }

    pub(super) async fn gateway_series(
        &self,
        query: &MetricsQuery,
    ) -> Result<MetricSeries, BackendError> {
        let at = EnvAddress::parse(&query.env)?;
        let environment = self.environment_of(&at).await?;
        let deployment = match &query.scope {
            MetricsScope::Environment => None,
            MetricsScope::Deployment(id) => Some(id.as_str()),
        };
        let sql = analytics::sql(&analytics::SeriesQuery {
            environment_id: &environment.id,
            deployment_id: deployment,
            from: query.from,
            to: query.to,
            step_secs: query.step_secs,
        })?;
        let call = errors::CallContext {
            path: "analytics.getGatewayRequests",
            doing: "read the gateway request counts".to_owned(),
            permission: "project.*.read_gateway_requests",
            subject: "gateway requests".to_owned(),
            replay: crate::net::Replay::Read,
        };
        let answer: api::Envelope<api::Rows> =
            self.client.call(&call, &api::Query { query: &sql }).await?;
        analytics::series(&answer.data, query.step_secs)
    }
}

pub(super) fn next_cursor(scope: &str, pagination: Option<api::Pagination>) -> Option<String> {
    match pagination {
        Some(api::Pagination {
            has_more: true,
            cursor: Some(cursor),
        }) => Some(encode_cursor(scope, &cursor)),
        _ => None,
    }
}

/// Runtime settings that differ, seen from the target.
fn config_drift(live: &Deployment, target: &Deployment) -> Vec<ConfigChange> {
    let mut out = Vec::new();
    for entry in live.config.iter() {
        match target.config.iter().find(|t| t.name == entry.name) {
            None => out.push(ConfigChange {
                name: entry.name.clone(),
                change: ConfigChangeKind::Added,
            }),
            Some(t) if t.hash != entry.hash => out.push(ConfigChange {
                name: entry.name.clone(),
                change: ConfigChangeKind::Changed,
            }),
            Some(_) => {}
        }
    }
    for entry in target.config.iter() {
        if !live.config.iter().any(|l| l.name == entry.name) {
            out.push(ConfigChange {
                name: entry.name.clone(),
                change: ConfigChangeKind::Removed,
            });
        }
    }
    out
}
