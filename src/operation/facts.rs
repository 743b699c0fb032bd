//! The facts that justify an operation, as data. The confirmation modal, the detail pane and
//! the command's printed plan are renderers of this one list, so a warning shown by one is
//! shown by all.

use crate::backend::{Capabilities, Role};
use crate::domain::{
    Action, ConfigChange, Deployment, Diff, DiffDetail, DomainMove, EnvMode, Rollout, RuntimeState,
    Scope, Strategy, SwitchKind,
};

/// One thing the engineer should know before confirming.
#[derive(Clone, Debug, PartialEq)]
pub enum Fact {
    /// The project's display name and the environment's id.
    Where {
        project: String,
        environment: String,
    },
    /// Rollback and promote: live moves from `from` to `to`.
    LiveMoves {
        from: Option<String>,
        to: String,
    },
    /// Promote of the live deployment in rolled-back mode: nothing moves, the rollback is
    /// confirmed and the mode ends.
    ConfirmsRollback {
        environment: String,
        live: String,
    },
    /// Redeploy: a new deployment is made; whether it receives traffic when ready.
    NewDeployment {
        live: Option<String>,
        gets_traffic: bool,
    },
    /// Redeploy: from the same artifact, or rebuilt from the commit.
    Creates {
        rebuild: bool,
        commit: String,
    },
    Domains(DomainFacts),
    /// Instant (the target runs) or a cold start.
    Start {
        switch: SwitchKind,
        runtime: RuntimeState,
    },
    /// How long it takes, from the platform's facts.
    Duration(Estimate),
    /// Platform-specific differences (images, resources, command) beyond the rest.
    Changes(Vec<DiffDetail>),
    /// How the switch proceeds; `machines` when the platform says how many it moves.
    Strategy {
        strategy: Strategy,
        machines: Option<u32>,
    },
    Scope(Scope),
    /// Warning: only part of the environment moves; the rest stays on `stays`.
    Partial {
        moves: Scope,
        stays: Option<String>,
    },
    /// The environment is mixed now and a switch of everything ends that.
    EndsMixed {
        to: String,
    },
    /// Warning: the artifact was removed by retention.
    Pruned {
        rebuild: bool,
    },
    /// Warning: a migration introduced after the target that the switch does not revert.
    MigrationNotReverted(String),
    /// Warning: configuration changed since the target; today's values are kept.
    ConfigKept(Vec<ConfigChange>),
    /// Warning: the environment enters rolled-back mode (pushes get no traffic).
    EntersRolledBack {
        environment: String,
    },
    /// The environment returns to normal mode: the next push gets traffic.
    ReturnsToNormal {
        environment: String,
    },
    /// Warning: the credentials may only look; the platform will refuse.
    ReadOnly,
    /// The request is refused if `live` is no longer live when it arrives (`atomic`), or
    /// when the adapter reads it right before sending (no compare-and-swap at the platform).
    Guard {
        live: String,
        atomic: bool,
    },
}

/// Where the hostnames go.
#[derive(Clone, Debug, PartialEq)]
pub enum DomainFacts {
    /// They move to the target, one hostname each.
    Move(Vec<String>),
    /// Nothing moves.
    NoneMove,
    /// The platform keeps them on the same Service (Kubernetes); the hosts listed.
    Stay(Vec<String>),
}

impl Fact {
    /// Whether it is a warning (`!`): something the engineer may not want.
    pub fn is_warning(&self) -> bool {
        matches!(
            self,
            Self::Pruned { .. }
                | Self::MigrationNotReverted(_)
                | Self::ConfigKept(_)
                | Self::EntersRolledBack { .. }
                | Self::ReadOnly
                | Self::Partial { .. }
                | Self::NewDeployment {
                    gets_traffic: false,
                    ..
                }
        )
    }
}

/// How long an operation takes, and what that is made of.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Estimate {
    pub secs: u64,
    /// Machines the switch moves, and how many at a time.
    pub machines: u32,
    pub batch: u32,
    /// Starting one batch, when the target is spun down.
    pub cold_start_secs: Option<u64>,
    /// The health check after a cold start.
    pub health_check_secs: u64,
    /// A redeploy: queue and build (rebuild only), then deploy.
    pub build_secs: Option<u64>,
    pub deploy_secs: Option<u64>,
}

