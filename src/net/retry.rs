use super::Replay;
use crate::backend::BackendError;
use rand::Rng;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use std::future::Future;
use std::time::Duration;

/// The longest `Retry-After` a call waits for before trying again. A platform that asks for
/// longer gets an immediate [`BackendError::RateLimited`] naming its wait instead.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// Exponential backoff with jitter, bounded in attempts and delay.
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// The longest `Retry-After` honoured ([`MAX_RETRY_AFTER`] unless a test shortens it).
    pub retry_after_cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
            retry_after_cap: MAX_RETRY_AFTER,
        }
    }
}

impl RetryPolicy {
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The wait before attempt `attempt + 1` (0-based), jittered in [delay/2, delay].
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(attempt.min(16)))
            .min(self.max_delay);
        let millis = u64::try_from(exp.as_millis()).unwrap_or(u64::MAX);
        let jittered = rand::rng().random_range(millis / 2..=millis.max(1));
        Duration::from_millis(jittered)
    }

    /// The pause before trying `error`'s call again, or `None` when the platform asked for a
    /// longer wait than this policy honours.
    fn pause(&self, attempt: u32, error: &BackendError) -> Option<Duration> {
        match error {
            BackendError::RateLimited {
                retry_after: Some(after),
            } => (*after <= self.retry_after_cap).then_some(*after),
            _ => Some(self.backoff(attempt)),
        }
    }
}

/// Runs `call` under the replay rule of its class (see [`Replay`]): sent again while the
/// class allows it and attempts remain, after a backoff or the server's `Retry-After` (up
/// to the policy's cap; a longer one ends the call at once). An operation that ends without
/// a clear answer becomes [`BackendError::MayHaveHappened`]; `what` names it in that
/// message (`the rollback`).
pub async fn retrying<T, F, Fut>(
    replay: Replay,
    policy: &RetryPolicy,
    what: &str,
    mut call: F,
) -> Result<T, BackendError>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<T, BackendError>>,
{
    let mut attempt = 0;
    loop {
        let error = match call(attempt).await {
            Ok(value) => return Ok(value),
            Err(error) => error,
        };
        let pause = (replay.sends_again(&error) && attempt + 1 < policy.max_attempts)
            .then(|| policy.pause(attempt, &error))
            .flatten();
        let Some(pause) = pause else {
            return Err(replay.outcome(error, what));
        };
        tracing::debug!(attempt, ?pause, ?replay, %error, "sending again");
        tokio::time::sleep(pause).await;
        attempt += 1;
    }
}

/// `Retry-After` as seconds or as an HTTP date. A number too large for the clock saturates
/// (the caller then refuses to wait that long); a date in the past means now.
pub fn parse_retry_after(headers: &HeaderMap) -> Option<Duration> {
    parse_retry_after_value(headers.get(RETRY_AFTER)?.to_str().ok()?)
}

fn parse_retry_after_value(value: &str) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(
            value
                .parse::<u64>()
                .map_or(Duration::MAX, Duration::from_secs),
        );
    }
    let when = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = when.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

