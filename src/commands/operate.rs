//! `switchback rollback | promote | redeploy`: look, confirm, ask the platform, follow the
//! operation, report the domains that moved.

use super::args::{Confirm, Output, Target, Where};
use super::briefing;
use super::confirm;
use super::out::{say, tell};
use super::wait::{self, Waited};
use super::{CommandError, Context, Exit};
use crate::backend::{Backend, OperationHandle};
use crate::domain::{
    Action, DeploymentId, Domain, EnvRef, Environment, Operation, OperationId, Project, Timestamp,
};
use crate::operation::resolve::LAST_GOOD;
use crate::operation::{self, Intent, LastGood, Plan, target};
use serde::Serialize;
use serde_json::json;

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

pub async fn run(
    ctx: &Context,
    kind: Kind,
    target: &Target,
    at: &Where,
    confirm: &Confirm,
) -> Result<Exit, CommandError> {
    // `rollback` alone means the last good deployment, as `kubectl rollout undo` means the
    // previous revision; promote and redeploy always name theirs (the parser sees to it).
    let (wanted, defaulted) = match target.name() {
        Some(name) => (name, false),
        None => (LAST_GOOD, true),
    };
    operate(
        ctx,
        kind,
        wanted,
        defaulted,
        at,
        confirm,
        &mut confirm::Terminal,
    )
    .await
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
    let backend = ctx.backend.as_ref();
    let project = target::project(backend, at.project.as_deref()).await?;
    let env = target::environment(backend, &project, at.env.as_deref()).await?;
    let threshold = ctx.config.console.error_threshold;
    let found = target::deployment(&ctx.backend, &env, wanted, threshold).await?;
    let mut intent = Intent::new(kind.action(), env.env_ref(), found.deployment.id.clone());
    if let Kind::Redeploy { rebuild: true } = kind {
        intent.rebuild = Some(true);
    }
    let plan = operation::plan(backend, intent, &plan_context(ctx, &project)).await?;
    Ok(Planned {
        project,
        plan,
        last_good: found.last_good,
    })
}

/// The rules the commands plan under: the config's protected environments.
pub fn plan_context(ctx: &Context, project: &Project) -> operation::Context {
    operation::Context {
        protected: ctx.config.console.protected_environments.clone(),
        project_name: Some(project.name.clone()),
        identity: None,
    }
}

/// [`run`] with the target named, asking through `prompt`: the terminal, or a test's
/// answers.
pub async fn run_with(
    ctx: &Context,
    kind: Kind,
    wanted: &str,
    at: &Where,
    confirm: &Confirm,
    prompt: &mut dyn confirm::Prompt,
) -> Result<Exit, CommandError> {
    operate(ctx, kind, wanted, false, at, confirm, prompt).await
}

async fn operate(
    ctx: &Context,
    kind: Kind,
    wanted: &str,
    defaulted: bool,
    at: &Where,
    confirm: &Confirm,
    prompt: &mut dyn confirm::Prompt,
) -> Result<Exit, CommandError> {
    let output = at.output();
    let Planned {
        project,
        plan,
        last_good,
    } = plan_for(ctx, kind, wanted, at).await?;
    let mut story = Story::new(output);
    let now = ctx.backend.now();
    story.plan(
        &plan,
        project.id.as_str(),
        last_good.as_ref(),
        defaulted,
        now,
    );
    // The prompt waits for a person, not for the platform: it is not counted.
    ctx.deadline.asking();
    confirm::confirm(confirm.yes, &plan.summary(), &plan.confirmation, prompt)?;
    let mut report = Report::planned(&project, &plan, last_good.as_ref(), defaulted);
    let follow = if confirm.no_wait {
        Follow::No
    } else {
        Follow::Yes
    };
    send_and_follow(ctx, &plan, &mut report, &mut story, follow, at).await
}

/// Whether to wait for the operation's end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Follow {
    Yes,
    No,
}

