//! Objects as the API server sent them: the raw JSON (written back byte for byte in patches
//! and `test` ops, so fields this build does not know are never dropped) beside the typed view.

use crate::backend::BackendError;
use serde::de::DeserializeOwned;
use serde_json::Value;

#[derive(Clone, Debug)]
pub struct Fetched<T> {
    pub typed: T,
    pub raw: Value,
}

impl<T: DeserializeOwned> Fetched<T> {
    pub fn from_raw(raw: Value, what: &str) -> Result<Self, BackendError> {
        let typed = serde_json::from_value(raw.clone()).map_err(|e| BackendError::Decode {
            message: format!("{what}: {e}"),
            excerpt: None,
        })?;
        Ok(Self { typed, raw })
    }
}

impl<T> Fetched<T> {
    pub fn name(&self) -> &str {
        self.raw
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.raw
            .get("metadata")
            .and_then(|m| m.get("annotations"))
            .and_then(|a| a.get(key))
            .and_then(Value::as_str)
    }

    pub fn created_at(&self) -> Option<crate::domain::Timestamp> {
        self.raw
            .pointer("/metadata/creationTimestamp")
            .and_then(Value::as_str)
            .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
            .map(|t| t.with_timezone(&chrono::Utc))
    }

    /// `spec.template` as sent.
    pub fn template(&self) -> Value {
        self.raw
            .pointer("/spec/template")
            .cloned()
            .unwrap_or(Value::Null)
    }
}

/// The label the deployment controller adds to a ReplicaSet's template.
pub const POD_TEMPLATE_HASH: &str = "pod-template-hash";
/// The same for Argo Rollouts.
pub const ROLLOUTS_POD_TEMPLATE_HASH: &str = "rollouts-pod-template-hash";

/// A pod template in a form where two templates compare equal exactly when kubectl's
/// `equalIgnoreHash` says so: the hash labels removed, and empty maps, empty lists and
/// nulls dropped (Kubernetes' semantic equality treats nil and empty alike).
pub fn normalized_template(template: &Value) -> Value {
    let mut t = template.clone();
    if let Some(labels) = t
        .pointer_mut("/metadata/labels")
        .and_then(Value::as_object_mut)
    {
        labels.remove(POD_TEMPLATE_HASH);
        labels.remove(ROLLOUTS_POD_TEMPLATE_HASH);
    }
    prune_empty(&mut t);
    t
}

pub fn templates_equal(a: &Value, b: &Value) -> bool {
    normalized_template(a) == normalized_template(b)
}

fn prune_empty(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.values_mut().for_each(prune_empty);
            map.retain(|_, v| !is_empty(v));
        }
        Value::Array(items) => items.iter_mut().for_each(prune_empty),
        _ => {}
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn templates_differing_only_by_hash_and_empty_maps_are_equal() {
        let a = json!({"metadata": {"labels": {"app": "web", "pod-template-hash": "abc"}, "annotations": {}},
                       "spec": {"containers": [{"name": "web", "image": "web:1", "env": []}]}});
        let b = json!({"metadata": {"labels": {"app": "web"}},
                       "spec": {"containers": [{"name": "web", "image": "web:1"}]}});
        assert!(templates_equal(&a, &b));
        let c = json!({"metadata": {"labels": {"app": "web"}},
                       "spec": {"containers": [{"name": "web", "image": "web:2"}]}});
        assert!(!templates_equal(&a, &c));
    }
}
