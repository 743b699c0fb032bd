//! Lifetime: a replaced production deployment keeps running for a while (30 minutes by
//! default) and then spins down; a preview spins down after an hour without requests.

use super::world::World;
use crate::domain::{EnvironmentKind, RuntimeState, Timestamp};

impl World {
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
