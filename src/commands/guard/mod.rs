//! `switchback guard`: after a deploy, watch the live deployment's error rate for a window;
//! report a breach that holds, and with `--rollback --yes` roll back to the last good
//! deployment by itself, through the same plan, guards and request as a person would send.
//!
//! The judgement is the engine's (`operation::guard`); this is the loop around it: a look
//! every `--every`, one line (or JSON event) per look, Ctrl-C, the rollback, the exit code.
//! Durations are real time: each look reads the platform's numbers since the previous one.

mod tell;
mod watch;

use super::args::{GuardArgs, Output};
use super::operate;
use super::out::say;
use super::{CommandError, Context, Exit};
use crate::domain::{Action, Deployment, Environment, Project};
use crate::operation::guard::{self, Baseline, Rules};
use crate::operation::resolve::LAST_GOOD;
use crate::operation::{self, Intent, LastGood, Plan, target};
use serde_json::{Value, json};
use tell::words;

/// How the watch ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Clean,
    /// The breach held (or was still under way when the window and its grace ended).
    Breached,
    RolledBack,
    TooLittleTraffic,
    /// No look got an answer.
    Unreadable,
    /// Someone else changed live: the guard stopped.
    LiveChanged,
    Interrupted,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Self::Clean => "clean",
            Self::Breached => "breached",
            Self::RolledBack => "rolled_back",
            Self::TooLittleTraffic => "too_little_traffic",
            Self::Unreadable => "unreadable",
            Self::LiveChanged => "live_changed",
            Self::Interrupted => "interrupted",
        }
    }
}

/// What the guard knows before its first look.
struct Setup {
    project: Project,
    env: Environment,
    watched: Deployment,
    previous: Option<(String, guard::Previous)>,
    rules: Rules,
    /// With `--rollback`: the last good deployment, found at the start.
    rollback_to: Option<(Deployment, LastGood)>,
}

pub async fn run(ctx: &Context, args: &GuardArgs) -> Result<Exit, CommandError> {
    if args.rollback && !args.yes {
        return Err(CommandError::usage(
            "guard --rollback rolls back without asking anyone: confirm it now with --yes",
        ));
    }
    if args.every > args.window {
        return Err(CommandError::usage(format!(
            "--every {} is longer than the window (--for {})",
            words(args.every),
            words(args.window)
        )));
    }
    let setup = prepare(ctx, args).await?;
    let output = args.at.output();
    announce(ctx, args, &setup, output).await?;
    ctx.deadline.watching();
    watch::watch(ctx, args, &setup, output).await
}

/// Finds the environment, what is live, the baseline, and with `--rollback` the last good
/// deployment and a first plan (so a refusal shows now, not at 3 a.m.).
async fn prepare(ctx: &Context, args: &GuardArgs) -> Result<Setup, CommandError> {
    let backend = ctx.backend.as_ref();
    let project = target::project(backend, args.at.project.as_deref()).await?;
    let env = target::environment(backend, &project, args.at.env.as_deref()).await?;
    let env_ref = env.env_ref();
    let Some(live) = env.live.clone() else {
        return Err(CommandError::usage(format!(
            "nothing is live in {env_ref} to guard"
        )));
    };
    let watched = backend.get_deployment(&env_ref, &live).await?;
    let threshold = args.threshold.unwrap_or(ctx.config.console.error_threshold);
    let previous = match guard::previous(&ctx.backend, &env_ref, &live).await? {
        Some(previous) => {
            let label = super::operation::label(backend, &env_ref, &previous.deployment).await;
            Some((label, previous))
        }
        None => None,
    };
    let baseline = match args.baseline {
        Baseline::Rate(rate) => Some(rate),
        Baseline::Previous => previous.as_ref().and_then(|(_, p)| p.rate),
    };
    let rollback_to = if args.rollback {
        let found = target::deployment(&ctx.backend, &env, LAST_GOOD, threshold)
            .await
            .map_err(|error| match CommandError::from(error) {
                CommandError::Usage { message, .. } => CommandError::usage(format!(
                    "guard --rollback has nothing to roll back to: {message}"
                )),
                other => other,
            })?;
        let good = found
            .last_good
            .ok_or_else(|| CommandError::usage("guard --rollback: no last good deployment"))?;
        // Planned now only to be refused now: the plan sent is made at the breach.
        plan_rollback(ctx, &project, &env, &found.deployment).await?;
        Some((found.deployment, good))
    } else {
        None
    };
    Ok(Setup {
        rules: Rules {
            threshold,
            baseline,
            min_requests: args.min_requests,
            hold: args.hold,
        },
        project,
        env,
        watched,
        previous,
        rollback_to,
    })
}

