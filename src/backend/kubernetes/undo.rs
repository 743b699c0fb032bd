//! Rollback with the outcome of `kubectl rollout undo --to-revision=N`
//! (`pkg/polymorphichelpers/rollback.go`, `DeploymentRollbacker`), plus a guard kubectl lacks.
//!
//! kubectl sends a JSON patch replacing `/spec/template` with the revision's template (its
//! `pod-template-hash` label removed) and `/metadata/annotations` with: the Deployment's
//! own values of the bookkeeping annotations (`ANNOTATIONS_TO_SKIP`), then every other
//! annotation of the revision's ReplicaSet (so its change-cause comes back). The
//! Deployment's other annotations are dropped, exactly as kubectl drops them.
//!
//! We add one `test` op first: `/spec/template` must still equal the template we read. If
//! anyone changed the pods' definition meanwhile the API server refuses the whole patch
//! (422) instead of the last writer silently winning. We test the template rather than
//! `resourceVersion` because status updates bump the resourceVersion every few seconds
//! during a rollout, which is exactly when an engineer rolls back.

use super::objects::{Fetched, POD_TEMPLATE_HASH, ROLLOUTS_POD_TEMPLATE_HASH, templates_equal};
use super::revisions::{ANNOTATIONS_TO_SKIP, Rs};
use crate::backend::{BackendError, PreconditionCode};
use serde_json::{Map, Value, json};

/// kubectl's words for a paused Deployment, kept in sense.
pub const PAUSED_MESSAGE: &str = "you cannot roll back a paused deployment; resume it first with 'kubectl rollout resume' and try again";

/// The JSON patch that restores `target`'s template into `deployment`.
pub fn undo_patch<T>(
    deployment: &Fetched<T>,
    target: &Rs,
    style: UndoStyle,
    guarded: bool,
) -> Result<Value, BackendError> {
    if is_paused(deployment) {
        return Err(BackendError::precondition(
            PreconditionCode::Paused,
            PAUSED_MESSAGE,
        ));
    }
    let current = deployment.template();
    if templates_equal(&target.template(), &current) {
        return Err(BackendError::precondition(
            PreconditionCode::AlreadyLive,
            format!(
                "the current template already matches {}; nothing to roll back",
                target.name()
            ),
        ));
    }
    let mut template = target.template();
    if let Some(labels) = template
        .pointer_mut("/metadata/labels")
        .and_then(Value::as_object_mut)
    {
        labels.remove(match style {
            UndoStyle::Deployment => POD_TEMPLATE_HASH,
            UndoStyle::Rollout => ROLLOUTS_POD_TEMPLATE_HASH,
        });
    }
    let mut ops = Vec::with_capacity(3);
    if guarded {
        ops.push(json!({"op": "test", "path": "/spec/template", "value": current}));
    }
    ops.push(json!({"op": "replace", "path": "/spec/template", "value": template}));
    if style == UndoStyle::Deployment {
        ops.push(json!({"op": "replace", "path": "/metadata/annotations",
                        "value": restored_annotations(deployment, target)}));
    }
    Ok(Value::Array(ops))
}

/// kubectl for Deployments; `kubectl argo rollouts undo` for Rollouts, which replaces the
/// template only and strips its own hash label.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UndoStyle {
    Deployment,
    Rollout,
}

pub fn is_paused<T>(owner: &Fetched<T>) -> bool {
    owner.raw.pointer("/spec/paused").and_then(Value::as_bool) == Some(true)
}

fn restored_annotations<T>(deployment: &Fetched<T>, target: &Rs) -> Value {
    let mut out = Map::new();
    for key in ANNOTATIONS_TO_SKIP {
        if let Some(v) = deployment.annotation(key) {
            out.insert(key.to_owned(), Value::String(v.to_owned()));
        }
    }
    if let Some(own) = target
        .raw
        .pointer("/metadata/annotations")
        .and_then(Value::as_object)
    {
        for (k, v) in own {
            if !ANNOTATIONS_TO_SKIP.contains(&k.as_str()) {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::super::revisions::Deploy;
    use super::*;

    fn deployment(paused: bool) -> Deploy {
        Fetched::from_raw(
            json!({"metadata": {"name": "web", "annotations": {
                        "deployment.kubernetes.io/revision": "3",
                        "kubernetes.io/change-cause": "v3", "team": "web"}},
                   "spec": {"paused": paused, "selector": {}, "template": {
                        "metadata": {"labels": {"app": "web"}},
                        "spec": {"containers": [{"name": "web", "image": "web:3"}]}}}}),
            "d",
        )
        .unwrap()
    }

    fn revision_one() -> Rs {
        Fetched::from_raw(
            json!({"metadata": {"name": "web-1", "annotations": {
                        "deployment.kubernetes.io/revision": "1",
                        "deployment.kubernetes.io/desired-replicas": "2",
                        "kubernetes.io/change-cause": "v1"}},
                   "spec": {"selector": {}, "template": {
                        "metadata": {"labels": {"app": "web", "pod-template-hash": "h1"}},
                        "spec": {"containers": [{"name": "web", "image": "web:1"}]}}}}),
            "rs",
        )
        .unwrap()
    }

    #[test]
    fn the_patch_restores_template_and_annotations_like_kubectl() {
        let patch = undo_patch(
            &deployment(false),
            &revision_one(),
            UndoStyle::Deployment,
            true,
        )
        .unwrap();
        let ops = patch.as_array().unwrap();
        assert_eq!(ops[0]["op"], "test");
        assert_eq!(ops[0]["value"]["spec"]["containers"][0]["image"], "web:3");
        assert_eq!(ops[1]["value"]["metadata"]["labels"], json!({"app": "web"}));
        assert_eq!(ops[1]["value"]["spec"]["containers"][0]["image"], "web:1");
        assert_eq!(
            ops[2]["value"],
            json!({"deployment.kubernetes.io/revision": "3", "kubernetes.io/change-cause": "v1"})
        );
    }

    #[test]
    fn a_paused_deployment_is_refused() {
        let err = undo_patch(
            &deployment(true),
            &revision_one(),
            UndoStyle::Deployment,
            true,
        )
        .unwrap_err();
        assert!(matches!(
            err,
            BackendError::Precondition {
                code: PreconditionCode::Paused,
                ..
            }
        ));
    }
}
