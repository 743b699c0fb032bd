//! The report of an operation command: the JSON document it prints, filled from the plan,
//! the finished operation and the environment afterwards; and its result in words.

use super::out::say;
use super::story;
use crate::backend::{Backend, OperationHandle};
use crate::domain::{DeploymentId, Domain, Environment, Operation, Project};
use crate::operation::{LastGood, Plan};
use serde::Serialize;

/// The one JSON document an operation command prints.
#[derive(Serialize)]
pub struct Report {
    pub operation_id: String,
    pub kind: &'static str,
    pub project: String,
    pub environment: String,
    pub waited: bool,
    /// `completed` or `exception` once waited for; `null` with `--no-wait`.
    pub status: Option<&'static str>,
    pub target: Named,
    pub previous_live: Option<Named>,
    /// The id of the deployment a redeploy created.
    pub new_deployment: Option<String>,
    pub new_deployment_label: Option<String>,
    /// The label live in the environment once it ended.
    pub live_after: Option<String>,
    /// `named`, `last-good`, or `default: last-good` (a rollback without a target).
    pub chosen_by: &'static str,
    /// Why `last-good` chose the target.
    pub last_good: Option<serde_json::Value>,
    pub actor: String,
    pub error: Option<String>,
    pub steps: Vec<StepReport>,
    pub log: Vec<LogReport>,
    pub domains_moved: Vec<DomainMoved>,
}

#[derive(Serialize)]
pub struct Named {
    pub id: String,
    pub label: String,
}

#[derive(Serialize)]
pub struct StepReport {
    pub name: String,
    pub status: crate::domain::StepStatus,
}

#[derive(Serialize)]
pub struct LogReport {
    pub at: crate::domain::Timestamp,
    pub level: crate::domain::LogLevel,
    pub message: String,
}

#[derive(Serialize)]
pub struct DomainMoved {
    pub hostname: String,
    pub kind: &'static str,
    pub from: Option<String>,
    pub to: Option<String>,
}

impl Report {
    /// The report of a confirmed plan, before it is sent.
    pub fn planned(
        project: &Project,
        plan: &Plan,
        last_good: Option<&LastGood>,
        defaulted: bool,
    ) -> Self {
        let target = &plan.target;
        Report {
            operation_id: String::new(),
            kind: plan.action.as_str(),
            project: project.id.to_string(),
            environment: plan.environment.id.to_string(),
            waited: false,
            status: None,
            target: Named {
                id: target.id.to_string(),
                label: target.label.clone(),
            },
            previous_live: plan.live.as_ref().map(|(id, label)| Named {
                id: id.to_string(),
                label: label.clone(),
            }),
            new_deployment: None,
            new_deployment_label: None,
            live_after: None,
            chosen_by: story::chosen_by(last_good, defaulted),
            last_good: last_good.map(|good| story::last_good_json(&target.label, good)),
            actor: plan.request.actor().to_owned(),
            error: None,
            steps: Vec::new(),
            log: Vec::new(),
            domains_moved: Vec::new(),
        }
    }
}

/// Fills the report from the finished operation and the environment as it is now.
pub(crate) async fn finish(
    backend: &dyn Backend,
    before: &Environment,
    op: &Operation,
    handle: &OperationHandle,
    report: &mut Report,
) {
    report.status = Some(if op.status == crate::domain::OperationStatus::Completed {
        "completed"
    } else {
        "exception"
    });
    report.error = op.error.clone();
    let new_deployment = op
        .new_deployment
        .as_ref()
        .or(handle.new_deployment.as_ref());
    report.new_deployment = new_deployment.map(ToString::to_string);
    let env_ref = before.env_ref();
    if let Some(id) = new_deployment {
        report.new_deployment_label = Some(super::operation::label(backend, &env_ref, id).await);
    }
    report.steps = op
        .steps
        .iter()
        .map(|s| StepReport {
            name: s.name.clone(),
            status: s.status,
        })
        .collect();
    report.log = op
        .log
        .iter()
        .map(|l| LogReport {
            at: l.at,
            level: l.level,
            message: l.message.clone(),
        })
        .collect();
    match backend.get_environment(&env_ref).await {
        Ok(after) => {
            if let Some(live) = &after.live {
                report.live_after = Some(super::operation::label(backend, &env_ref, live).await);
            }
            for (hostname, kind, from, to) in moved(&before.domains, &after.domains) {
                report.domains_moved.push(DomainMoved {
                    hostname,
                    kind,
                    from: match &from {
                        Some(id) => Some(super::operation::label(backend, &env_ref, id).await),
                        None => None,
                    },
                    to: match &to {
                        Some(id) => Some(super::operation::label(backend, &env_ref, id).await),
                        None => None,
                    },
                });
            }
        }
        Err(error) => tracing::warn!(%error, "cannot read the environment after the operation"),
    }
}

/// Hostnames whose deployment changed between two looks at the environment.
fn moved(
    before: &[Domain],
    after: &[Domain],
) -> Vec<(
    String,
    &'static str,
    Option<DeploymentId>,
    Option<DeploymentId>,
)> {
    after
        .iter()
        .filter(|now| now.kind.moves_on_switch())
        .filter_map(|now| {
            let then = before.iter().find(|d| d.hostname == now.hostname);
            let from = then.and_then(|d| d.deployment.clone());
            (then.is_none() || from != now.deployment).then(|| {
                (
                    now.hostname.clone(),
                    now.kind.as_str(),
                    from,
                    now.deployment.clone(),
                )
            })
        })
        .collect()
}

pub(crate) fn print_result(report: &Report) {
    match report.status {
        Some("completed") => say!("{} completed", report.kind),
        _ => say!(
            "{} ended in exception: {}",
            report.kind,
            report.error.as_deref().unwrap_or("no reason given")
        ),
    }
    if let Some(new) = &report.new_deployment_label {
        let previous = report.previous_live.as_ref().map(|p| p.label.as_str());
        let live = report.live_after.as_deref();
        if live == Some(new.as_str()) {
            say!(
                "  new deployment {new} (from {}) is live, replacing {}",
                report.target.label,
                previous.unwrap_or("nothing")
            );
        } else {
            say!(
                "  new deployment {new} (from {}); live is {}",
                report.target.label,
                live.unwrap_or("nothing")
            );
        }
    }
    if report.domains_moved.is_empty() {
        say!("  no domains moved");
    }
    for d in &report.domains_moved {
        say!(
            "  moved  {}  {} → {}",
            d.hostname,
            d.from.as_deref().unwrap_or("-"),
            d.to.as_deref().unwrap_or("-")
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::DomainKind;

    fn domain(host: &str, to: &str) -> Domain {
        Domain {
            hostname: host.into(),
            kind: DomainKind::Environment,
            deployment: Some(to.into()),
        }
    }

    #[test]
    fn only_hostnames_that_changed_are_reported_as_moved() {
        let before = [domain("shop", "d42"), domain("d42.app", "d42")];
        let after = [domain("shop", "d41"), domain("d42.app", "d42")];
        let moved = moved(&before, &after);
        assert_eq!(moved.len(), 1);
        assert_eq!(moved[0].0, "shop");
        assert_eq!(moved[0].2, Some("d42".into()));
        assert_eq!(moved[0].3, Some("d41".into()));
    }
}
