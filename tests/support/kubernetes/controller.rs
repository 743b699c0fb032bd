//! A minimal deployment controller, written after the documented behaviour of the real one:
//! on a template change it finds (or creates) the ReplicaSet whose template matches, gives it
//! the next revision (the old number goes to `revision-history`), copies the Deployment's
//! annotations onto it, scales it up and the others down, and reports status with
//! `observedGeneration`. In manual mode each `tick` moves one step, so a follower can see
//! every stage.

use super::store::{Key, Store};
use chrono::Utc;
use serde_json::{Map, Value, json};

const REVISION: &str = "deployment.kubernetes.io/revision";
const HISTORY: &str = "deployment.kubernetes.io/revision-history";
const SKIP: [&str; 6] = [
    "kubectl.kubernetes.io/last-applied-configuration",
    REVISION,
    HISTORY,
    "deployment.kubernetes.io/desired-replicas",
    "deployment.kubernetes.io/max-replicas",
    "deprecated.deployment.rollback.to",
];

/// The template without the hash label, with nulls and empty maps and lists dropped, and
/// keys sorted: equal exactly when the API server's semantic equality says so.
pub fn canonical_template(template: &Value) -> String {
    fn clean(v: &Value) -> Option<Value> {
        match v {
            Value::Null => None,
            Value::Object(m) => {
                let mut sorted: Vec<(&String, &Value)> = m.iter().collect();
                sorted.sort_by(|a, b| a.0.cmp(b.0));
                let out: Map<String, Value> = sorted
                    .into_iter()
                    .filter_map(|(k, v)| clean(v).map(|v| (k.clone(), v)))
                    .collect();
                (!out.is_empty()).then_some(Value::Object(out))
            }
            Value::Array(a) => {
                let out: Vec<Value> = a.iter().map(|v| clean(v).unwrap_or(Value::Null)).collect();
                (!out.is_empty()).then_some(Value::Array(out))
            }
            other => Some(other.clone()),
        }
    }
    let mut t = template.clone();
    if let Some(labels) = t
        .pointer_mut("/metadata/labels")
        .and_then(Value::as_object_mut)
    {
        labels.remove("pod-template-hash");
    }
    clean(&t).map(|v| v.to_string()).unwrap_or_default()
}

