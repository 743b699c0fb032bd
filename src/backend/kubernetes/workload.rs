//! A workload (Deployment or Argo Rollout) with its ReplicaSets, read in one go.

use super::api::{Kind, KubeApi};
use super::objects::Fetched;
use super::revisions::{self, REVISION, Rs, owned_by, sort_newest_first};
use super::status::{self, Rollout};
use crate::backend::BackendError;
use crate::domain::ProjectId;
use k8s_openapi::api::apps::v1::Deployment;
use serde_json::Value;

/// The revision annotation Argo Rollouts puts on its ReplicaSets.
pub const ROLLOUT_REVISION: &str = "rollout.argoproj.io/revision";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WorkloadKind {
    Deployment,
    Rollout,
}

impl WorkloadKind {
    pub fn api_kind(self) -> Kind {
        match self {
            Self::Deployment => Kind::Deployment,
            Self::Rollout => Kind::Rollout,
        }
    }

    pub fn revision_key(self) -> &'static str {
        match self {
            Self::Deployment => REVISION,
            Self::Rollout => ROLLOUT_REVISION,
        }
    }

    pub fn noun(self) -> &'static str {
        match self {
            Self::Deployment => "deployment",
            Self::Rollout => "rollout",
        }
    }
}

/// Where a project lives: `shop/web` is Deployment `web` in namespace `shop`;
/// `shop/rollouts/web` is the Argo Rollout `web`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Address {
    pub kind: WorkloadKind,
    pub namespace: String,
    pub name: String,
}

impl Address {
    pub fn parse(project: &ProjectId) -> Result<Self, BackendError> {
        let parts: Vec<&str> = project.as_str().split('/').collect();
        let (kind, namespace, name) = match parts.as_slice() {
            [ns, name] => (WorkloadKind::Deployment, *ns, *name),
            [ns, "rollouts", name] => (WorkloadKind::Rollout, *ns, *name),
            _ => {
                return Err(BackendError::invalid(format!(
                    "{project} is not a Kubernetes project (namespace/name or namespace/rollouts/name)"
                )));
            }
        };
        Ok(Self {
            kind,
            namespace: namespace.to_owned(),
            name: name.to_owned(),
        })
    }

    pub fn project_id(&self) -> ProjectId {
        match self.kind {
            WorkloadKind::Deployment => ProjectId::new(format!("{}/{}", self.namespace, self.name)),
            WorkloadKind::Rollout => {
                ProjectId::new(format!("{}/rollouts/{}", self.namespace, self.name))
            }
        }
    }

    /// `deployment shop/web`, for messages.
    pub fn describe(&self) -> String {
        format!("{} {}/{}", self.kind.noun(), self.namespace, self.name)
    }
}

/// The owner object and its revisions, newest first, with the live one marked.
#[derive(Clone, Debug)]
pub struct Snapshot {
    pub address: Address,
    pub owner: Fetched<Value>,
    pub revisions: Vec<Rs>,
    pub live: Option<usize>,
    pub rollout: Rollout,
}

