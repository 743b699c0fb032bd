//! The demo platform's simulated traffic as `/metrics` samples.

use super::{TrafficSample, TrafficSource};
use crate::backend::demo::DemoBackend;

impl TrafficSource for DemoBackend {
    fn samples(&self) -> Vec<TrafficSample> {
        self.traffic_counters()
            .into_iter()
            .map(|c| TrafficSample {
                project: c.project,
                environment: c.environment,
                deployment: c.deployment_id,
                requests: c.requests,
                errors: c.errors,
                duration_sum_secs: c.latency.sum_secs,
                duration_buckets: c
                    .latency
                    .bounds
                    .iter()
                    .copied()
                    .zip(c.latency.cumulative.iter().copied())
                    .collect(),
            })
            .collect()
    }
}
