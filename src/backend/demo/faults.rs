//! Deterministic faults (the `flaky` scenario): every Nth call is slow, every Mth fails with
//! `Transient`. A failing operation call alternates between failing before anything happens
//! and failing after the operation was recorded (a lost answer), so a retry with the same
//! idempotency key must return the same operation, never a second one.

use super::scenario::spec::FaultSpec;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

#[derive(Debug)]
pub(crate) struct Faults {
    spec: Option<FaultSpec>,
    calls: AtomicU64,
    failures: AtomicU64,
}

/// What the next call suffers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Fault {
    pub delay: Option<Duration>,
    pub fail: Option<FailWhen>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FailWhen {
    Before,
    /// The call takes effect, but its answer is lost.
    After,
}

impl Faults {
    pub fn new(spec: Option<FaultSpec>) -> Self {
        Self {
            spec,
            calls: AtomicU64::new(0),
            failures: AtomicU64::new(0),
        }
    }

    pub fn next(&self) -> Fault {
        let Some(spec) = &self.spec else {
            return Fault::default();
        };
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        let hit = |every: u64| every > 0 && n.is_multiple_of(every);
        let delay = hit(spec.slow_every).then_some(spec.slow_for);
        let fail = hit(spec.transient_every).then(|| {
            if self
                .failures
                .fetch_add(1, Ordering::SeqCst)
                .is_multiple_of(2)
            {
                FailWhen::Before
            } else {
                FailWhen::After
            }
        });
        Fault { delay, fail }
    }
}
