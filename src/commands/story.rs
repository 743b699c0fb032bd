//! Where an operation's story is told as it happens: the plan, the start, each step and
//! log line, the result; as lines for a person, JSON events, or one document at the end.

use super::args::Output;
use super::briefing;
use super::out::say;
use super::report::{self, Report};
use super::wait;
use crate::domain::{OperationId, Timestamp};
use crate::operation::{LastGood, Plan};
use serde_json::json;

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
            Output::Text if report.waited => report::print_result(report),
            Output::Text => {}
            Output::Json => super::print_json(report),
            Output::Jsonl => super::print_json_line(&super::event(
                "finished",
                serde_json::to_value(report).unwrap_or_default(),
            )),
        }
    }
}

pub(crate) fn chosen_by(last_good: Option<&LastGood>, defaulted: bool) -> &'static str {
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

pub(crate) fn last_good_json(label: &str, good: &LastGood) -> serde_json::Value {
    json!({
        "label": label,
        "id": good.deployment,
        "live_from": good.live_from,
        "live_until": good.live_until,
        "error_rate": good.rate,
        "threshold": good.threshold,
    })
}