impl Estimate {
    /// `~2m45s: 8 machines, 1 at a time, cold start ~20s each, then a 5s health check`.
    pub fn describe(&self) -> String {
        let total = format!("~{}", crate::text::clock_span(self.secs));
        if let Some(deploy) = self.deploy_secs {
            let build = self
                .build_secs
                .map(|b| format!("queue and build ~{}, ", crate::text::clock_span(b)))
                .unwrap_or_default();
            return format!(
                "{total}: {build}deploy ~{}",
                crate::text::clock_span(deploy)
            );
        }
        let machines = match self.machines {
            1 => "1 machine".to_owned(),
            n => format!("{n} machines"),
        };
        let pace = if self.batch >= self.machines {
            "all at once".to_owned()
        } else {
            format!("{} at a time", self.batch)
        };
        match self.cold_start_secs {
            Some(cold) => format!(
                "{total}: {machines}, {pace}, cold start ~{} each, then a {} health check",
                crate::text::clock_span(cold),
                crate::text::clock_span(self.health_check_secs)
            ),
            None => format!("{total}: {machines}, {pace}"),
        }
    }
}

/// The time a switch or a redeploy takes, from the platform's rollout facts: batches of
/// machines (each a cold start when the target is spun down) and a health check, or a
/// redeploy's pipeline. The platform's own plan is made of the same parts.
pub fn estimate(
    rollout: &Rollout,
    action: Action,
    runtime: RuntimeState,
    strategy: Option<Strategy>,
    scope: &Scope,
    rebuild: bool,
) -> Estimate {
    if action == Action::Redeploy {
        let build = rebuild.then_some(rollout.queue_secs + rollout.build_secs);
        let secs = build.unwrap_or(0) + rollout.deploy_secs;
        return Estimate {
            secs,
            machines: rollout.machines(&[], &[]),
            batch: rollout.machines(&[], &[]),
            cold_start_secs: None,
            health_check_secs: 0,
            build_secs: build,
            deploy_secs: Some(rollout.deploy_secs),
        };
    }
    let machines = rollout.machines(&scope.components, &scope.regions);
    let batch = strategy
        .unwrap_or(Strategy::Immediate)
        .batch(machines as usize)
        .min(machines as usize) as u32;
    let batches = u64::from(machines.div_ceil(batch.max(1)));
    let cold = runtime != RuntimeState::Running;
    let secs = if cold {
        batches * rollout.cold_start_secs + rollout.health_check_secs
    } else {
        batches * rollout.route_secs
    };
    Estimate {
        secs,
        machines,
        batch,
        cold_start_secs: cold.then_some(rollout.cold_start_secs),
        health_check_secs: if cold { rollout.health_check_secs } else { 0 },
        build_secs: None,
        deploy_secs: None,
    }
}

/// What the facts are drawn from.
#[derive(Clone, Copy, Debug)]
pub struct Briefing<'a> {
    pub action: Action,
    pub project: &'a str,
    /// The environment's id: what a protected environment asks to be typed.
    pub environment: &'a str,
    pub mode: EnvMode,
    pub target: &'a Deployment,
    pub live_label: Option<&'a str>,
    pub diff: Option<&'a Diff>,
    pub domains: &'a [DomainMove],
    pub capabilities: &'a Capabilities,
    pub role: Option<Role>,
    pub strategy: Option<Strategy>,
    pub scope: &'a Scope,
    pub rebuild: bool,
    /// The environment is served by more than one deployment now.
    pub mixed: bool,
}

