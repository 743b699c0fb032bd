//! `switchback operation ID`: one operation as the platform tells it (status, steps, log,
//! result), and with `--follow` until it ends. Any process can follow any operation by id,
//! whoever started it.

use super::args::{OperationArgs, Output};
use super::out::say;
use super::wait::{self, News, Progress, Waited};
use super::{CommandError, Context, Exit};
use crate::backend::{Backend, BackendError};
use crate::domain::{EnvRef, Environment, Operation, OperationId, OperationStatus};
use crate::operation::target;
use serde_json::{Value, json};

pub async fn run(ctx: &Context, args: &OperationArgs) -> Result<Exit, CommandError> {
    let backend = ctx.backend.as_ref();
    let output = args.at.output();
    let id = OperationId::new(args.id.trim());
    let project = target::project(backend, args.at.project.as_deref()).await?;
    let environments = match &args.at.env {
        Some(wanted) => vec![target::environment(backend, &project, Some(wanted)).await?],
        None => {
            // The default environment first: where most operations are.
            let first = target::environment(backend, &project, None).await?;
            let mut all = backend.list_environments(&project.id).await?;
            all.sort_by_key(|env| env.id != first.id);
            all
        }
    };
    let Some((env, op)) = find(backend, &environments, &id).await? else {
        let mut message = format!(
            "no operation `{id}` in {} ({} looked in)",
            project.id,
            plural(environments.len(), "environment")
        );
        if ctx.in_process() {
            message.push_str(
                "; the embedded demo starts fresh with every command: follow operations on \
                 switchback serve",
            );
        }
        return Err(CommandError::usage(message));
    };
    let env_ref = env.env_ref();
    let target = label(backend, &env_ref, &op.target).await;
    let mut progress = Progress::default();
    let told = progress.news(&op);
    if output == Output::Text {
        say!(
            "operation {} · {} to {} · {} · {} · by {}",
            op.id,
            op.kind.as_str(),
            target,
            project.id,
            env.name,
            op.actor
        );
        say!(
            "  started {} ago",
            crate::text::span((backend.now() - op.created_at).num_seconds())
        );
    }
    tell_news(output, &op.id, &told);
    let op = if args.follow && !op.status.is_finished() {
        ctx.deadline.following(&op.id);
        let waited = wait::until_finished(
            backend,
            &env_ref,
            &op.id,
            ctx.config.poll.operation,
            &mut progress,
            |news| tell_news(output, &id, news),
        )
        .await?;
        match waited {
            Waited::Finished(op) => *op,
            Waited::Interrupted => {
                super::out::tell!("stopped following; operation {id} goes on at the platform");
                return Ok(Exit::Interrupted);
            }
        }
    } else {
        op
    };
    let new_deployment = match &op.new_deployment {
        Some(id) => Some((id.clone(), label(backend, &env_ref, id).await)),
        None => None,
    };
    match output {
        Output::Text => {
            if !op.status.is_finished() {
                say!(
                    "  {}: follow it with `switchback operation {} --follow`",
                    op.status.as_str(),
                    op.id
                );
            }
            print_result(&op, new_deployment.as_ref().map(|(_, l)| l.as_str()));
        }
        Output::Json => super::print_json(&document(&op, &target, &env, new_deployment.as_ref())),
        Output::Jsonl => super::print_json_line(&super::event(
            "finished",
            document(&op, &target, &env, new_deployment.as_ref()),
        )),
    }
    Ok(match op.status {
        OperationStatus::Exception => Exit::Failed,
        _ => Exit::Completed,
    })
}

/// The operation in the first environment that has it.
async fn find(
    backend: &dyn Backend,
    environments: &[Environment],
    id: &OperationId,
) -> Result<Option<(Environment, Operation)>, CommandError> {
    for env in environments {
        match backend.operation(&env.env_ref(), id).await {
            Ok(op) => return Ok(Some((env.clone(), op))),
            Err(BackendError::NotFound { .. }) => continue,
            Err(error) => return Err(error.into()),
        }
    }
    Ok(None)
}

fn tell_news(output: Output, id: &OperationId, news: &[News]) {
    for item in news {
        match output {
            Output::Text if matches!(item, News::Status(s) if s.is_finished()) => {}
            Output::Text => say!("{}", item.text()),
            Output::Jsonl => super::print_json_line(&item.json(id)),
            Output::Json => {}
        }
    }
}

fn print_result(op: &Operation, new_deployment: Option<&str>) {
    match op.status {
        OperationStatus::Completed => say!("{} completed", op.kind.as_str()),
        OperationStatus::Exception => say!(
            "{} ended in exception: {}",
            op.kind.as_str(),
            op.error.as_deref().unwrap_or("no reason given")
        ),
        _ => {}
    }
    if let Some(new) = new_deployment {
        say!("  new deployment {new}");
    }
}

fn document(
    op: &Operation,
    target: &str,
    env: &Environment,
    new_deployment: Option<&(crate::domain::DeploymentId, String)>,
) -> Value {
    json!({
        "operation_id": op.id,
        "kind": op.kind.as_str(),
        "project": env.project,
        "environment": env.id,
        "status": op.status,
        "finished": op.status.is_finished(),
        "target": { "id": op.target, "label": target },
        "actor": op.actor,
        "created_at": op.created_at,
        "finished_at": op.finished_at,
        "new_deployment": new_deployment.map(|(id, label)| json!({ "id": id, "label": label })),
        "error": op.error,
        "steps": op.steps.iter().map(|s| json!({ "name": s.name, "status": s.status })).collect::<Vec<_>>(),
        "log": op.log.iter().map(|l| json!({ "at": l.at, "level": l.level, "message": l.message })).collect::<Vec<_>>(),
    })
}

/// A deployment's label, or its id when it cannot be read.
pub(crate) async fn label(
    backend: &dyn Backend,
    env: &EnvRef,
    id: &crate::domain::DeploymentId,
) -> String {
    match backend.get_deployment(env, id).await {
        Ok(d) => d.label,
        Err(_) => id.to_string(),
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// What the console says on the way out about an operation still running: where to follow
/// it, or, on the embedded demo, that it ends with the console.
/// An operation the adapter drove from this process and stopped as it ended (a Fly rollout:
/// the leases are given back and the release marked interrupted).
pub fn stopped_on_exit(op: &crate::domain::Operation) -> String {
    let why = op
        .error
        .as_deref()
        .map(|e| format!(": {}", crate::text::inert(e)))
        .unwrap_or_default();
    format!(
        "switchback: operation {} ran in this process and was stopped on the way out{why}",
        crate::text::inert(op.id.as_str())
    )
}

pub fn left_running(id: &OperationId, env: &EnvRef, in_process: bool) -> String {
    if in_process {
        format!(
            "switchback: operation {id} was still running; it ends with this console (the \
             embedded demo lives in this process)"
        )
    } else {
        format!(
            "switchback: operation {id} is still running at the platform: switchback operation \
             {id} --project {} --env {} --follow",
            env.project, env.environment
        )
    }
}
