//! Error rates from Vercel's observability query, `POST /v2/observability/query`, shaped as
//! Vercel's CLI sends it: `vercel.request.count` summed per time bucket and `http_status`,
//! filtered to the environment (`environment eq 'production'`). 5xx are errors.
//!
//! Vercel measures per environment, not per deployment: a deployment's rate is the
//! environment's over a window it served alone (the console asks for the windows of the
//! live history). The query needs Observability Plus; without it Vercel answers `402` (or
//! `403`), remembered for a while so the panel does not ask on every refresh, and the panel
//! says how to get rates from Prometheus instead.

use super::VercelBackend;
use super::api;
use super::config::is_name;
use super::errors::Call;
use crate::backend::{BackendError, PreconditionCode};
use crate::domain::{
    MetricPoint, MetricSeries, MetricSource, MetricsQuery, MetricsScope, Timestamp,
};
use std::collections::BTreeMap;

pub const METRIC: &str = "vercel.request.count";
/// The column Vercel names the sum of the metric.
const ROLLUP: &str = "vercel_request_count_sum";
/// How long a refusal (no Observability Plus) is believed before asking again.
const REFUSAL_KEPT_MINUTES: i64 = 10;

/// The query's body. `environment` passed [`is_name`]: nothing can close the quote.
pub fn body(
    owner_id: &str,
    project_id: &str,
    environment: &str,
    query: &MetricsQuery,
) -> Result<serde_json::Value, BackendError> {
    if !is_name(environment) {
        return Err(BackendError::invalid(format!(
            "`{environment}` is not a Vercel environment"
        )));
    }
    if query.to <= query.from {
        return Err(BackendError::invalid(
            "the metrics window ends before it starts",
        ));
    }
    let minutes = (query.step_secs / 60).max(1);
    Ok(serde_json::json!({
        "scope": {"type": "project", "ownerId": owner_id, "projectIds": [project_id]},
        "metric": METRIC,
        "aggregation": "sum",
        "startTime": query.from.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "endTime": query.to.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "granularity": {"minutes": minutes},
        "groupBy": ["http_status"],
        "filter": format!("environment eq '{environment}'"),
        "limit": 100,
    }))
}

fn number(value: Option<&serde_json::Value>) -> Option<f64> {
    match value? {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The rows folded into one point per bucket.
pub fn series(
    rows: &[serde_json::Map<String, serde_json::Value>],
    step_secs: u32,
    deployment: Option<&crate::domain::DeploymentId>,
) -> Result<MetricSeries, BackendError> {
    let mut buckets: BTreeMap<Timestamp, (f64, f64)> = BTreeMap::new();
    for (index, row) in rows.iter().enumerate() {
        let bad = |field: &str| BackendError::Decode {
            message: format!("observability row {index}: `{field}` is missing or unreadable"),
            excerpt: Some(crate::net::excerpt(
                serde_json::Value::Object(row.clone())
                    .to_string()
                    .as_bytes(),
            )),
        };
        let at = row
            .get("timestamp")
            .and_then(|v| v.as_str())
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&chrono::Utc))
            .ok_or_else(|| bad("timestamp"))?;
        let count = number(row.get(ROLLUP))
            .or_else(|| {
                row.iter()
                    .find(|(k, _)| k.ends_with("_sum"))
                    .and_then(|(_, v)| number(Some(v)))
            })
            .ok_or_else(|| bad(ROLLUP))?;
        let status = number(row.get("http_status"));
        let entry = buckets.entry(at).or_default();
        entry.0 += count;
        if status.is_some_and(|s| (500.0..600.0).contains(&s)) {
            entry.1 += count;
        }
    }
    Ok(MetricSeries {
        source: MetricSource::Native,
        step_secs: (step_secs / 60).max(1) * 60,
        points: buckets
            .into_iter()
            .map(|(at, (requests, errors))| MetricPoint {
                at,
                deployment: deployment.cloned(),
                requests,
                errors,
                p95_ms: None,
            })
            .collect(),
    })
}

