//! `switchback guard`: after a deploy, watch the live deployment's error rate for a window;
//! report a breach that holds, and with `--rollback --yes` roll back to the last good
//! deployment by itself, through the same plan, guards and request as a person would send.
//!
//! The judgement is the engine's (`operation::guard`); this is the loop around it: a look
//! every `--every`, one line (or JSON event) per look, Ctrl-C, the rollback, the exit code.
//! Durations are real time: each look reads the platform's numbers since the previous one.

use super::args::{GuardArgs, Output};
use super::operate::{self, Follow, Report, Story};
use super::out::say;
use super::{CommandError, Context, Exit, confirm};
use crate::backend::Backend;
use crate::domain::{Action, Deployment, EnvRef, Environment, Project};
use crate::operation::guard::{self, Baseline, Judgement, Rules, Standing, Traffic, Watch};
use crate::operation::resolve::LAST_GOOD;
use crate::operation::{self, Intent, LastGood, Plan, target};
use serde_json::{Value, json};
use std::time::Duration;
use tokio::time::Instant;

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
    watch(ctx, args, &setup, output).await
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
            let label = operation_label(backend, &env_ref, &previous.deployment).await;
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

/// The looks, until the window ends, a breach holds, live moves, or Ctrl-C.
async fn watch(
    ctx: &Context,
    args: &GuardArgs,
    setup: &Setup,
    output: Output,
) -> Result<Exit, CommandError> {
    let backend = ctx.backend.as_ref();
    let env_ref = setup.env.env_ref();
    let mut state = Watch::new(setup.rules);
    let mut looks: Vec<Value> = Vec::new();
    let mut unanswered = 0_u32;
    let started = Instant::now();
    let mut span_from = backend.now();
    // While a breach is under way at the end of the window, the guard looks on for at most
    // the hold time: a window never ends "clean" in the middle of a breach.
    let last_look_by = args.window + args.hold;
    let mut interrupt = super::Interrupt::new();
    for n in 1_u32.. {
        let due = started + args.every * n;
        let interrupted = tokio::select! {
            () = tokio::time::sleep_until(due) => false,
            () = interrupt.pressed() => true,
        };
        if interrupted {
            let counting_down = setup.rollback_to.is_some() && state.in_breach();
            let said = if counting_down {
                "guard stopped: the rollback is cancelled; nothing was done"
            } else {
                "guard stopped; nothing was done"
            };
            return Ok(end(output, Outcome::Interrupted, said, &state, looks, None));
        }
        // The look's scheduled time, not a measured one: the hold counts whole intervals.
        let at = args.every * n;
        let span_to = backend.now();
        let look = look(ctx, &env_ref, setup, span_from, span_to, args.every).await;
        span_from = span_to;
        let traffic = match look {
            Ok(Look::Traffic(traffic)) => traffic,
            Ok(Look::LiveMoved { label, by }) => {
                let said = format!(
                    "live changed: {label} is live now{}; the guard stopped and did nothing",
                    by.map(|by| format!(" (changed by {by})"))
                        .unwrap_or_default()
                );
                return Ok(end(
                    output,
                    Outcome::LiveChanged,
                    &said,
                    &state,
                    looks,
                    None,
                ));
            }
            Err(why) => {
                unanswered += 1;
                let line = format!("  {}  no answer: {why}", clock(at));
                tell_look(
                    output,
                    &line,
                    json!({ "at_seconds": at.as_secs_f64(), "error": why }),
                    &mut looks,
                );
                if at >= last_look_by || (at >= args.window && !state.in_breach()) {
                    break;
                }
                continue;
            }
        };
        let (judgement, standing) = state.observe(traffic, at);
        let line = look_line(at, setup, traffic, judgement, standing);
        tell_look(
            output,
            &line,
            look_json(at, traffic, judgement, standing),
            &mut looks,
        );
        if let Standing::Held { lasted } = standing {
            return match &setup.rollback_to {
                None => {
                    let said = format!(
                        "breach held for {}: {} is above {}; nothing was done (no --rollback)",
                        words(lasted),
                        setup.watched.label,
                        crate::text::percent(setup.rules.threshold)
                    );
                    Ok(end(output, Outcome::Breached, &said, &state, looks, None))
                }
                Some((target, good)) => {
                    roll_back(ctx, args, setup, target, good, &state, looks, output).await
                }
            };
        }
        let window_over = at >= args.window;
        if (window_over && !state.in_breach()) || at >= last_look_by {
            break;
        }
    }
    let (outcome, said) = if state.in_breach() {
        (
            Outcome::Breached,
            format!(
                "the window ended during a breach that did not hold for {}; nothing was done",
                words(args.hold)
            ),
        )
    } else if state.judged == 0 && unanswered == state.looks + unanswered && unanswered > 0 {
        (
            Outcome::Unreadable,
            "no look got an answer from the platform; nothing was judged".to_owned(),
        )
    } else if state.judged == 0 {
        (
            Outcome::TooLittleTraffic,
            format!(
                "too little traffic to judge: no look had {} requests; nothing was done",
                setup.rules.min_requests
            ),
        )
    } else {
        (
            Outcome::Clean,
            match state.breaching {
                0 => format!(
                    "window passed clean: {} judged, none over the line",
                    plural(state.judged, "look")
                ),
                n => format!(
                    "window passed clean: {} judged; {} over the line, never for {}",
                    plural(state.judged, "look"),
                    n,
                    words(args.hold)
                ),
            },
        )
    };
    Ok(end(output, outcome, &said, &state, looks, None))
}

