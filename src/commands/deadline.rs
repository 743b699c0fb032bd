//! The total deadline of a command (`--timeout`), so that no platform can hang a script.
//!
//! The clock counts time spent waiting for the platform, in phases the command marks:
//!
//! | phase | bounded by |
//! | --- | --- |
//! | preparing (the start: every read of `list`, `status`, and before a write) | `--timeout`, default [`DEFAULT_TIMEOUT`] |
//! | asking ([`Deadline::asking`]: the confirmation prompt) | nothing: the clock stops |
//! | watching ([`Deadline::watching`]: `guard` between its looks) | nothing: the clock stops; `guard` bounds each look itself |
//! | sending ([`Deadline::sending`]: the write is on its way) | the same budget |
//! | following ([`Deadline::following`]: the platform accepted it) | `--timeout` only when given |
//!
//! An operation command calls, in order: `ctx.deadline.asking()` right before the prompt,
//! `ctx.deadline.sending(action)` right before the rollback/promote/redeploy request, and
//! `ctx.deadline.following(&handle.id)` once the platform accepted it. A command that only
//! reads calls nothing. When the deadline passes, the command ends with
//! [`CommandError::TimedOut`], which says what it was waiting for and, once a write was sent,
//! that it may have happened or may still be running.

use super::CommandError;
use crate::domain::{Action, OperationId};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;

/// The bound of a command's waits before its write when `--timeout` is not given.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// What a command was doing when its deadline passed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Reading, before any write: nothing was changed.
    Preparing,
    /// Waiting for the engineer's confirmation (never times out).
    Asking,
    /// `guard` watching the error rate for its window (never times out: the window is its
    /// bound).
    Watching,
    /// The operation request is on its way: it may have happened.
    Sending(Action),
    /// The platform accepted the operation; it may still be running.
    Following(OperationId),
}

/// One command's deadline; cheap to clone, shared by the command and its bound.
#[derive(Clone, Debug)]
pub struct Deadline {
    /// `--timeout` as given.
    explicit: Option<Duration>,
    state: Arc<watch::Sender<State>>,
}

#[derive(Clone, Debug)]
struct State {
    phase: Phase,
    /// Time counted in earlier phases.
    spent: Duration,
    /// When the clock last started; `None` while it is stopped.
    running_since: Option<Instant>,
}

impl Default for Deadline {
    /// The default deadline: [`DEFAULT_TIMEOUT`] before the write, following unbounded.
    fn default() -> Self {
        Self::new(None)
    }
}

impl Deadline {
    /// `timeout` is `--timeout` when given. The clock starts now, in [`Phase::Preparing`].
    pub fn new(timeout: Option<Duration>) -> Self {
        let state = State {
            phase: Phase::Preparing,
            spent: Duration::ZERO,
            running_since: Some(Instant::now()),
        };
        Self {
            explicit: timeout,
            state: Arc::new(watch::Sender::new(state)),
        }
    }

    /// The engineer is being asked to confirm: the clock stops until the next mark.
    pub fn asking(&self) {
        self.enter(Phase::Asking);
    }

    /// `guard` watches for its window: the clock stops until the next mark.
    pub fn watching(&self) {
        self.enter(Phase::Watching);
    }

    /// The `action` request goes to the platform now: if the deadline passes from here
    /// until [`Self::following`], the operation may have happened.
    pub fn sending(&self, action: Action) {
        self.enter(Phase::Sending(action));
    }

    /// The platform accepted `operation`: following it is bounded only by an explicit
    /// `--timeout` (a cold start can take minutes; Ctrl-C stops following).
    pub fn following(&self, operation: &OperationId) {
        self.enter(Phase::Following(operation.clone()));
    }

    /// The phase the command is in.
    pub fn phase(&self) -> Phase {
        self.state.borrow().phase.clone()
    }

    fn enter(&self, phase: Phase) {
        self.state.send_modify(|state| {
            let now = Instant::now();
            if let Some(since) = state.running_since.take() {
                state.spent += now.saturating_duration_since(since);
            }
            if !matches!(phase, Phase::Asking | Phase::Watching) {
                state.running_since = Some(now);
            }
            state.phase = phase;
        });
    }

    /// The budget of `phase`, counted from the command's start.
    fn limit(&self, phase: &Phase) -> Option<Duration> {
        match phase {
            Phase::Asking | Phase::Watching => None,
            Phase::Following(_) => self.explicit,
            Phase::Preparing | Phase::Sending(_) => Some(self.explicit.unwrap_or(DEFAULT_TIMEOUT)),
        }
    }

    fn expiry(&self, state: &State) -> Option<Instant> {
        let limit = self.limit(&state.phase)?;
        let since = state.running_since?;
        // A huge --timeout has no instant: it never passes.
        since.checked_add(limit.saturating_sub(state.spent))
    }

