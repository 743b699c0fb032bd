//! The rollout plan, before anything is sent: which Machines change, in which order and in
//! which batches, and how long each batch is expected to take.
//!
//! As flyctl does it: per process group, Machines in id order; the first Machine of a group
//! alone (a bad image fails there and nowhere else), then the rest in batches of
//! `ceil(n × max_unavailable)` for a group of `n`. `immediate` is one batch of every
//! Machine with no waits; `canary` first starts one extra Machine per group; `blue-green`
//! is one batch of new Machines beside the old ones.

use super::api::Machine;
use crate::domain::Strategy;

/// Expected seconds for one Machine: update, start, checks.
pub const MACHINE_SECS: u64 = 20;
/// Expected seconds for a canary Machine: create, start, checks, destroy.
pub const CANARY_SECS: u64 = 30;
/// Expected seconds for a blue-green batch: create, start, checks, let in, remove the old.
pub const BLUEGREEN_SECS: u64 = 45;
/// Expected seconds for an immediate batch (no waits).
pub const IMMEDIATE_SECS: u64 = 5;

/// How the Machines move, read from the engine's strategy.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Pace {
    /// All at once, no waits or checks.
    Immediate,
    /// Batches of this share of a group, the first Machine alone; with a canary first.
    Rolling { share: f64, canary: bool },
    /// A new Machine beside each old one, out of traffic until every new one is healthy.
    BlueGreen,
}

impl Pace {
    /// `None` is flyctl's default (rolling, `max_unavailable` of the config).
    pub fn of(strategy: Option<Strategy>, default_share: f64) -> Self {
        match strategy {
            Some(Strategy::Immediate) => Self::Immediate,
            Some(Strategy::Rolling) => Self::Rolling {
                share: 0.0,
                canary: false,
            },
            Some(Strategy::MaxUnavailable { percent }) => Self::Rolling {
                share: f64::from(percent.clamp(1, 100)) / 100.0,
                canary: false,
            },
            Some(Strategy::BlueGreen) => Self::BlueGreen,
            Some(Strategy::Canary) => Self::Rolling {
                share: default_share,
                canary: true,
            },
            None => Self::Rolling {
                share: default_share,
                canary: false,
            },
        }
    }

    pub fn waits(self) -> bool {
        !matches!(self, Self::Immediate)
    }

    pub fn canary(self) -> bool {
        matches!(self, Self::Rolling { canary: true, .. })
    }

    /// The name flyctl gives it in a release (`ROLLING`, `CANARY`, `IMMEDIATE`).
    pub fn release_strategy(self) -> &'static str {
        match self {
            Self::Immediate => "IMMEDIATE",
            Self::BlueGreen => "BLUEGREEN",
            Self::Rolling { canary: true, .. } => "CANARY",
            Self::Rolling { .. } => "ROLLING",
        }
    }
}

/// Machines updated together, all of one process group (or every group when immediate).
#[derive(Clone, Debug)]
pub struct Batch {
    pub group: String,
    pub machines: Vec<Machine>,
}

impl Batch {
    /// `app: 3 Machines (ams ×2, ord)`.
    pub fn describe(&self) -> String {
        let mut regions: Vec<(String, usize)> = Vec::new();
        for machine in &self.machines {
            match regions.iter_mut().find(|(r, _)| *r == machine.region) {
                Some((_, n)) => *n += 1,
                None => regions.push((machine.region.clone(), 1)),
            }
        }
        let regions: Vec<String> = regions
            .into_iter()
            .map(|(r, n)| if n > 1 { format!("{r} ×{n}") } else { r })
            .collect();
        let count = self.machines.len();
        format!(
            "{}: {count} Machine{} ({})",
            self.group,
            if count == 1 { "" } else { "s" },
            regions.join(", ")
        )
    }
}

/// The batches for `machines` (already limited to the scope).
pub fn batches(machines: &[Machine], pace: Pace) -> Vec<Batch> {
    let mut groups: Vec<(String, Vec<Machine>)> = Vec::new();
    for machine in machines {
        let group = machine.group();
        match groups.iter_mut().find(|(g, _)| *g == group) {
            Some((_, list)) => list.push(machine.clone()),
            None => groups.push((group, vec![machine.clone()])),
        }
    }
    groups.sort_by(|a, b| a.0.cmp(&b.0));
    for (_, list) in &mut groups {
        list.sort_by(|a, b| a.id.cmp(&b.id));
    }
    match pace {
        Pace::Immediate | Pace::BlueGreen => {
            let all: Vec<Machine> = groups.into_iter().flat_map(|(_, m)| m).collect();
            if all.is_empty() {
                return Vec::new();
            }
            let group = {
                let mut names: Vec<String> = all.iter().map(Machine::group).collect();
                names.dedup();
                names.join(", ")
            };
            vec![Batch {
                group,
                machines: all,
            }]
        }
        Pace::Rolling { share, .. } => {
            let mut out = Vec::new();
            for (group, list) in groups {
                let size = batch_size(list.len(), share);
                let mut rest = list.into_iter();
                if let Some(first) = rest.next() {
                    out.push(Batch {
                        group: group.clone(),
                        machines: vec![first],
                    });
                }
                let rest: Vec<Machine> = rest.collect();
                for chunk in rest.chunks(size) {
                    out.push(Batch {
                        group: group.clone(),
                        machines: chunk.to_vec(),
                    });
                }
            }
            out
        }
    }
}

/// `ceil(n × share)`, at least one.
pub fn batch_size(n: usize, share: f64) -> usize {
    let size = (n as f64 * share).ceil();
    if size.is_finite() && size >= 1.0 {
        size as usize
    } else {
        1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn machine(id: &str, group: &str, region: &str) -> Machine {
        serde_json::from_value(json!({
            "id": id, "state": "started", "region": region,
            "config": { "metadata": { "fly_process_group": group } }
        }))
        .unwrap()
    }

    #[test]
    fn a_group_of_six_goes_one_then_two_at_a_time_in_id_order() {
        let machines: Vec<Machine> = ["m6", "m2", "m4", "m1", "m5", "m3"]
            .iter()
            .map(|id| machine(id, "app", "ams"))
            .collect();
        let plan = batches(&machines, Pace::of(None, 0.33));
        let ids: Vec<Vec<&str>> = plan
            .iter()
            .map(|b| b.machines.iter().map(|m| m.id.as_str()).collect())
            .collect();
        assert_eq!(
            ids,
            [vec!["m1"], vec!["m2", "m3"], vec!["m4", "m5"], vec!["m6"]]
        );
    }

    #[test]
    fn groups_go_one_after_the_other_and_immediate_is_one_batch() {
        let machines = vec![
            machine("b", "worker", "ord"),
            machine("a", "app", "ams"),
            machine("c", "app", "ams"),
        ];
        let plan = batches(&machines, Pace::of(Some(Strategy::Rolling), 0.33));
        let groups: Vec<&str> = plan.iter().map(|b| b.group.as_str()).collect();
        assert_eq!(groups, ["app", "app", "worker"]);
        let plan = batches(&machines, Pace::of(Some(Strategy::Immediate), 0.33));
        assert_eq!(plan.len(), 1);
        assert_eq!(plan[0].machines.len(), 3);
        assert_eq!(plan[0].describe(), "app, worker: 3 Machines (ams ×2, ord)");
    }

    #[test]
    fn the_batch_size_is_rounded_up() {
        assert_eq!(batch_size(6, 0.33), 2);
        assert_eq!(batch_size(10, 0.25), 3);
        assert_eq!(batch_size(3, 0.0), 1);
        assert_eq!(batch_size(4, 1.0), 4);
    }
}
