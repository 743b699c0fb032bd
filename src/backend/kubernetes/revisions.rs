//! A Deployment's history the way kubectl reads it: its ReplicaSets, their revision
//! numbers, and which one is live (`pkg/util/deployment/deployment.go`).

use super::objects::{Fetched, templates_equal};
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};

/// Revision of a ReplicaSet (`deployment.kubernetes.io/revision`).
pub const REVISION: &str = "deployment.kubernetes.io/revision";
/// Earlier revisions this ReplicaSet served, comma separated.
pub const REVISION_HISTORY: &str = "deployment.kubernetes.io/revision-history";
pub const DESIRED_REPLICAS: &str = "deployment.kubernetes.io/desired-replicas";
pub const MAX_REPLICAS: &str = "deployment.kubernetes.io/max-replicas";
pub const CHANGE_CAUSE: &str = "kubernetes.io/change-cause";
pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";
/// The deprecated `rollbackTo` annotation of extensions/v1beta1.
pub const DEPRECATED_ROLLBACK_TO: &str = "deprecated.deployment.rollback.to";

/// Annotations kubectl's undo keeps from the Deployment instead of taking them from the
/// ReplicaSet (`annotationsToSkip` in `pkg/polymorphichelpers/rollback.go`).
pub const ANNOTATIONS_TO_SKIP: [&str; 6] = [
    LAST_APPLIED,
    REVISION,
    REVISION_HISTORY,
    DESIRED_REPLICAS,
    MAX_REPLICAS,
    DEPRECATED_ROLLBACK_TO,
];

pub type Rs = Fetched<ReplicaSet>;
pub type Deploy = Fetched<Deployment>;

/// The revision number of an object carrying `key`; unparsable counts as none.
pub fn revision_of<T>(obj: &Fetched<T>, key: &str) -> Option<i64> {
    obj.annotation(key).and_then(|v| v.trim().parse().ok())
}

/// The ReplicaSets the Deployment controls (the controller owner reference's uid), as
/// kubectl's `ListReplicaSets` keeps them.
pub fn owned_by(uid: &str, all: Vec<Rs>) -> Vec<Rs> {
    all.into_iter()
        .filter(|rs| {
            rs.typed
                .metadata
                .owner_references
                .iter()
                .flatten()
                .any(|o| o.controller == Some(true) && o.uid == uid)
        })
        .collect()
}

/// Newest revision first; ties (never in practice) by name.
pub fn sort_newest_first(list: &mut [Rs], key: &str) {
    list.sort_by(|a, b| {
        revision_of(b, key)
            .unwrap_or(0)
            .cmp(&revision_of(a, key).unwrap_or(0))
            .then_with(|| a.name().cmp(b.name()))
    });
}

/// The live ReplicaSet: the oldest whose template equals the Deployment's ignoring the
/// hash label (`FindNewReplicaSet`).
pub fn live<'a>(owner_template: &serde_json::Value, list: &'a [Rs]) -> Option<&'a Rs> {
    list.iter()
        .filter(|rs| templates_equal(&rs.template(), owner_template))
        .min_by(|a, b| {
            a.typed
                .metadata
                .creation_timestamp
                .cmp(&b.typed.metadata.creation_timestamp)
                .then_with(|| a.name().cmp(b.name()))
        })
}

/// The ReplicaSet of revision `n`, or of the previous revision when `n` is 0, as
/// kubectl's `deploymentRevision` picks it.
pub fn for_revision<'a>(list: &'a [Rs], n: i64, key: &str) -> Option<&'a Rs> {
    if n > 0 {
        return list.iter().find(|rs| revision_of(rs, key) == Some(n));
    }
    let mut revisions: Vec<(i64, &Rs)> = list
        .iter()
        .filter_map(|rs| revision_of(rs, key).map(|r| (r, rs)))
        .collect();
    revisions.sort_by_key(|r| std::cmp::Reverse(r.0));
    revisions.get(1).map(|(_, rs)| *rs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rs(name: &str, revision: &str, image: &str, created: &str) -> Rs {
        Fetched::from_raw(
            json!({
                "metadata": {"name": name, "creationTimestamp": created,
                             "annotations": {REVISION: revision},
                             "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment",
                                 "name": "web", "uid": "u1", "controller": true}]},
                "spec": {"selector": {}, "template": {
                    "metadata": {"labels": {"app": "web", "pod-template-hash": name}},
                    "spec": {"containers": [{"name": "web", "image": image}]}}}
            }),
            "rs",
        )
        .unwrap()
    }

    #[test]
    fn previous_revision_is_the_second_newest() {
        let list = vec![
            rs("a", "1", "web:1", "2026-01-01T00:00:00Z"),
            rs("c", "3", "web:3", "2026-01-03T00:00:00Z"),
            rs("b", "2", "web:2", "2026-01-02T00:00:00Z"),
        ];
        assert_eq!(for_revision(&list, 0, REVISION).unwrap().name(), "b");
        assert_eq!(for_revision(&list, 1, REVISION).unwrap().name(), "a");
        assert!(for_revision(&list, 9, REVISION).is_none());
    }

    #[test]
    fn live_is_the_oldest_with_an_equal_template() {
        let list = vec![
            rs("new", "3", "web:2", "2026-01-03T00:00:00Z"),
            rs("old", "2", "web:2", "2026-01-02T00:00:00Z"),
            rs("other", "1", "web:1", "2026-01-01T00:00:00Z"),
        ];
        let template = json!({"metadata": {"labels": {"app": "web"}},
                              "spec": {"containers": [{"name": "web", "image": "web:2"}]}});
        assert_eq!(live(&template, &list).unwrap().name(), "old");
    }
}