/// Every fact, in the order the modal states them.
pub fn facts(b: &Briefing<'_>) -> Vec<Fact> {
    let caps = b.capabilities;
    let target = b.target.label.clone();
    let switches = b.action != Action::Redeploy;
    let confirms = b.action == Action::Promote
        && b.live_label == Some(target.as_str())
        && b.mode == EnvMode::RolledBack
        && !b.mixed;
    let mut facts = vec![Fact::Where {
        project: b.project.to_owned(),
        environment: b.environment.to_owned(),
    }];
    let rollout = b.diff.and_then(|d| d.rollout.as_ref());
    let estimate = rollout.filter(|_| !confirms).map(|rollout| {
        estimate(
            rollout,
            b.action,
            b.target.runtime_state,
            b.strategy,
            b.scope,
            b.rebuild,
        )
    });
    if confirms {
        facts.push(Fact::ConfirmsRollback {
            environment: b.environment.to_owned(),
            live: target.clone(),
        });
    } else if switches {
        facts.push(Fact::LiveMoves {
            from: b.live_label.map(str::to_owned),
            to: target.clone(),
        });
        facts.push(Fact::Domains(domain_facts(caps.domains_move, b.domains)));
        if let Some(diff) = b.diff {
            // A cold start takes what the estimate says, batches and health check included.
            let switch = match (diff.switch, &estimate) {
                (SwitchKind::Cold { .. }, Some(estimate)) => SwitchKind::Cold {
                    estimate_secs: estimate.secs,
                },
                (switch, _) => switch,
            };
            facts.push(Fact::Start {
                switch,
                runtime: b.target.runtime_state,
            });
        }
    } else {
        facts.push(Fact::NewDeployment {
            live: b.live_label.map(str::to_owned),
            // In rolled-back mode a new deployment is held back like a push.
            gets_traffic: !(caps.rolled_back_mode && b.mode == EnvMode::RolledBack),
        });
        facts.push(Fact::Creates {
            rebuild: b.rebuild,
            commit: b.target.short_commit().into_owned(),
        });
    }
    if let Some(estimate) = estimate.filter(|e| e.secs > 0) {
        facts.push(Fact::Duration(estimate));
    }
    if let Some(diff) = b.diff
        && switches
        && !diff.details.is_empty()
    {
        facts.push(Fact::Changes(diff.details.clone()));
    }
    if let Some(strategy) = b.strategy.filter(|_| switches && !confirms) {
        facts.push(Fact::Strategy {
            strategy,
            machines: rollout.map(|r| r.machines(&b.scope.components, &b.scope.regions)),
        });
    }
    if (caps.components || caps.regions) && switches && !confirms {
        facts.push(Fact::Scope(b.scope.clone()));
    }
    if switches && !b.scope.is_everything() {
        facts.push(Fact::Partial {
            moves: b.scope.clone(),
            stays: b.live_label.map(str::to_owned),
        });
    } else if switches && b.mixed {
        facts.push(Fact::EndsMixed { to: target.clone() });
    }
    if b.target.artifact.pruned {
        facts.push(Fact::Pruned { rebuild: b.rebuild });
    }
    if let Some(diff) = b.diff.filter(|_| !confirms) {
        for migration in &diff.migrations_not_reverted {
            facts.push(Fact::MigrationNotReverted(migration.clone()));
        }
        if !diff.config_drift.is_empty() {
            facts.push(Fact::ConfigKept(diff.config_drift.clone()));
        }
    }
    if caps.rolled_back_mode {
        let environment = b.environment.to_owned();
        match b.action {
            Action::Rollback => facts.push(Fact::EntersRolledBack { environment }),
            Action::Promote => facts.push(Fact::ReturnsToNormal { environment }),
            Action::Redeploy => {}
        }
    }
    if b.role == Some(Role::ReadOnly) {
        facts.push(Fact::ReadOnly);
    }
    if caps.preconditions || caps.checks_live_first {
        facts.push(Fact::Guard {
            live: b.live_label.unwrap_or("nothing").to_owned(),
            atomic: caps.preconditions,
        });
    }
    facts
}

/// Where the hostnames go on a switch. Only a platform whose hosts never move (Kubernetes,
/// where a Service selects the pods) keeps them in place; elsewhere a switch that moves
/// none says so plainly.
pub fn domain_facts(domains_move: bool, domains: &[DomainMove]) -> DomainFacts {
    if !domains_move {
        return DomainFacts::Stay(domains.iter().map(|d| d.hostname.clone()).collect());
    }
    let moving: Vec<String> = domains
        .iter()
        .filter(|d| d.moves)
        .map(|d| d.hostname.clone())
        .collect();
    if moving.is_empty() {
        DomainFacts::NoneMove
    } else {
        DomainFacts::Move(moving)
    }
}

/// The default way a switch proceeds: `rolling` where the platform has it (the safe one),
/// else the first it offers.
pub fn default_strategy(caps: &Capabilities) -> Option<Strategy> {
    if caps.strategies.contains(&Strategy::Rolling) {
        Some(Strategy::Rolling)
    } else {
        caps.strategies.first().copied()
    }
}

/// `rolling, 1 at a time`, `rolling, 2 at a time (25%)`, `immediate, all at once`; without
/// a machine count, the strategy's own words.
pub fn strategy_text(strategy: Strategy, machines: Option<u32>) -> String {
    let Some(machines) = machines else {
        return strategy.describe();
    };
    let batch = strategy.batch(machines as usize).min(machines as usize);
    match strategy {
        Strategy::Immediate => "immediate, all at once".to_owned(),
        Strategy::Rolling => "rolling, 1 at a time".to_owned(),
        Strategy::Canary => "canary first, then rolling".to_owned(),
        Strategy::BlueGreen => format!("blue-green, {machines} new machines beside the old"),
        Strategy::MaxUnavailable { percent } => {
            format!("rolling, {batch} at a time ({percent}%)")
        }
    }
}

/// `all components, all regions`, or the components and regions named.
pub fn scope_text(scope: &Scope) -> String {
    let part = |names: &[String], all: &str| {
        if names.is_empty() {
            format!("all {all}")
        } else {
            names.join(", ")
        }
    };
    format!(
        "{}, {}",
        part(&scope.components, "components"),
        part(&scope.regions, "regions")
    )
}

