//! How long to wait after failures, and how fresh data is.

use super::STALE_AFTER_INTERVALS;
use super::fetch::PollEvent;
use crate::backend::BackendError;
use crate::clock::Clock;
use crate::domain::Timestamp;
use std::time::Duration;
use tokio::time::Instant;

/// The delay before the next try after `failures` failures in a row: the interval doubled per
/// failure, capped, plus up to a quarter more at random so that many consoles do not retry in
/// step. `jitter` is a fraction in `0.0..1.0`.
pub fn backoff(every: Duration, failures: u32, max: Duration, jitter: f64) -> Duration {
    if failures == 0 {
        return every;
    }
    let doubled = every.saturating_mul(1u32 << (failures - 1).min(16));
    let base = doubled.min(max.max(every));
    base + base.mul_f64(jitter.clamp(0.0, 1.0) / 4.0)
}

/// The words for a failure in a header: `timeout`, `HTTP 503`, `unauthorized`.
pub fn short_cause(error: &BackendError) -> String {
    match error {
        BackendError::Transient { message } => message.clone(),
        BackendError::RateLimited { .. } => "rate limited".to_owned(),
        BackendError::Unauthorized { .. } => "unauthorized".to_owned(),
        BackendError::Forbidden { .. } => "forbidden".to_owned(),
        BackendError::NotFound { what } => format!("not found: {what}"),
        BackendError::Decode { .. } => "unreadable answer".to_owned(),
        other => other.kind().to_owned(),
    }
}

/// How fresh one resource's data is, fed with its poll events.
#[derive(Clone, Debug, PartialEq)]
pub struct Freshness {
    /// When tracking began (the resource was first asked for).
    pub since: Timestamp,
    pub last_ok: Option<Timestamp>,
    /// The last failure's short cause and when it came.
    pub last_error: Option<(Timestamp, String)>,
    pub failures: u32,
    /// When the poller tries again after the last failure.
    pub next_retry: Option<Timestamp>,
    /// The last failure in full (the platform's words: its URL, the token variable), and
    /// what kind of failure it was.
    pub last_detail: Option<String>,
    pub trouble: Trouble,
}

/// What kind of failure the last one was: the console names it, never calling a platform
/// that answered "unreachable".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Trouble {
    /// No answer, or an outage (a timeout, a refused connection, a 5xx, rate limited).
    #[default]
    Unreachable,
    /// The platform refused the credentials (401) or their rights (403).
    Refused,
    /// The platform answered with something that cannot be used: an answer that does not
    /// decode, or a list past its bounds.
    Unusable,
}

impl Trouble {
    pub fn of(error: &BackendError) -> Self {
        match error {
            BackendError::Unauthorized { .. } | BackendError::Forbidden { .. } => Self::Refused,
            BackendError::Decode { .. } => Self::Unusable,
            _ => Self::Unreachable,
        }
    }
}

impl Freshness {
    pub fn new(since: Timestamp) -> Self {
        Self {
            since,
            last_ok: None,
            last_error: None,
            failures: 0,
            next_retry: None,
            last_detail: None,
            trouble: Trouble::default(),
        }
    }

    pub fn record(&mut self, event: &PollEvent) {
        match &event.outcome {
            Ok(_) => {
                self.last_ok = Some(event.at);
                self.failures = 0;
                self.next_retry = None;
                self.trouble = Trouble::default();
            }
            Err(error) => {
                self.failures = event.failures.max(self.failures + 1);
                self.last_error = Some((event.at, short_cause(error)));
                self.last_detail = Some(error.to_string());
                self.trouble = Trouble::of(error);
                self.next_retry = chrono::Duration::from_std(event.next_in)
                    .ok()
                    .map(|d| event.at + d);
            }
        }
    }

    /// Older than three poll intervals (or never answered within them).
    pub fn is_stale(&self, now: Timestamp, every: Duration) -> bool {
        let limit = chrono::Duration::from_std(every * STALE_AFTER_INTERVALS)
            .unwrap_or(chrono::Duration::MAX);
        now - self.last_ok.unwrap_or(self.since) > limit
    }

    /// Why the data is stale: the last error's words, or how long nothing came back.
    pub fn cause(&self, now: Timestamp) -> String {
        match (&self.last_error, self.last_ok) {
            (Some((at, cause)), Some(ok)) if *at > ok => cause.clone(),
            (Some((_, cause)), None) => cause.clone(),
            _ => {
                let since = self.last_ok.unwrap_or(self.since);
                format!("no answer for {}s", (now - since).num_seconds().max(0))
            }
        }
    }
}

/// A clock that follows tokio's time, so that it stops with a paused test runtime and the
/// freshness of data is measured in the same time the poller schedules in.
#[derive(Clone, Debug)]
pub struct TokioClock {
    origin_instant: Instant,
    origin: Timestamp,
}

impl TokioClock {
    pub fn starting_at(origin: Timestamp) -> Self {
        Self {
            origin_instant: Instant::now(),
            origin,
        }
    }
}

impl Clock for TokioClock {
    fn now(&self) -> Timestamp {
        let elapsed = Instant::now().saturating_duration_since(self.origin_instant);
        self.origin + chrono::Duration::from_std(elapsed).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::poller::fetch::{Fetched, Resource};

    #[test]
    fn backoff_doubles_with_bounded_jitter_and_caps() {
        let every = Duration::from_secs(2);
        let max = Duration::from_secs(60);
        assert_eq!(backoff(every, 0, max, 0.9), every);
        assert_eq!(backoff(every, 1, max, 0.0), Duration::from_secs(2));
        assert_eq!(backoff(every, 3, max, 0.0), Duration::from_secs(8));
        assert_eq!(backoff(every, 3, max, 1.0), Duration::from_secs(10));
        assert_eq!(backoff(every, 30, max, 0.0), max);
    }

    fn ts(secs: i64) -> Timestamp {
        chrono::DateTime::from_timestamp(1_700_000_000 + secs, 0).unwrap()
    }

    fn event(at: i64, outcome: Result<Fetched, BackendError>) -> PollEvent {
        PollEvent {
            resource: Resource::Projects,
            at: ts(at),
            outcome,
            failures: 1,
            next_in: Duration::from_secs(4),
        }
    }

    #[test]
    fn stale_after_three_intervals_with_the_errors_words() {
        let every = Duration::from_secs(2);
        let mut fresh = Freshness::new(ts(0));
        fresh.record(&event(1, Ok(Fetched::Projects(vec![]))));
        assert!(!fresh.is_stale(ts(7), every));
        fresh.record(&event(3, Err(BackendError::transient("HTTP 503"))));
        assert!(!fresh.is_stale(ts(7), every));
        assert!(fresh.is_stale(ts(8), every));
        assert_eq!(fresh.cause(ts(8)), "HTTP 503");
        assert_eq!(fresh.next_retry, Some(ts(7)));
    }

    #[test]
    fn no_answer_at_all_is_stale_too() {
        let fresh = Freshness::new(ts(0));
        assert!(fresh.is_stale(ts(10), Duration::from_secs(2)));
        assert_eq!(fresh.cause(ts(10)), "no answer for 10s");
    }
}
