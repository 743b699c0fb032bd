//! What the guard says: one line (or event) per look, and how the watch ended.

use super::{Outcome, Setup};
use crate::commands::Exit;
use crate::commands::args::Output;
use crate::commands::out::say;
use crate::operation::guard::{Judgement, Standing, Traffic, Watch};
use serde_json::{Value, json};
use std::time::Duration;

/// Says how the watch ended and gives its exit code.
pub(super) fn end(
    output: Output,
    outcome: Outcome,
    said: &str,
    state: &Watch,
    looks: Vec<Value>,
    operation: Option<Value>,
) -> Exit {
    match output {
        Output::Text => say!("{said}"),
        Output::Jsonl => crate::commands::print_json_line(&crate::commands::event(
            "outcome",
            json!({ "outcome": outcome.as_str(), "message": said, "looks": state.looks, "judged": state.judged }),
        )),
        Output::Json => {
            let mut doc = document(outcome, state, looks, operation);
            doc["message"] = json!(said);
            crate::commands::print_json(&doc);
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

pub(super) fn document(
    outcome: Outcome,
    state: &Watch,
    looks: Vec<Value>,
    operation: Option<Value>,
) -> Value {
    json!({
        "outcome": outcome.as_str(),
        "looks": looks,
        "judged": state.judged,
        "breaching": state.breaching,
        "operation": operation,
    })
}

pub(super) fn tell_look(output: Output, line: &str, event: Value, looks: &mut Vec<Value>) {
    match output {
        Output::Text => say!("{line}"),
        Output::Jsonl => crate::commands::print_json_line(&crate::commands::event("look", event)),
        Output::Json => looks.push(event),
    }
}

pub(super) fn look_line(
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

pub(super) fn look_json(
    at: Duration,
    traffic: Traffic,
    judgement: Judgement,
    standing: Standing,
) -> Value {
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

/// `1:30` since the watch started.
pub(super) fn clock(at: Duration) -> String {
    let secs = at.as_secs();
    format!("{}:{:02}", secs / 60, secs % 60)
}

/// `10m`, `30s`, `1h 30m`, `500ms`: whole seconds from a second up.
pub(super) fn words(duration: Duration) -> String {
    let shown = if duration >= Duration::from_secs(1) {
        Duration::from_secs(duration.as_secs_f64().round() as u64)
    } else {
        Duration::from_millis(duration.as_millis() as u64)
    };
    humantime_serde::re::humantime::format_duration(shown).to_string()
}

pub(super) fn plural(n: u32, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
