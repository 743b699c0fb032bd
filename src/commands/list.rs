//! `switchback list`: an environment's deployments, newest first.

use super::args::ListArgs;
use super::format::{age, label_of, table};
use super::out::say;
use super::{CommandError, Context, Exit};
use crate::domain::{BuildStatus, Deployment};
use crate::operation::{pages, target};
use serde_json::{Value, json};

pub async fn run(ctx: &Context, args: &ListArgs) -> Result<Exit, CommandError> {
    let backend = ctx.backend.as_ref();
    let project = target::project(backend, args.at.project.as_deref()).await?;
    let env = target::environment(backend, &project, args.at.env.as_deref()).await?;
    let deployments = pages::deployments(backend, &env.env_ref(), args.limit).await?;
    let now = backend.now();
    let live = env.live.as_ref().map(|id| label_of(&deployments, id));
    if args.at.json {
        let doc = json!({
            "backend": ctx.backend_name,
            "project": project.id,
            "environment": env.id,
            "live": live,
            "mode": env.mode.as_str(),
            "deployments": deployments.iter().map(|d| deployment_json(d, now)).collect::<Vec<_>>(),
        });
        super::print_json(&doc);
        return Ok(Exit::Completed);
    }
    say!(
        "{} · {} · live {} · {}",
        project.id,
        env.name,
        live.as_deref().unwrap_or("none"),
        env.mode.as_str().replace('_', " ")
    );
    let mut rows = vec![
        [
            "", "LABEL", "COMMIT", "AUTHOR", "AGE", "RUNTIME", "BUILD", "NOTE",
        ]
        .map(str::to_owned)
        .to_vec(),
    ];
    for d in &deployments {
        rows.push(vec![
            if d.is_live {
                "▶".to_owned()
            } else {
                " ".to_owned()
            },
            d.label.clone(),
            d.short_commit().to_owned(),
            d.author.as_deref().unwrap_or("-").to_owned(),
            age(now, d.created_at),
            d.runtime_state.as_str().to_owned(),
            d.build_status.as_str().to_owned(),
            note(d, &deployments),
        ]);
    }
    for line in table(&rows) {
        say!("{line}");
    }
    if deployments.is_empty() {
        say!("(no deployments)");
    }
    Ok(Exit::Completed)
}

/// Markers: live, rollback record, pruned artifact, not ready.
fn note(d: &Deployment, all: &[Deployment]) -> String {
    let mut notes = Vec::new();
    if d.is_live {
        notes.push("live".to_owned());
    }
    if d.is_rollback {
        match &d.rolled_back_from {
            Some(from) => notes.push(format!("rollback from {}", label_of(all, from))),
            None => notes.push("rollback".to_owned()),
        }
    }
    if d.artifact.pruned {
        notes.push("artifact pruned".to_owned());
    }
    if d.build_status != BuildStatus::Ready && notes.is_empty() {
        notes.push(format!("not {}", BuildStatus::Ready.as_str()));
    }
    notes.join(", ")
}

pub fn deployment_json(d: &Deployment, now: crate::domain::Timestamp) -> Value {
    json!({
        "id": d.id,
        "label": d.label,
        "commit": d.commit.as_ref().map(|c| &c.sha),
        "commit_subject": d.commit.as_ref().map(|c| &c.subject),
        "author": d.author.as_deref(),
        "created_at": d.created_at,
        "age_seconds": (now - d.created_at).num_seconds().max(0),
        "build_status": d.build_status,
        "runtime_state": d.runtime_state,
        "live": d.is_live,
        "is_rollback": d.is_rollback,
        "rolled_back_from": d.rolled_back_from,
        "artifact_pruned": d.artifact.pruned,
    })
}
