use crate::backend::BackendError;
use rand::Rng;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use std::future::Future;
use std::time::Duration;

/// Exponential backoff with full jitter, bounded in attempts and delay.
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
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
        let millis = exp.as_millis() as u64;
        let jittered = rand::rng().random_range(millis / 2..=millis.max(1));
        Duration::from_millis(jittered)
    }
}

/// Runs `call` until it succeeds, fails with an error that is not retryable, or the attempts
/// run out. A `Retry-After` from the server wins over the computed backoff (capped by
/// `max_delay` so a hostile header cannot freeze the console).
pub async fn with_retries<T, F, Fut>(policy: &RetryPolicy, call: F) -> Result<T, BackendError>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<T, BackendError>>,
{
    with_retries_when(policy, BackendError::is_retryable, call).await
}

/// Like [`with_retries`], but `retry_on` decides which errors are worth another attempt: a
/// call that changes something may be safe to repeat after some failures and not others.
pub async fn with_retries_when<T, F, Fut, P>(
    policy: &RetryPolicy,
    retry_on: P,
    mut call: F,
) -> Result<T, BackendError>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<T, BackendError>>,
    P: Fn(&BackendError) -> bool,
{
    let mut attempt = 0;
    loop {
        match call(attempt).await {
            Ok(value) => return Ok(value),
            Err(error) if retry_on(&error) && attempt + 1 < policy.max_attempts => {
                let wait = match &error {
                    BackendError::RateLimited {
                        retry_after: Some(after),
                    } => (*after).min(policy.max_delay),
                    _ => policy.backoff(attempt),
                };
                tracing::debug!(attempt, ?wait, %error, "retrying");
                tokio::time::sleep(wait).await;
                attempt += 1;
            }
            Err(error) => return Err(error),
        }
    }
}

/// `Retry-After` as seconds or as an HTTP date.
pub fn parse_retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = when.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

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

    #[tokio::test(start_paused = true)]
    async fn transient_errors_are_retried_then_given_up() {
        let calls = AtomicU32::new(0);
        let result: Result<(), _> = with_retries(&RetryPolicy::default(), |_| async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(BackendError::transient("HTTP 503"))
        })
        .await;
        assert!(matches!(result, Err(BackendError::Transient { .. })));
        assert_eq!(calls.load(Ordering::SeqCst), 4);
    }

    #[tokio::test(start_paused = true)]
    async fn refusals_are_not_retried() {
        let calls = AtomicU32::new(0);
        let result: Result<(), _> = with_retries(&RetryPolicy::default(), |_| async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(BackendError::invalid("bad label"))
        })
        .await;
        assert!(result.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn the_caller_decides_which_errors_are_worth_a_repeat() {
        let calls = AtomicU32::new(0);
        let only_rate_limits = |e: &BackendError| matches!(e, BackendError::RateLimited { .. });
        let result: Result<(), _> =
            with_retries_when(&RetryPolicy::default(), only_rate_limits, |_| async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(BackendError::transient("HTTP 500"))
            })
            .await;
        assert!(matches!(result, Err(BackendError::Transient { .. })));
        assert_eq!(calls.load(Ordering::SeqCst), 1, "a 500 is not repeated");
        let result: Result<(), _> =
            with_retries_when(&RetryPolicy::default(), only_rate_limits, |_| async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(BackendError::RateLimited { retry_after: None })
            })
            .await;
        assert!(result.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 1 + 4, "a 429 is");
    }

    #[tokio::test(start_paused = true)]
    async fn retry_after_is_honoured() {
        let start = tokio::time::Instant::now();
        let calls = AtomicU32::new(0);
        let result = with_retries(&RetryPolicy::default(), |_| async {
            if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                Err(BackendError::RateLimited {
                    retry_after: Some(Duration::from_secs(3)),
                })
            } else {
                Ok(42)
            }
        })
        .await;
        assert_eq!(result.unwrap(), 42);
        // Paused time: the sleep advanced the virtual clock by exactly the header's wait.
        assert_eq!(start.elapsed(), Duration::from_secs(3));
    }
}