    /// Runs `work` (the command `switchback <command>`) until it ends or the deadline of
    /// the phase it is in passes.
    pub async fn bound<T>(
        &self,
        command: &str,
        work: impl Future<Output = Result<T, CommandError>>,
    ) -> Result<T, CommandError> {
        let mut changes = self.state.subscribe();
        tokio::pin!(work);
        loop {
            let (expiry, phase) = {
                let state = changes.borrow_and_update();
                (self.expiry(&state), state.phase.clone())
            };
            tokio::select! {
                biased;
                outcome = &mut work => return outcome,
                Ok(()) = changes.changed() => continue,
                () = sleep_until(expiry) => {
                    let after = self.limit(&phase).unwrap_or_default();
                    tracing::warn!(command, ?phase, ?after, "deadline passed");
                    return Err(CommandError::TimedOut {
                        command: command.to_owned(),
                        after,
                        phase,
                    });
                }
            }
        }
    }
}

async fn sleep_until(expiry: Option<Instant>) {
    match expiry {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::Exit;

    fn minutes(n: u64) -> Duration {
        Duration::from_secs(60 * n)
    }

    async fn platform_answers_after(wait: Duration) -> Result<&'static str, CommandError> {
        tokio::time::sleep(wait).await;
        Ok("answered")
    }

    #[tokio::test(start_paused = true)]
    async fn reads_end_at_the_default_deadline_and_say_nothing_changed() {
        let deadline = Deadline::default();
        let error = deadline
            .bound("status", platform_answers_after(Duration::MAX))
            .await
            .unwrap_err();
        assert_eq!(error.exit(), Exit::TimedOut);
        let text = error.to_string();
        assert!(
            text.contains("2m") && text.contains("`switchback status`"),
            "{text}"
        );
        assert!(text.contains("nothing was changed"), "{text}");
        let quick = Deadline::default()
            .bound("list", platform_answers_after(minutes(1)))
            .await;
        assert_eq!(quick.unwrap(), "answered");
    }

    #[tokio::test(start_paused = true)]
    async fn a_given_timeout_replaces_the_default() {
        let deadline = Deadline::new(Some(Duration::from_secs(5)));
        let error = deadline
            .bound("list", platform_answers_after(Duration::from_secs(6)))
            .await
            .unwrap_err();
        assert!(
            matches!(error, CommandError::TimedOut { after, .. } if after == Duration::from_secs(5))
        );
        let huge = Deadline::new(Some(Duration::MAX));
        let done = huge
            .bound("list", platform_answers_after(minutes(10)))
            .await;
        assert_eq!(done.unwrap(), "answered", "a huge timeout never overflows");
    }

    #[tokio::test(start_paused = true)]
    async fn the_prompt_stops_the_clock() {
        let deadline = Deadline::default();
        let marks = deadline.clone();
        let work = async move {
            tokio::time::sleep(minutes(1)).await;
            marks.asking();
            // The engineer takes ten minutes to type `y`.
            tokio::time::sleep(minutes(10)).await;
            marks.sending(Action::Rollback);
            tokio::time::sleep(Duration::from_secs(30)).await;
            Ok("accepted")
        };
        assert_eq!(deadline.bound("rollback", work).await.unwrap(), "accepted");
    }

    #[tokio::test(start_paused = true)]
    async fn a_write_without_an_answer_by_the_deadline_may_have_happened() {
        let deadline = Deadline::default();
        let marks = deadline.clone();
        let work = async move {
            marks.asking();
            marks.sending(Action::Redeploy);
            platform_answers_after(Duration::MAX).await
        };
        let error = deadline.bound("redeploy", work).await.unwrap_err();
        assert_eq!(error.exit(), Exit::MayHaveHappened);
        assert!(
            error.to_string().contains("the redeploy may have happened"),
            "{error}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn following_is_unbounded_unless_the_timeout_was_given() {
        let op = OperationId::new("op_7");
        let follow = |deadline: Deadline| {
            let op = op.clone();
            async move {
                deadline.asking();
                deadline.sending(Action::Rollback);
                deadline.following(&op);
                platform_answers_after(minutes(30)).await
            }
        };
        let unbounded = Deadline::default();
        let done = unbounded.bound("rollback", follow(unbounded.clone())).await;
        assert_eq!(done.unwrap(), "answered");

        let given = Deadline::new(Some(minutes(5)));
        let error = given
            .bound("rollback", follow(given.clone()))
            .await
            .unwrap_err();
        assert_eq!(error.exit(), Exit::MayHaveHappened);
        let text = error.to_string();
        assert!(
            text.contains("operation op_7 may still be running")
                && text.contains("switchback operation op_7"),
            "{text}"
        );
        assert_eq!(given.phase(), Phase::Following(op.clone()));
    }
}