async fn plan_rollback(
    ctx: &Context,
    project: &Project,
    env: &Environment,
    target: &Deployment,
) -> Result<Plan, CommandError> {
    let intent = Intent::new(Action::Rollback, env.env_ref(), target.id.clone());
    Ok(operation::plan(
        ctx.backend.as_ref(),
        intent,
        &operate::plan_context(ctx, project),
    )
    .await?)
}

/// What will be watched, against what, and what happens on a held breach.
async fn announce(
    ctx: &Context,
    args: &GuardArgs,
    setup: &Setup,
    output: Output,
) -> Result<(), CommandError> {
    let now = ctx.backend.now();
    let rules = &setup.rules;
    let baseline_text = match (&args.baseline, &setup.previous) {
        (Baseline::Rate(rate), _) => crate::text::percent(*rate),
        (Baseline::Previous, Some((label, previous))) => match previous.rate {
            Some(rate) => format!(
                "{label} {} (live {} until {} ago)",
                crate::text::percent(rate),
                crate::text::span((previous.live_until - previous.live_from).num_seconds()),
                crate::text::span((now - previous.live_until).num_seconds()),
            ),
            None => format!("none ({label} had no traffic while live): the threshold alone"),
        },
        (Baseline::Previous, None) => {
            "none (nothing was live before): the threshold alone".to_owned()
        }
    };
    match output {
        Output::Text => {
            say!(
                "guard: watching {} in {} · {} for {}, a look every {}",
                setup.watched.label,
                setup.project.id,
                setup.env.name,
                words(args.window),
                words(args.every)
            );
            say!(
                "  breach  5xx above {} and above the baseline, {baseline_text}",
                crate::text::percent(rules.threshold)
            );
            say!(
                "  judged  looks with at least {} requests; a breach counts after {}",
                rules.min_requests,
                words(rules.hold)
            );
            match &setup.rollback_to {
                Some((target, good)) => {
                    let why = operate::last_good_line(&target.label, good, now);
                    say!(
                        "  then    roll back to the {}",
                        why.replacen("last good:", "last good deployment,", 1)
                    );
                }
                None => {
                    say!("  then    report it (exit 9); --rollback --yes rolls back to last good")
                }
            }
        }
        Output::Jsonl => super::print_json_line(&super::event("watch", start_json(args, setup))),
        Output::Json => {}
    }
    Ok(())
}

fn start_json(args: &GuardArgs, setup: &Setup) -> Value {
    json!({
        "project": setup.project.id,
        "environment": setup.env.id,
        "watched": { "id": setup.watched.id, "label": setup.watched.label },
        "window_seconds": args.window.as_secs_f64(),
        "every_seconds": args.every.as_secs_f64(),
        "hold_seconds": args.hold.as_secs_f64(),
        "threshold": setup.rules.threshold,
        "baseline": setup.rules.baseline,
        "previous": setup.previous.as_ref().map(|(label, p)| json!({
            "id": p.deployment, "label": label, "error_rate": p.rate,
            "live_from": p.live_from, "live_until": p.live_until,
        })),
        "min_requests": setup.rules.min_requests,
        "rollback_to": setup.rollback_to.as_ref().map(|(d, _)| json!({ "id": d.id, "label": d.label })),
    })
}
