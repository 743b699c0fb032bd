//! `switchback rollback | promote | redeploy`: look, confirm, ask the platform, follow the
//! operation, report the domains that moved.

use super::args::{Confirm, Shape, Where};
use super::briefing;
use super::confirm;
use super::out::{say, tell};
use super::wait::{self, Waited};
use super::{CommandError, Context, Exit};
use crate::backend::{Backend, OperationHandle};
use crate::domain::{Action, DeploymentId, Domain, EnvRef, Environment, Operation, Project};
use crate::operation::{self, Intent, LastGood, Plan, target};
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Rollback,
    Promote,
    Redeploy { rebuild: bool },
}

impl Kind {
    fn action(self) -> Action {
        match self {
            Self::Rollback => Action::Rollback,
            Self::Promote => Action::Promote,
            Self::Redeploy { .. } => Action::Redeploy,
        }
    }
}

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
    pub new_deployment: Option<String>,
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

pub async fn run(
    ctx: &Context,
    kind: Kind,
    wanted: &str,
    at: &Where,
    confirm: &Confirm,
) -> Result<Exit, CommandError> {
    run_with(ctx, kind, wanted, at, confirm, &mut confirm::Terminal).await
}

/// What a command is about and what it will do, before anything is asked or sent.
pub struct Planned {
    pub project: Project,
    pub plan: Plan,
    /// Set when the target was named `last-good`: why that deployment.
    pub last_good: Option<LastGood>,
}

/// Resolves the names on the command line and plans the operation through the engine, as
/// the console does.
pub async fn plan_for(
    ctx: &Context,
    kind: Kind,
    wanted: &str,
    at: &Where,
) -> Result<Planned, CommandError> {
    plan_shaped(ctx, kind, wanted, at, &Shape::default()).await
}

/// [`plan_for`] with a strategy and scope (`--strategy`, `--components`, `--regions`).
pub async fn plan_shaped(
    ctx: &Context,
    kind: Kind,
    wanted: &str,
    at: &Where,
    shape: &Shape,
) -> Result<Planned, CommandError> {
    if matches!(kind, Kind::Redeploy { .. }) && !shape.is_default() {
        return Err(CommandError::usage(
            "a redeploy has no strategy or scope: --strategy, --components and --regions are for rollback and promote",
        ));
    }
    let backend = ctx.backend.as_ref();
    let project = target::project(backend, at.project.as_deref()).await?;
    let env = target::environment(backend, &project, at.env.as_deref()).await?;
    let threshold = ctx.config.console.error_threshold;
    let found = target::deployment(&ctx.backend, &env, wanted, threshold).await?;
    let mut intent = Intent::new(kind.action(), env.env_ref(), found.deployment.id.clone());
    if let Kind::Redeploy { rebuild: true } = kind {
        intent.rebuild = Some(true);
    }
    intent.strategy = shape.strategy;
    intent.scope = shape.scope();
    let context = operation::Context {
        protected: ctx.config.console.protected_environments.clone(),
        project_name: Some(project.name.clone()),
        identity: None,
        actor: ctx.config.actor(),
    };
    let plan = operation::plan(backend, intent, &context).await?;
    Ok(Planned {
        project,
        plan,
        last_good: found.last_good,
    })
}

