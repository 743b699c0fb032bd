//! Lifetime: a replaced production deployment keeps running for a while (30 minutes by
//! default) and then spins down; a preview spins down after an hour without requests.

use super::world::World;
use crate::domain::{EnvironmentKind, RuntimeState, Timestamp};

impl World {
    /// The live pointer of (p, e) moved from `old` to `new` at `at`: schedule who spins down.
    pub(crate) fn schedule_after_switch(
        &mut self,
        p: usize,
        e: usize,
        old: Option<usize>,
        new: usize,
        at: Timestamp,
    ) {
        let keepalive = self.keepalive(p, e);
        if let Some(old) = old.filter(|o| *o != new) {
            self.set_spin_down(old, Some(at + keepalive));
        }
        self.set_spin_down(new, self.idle_deadline(p, e, at));
    }

    /// How long a replaced deployment of this environment keeps running.
    pub(crate) fn keepalive(&self, p: usize, e: usize) -> chrono::Duration {
        match self.env(p, e).kind {
            EnvironmentKind::Preview => self.settings.preview_idle,
            _ => self.settings.production_keepalive,
        }
    }

    /// A live preview without traffic is idle from `since` and spins down after the idle
    /// time; everything else that is live keeps running.
    pub(crate) fn idle_deadline(&self, p: usize, e: usize, since: Timestamp) -> Option<Timestamp> {
        let env = self.env(p, e);
        (env.kind == EnvironmentKind::Preview && env.rps <= 0.0)
            .then(|| since + self.settings.preview_idle)
    }

    pub(crate) fn spin_down(&mut self, d: usize) {
        self.set_spin_down(d, None);
        let rec = &mut self.deployments[d];
        if rec.dep.runtime_state == RuntimeState::Running {
            rec.dep.runtime_state = RuntimeState::SpunDown;
        }
    }
}
