//! What the console says when something is refused, fails or happens: the verdict and the
//! next step first (`v37 pruned by retention: redeploy it with d`), the platform's own words
//! kept whole for the operations log.

use super::state::State;
use crate::backend::{BackendError, PreconditionCode};
use crate::config::keys::KeyAction;
use crate::domain::{Action, LiveCause, LiveChange, Timestamp};
use crate::operation::verb;

/// A message in three parts: what happened, what to do next (never cut), and everything
/// the platform said when the first two say less.
#[derive(Clone, Debug, PartialEq)]
pub struct Said {
    pub verdict: String,
    pub next: String,
    pub detail: Option<String>,
}

impl Said {
    fn new(verdict: impl Into<String>, next: impl Into<String>, detail: Option<String>) -> Self {
        Self {
            verdict: verdict.into(),
            next: next.into(),
            detail,
        }
    }
}

/// An operation as a noun: `rollback to v41`, `promotion of v41`, `redeploy of v41`.
pub fn noun(action: Action, label: &str) -> String {
    match action {
        Action::Rollback => format!("rollback to {label}"),
        Action::Promote => format!("promotion of {label}"),
        Action::Redeploy => format!("redeploy of {label}"),
    }
}

/// `03:23`: a clock time in the engineer's time zone.
pub fn clock(at: Timestamp, offset: chrono::FixedOffset) -> String {
    at.with_timezone(&offset).format("%H:%M").to_string()
}

/// `03:23:05 UTC`, and the local time beside it when the engineer is elsewhere:
/// `03:23:05 UTC · 04:23 +01:00`.
pub fn clock_full(at: Timestamp, offset: chrono::FixedOffset) -> String {
    let utc = at.format("%H:%M:%S UTC").to_string();
    if offset.local_minus_utc() == 0 {
        return utc;
    }
    let local = at.with_timezone(&offset);
    format!("{utc} · {}", local.format("%H:%M %:z"))
}

/// The key that does `action`, for `redeploy it with d`.
fn key_of(state: &State, action: Action) -> String {
    let key = match action {
        Action::Rollback => KeyAction::Rollback,
        Action::Promote => KeyAction::Promote,
        Action::Redeploy => KeyAction::Redeploy,
    };
    state.keymap.hint(key)
}

/// `: redeploy it with d`.
fn suggest(state: &State, suggestion: Option<Action>) -> String {
    suggestion.map_or_else(String::new, |s| {
        format!(": {} it with {}", verb(s), key_of(state, s))
    })
}

/// The text before the first `; ` or ` (`: the platform's sentence without its asides.
fn first_clause(text: &str) -> &str {
    let end = [text.find("; "), text.find(" (")]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(text.len());
    text[..end].trim_end_matches(['.', ','])
}

/// The platform said in advance that `action` on `label` is not possible.
pub fn refusal(
    state: &State,
    action: Action,
    label: &str,
    code: Option<&str>,
    reason: &str,
    suggestion: Option<Action>,
) -> Said {
    let read_only = state
        .identity
        .as_ref()
        .is_some_and(|i| i.role == crate::backend::Role::ReadOnly);
    let verdict = match code {
        Some("artifact_pruned") => format!("{label} pruned by retention"),
        Some("already_live") => format!("{label} is already live"),
        Some("not_ready") => format!("{label} is not ready"),
        Some("forbidden" | "permission") if read_only => {
            format!(
                "cannot {} to {label}: you have a read-only role",
                verb(action)
            )
        }
        _ => format!(
            "cannot {} to {label}: {}",
            verb(action),
            first_clause(reason)
        ),
    };
    Said::new(verdict, suggest(state, suggestion), Some(reason.to_owned()))
}

/// `dana rolled back to v41 at 03:23`.
pub fn change_text(state: &State, change: &LiveChange) -> String {
    let label = state.label_of(&change.deployment);
    let who = change.actor.as_deref().unwrap_or("someone");
    let part = if change.scope.is_everything() {
        String::new()
    } else {
        format!(" ({} only)", change.scope.describe())
    };
    let what = match change.cause {
        LiveCause::Rollback => format!("rolled back to {label}"),
        LiveCause::Promote => format!("promoted {label}"),
        LiveCause::Deploy => format!("deployed {label}"),
        LiveCause::Redeploy => format!("redeployed as {label}"),
    };
    format!(
        "{who} {what}{part} at {}",
        clock(change.at, state.settings.local_offset)
    )
}

/// The platform refused a confirmed request.
pub fn rejected(state: &State, action: Action, label: &str, error: &BackendError) -> Said {
    let nothing = "; nothing was done";
    match error {
        // Live is what this console believes: the platform refused for another reason (a
        // switch already under way), which its message names.
        BackendError::Conflict {
            live_now, message, ..
        } if live_now.is_some()
            && state.environment().and_then(|e| e.live.as_ref()) == live_now.as_ref() =>
        {
            Said::new(format!("refused: {message}"), nothing, None)
        }
        BackendError::Conflict {
            live_now,
            live_label,
            changed_by,
            message,
        } => {
            let change = live_now.as_ref().and_then(|id| {
                state
                    .view
                    .live_history
                    .as_slice()
                    .iter()
                    .rev()
                    .find(|c| &c.deployment == id)
            });
            let verdict = match change {
                Some(change) if change.actor.as_deref() == changed_by.as_deref() => {
                    format!("refused: {}", change_text(state, change))
                }
                _ => {
                    let now_live = live_label
                        .clone()
                        .or_else(|| live_now.as_ref().map(|id| state.label_of(id).to_owned()))
                        .unwrap_or_else(|| "another deployment".to_owned());
                    let by = changed_by
                        .as_ref()
                        .map(|b| format!(" (changed by {b})"))
                        .unwrap_or_default();
                    format!("refused: {now_live} is live now{by}")
                }
            };
            Said::new(verdict, nothing, Some(message.clone()))
        }
        BackendError::Precondition {
            code,
            message,
            suggestion,
        } => {
            let mut said = refusal(
                state,
                action,
                label,
                Some(code.as_str()),
                message,
                *suggestion,
            );
            if *code != PreconditionCode::ArtifactPruned && said.next.is_empty() {
                said.next = nothing.to_owned();
            }
            said
        }
        BackendError::Forbidden { reason, .. } => Said::new(
            format!("{} to {label} not permitted", verb(action)),
            nothing,
            Some(reason.clone()),
        ),
        BackendError::MayHaveHappened { message } => Said::new(
            format!("{} to {label}: no clear answer", verb(action)),
            "; it may have happened: look (l) before trying again",
            Some(message.clone()),
        ),
        other => Said::new(
            format!("{} to {label} failed to start", verb(action)),
            format!(": {}", crate::poller::short_cause(other)),
            Some(other.to_string()),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_clause_drops_asides() {
        assert_eq!(
            first_clause("v41 is newer than the live v42; promote it instead"),
            "v41 is newer than the live v42"
        );
        assert_eq!(
            first_clause("the artifact of v37 (registry/x) was pruned"),
            "the artifact of v37"
        );
        assert_eq!(first_clause("plain"), "plain");
    }

    #[test]
    fn clock_times_are_utc_with_the_local_time_beside_when_it_differs() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-11-22T03:23:05Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let utc = chrono::FixedOffset::east_opt(0).unwrap();
        let paris = chrono::FixedOffset::east_opt(3600).unwrap();
        assert_eq!(clock_full(at, utc), "03:23:05 UTC");
        assert_eq!(clock_full(at, paris), "03:23:05 UTC · 04:23 +01:00");
        assert_eq!(clock(at, paris), "04:23");
    }
}
