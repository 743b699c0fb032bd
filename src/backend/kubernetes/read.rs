//! The read side: projects, the environment, revisions as deployments, diff, domains,
//! actions and live history.

use super::api::Kind;
use super::diff::template_diff;
use super::mapping::{self, RevisionView};
use super::rbac::Permission;
use super::revisions::revision_of;
use super::workload::{Address, Snapshot, WorkloadKind};
use super::{KubernetesBackend, domains};
use crate::backend::{BackendError, Identity, Page, PageRequest, Role};
use crate::domain::{
    Deployment, DeploymentId, Diff, Domain, DomainKind, DomainMove, EnvMode, EnvRef, Environment,
    EnvironmentKind, Project, RuntimeState, SwitchKind,
};
use k8s_openapi::api::authentication::v1::SelfSubjectReview;
use kube::api::{Api, PostParams};
use serde_json::Value;

/// A cold switch waits for new pods; a rough figure for the confirmation screen.
const COLD_START_ESTIMATE_SECS: u64 = 60;

impl KubernetesBackend {
    pub(super) async fn identity_impl(&self) -> Result<Identity, BackendError> {
        let actor = self
            .username()
            .await
            .or_else(|| self.user.clone())
            .unwrap_or_else(|| self.context.clone());
        let ns = self
            .namespaces
            .first()
            .map(String::as_str)
            .unwrap_or("default");
        let role = match self
            .rbac
            .check(self.api.client(), ns, "patch", Kind::Deployment, None)
            .await
        {
            Permission::Allowed => Role::Deployer,
            Permission::Denied { .. } => Role::ReadOnly,
        };
        Ok(Identity { actor, role })
    }

    /// Who the cluster says we are (`SelfSubjectReview`), asked once: the answer holds for the
    /// backend's lifetime. A server that cannot say (too old, or the review is not allowed)
    /// is not asked again either; a transient failure is.
    async fn username(&self) -> Option<String> {
        let answer = self
            .whoami
            .get_or_try_init(|| async {
                let review = Api::<SelfSubjectReview>::all(self.api.client().clone())
                    .create(&PostParams::default(), &SelfSubjectReview::default())
                    .await;
                match review {
                    Ok(r) => Ok(r.status.and_then(|s| s.user_info).and_then(|u| u.username)),
                    Err(e) if matches!(super::api::status_code(&e), Some(400..=499)) => Ok(None),
                    Err(e) => Err(e),
                }
            })
            .await;
        answer.ok().cloned().flatten()
    }

    pub(super) async fn list_projects_impl(
        &self,
        page: PageRequest,
    ) -> Result<Page<Project>, BackendError> {
        let mut projects = Vec::new();
        for ns in &self.namespaces {
            let mut kinds = vec![WorkloadKind::Deployment];
            if self.argo {
                kinds.push(WorkloadKind::Rollout);
            }
            for kind in kinds {
                let (writes, read_at) = (self.recent.writes(), self.clock.now());
                let listed = self
                    .api
                    .list(kind.api_kind(), ns, self.selector.as_deref(), None)
                    .await;
                let items = match (kind, listed) {
                    (_, Ok(items)) => items,
                    // Rollouts are extra: credentials that may not read them still see
                    // their Deployments, and a cluster that stopped serving them since
                    // discovery was kept lists none.
                    (
                        WorkloadKind::Rollout,
                        Err(BackendError::Forbidden { .. } | BackendError::NotFound { .. }),
                    ) => Vec::new(),
                    (_, Err(e)) => return Err(e),
                };
                let mut owners = Vec::with_capacity(items.len());
                for item in items {
                    let name = item
                        .pointer("/metadata/name")
                        .and_then(Value::as_str)
                        .unwrap_or_default();
                    let address = Address {
                        kind,
                        namespace: ns.clone(),
                        name: name.to_owned(),
                    };
                    projects.push(Project {
                        id: address.project_id(),
                        name: address.project_id().to_string(),
                        components: Vec::new(),
                    });
                    owners.push((address, item));
                }
                // The listed objects are whole: the next snapshot of each starts from them.
                self.recent.saw_owners(writes, read_at, owners);
            }
        }
        projects.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(paginate(projects, &page))
    }

    pub(super) async fn get_environment_impl(
        &self,
        env: &EnvRef,
    ) -> Result<Environment, BackendError> {
        let address = self.check_env(env)?;
        let snap = self.snapshot(&address).await?;
        let live = snap.live_rs().map(|rs| DeploymentId::new(rs.name()));
        let hosts = self.hosts(&snap).await;
        Ok(Environment {
            mixed: Vec::new(),
            live_label: None,
            id: env.environment.clone(),
            project: env.project.clone(),
            name: self.environment.clone(),
            kind: environment_kind(&self.environment),
            live: live.clone(),
            mode: EnvMode::Normal,
            domains: hosts
                .into_iter()
                .map(|hostname| Domain {
                    hostname,
                    kind: DomainKind::Environment,
                    deployment: live.clone(),
                })
                .collect(),
            branch: None,
        })
    }

    pub(super) async fn list_deployments_impl(
        &self,
        env: &EnvRef,
        page: PageRequest,
    ) -> Result<Page<Deployment>, BackendError> {
        let address = self.check_env(env)?;
        let snap = self.snapshot(&address).await?;
        Ok(paginate(deployments_of(env, &snap), &page))
    }

