//! Refreshes what is on screen: each resource on its own interval, one request in flight
//! per resource, exponential backoff with jitter on errors (reset for every resource as soon
//! as one is answered), and a freshness record that says when data has gone stale and why.
//!
//! Engine code: it knows the backend and the clock, never the screen. Results leave as owned
//! [`PollEvent`]s over a channel; the console's main loop is their only reader.

mod fetch;
mod freshness;

pub use fetch::{Fetched, PollEvent, Resource, fetch};
pub use freshness::{Freshness, TokioClock, Trouble, backoff, short_cause};

use crate::backend::{BackendError, Platform};
use crate::clock::SharedClock;
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::Instant;

/// The error-rate window the console shows.
pub const METRICS_WINDOW: Duration = Duration::from_secs(15 * 60);
/// Bucket size of that window.
pub const METRICS_STEP_SECS: u32 = 15;
/// Deployments per page when listing.
pub const PAGE_SIZE: usize = 500;
/// The most deployments loaded into the list.
pub const MAX_DEPLOYMENTS: usize = 50_000;
/// The most projects loaded into the picker.
pub const MAX_PROJECTS: usize = 10_000;
/// After this many missed intervals, data is stale.
pub const STALE_AFTER_INTERVALS: u32 = 3;

/// A resource and how often to refresh it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub resource: Resource,
    pub every: Duration,
}

#[derive(Clone, Debug)]
pub struct PollOptions {
    /// A request that takes longer fails as `timeout`.
    pub request_timeout: Duration,
    pub max_backoff: Duration,
}

impl Default for PollOptions {
    fn default() -> Self {
        Self {
            request_timeout: Duration::from_secs(10),
            max_backoff: Duration::from_secs(60),
        }
    }
}

enum Control {
    Targets(Vec<Target>),
    Now(Vec<Resource>),
}

/// The running poller; dropping it stops it.
pub struct PollerHandle {
    control: mpsc::UnboundedSender<Control>,
    task: tokio::task::JoinHandle<()>,
}

impl PollerHandle {
    /// Replaces the set of resources kept fresh; new ones are fetched at once.
    pub fn set_targets(&self, targets: Vec<Target>) {
        let _ = self.control.send(Control::Targets(targets));
    }

    /// Fetches these (already targeted) resources now, or right after their request in flight.
    pub fn poll_now(&self, resources: Vec<Resource>) {
        let _ = self.control.send(Control::Now(resources));
    }
}

impl Drop for PollerHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts the poller on the current tokio runtime.
pub fn spawn(
    backend: Platform,
    clock: SharedClock,
    options: PollOptions,
    events: mpsc::UnboundedSender<PollEvent>,
) -> PollerHandle {
    let (control, rx) = mpsc::unbounded_channel();
    let task = tokio::spawn(run(backend, clock, options, rx, events));
    PollerHandle { control, task }
}

struct Entry {
    every: Duration,
    due: Instant,
    in_flight: bool,
    /// Still targeted; an untargeted entry lives until its request in flight returns.
    wanted: bool,
    again: bool,
    failures: u32,
    /// The full list was read once; later refreshes read the first page.
    loaded: bool,
}

