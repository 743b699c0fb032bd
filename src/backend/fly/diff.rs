//! The live release against a target: the image (and digest, where a Machine reports it),
//! what changed between the two releases' definitions (env, services, guest size,
//! processes), the hostnames (all of them: every one routes to every Machine), and the
//! rollout the switch would be.

use super::Inner;
use super::api::Release;
use super::mapping::{self, Snapshot};
use super::reads::find;
use crate::backend::BackendError;
use crate::domain::{
    Artifact, ConfigChange, ConfigChangeKind, DeploymentId, Diff, DiffDetail, DomainKind,
    DomainMove, EnvRef, Rollout, SwitchKind,
};
use serde_json::Value;
use std::collections::BTreeSet;

/// Seconds a stopped Machine takes to start and pass its checks, roughly.
const COLD_START_SECS: u64 = 10;
const HEALTH_SECS: u64 = 10;

/// The sections of a definition compared entry by entry.
const SECTIONS: &[(&str, &str)] = &[
    ("services", "services"),
    ("http_service", "http service"),
    ("vm", "guest"),
    ("processes", "processes"),
    ("checks", "checks"),
];

impl Inner {
    pub(super) async fn build_diff(
        &self,
        env: &EnvRef,
        target: &DeploymentId,
    ) -> Result<Diff, BackendError> {
        let snap = self.snapshot(env, false).await?;
        let to = find(&snap, target)?.clone();
        let versions: Vec<i64> = snap
            .live_version()
            .into_iter()
            .chain([to.version])
            .collect();
        let defined = self.client.definitions(&snap.app, &versions).await?;
        let hostnames = self.hostnames(&snap.app).await;
        Ok(assemble(&snap, target, &to, &defined, &hostnames))
    }

    pub(super) async fn moves(
        &self,
        env: &EnvRef,
        target: &DeploymentId,
    ) -> Result<Vec<DomainMove>, BackendError> {
        let snap = self.snapshot(env, false).await?;
        let to = find(&snap, target)?.version;
        let hostnames = self.hostnames(&snap.app).await;
        Ok(moves(&snap, &hostnames, to))
    }
}

/// The diff from what is live to release `to`, from the releases' definitions (`defined`)
/// and the app's certificate hostnames.
pub fn assemble(
    snap: &Snapshot,
    target: &DeploymentId,
    to: &Release,
    defined: &[Release],
    hostnames: &[String],
) -> Diff {
    let live = snap.live_version();
    let definition = |v: i64| {
        defined
            .iter()
            .find(|r| r.version == v)
            .and_then(|r| r.config_definition.clone())
            .unwrap_or(Value::Null)
    };
    let from = live.and_then(|v| snap.release(v));
    let (config_drift, details) = match live {
        Some(v) => compare(&definition(v), &definition(to.version)),
        None => (Vec::new(), Vec::new()),
    };
    Diff {
        live: live.map(mapping::id),
        target: target.clone(),
        artifact_from: from.map(|r| artifact(snap, r)),
        artifact_to: artifact(snap, to),
        commits_between: Vec::new(),
        commits_back: 0,
        config_drift,
        migrations_not_reverted: Vec::new(),
        domains: moves(snap, hostnames, to.version),
        switch: switch_kind(snap),
        details,
        rollout: Some(rollout(snap)),
    }
}

fn artifact(snap: &Snapshot, release: &Release) -> Artifact {
    let image = crate::text::inert(release.image()).into_owned();
    let digest = snap
        .digests
        .iter()
        .find(|(reference, _)| *reference == image)
        .map(|(_, d)| d.clone());
    Artifact {
        image,
        digest,
        pruned: false,
    }
}

/// Every hostname moves, Machine by Machine: Fly routes each to every Machine.
fn moves(snap: &Snapshot, hostnames: &[String], to: i64) -> Vec<DomainMove> {
    let from = snap.live_version().map(mapping::id);
    let mut hosts = vec![(format!("{}.fly.dev", snap.app), DomainKind::Environment)];
    for host in hostnames {
        let host = crate::text::inert(host).into_owned();
        if !hosts.iter().any(|(h, _)| *h == host) {
            hosts.push((host, DomainKind::Custom));
        }
    }
    hosts
        .into_iter()
        .map(|(hostname, kind)| DomainMove {
            hostname,
            kind,
            from: from.clone(),
            to: Some(mapping::id(to)),
            moves: snap.live_version() != Some(to) || snap.live.is_mixed(),
            inferred: false,
        })
        .collect()
}

