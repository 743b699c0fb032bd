//! Who the token is and what its team role lets it do: `GET /v2/user` (as Vercel's CLI asks
//! it, without the team) and the team's `membership.role`. Read once and kept: roles change
//! rarely, and a refusal is remembered when they do.

use super::VercelBackend;
use super::api;
use super::client::segment;
use super::errors::Call;
use crate::backend::{BackendError, Identity, Role};
use crate::domain::Action;
use std::collections::HashMap;
use std::sync::Mutex;
use tokio::sync::Mutex as AsyncMutex;

/// Team roles that may look but not deploy (Vercel's access roles).
const LOOKING_ROLES: [&str; 4] = ["VIEWER", "VIEWER_FOR_PLUS", "BILLING", "SECURITY"];

#[derive(Clone, Debug)]
pub struct Known {
    pub user: api::User,
    pub team: Option<api::Team>,
}

impl Known {
    pub fn role(&self) -> Option<&str> {
        self.team.as_ref()?.membership.as_ref()?.role.as_deref()
    }

    /// The id metrics are scoped to: the team's, else the user's own account.
    pub fn owner_id(&self) -> &str {
        self.team.as_ref().map_or(&self.user.id, |t| &t.id)
    }

    /// Why the role may not act, when it may not.
    pub fn read_only(&self) -> Option<String> {
        let role = self.role()?;
        let team = self.team.as_ref().map_or("", |t| t.slug.as_str());
        LOOKING_ROLES.contains(&role).then(|| {
            format!(
                "the token's role on team `{team}` is {role}: it may look, not roll back, promote or redeploy"
            )
        })
    }
}

#[derive(Default)]
pub struct IdentityCache {
    known: AsyncMutex<Option<Known>>,
    /// Actions the token was refused, with the refusal in words.
    denied: Mutex<HashMap<Action, String>>,
}

impl IdentityCache {
    pub fn deny(&self, action: Action, reason: String) {
        self.denied
            .lock()
            .expect("denied lock")
            .insert(action, reason);
    }

    pub fn denied(&self, action: Action) -> Option<String> {
        self.denied
            .lock()
            .expect("denied lock")
            .get(&action)
            .cloned()
    }

    fn any_denied(&self) -> bool {
        !self.denied.lock().expect("denied lock").is_empty()
    }
}

impl VercelBackend {
    /// The user and team, read on first use.
    pub(super) async fn known(&self) -> Result<Known, BackendError> {
        let mut known = self.identity.known.lock().await;
        if let Some(found) = known.as_ref() {
            return Ok(found.clone());
        }
        let user = self.client.user().await?;
        let team = match self.client.scope() {
            Some(scope) => {
                let path = format!("/v2/teams/{}", segment(scope.as_str()));
                let call = Call::read(
                    format!("read team {}", scope.as_str()),
                    format!("team `{}`", scope.as_str()),
                );
                Some(self.client.get_unscoped::<api::Team>(&call, &path).await?)
            }
            None => None,
        };
        let found = Known { user, team };
        *known = Some(found.clone());
        Ok(found)
    }

    pub(super) async fn who(&self) -> Result<Identity, BackendError> {
        let known = self.known().await?;
        let role = if known.read_only().is_some() || self.identity.any_denied() {
            Role::ReadOnly
        } else {
            Role::Deployer
        };
        Ok(Identity {
            actor: known
                .user
                .username
                .clone()
                .or(known.user.email.clone())
                .unwrap_or(known.user.id.clone()),
            role,
        })
    }

    /// Why `action` is not for this token: its role, or an earlier refusal.
    pub(super) async fn denial(&self, action: Action) -> Option<String> {
        if let Some(reason) = self.identity.denied(action) {
            return Some(reason);
        }
        match self.known().await {
            Ok(known) => known.read_only(),
            Err(error) => {
                tracing::debug!(%error, "team role unknown; actions judged by Vercel's answer");
                None
            }
        }
    }

    /// Remembers that Vercel refused the token `action` (a `403`), in words naming the role.
    pub(super) async fn refused(&self, action: Action, detail: &str) -> String {
        let role = self
            .known()
            .await
            .ok()
            .and_then(|k| k.role().map(str::to_owned))
            .map(|r| format!(" ({r})"))
            .unwrap_or_default();
        let reason = format!(
            "the token's role{role} may not {} here: {detail}",
            super::verb(action)
        );
        self.identity.deny(action, reason.clone());
        reason
    }
}
