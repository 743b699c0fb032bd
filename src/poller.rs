//! Refreshes what is on screen: each resource on its own interval, one request in flight
//! per resource, exponential backoff with jitter on errors, and a freshness record that says
//! when data has gone stale and why.
//!
//! Engine code: it knows the backend and the clock, never the screen. Results leave as owned
//! [`PollEvent`]s over a channel; the console's main loop is their only reader.

use crate::backend::{Backend, BackendError, Identity, PageRequest};
use crate::clock::{Clock, SharedClock};
use crate::domain::{
    Deployment, EnvRef, Environment, LiveChange, MetricSeries, MetricsQuery, MetricsScope,
    Operation, OperationId, Project, ProjectId, Timestamp,
};
use std::collections::HashMap;
use std::sync::Arc;
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
/// After this many missed intervals, data is stale.
pub const STALE_AFTER_INTERVALS: u32 = 3;

/// Something the console keeps fresh.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Resource {
    Identity,
    Projects,
    Environments(ProjectId),
    Environment(EnvRef),
    Deployments(EnvRef),
    Metrics(EnvRef),
    LiveHistory(EnvRef),
    Operations(EnvRef),
    Operation(EnvRef, OperationId),
}

/// What a successful fetch brought back.
#[derive(Clone, Debug, PartialEq)]
pub enum Fetched {
    Identity(Identity),
    Projects(Vec<Project>),
    Environments(ProjectId, Vec<Environment>),
    Environment(Environment),
    /// Newest first. `complete` is false when only the first page was read; the reader
    /// merges that page into the list it already has.
    Deployments {
        env: EnvRef,
        items: Vec<Deployment>,
        complete: bool,
    },
    Metrics {
        env: EnvRef,
        series: MetricSeries,
    },
    LiveHistory(EnvRef, Vec<LiveChange>),
    Operations(EnvRef, Vec<Operation>),
    Operation(Operation),
}

/// One poll's result.
#[derive(Clone, Debug)]
pub struct PollEvent {
    pub resource: Resource,
    /// When the answer (or the failure) arrived.
    pub at: Timestamp,
    pub outcome: Result<Fetched, BackendError>,
    /// Failures in a row so far (0 after a success).
    pub failures: u32,
    /// When the poller asks again.
    pub next_in: Duration,
}

/// Fetches one resource once; metric windows end at the platform's `now`. `full` reads every page of deployments; otherwise only the
/// first, for a cheap refresh of a list that is already loaded.
pub async fn fetch(
    backend: &dyn Backend,
    resource: &Resource,
    full: bool,
) -> Result<Fetched, BackendError> {
    Ok(match resource {
        Resource::Identity => Fetched::Identity(backend.identity().await?),
        Resource::Projects => {
            let mut items = Vec::new();
            let mut page = PageRequest::first(100);
            loop {
                let got = backend.list_projects(page.clone()).await?;
                items.extend(got.items);
                match got.next {
                    Some(next) if items.len() < 10_000 => page.cursor = Some(next),
                    _ => break,
                }
            }
            Fetched::Projects(items)
        }
        Resource::Environments(project) => {
            Fetched::Environments(project.clone(), backend.list_environments(project).await?)
        }
        Resource::Environment(env) => Fetched::Environment(backend.get_environment(env).await?),
        Resource::Deployments(env) => {
            let mut items = Vec::new();
            let mut page = PageRequest::first(if full { PAGE_SIZE } else { 100 });
            let complete = loop {
                let got = backend.list_deployments(env, page.clone()).await?;
                items.extend(got.items);
                match got.next {
                    None => break true,
                    Some(_) if !full || items.len() >= MAX_DEPLOYMENTS => break false,
                    Some(next) => page.cursor = Some(next),
                }
            };
            Fetched::Deployments {
                env: env.clone(),
                items,
                complete: complete || full,
            }
        }
        Resource::Metrics(env) => {
            let window = chrono::Duration::from_std(METRICS_WINDOW).expect("window in range");
            // Whole buckets only, aligned to the step: the answer changes when a bucket
            // completes, not on every poll, so an idle screen stays still.
            let step = i64::from(METRICS_STEP_SECS);
            let now = backend.now().timestamp();
            let to =
                chrono::DateTime::from_timestamp(now - now.rem_euclid(step), 0).unwrap_or_default();
            let query = MetricsQuery {
                env: env.clone(),
                scope: MetricsScope::Environment,
                from: to - window,
                to,
                step_secs: METRICS_STEP_SECS,
            };
            Fetched::Metrics {
                env: env.clone(),
                series: backend.error_rate(&query).await?,
            }
        }
        Resource::LiveHistory(env) => {
            Fetched::LiveHistory(env.clone(), backend.live_history(env).await?)
        }
        Resource::Operations(env) => {
            Fetched::Operations(env.clone(), backend.list_operations(env).await?)
        }
        Resource::Operation(env, id) => Fetched::Operation(backend.operation(env, id).await?),
    })
}

/// The delay before the next try after `failures` failures in a row: the interval doubled per
/// failure, capped, plus up to a quarter more at random so that many consoles do not retry in
/// step. `jitter` is a fraction in `0.0..1.0`.
pub fn backoff(every: Duration, failures: u32, max: Duration, jitter: f64) -> Duration {
    if failures == 0 {
        return every;
    }
    let doubled = every.saturating_mul(1u32 << (failures - 1).min(16));
    let base = doubled.min(max.max(every));
    base + base.mul_f64(jitter.clamp(0.0, 1.0) / 4.0)
}

