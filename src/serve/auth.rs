//! Bearer tokens and the two roles. A request without a token, or with one that matches
//! neither role, gets 401; what a role may not do gets 403 in the handlers.

use super::problem::ApiError;
use crate::backend::{Identity, Role};
use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::Response;
use std::sync::Arc;

/// The tokens the server accepts. Never printed: `Debug` shows only which roles are set.
#[derive(Clone, Default)]
pub struct Tokens {
    pub deployer: Option<String>,
    pub read_only: Option<String>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("deployer", &self.deployer.as_ref().map(|_| "<set>"))
            .field("read_only", &self.read_only.as_ref().map(|_| "<set>"))
            .finish()
    }
}

impl Tokens {
    /// No token at all: every caller is a deployer (a local demo only).
    pub fn is_open(&self) -> bool {
        self.deployer.is_none() && self.read_only.is_none()
    }

    /// Who presents `token`, if anyone.
    fn identify(&self, token: &str) -> Option<Identity> {
        let matches = |expected: &Option<String>| {
            expected
                .as_deref()
                .is_some_and(|expected| constant_time_eq(expected.as_bytes(), token.as_bytes()))
        };
        if matches(&self.deployer) {
            Some(caller(Role::Deployer))
        } else if matches(&self.read_only) {
            Some(caller(Role::ReadOnly))
        } else {
            None
        }
    }
}

fn caller(role: Role) -> Identity {
    Identity {
        actor: role.as_str().to_owned(),
        role,
    }
}

/// Compares without stopping at the first difference, so timing does not reveal a prefix.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Puts the caller's [`Identity`] into the request's extensions, or answers 401.
pub async fn authenticate(
    State(tokens): State<Arc<Tokens>>,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let identity = if tokens.is_open() {
        Identity {
            actor: "anonymous".to_owned(),
            role: Role::Deployer,
        }
    } else {
        let presented = request
            .headers()
            .get(AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| {
                let (scheme, token) = value.split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
            });
        match presented {
            None => return Err(ApiError::unauthorized("a bearer token is required")),
            Some(token) => tokens
                .identify(token)
                .ok_or_else(|| ApiError::unauthorized("the bearer token is not valid"))?,
        }
    };
    request.extensions_mut().insert(identity);
    Ok(next.run(request).await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_map_to_roles() {
        let tokens = Tokens {
            deployer: Some("dep-secret".into()),
            read_only: Some("ro-secret".into()),
        };
        assert_eq!(tokens.identify("dep-secret").unwrap().role, Role::Deployer);
        assert_eq!(tokens.identify("ro-secret").unwrap().role, Role::ReadOnly);
        assert!(tokens.identify("dep-secre").is_none());
        assert!(tokens.identify("").is_none());
    }

    #[test]
    fn debug_never_shows_a_token() {
        let tokens = Tokens {
            deployer: Some("dep-secret".into()),
            read_only: None,
        };
        let shown = format!("{tokens:?}");
        assert!(!shown.contains("dep-secret"), "{shown}");
        assert!(shown.contains("<set>"));
    }
}
