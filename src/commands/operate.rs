//! `switchback rollback | promote | redeploy`: look, confirm, ask the platform, follow the
//! operation, report the domains that moved.

use super::args::{Confirm, Shape, Target, Where};
use super::confirm;
use super::out::tell;
use super::wait::{self, Waited};
use super::{CommandError, Context, Exit};
use crate::domain::{Action, OperationId, Project};
use crate::operation::resolve::LAST_GOOD;
use crate::operation::{self, Intent, LastGood, Plan, target};

pub use super::report::Report;
pub use super::story::{Story, last_good_line};

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
        actor: ctx.config.actor(),
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
    } = plan_shaped(ctx, kind, wanted, at, &confirm.shape).await?;
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
    super::report::finish(backend, &plan.environment, &op, &handle, report).await;
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