impl VercelBackend {
    pub(super) async fn observed_series(
        &self,
        query: &MetricsQuery,
    ) -> Result<MetricSeries, BackendError> {
        let now = self.clock.now();
        if let Some((refusal, at)) = self.no_observability.lock().expect("lock").clone()
            && now - at < chrono::Duration::minutes(REFUSAL_KEPT_MINUTES)
        {
            return Err(refusal);
        }
        let project = self.project(query.env.project.as_str()).await?;
        let known = self.known().await?;
        let body = body(
            known.owner_id(),
            &project.id,
            query.env.environment.as_str(),
            query,
        )?;
        let call = Call::read(
            "query Vercel's observability data",
            "the project's observability data",
        );
        let answer: api::ObservabilityAnswer = match self
            .client
            .post_read(&call, "/v2/observability/query", &body)
            .await
        {
            Ok(answer) => answer,
            Err(error) => {
                let refusal = match &error {
                    BackendError::Precondition { .. } => Some(
                        "Vercel's observability query needs Observability Plus on the team (it answered 402)",
                    ),
                    BackendError::Forbidden { .. } => Some(
                        "the token may not query Vercel's observability data (it answered 403)",
                    ),
                    _ => None,
                };
                let Some(why) = refusal else {
                    return Err(error);
                };
                let refusal = BackendError::precondition(
                    PreconditionCode::NotApplicable,
                    format!(
                        "{why}; for error rates without it, configure [metrics] with kind = \"prometheus\""
                    ),
                );
                *self.no_observability.lock().expect("lock") = Some((refusal.clone(), now));
                return Err(refusal);
            }
        };
        let deployment = match &query.scope {
            MetricsScope::Deployment(id) => Some(id),
            MetricsScope::Environment => None,
        };
        series(&answer.data, query.step_secs, deployment)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::EnvRef;
    use chrono::TimeZone;

    fn query(step: u32) -> MetricsQuery {
        MetricsQuery {
            env: EnvRef::new("prj_1", "production"),
            scope: MetricsScope::Environment,
            from: chrono::Utc.timestamp_opt(1_700_000_000, 0).unwrap(),
            to: chrono::Utc.timestamp_opt(1_700_000_900, 0).unwrap(),
            step_secs: step,
        }
    }

    #[test]
    fn the_query_is_scoped_to_the_project_and_environment() {
        let body = body("team_1", "prj_1", "production", &query(30)).unwrap();
        assert_eq!(body["scope"]["projectIds"][0], "prj_1");
        assert_eq!(body["scope"]["ownerId"], "team_1");
        assert_eq!(body["filter"], "environment eq 'production'");
        assert_eq!(body["granularity"]["minutes"], 1);
        assert_eq!(body["startTime"], "2023-11-14T22:13:20Z");
        assert!(super::body("t", "p", "prod' or 1 eq 1", &query(60)).is_err());
    }

    #[test]
    fn rows_fold_into_buckets_with_5xx_as_errors() {
        let rows: Vec<serde_json::Map<String, serde_json::Value>> =
            serde_json::from_value(serde_json::json!([
                {"timestamp": "2023-11-14T22:14:00.000Z", "http_status": "200", "vercel_request_count_sum": 90},
                {"timestamp": "2023-11-14T22:14:00.000Z", "http_status": 503, "vercel_request_count_sum": 10},
                {"timestamp": "2023-11-14T22:13:00.000Z", "http_status": "404", "vercel_request_count_sum": 5},
            ]))
            .unwrap();
        let s = series(&rows, 60, None).unwrap();
        assert_eq!(s.points.len(), 2);
        assert_eq!((s.points[0].requests, s.points[0].errors), (5.0, 0.0));
        assert_eq!((s.points[1].requests, s.points[1].errors), (100.0, 10.0));
        let bad: Vec<serde_json::Map<String, serde_json::Value>> =
            serde_json::from_value(serde_json::json!([{"http_status": 200}])).unwrap();
        assert!(matches!(
            series(&bad, 60, None),
            Err(BackendError::Decode { .. })
        ));
    }
}