async fn run(
    backend: Platform,
    clock: SharedClock,
    options: PollOptions,
    mut control: mpsc::UnboundedReceiver<Control>,
    events: mpsc::UnboundedSender<PollEvent>,
) {
    let mut entries: HashMap<Resource, Entry> = HashMap::new();
    let mut flights: JoinSet<(Resource, Result<Fetched, BackendError>)> = JoinSet::new();
    loop {
        let now = Instant::now();
        for (resource, entry) in entries.iter_mut() {
            if entry.wanted && !entry.in_flight && entry.due <= now {
                entry.in_flight = true;
                let (backend, resource) = (backend.clone(), resource.clone());
                let (timeout, full) = (options.request_timeout, !entry.loaded);
                flights.spawn(async move {
                    let result = tokio::time::timeout(timeout, fetch(&backend, &resource, full))
                        .await
                        .unwrap_or_else(|_| Err(BackendError::transient("timeout")));
                    (resource, result)
                });
            }
        }
        let next_due = entries
            .values()
            .filter(|e| e.wanted && !e.in_flight)
            .map(|e| e.due)
            .min();
        tokio::select! {
            message = control.recv() => match message {
                None => return,
                Some(Control::Targets(targets)) => retarget(&mut entries, targets),
                Some(Control::Now(resources)) => {
                    for resource in resources {
                        if let Some(entry) = entries.get_mut(&resource) {
                            if entry.in_flight { entry.again = true } else { entry.due = Instant::now() }
                        }
                    }
                }
            },
            Some(joined) = flights.join_next(), if !flights.is_empty() => {
                let Ok((resource, outcome)) = joined else { continue };
                let Some(entry) = entries.get_mut(&resource) else { continue };
                entry.in_flight = false;
                if !entry.wanted {
                    entries.remove(&resource);
                    continue;
                }
                let next_in = match &outcome {
                    Ok(_) => {
                        entry.failures = 0;
                        entry.loaded = true;
                        entry.every
                    }
                    Err(error) => {
                        entry.failures += 1;
                        let wait = backoff(entry.every, entry.failures, options.max_backoff, rand::random::<f64>());
                        wait_after(error, wait)
                    }
                };
                entry.due = if entry.again && outcome.is_ok() { Instant::now() } else { Instant::now() + next_in };
                entry.again = false;
                let failures = entry.failures;
                if outcome.is_ok() {
                    reset_backoff(&mut entries);
                }
                let event = PollEvent { resource, at: clock.now(), outcome, failures, next_in };
                if events.send(event).is_err() {
                    return;
                }
            },
            _ = sleep_until(next_due), if next_due.is_some() => {}
        }
    }
}

/// The platform answered: every resource that was backing off from it tries again now,
/// instead of waiting out its own backoff (up to a minute) with stale figures on screen.
fn reset_backoff(entries: &mut HashMap<Resource, Entry>) {
    let now = Instant::now();
    for entry in entries.values_mut() {
        if entry.failures > 0 {
            entry.failures = 0;
            if !entry.in_flight {
                entry.due = entry.due.min(now);
            }
        }
    }
}

/// The wait after a failure: the backoff, or what the platform asked for when longer, up
/// to the kit's cap (a huge `Retry-After` must not overflow the next due instant).
fn wait_after(error: &BackendError, backoff: Duration) -> Duration {
    match error {
        BackendError::RateLimited {
            retry_after: Some(after),
        } => backoff.max((*after).min(crate::net::MAX_RETRY_AFTER)),
        _ => backoff,
    }
}

async fn sleep_until(due: Option<Instant>) {
    if let Some(due) = due {
        tokio::time::sleep_until(due).await;
    }
}

fn retarget(entries: &mut HashMap<Resource, Entry>, targets: Vec<Target>) {
    for entry in entries.values_mut() {
        entry.wanted = false;
    }
    for target in targets {
        match entries.get_mut(&target.resource) {
            Some(entry) => {
                // A faster interval takes effect now rather than after the old, longer wait.
                if target.every < entry.every && entry.failures == 0 {
                    entry.due = entry.due.min(Instant::now() + target.every);
                }
                entry.every = target.every;
                entry.wanted = true;
            }
            None => {
                entries.insert(
                    target.resource,
                    Entry {
                        every: target.every,
                        due: Instant::now(),
                        in_flight: false,
                        wanted: true,
                        again: false,
                        failures: 0,
                        loaded: false,
                    },
                );
            }
        }
    }
    entries.retain(|_, e| e.wanted || e.in_flight);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_huge_retry_after_waits_the_cap_and_the_next_due_time_exists() {
        let backoff = Duration::from_secs(4);
        for asked in [Duration::from_secs(u64::MAX), Duration::MAX] {
            let limited = BackendError::RateLimited {
                retry_after: Some(asked),
            };
            let wait = wait_after(&limited, backoff);
            assert_eq!(wait, crate::net::MAX_RETRY_AFTER);
            assert!(Instant::now().checked_add(wait).is_some());
        }
        let short = BackendError::RateLimited {
            retry_after: Some(Duration::from_secs(9)),
        };
        assert_eq!(wait_after(&short, backoff), Duration::from_secs(9));
        assert_eq!(wait_after(&BackendError::transient("x"), backoff), backoff);
    }
}
