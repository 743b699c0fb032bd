//! The post-deploy guard's judgement: one look at a time at the live deployment's traffic,
//! judged against a threshold and a baseline, with a breach that must hold before it counts.
//! Pure, so every rule is tested without a platform or a clock; the reads it needs are the
//! two functions at the end.
//!
//! The rules:
//! - a look with fewer than `min_requests` requests is not judged: too little traffic never
//!   counts as a breach, nor as clean;
//! - a look breaches when its 5xx rate is above the threshold **and** above the baseline (the
//!   previous deployment's rate while it was live, or a given rate): rolling back cannot help
//!   when what came before was as bad;
//! - a breach holds once breaching looks have followed each other, unbroken by a clean one,
//!   for `hold`; the look that makes it hold is itself a breaching look with enough traffic,
//!   so nothing is ever decided on silence.

use super::last_good::step_for;
use crate::backend::{BackendError, Platform};
use crate::domain::{DeploymentId, EnvRef, MetricsQuery, MetricsScope, Timestamp};
use std::time::Duration;

/// What the live deployment must also be worse than to breach.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Baseline {
    /// The rate of the deployment live before it, over its time live.
    Previous,
    /// A fixed rate (a fraction: 0.005 = 0.5%).
    Rate(f64),
}

/// How a watch judges.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rules {
    /// The highest acceptable 5xx rate (a fraction).
    pub threshold: f64,
    /// The rate to be worse than, when known.
    pub baseline: Option<f64>,
    pub min_requests: u64,
    /// How long a breach must last before it counts.
    pub hold: Duration,
}

/// The live deployment's traffic over one look's span.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Traffic {
    pub requests: f64,
    pub errors: f64,
}

impl Traffic {
    pub fn rate(&self) -> Option<f64> {
        (self.requests > 0.0).then(|| self.errors / self.requests)
    }
}

/// One look, judged.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Judgement {
    /// Fewer requests than `min_requests`: not judged.
    TooLittle {
        requests: f64,
    },
    Clean {
        rate: f64,
    },
    Breaching {
        rate: f64,
    },
}

/// Where the watch stands after a look.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Standing {
    /// No breach under way.
    Clean,
    /// A breach under way for `lasted`; it holds after `remaining` more.
    Breaching {
        lasted: Duration,
        remaining: Duration,
    },
    /// The breach held.
    Held { lasted: Duration },
}

/// The state of one watch: the looks so far.
#[derive(Clone, Debug, PartialEq)]
pub struct Watch {
    pub rules: Rules,
    /// When the breach under way began (time since the watch started).
    breach_since: Option<Duration>,
    pub looks: u32,
    /// Looks with enough traffic to judge.
    pub judged: u32,
    pub breaching: u32,
}

impl Watch {
    pub fn new(rules: Rules) -> Self {
        Self {
            rules,
            breach_since: None,
            looks: 0,
            judged: 0,
            breaching: 0,
        }
    }

    /// The look on its own.
    pub fn judge(&self, traffic: Traffic) -> Judgement {
        let rules = &self.rules;
        match traffic.rate() {
            Some(rate) if traffic.requests >= rules.min_requests as f64 => {
                let above_baseline = rules.baseline.is_none_or(|baseline| rate > baseline);
                if rate > rules.threshold && above_baseline {
                    Judgement::Breaching { rate }
                } else {
                    Judgement::Clean { rate }
                }
            }
            _ => Judgement::TooLittle {
                requests: traffic.requests,
            },
        }
    }

    /// Takes in one look made `at` (time since the watch started).
    pub fn observe(&mut self, traffic: Traffic, at: Duration) -> (Judgement, Standing) {
        let judgement = self.judge(traffic);
        self.looks += 1;
        match judgement {
            Judgement::TooLittle { .. } => {}
            Judgement::Clean { .. } => {
                self.judged += 1;
                self.breach_since = None;
            }
            Judgement::Breaching { .. } => {
                self.judged += 1;
                self.breaching += 1;
                self.breach_since.get_or_insert(at);
            }
        }
        let standing = match self.breach_since {
            None => Standing::Clean,
            Some(since) => {
                let lasted = at.saturating_sub(since);
                let acted_on_traffic = matches!(judgement, Judgement::Breaching { .. });
                if lasted >= self.rules.hold && acted_on_traffic {
                    Standing::Held { lasted }
                } else {
                    Standing::Breaching {
                        lasted,
                        remaining: self.rules.hold.saturating_sub(lasted),
                    }
                }
            }
        };
        (judgement, standing)
    }

    /// Whether a breach is under way (the window does not end clean in the middle of one).
    pub fn in_breach(&self) -> bool {
        self.breach_since.is_some()
    }
}

/// The deployment live before `live`, and its rate over its time live.
#[derive(Clone, Debug, PartialEq)]
pub struct Previous {
    pub deployment: DeploymentId,
    pub live_from: Timestamp,
    pub live_until: Timestamp,
    /// `None`: no traffic while it was live.
    pub rate: Option<f64>,
}

