//! What the adapter needs besides a config file (tests build it directly).

use super::config::{MIN_POLL, TeamScope, Token};
use crate::net::{HttpSettings, RetryPolicy};
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct VercelSettings {
    pub base_url: String,
    pub token: Token,
    /// The variable the token came from, named in authentication errors.
    pub token_env: String,
    pub team: Option<TeamScope>,
    pub projects: Vec<String>,
    pub http: HttpSettings,
    pub retry: RetryPolicy,
    /// How long a read's answer serves identical reads (the snapshot the reads preparing a
    /// write share); zero shares only reads in flight.
    pub reads_shared_for: Duration,
    pub switch_timeout: Duration,
    pub redeploy_timeout: Duration,
    /// An operation looks at Vercel at most this often, however often it is asked about;
    /// never under [`MIN_POLL`].
    pub min_poll: Duration,
}

impl VercelSettings {
    pub fn new(base_url: impl Into<String>, token: Token) -> Self {
        Self {
            base_url: base_url.into(),
            token,
            token_env: "VERCEL_TOKEN".to_owned(),
            team: None,
            projects: Vec::new(),
            http: HttpSettings::default(),
            retry: RetryPolicy::default(),
            reads_shared_for: Duration::from_secs(1),
            switch_timeout: Duration::from_secs(180),
            redeploy_timeout: Duration::from_secs(30 * 60),
            min_poll: Duration::from_secs(1),
        }
    }

    /// The poll interval, raised to the floor.
    pub fn poll_interval(&self) -> Duration {
        self.min_poll.max(MIN_POLL)
    }
}
