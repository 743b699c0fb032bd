//! Error rates from Fly's managed Prometheus (`/prometheus/<org>`, same token). Its series
//! carry no release label, so a release's rate is joined here: each `instance` is a
//! Machine, and the Machine's `fly_release_version` says which release it served. A
//! release no Machine runs any more is shown over the time it was live.

use super::Inner;
use super::client::{Api, Call};
use super::errors::Doing;
use super::mapping;
use crate::backend::BackendError;
use crate::domain::{
    MetricPoint, MetricSeries, MetricSource, MetricsQuery, MetricsScope, Timestamp,
};
use reqwest::Method;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// `fly_app_http_responses_count` per instance over each step; 5xx only when `errors`.
pub fn promql(app: &str, step_secs: u32, errors: bool) -> String {
    let status = if errors { ",status=~\"5..\"" } else { "" };
    format!(
        "sum by (instance) (increase(fly_app_http_responses_count{{app=\"{}\"{status}}}[{step_secs}s]))",
        app.replace(['"', '\\'], "")
    )
}

/// Per instance: time → value.
type ByInstance = BTreeMap<String, BTreeMap<i64, f64>>;

pub(super) fn matrix(answer: &Value) -> Result<ByInstance, BackendError> {
    if answer["status"] != "success" {
        return Err(BackendError::Decode {
            message: "Fly's Prometheus did not answer success".to_owned(),
            excerpt: None,
        });
    }
    let mut out = ByInstance::new();
    for series in answer["data"]["result"].as_array().into_iter().flatten() {
        let instance = series["metric"]["instance"]
            .as_str()
            .unwrap_or("")
            .to_owned();
        let entry = out.entry(instance).or_default();
        for point in series["values"].as_array().into_iter().flatten() {
            let at = point[0].as_f64().unwrap_or(0.0) as i64;
            let value = point[1]
                .as_str()
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(0.0);
            *entry.entry(at).or_insert(0.0) += value;
        }
    }
    Ok(out)
}

impl Inner {
    async fn range(
        &self,
        app: &str,
        query: &MetricsQuery,
        errors: bool,
    ) -> Result<ByInstance, BackendError> {
        let call = Call::new(
            Api::Prometheus,
            Method::GET,
            "/api/v1/query_range",
            Doing::new(format!("read the error rate of {app}"), "read metrics"),
        )
        .query("query", promql(app, query.step_secs.max(1), errors))
        .query("start", query.from.timestamp())
        .query("end", query.to.timestamp())
        .query("step", query.step_secs.max(1));
        let answer: Value = self.client.get(&call, false).await.map_err(|e| match e {
            BackendError::Forbidden { .. }
            | BackendError::Unauthorized { .. }
            | BackendError::NotFound { .. } => BackendError::Forbidden {
                action: "read metrics".to_owned(),
                reason: format!(
                    "no metrics: the token in ${} cannot read {}'s managed Prometheus ({e})",
                    self.token_env, self.org
                ),
            },
            other => other,
        })?;
        matrix(&answer)
    }

    pub(super) async fn error_series(
        &self,
        query: &MetricsQuery,
    ) -> Result<MetricSeries, BackendError> {
        let snap = self.snapshot(&query.env, false).await?;
        let machines = self.client.machines(&snap.app, false).await?;
        let (all, errors) = tokio::try_join!(
            self.range(&snap.app, query, false),
            self.range(&snap.app, query, true)
        )?;
        // instance (Machine id) → the deployment it serves now.
        let serves: BTreeMap<String, i64> = machines
            .iter()
            .filter_map(|m| {
                m.release_version()
                    .map(|v| (m.id.clone(), snap.lineage.origin(v)))
            })
            .collect();
        let (instances, window, deployment) = match &query.scope {
            MetricsScope::Environment => (None, None, snap.live_version()),
            MetricsScope::Deployment(id) => {
                let version = mapping::version_of(id)
                    .ok_or_else(|| BackendError::invalid("not a Fly release"))?;
                let on: BTreeSet<String> = serves
                    .iter()
                    .filter(|(_, v)| **v == version)
                    .map(|(m, _)| m.clone())
                    .collect();
                if on.is_empty() {
                    (None, Some(self.live_window(&snap, version)), Some(version))
                } else {
                    (Some(on), None, Some(version))
                }
            }
        };
        let pick = |by: &ByInstance| -> BTreeMap<i64, f64> {
            let mut sum = BTreeMap::new();
            for (instance, points) in by {
                if instances
                    .as_ref()
                    .is_some_and(|set| !set.contains(instance))
                {
                    continue;
                }
                for (at, v) in points {
                    *sum.entry(*at).or_insert(0.0) += v;
                }
            }
            sum
        };
        let (requests, failed) = (pick(&all), pick(&errors));
        let points = requests
            .iter()
            .filter_map(|(at, r)| {
                let at_time = chrono::DateTime::from_timestamp(*at, 0)?;
                if let Some((from, to)) = window
                    && (at_time < from || to.is_some_and(|to| at_time > to))
                {
                    return None;
                }
                Some(MetricPoint {
                    at: at_time,
                    deployment: deployment.map(mapping::id),
                    requests: *r,
                    errors: failed.get(at).copied().unwrap_or(0.0),
                    p95_ms: None,
                })
            })
            .collect();
        Ok(MetricSeries {
            source: MetricSource::Prometheus,
            step_secs: query.step_secs,
            points,
        })
    }

    /// When `version` was last the only release live: from its newest release (its own or a
    /// rollback to it) to the next complete release.
    fn live_window(
        &self,
        snap: &mapping::Snapshot,
        version: i64,
    ) -> (Timestamp, Option<Timestamp>) {
        let mut complete: Vec<&super::api::Release> = snap
            .history
            .iter()
            .filter(|r| r.status == "complete")
            .collect();
        complete.sort_by_key(|r| r.version);
        let mut window = (
            chrono::DateTime::<chrono::Utc>::MIN_UTC,
            Some(chrono::DateTime::<chrono::Utc>::MIN_UTC),
        );
        for (i, release) in complete.iter().enumerate() {
            if snap.lineage.origin(release.version) == version {
                window = (
                    release.created_at,
                    complete.get(i + 1).map(|r| r.created_at),
                );
            }
        }
        window
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_query_counts_per_instance_and_five_hundreds_apart() {
        assert_eq!(
            promql("shop-web", 60, true),
            "sum by (instance) (increase(fly_app_http_responses_count{app=\"shop-web\",status=~\"5..\"}[60s]))"
        );
        assert!(!promql("a\"b", 60, false).contains("a\"b"));
    }

    #[test]
    fn a_matrix_is_read_per_instance() {
        let answer = json!({ "status": "success", "data": { "resultType": "matrix", "result": [
            { "metric": { "instance": "m1" }, "values": [[1700000000, "10"], [1700000060, "12"]] },
            { "metric": { "instance": "m2" }, "values": [[1700000000, "3"]] }
        ] } });
        let by = matrix(&answer).unwrap();
        assert_eq!(by["m1"][&1700000060], 12.0);
        assert_eq!(by["m2"][&1700000000], 3.0);
    }
}
