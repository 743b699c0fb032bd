//! The error-rate panel from Unkey's own gateway logs: one SQL query over
//! `gateway_requests_v1`, counted per time bucket, deployment and status class.

use super::address::check_identifier;
use super::api::Rows;
use crate::backend::BackendError;
use crate::domain::{DeploymentId, MetricPoint, MetricSeries, MetricSource, Timestamp};
use std::collections::BTreeMap;

pub struct SeriesQuery<'a> {
    /// `env_…`: Unkey's environment id (the column holds ids, not slugs).
    pub environment_id: &'a str,
    pub deployment_id: Option<&'a str>,
    pub from: Timestamp,
    pub to: Timestamp,
    pub step_secs: u32,
}

/// The SQL. Every value in it is either an integer the adapter computed or an identifier
/// that passed [`check_identifier`] (letters, digits, `_`, `-`): nothing can close the quote.
pub fn sql(query: &SeriesQuery<'_>) -> Result<String, BackendError> {
    if query.step_secs == 0 {
        return Err(BackendError::invalid(
            "the metrics step must be at least one second",
        ));
    }
    if query.to <= query.from {
        return Err(BackendError::invalid(
            "the metrics window ends before it starts",
        ));
    }
    let step_ms = i64::from(query.step_secs) * 1000;
    let environment = check_identifier(query.environment_id)?;
    let mut filters = vec![
        format!("environment_id = '{environment}'"),
        format!("time >= {}", query.from.timestamp_millis()),
        format!("time < {}", query.to.timestamp_millis()),
    ];
    if let Some(deployment) = query.deployment_id {
        filters.push(format!(
            "deployment_id = '{}'",
            check_identifier(deployment)?
        ));
    }
    Ok(format!(
        "SELECT\n\
         \x20 intDiv(time, {step_ms}) * {step_ms} AS bucket,\n\
         \x20 deployment_id,\n\
         \x20 intDiv(response_status, 100) AS status_class,\n\
         \x20 count() AS requests,\n\
         \x20 quantile(0.95)(total_latency) AS p95_ms\n\
         FROM gateway_requests_v1\n\
         WHERE {}\n\
         GROUP BY bucket, deployment_id, status_class\n\
         ORDER BY bucket, deployment_id, status_class",
        filters.join("\n  AND ")
    ))
}

#[derive(Default)]
struct Bucket {
    /// Requests per deployment, to name the one that served most of the bucket.
    by_deployment: BTreeMap<String, f64>,
    requests: f64,
    errors: f64,
    p95: Option<f64>,
}

fn number(row: &serde_json::Map<String, serde_json::Value>, key: &str) -> Option<f64> {
    match row.get(key)? {
        serde_json::Value::Number(n) => n.as_f64(),
        // ClickHouse sends 64-bit integers as strings in JSON.
        serde_json::Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// The rows folded into one point per bucket. The p95 of a bucket is the highest p95 of
/// its status classes: an upper bound of the bucket's true p95.
pub fn series(rows: &Rows, step_secs: u32) -> Result<MetricSeries, BackendError> {
    let mut buckets: BTreeMap<i64, Bucket> = BTreeMap::new();
    for (index, row) in rows.iter().enumerate() {
        let bad = |field: &str| BackendError::Decode {
            message: format!("gateway requests row {index}: `{field}` is missing or not a number"),
            excerpt: Some(crate::net::excerpt(
                serde_json::Value::Object(row.clone())
                    .to_string()
                    .as_bytes(),
            )),
        };
        let bucket = number(row, "bucket").ok_or_else(|| bad("bucket"))? as i64;
        let class = number(row, "status_class").ok_or_else(|| bad("status_class"))?;
        let requests = number(row, "requests").ok_or_else(|| bad("requests"))?;
        let p95 = number(row, "p95_ms").filter(|v| v.is_finite());
        let deployment = row
            .get("deployment_id")
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_owned();
        let entry = buckets.entry(bucket).or_default();
        entry.requests += requests;
        if (5.0..6.0).contains(&class) {
            entry.errors += requests;
        }
        *entry.by_deployment.entry(deployment).or_default() += requests;
        entry.p95 = match (entry.p95, p95) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    }
    let points = buckets
        .into_iter()
        .map(|(start, bucket)| MetricPoint {
            at: super::mapping::timestamp(start),
            deployment: bucket
                .by_deployment
                .iter()
                .filter(|(id, _)| !id.is_empty())
                .max_by(|a, b| a.1.total_cmp(b.1))
                .map(|(id, _)| DeploymentId::new(id.clone())),
            requests: bucket.requests,
            errors: bucket.errors,
            p95_ms: bucket.p95,
        })
        .collect();
    Ok(MetricSeries {
        source: MetricSource::Native,
        step_secs,
        points,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn query<'a>(env: &'a str, deployment: Option<&'a str>) -> SeriesQuery<'a> {
        SeriesQuery {
            environment_id: env,
            deployment_id: deployment,
            from: chrono::Utc.timestamp_opt(1_700_000_000, 0).unwrap(),
            to: chrono::Utc.timestamp_opt(1_700_000_600, 0).unwrap(),
            step_secs: 60,
        }
    }

    #[test]
    fn sql_filters_the_environment_and_window() {
        let text = sql(&query("env_abc", Some("d_1"))).unwrap();
        assert!(text.contains("environment_id = 'env_abc'"));
        assert!(text.contains("deployment_id = 'd_1'"));
        assert!(text.contains("time >= 1700000000000"));
        assert!(text.contains("intDiv(time, 60000) * 60000 AS bucket"));
        assert!(text.contains("FROM gateway_requests_v1"));
    }

    #[test]
    fn hostile_ids_never_reach_the_sql() {
        for id in ["env_x' OR 1=1 --", "env\\'", "", "e'"] {
            assert!(matches!(
                sql(&query(id, None)),
                Err(BackendError::Invalid { .. })
            ));
            assert!(sql(&query("env_ok", Some(id))).is_err());
        }
    }

    #[test]
    fn rows_fold_into_buckets_with_errors_from_5xx_only() {
        let rows: Rows = serde_json::from_value(serde_json::json!([
            {"bucket": 60000, "deployment_id": "d_a", "status_class": 2, "requests": 90, "p95_ms": 40.0},
            {"bucket": 60000, "deployment_id": "d_a", "status_class": 5, "requests": "10", "p95_ms": 900.0},
            {"bucket": 60000, "deployment_id": "d_b", "status_class": 4, "requests": 5, "p95_ms": 10.0},
            {"bucket": 0, "deployment_id": "d_b", "status_class": 2, "requests": 3, "p95_ms": null},
        ]))
        .unwrap();
        let series = series(&rows, 60).unwrap();
        assert_eq!(series.points.len(), 2);
        let late = &series.points[1];
        assert_eq!((late.requests, late.errors), (105.0, 10.0));
        assert_eq!(late.deployment.as_ref().unwrap().as_str(), "d_a");
        assert_eq!(late.p95_ms, Some(900.0));
        assert_eq!(series.points[0].p95_ms, None);
        let bad: Rows = serde_json::from_value(serde_json::json!([{"bucket": 1}])).unwrap();
        assert!(matches!(
            super::series(&bad, 60),
            Err(BackendError::Decode { .. })
        ));
    }
}
