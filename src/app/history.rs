//! The live pointer's history with an index, so that per-frame and per-key questions
//! ("when was v41 last live?", "which switches fall in the chart's window?") never walk it all.

use crate::domain::{DeploymentId, LiveChange, Timestamp};
use std::collections::HashMap;

#[derive(Clone, Debug, Default)]
pub struct LiveHistory {
    /// Oldest first.
    changes: Vec<LiveChange>,
    /// The last change that made each deployment live.
    last: HashMap<DeploymentId, usize>,
}

impl LiveHistory {
    /// Replaces the history; returns whether it changed.
    pub fn set(&mut self, changes: Vec<LiveChange>) -> bool {
        if changes == self.changes {
            return false;
        }
        self.last = changes
            .iter()
            .enumerate()
            .map(|(i, c)| (c.deployment.clone(), i))
            .collect();
        self.changes = changes;
        true
    }

    pub fn clear(&mut self) {
        self.changes.clear();
        self.last.clear();
    }

    pub fn as_slice(&self) -> &[LiveChange] {
        &self.changes
    }

    /// Changes at or after `since`, newest first.
    pub fn since(&self, since: Timestamp) -> impl Iterator<Item = &LiveChange> {
        self.changes.iter().rev().take_while(move |c| c.at >= since)
    }

    pub fn was_live(&self, deployment: &DeploymentId) -> bool {
        self.last.contains_key(deployment)
    }

    /// When `deployment` was last live: from its last switch-in to the next switch (or `now`).
    pub fn last_window(
        &self,
        deployment: &DeploymentId,
        now: Timestamp,
    ) -> Option<(Timestamp, Timestamp)> {
        let at = *self.last.get(deployment)?;
        let until = self.changes.get(at + 1).map_or(now, |c| c.at);
        Some((self.changes[at].at, until))
    }
}
