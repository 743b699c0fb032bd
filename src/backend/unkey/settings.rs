//! What the adapter needs besides a config file (tests build it directly).

use super::config::RootKey;
use crate::net::{HttpSettings, RetryPolicy};
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct UnkeySettings {
    pub base_url: String,
    pub root_key: RootKey,
    /// The variable the key came from, named in authentication errors.
    pub token_env: String,
    pub projects: Vec<String>,
    pub http: HttpSettings,
    pub retry: RetryPolicy,
    /// How long a read's answer serves identical reads (the snapshot the reads preparing a
    /// write share); zero shares only reads in flight.
    pub reads_shared_for: Duration,
    pub switch_timeout: Duration,
    pub redeploy_timeout: Duration,
    /// An operation looks at Unkey at most this often, however often it is asked about.
    pub min_poll: Duration,
}

impl UnkeySettings {
    pub fn new(base_url: impl Into<String>, root_key: RootKey) -> Self {
        Self {
            base_url: base_url.into(),
            root_key,
            token_env: "UNKEY_ROOT_KEY".to_owned(),
            projects: Vec::new(),
            http: HttpSettings::default(),
            retry: RetryPolicy::default(),
            reads_shared_for: Duration::from_secs(1),
            switch_timeout: Duration::from_secs(120),
            redeploy_timeout: Duration::from_secs(20 * 60),
            min_poll: Duration::from_millis(500),
        }
    }
}
