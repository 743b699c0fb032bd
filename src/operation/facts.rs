//! The facts that justify an operation, as data. The confirmation modal, the detail pane and
//! the command's printed plan are renderers of this one list, so a warning shown by one is
//! shown by all.

use crate::backend::{Capabilities, Role};
use crate::domain::{
    Action, ConfigChange, Deployment, Diff, DiffDetail, DomainMove, EnvMode, RuntimeState, Scope,
    Strategy, SwitchKind, hosts_stay,
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
    /// Platform-specific differences (images, resources, command) beyond the rest.
    Changes(Vec<DiffDetail>),
    Strategy(Strategy),
    Scope(Scope),
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
                | Self::NewDeployment {
                    gets_traffic: false,
                    ..
                }
        )
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
}

/// Every fact, in the order the modal states them.
pub fn facts(b: &Briefing<'_>) -> Vec<Fact> {
    let caps = b.capabilities;
    let target = b.target.label.clone();
    let switches = b.action != Action::Redeploy;
    let mut facts = vec![Fact::Where {
        project: b.project.to_owned(),
        environment: b.environment.to_owned(),
    }];
    if switches {
        facts.push(Fact::LiveMoves {
            from: b.live_label.map(str::to_owned),
            to: target,
        });
        facts.push(Fact::Domains(domain_facts(caps.domains_move, b.domains)));
        if let Some(diff) = b.diff {
            facts.push(Fact::Start {
                switch: diff.switch,
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
            commit: b.target.short_commit().to_owned(),
        });
    }
    if let Some(diff) = b.diff
        && switches
        && !diff.details.is_empty()
    {
        facts.push(Fact::Changes(diff.details.clone()));
    }
    if let Some(strategy) = b.strategy.filter(|_| switches) {
        facts.push(Fact::Strategy(strategy));
    }
    if (caps.components || caps.regions) && switches {
        facts.push(Fact::Scope(b.scope.clone()));
    }
    if b.target.artifact.pruned {
        facts.push(Fact::Pruned { rebuild: b.rebuild });
    }
    if let Some(diff) = b.diff {
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

/// Where the hostnames go on a switch.
pub fn domain_facts(domains_move: bool, domains: &[DomainMove]) -> DomainFacts {
    if hosts_stay(domains_move, domains) {
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
    use super::guard_text;

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