/// A wait in words for messages: `45s`, `12 minutes`, `3 hours`, `5124095576 days`.
pub fn describe_wait(wait: Duration) -> String {
    let secs = wait.as_secs();
    match secs {
        0..120 => format!("{secs}s"),
        120..7_200 => format!("{} minutes", secs / 60),
        7_200..172_800 => format!("{} hours", secs / 3_600),
        _ => format!("{} days", secs / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn fast() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 4,
            ..RetryPolicy::default()
        }
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(parse_retry_after(&headers), Some(Duration::from_secs(7)));
        headers.insert(
            RETRY_AFTER,
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(parse_retry_after(&headers), Some(Duration::ZERO));
        headers.insert(RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(parse_retry_after(&headers), None);
        headers.insert(RETRY_AFTER, "-5".parse().unwrap());
        assert_eq!(parse_retry_after(&headers), None);
    }

    #[test]
    fn retry_after_at_the_extremes_neither_panics_nor_wraps() {
        assert_eq!(
            parse_retry_after_value("18446744073709551615"),
            Some(Duration::from_secs(u64::MAX))
        );
        // Beyond u64: saturates rather than being read as "no header".
        assert_eq!(
            parse_retry_after_value("99999999999999999999999999"),
            Some(Duration::MAX)
        );
        assert_eq!(parse_retry_after_value("0"), Some(Duration::ZERO));
        let far = parse_retry_after_value("Fri, 31 Dec 9999 23:59:59 GMT").unwrap();
        assert!(far > Duration::from_secs(7_000 * 365 * 86_400), "{far:?}");
        for wait in [Duration::MAX, Duration::from_secs(u64::MAX), far] {
            assert!(describe_wait(wait).ends_with(" days"));
        }
        assert_eq!(describe_wait(Duration::from_secs(45)), "45s");
        assert_eq!(describe_wait(Duration::from_secs(600)), "10 minutes");
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let policy = RetryPolicy::default();
        for attempt in 0..10 {
            let wait = policy.backoff(attempt);
            let ceiling = policy.base_delay * 2u32.pow(attempt);
            assert!(
                wait <= ceiling.min(policy.max_delay),
                "attempt {attempt}: {wait:?}"
            );
            assert!(
                wait >= ceiling.min(policy.max_delay) / 2,
                "attempt {attempt}: {wait:?}"
            );
        }
    }

    async fn count<T>(
        replay: Replay,
        policy: &RetryPolicy,
        fail: impl Fn(u32) -> Result<T, BackendError>,
    ) -> (Result<T, BackendError>, u32) {
        let calls = AtomicU32::new(0);
        let result = retrying(replay, policy, "the rollback", |_| {
            let n = calls.fetch_add(1, Ordering::SeqCst);
            let outcome = fail(n);
            async move { outcome }
        })
        .await;
        (result, calls.load(Ordering::SeqCst))
    }

    #[tokio::test(start_paused = true)]
    async fn reads_are_sent_again_through_transient_errors_then_given_up() {
        let (result, calls) = count(Replay::Read, &fast(), |_| {
            Err::<(), _>(BackendError::transient("HTTP 503"))
        })
        .await;
        assert!(matches!(result, Err(BackendError::Transient { .. })));
        assert_eq!(calls, 4);
        let (result, calls) = count(Replay::Read, &fast(), |n| {
            if n < 2 {
                Err(BackendError::transient("reset"))
            } else {
                Ok(n)
            }
        })
        .await;
        assert_eq!((result, calls), (Ok(2), 3));
    }

    #[tokio::test(start_paused = true)]
    async fn refusals_are_sent_once() {
        for replay in [Replay::Read, Replay::SameKey, Replay::Once] {
            let (result, calls) = count(replay, &fast(), |_| {
                Err::<(), _>(BackendError::invalid("bad label"))
            })
            .await;
            assert!(matches!(result, Err(BackendError::Invalid { .. })));
            assert_eq!(calls, 1, "{replay:?}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn an_operation_without_a_key_is_never_sent_again_after_a_possible_execution() {
        let (result, calls) = count(Replay::Once, &fast(), |_| {
            Err::<(), _>(BackendError::transient("timeout"))
        })
        .await;
        assert_eq!(calls, 1);
        let error = result.unwrap_err();
        assert!(
            matches!(error, BackendError::MayHaveHappened { .. }),
            "{error:?}"
        );
        assert!(error.to_string().contains("the rollback may have happened"));
    }

    #[tokio::test(start_paused = true)]
    async fn a_rate_limited_operation_is_sent_again_as_nothing_happened() {
        let (result, calls) = count(Replay::Once, &fast(), |n| {
            if n == 0 {
                Err(BackendError::RateLimited { retry_after: None })
            } else {
                Ok("accepted")
            }
        })
        .await;
        assert_eq!((result, calls), (Ok("accepted"), 2));
    }

    #[tokio::test(start_paused = true)]
    async fn an_operation_with_a_key_is_re_sent_then_reported_as_may_have_happened() {
        let (result, calls) = count(Replay::SameKey, &fast(), |_| {
            Err::<(), _>(BackendError::transient("timeout"))
        })
        .await;
        assert_eq!(calls, 4);
        assert_eq!(result.unwrap_err().kind(), "may_have_happened");
    }

    #[tokio::test(start_paused = true)]
    async fn retry_after_is_honoured_up_to_the_cap() {
        let start = tokio::time::Instant::now();
        let (result, calls) = count(Replay::Read, &fast(), |n| {
            if n == 0 {
                Err(BackendError::RateLimited {
                    retry_after: Some(Duration::from_secs(30)),
                })
            } else {
                Ok(42)
            }
        })
        .await;
        assert_eq!((result, calls), (Ok(42), 2));
        // Paused time: the sleep advanced the virtual clock by exactly the header's wait,
        // above the backoff's own ceiling.
        assert_eq!(start.elapsed(), Duration::from_secs(30));
    }

    #[tokio::test(start_paused = true)]
    async fn a_longer_retry_after_ends_the_call_at_once() {
        for huge in [
            MAX_RETRY_AFTER + Duration::from_secs(1),
            Duration::from_secs(u64::MAX),
            Duration::MAX,
        ] {
            let start = tokio::time::Instant::now();
            let (result, calls) = count(Replay::Read, &fast(), |_| {
                Err::<(), _>(BackendError::RateLimited {
                    retry_after: Some(huge),
                })
            })
            .await;
            assert_eq!(calls, 1);
            assert_eq!(start.elapsed(), Duration::ZERO, "no wait at all");
            let error = result.unwrap_err();
            assert_eq!(
                error,
                BackendError::RateLimited {
                    retry_after: Some(huge)
                }
            );
            assert!(error.to_string().contains("asked to wait"), "{error}");
        }
    }
}