/// FNV-32a of the canonical template, spelled with the API machinery's safe alphabet.
pub fn template_hash(template: &Value) -> String {
    let h = canonical_template(template)
        .bytes()
        .fold(0x811c_9dc5_u32, |h, b| {
            (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
        });
    const SAFE: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    h.to_string()
        .bytes()
        .map(|b| SAFE[usize::from(b) % SAFE.len()] as char)
        .collect()
}

fn revision(obj: &Value) -> i64 {
    obj.pointer("/metadata/annotations")
        .and_then(|a| a.get(REVISION))
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

fn owned(store: &Store, ns: &str, uid: &str) -> Vec<Value> {
    store
        .list("apps", "replicasets", ns)
        .into_iter()
        .filter(|rs| {
            rs.pointer("/metadata/ownerReferences")
                .and_then(Value::as_array)
                .is_some_and(|o| o.iter().any(|r| r["uid"] == uid && r["controller"] == true))
        })
        .collect()
}

fn name(obj: &Value) -> String {
    obj["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Reacts to a written Deployment.
pub fn reconcile(store: &mut Store, ns: &str, deployment: &str) {
    let key = Key::deployment(ns, deployment);
    let Some(mut d) = store.get(&key).cloned() else {
        return;
    };
    let generation = d["metadata"]["generation"].as_i64().unwrap_or(1);
    if d.pointer("/spec/paused") == Some(&json!(true)) {
        d["status"]["observedGeneration"] = json!(generation);
        set_condition(
            &mut d,
            "Progressing",
            "Unknown",
            "DeploymentPaused",
            "Deployment is paused",
        );
        store.replace(&key, d);
        return;
    }
    let uid = d["metadata"]["uid"].as_str().unwrap_or_default().to_owned();
    let template = d["spec"]["template"].clone();
    let wanted = canonical_template(&template);
    let rss = owned(store, ns, &uid);
    let max = rss.iter().map(revision).max().unwrap_or(0);
    let replicas = d
        .pointer("/spec/replicas")
        .and_then(Value::as_i64)
        .unwrap_or(1);
    let deploy_annotations = d["metadata"]["annotations"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let copy = |rs: &mut Value| {
        for (k, v) in &deploy_annotations {
            if !SKIP.contains(&k.as_str()) {
                rs["metadata"]["annotations"][k] = v.clone();
            }
        }
    };
    let new_revision = match rss
        .iter()
        .find(|rs| canonical_template(&rs["spec"]["template"]) == wanted)
    {
        Some(existing) => {
            let mut rs = existing.clone();
            let old = revision(&rs);
            let rev = if old < max { max + 1 } else { old };
            if rev != old {
                let history = rs["metadata"]["annotations"][HISTORY]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                let history = if history.is_empty() {
                    old.to_string()
                } else {
                    format!("{history},{old}")
                };
                rs["metadata"]["annotations"][HISTORY] = json!(history);
                rs["metadata"]["annotations"][REVISION] = json!(rev.to_string());
            }
            copy(&mut rs);
            store.replace(&Key::replicaset(ns, &name(&rs)), rs);
            rev
        }
        None => {
            let hash = template_hash(&template);
            let rs_name = format!("{deployment}-{hash}");
            let mut t = template.clone();
            t["metadata"]["labels"]["pod-template-hash"] = json!(hash);
            let mut selector = d["spec"]["selector"].clone();
            selector["matchLabels"]["pod-template-hash"] = json!(hash);
            let mut rs = json!({
                "apiVersion": "apps/v1", "kind": "ReplicaSet",
                "metadata": {"name": rs_name, "labels": t["metadata"]["labels"].clone(),
                    "annotations": {REVISION: (max + 1).to_string(),
                        "deployment.kubernetes.io/desired-replicas": replicas.to_string(),
                        "deployment.kubernetes.io/max-replicas": (replicas + 1).to_string()},
                    "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment",
                        "name": deployment, "uid": uid, "controller": true,
                        "blockOwnerDeletion": true}]},
                "spec": {"replicas": 0, "selector": selector, "template": t},
                "status": {"replicas": 0, "observedGeneration": 1}
            });
            copy(&mut rs);
            store.create(Key::replicaset(ns, &rs_name), rs, Utc::now());
            max + 1
        }
    };
    d["metadata"]["annotations"][REVISION] = json!(new_revision.to_string());
    store.replace(&key, d);
    if !store.manual_rollouts {
        while step(store, ns, deployment) {}
    }
}

/// One step of a rollout; false when there is nothing left to do.
pub fn step(store: &mut Store, ns: &str, deployment: &str) -> bool {
    let key = Key::deployment(ns, deployment);
    let Some(mut d) = store.get(&key).cloned() else {
        return false;
    };
    let generation = d["metadata"]["generation"].as_i64().unwrap_or(1);
    let replicas = d
        .pointer("/spec/replicas")
        .and_then(Value::as_i64)
        .unwrap_or(1);
    let uid = d["metadata"]["uid"].as_str().unwrap_or_default().to_owned();
    let wanted = canonical_template(&d["spec"]["template"]);
    let rss = owned(store, ns, &uid);
    let Some(new) = rss
        .iter()
        .find(|rs| canonical_template(&rs["spec"]["template"]) == wanted)
        .cloned()
    else {
        return false;
    };
    let new_name = name(&new);
    let old: Vec<Value> = rss.into_iter().filter(|rs| name(rs) != new_name).collect();
    let old_count: i64 = old
        .iter()
        .map(|rs| rs["status"]["replicas"].as_i64().unwrap_or(0))
        .sum();
    let observed = d
        .pointer("/status/observedGeneration")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let new_spec = new["spec"]["replicas"].as_i64().unwrap_or(0);
    let new_ready = new
        .pointer("/status/availableReplicas")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    if observed < generation || new_spec != replicas {
        let mut rs = new.clone();
        rs["spec"]["replicas"] = json!(replicas);
        rs["status"] = json!({"replicas": replicas, "observedGeneration": 1});
        store.replace(&Key::replicaset(ns, &new_name), rs);
        let image = new["spec"]["template"]["spec"]["containers"][0]["image"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        for i in 0..replicas {
            store.event(
                ns,
                "Pod",
                &format!("{new_name}-p{i}"),
                "Pulled",
                format!("Container image \"{image}\" already present on machine"),
            );
        }
        if new_spec != replicas {
            store.event(
                ns,
                "Deployment",
                deployment,
                "ScalingReplicaSet",
                format!("Scaled up replica set {new_name} from {new_spec} to {replicas}"),
            );
        }
        d["status"] = json!({"observedGeneration": generation, "replicas": replicas + old_count,
            "updatedReplicas": replicas, "readyReplicas": old_count, "availableReplicas": old_count,
            "conditions": d.pointer("/status/conditions").cloned().unwrap_or(json!([]))});
        set_condition(
            &mut d,
            "Progressing",
            "True",
            "ReplicaSetUpdated",
            &format!("ReplicaSet \"{new_name}\" is progressing."),
        );
        store.replace(&key, d);
        return true;
    }
    if old_count > 0 {
        for mut rs in old
            .into_iter()
            .filter(|rs| rs["status"]["replicas"].as_i64().unwrap_or(0) > 0)
        {
            let from = rs["status"]["replicas"].as_i64().unwrap_or(0);
            let rs_name = name(&rs);
            rs["spec"]["replicas"] = json!(0);
            rs["status"] = json!({"replicas": 0, "observedGeneration": 1});
            store.replace(&Key::replicaset(ns, &rs_name), rs);
            store.event(
                ns,
                "Deployment",
                deployment,
                "ScalingReplicaSet",
                format!("Scaled down replica set {rs_name} from {from} to 0"),
            );
        }
        d["status"]["replicas"] = json!(replicas);
        d["status"]["readyReplicas"] = json!(0);
        d["status"]["availableReplicas"] = json!(0);
        store.replace(&key, d);
        return true;
    }
    if new_ready < replicas {
        let mut rs = new.clone();
        rs["status"] = json!({"replicas": replicas, "readyReplicas": replicas,
            "availableReplicas": replicas, "fullyLabeledReplicas": replicas, "observedGeneration": 1});
        store.replace(&Key::replicaset(ns, &new_name), rs);
        d["status"]["readyReplicas"] = json!(replicas);
        d["status"]["availableReplicas"] = json!(replicas);
        set_condition(
            &mut d,
            "Available",
            "True",
            "MinimumReplicasAvailable",
            "Deployment has minimum availability.",
        );
        set_condition(
            &mut d,
            "Progressing",
            "True",
            "NewReplicaSetAvailable",
            &format!("ReplicaSet \"{new_name}\" has successfully progressed."),
        );
        store.replace(&key, d);
        return true;
    }
    false
}

pub fn set_condition(d: &mut Value, kind: &str, status: &str, reason: &str, message: &str) {
    let now = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let mut list: Vec<Value> = d
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    list.retain(|c| c["type"] != kind);
    list.push(
        json!({"type": kind, "status": status, "reason": reason, "message": message,
                     "lastUpdateTime": now, "lastTransitionTime": now}),
    );
    if !d["status"].is_object() {
        d["status"] = json!({});
    }
    d["status"]["conditions"] = Value::Array(list);
}
