//! How Unkey's project → app → environment maps onto the console's project → environment,
//! and the opaque page cursors.
//!
//! An environment id is `<app slug>/<environment slug>`: Unkey environments belong to an
//! app, and `/` cannot occur in Unkey identifiers, so the pair is unambiguous.

use crate::backend::BackendError;
use crate::domain::{EnvRef, EnvironmentId};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EnvAddress {
    /// Project id (`proj_…`) or slug.
    pub project: String,
    /// App slug.
    pub app: String,
    /// Environment slug.
    pub environment: String,
}

impl EnvAddress {
    pub fn parse(env: &EnvRef) -> Result<Self, BackendError> {
        let (app, environment) = env.environment.as_str().split_once('/').ok_or_else(|| {
            BackendError::invalid(format!(
                "`{}` is not an Unkey environment; expected `<app>/<environment>`",
                env.environment
            ))
        })?;
        for part in [env.project.as_str(), app, environment] {
            check_identifier(part)?;
        }
        Ok(Self {
            project: env.project.as_str().to_owned(),
            app: app.to_owned(),
            environment: environment.to_owned(),
        })
    }

    pub fn environment_id(app: &str, environment: &str) -> EnvironmentId {
        EnvironmentId::new(format!("{app}/{environment}"))
    }
}

/// Unkey's `ResourceIdentifier`: 3 to 255 of `[A-Za-z0-9_-]`. Everything the adapter puts
/// into a request or a query passes here first.
pub fn check_identifier(value: &str) -> Result<&str, BackendError> {
    let ok = (3..=255).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(value)
    } else {
        Err(BackendError::invalid(format!(
            "`{}` is not an Unkey identifier (3-255 letters, digits, `_` or `-`)",
            value.chars().take(64).collect::<String>()
        )))
    }
}

/// A page cursor as the console sees it: Unkey's cursor plus what it belongs to, hex
/// encoded so nobody is tempted to build one by hand.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
struct CursorBody {
    scope: String,
    cursor: String,
}

pub fn encode_cursor(scope: &str, cursor: &str) -> String {
    let json = serde_json::to_vec(&CursorBody {
        scope: scope.to_owned(),
        cursor: cursor.to_owned(),
    })
    .expect("a cursor serializes");
    json.iter().map(|b| format!("{b:02x}")).collect()
}

/// Unkey's cursor from an opaque one; refuses a cursor made for another list.
pub fn decode_cursor(scope: &str, opaque: &str) -> Result<String, BackendError> {
    let bad = || BackendError::invalid("this page cursor does not belong to this list");
    if !opaque.len().is_multiple_of(2) || opaque.len() > 8192 {
        return Err(bad());
    }
    let bytes = (0..opaque.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(opaque.get(i..i + 2).ok_or_else(bad)?, 16).map_err(|_| bad()))
        .collect::<Result<Vec<u8>, _>>()?;
    let body: CursorBody = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    if body.scope == scope {
        Ok(body.cursor)
    } else {
        Err(bad())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_ids_carry_the_app() {
        let env = EnvRef::new("proj_123", "api/production");
        let address = EnvAddress::parse(&env).unwrap();
        assert_eq!(address.app, "api");
        assert_eq!(address.environment, "production");
        assert!(EnvAddress::parse(&EnvRef::new("proj_123", "production")).is_err());
        assert!(EnvAddress::parse(&EnvRef::new("proj_123", "api/prod'; --")).is_err());
    }

    #[test]
    fn cursors_round_trip_and_stay_in_their_list() {
        let opaque = encode_cursor("deployments:p/a/e", "eyJrZXkiOjF9==");
        assert_eq!(
            decode_cursor("deployments:p/a/e", &opaque).unwrap(),
            "eyJrZXkiOjF9=="
        );
        assert!(decode_cursor("deployments:p/a/other", &opaque).is_err());
        assert!(decode_cursor("deployments:p/a/e", "zz").is_err());
    }
}