/// `only web moves to v41; the rest stays on v42, and production is mixed until a later
/// rollback or promote of everything`.
pub fn partial_text(moves: &Scope, target: &str, stays: Option<&str>) -> String {
    let stays = stays.unwrap_or("what serves it now");
    format!(
        "only {} moves to {target}; the rest stays on {stays} (mixed until a rollback or promote of everything)",
        moves.describe()
    )
}

/// The guard line: when the request is refused because live moved.
pub fn guard_text(live: &str, atomic: bool) -> String {
    if atomic {
        format!("refused if {live} is no longer live when it arrives")
    } else {
        format!(
            "checked just before sending: refused if {live} is no longer live then (the platform has no compare-and-swap)"
        )
    }
}

/// `FEATURE_X added, DB_POOL changed`.
pub fn config_changes_text(changes: &[ConfigChange]) -> String {
    changes
        .iter()
        .map(|c| format!("{} {}", c.name, c.change.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rollout() -> Rollout {
        Rollout {
            components: vec!["web".into(), "worker".into()],
            regions: vec!["us-east-1".into(), "eu-west-1".into()],
            machines_per_region: 2,
            cold_start_secs: 20,
            health_check_secs: 5,
            route_secs: 0,
            queue_secs: 5,
            build_secs: 90,
            deploy_secs: 20,
        }
    }

    #[test]
    fn a_cold_rolling_switch_of_eight_machines_takes_eight_cold_starts_and_a_health_check() {
        let all = Scope::default();
        let cold = RuntimeState::SpunDown;
        let rolling = estimate(
            &rollout(),
            Action::Rollback,
            cold,
            Some(Strategy::Rolling),
            &all,
            false,
        );
        assert_eq!((rolling.machines, rolling.batch, rolling.secs), (8, 1, 165));
        assert_eq!(
            rolling.describe(),
            "~2m45s: 8 machines, 1 at a time, cold start ~20s each, then a 5s health check"
        );
        let quarter = Strategy::MaxUnavailable { percent: 25 };
        let batches = estimate(
            &rollout(),
            Action::Rollback,
            cold,
            Some(quarter),
            &all,
            false,
        );
        assert_eq!((batches.batch, batches.secs), (2, 85));
        let at_once = estimate(
            &rollout(),
            Action::Rollback,
            cold,
            Some(Strategy::Immediate),
            &all,
            false,
        );
        assert_eq!(at_once.secs, 25);
        let web = Scope {
            components: vec!["web".into()],
            regions: vec![],
        };
        let part = estimate(
            &rollout(),
            Action::Rollback,
            cold,
            Some(Strategy::Rolling),
            &web,
            false,
        );
        assert_eq!((part.machines, part.secs), (4, 85));
        let warm = estimate(
            &rollout(),
            Action::Rollback,
            RuntimeState::Running,
            Some(Strategy::Rolling),
            &all,
            false,
        );
        assert_eq!(warm.secs, 0);
    }

    #[test]
    fn a_rebuild_takes_the_pipeline() {
        let rebuild = estimate(
            &rollout(),
            Action::Redeploy,
            RuntimeState::SpunDown,
            None,
            &Scope::default(),
            true,
        );
        assert_eq!(rebuild.secs, 115);
        assert_eq!(
            rebuild.describe(),
            "~1m55s: queue and build ~1m35s, deploy ~20s"
        );
    }

    #[test]
    fn strategies_say_their_pace() {
        assert_eq!(
            strategy_text(Strategy::Rolling, Some(8)),
            "rolling, 1 at a time"
        );
        assert_eq!(
            strategy_text(Strategy::MaxUnavailable { percent: 25 }, Some(8)),
            "rolling, 2 at a time (25%)"
        );
        assert_eq!(
            strategy_text(Strategy::Immediate, Some(8)),
            "immediate, all at once"
        );
        assert_eq!(strategy_text(Strategy::Rolling, None), "rolling");
        assert_eq!(
            strategy_text(Strategy::Canary, Some(8)),
            "canary first, then rolling"
        );
        assert_eq!(
            strategy_text(Strategy::BlueGreen, Some(8)),
            "blue-green, 8 new machines beside the old"
        );
        assert_eq!(Strategy::Canary.batch(8), 1);
        assert_eq!(Strategy::BlueGreen.batch(8), 8);
        assert_eq!(
            serde_json::to_value(Strategy::BlueGreen).unwrap(),
            serde_json::json!({ "kind": "blue_green" })
        );
    }

    #[test]
    fn the_guard_says_whether_the_platform_checks_or_the_adapter_does() {
        assert_eq!(
            guard_text("v42", true),
            "refused if v42 is no longer live when it arrives"
        );
        let checked = guard_text("d9", false);
        assert!(
            checked.starts_with("checked just before sending")
                && checked.contains("d9")
                && checked.contains("no compare-and-swap"),
            "{checked}"
        );
    }
}
