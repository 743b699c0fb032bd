//! The fake cluster's objects: resourceVersion, generation and uid bookkeeping as the API
//! server does it.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashSet};

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    pub group: String,
    pub plural: String,
    pub namespace: String,
    pub name: String,
}

impl Key {
    pub fn new(group: &str, plural: &str, namespace: &str, name: &str) -> Self {
        Self {
            group: group.into(),
            plural: plural.into(),
            namespace: namespace.into(),
            name: name.into(),
        }
    }

    pub fn deployment(ns: &str, name: &str) -> Self {
        Self::new("apps", "deployments", ns, name)
    }

    pub fn replicaset(ns: &str, name: &str) -> Self {
        Self::new("apps", "replicasets", ns, name)
    }
}

/// One request as the server saw it.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub content_type: Option<String>,
    pub body: String,
}

/// A write by someone else, run when the next PATCH arrives (before it is applied).
pub type Hook = Box<dyn FnOnce(&mut Store) + Send>;

#[derive(Default)]
pub struct Store {
    pub before_next_patch: Option<Hook>,
    /// The next PATCH is applied, and its answer held back this long.
    pub answer_next_patch_after: Option<std::time::Duration>,
    pub objects: BTreeMap<Key, Value>,
    revision: u64,
    uids: u64,
    /// `(verb, resource)` pairs answered 403, e.g. `("patch", "deployments.apps")`.
    pub forbidden: HashSet<(String, String)>,
    /// The deployment controller moves one step per `tick` instead of finishing at once.
    pub manual_rollouts: bool,
    /// Every list answer names a new `continue` token: a server that pages forever.
    pub endless_lists: bool,
    pub requests: Vec<Recorded>,
    /// Events of this run, with ascending timestamps.
    events: u64,
}

impl Store {
    pub fn next_revision(&mut self) -> String {
        self.revision += 1;
        self.revision.to_string()
    }

    /// Stores `obj` under `key` as a create: uid, creationTimestamp, resourceVersion,
    /// generation 1.
    pub fn create(&mut self, key: Key, mut obj: Value, created: DateTime<Utc>) -> Value {
        self.uids += 1;
        let rv = self.next_revision();
        let meta = obj["metadata"].as_object_mut().expect("metadata");
        meta.insert("name".into(), json!(key.name));
        if !key.namespace.is_empty() {
            meta.insert("namespace".into(), json!(key.namespace));
        }
        meta.entry("uid")
            .or_insert(json!(format!("00000000-0000-0000-0000-{:012}", self.uids)));
        meta.insert("resourceVersion".into(), json!(rv));
        meta.insert("generation".into(), json!(1));
        meta.entry("creationTimestamp").or_insert(json!(
            created.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ));
        self.objects.insert(key, obj.clone());
        obj
    }

    /// Replaces an object after a write: bumps resourceVersion, and generation when the
    /// spec changed.
    pub fn replace(&mut self, key: &Key, mut obj: Value) -> Value {
        let old = self.objects.get(key).cloned().unwrap_or(Value::Null);
        let mut generation = old
            .pointer("/metadata/generation")
            .and_then(Value::as_i64)
            .unwrap_or(1);
        if old.get("spec") != obj.get("spec") {
            generation += 1;
        }
        // Fields a client cannot change.
        for field in ["uid", "creationTimestamp", "name", "namespace"] {
            if let Some(v) = old.pointer(&format!("/metadata/{field}")) {
                obj["metadata"][field] = v.clone();
            }
        }
        obj["metadata"]["generation"] = json!(generation);
        obj["metadata"]["resourceVersion"] = json!(self.next_revision());
        self.objects.insert(key.clone(), obj.clone());
        obj
    }

    /// Records who wrote an object, as the API server's `managedFields` do (one entry per
    /// manager, with the time of its latest write).
    pub fn write_by(obj: &mut Value, manager: &str) {
        let now = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let mut fields: Vec<Value> = obj
            .pointer("/metadata/managedFields")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        fields.retain(|f| f["manager"] != manager);
        fields.push(json!({"manager": manager, "operation": "Update",
                           "apiVersion": "apps/v1", "time": now, "fieldsType": "FieldsV1"}));
        obj["metadata"]["managedFields"] = Value::Array(fields);
    }

    pub fn get(&self, key: &Key) -> Option<&Value> {
        self.objects.get(key)
    }

    pub fn list(&self, group: &str, plural: &str, namespace: &str) -> Vec<Value> {
        self.objects
            .iter()
            .filter(|(k, _)| k.group == group && k.plural == plural && k.namespace == namespace)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// Records an event about `object` (a Deployment or ReplicaSet).
    pub fn event(&mut self, ns: &str, kind: &str, object: &str, reason: &str, message: String) {
        self.event_of_type(ns, kind, object, reason, message, "Normal");
    }

    pub fn event_of_type(
        &mut self,
        ns: &str,
        kind: &str,
        object: &str,
        reason: &str,
        message: String,
        event_type: &str,
    ) {
        self.events += 1;
        let now = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let name = format!("{object}.{:016x}", self.events);
        let uid = format!("event-{}", self.events);
        let obj = json!({
            "apiVersion": "v1", "kind": "Event",
            "metadata": {"name": name, "namespace": ns, "uid": uid},
            "involvedObject": {"kind": kind, "namespace": ns, "name": object,
                               "apiVersion": if kind == "Pod" { "v1" } else { "apps/v1" }},
            "reason": reason, "message": message, "type": event_type,
            "source": {"component": "deployment-controller"},
            "firstTimestamp": now, "lastTimestamp": now, "count": 1
        });
        self.create(Key::new("", "events", ns, &name), obj, Utc::now());
    }

    /// Moves every event recorded so far `by` into the past.
    pub fn age_events(&mut self, by: chrono::Duration) {
        for (key, event) in self.objects.iter_mut() {
            if key.plural != "events" {
                continue;
            }
            for field in ["firstTimestamp", "lastTimestamp"] {
                let earlier = event[field]
                    .as_str()
                    .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                    .map(|t| {
                        (t.with_timezone(&Utc) - by)
                            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                    });
                if let Some(t) = earlier {
                    event[field] = json!(t);
                }
            }
        }
    }

    pub fn is_forbidden(&self, verb: &str, resource: &str) -> bool {
        self.forbidden
            .contains(&(verb.to_owned(), resource.to_owned()))
    }
}