enum Look {
    Traffic(Traffic),
    /// Someone moved live away from the watched deployment.
    LiveMoved {
        label: String,
        by: Option<String>,
    },
}

/// One look: is the watched deployment still live, and what did it serve since the last
/// look. `Err` says why there was no answer (bounded by the interval, at least 10 s).
async fn look(
    ctx: &Context,
    env_ref: &EnvRef,
    setup: &Setup,
    from: crate::domain::Timestamp,
    to: crate::domain::Timestamp,
    every: Duration,
) -> Result<Look, String> {
    let backend = ctx.backend.as_ref();
    let reads = async {
        let env = backend.get_environment(env_ref).await?;
        if env.live.as_ref() != Some(&setup.watched.id) {
            let label = match &env.live {
                Some(id) => operation_label(backend, env_ref, id).await,
                None => "nothing".to_owned(),
            };
            let by = backend
                .live_history(env_ref)
                .await
                .ok()
                .and_then(|history| {
                    history
                        .last()
                        .and_then(|c| c.actor.as_deref().map(str::to_owned))
                });
            return Ok(Look::LiveMoved { label, by });
        }
        guard::traffic(&ctx.backend, env_ref, &setup.watched.id, from, to)
            .await
            .map(Look::Traffic)
    };
    let bound = every.max(Duration::from_secs(10));
    match tokio::time::timeout(bound, reads).await {
        Ok(Ok(look)) => Ok(look),
        Ok(Err(error)) => Err(error.to_string()),
        Err(_) => Err(format!("no answer within {}", words(bound))),
    }
}

/// The breach held: plan the rollback afresh (what is live now, the availability, a new
/// idempotency key), check it expects the watched deployment, and send it as a person
/// would after confirming.
#[allow(clippy::too_many_arguments)]
async fn roll_back(
    ctx: &Context,
    args: &GuardArgs,
    setup: &Setup,
    target: &Deployment,
    good: &LastGood,
    state: &Watch,
    looks: Vec<Value>,
    output: Output,
) -> Result<Exit, CommandError> {
    let plan = plan_rollback(ctx, &setup.project, &setup.env, target).await?;
    if plan.request.expected_live() != Some(&setup.watched.id) {
        let said = format!(
            "live changed: {} is live now; the guard stopped and did nothing",
            plan.live_label().unwrap_or("nothing")
        );
        return Ok(end(output, Outcome::LiveChanged, &said, state, looks, None));
    }
    // `--yes` stands for the typed confirmation; it was required at the start.
    confirm::confirm(
        args.yes,
        &plan.summary(),
        &plan.confirmation,
        &mut confirm::Terminal,
    )?;
    let mut story = match output {
        Output::Json => Story::silent(),
        other => Story::new(other),
    };
    if output == Output::Text {
        say!(
            "breach held: rolling back to {} (the last good deployment)",
            target.label
        );
    }
    story.plan(
        &plan,
        setup.project.id.as_str(),
        Some(good),
        false,
        ctx.backend.now(),
    );
    let mut report = Report::planned(&setup.project, &plan, Some(good), false);
    let exit = operate::send_and_follow(ctx, &plan, &mut report, &mut story, Follow::Yes, &args.at)
        .await?;
    let report = serde_json::to_value(&report).unwrap_or_default();
    Ok(match exit {
        Exit::Completed => end(
            output,
            Outcome::RolledBack,
            &format!(
                "rolled back to {}: the breach held and the rollback completed",
                target.label
            ),
            state,
            looks,
            Some(report),
        ),
        other => {
            if output == Output::Json {
                super::print_json(&document(Outcome::Breached, state, looks, Some(report)));
            }
            other
        }
    })
}

