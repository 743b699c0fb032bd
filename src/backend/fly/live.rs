//! What is live on Fly: not a pointer but the distribution of `fly_release_version` over
//! the app's Machines. A release that deploys an image an earlier release introduced (a
//! rollback, a redeploy) counts as that earlier release: the deployment the engineer knows.

use super::api::{Machine, Release};
use std::collections::{BTreeMap, BTreeSet};

/// Release versions and the release that introduced each one's image.
#[derive(Clone, Debug, Default)]
pub struct Lineage {
    origin: BTreeMap<i64, i64>,
}

impl Lineage {
    pub fn new(releases: &[Release]) -> Self {
        let mut first_of_image: BTreeMap<&str, i64> = BTreeMap::new();
        let mut sorted: Vec<&Release> = releases.iter().collect();
        sorted.sort_by_key(|r| r.version);
        let mut origin = BTreeMap::new();
        for release in sorted {
            let image = release.image();
            let first = if image.is_empty() {
                release.version
            } else {
                *first_of_image.entry(image).or_insert(release.version)
            };
            origin.insert(release.version, first);
        }
        Self { origin }
    }

    /// The release that introduced `version`'s image (itself when it did, or unknown).
    pub fn origin(&self, version: i64) -> i64 {
        self.origin.get(&version).copied().unwrap_or(version)
    }
}

/// One deployment and the Machines running it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    /// The deployment (the release that introduced the image).
    pub version: i64,
    /// The release versions the Machines carry (a rollback's own release among them).
    pub carried: BTreeSet<i64>,
    pub machines: Vec<String>,
    pub regions: BTreeSet<String>,
    pub groups: BTreeSet<String>,
    pub started: usize,
}

/// The app's Machines by deployment, the largest part first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Distribution {
    pub parts: Vec<Part>,
    pub total: usize,
    /// Regions and process groups of every counted Machine.
    pub regions: BTreeSet<String>,
    pub groups: BTreeSet<String>,
}

impl Distribution {
    pub fn new(machines: &[Machine], lineage: &Lineage) -> Self {
        let mut by: BTreeMap<i64, Part> = BTreeMap::new();
        let mut out = Distribution::default();
        for machine in machines.iter().filter(|m| m.counts()) {
            out.total += 1;
            out.regions.insert(machine.region.clone());
            out.groups.insert(machine.group());
            let Some(carried) = machine.release_version() else {
                continue;
            };
            let version = lineage.origin(carried);
            let part = by.entry(version).or_insert_with(|| Part {
                version,
                carried: BTreeSet::new(),
                machines: Vec::new(),
                regions: BTreeSet::new(),
                groups: BTreeSet::new(),
                started: 0,
            });
            part.carried.insert(carried);
            part.machines.push(machine.id.clone());
            part.regions.insert(machine.region.clone());
            part.groups.insert(machine.group());
            part.started += usize::from(machine.is_started());
        }
        out.parts = by.into_values().collect();
        // Most Machines first; on a tie, the newer deployment.
        out.parts.sort_by(|a, b| {
            b.machines
                .len()
                .cmp(&a.machines.len())
                .then(b.version.cmp(&a.version))
        });
        out
    }

    /// The deployment most Machines run.
    pub fn live(&self) -> Option<i64> {
        self.parts.first().map(|p| p.version)
    }

    pub fn is_mixed(&self) -> bool {
        self.parts.len() > 1
    }

    pub fn part(&self, version: i64) -> Option<&Part> {
        self.parts.iter().find(|p| p.version == version)
    }

    /// `v29`, or `v29 on 4/6 Machines, v30 on 2` when Machines run different releases.
    pub fn label(&self) -> Option<String> {
        let first = self.parts.first()?;
        if !self.is_mixed() {
            return Some(format!("v{}", first.version));
        }
        let mut text = format!(
            "v{} on {}/{} Machines",
            first.version,
            first.machines.len(),
            self.total
        );
        for part in &self.parts[1..] {
            text.push_str(&format!(", v{} on {}", part.version, part.machines.len()));
        }
        Some(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn machine(id: &str, version: i64, region: &str, state: &str) -> Machine {
        serde_json::from_value(json!({
            "id": id, "state": state, "region": region,
            "config": { "image": "img", "metadata": {
                "fly_release_version": version.to_string(), "fly_process_group": "app" } }
        }))
        .unwrap()
    }

    fn release(version: i64, image: &str) -> Release {
        serde_json::from_value(json!({
            "id": format!("r{version}"), "version": version, "imageRef": image,
            "createdAt": "2026-01-01T00:00:00Z", "status": "complete"
        }))
        .unwrap()
    }

    #[test]
    fn a_mixed_state_names_each_release_and_its_share() {
        let lineage = Lineage::new(&[release(29, "a"), release(30, "b")]);
        let machines: Vec<Machine> = (0..6)
            .map(|i| {
                machine(
                    &format!("m{i}"),
                    if i < 4 { 29 } else { 30 },
                    "ams",
                    "started",
                )
            })
            .collect();
        let d = Distribution::new(&machines, &lineage);
        assert_eq!(d.live(), Some(29));
        assert!(d.is_mixed());
        assert_eq!(d.label().unwrap(), "v29 on 4/6 Machines, v30 on 2");
    }

    #[test]
    fn a_rollback_release_counts_as_the_release_that_introduced_its_image() {
        let lineage = Lineage::new(&[release(29, "a"), release(30, "b"), release(31, "a")]);
        assert_eq!(lineage.origin(31), 29);
        assert_eq!(lineage.origin(30), 30);
        let machines = vec![
            machine("m1", 31, "ams", "started"),
            machine("m2", 31, "ord", "stopped"),
        ];
        let d = Distribution::new(&machines, &lineage);
        assert_eq!(d.label().unwrap(), "v29");
        assert_eq!(d.parts[0].carried, BTreeSet::from([31]));
        assert_eq!(d.parts[0].started, 1);
    }
}
