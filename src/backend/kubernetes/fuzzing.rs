//! Every decoder this adapter applies to objects from the API server, fed the same bytes
//! (see `crate::fuzzing`). The bytes are one JSON document: a workload, or a list of
//! objects (`{"items": [...]}`) read as ReplicaSets, Services, Ingresses and HTTPRoutes.

use super::errors::{Call, map};
use super::objects::Fetched;
use super::read::deployments_of;
use super::revisions::Rs;
use super::workload::{Address, WorkloadKind, assemble};
use super::{argo, diff, domains, mapping, status};
use crate::domain::EnvRef;
use k8s_openapi::api::apps::v1::Deployment;
use serde_json::Value;

pub(crate) fn fuzz_answer(bytes: &[u8]) {
    if let Ok(status) = serde_json::from_slice::<kube::core::Status>(bytes) {
        let call = Call {
            verb: "patch",
            resource: "deployments.apps",
            object: "deployment shop/web",
        };
        let _ = map(call, kube::Error::Api(Box::new(status))).to_string();
    }
    let Ok(raw) = serde_json::from_slice::<Value>(bytes) else {
        return;
    };
    let items: Vec<Value> = match raw.get("items").and_then(Value::as_array) {
        Some(items) => items.clone(),
        None => vec![raw.clone()],
    };
    let replica_sets: Vec<Rs> = items
        .iter()
        .filter_map(|v| Fetched::from_raw(v.clone(), "replicaset").ok())
        .collect();
    let env = EnvRef::new("shop/web", "shop");
    for kind in [WorkloadKind::Deployment, WorkloadKind::Rollout] {
        let address = Address {
            kind,
            namespace: "shop".to_owned(),
            name: "web".to_owned(),
        };
        let owner = items.first().cloned().unwrap_or(Value::Null);
        if let Ok(snapshot) = assemble(&address, owner, replica_sets.clone()) {
            let _ = deployments_of(&env, &snapshot);
        }
    }
    if let Ok(deployment) = Fetched::<Deployment>::from_raw(raw.clone(), "deployment") {
        let _ = status::rollout(&deployment.typed);
    }
    let _ = argo::rollout_state(&raw);
    let _ = argo::stable_and_current(&raw);
    let _ = argo::update_in_progress(&raw);
    let template = raw
        .pointer("/spec/template")
        .cloned()
        .unwrap_or(Value::Null);
    let containers = mapping::containers(&template);
    let _ = mapping::config_entries(&containers);
    for pair in items.windows(2) {
        let _ = diff::template_diff((&pair[0], &pair[0]), (&pair[1], &pair[1]));
    }
    let labels = template
        .pointer("/metadata/labels")
        .cloned()
        .unwrap_or(Value::Null);
    let services = domains::selecting_services(&items, &labels);
    let _ = domains::ingress_hosts(&items, &services);
    let _ = domains::route_hosts(&items, &services);
}
