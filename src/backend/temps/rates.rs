//! Error rates from Temps' proxy logs, `GET /proxy-logs/stats/time-buckets`.
//!
//! Its `error_count` counts every status from 400 (404s too), and a request the upstream
//! answered below 500 is logged twice, so neither its count nor its ratio means "5xx". The
//! adapter asks again per 5xx status (`status_code` filters one status exactly) and counts:
//!
//! - errors = rows with status 500, 502, 503 or 504 (each such request is logged once);
//! - requests = (all rows + errors) / 2 (every other request is logged twice).
//!
//! Other 5xx statuses are not counted; `avg_response_time_ms` is always 0, so there is no
//! latency figure.

use super::Inner;
use super::api;
use super::client::{Call, Fresh};
use super::reads::deployment_number;
use crate::backend::BackendError;
use crate::domain::{MetricPoint, MetricSeries, MetricSource, MetricsQuery, MetricsScope};
use chrono::SecondsFormat;
use std::collections::BTreeMap;

/// The 5xx statuses counted.
pub const SERVER_ERRORS: [u16; 4] = [500, 502, 503, 504];

/// `300` → `5 minutes`, `90` → `90 seconds`: an interval Temps accepts.
pub fn bucket_interval(step_secs: u32) -> String {
    let step = step_secs.max(1);
    if step.is_multiple_of(3600) {
        let hours = step / 3600;
        format!("{hours} {}", if hours == 1 { "hour" } else { "hours" })
    } else if step.is_multiple_of(60) {
        let minutes = step / 60;
        format!(
            "{minutes} {}",
            if minutes == 1 { "minute" } else { "minutes" }
        )
    } else {
        format!("{step} seconds")
    }
}

/// Requests and 5xx errors from the row counts of one bucket.
pub fn counts(all_rows: i64, error_rows: i64) -> (f64, f64) {
    let errors = error_rows.max(0) as f64;
    let requests = ((all_rows.max(0) + error_rows.max(0)) as f64 / 2.0).max(errors);
    (requests, errors)
}

impl Inner {
    pub(super) async fn proxy_series(
        &self,
        query: &MetricsQuery,
    ) -> Result<MetricSeries, BackendError> {
        let (_, environment) = self.locate(&query.env, Fresh::Shared).await?;
        let scope = match &query.scope {
            MetricsScope::Environment => ("environment_id", environment.id),
            MetricsScope::Deployment(id) => ("deployment_id", deployment_number(id)?),
        };
        let rows = |status: Option<u16>| {
            let mut call = Call::new(
                "/proxy-logs/stats/time-buckets",
                "read the proxy-log counts",
                "analytics:read",
                "the proxy logs",
            )
            .query(
                "start_time",
                query.from.to_rfc3339_opts(SecondsFormat::Secs, true),
            )
            .query(
                "end_time",
                query.to.to_rfc3339_opts(SecondsFormat::Secs, true),
            )
            .query("bucket_interval", bucket_interval(query.step_secs))
            .query(scope.0, scope.1);
            if let Some(status) = status {
                call = call.query("status_code", status);
            }
            async move {
                let answer: api::StatsAnswer = self.client.get(&call, Fresh::Shared).await?;
                let mut by_bucket = BTreeMap::new();
                for bucket in answer.stats {
                    let at = chrono::DateTime::parse_from_rfc3339(&bucket.bucket)
                        .map_err(|e| BackendError::Decode {
                            message: format!("bucket time `{}`: {e}", bucket.bucket),
                            excerpt: None,
                        })?
                        .with_timezone(&chrono::Utc);
                    by_bucket.insert(at, bucket.request_count);
                }
                Ok::<_, BackendError>(by_bucket)
            }
        };
        let (all, e500, e502, e503, e504) = tokio::try_join!(
            rows(None),
            rows(Some(SERVER_ERRORS[0])),
            rows(Some(SERVER_ERRORS[1])),
            rows(Some(SERVER_ERRORS[2])),
            rows(Some(SERVER_ERRORS[3])),
        )?;
        let deployment = match &query.scope {
            MetricsScope::Deployment(id) => Some(id.clone()),
            MetricsScope::Environment => None,
        };
        let points = all
            .iter()
            .filter_map(|(at, rows)| {
                let errors: i64 = [&e500, &e502, &e503, &e504]
                    .iter()
                    .map(|m| m.get(at).copied().unwrap_or(0))
                    .sum();
                // Gap-filled buckets without traffic carry no figure (never a fake 0%).
                (*rows > 0).then(|| {
                    let (requests, errors) = counts(*rows, errors);
                    MetricPoint {
                        at: *at,
                        deployment: deployment.clone(),
                        requests,
                        errors,
                        p95_ms: None,
                    }
                })
            })
            .collect();
        Ok(MetricSeries {
            source: MetricSource::ProxyLogs,
            step_secs: query.step_secs,
            points,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_are_words_temps_accepts() {
        assert_eq!(bucket_interval(300), "5 minutes");
        assert_eq!(bucket_interval(60), "1 minute");
        assert_eq!(bucket_interval(3600), "1 hour");
        assert_eq!(bucket_interval(7200), "2 hours");
        assert_eq!(bucket_interval(90), "90 seconds");
        assert_eq!(bucket_interval(0), "1 seconds");
    }

    #[test]
    fn doubled_rows_are_counted_once() {
        // 10 requests, 2 of them 5xx: 8 logged twice, 2 once.
        assert_eq!(counts(18, 2), (10.0, 2.0));
        assert_eq!(counts(0, 0), (0.0, 0.0));
        // Only errors (each logged once): never fewer requests than errors.
        assert_eq!(counts(3, 3), (3.0, 3.0));
    }
}
