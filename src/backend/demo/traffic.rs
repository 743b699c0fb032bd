//! The traffic model: whatever is live in an environment answers its requests, second by
//! second, with that deployment's error rate and latency profile and seeded noise.
//!
//! A second's traffic is a pure function of (seed, environment, deployment, second), so the
//! past before the scenario started can be recomputed for any window, and the cumulative
//! counters (for Prometheus) only ever add whole seconds that have passed.

use super::noise;
use super::world::World;
use crate::domain::{MetricPoint, MetricSeries, MetricSource, Timestamp};
use std::collections::HashMap;

/// Upper bounds of the latency histogram, in seconds (Prometheus' defaults).
pub const LATENCY_BOUNDS_SECS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// How a deployment behaves while it serves.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Profile {
    pub error_rate: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
}

/// Cumulative counters of one deployment since the backend started.
#[derive(Clone, Debug, PartialEq)]
pub struct TrafficCounters {
    pub project: String,
    pub environment: String,
    pub deployment_id: String,
    pub deployment_label: String,
    pub requests: u64,
    /// Requests answered 5xx.
    pub errors: u64,
    pub latency: LatencyHistogram,
}

/// A Prometheus-style histogram: cumulative counts per upper bound, plus sum and count.
#[derive(Clone, Debug, PartialEq)]
pub struct LatencyHistogram {
    /// Upper bounds in seconds (`LATENCY_BOUNDS_SECS`); `+Inf` is `count`.
    pub bounds: Vec<f64>,
    /// Requests at or below each bound.
    pub cumulative: Vec<u64>,
    pub sum_secs: f64,
    pub count: u64,
}

impl Default for LatencyHistogram {
    fn default() -> Self {
        Self {
            bounds: LATENCY_BOUNDS_SECS.to_vec(),
            cumulative: vec![0; LATENCY_BOUNDS_SECS.len()],
            sum_secs: 0.0,
            count: 0,
        }
    }
}

/// One second of traffic.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Sample {
    pub requests: u64,
    pub errors: u64,
    pub p50_ms: f64,
    pub p95_ms: f64,
}

/// The counters accumulated since start.
#[derive(Default)]
pub(crate) struct TrafficLedger {
    /// Every second before this one (unix seconds) is counted.
    pub accounted: i64,
    pub order: Vec<usize>,
    pub counters: HashMap<usize, (u64, u64, LatencyHistogram)>,
}

impl World {
    /// Who served (p, e) during second `s`: the live deployment and, in a mixed
    /// environment, the units that others served.
    fn serving_at(&self, p: usize, e: usize, s: i64) -> Option<(usize, &[(usize, usize)])> {
        let env = self.env(p, e);
        let n = env.live_history.partition_point(|c| c.at.timestamp() <= s);
        let entry = &env.live_history[n.checked_sub(1)?];
        Some(match &entry.part {
            Some(part) => (part.live, part.split.as_slice()),
            None => (entry.deployment, &[]),
        })
    }

    /// Calls `each` with every deployment that served (p, e) during second `s` and its
    /// traffic: the environment's requests, shared by units when it is mixed.
    pub(crate) fn each_sample(
        &self,
        p: usize,
        e: usize,
        s: i64,
        mut each: impl FnMut(usize, Sample),
    ) {
        let Some((live, split)) = self.serving_at(p, e, s) else {
            return;
        };
        let requests = self.requests_at(p, e, s);
        if split.is_empty() {
            return each(live, self.sample_of(live, s, requests));
        }
        let units = self.unit_count(p).max(1);
        let mut shares: Vec<(usize, usize)> = vec![(live, units.saturating_sub(split.len()))];
        for &(_, d) in split {
            match shares.iter_mut().find(|(x, _)| *x == d) {
                Some((_, n)) => *n += 1,
                None => shares.push((d, 1)),
            }
        }
        // Requests shared out by units, the rounding kept so they add up.
        let mut given = 0;
        let mut counted = 0;
        for (d, n) in shares {
            counted += n;
            let upto = requests * counted as u64 / units as u64;
            let mine = upto - given;
            given = upto;
            if n > 0 {
                each(d, self.sample_of(d, s, mine));
            }
        }
    }

    /// The environment's requests during second `s`.
    fn requests_at(&self, p: usize, e: usize, s: i64) -> u64 {
        let env = self.env(p, e);
        let env_key = env.noise_key;
        let s = s as u64;
        let rate = env.rps * (0.85 + 0.3 * noise::unit(self.seed, env_key, s));
        (rate + noise::unit(self.seed, env_key ^ 1, s))
            .floor()
            .max(0.0) as u64
    }

    /// Deployment `d`'s answers to `requests` during second `s`.
    fn sample_of(&self, d: usize, s: i64, requests: u64) -> Sample {
        let dep_key = self.deployments[d].noise_key;
        let profile = self.deployments[d].profile;
        let s = s as u64;
        let err = profile.error_rate * (0.7 + 0.6 * noise::unit(self.seed, dep_key, s));
        let errors = ((requests as f64 * err + noise::unit(self.seed, dep_key ^ 2, s)).floor()
            as u64)
            .min(requests);
        let jitter = 0.9 + 0.2 * noise::unit(self.seed, dep_key ^ 3, s);
        Sample {
            requests,
            errors,
            p50_ms: profile.p50_ms * jitter,
            p95_ms: profile.p95_ms * jitter,
        }
    }

