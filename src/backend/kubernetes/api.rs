//! The few API calls the backend makes, on raw JSON objects, with errors typed at once.

pub use super::errors::status_code;
use super::errors::{self, Call};
use crate::backend::BackendError;
use kube::api::{Api, DynamicObject, ListParams, Patch, PatchParams};
use kube::core::{ApiResource, GroupVersionKind};
use serde_json::Value;

/// The kinds the backend reads or writes, with the RBAC resource name used in messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Deployment,
    ReplicaSet,
    Event,
    Service,
    Ingress,
    HttpRoute,
    Rollout,
}

impl Kind {
    pub fn resource(self) -> ApiResource {
        let (group, version, kind, plural) = self.gvk();
        ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(group, version, kind), plural)
    }

    fn gvk(self) -> (&'static str, &'static str, &'static str, &'static str) {
        match self {
            Self::Deployment => ("apps", "v1", "Deployment", "deployments"),
            Self::ReplicaSet => ("apps", "v1", "ReplicaSet", "replicasets"),
            Self::Event => ("", "v1", "Event", "events"),
            Self::Service => ("", "v1", "Service", "services"),
            Self::Ingress => ("networking.k8s.io", "v1", "Ingress", "ingresses"),
            Self::HttpRoute => ("gateway.networking.k8s.io", "v1", "HTTPRoute", "httproutes"),
            Self::Rollout => ("argoproj.io", "v1alpha1", "Rollout", "rollouts"),
        }
    }

    /// `deployments.apps`, `events`: how RBAC names it.
    pub fn rbac_name(self) -> String {
        let (group, _, _, plural) = self.gvk();
        if group.is_empty() {
            plural.to_owned()
        } else {
            format!("{plural}.{group}")
        }
    }

    pub fn group(self) -> &'static str {
        self.gvk().0
    }

    pub fn plural(self) -> &'static str {
        self.gvk().3
    }
}

/// The field manager switchback's writes carry.
pub const FIELD_MANAGER: &str = "switchback";

#[derive(Clone)]
pub struct KubeApi {
    client: kube::Client,
}

impl KubeApi {
    pub fn new(client: kube::Client) -> Self {
        Self { client }
    }

    pub fn client(&self) -> &kube::Client {
        &self.client
    }

    fn api(&self, kind: Kind, ns: &str) -> Api<DynamicObject> {
        Api::namespaced_with(self.client.clone(), ns, &kind.resource())
    }

    pub async fn get(&self, kind: Kind, ns: &str, name: &str) -> Result<Value, BackendError> {
        let object = format!("{} {ns}/{name}", kind.plural());
        let call = Call {
            verb: "get",
            resource: &kind.rbac_name(),
            object: &object,
        };
        let obj = self
            .api(kind, ns)
            .get(name)
            .await
            .map_err(|e| errors::map(call, e))?;
        to_value(obj)
    }

    /// Every object of `kind` in `ns` matching the selectors, following `continue` tokens.
    pub async fn list(
        &self,
        kind: Kind,
        ns: &str,
        labels: Option<&str>,
        fields: Option<&str>,
    ) -> Result<Vec<Value>, BackendError> {
        let object = format!("{} in {ns}", kind.plural());
        let call = Call {
            verb: "list",
            resource: &kind.rbac_name(),
            object: &object,
        };
        let mut params = ListParams::default().limit(500);
        if let Some(l) = labels {
            params = params.labels(l);
        }
        if let Some(f) = fields {
            params = params.fields(f);
        }
        let mut out = Vec::new();
        let mut guard = crate::net::PageGuard::new(
            crate::backend::platform_name("kubernetes"),
            format!("the {} of {ns}", kind.rbac_name()),
        );
        loop {
            let page = self
                .api(kind, ns)
                .list(&params)
                .await
                .map_err(|e| errors::map(call, e))?;
            let next = page.metadata.continue_.clone().filter(|c| !c.is_empty());
            let read = page.items.len();
            for item in page.items {
                out.push(to_value(item)?);
            }
            match next {
                Some(token) => {
                    guard.follow(read, &token)?;
                    params = params.continue_token(&token);
                }
                None => return Ok(out),
            }
        }
    }

    /// A patch; the raw kube error is returned so callers can tell a failed `test` (422)
    /// from other refusals before typing it.
    pub async fn patch(
        &self,
        kind: Kind,
        ns: &str,
        name: &str,
        patch: Patch<Value>,
        subresource: Option<&str>,
    ) -> Result<Value, kube::Error> {
        // Named in managedFields, so others see who wrote last.
        let params = PatchParams {
            field_manager: Some(FIELD_MANAGER.to_owned()),
            ..PatchParams::default()
        };
        let api = self.api(kind, ns);
        let obj = match subresource {
            Some(sub) => api.patch_subresource(sub, name, &params, &patch).await?,
            None => api.patch(name, &params, &patch).await?,
        };
        serde_json::to_value(obj).map_err(kube::Error::SerdeError)
    }

    /// Which optional kinds the cluster serves, from the list of API groups: one request, and
    /// a second only when the `argoproj.io` group is there (Argo CD serves it without
    /// Rollouts). A group the server does not list is a no; a server that cannot be reached is
    /// an error.
    pub async fn discover(&self) -> Result<Optional, BackendError> {
        let groups = self.client.list_api_groups().await.map_err(|e| {
            errors::map(
                Call {
                    verb: "discover",
                    resource: "apis",
                    object: "the API groups",
                },
                e,
            )
        })?;
        let lists = |kind: Kind| {
            let (group, version, _, _) = kind.gvk();
            groups
                .groups
                .iter()
                .any(|g| g.name == group && g.versions.iter().any(|v| v.version == version))
        };
        // The Gateway API's v1 is HTTPRoute's home; a cluster that lacks the kind after all
        // answers its list with 404, which leaves its hosts out.
        let gateway = lists(Kind::HttpRoute);
        let argo = lists(Kind::Rollout) && self.serves(Kind::Rollout).await?;
        Ok(Optional { argo, gateway })
    }

    /// Whether the cluster serves `group/version` with `plural`. A group the server does not
    /// know is a no; a server that cannot be reached is an error.
    pub async fn serves(&self, kind: Kind) -> Result<bool, BackendError> {
        let (group, version, _, plural) = kind.gvk();
        let object = format!("{group}/{version}");
        match self.client.list_api_group_resources(&object).await {
            Ok(list) => Ok(list.resources.iter().any(|r| r.name == plural)),
            Err(e) if matches!(status_code(&e), Some(403 | 404)) => Ok(false),
            Err(e) => Err(errors::map(
                Call {
                    verb: "discover",
                    resource: &object,
                    object: &object,
                },
                e,
            )),
        }
    }
}

/// The optional APIs the backend uses when a cluster serves them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Optional {
    /// Argo Rollouts (`argoproj.io/v1alpha1` `rollouts`).
    pub argo: bool,
    /// Gateway API HTTPRoutes (`gateway.networking.k8s.io/v1`).
    pub gateway: bool,
}

fn to_value(obj: DynamicObject) -> Result<Value, BackendError> {
    serde_json::to_value(obj).map_err(|e| BackendError::Decode {
        message: e.to_string(),
        excerpt: None,
    })
}

/// A JSON patch from its JSON form.
pub fn json_patch(ops: Value) -> Result<Patch<Value>, BackendError> {
    let parsed: json_patch::Patch = serde_json::from_value(ops)
        .map_err(|e| BackendError::invalid(format!("bad JSON patch: {e}")))?;
    Ok(Patch::Json(parsed))
}
