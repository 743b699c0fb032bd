//! `switchback status`: each environment's live deployment, mode, domains and error rate.

use super::args::{Output, StatusArgs};
use super::format::{percent, table};
use super::out::say;
use super::{CommandError, Context, Exit};
use crate::backend::{Backend, Platform};
use crate::domain::{Environment, MetricsQuery, MetricsScope, Operation, Timestamp};
use crate::operation::target;
use serde_json::json;

/// The error rate shown is over this window.
const WINDOW: chrono::Duration = chrono::Duration::minutes(5);

pub async fn run(ctx: &Context, args: &StatusArgs) -> Result<Exit, CommandError> {
    let backend = ctx.backend.as_ref();
    let project = target::project(backend, args.at.project.as_deref()).await?;
    let environments = match &args.at.env {
        Some(wanted) => vec![target::environment(backend, &project, Some(wanted)).await?],
        None => backend.list_environments(&project.id).await?,
    };
    let mut reports = Vec::new();
    for env in environments {
        let live_label = match &env.live {
            Some(id) => Some(backend.get_deployment(&env.env_ref(), id).await?.label),
            None => None,
        };
        let rate = error_rate(&ctx.backend, &env).await;
        let running = in_flight(backend, &env).await?;
        reports.push((env, live_label, rate, running));
    }
    let now = backend.now();
    if args.at.output() != Output::Text {
        let doc = json!({
            "backend": ctx.backend_name,
            "project": project.id,
            "environments": reports.iter().map(|(env, live, rate, running)| json!({
                "id": env.id,
                "name": env.name,
                "kind": env.kind,
                "mode": env.mode.as_str(),
                "live": env.live.as_ref().map(|id| json!({ "id": id, "label": live })),
                "domains": env.domains.iter().map(|d| json!({
                    "hostname": d.hostname,
                    "kind": d.kind.as_str(),
                    "deployment": d.deployment,
                })).collect::<Vec<_>>(),
                "error_rate": rate.as_ref().ok().copied().flatten(),
                "error_rate_window_seconds": WINDOW.num_seconds(),
                "error_rate_error": rate.as_ref().err(),
                "operations_in_flight": running.iter().map(|(op, target)| json!({
                    "operation_id": op.id,
                    "kind": op.kind.as_str(),
                    "status": op.status,
                    "target": { "id": op.target, "label": target },
                    "actor": op.actor,
                    "created_at": op.created_at,
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        });
        if args.at.output() == Output::Jsonl {
            super::print_json_line(&super::event("status", doc));
        } else {
            super::print_json(&doc);
        }
        return Ok(Exit::Completed);
    }
    say!("{} · {}", ctx.backend_name, project.id);
    for (env, live, rate, running) in &reports {
        say!();
        say!("{}", env.name);
        say!("  live    {}", live.as_deref().unwrap_or("none"));
        say!("  mode    {}", env.mode.as_str().replace('_', " "));
        let rate = match rate {
            Ok(rate) => percent(*rate),
            Err(why) => format!("unavailable ({why})"),
        };
        say!(
            "  errors  {rate} over the last {} minutes",
            WINDOW.num_minutes()
        );
        for domain in &env.domains {
            say!("  domain  {} ({})", domain.hostname, domain.kind.as_str());
        }
        for line in operations_table(running, now) {
            say!("  {line}");
        }
    }
    Ok(Exit::Completed)
}

/// The environment's operations not yet finished, newest first, with their targets'
/// labels.
async fn in_flight(
    backend: &dyn Backend,
    env: &Environment,
) -> Result<Vec<(Operation, String)>, CommandError> {
    let env_ref = env.env_ref();
    let mut running = Vec::new();
    for op in backend.list_operations(&env_ref).await? {
        if !op.status.is_finished() {
            let target = super::operation::label(backend, &env_ref, &op.target).await;
            running.push((op, target));
        }
    }
    Ok(running)
}

/// `running  op_000003  rollback → v41  in progress  by dana  2m ago`, aligned, then how to
/// follow one.
fn operations_table(running: &[(Operation, String)], now: Timestamp) -> Vec<String> {
    let rows: Vec<Vec<String>> = running
        .iter()
        .map(|(op, target)| {
            vec![
                "running".to_owned(),
                op.id.to_string(),
                format!("{} → {target}", op.kind.as_str()),
                op.status.as_str().to_owned(),
                format!("by {}", op.actor),
                format!("{} ago", crate::text::age(now, op.created_at)),
            ]
        })
        .collect();
    let mut lines = table(&rows);
    if let Some((op, _)) = running.first() {
        lines.push(format!("follow  switchback operation {} --follow", op.id));
    }
    lines
}

/// The share of 5xx answers over the window; `Err` says why it is unknown, without failing
/// the whole status.
async fn error_rate(backend: &Platform, env: &Environment) -> Result<Option<f64>, String> {
    let to = backend.now();
    let query = MetricsQuery {
        env: env.env_ref(),
        scope: MetricsScope::Environment,
        from: to - WINDOW,
        to,
        step_secs: 60,
    };
    match backend.error_rate(&query).await {
        Ok(series) => Ok(series.overall_error_rate()),
        Err(error) => {
            tracing::warn!(%error, env = %env.env_ref(), "error rate unavailable");
            Err(error.to_string())
        }
    }
}