    /// Adds every whole second before `until` to the cumulative counters.
    pub(crate) fn accumulate_traffic(&mut self, until: Timestamp) {
        let end = until.timestamp();
        let mut ledger = std::mem::take(&mut self.traffic);
        let envs: Vec<(usize, usize)> = (0..self.projects.len())
            .flat_map(|p| (0..self.projects[p].envs.len()).map(move |e| (p, e)))
            .filter(|&(p, e)| self.env(p, e).rps > 0.0)
            .collect();
        for (p, e) in envs {
            for s in ledger.accounted..end {
                self.each_sample(p, e, s, |d, sample| {
                    let entry = ledger.counters.entry(d).or_insert_with(|| {
                        ledger.order.push(d);
                        (0, 0, LatencyHistogram::default())
                    });
                    entry.0 += sample.requests;
                    entry.1 += sample.errors;
                    add_to_histogram(&mut entry.2, &sample);
                });
            }
        }
        ledger.accounted = ledger.accounted.max(end);
        self.traffic = ledger;
    }

    pub(crate) fn counters(&self) -> Vec<TrafficCounters> {
        self.traffic
            .order
            .iter()
            .map(|d| {
                let (requests, errors, latency) = &self.traffic.counters[d];
                let dep = &self.deployments[*d].dep;
                TrafficCounters {
                    project: dep.project.to_string(),
                    environment: dep.environment.to_string(),
                    deployment_id: dep.id.to_string(),
                    deployment_label: dep.label.clone(),
                    requests: *requests,
                    errors: *errors,
                    latency: latency.clone(),
                }
            })
            .collect()
    }

    /// Buckets of `step` seconds over [from, to) that had traffic, served by whatever was
    /// live, or only by `only` when given.
    pub(crate) fn series(
        &self,
        p: usize,
        e: usize,
        only: Option<usize>,
        from: Timestamp,
        to: Timestamp,
        step: u32,
    ) -> MetricSeries {
        let step = i64::from(step.max(1));
        let from_s = from.timestamp() + i64::from(from.timestamp_subsec_nanos() > 0);
        let to_s = to.timestamp().min(self.now.timestamp());
        // Nothing was served before the first deploy.
        let first = self
            .env(p, e)
            .live_history
            .first()
            .map(|c| c.at.timestamp());
        let begin = first.map_or(to_s, |f| from_s.max(f));
        let mut points: Vec<MetricPoint> = Vec::new();
        let mut bucket: Option<(i64, Acc)> = None;
        for s in begin..to_s {
            let index = (s - from_s).div_euclid(step);
            self.each_sample(p, e, s, |d, sample| {
                if only.is_some_and(|o| o != d) {
                    return;
                }
                if bucket.as_ref().is_some_and(|(i, _)| *i != index) {
                    let (i, acc) = bucket.take().expect("bucket present");
                    self.push_point(&mut points, from_s + i * step, acc);
                }
                bucket
                    .get_or_insert_with(|| (index, Acc::default()))
                    .1
                    .add(d, &sample);
            });
        }
        if let Some((i, acc)) = bucket {
            self.push_point(&mut points, from_s + i * step, acc);
        }
        MetricSeries {
            source: MetricSource::Native,
            step_secs: step as u32,
            points,
        }
    }

    fn push_point(&self, points: &mut Vec<MetricPoint>, at: i64, acc: Acc) {
        if acc.requests == 0 {
            return; // no traffic: no point, never a fake zero
        }
        let served_most = acc.by_dep.iter().max_by_key(|(_, n)| *n).map(|(d, _)| *d);
        points.push(MetricPoint {
            at: chrono::DateTime::from_timestamp(at, 0).expect("in range"),
            deployment: served_most.map(|d| self.deployments[d].dep.id.clone()),
            requests: acc.requests as f64,
            errors: acc.errors as f64,
            p95_ms: Some(acc.p95_weighted / acc.requests as f64),
        });
    }
}

#[derive(Default)]
struct Acc {
    requests: u64,
    errors: u64,
    p95_weighted: f64,
    by_dep: Vec<(usize, u64)>,
}

impl Acc {
    fn add(&mut self, d: usize, s: &Sample) {
        self.requests += s.requests;
        self.errors += s.errors;
        self.p95_weighted += s.p95_ms * s.requests as f64;
        match self.by_dep.iter_mut().find(|(x, _)| *x == d) {
            Some((_, n)) => *n += s.requests,
            None => self.by_dep.push((d, s.requests)),
        }
    }
}

/// Spreads a second's requests over the buckets by a log-normal latency distribution
/// fitted to the deployment's p50 and p95.
fn add_to_histogram(h: &mut LatencyHistogram, s: &Sample) {
    if s.requests == 0 {
        return;
    }
    let mu = s.p50_ms.max(0.1).ln();
    let sigma = ((s.p95_ms / s.p50_ms).max(1.0001)).ln() / 1.644_854;
    let n = s.requests as f64;
    for (i, bound) in h.bounds.iter().enumerate() {
        let z = ((bound * 1000.0).ln() - mu) / sigma;
        h.cumulative[i] += (n * normal_cdf(z)).round() as u64;
    }
    h.count += s.requests;
    h.sum_secs += n * (mu + sigma * sigma / 2.0).exp() / 1000.0;
}

/// Φ(z) by the Abramowitz–Stegun erf approximation (error below 1.5e-7).
fn normal_cdf(z: f64) -> f64 {
    let x = z / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * x.abs());
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erf = 1.0 - poly * (-x * x).exp();
    let erf = if x >= 0.0 { erf } else { -erf };
    0.5 * (1.0 + erf)
}

#[cfg(test)]
mod tests {
    use super::normal_cdf;

    #[test]
    fn normal_cdf_matches_known_values() {
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-6);
        assert!((normal_cdf(1.644_854) - 0.95).abs() < 1e-4);
        assert!((normal_cdf(-1.644_854) - 0.05).abs() < 1e-4);
    }
}