/// Reads the deployment live before `live` (the last other one in the live history) and its
/// 5xx rate while it was live. `None` when nothing else was ever live.
pub async fn previous(
    backend: &Platform,
    env: &EnvRef,
    live: &DeploymentId,
) -> Result<Option<Previous>, BackendError> {
    let history = backend.live_history(env).await?;
    // The last change to `live`, then the change before it.
    let Some(current) = history.iter().rposition(|c| &c.deployment == live) else {
        return Ok(None);
    };
    let Some(before) = history[..current]
        .iter()
        .rposition(|c| &c.deployment != live)
    else {
        return Ok(None);
    };
    let change = &history[before];
    let until = history[before + 1].at;
    if until <= change.at {
        return Ok(None);
    }
    let series = backend
        .error_rate(&MetricsQuery {
            env: env.clone(),
            scope: MetricsScope::Deployment(change.deployment.clone()),
            from: change.at,
            to: until,
            step_secs: step_for(change.at, until),
        })
        .await?;
    Ok(Some(Previous {
        deployment: change.deployment.clone(),
        live_from: change.at,
        live_until: until,
        rate: series.overall_error_rate(),
    }))
}

/// The traffic `deployment` served over [from, to), whole seconds.
pub async fn traffic(
    backend: &Platform,
    env: &EnvRef,
    deployment: &DeploymentId,
    from: Timestamp,
    to: Timestamp,
) -> Result<Traffic, BackendError> {
    let secs = (to - from).num_seconds().max(1);
    let series = backend
        .error_rate(&MetricsQuery {
            env: env.clone(),
            scope: MetricsScope::Deployment(deployment.clone()),
            from,
            to,
            step_secs: u32::try_from(secs).unwrap_or(u32::MAX),
        })
        .await?;
    let (requests, errors) = series
        .points
        .iter()
        .filter(|p| p.requests.is_finite() && p.errors.is_finite())
        .fold((0.0, 0.0), |(r, e), p| (r + p.requests, e + p.errors));
    Ok(Traffic { requests, errors })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Rules {
        Rules {
            threshold: 0.01,
            baseline: Some(0.001),
            min_requests: 100,
            hold: Duration::from_secs(60),
        }
    }

    fn traffic(requests: f64, rate: f64) -> Traffic {
        Traffic {
            requests,
            errors: requests * rate,
        }
    }

    fn secs(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    #[test]
    fn a_look_breaches_above_the_threshold_and_the_baseline_only() {
        let watch = Watch::new(rules());
        assert!(matches!(
            watch.judge(traffic(1_000.0, 0.08)),
            Judgement::Breaching { .. }
        ));
        assert!(matches!(
            watch.judge(traffic(1_000.0, 0.005)),
            Judgement::Clean { .. }
        ));
        // As bad as what came before: a rollback would not help.
        let worse_before = Watch::new(Rules {
            baseline: Some(0.09),
            ..rules()
        });
        assert!(matches!(
            worse_before.judge(traffic(1_000.0, 0.08)),
            Judgement::Clean { .. }
        ));
        // No baseline known: the threshold alone.
        let alone = Watch::new(Rules {
            baseline: None,
            ..rules()
        });
        assert!(matches!(
            alone.judge(traffic(1_000.0, 0.02)),
            Judgement::Breaching { .. }
        ));
    }

    #[test]
    fn too_little_traffic_is_never_judged() {
        let mut watch = Watch::new(rules());
        let (judgement, standing) = watch.observe(traffic(99.0, 0.5), secs(0));
        assert_eq!(judgement, Judgement::TooLittle { requests: 99.0 });
        assert_eq!(standing, Standing::Clean);
        assert_eq!(watch.judged, 0);
        let (judgement, _) = watch.observe(
            Traffic {
                requests: 0.0,
                errors: 0.0,
            },
            secs(30),
        );
        assert_eq!(judgement, Judgement::TooLittle { requests: 0.0 });
    }

    #[test]
    fn a_breach_holds_after_the_hold_time_of_unbroken_breaching_looks() {
        let mut watch = Watch::new(rules());
        let bad = traffic(1_000.0, 0.08);
        let (_, standing) = watch.observe(bad, secs(0));
        assert_eq!(
            standing,
            Standing::Breaching {
                lasted: secs(0),
                remaining: secs(60)
            }
        );
        let (_, standing) = watch.observe(bad, secs(30));
        assert_eq!(
            standing,
            Standing::Breaching {
                lasted: secs(30),
                remaining: secs(30)
            }
        );
        let (_, standing) = watch.observe(bad, secs(60));
        assert_eq!(standing, Standing::Held { lasted: secs(60) });
    }

    #[test]
    fn a_clean_look_ends_a_breach_and_silence_never_completes_one() {
        let mut watch = Watch::new(rules());
        let bad = traffic(1_000.0, 0.08);
        watch.observe(bad, secs(0));
        let (_, standing) = watch.observe(traffic(1_000.0, 0.001), secs(30));
        assert_eq!(standing, Standing::Clean);
        assert!(!watch.in_breach());
        // A breach, then only silence past the hold: it does not hold on silence.
        watch.observe(bad, secs(60));
        let (_, standing) = watch.observe(traffic(3.0, 1.0), secs(200));
        assert!(
            matches!(standing, Standing::Breaching { .. }),
            "{standing:?}"
        );
        // The next breaching look with traffic makes it hold.
        let (_, standing) = watch.observe(bad, secs(230));
        assert_eq!(standing, Standing::Held { lasted: secs(170) });
        assert_eq!((watch.looks, watch.judged, watch.breaching), (5, 4, 3));
    }
}
