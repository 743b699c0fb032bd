//! What the credentials may do, asked up front with a `SelfSubjectAccessReview` (only for
//! the verb an action needs, once per namespace and kind for [`TTL`]) and corrected by any 403
//! the API server returns later.

use super::api::Kind;
use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
};
use kube::api::{Api, PostParams};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Permission {
    Allowed,
    /// Not allowed; the API server's reason (may be empty).
    Denied {
        reason: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Key {
    namespace: String,
    verb: String,
    kind: &'static str,
    subresource: Option<&'static str>,
}

/// How long an answer is trusted: roles change, and a grant should show without a restart.
const TTL: Duration = Duration::from_secs(300);

#[derive(Default)]
pub struct Rbac {
    cache: Mutex<HashMap<Key, (Instant, Permission)>>,
    /// One review at a time, so checks that arrive together send one.
    asking: tokio::sync::Mutex<()>,
}

impl Rbac {
    /// Whether `verb` on `kind` in `namespace` is allowed; asked once, then remembered.
    /// A review that cannot be made counts as allowed: the write itself will say.
    pub async fn check(
        &self,
        client: &kube::Client,
        namespace: &str,
        verb: &str,
        kind: Kind,
        subresource: Option<&'static str>,
    ) -> Permission {
        let key = Key {
            namespace: namespace.to_owned(),
            verb: verb.to_owned(),
            kind: kind.plural(),
            subresource,
        };
        if let Some(known) = self.known(&key) {
            return known;
        }
        let _asking = self.asking.lock().await;
        if let Some(known) = self.known(&key) {
            return known;
        }
        let review = SelfSubjectAccessReview {
            spec: SelfSubjectAccessReviewSpec {
                resource_attributes: Some(ResourceAttributes {
                    namespace: Some(namespace.to_owned()),
                    verb: Some(verb.to_owned()),
                    group: Some(kind.group().to_owned()),
                    resource: Some(kind.plural().to_owned()),
                    subresource: subresource.map(str::to_owned),
                    ..ResourceAttributes::default()
                }),
                ..SelfSubjectAccessReviewSpec::default()
            },
            ..SelfSubjectAccessReview::default()
        };
        let answer = Api::<SelfSubjectAccessReview>::all(client.clone())
            .create(&PostParams::default(), &review)
            .await;
        let permission = match answer.ok().and_then(|r| r.status) {
            Some(status) if !status.allowed => Permission::Denied {
                reason: status.reason.unwrap_or_default(),
            },
            Some(_) => Permission::Allowed,
            None => return Permission::Allowed,
        };
        self.cache
            .lock()
            .expect("rbac cache")
            .insert(key, (Instant::now(), permission.clone()));
        permission
    }

    fn known(&self, key: &Key) -> Option<Permission> {
        match self.cache.lock().expect("rbac cache").get(key) {
            Some((at, known)) if at.elapsed() < TTL => Some(known.clone()),
            _ => None,
        }
    }

    /// The API server said 403: remember it so the action shows as disabled.
    pub fn record_denied(&self, namespace: &str, verb: &str, kind: Kind, reason: String) {
        let key = Key {
            namespace: namespace.to_owned(),
            verb: verb.to_owned(),
            kind: kind.plural(),
            subresource: None,
        };
        self.cache
            .lock()
            .expect("rbac cache")
            .insert(key, (Instant::now(), Permission::Denied { reason }));
    }
}

/// `patch deployments.apps`: how an action's RBAC need is named on screen.
pub fn need(verb: &str, kind: Kind) -> String {
    format!("{verb} {}", kind.rbac_name())
}
