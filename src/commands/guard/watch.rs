//! The watch itself: a look every interval until the window ends, a breach holds, live
//! moves, or Ctrl-C; and the rollback when a held breach calls for it.

use super::tell::{clock, document, end, look_json, look_line, plural, tell_look, words};
use super::{Outcome, Setup, plan_rollback};
use crate::commands::args::{GuardArgs, Output};
use crate::commands::operate::{self, Follow, Report, Story};
use crate::commands::out::say;
use crate::commands::{CommandError, Context, Exit, Interrupt, confirm};
use crate::domain::{Deployment, EnvRef};
use crate::operation::LastGood;
use crate::operation::guard::{self, Standing, Traffic, Watch};
use serde_json::{Value, json};
use std::time::Duration;
use tokio::time::Instant;

/// The looks, until the window ends, a breach holds, live moves, or Ctrl-C.
pub(super) async fn watch(
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
    let mut interrupt = Interrupt::new();
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
                Some(id) => crate::commands::operation::label(backend, env_ref, id).await,
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
                crate::commands::print_json(&document(
                    Outcome::Breached,
                    state,
                    looks,
                    Some(report),
                ));
            }
            other
        }
    })
}