/// Sends the plan's request (exactly as planned), then follows the operation and reports
/// it. Shared by the operation commands and `guard`.
pub async fn send_and_follow(
    ctx: &Context,
    plan: &Plan,
    report: &mut Report,
    story: &mut Story,
    follow: Follow,
    at: &Where,
) -> Result<Exit, CommandError> {
    let backend = ctx.backend.as_ref();
    let env_ref = plan.env().clone();
    ctx.deadline.sending(plan.action);
    let handle = plan.request.clone().send(backend).await?;
    ctx.deadline.following(&handle.id);
    tracing::info!(operation = %handle.id, kind = handle.kind.as_str(), target = %plan.target.label, env = %env_ref, "operation started");
    report.operation_id = handle.id.to_string();
    report.new_deployment = handle.new_deployment.as_ref().map(ToString::to_string);
    let pointer = follow_hint(&handle.id, at);
    let in_process = ctx.in_process();
    if follow == Follow::No {
        story.started(&handle.id, Some(&pointer), in_process);
        story.finished(report);
        return Ok(Exit::Completed);
    }
    story.started(&handle.id, None, in_process);
    let interval = ctx.config.poll.operation;
    let mut progress = wait::Progress::default();
    let waited = wait::until_finished(
        backend,
        &env_ref,
        &handle.id,
        interval,
        &mut progress,
        |news| story.news(&handle.id, news),
    )
    .await
    .inspect_err(|_| {
        if in_process {
            tell!(
                "stopped following operation {}; the embedded demo ends with this command",
                handle.id
            )
        } else {
            tell!(
                "stopped following operation {}; it may still be running at the platform: \
                 {pointer}",
                handle.id
            )
        }
    })?;
    let op = match waited {
        Waited::Finished(op) => *op,
        Waited::Interrupted => {
            tell!("{}", stopped_waiting(&handle.id, &pointer, in_process));
            return Ok(Exit::Interrupted);
        }
    };
    report.waited = true;
    finish(backend, &plan.environment, &op, &handle, report).await;
    story.finished(report);
    Ok(if report.status == Some("completed") {
        Exit::Completed
    } else {
        Exit::Failed
    })
}

/// `switchback operation ID --follow`, with the project and environment when they were
/// named.
pub fn follow_hint(id: &OperationId, at: &Where) -> String {
    let mut hint = format!("switchback operation {id} --follow");
    if let Some(project) = &at.project {
        hint.push_str(&format!(" --project {project}"));
    }
    if let Some(env) = &at.env {
        hint.push_str(&format!(" --env {env}"));
    }
    hint
}

/// What Ctrl-C while following means: the in-process demo ends with the command.
fn stopped_waiting(id: &OperationId, pointer: &str, in_process: bool) -> String {
    if in_process {
        format!(
            "stopped waiting; operation {id} ends with this command: the embedded demo lives in \
             this process (switchback serve keeps a platform running)"
        )
    } else {
        format!("stopped waiting; operation {id} goes on at the platform: {pointer}")
    }
}

/// Where an operation's story is told: lines for a person, JSON events as they happen, or
/// one JSON document at the end.
pub struct Story {
    output: Output,
    quiet: bool,
}

impl Story {
    pub fn new(output: Output) -> Self {
        Self {
            output,
            quiet: false,
        }
    }

    /// Tells nothing: the caller reports the operation in its own document.
    pub fn silent() -> Self {
        Self {
            output: Output::Json,
            quiet: true,
        }
    }

    /// The plan, before the confirmation.
    pub fn plan(
        &mut self,
        plan: &Plan,
        project_id: &str,
        last_good: Option<&LastGood>,
        defaulted: bool,
        now: Timestamp,
    ) {
        if self.quiet {
            return;
        }
        let lines = briefing::lines(plan, project_id);
        match self.output {
            Output::Text => {
                if defaulted {
                    say!(
                        "no target named: {} goes to the last good deployment",
                        plan.action.as_str()
                    );
                }
                if let Some(good) = last_good {
                    say!("{}", last_good_line(&plan.target.label, good, now));
                }
                lines.iter().for_each(|line| say!("{line}"));
            }
            Output::Jsonl => super::print_json_line(&super::event(
                "plan",
                json!({
                    "kind": plan.action.as_str(),
                    "environment": plan.environment.id,
                    "target": { "id": plan.target.id, "label": plan.target.label },
                    "live": plan.live.as_ref().map(|(id, label)| json!({ "id": id, "label": label })),
                    "chosen_by": chosen_by(last_good, defaulted),
                    "last_good": last_good.map(|good| last_good_json(&plan.target.label, good)),
                    "facts": lines.iter().skip(1).map(|l| l.trim()).collect::<Vec<_>>(),
                    "confirmation": if plan.confirmation.is_typed() { "typed" } else { "yes" },
                }),
            )),
            Output::Json => {}
        }
    }