/// [`run`], asking through `prompt`: the terminal, or a test's answers.
pub async fn run_with(
    ctx: &Context,
    kind: Kind,
    wanted: &str,
    at: &Where,
    confirm: &Confirm,
    prompt: &mut dyn confirm::Prompt,
) -> Result<Exit, CommandError> {
    let backend = ctx.backend.as_ref();
    let Planned {
        project,
        plan,
        last_good,
    } = plan_shaped(ctx, kind, wanted, at, &confirm.shape).await?;
    let env_ref = plan.env().clone();
    let env = &plan.environment;
    if !at.json {
        if let Some(good) = &last_good {
            say!("{}", last_good_line(&plan, good));
        }
        for line in briefing::lines(&plan, project.id.as_str()) {
            say!("{line}");
        }
    }
    // The prompt waits for a person, not for the platform: it is not counted.
    ctx.deadline.asking();
    confirm::confirm(confirm.yes, &plan.summary(), &plan.confirmation, prompt)?;

    ctx.deadline.sending(plan.action);
    let handle = plan.request.clone().send(backend).await?;
    ctx.deadline.following(&handle.id);
    let target = &plan.target;
    tracing::info!(operation = %handle.id, kind = handle.kind.as_str(), target = %target.label, env = %env_ref, "operation started");
    let mut report = Report {
        operation_id: handle.id.to_string(),
        kind: handle.kind.as_str(),
        project: project.id.to_string(),
        environment: env.id.to_string(),
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
        new_deployment: handle.new_deployment.as_ref().map(ToString::to_string),
        actor: plan.request.actor().to_owned(),
        error: None,
        steps: Vec::new(),
        log: Vec::new(),
        domains_moved: Vec::new(),
    };
    if confirm.no_wait {
        if at.json {
            super::print_json(&report);
        } else {
            say!(
                "operation {} started; not waiting (follow it with `switchback status`)",
                handle.id
            );
        }
        return Ok(Exit::Completed);
    }
    if !at.json {
        say!("operation {} started", handle.id);
    }
    let interval = ctx.config.poll.operation;
    let waited = wait::until_finished(backend, &env_ref, &handle.id, interval, |lines| {
        if !at.json {
            lines.iter().for_each(|line| say!("{line}"));
        }
    })
    .await
    .inspect_err(|_| {
        tell!(
            "stopped following operation {}; it may still be running at the backend",
            handle.id
        )
    })?;
    let op = match waited {
        Waited::Finished(op) => *op,
        Waited::Interrupted => {
            tell!(
                "stopped waiting; operation {} goes on at the backend",
                handle.id
            );
            return Ok(Exit::Interrupted);
        }
    };
    report.waited = true;
    finish(backend, env, &op, &handle, &mut report).await;
    if at.json {
        super::print_json(&report);
    } else {
        print_result(&report);
    }
    Ok(if report.status == Some("completed") {
        Exit::Completed
    } else {
        Exit::Failed
    })
}

/// Why `last-good` chose this deployment.
fn last_good_line(plan: &Plan, good: &LastGood) -> String {
    format!(
        "last good: {} was live for {}s until {}, {:.2}% 5xx (under {:.2}%)",
        plan.target.label,
        (good.live_until - good.live_from).num_seconds(),
        good.live_until.format("%Y-%m-%d %H:%M UTC"),
        good.rate * 100.0,
        good.threshold * 100.0
    )
}

/// Fills the report from the finished operation and the environment as it is now.
async fn finish(
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
    report.new_deployment = op
        .new_deployment
        .as_ref()
        .or(handle.new_deployment.as_ref())
        .map(ToString::to_string);
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
    let env_ref = before.env_ref();
    match backend.get_environment(&env_ref).await {
        Ok(after) => {
            for (hostname, kind, from, to) in moved(&before.domains, &after.domains) {
                report.domains_moved.push(DomainMoved {
                    hostname,
                    kind,
                    from: match &from {
                        Some(id) => Some(label(backend, &env_ref, id).await),
                        None => None,
                    },
                    to: match &to {
                        Some(id) => Some(label(backend, &env_ref, id).await),
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

/// A deployment's label, or its id when it cannot be read.
async fn label(backend: &dyn Backend, env: &EnvRef, id: &DeploymentId) -> String {
    match backend.get_deployment(env, id).await {
        Ok(d) => d.label,
        Err(_) => id.to_string(),
    }
}

fn print_result(report: &Report) {
    match report.status {
        Some("completed") => say!("{} completed", report.kind),
        _ => say!(
            "{} ended in exception: {}",
            report.kind,
            report.error.as_deref().unwrap_or("no reason given")
        ),
    }
    if let Some(new) = &report.new_deployment {
        say!("  new deployment {new}");
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