    pub(super) async fn diff_impl(
        &self,
        env: &EnvRef,
        target: &DeploymentId,
    ) -> Result<Diff, BackendError> {
        let address = self.check_env(env)?;
        let snap = self.snapshot(&address).await?;
        let all = deployments_of(env, &snap);
        let target_d = find(&all, target, env)?;
        let target_rs = snap
            .find(target.as_str())
            .expect("mapped from the snapshot");
        let live_rs = snap.live_rs();
        let live_d = all.iter().find(|d| d.is_live);
        let empty = Value::Null;
        let annotations = |rs: &super::revisions::Rs| {
            rs.raw
                .pointer("/metadata/annotations")
                .cloned()
                .unwrap_or(Value::Null)
        };
        let live_template = live_rs
            .map(|r| r.template())
            .unwrap_or(snap.owner.template());
        let live_annotations = live_rs.map(annotations).unwrap_or(empty);
        let changes = template_diff(
            (&live_template, &live_annotations),
            (&target_rs.template(), &annotations(target_rs)),
        );
        let key = address.kind.revision_key();
        let back = live_rs
            .and_then(|l| revision_of(l, key))
            .zip(revision_of(target_rs, key))
            .map_or(0, |(l, t)| l - t);
        Ok(Diff {
            rollout: None,
            live: live_d.map(|d| d.id.clone()),
            target: target.clone(),
            artifact_from: live_d.map(|d| d.artifact.clone()),
            artifact_to: target_d.artifact.clone(),
            commits_between: Vec::new(),
            // Kubernetes knows revisions, not commits: the count is of revisions.
            commits_back: back,
            config_drift: changes.config_drift,
            migrations_not_reverted: Vec::new(),
            domains: self.domain_moves(&snap, target).await,
            switch: match target_d.runtime_state {
                RuntimeState::SpunDown => SwitchKind::Cold {
                    estimate_secs: COLD_START_ESTIMATE_SECS,
                },
                _ => SwitchKind::Instant,
            },
            details: changes.details,
        })
    }

    /// Hosts stay on the same Service; the pods behind it change. So none moves.
    pub(super) async fn domain_moves(
        &self,
        snap: &Snapshot,
        target: &DeploymentId,
    ) -> Vec<DomainMove> {
        let live = snap.live_rs().map(|rs| DeploymentId::new(rs.name()));
        self.hosts(snap)
            .await
            .into_iter()
            .map(|hostname| DomainMove {
                hostname,
                kind: DomainKind::Environment,
                from: live.clone(),
                to: Some(target.clone()),
                moves: false,
                inferred: false,
            })
            .collect()
    }

    /// The workload and its revisions, shared by the reads of the last moment.
    pub(super) async fn snapshot(&self, address: &Address) -> Result<Snapshot, BackendError> {
        self.recent
            .snapshot(&self.api, address, self.clock.now())
            .await
    }

    /// Ingress and HTTPRoute hosts reaching the workload's pods. Lists we may not read
    /// leave their hosts out rather than failing the screen. The namespace's lists are
    /// shared by the reads of the last moment, and Ingresses and HTTPRoutes are read only
    /// when a Service selects the pods.
    async fn hosts(&self, snap: &Snapshot) -> Vec<String> {
        let ns = &snap.address.namespace;
        let now = self.clock.now();
        let labels = snap
            .owner
            .raw
            .pointer("/spec/template/metadata/labels")
            .cloned()
            .unwrap_or(Value::Null);
        let network = |kind| self.recent.network_list(&self.api, kind, ns, now);
        let Some(services) = network(Kind::Service).await else {
            return Vec::new();
        };
        let names = domains::selecting_services(&services, &labels);
        if names.is_empty() {
            return Vec::new();
        }
        let mut hosts = std::collections::BTreeSet::new();
        if let Some(ingresses) = network(Kind::Ingress).await {
            hosts.extend(domains::ingress_hosts(&ingresses, &names));
        }
        if self.gateway
            && let Some(routes) = network(Kind::HttpRoute).await
        {
            hosts.extend(domains::route_hosts(&routes, &names));
        }
        hosts.into_iter().collect()
    }
}

pub(super) fn deployments_of(env: &EnvRef, snap: &Snapshot) -> Vec<Deployment> {
    let key = snap.address.kind.revision_key();
    snap.revisions
        .iter()
        .enumerate()
        .map(|(i, rs)| {
            let int = |p: &str| rs.raw.pointer(p).and_then(Value::as_i64).unwrap_or(0) as i32;
            mapping::deployment(RevisionView {
                env,
                revision_key: key,
                rs,
                is_live: snap.live == Some(i),
                rollout: &snap.rollout,
                spec_replicas: int("/spec/replicas"),
                status_replicas: int("/status/replicas"),
                ready_replicas: int("/status/readyReplicas"),
            })
        })
        .collect()
}

fn find<'a>(
    all: &'a [Deployment],
    id: &DeploymentId,
    env: &EnvRef,
) -> Result<&'a Deployment, BackendError> {
    all.iter()
        .find(|d| &d.id == id)
        .ok_or_else(|| BackendError::not_found(format!("replicaset {id} of {}", env.project)))
}

fn environment_kind(name: &str) -> EnvironmentKind {
    let n = name.to_ascii_lowercase();
    if n.contains("prod") {
        EnvironmentKind::Production
    } else if n.contains("stag") {
        EnvironmentKind::Staging
    } else {
        EnvironmentKind::Other
    }
}

/// Offset cursors over a list read whole (the API cannot order ReplicaSets by revision).
pub(super) fn paginate<T>(items: Vec<T>, page: &PageRequest) -> Page<T> {
    let start: usize = page
        .cursor
        .as_deref()
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let limit = page.limit.unwrap_or(usize::MAX).max(1);
    let total = items.len();
    let items: Vec<T> = items.into_iter().skip(start).take(limit).collect();
    let end = start.saturating_add(items.len());
    Page {
        items,
        next: (end < total).then(|| end.to_string()),
    }
}
