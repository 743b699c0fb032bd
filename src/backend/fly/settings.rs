//! What the adapter needs besides a config file (tests build it directly).

use super::config::Token;
use crate::net::{HttpSettings, RetryPolicy};
use std::collections::BTreeMap;
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct FlySettings {
    /// GraphQL (`/graphql`), releases (`/api/v1`) and Prometheus (`/prometheus/<org>`).
    pub api_url: String,
    /// The Machines API (`/v1/...`).
    pub machines_url: String,
    pub token: Token,
    /// The variable the token came from, named in authentication errors.
    pub token_env: String,
    pub org: String,
    pub project: String,
    /// Environment name → app.
    pub apps: BTreeMap<String, String>,
    pub http: HttpSettings,
    pub retry: RetryPolicy,
    /// How long a read's answer serves identical reads; zero shares only reads in flight.
    pub reads_shared_for: Duration,
    pub max_unavailable: f64,
    /// Lease time to live, in seconds; a lease is refreshed when half of it has passed.
    pub lease_ttl_secs: u64,
    /// The `timeout` of one `wait` for a Machine to start, in seconds (at most 60 at Fly).
    pub wait_timeout_secs: u64,
    pub health_timeout: Duration,
    /// The pause between two looks at a Machine's health checks.
    pub health_poll: Duration,
}

impl FlySettings {
    pub fn new(api_url: impl Into<String>, machines_url: impl Into<String>, token: Token) -> Self {
        Self {
            api_url: api_url.into(),
            machines_url: machines_url.into(),
            token,
            token_env: "FLY_API_TOKEN".to_owned(),
            org: "personal".to_owned(),
            project: "fly".to_owned(),
            apps: BTreeMap::new(),
            http: HttpSettings::default(),
            retry: RetryPolicy::default(),
            reads_shared_for: Duration::from_secs(1),
            max_unavailable: 0.33,
            lease_ttl_secs: 60,
            wait_timeout_secs: 60,
            health_timeout: Duration::from_secs(120),
            health_poll: Duration::from_secs(2),
        }
    }
}
