//! What the adapter needs besides a config file (tests build it directly).

use super::config::ApiKey;
use crate::net::{HttpSettings, RetryPolicy};
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct TempsSettings {
    /// The API's base, ending in `/api`.
    pub base_url: String,
    pub api_key: ApiKey,
    /// The variable the key came from, named in authentication errors.
    pub token_env: String,
    pub projects: Vec<String>,
    /// `request_timeout` bounds reads and the start of a redeploy.
    pub http: HttpSettings,
    pub retry: RetryPolicy,
    /// How long a read's answer serves identical reads; zero shares only reads in flight.
    pub reads_shared_for: Duration,
    /// The synchronous rollback call's own timeout.
    pub rollback_timeout: Duration,
    pub redeploy_timeout: Duration,
    /// How long `rollback` waits for the synchronous answer before handing back an
    /// operation that is still running (a static site answers in milliseconds, a refusal at
    /// once; a container rollback takes seconds).
    pub answer_wait: Duration,
    /// A redeploy looks at Temps at most this often, however often it is asked about.
    pub min_poll: Duration,
}

impl TempsSettings {
    pub fn new(base_url: impl Into<String>, api_key: ApiKey) -> Self {
        Self {
            base_url: base_url.into(),
            api_key,
            token_env: "TEMPS_API_TOKEN".to_owned(),
            projects: Vec::new(),
            http: HttpSettings::default(),
            retry: RetryPolicy::default(),
            reads_shared_for: Duration::from_secs(1),
            rollback_timeout: Duration::from_secs(120),
            redeploy_timeout: Duration::from_secs(20 * 60),
            answer_wait: Duration::from_secs(2),
            min_poll: Duration::from_secs(1),
        }
    }
}
