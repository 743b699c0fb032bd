//! `switchback status`: each environment's live deployment, mode, domains and error rate.

use super::args::StatusArgs;
use super::format::percent;
use super::out::say;
use super::{CommandError, Context, Exit};
use crate::backend::Platform;
use crate::domain::{Environment, MetricsQuery, MetricsScope};
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
        reports.push((env, live_label, rate));
    }
    if args.at.json {
        let doc = json!({
            "backend": ctx.backend_name,
            "project": project.id,
            "environments": reports.iter().map(|(env, live, rate)| json!({
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
            })).collect::<Vec<_>>(),
        });
        super::print_json(&doc);
        return Ok(Exit::Completed);
    }
    say!("{} · {}", ctx.backend_name, project.id);
    for (env, live, rate) in &reports {
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
    }
    Ok(Exit::Completed)
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