    /// The platform accepted it; `pointer` when not waiting.
    pub fn started(&mut self, id: &OperationId, pointer: Option<&str>, in_process: bool) {
        if self.quiet {
            return;
        }
        match (self.output, pointer) {
            (Output::Text, None) => say!("operation {id} started"),
            (Output::Text, Some(_)) if in_process => say!(
                "operation {id} started; not waiting (the embedded demo ends with this command: \
                 follow operations on switchback serve)"
            ),
            (Output::Text, Some(pointer)) => {
                say!("operation {id} started; not waiting: follow it with `{pointer}`")
            }
            (Output::Jsonl, _) => super::print_json_line(&super::event(
                "started",
                json!({ "operation_id": id, "waiting": pointer.is_none() }),
            )),
            (Output::Json, _) => {}
        }
    }

    pub fn news(&mut self, id: &OperationId, news: &[wait::News]) {
        if self.quiet {
            return;
        }
        for item in news {
            match self.output {
                // The final status is the result line.
                Output::Text if matches!(item, wait::News::Status(s) if s.is_finished()) => {}
                Output::Text => say!("{}", item.text()),
                Output::Jsonl => super::print_json_line(&item.json(id)),
                Output::Json => {}
            }
        }
    }

    pub fn finished(&mut self, report: &Report) {
        if self.quiet {
            return;
        }
        match self.output {
            Output::Text if report.waited => print_result(report),
            Output::Text => {}
            Output::Json => super::print_json(report),
            Output::Jsonl => super::print_json_line(&super::event(
                "finished",
                serde_json::to_value(report).unwrap_or_default(),
            )),
        }
    }
}

fn chosen_by(last_good: Option<&LastGood>, defaulted: bool) -> &'static str {
    match (last_good, defaulted) {
        (Some(_), true) => "default: last-good",
        (Some(_), false) => "last-good",
        (None, _) => "named",
    }
}

/// Why `last-good` chose this deployment: `last good: v41, live 3h until 6m ago, 0.1% 5xx
/// (under 1%)`.
pub fn last_good_line(label: &str, good: &LastGood, now: Timestamp) -> String {
    format!(
        "last good: {label}, live {} until {} ago, {} 5xx (under {})",
        crate::text::span((good.live_until - good.live_from).num_seconds()),
        crate::text::span((now - good.live_until).num_seconds()),
        crate::text::percent(good.rate),
        crate::text::percent(good.threshold)
    )
}

fn last_good_json(label: &str, good: &LastGood) -> serde_json::Value {
    json!({
        "label": label,
        "id": good.deployment,
        "live_from": good.live_from,
        "live_until": good.live_until,
        "error_rate": good.rate,
        "threshold": good.threshold,
    })
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
            chosen_by: chosen_by(last_good, defaulted),
            last_good: last_good.map(|good| last_good_json(&target.label, good)),
            actor: plan.request.actor().to_owned(),
            error: None,
            steps: Vec::new(),
            log: Vec::new(),
            domains_moved: Vec::new(),
        }
    }
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
    let new_deployment = op
        .new_deployment
        .as_ref()
        .or(handle.new_deployment.as_ref());
    report.new_deployment = new_deployment.map(ToString::to_string);
    let env_ref = before.env_ref();
    if let Some(id) = new_deployment {
        report.new_deployment_label = Some(label(backend, &env_ref, id).await);
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
                report.live_after = Some(label(backend, &env_ref, live).await);
            }
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
