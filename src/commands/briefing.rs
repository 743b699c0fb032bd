//! The plan as the commands print it before asking: a headline, then one line per fact.

use crate::domain::HOSTS_STAY;
use crate::domain::{Action, SwitchKind};
use crate::operation::facts::{
    config_changes_text, guard_text, partial_text, scope_text, strategy_text,
};
use crate::operation::{DomainFacts, Fact, Plan};

/// `  name     value`, aligned like the console's facts.
fn line(name: &str, value: impl std::fmt::Display) -> String {
    format!("  {name:<8} {value}")
}

/// What will happen, in words, before the confirmation.
pub fn lines(plan: &Plan, project_id: &str) -> Vec<String> {
    let env = &plan.environment.name;
    let target = &plan.target.label;
    let live = plan.live_label().unwrap_or("nothing live");
    let rebuild = plan.rebuild();
    let mut lines = vec![match plan.action {
        Action::Redeploy => format!(
            "Redeploy {target} in {project_id} · {env} ({})",
            if rebuild {
                "rebuild from the same commit"
            } else {
                "same artifact, no build"
            }
        ),
        Action::Rollback => format!("Roll back {project_id} · {env}: {live} → {target}"),
        Action::Promote => format!("Promote in {project_id} · {env}: {live} → {target}"),
    }];
    for fact in &plan.facts {
        match fact {
            // In the headline.
            Fact::Where { .. } | Fact::LiveMoves { .. } => {}
            Fact::Creates { rebuild, commit } => lines.push(line(
                "creates",
                if *rebuild {
                    format!("a new deployment rebuilt from commit {commit} (full pipeline)")
                } else {
                    "a new deployment from the same artifact (no build)".to_owned()
                },
            )),
            Fact::NewDeployment { live, gets_traffic } => {
                let live = live.as_deref().unwrap_or("nothing");
                lines.push(if *gets_traffic {
                    line(
                        "live",
                        format!(
                            "{live} → the new deployment: it goes live when ready, replacing \
                             {live}, as a push would"
                        ),
                    )
                } else {
                    line(
                        "warn",
                        format!(
                            "{live} stays live: rolled back, so the new deployment gets no \
                             traffic until a promote"
                        ),
                    )
                });
            }
            Fact::Domains(DomainFacts::Move(hosts)) => {
                lines.push(line("domains", format!("{} → {target}", hosts.join(", "))));
            }
            Fact::Domains(DomainFacts::Stay(_)) => {
                lines.push(line("domains", format!("{HOSTS_STAY} to {target}")));
            }
            Fact::Domains(DomainFacts::NoneMove) => {}
            Fact::Start { switch, runtime } => lines.push(match switch {
                SwitchKind::Instant => line("switch", format!("instant ({target} is running)")),
                SwitchKind::Cold { estimate_secs } => line(
                    "switch",
                    format!(
                        "cold start ~{} ({target} is {})",
                        crate::text::clock_span(*estimate_secs),
                        runtime.as_str()
                    ),
                ),
            }),
            Fact::Changes(details) => {
                for detail in details {
                    lines.push(line("changes", detail.describe()));
                }
            }
            Fact::Strategy { strategy, machines } => {
                lines.push(line("strategy", strategy_text(*strategy, *machines)));
            }
            Fact::Scope(scope) => lines.push(line("scope", scope_text(scope))),
            Fact::Duration(estimate) => lines.push(line("time", estimate.describe())),
            Fact::ConfirmsRollback { environment, live } => lines.push(line(
                "live",
                format!(
                    "{live} stays live; promoting it confirms the rollback and ends {environment}'s ROLLED BACK mode"
                ),
            )),
            Fact::Partial { moves, stays } => {
                lines.push(line("warn", partial_text(moves, target, stays.as_deref())));
            }
            Fact::EndsMixed { to } => lines.push(line(
                "mode",
                format!("ends the mixed state: everything moves to {to}"),
            )),
            Fact::Pruned { rebuild } => lines.push(line(
                "warn",
                if *rebuild {
                    "artifact pruned by retention: rebuilding from source"
                } else {
                    "artifact pruned by retention"
                },
            )),
            Fact::MigrationNotReverted(migration) => {
                lines.push(line(
                    "warn",
                    format!("migration {migration} will not be reverted"),
                ));
            }
            Fact::ConfigKept(changes) => lines.push(line(
                "config",
                format!(
                    "{} since {target} (today's values are kept)",
                    config_changes_text(changes)
                ),
            )),
            Fact::EntersRolledBack { environment } => lines.push(line(
                "warn",
                format!("{environment} becomes ROLLED BACK: pushes get no traffic until a promote"),
            )),
            Fact::ReturnsToNormal { environment } => lines.push(line(
                "mode",
                format!("{environment} returns to normal: the next push gets traffic"),
            )),
            Fact::ReadOnly => {
                lines.push(line(
                    "warn",
                    "you have a read-only role: the platform will refuse",
                ));
            }
            Fact::Guard { live, atomic } => lines.push(line("guard", guard_text(live, *atomic))),
        }
    }
    lines
}
