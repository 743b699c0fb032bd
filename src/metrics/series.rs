//! From Prometheus' answers to the panel's points.

use super::answer::{RangeSeries, Sample};
use crate::backend::BackendError;
use crate::domain::MetricPoint;
use std::collections::HashMap;
use std::time::Duration;

/// The samples of a query that must answer one series: none is "no data", several means the
/// template does not aggregate (e.g. a missing `sum`), which is refused with the labels seen.
pub fn one_series(key: &str, series: Vec<RangeSeries>) -> Result<Vec<Sample>, BackendError> {
    let count = series.len();
    let mut series = series.into_iter();
    match (series.next(), count) {
        (None, _) => Ok(Vec::new()),
        (Some(only), 1) => Ok(only.values),
        (Some(first), _) => {
            let labels: Vec<String> = first
                .metric
                .iter()
                .map(|(k, v)| format!("{k}={v:?}"))
                .collect();
            Err(BackendError::invalid(format!(
                "{key}: the query answers {count} series (the first is {{{}}}); \
                 aggregate them into one, e.g. with sum(...)",
                labels.join(",")
            )))
        }
    }
}

/// One point per error-rate sample. `bucket` is the span a point stands for: its `at` is the
/// sample's time minus `bucket`.
///
/// Prometheus answers a ratio and a request rate; the point keeps counts, so
/// `requests = rate × bucket` and `errors = ratio × requests`, and `error_rate()` gives the
/// ratio back. A NaN or infinite ratio (`0/0`, errors without requests) makes `errors`
/// NaN or infinite: the point is kept and `error_rate()` is `None`. A missing or NaN request
/// rate likewise leaves the point without a rate. A NaN p95 (no requests in the histogram)
/// is `None`; `+Inf` (beyond the last bucket) is kept.
pub fn points(
    error_rate: &[Sample],
    request_rate: &[Sample],
    latency_p95: &[Sample],
    bucket: Duration,
) -> Vec<MetricPoint> {
    let rps: HashMap<i64, f64> = request_rate
        .iter()
        .map(|s| (s.at.timestamp_millis(), s.value))
        .collect();
    let p95: HashMap<i64, f64> = latency_p95
        .iter()
        .map(|s| (s.at.timestamp_millis(), s.value))
        .collect();
    let bucket_secs = bucket.as_secs_f64();
    let span = chrono::Duration::milliseconds(bucket.as_millis() as i64);
    error_rate
        .iter()
        .map(|sample| {
            let key = sample.at.timestamp_millis();
            let requests = rps.get(&key).map_or(f64::NAN, |r| r * bucket_secs);
            MetricPoint {
                at: sample.at - span,
                deployment: None,
                requests,
                errors: sample.value * requests,
                p95_ms: p95
                    .get(&key)
                    .filter(|v| !v.is_nan())
                    .map(|secs| secs * 1000.0),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Timestamp;

    fn sample(secs: i64, value: f64) -> Sample {
        Sample {
            at: Timestamp::from_timestamp(secs, 0).unwrap(),
            value,
        }
    }

    #[test]
    fn counts_give_the_ratio_back() {
        let points = points(
            &[sample(100, 0.05), sample(110, 0.0)],
            &[sample(100, 20.0), sample(110, 20.0)],
            &[sample(100, 0.25)],
            Duration::from_secs(10),
        );
        assert_eq!(points.len(), 2);
        assert_eq!(points[0].at.timestamp(), 90);
        assert_eq!(points[0].requests, 200.0);
        assert!((points[0].error_rate().unwrap() - 0.05).abs() < 1e-12);
        assert_eq!(points[0].p95_ms, Some(250.0));
        assert_eq!(points[1].error_rate(), Some(0.0));
        assert_eq!(points[1].p95_ms, None);
    }

    #[test]
    fn nan_and_infinities_are_kept_without_a_rate() {
        let points = points(
            &[
                sample(100, f64::NAN),
                sample(110, f64::INFINITY),
                sample(120, 0.1),
            ],
            &[sample(100, 0.0), sample(110, 5.0)],
            &[sample(100, f64::NAN), sample(110, f64::INFINITY)],
            Duration::from_secs(10),
        );
        assert_eq!(points.len(), 3, "no point is dropped");
        assert_eq!(points[0].error_rate(), None, "0/0 is not 0%");
        assert_eq!(points[0].p95_ms, None);
        assert_eq!(points[1].error_rate(), None);
        assert_eq!(points[1].p95_ms, Some(f64::INFINITY));
        assert!(points[2].requests.is_nan(), "no request rate at 120");
        assert_eq!(points[2].error_rate(), None);
    }

    #[test]
    fn several_series_are_refused_with_their_labels() {
        let series = |d: &str| RangeSeries {
            metric: [("deployment".to_owned(), d.to_owned())].into(),
            values: vec![sample(1, 1.0)],
        };
        assert!(one_series("error-rate", vec![]).unwrap().is_empty());
        assert_eq!(one_series("x", vec![series("a")]).unwrap().len(), 1);
        let err = one_series("error-rate", vec![series("a"), series("b")]).unwrap_err();
        let BackendError::Invalid { message } = err else {
            panic!("Invalid expected")
        };
        assert!(message.contains("2 series"), "{message}");
        assert!(message.contains("deployment=\"a\""), "{message}");
    }
}