/// The words for a failure in a header: `timeout`, `HTTP 503`, `unauthorized`.
pub fn short_cause(error: &BackendError) -> String {
    match error {
        BackendError::Transient { message } => message.clone(),
        BackendError::RateLimited { .. } => "rate limited".to_owned(),
        BackendError::Unauthorized { .. } => "unauthorized".to_owned(),
        BackendError::Forbidden { .. } => "forbidden".to_owned(),
        BackendError::NotFound { what } => format!("not found: {what}"),
        BackendError::Decode { .. } => "unreadable answer".to_owned(),
        other => other.kind().to_owned(),
    }
}

/// How fresh one resource's data is, fed with its poll events.
#[derive(Clone, Debug, PartialEq)]
pub struct Freshness {
    /// When tracking began (the resource was first asked for).
    pub since: Timestamp,
    pub last_ok: Option<Timestamp>,
    /// The last failure's short cause and when it came.
    pub last_error: Option<(Timestamp, String)>,
    pub failures: u32,
    /// When the poller tries again after the last failure.
    pub next_retry: Option<Timestamp>,
}

impl Freshness {
    pub fn new(since: Timestamp) -> Self {
        Self {
            since,
            last_ok: None,
            last_error: None,
            failures: 0,
            next_retry: None,
        }
    }

    pub fn record(&mut self, event: &PollEvent) {
        match &event.outcome {
            Ok(_) => {
                self.last_ok = Some(event.at);
                self.failures = 0;
                self.next_retry = None;
            }
            Err(error) => {
                self.failures = event.failures.max(self.failures + 1);
                self.last_error = Some((event.at, short_cause(error)));
                self.next_retry = chrono::Duration::from_std(event.next_in)
                    .ok()
                    .map(|d| event.at + d);
            }
        }
    }

    /// Older than three poll intervals (or never answered within them).
    pub fn is_stale(&self, now: Timestamp, every: Duration) -> bool {
        let limit = chrono::Duration::from_std(every * STALE_AFTER_INTERVALS)
            .unwrap_or(chrono::Duration::MAX);
        now - self.last_ok.unwrap_or(self.since) > limit
    }

    /// Why the data is stale: the last error's words, or how long nothing came back.
    pub fn cause(&self, now: Timestamp) -> String {
        match (&self.last_error, self.last_ok) {
            (Some((at, cause)), Some(ok)) if *at > ok => cause.clone(),
            (Some((_, cause)), None) => cause.clone(),
            _ => {
                let since = self.last_ok.unwrap_or(self.since);
                format!("no answer for {}s", (now - since).num_seconds().max(0))
            }
        }
    }
}

/// A clock that follows tokio's time, so that it stops with a paused test runtime and the
/// freshness of data is measured in the same time the poller schedules in.
#[derive(Clone, Debug)]
pub struct TokioClock {
    origin_instant: Instant,
    origin: Timestamp,
}

impl TokioClock {
    pub fn starting_at(origin: Timestamp) -> Self {
        Self {
            origin_instant: Instant::now(),
            origin,
        }
    }
}

impl Clock for TokioClock {
    fn now(&self) -> Timestamp {
        let elapsed = Instant::now().saturating_duration_since(self.origin_instant);
        self.origin + chrono::Duration::from_std(elapsed).unwrap_or_default()
    }
}

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
    backend: Arc<dyn Backend>,
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
    backend: Arc<dyn Backend>,
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
                    let result =
                        tokio::time::timeout(timeout, fetch(backend.as_ref(), &resource, full))
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
                        match error {
                            BackendError::RateLimited { retry_after: Some(after) } => wait.max(*after),
                            _ => wait,
                        }
                    }
                };
                entry.due = if entry.again && outcome.is_ok() { Instant::now() } else { Instant::now() + next_in };
                entry.again = false;
                let event = PollEvent { resource, at: clock.now(), outcome, failures: entry.failures, next_in };
                if events.send(event).is_err() {
                    return;
                }
            },
            _ = sleep_until(next_due), if next_due.is_some() => {}
        }
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
    fn backoff_doubles_with_bounded_jitter_and_caps() {
        let every = Duration::from_secs(2);
        let max = Duration::from_secs(60);
        assert_eq!(backoff(every, 0, max, 0.9), every);
        assert_eq!(backoff(every, 1, max, 0.0), Duration::from_secs(2));
        assert_eq!(backoff(every, 3, max, 0.0), Duration::from_secs(8));
        assert_eq!(backoff(every, 3, max, 1.0), Duration::from_secs(10));
        assert_eq!(backoff(every, 30, max, 0.0), max);
    }

    fn ts(secs: i64) -> Timestamp {
        chrono::DateTime::from_timestamp(1_700_000_000 + secs, 0).unwrap()
    }

    fn event(at: i64, outcome: Result<Fetched, BackendError>) -> PollEvent {
        PollEvent {
            resource: Resource::Projects,
            at: ts(at),
            outcome,
            failures: 1,
            next_in: Duration::from_secs(4),
        }
    }

    #[test]
    fn stale_after_three_intervals_with_the_errors_words() {
        let every = Duration::from_secs(2);
        let mut fresh = Freshness::new(ts(0));
        fresh.record(&event(1, Ok(Fetched::Projects(vec![]))));
        assert!(!fresh.is_stale(ts(7), every));
        fresh.record(&event(3, Err(BackendError::transient("HTTP 503"))));
        assert!(!fresh.is_stale(ts(7), every));
        assert!(fresh.is_stale(ts(8), every));
        assert_eq!(fresh.cause(ts(8)), "HTTP 503");
        assert_eq!(fresh.next_retry, Some(ts(7)));
    }

    #[test]
    fn no_answer_at_all_is_stale_too() {
        let fresh = Freshness::new(ts(0));
        assert!(fresh.is_stale(ts(10), Duration::from_secs(2)));
        assert_eq!(fresh.cause(ts(10)), "no answer for 10s");
    }
}
