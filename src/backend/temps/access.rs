//! Who the key belongs to and what it may do. `GET /user/me` names the key's role (the
//! server sends `role` though its spec leaves it out) and `GET /api-keys/permissions` lists
//! every role's permissions, so a `reader` key is known read-only before anything is
//! refused. A key with custom permissions (role `custom`) is learned from refusals: a 403
//! marks its action denied from then on.

use super::Inner;
use super::api;
use super::client::{Call, Fresh};
use crate::backend::BackendError;
use crate::domain::Action;
use std::collections::HashMap;
use std::sync::Mutex;

/// Rolling back needs this (`DeploymentsCreate`).
pub const ROLLBACK_PERMISSION: &str = "deployments:create";
/// `trigger-pipeline` (the redeploy) needs this (`ProjectsWrite`).
pub const REDEPLOY_PERMISSION: &str = "projects:write";

/// The role of a key with its own list of permissions.
const CUSTOM_ROLE: &str = "custom";

/// What is known about the key.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Access {
    /// The user the key belongs to.
    pub actor: Option<String>,
    pub role: Option<String>,
    /// The role's permissions, when Temps lists the role.
    pub permissions: Option<Vec<String>>,
}

impl Access {
    /// `Some(false)` when the key's role is known to lack `permission`.
    pub fn may(&self, permission: &str) -> Option<bool> {
        self.permissions
            .as_ref()
            .map(|list| list.iter().any(|p| p == permission))
    }
}

/// The key's access, read once, and the refusals seen since.
#[derive(Default)]
pub struct AccessBook {
    read: tokio::sync::Mutex<Option<Access>>,
    denied: Mutex<HashMap<Action, String>>,
}

impl AccessBook {
    pub fn deny(&self, action: Action, reason: &str) {
        self.denied
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(action, reason.to_owned());
    }

    pub fn denied(&self, action: Action) -> Option<String> {
        self.denied
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&action)
            .cloned()
    }
}

pub fn permission_for(action: Action) -> &'static str {
    match action {
        Action::Redeploy => REDEPLOY_PERMISSION,
        Action::Rollback | Action::Promote => ROLLBACK_PERMISSION,
    }
}

impl Inner {
    /// The key's access, read on first use. An invalid key is an error; a key that may not
    /// read its own user (a deployment token) is simply unknown.
    pub(super) async fn access(&self) -> Result<Access, BackendError> {
        let mut read = self.access.read.lock().await;
        if let Some(access) = read.as_ref() {
            return Ok(access.clone());
        }
        let call = Call::new(
            "/user/me",
            "read who the key belongs to",
            "users:read",
            "the key's user",
        );
        let access = match self.client.get::<api::User>(&call, Fresh::Shared).await {
            Ok(user) => {
                // A `custom` key carries its own permissions, which Temps does not list.
                let permissions = match user.role.as_deref() {
                    Some(CUSTOM_ROLE) | None => None,
                    Some(role) => self.role_permissions(role).await,
                };
                Access {
                    actor: [user.name, user.username]
                        .into_iter()
                        .find(|n| !n.trim().is_empty()),
                    role: user.role,
                    permissions,
                }
            }
            Err(error @ BackendError::Unauthorized { .. }) => return Err(error),
            Err(error) if error.is_retryable() => return Err(error),
            Err(error) => {
                tracing::debug!(%error, "the key's user is not readable; its access is learned from refusals");
                Access::default()
            }
        };
        *read = Some(access.clone());
        Ok(access)
    }

    async fn role_permissions(&self, role: &str) -> Option<Vec<String>> {
        let call = Call::new(
            "/api-keys/permissions",
            "read what each role may do",
            "api_keys:read",
            "the roles",
        );
        match self
            .client
            .get::<api::Permissions>(&call, Fresh::Shared)
            .await
        {
            Ok(answer) => answer
                .roles
                .into_iter()
                .find(|r| r.name == role)
                .map(|r| r.permissions),
            Err(error) => {
                tracing::debug!(%error, "the roles' permissions are not readable");
                None
            }
        }
    }

    /// Why the key may not do `action`, when that is known without asking Temps to do it.
    pub(super) async fn refusal_for(&self, action: Action) -> Option<String> {
        if let Some(reason) = self.access.denied(action) {
            return Some(reason);
        }
        let access = self.access().await.ok()?;
        let permission = permission_for(action);
        (access.may(permission) == Some(false)).then(|| {
            format!(
                "the key's role `{}` lacks `{permission}`, which Temps requires to {}",
                access.role.as_deref().unwrap_or("?"),
                match action {
                    Action::Redeploy => "start a pipeline",
                    _ => "roll back",
                }
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listed_role_says_what_it_may_do_and_an_unlisted_one_says_nothing() {
        let reader = Access {
            actor: Some("ops".into()),
            role: Some("reader".into()),
            permissions: Some(vec!["deployments:read".into(), "projects:read".into()]),
        };
        assert_eq!(reader.may(ROLLBACK_PERMISSION), Some(false));
        assert_eq!(reader.may("deployments:read"), Some(true));
        assert_eq!(Access::default().may(ROLLBACK_PERMISSION), None);
    }
}
