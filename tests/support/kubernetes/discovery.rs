//! Legacy (non-aggregated) discovery documents, enough for kubectl's RESTMapper and
//! kube-rs: `/version`, `/api`, `/api/v1`, `/apis`, `/apis/{group}/{version}`.

use serde_json::{Value, json};

/// One served resource: group, version, plural, kind, namespaced, subresources.
pub struct Served {
    pub group: &'static str,
    pub version: &'static str,
    pub plural: &'static str,
    pub kind: &'static str,
    pub namespaced: bool,
    pub verbs: &'static [&'static str],
    pub subresources: &'static [&'static str],
}

const RW: &[&str] = &[
    "get", "list", "watch", "patch", "update", "create", "delete",
];

pub fn served(argo: bool, gateway: bool) -> Vec<Served> {
    let mut all = vec![
        Served {
            group: "",
            version: "v1",
            plural: "events",
            kind: "Event",
            namespaced: true,
            verbs: RW,
            subresources: &[],
        },
        Served {
            group: "",
            version: "v1",
            plural: "services",
            kind: "Service",
            namespaced: true,
            verbs: RW,
            subresources: &["status"],
        },
        Served {
            group: "",
            version: "v1",
            plural: "pods",
            kind: "Pod",
            namespaced: true,
            verbs: RW,
            subresources: &["status"],
        },
        Served {
            group: "",
            version: "v1",
            plural: "namespaces",
            kind: "Namespace",
            namespaced: false,
            verbs: RW,
            subresources: &[],
        },
        Served {
            group: "apps",
            version: "v1",
            plural: "deployments",
            kind: "Deployment",
            namespaced: true,
            verbs: RW,
            subresources: &["status", "scale"],
        },
        Served {
            group: "apps",
            version: "v1",
            plural: "replicasets",
            kind: "ReplicaSet",
            namespaced: true,
            verbs: RW,
            subresources: &["status", "scale"],
        },
        Served {
            group: "networking.k8s.io",
            version: "v1",
            plural: "ingresses",
            kind: "Ingress",
            namespaced: true,
            verbs: RW,
            subresources: &["status"],
        },
        Served {
            group: "authorization.k8s.io",
            version: "v1",
            plural: "selfsubjectaccessreviews",
            kind: "SelfSubjectAccessReview",
            namespaced: false,
            verbs: &["create"],
            subresources: &[],
        },
        Served {
            group: "authentication.k8s.io",
            version: "v1",
            plural: "selfsubjectreviews",
            kind: "SelfSubjectReview",
            namespaced: false,
            verbs: &["create"],
            subresources: &[],
        },
    ];
    if gateway {
        all.push(Served {
            group: "gateway.networking.k8s.io",
            version: "v1",
            plural: "httproutes",
            kind: "HTTPRoute",
            namespaced: true,
            verbs: RW,
            subresources: &["status"],
        });
    }
    if argo {
        all.push(Served {
            group: "argoproj.io",
            version: "v1alpha1",
            plural: "rollouts",
            kind: "Rollout",
            namespaced: true,
            verbs: RW,
            subresources: &["status", "scale"],
        });
    }
    all
}

pub fn version() -> Value {
    json!({"major": "1", "minor": "33", "gitVersion": "v1.33.0", "gitCommit": "fake",
           "gitTreeState": "clean", "buildDate": "2026-01-01T00:00:00Z",
           "goVersion": "go1.24", "compiler": "gc", "platform": "linux/amd64"})
}

pub fn core_versions(server: &str) -> Value {
    json!({"kind": "APIVersions", "versions": ["v1"],
           "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server}]})
}

pub fn groups(all: &[Served]) -> Value {
    let mut names: Vec<(&str, &str)> = all
        .iter()
        .filter(|s| !s.group.is_empty())
        .map(|s| (s.group, s.version))
        .collect();
    names.dedup();
    let groups: Vec<Value> = names
        .iter()
        .map(|(g, v)| {
            let gv = json!({"groupVersion": format!("{g}/{v}"), "version": v});
            json!({"name": g, "versions": [gv.clone()], "preferredVersion": gv})
        })
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

/// The resource list of one group/version, or `None` when not served.
pub fn resources(all: &[Served], group: &str, version: &str) -> Option<Value> {
    let mine: Vec<&Served> = all
        .iter()
        .filter(|s| s.group == group && s.version == version)
        .collect();
    if mine.is_empty() {
        return None;
    }
    let mut list = Vec::new();
    for s in mine {
        let singular = s.kind.to_ascii_lowercase();
        list.push(
            json!({"name": s.plural, "singularName": singular, "namespaced": s.namespaced,
                         "kind": s.kind, "verbs": s.verbs}),
        );
        for sub in s.subresources {
            list.push(
                json!({"name": format!("{}/{sub}", s.plural), "singularName": "",
                             "namespaced": s.namespaced, "kind": s.kind,
                             "verbs": ["get", "patch", "update"]}),
            );
        }
    }
    let gv = if group.is_empty() {
        version.to_owned()
    } else {
        format!("{group}/{version}")
    };
    Some(
        json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": list}),
    )
}

pub fn kind_of(all: &[Served], group: &str, plural: &str) -> Option<(&'static str, &'static str)> {
    all.iter()
        .find(|s| s.group == group && s.plural == plural)
        .map(|s| (s.kind, s.version))
}