impl Snapshot {
    pub fn uid(&self) -> &str {
        self.owner
            .raw
            .pointer("/metadata/uid")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    pub fn live_rs(&self) -> Option<&Rs> {
        self.live.map(|i| &self.revisions[i])
    }

    pub fn find(&self, name: &str) -> Option<&Rs> {
        self.revisions.iter().find(|rs| rs.name() == name)
    }

    pub fn spec_replicas(&self) -> i32 {
        self.owner
            .raw
            .pointer("/spec/replicas")
            .and_then(Value::as_i64)
            .map_or(1, |r| r as i32)
    }
}

pub async fn load(api: &KubeApi, address: &Address) -> Result<Snapshot, BackendError> {
    let raw = api
        .get(address.kind.api_kind(), &address.namespace, &address.name)
        .await?;
    snapshot(api, address, raw).await
}

/// The workload `raw` with its ReplicaSets, listed now.
pub async fn snapshot(
    api: &KubeApi,
    address: &Address,
    raw: Value,
) -> Result<Snapshot, BackendError> {
    let selector = selector_string(raw.pointer("/spec/selector"));
    let all = api
        .list(
            Kind::ReplicaSet,
            &address.namespace,
            selector.as_deref(),
            None,
        )
        .await?
        .into_iter()
        .map(|v| Fetched::from_raw(v, "replicaset"))
        .collect::<Result<Vec<Rs>, _>>()?;
    assemble(address, raw, all)
}

/// The workload `raw` with those of `all` it controls, newest first, the live one marked.
pub fn assemble(address: &Address, raw: Value, all: Vec<Rs>) -> Result<Snapshot, BackendError> {
    let owner: Fetched<Value> = Fetched::from_raw(raw, &address.describe())?;
    let uid = owner
        .raw
        .pointer("/metadata/uid")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let mut revisions = owned_by(uid, all);
    let key = address.kind.revision_key();
    sort_newest_first(&mut revisions, key);
    let live = live_index(address.kind, &owner.raw, &revisions);
    let rollout = match address.kind {
        WorkloadKind::Deployment => {
            let typed: Deployment =
                serde_json::from_value(owner.raw.clone()).map_err(|e| BackendError::Decode {
                    message: format!("{}: {e}", address.describe()),
                    excerpt: None,
                })?;
            status::rollout(&typed)
        }
        WorkloadKind::Rollout => super::argo::rollout_state(&owner.raw),
    };
    Ok(Snapshot {
        address: address.clone(),
        owner,
        revisions,
        live,
        rollout,
    })
}

/// A Deployment's live ReplicaSet matches its template; a Rollout's is its stable one
/// (`status.stableRS`, a pod hash), which keeps most traffic while a canary runs.
fn live_index(kind: WorkloadKind, owner: &Value, revisions: &[Rs]) -> Option<usize> {
    if kind == WorkloadKind::Rollout
        && let Some(stable) = owner.pointer("/status/stableRS").and_then(Value::as_str)
    {
        return revisions.iter().position(|rs| {
            rs.raw
                .pointer("/metadata/labels/rollouts-pod-template-hash")
                .and_then(Value::as_str)
                == Some(stable)
        });
    }
    let name = revisions::live(
        &owner.pointer("/spec/template").cloned().unwrap_or_default(),
        revisions,
    )?
    .name()
    .to_owned();
    revisions.iter().position(|r| r.name() == name)
}

/// A `LabelSelector` as the `labelSelector` query parameter.
pub fn selector_string(selector: Option<&Value>) -> Option<String> {
    let selector = selector?;
    let mut parts: Vec<String> = selector
        .get("matchLabels")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| v.as_str().map(|v| format!("{k}={v}")))
        .collect();
    for expr in selector
        .get("matchExpressions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let key = expr.get("key").and_then(Value::as_str).unwrap_or_default();
        let values: Vec<&str> = expr
            .get("values")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        match expr.get("operator").and_then(Value::as_str) {
            Some("In") => parts.push(format!("{key} in ({})", values.join(","))),
            Some("NotIn") => parts.push(format!("{key} notin ({})", values.join(","))),
            Some("Exists") => parts.push(key.to_owned()),
            Some("DoesNotExist") => parts.push(format!("!{key}")),
            _ => {}
        }
    }
    (!parts.is_empty()).then(|| parts.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn project_ids_round_trip() {
        for id in ["shop/web", "shop/rollouts/web"] {
            let a = Address::parse(&ProjectId::new(id)).unwrap();
            assert_eq!(a.project_id().as_str(), id);
        }
        assert!(Address::parse(&ProjectId::new("web")).is_err());
    }

    #[test]
    fn selectors_become_query_strings() {
        let s = json!({"matchLabels": {"app": "web"},
                       "matchExpressions": [{"key": "tier", "operator": "In", "values": ["a", "b"]}]});
        assert_eq!(selector_string(Some(&s)).unwrap(), "app=web,tier in (a,b)");
    }
}