/// Instant when every Machine is started; a cold start when some are stopped (they start
/// on the next request after the update).
fn switch_kind(snap: &Snapshot) -> SwitchKind {
    let started: usize = snap.live.parts.iter().map(|p| p.started).sum();
    if started == snap.live.total {
        SwitchKind::Instant
    } else {
        SwitchKind::Cold {
            estimate_secs: COLD_START_SECS,
        }
    }
}

fn rollout(snap: &Snapshot) -> Rollout {
    let regions = snap.live.regions.len().max(1);
    Rollout {
        components: snap.live.groups.iter().cloned().collect(),
        regions: snap.live.regions.iter().cloned().collect(),
        machines_per_region: u32::try_from(snap.live.total.div_ceil(regions)).unwrap_or(u32::MAX),
        cold_start_secs: COLD_START_SECS,
        health_check_secs: HEALTH_SECS,
        ..Rollout::default()
    }
}

/// Hash of a value: names are shown, values never (env values may be secrets).
fn fingerprint(value: &Value) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    value.to_string().hash(&mut hasher);
    format!("{:08x}", hasher.finish() as u32)
}

/// Env vars by name (changed, added, removed; never their values) and the other sections
/// entry by entry, from the live definition to the target's.
pub fn compare(live: &Value, target: &Value) -> (Vec<ConfigChange>, Vec<DiffDetail>) {
    let mut drift = Vec::new();
    let names = |v: &Value| -> BTreeSet<String> {
        v["env"]
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    };
    for name in names(live).union(&names(target)) {
        let (a, b) = (&live["env"][name], &target["env"][name]);
        let change = match (a.is_null(), b.is_null()) {
            (true, false) => ConfigChangeKind::Added,
            (false, true) => ConfigChangeKind::Removed,
            _ if a != b => ConfigChangeKind::Changed,
            _ => continue,
        };
        drift.push(ConfigChange {
            name: crate::text::inert(name).into_owned(),
            change,
        });
    }
    let mut details = Vec::new();
    for (key, section) in SECTIONS {
        let (a, b) = (&live[*key], &target[*key]);
        if a == b {
            continue;
        }
        let describe = |v: &Value| -> Option<String> {
            match v {
                Value::Null => None,
                Value::String(s) => Some(crate::text::inert(s).into_owned()),
                Value::Number(n) => Some(n.to_string()),
                Value::Bool(b) => Some(b.to_string()),
                Value::Array(items) => {
                    Some(format!("{} entries ({})", items.len(), fingerprint(v)))
                }
                Value::Object(_) => Some(format!("({})", fingerprint(v))),
            }
        };
        match (a.as_object(), b.as_object()) {
            (Some(x), Some(y)) => {
                let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
                for k in keys {
                    let (p, q) = (
                        x.get(k).unwrap_or(&Value::Null),
                        y.get(k).unwrap_or(&Value::Null),
                    );
                    if p != q {
                        details.push(DiffDetail {
                            section: (*section).to_owned(),
                            name: crate::text::inert(k).into_owned(),
                            live: describe(p),
                            target: describe(q),
                        });
                    }
                }
            }
            _ => details.push(DiffDetail {
                section: (*section).to_owned(),
                name: (*key).to_owned(),
                live: describe(a),
                target: describe(b),
            }),
        }
    }
    (drift, details)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn env_changes_are_named_without_their_values_and_sections_compared() {
        let live = json!({ "env": { "A": "1", "B": "secret-b" }, "vm": { "size": "shared-cpu-2x", "memory": "1gb" } });
        let target = json!({ "env": { "A": "2", "C": "x" }, "vm": { "size": "shared-cpu-1x", "memory": "1gb" } });
        let (drift, details) = compare(&live, &target);
        let named: Vec<(&str, ConfigChangeKind)> =
            drift.iter().map(|c| (c.name.as_str(), c.change)).collect();
        assert_eq!(
            named,
            [
                ("A", ConfigChangeKind::Changed),
                ("B", ConfigChangeKind::Removed),
                ("C", ConfigChangeKind::Added)
            ]
        );
        assert_eq!(details.len(), 1);
        assert_eq!(
            details[0].describe(),
            "guest size shared-cpu-2x → shared-cpu-1x"
        );
        assert!(!format!("{drift:?}{details:?}").contains("secret-b"));
    }
}
