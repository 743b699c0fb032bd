//! What a switch from the live deployment to a target would change.

use super::world::World;
use crate::backend::BackendError;
use crate::domain::{
    CommitRef, ConfigChange, ConfigChangeKind, Diff, DomainKind, DomainMove, Rollout, RuntimeState,
    SwitchKind,
};
use std::collections::BTreeMap;

impl World {
    pub(crate) fn diff(&self, p: usize, e: usize, target: usize) -> Result<Diff, BackendError> {
        let env = self.env(p, e);
        let live = env.live;
        let t = &self.deployments[target];
        let (commits_between, commits_back) = match live {
            Some(l) => self.commits_between(p, l, target),
            None => (Vec::new(), 0),
        };
        Ok(Diff {
            live: live.map(|l| self.deployments[l].dep.id.clone()),
            target: t.dep.id.clone(),
            artifact_from: live.map(|l| self.deployments[l].dep.artifact.clone()),
            artifact_to: t.dep.artifact.clone(),
            commits_between,
            commits_back,
            config_drift: live.map_or_else(Vec::new, |l| self.config_drift(l, target)),
            migrations_not_reverted: live
                .map_or_else(Vec::new, |l| self.migrations_after(p, target, l)),
            domains: self.domain_moves(p, e, target),
            switch: self.switch_kind(target),
            details: Vec::new(),
            rollout: Some(self.rollout(p, target)),
        })
    }

    /// Commits after the older one up to the newer one, newest first; positive when the
    /// target is older than live.
    fn commits_between(&self, p: usize, live: usize, target: usize) -> (Vec<CommitRef>, i64) {
        let (Some(lc), Some(tc)) = (
            self.deployments[live].commit,
            self.deployments[target].commit,
        ) else {
            return (Vec::new(), 0);
        };
        let (lo, hi) = if tc <= lc { (tc, lc) } else { (lc, tc) };
        let commits = self.projects[p].commits[lo + 1..=hi]
            .iter()
            .rev()
            .map(|c| CommitRef {
                sha: c.commit.sha.clone(),
                subject: c.commit.subject.clone(),
            })
            .collect();
        (commits, lc as i64 - tc as i64)
    }

    /// Seen from the target: `Added` means live has a value the target did not have.
    fn config_drift(&self, live: usize, target: usize) -> Vec<ConfigChange> {
        let index = |d: usize| -> BTreeMap<&str, &str> {
            self.deployments[d]
                .dep
                .config
                .iter()
                .map(|c| (c.name.as_str(), c.hash.as_str()))
                .collect()
        };
        let (l, t) = (index(live), index(target));
        let mut changes = Vec::new();
        for (name, hash) in &l {
            match t.get(name) {
                None => changes.push((name, ConfigChangeKind::Added)),
                Some(h) if h != hash => changes.push((name, ConfigChangeKind::Changed)),
                Some(_) => {}
            }
        }
        changes.extend(
            t.keys()
                .filter(|n| !l.contains_key(*n))
                .map(|n| (n, ConfigChangeKind::Removed)),
        );
        changes.sort_by(|a, b| a.0.cmp(b.0));
        changes
            .into_iter()
            .map(|(name, change)| ConfigChange {
                name: (*name).to_owned(),
                change,
            })
            .collect()
    }

    /// Migrations introduced by commits after the target's, up to live's: a switch back does
    /// not revert them.
    fn migrations_after(&self, p: usize, target: usize, live: usize) -> Vec<String> {
        let (Some(tc), Some(lc)) = (
            self.deployments[target].commit,
            self.deployments[live].commit,
        ) else {
            return Vec::new();
        };
        if tc >= lc {
            return Vec::new();
        }
        let mut seen = Vec::new();
        for rec in &self.deployments {
            if rec.project != p || !rec.commit.is_some_and(|c| c > tc && c <= lc) {
                continue;
            }
            for m in &rec.dep.migrations {
                if !seen.contains(m) {
                    seen.push(m.clone());
                }
            }
        }
        seen.sort();
        seen
    }

    /// The environment's moving hostnames go from live to the target; both deployments'
    /// own URLs stay where they are.
    pub(crate) fn domain_moves(&self, p: usize, e: usize, target: usize) -> Vec<DomainMove> {
        let env = self.env(p, e);
        let live_id = env.live.map(|l| self.deployments[l].dep.id.clone());
        let target_id = self.deployments[target].dep.id.clone();
        let mut moves: Vec<DomainMove> = env
            .domains
            .iter()
            .map(|(hostname, kind)| DomainMove {
                hostname: hostname.clone(),
                kind: *kind,
                from: live_id.clone(),
                to: Some(target_id.clone()),
                moves: live_id.as_ref() != Some(&target_id),
                inferred: false,
            })
            .collect();
        for d in env.live.into_iter().chain([target]) {
            let id = self.deployments[d].dep.id.clone();
            if moves
                .iter()
                .any(|m| m.kind == DomainKind::Deployment && m.from.as_ref() == Some(&id))
            {
                continue;
            }
            moves.push(DomainMove {
                hostname: self.deployment_url(d),
                kind: DomainKind::Deployment,
                from: Some(id.clone()),
                to: Some(id),
                moves: false,
                inferred: false,
            });
        }
        moves
    }

    /// The platform's timings and the target's units, for an estimate.
    pub(crate) fn rollout(&self, p: usize, target: usize) -> Rollout {
        let s = &self.settings;
        let secs = |d: chrono::Duration| d.num_seconds().max(0) as u64;
        let dep = &self.deployments[target].dep;
        let (components, regions) = self.units(p);
        Rollout {
            components,
            regions: regions
                .into_iter()
                .filter(|r| dep.regions.contains(r))
                .collect(),
            machines_per_region: s.machines_per_region,
            cold_start_secs: secs(s.cold_start),
            health_check_secs: secs(s.health_check),
            route_secs: 0,
            queue_secs: secs(s.queue),
            build_secs: secs(s.build),
            deploy_secs: secs(s.deploy),
        }
    }

    /// Instant when running; otherwise a cold start with the default (immediate) strategy.
    pub(crate) fn switch_kind(&self, d: usize) -> SwitchKind {
        match self.deployments[d].dep.runtime_state {
            RuntimeState::Running => SwitchKind::Instant,
            RuntimeState::Starting | RuntimeState::SpunDown => SwitchKind::Cold {
                estimate_secs: (self.settings.cold_start + self.settings.health_check)
                    .num_seconds()
                    .max(0) as u64,
            },
        }
    }
}