/// Says how the watch ended and gives its exit code.
fn end(
    output: Output,
    outcome: Outcome,
    said: &str,
    state: &Watch,
    looks: Vec<Value>,
    operation: Option<Value>,
) -> Exit {
    match output {
        Output::Text => say!("{said}"),
        Output::Jsonl => super::print_json_line(&super::event(
            "outcome",
            json!({ "outcome": outcome.as_str(), "message": said, "looks": state.looks, "judged": state.judged }),
        )),
        Output::Json => {
            let mut doc = document(outcome, state, looks, operation);
            doc["message"] = json!(said);
            super::print_json(&doc);
        }
    }
    match outcome {
        Outcome::Clean => Exit::Completed,
        Outcome::Breached => Exit::Breached,
        Outcome::RolledBack => Exit::RolledBack,
        Outcome::TooLittleTraffic => Exit::TooLittleTraffic,
        Outcome::Unreadable => Exit::Backend,
        Outcome::LiveChanged => Exit::Conflict,
        Outcome::Interrupted => Exit::Interrupted,
    }
}

fn document(outcome: Outcome, state: &Watch, looks: Vec<Value>, operation: Option<Value>) -> Value {
    json!({
        "outcome": outcome.as_str(),
        "looks": looks,
        "judged": state.judged,
        "breaching": state.breaching,
        "operation": operation,
    })
}

fn tell_look(output: Output, line: &str, event: Value, looks: &mut Vec<Value>) {
    match output {
        Output::Text => say!("{line}"),
        Output::Jsonl => super::print_json_line(&super::event("look", event)),
        Output::Json => looks.push(event),
    }
}

fn look_line(
    at: Duration,
    setup: &Setup,
    traffic: Traffic,
    judgement: Judgement,
    standing: Standing,
) -> String {
    let head = format!("  {}  {}", clock(at), setup.watched.label);
    let requests = traffic.requests.round() as u64;
    let rules = &setup.rules;
    match judgement {
        Judgement::TooLittle { .. } => format!(
            "{head}  {requests} requests: too little traffic to judge (fewer than {})",
            rules.min_requests
        ),
        Judgement::Clean { rate } => {
            format!(
                "{head}  {} 5xx of {requests} requests  ok",
                crate::text::percent(rate)
            )
        }
        Judgement::Breaching { rate } => {
            let baseline = rules
                .baseline
                .map(|b| format!(" and the baseline {}", crate::text::percent(b)))
                .unwrap_or_default();
            let tail = match (standing, &setup.rollback_to) {
                (Standing::Held { .. }, _) => "held".to_owned(),
                (Standing::Breaching { remaining, .. }, Some((target, _))) => format!(
                    "rolling back to {} in {} unless it recovers (Ctrl-C cancels)",
                    target.label,
                    words(remaining)
                ),
                (Standing::Breaching { remaining, .. }, None) => {
                    format!("counts in {} unless it recovers", words(remaining))
                }
                (Standing::Clean, _) => String::new(),
            };
            format!(
                "{head}  {} 5xx of {requests} requests  BREACH (over {}{baseline}): {tail}",
                crate::text::percent(rate),
                crate::text::percent(rules.threshold)
            )
        }
    }
}

fn look_json(at: Duration, traffic: Traffic, judgement: Judgement, standing: Standing) -> Value {
    let (verdict, rate) = match judgement {
        Judgement::TooLittle { .. } => ("too_little_traffic", traffic.rate()),
        Judgement::Clean { rate } => ("ok", Some(rate)),
        Judgement::Breaching { rate } => ("breach", Some(rate)),
    };
    let (breach_seconds, holds_in) = match standing {
        Standing::Clean => (None, None),
        Standing::Breaching { lasted, remaining } => {
            (Some(lasted.as_secs_f64()), Some(remaining.as_secs_f64()))
        }
        Standing::Held { lasted } => (Some(lasted.as_secs_f64()), Some(0.0)),
    };
    json!({
        "at_seconds": at.as_secs_f64(),
        "requests": traffic.requests,
        "errors": traffic.errors,
        "error_rate": rate,
        "verdict": verdict,
        "breach_seconds": breach_seconds,
        "holds_in_seconds": holds_in,
        "held": matches!(standing, Standing::Held { .. }),
    })
}

async fn operation_label(
    backend: &dyn Backend,
    env: &EnvRef,
    id: &crate::domain::DeploymentId,
) -> String {
    super::operation::label(backend, env, id).await
}

/// `1:30` since the watch started.
fn clock(at: Duration) -> String {
    let secs = at.as_secs();
    format!("{}:{:02}", secs / 60, secs % 60)
}

/// `10m`, `30s`, `1h 30m`, `500ms`: whole seconds from a second up.
fn words(duration: Duration) -> String {
    let shown = if duration >= Duration::from_secs(1) {
        Duration::from_secs(duration.as_secs_f64().round() as u64)
    } else {
        Duration::from_millis(duration.as_millis() as u64)
    };
    humantime_serde::re::humantime::format_duration(shown).to_string()
}

fn plural(n: u32, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
