//! `/metrics` in the Prometheus text format: request and 5xx counters and a latency
//! histogram per deployment, from the traffic the platform serves (the demo's simulated
//! users), so a real Prometheus can scrape it.

use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric, text::encode};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::registry::Registry;
use std::sync::Arc;

/// Cumulative traffic of one deployment since the platform started.
#[derive(Clone, Debug, PartialEq)]
pub struct TrafficSample {
    pub project: String,
    pub environment: String,
    pub deployment: String,
    pub requests: u64,
    /// Requests answered with a 5xx.
    pub errors: u64,
    pub duration_sum_secs: f64,
    /// `(upper bound in seconds, cumulative count)`, ascending; `+Inf` is added from
    /// `requests`.
    pub duration_buckets: Vec<(f64, u64)>,
}

/// Whatever counts the platform's traffic.
pub trait TrafficSource: Send + Sync {
    fn samples(&self) -> Vec<TrafficSample>;
}

#[derive(Clone)]
struct TrafficCollector(Arc<dyn TrafficSource>);

impl std::fmt::Debug for TrafficCollector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TrafficCollector")
    }
}

type Labels = [(&'static str, String); 3];

fn labels(sample: &TrafficSample) -> Labels {
    [
        ("project", sample.project.clone()),
        ("environment", sample.environment.clone()),
        ("deployment", sample.deployment.clone()),
    ]
}

impl prometheus_client::collector::Collector for TrafficCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let samples = self.0.samples();
        // The encoder appends `_total` to counters.
        let mut requests = encoder.encode_descriptor(
            "switchback_requests",
            "Requests served, per deployment.",
            None,
            MetricType::Counter,
        )?;
        for sample in &samples {
            ConstCounter::new(sample.requests).encode(requests.encode_family(&labels(sample))?)?;
        }
        let mut errors = encoder.encode_descriptor(
            "switchback_errors",
            "Requests answered with a server error (5xx), per deployment.",
            None,
            MetricType::Counter,
        )?;
        for sample in &samples {
            ConstCounter::new(sample.errors).encode(errors.encode_family(&labels(sample))?)?;
        }
        let mut durations = encoder.encode_descriptor(
            "switchback_request_duration_seconds",
            "Time to answer a request, per deployment.",
            None,
            MetricType::Histogram,
        )?;
        for sample in &samples {
            let mut buckets = sample.duration_buckets.clone();
            buckets.push((f64::INFINITY, sample.requests));
            // The encoder wants per-bucket counts and accumulates them itself.
            let mut previous = 0;
            let per_bucket: Vec<(f64, u64)> = buckets
                .into_iter()
                .map(|(le, cumulative)| {
                    let count = cumulative.saturating_sub(previous);
                    previous = cumulative.max(previous);
                    (le, count)
                })
                .collect();
            durations
                .encode_family(&labels(sample))?
                .encode_histogram::<prometheus_client::encoding::NoLabelSet>(
                    sample.duration_sum_secs,
                    sample.requests,
                    &per_bucket,
                    None,
                )?;
        }
        Ok(())
    }
}

/// The exposition text of `source`.
pub fn render(source: &Arc<dyn TrafficSource>) -> String {
    let mut registry = Registry::default();
    registry.register_collector(Box::new(TrafficCollector(source.clone())));
    let mut text = String::new();
    // Writing into a String cannot fail.
    let _ = encode(&mut text, &registry);
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed(Vec<TrafficSample>);
    impl TrafficSource for Fixed {
        fn samples(&self) -> Vec<TrafficSample> {
            self.0.clone()
        }
    }

    #[test]
    fn exposition_has_counters_and_histogram() {
        let source: Arc<dyn TrafficSource> = Arc::new(Fixed(vec![TrafficSample {
            project: "acme/storefront".into(),
            environment: "production".into(),
            deployment: "v42".into(),
            requests: 100,
            errors: 8,
            duration_sum_secs: 12.5,
            duration_buckets: vec![(0.1, 60), (0.5, 95), (1.0, 99)],
        }]));
        let text = render(&source);
        let labels = r#"project="acme/storefront",environment="production",deployment="v42""#;
        for line in [
            format!("switchback_requests_total{{{labels}}} 100"),
            format!("switchback_errors_total{{{labels}}} 8"),
            format!("switchback_request_duration_seconds_sum{{{labels}}} 12.5"),
            format!("switchback_request_duration_seconds_count{{{labels}}} 100"),
            // Buckets are cumulative, `+Inf` is every request.
            format!("switchback_request_duration_seconds_bucket{{le=\"0.1\",{labels}}} 60"),
            format!("switchback_request_duration_seconds_bucket{{le=\"0.5\",{labels}}} 95"),
            format!("switchback_request_duration_seconds_bucket{{le=\"1.0\",{labels}}} 99"),
            format!("switchback_request_duration_seconds_bucket{{le=\"+Inf\",{labels}}} 100"),
            "# TYPE switchback_request_duration_seconds histogram".to_owned(),
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "missing `{line}` in\n{text}"
            );
        }
    }
}
