//! The error-rate figures the screen prints, each saying whose it is and how fresh.
//!
//! Right after a switch the environment's newest bucket still holds the old deployment's
//! requests: the live deployment's figure counts only buckets that began once it was live,
//! and says `no data yet` until the first one is complete. A mixed environment's figure is
//! the environment's, and says so.

use super::state::State;
use crate::domain::MetricPoint;

/// Whose requests a figure counts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Whose {
    /// The live deployment's own (its label).
    Live(String),
    /// The whole environment's, served by more than one deployment (its name).
    Environment(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    pub whose: Whose,
    /// The 5xx share, `None` without requests.
    pub rate: Option<f64>,
    /// Live changed and no bucket of its own is complete yet.
    pub no_data_yet: bool,
    /// Seconds since the figure was read, once that is older than three poll intervals.
    pub stale_secs: Option<i64>,
}

impl Figure {
    /// Above the console's threshold: printed with `▲` in the danger style.
    pub fn above(&self, threshold: f64) -> bool {
        self.rate.is_some_and(|r| r >= threshold)
    }
}

impl State {
    /// The figure for the live deployment (or, when mixed, the environment).
    pub fn live_figure(&self) -> Figure {
        let stale_secs = self.stale_age(self.view.metrics_freshness.as_ref());
        let env = self.environment();
        if let Some(env) = env.filter(|e| e.is_mixed()) {
            return Figure {
                whose: Whose::Environment(env.name.clone()),
                rate: self.newest_rate(None),
                no_data_yet: false,
                stale_secs,
            };
        }
        let label = env
            .and_then(|e| e.live.as_ref())
            .map_or_else(|| "none".to_owned(), |id| self.label_of(id).to_owned());
        let since = self.last_switch().map(|c| c.at);
        let rate = self.newest_rate(since);
        // Only a switch within the panel's window leaves nothing of its own to show yet.
        let window = chrono::Duration::from_std(crate::poller::METRICS_WINDOW)
            .unwrap_or(chrono::Duration::MAX);
        let recent = since.is_some_and(|at| self.now - at < window);
        Figure {
            whose: Whose::Live(label),
            rate,
            no_data_yet: rate.is_none() && recent,
            stale_secs,
        }
    }

    /// The newest error rate from buckets that began at or after `since`: the source's own
    /// "now" figure first, else the series' newest bucket with traffic.
    fn newest_rate(&self, since: Option<crate::domain::Timestamp>) -> Option<f64> {
        let own = |p: &&MetricPoint| since.is_none_or(|at| p.at >= at);
        if let Some(rate) = self
            .view
            .current_rate
            .as_ref()
            .filter(own)
            .and_then(MetricPoint::error_rate)
        {
            return Some(rate);
        }
        self.view
            .metrics
            .as_ref()?
            .points
            .iter()
            .rev()
            .filter(own)
            .find_map(MetricPoint::error_rate)
    }
}
