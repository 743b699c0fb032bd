//! Following an operation: at most one look per poll interval (never under 250 ms, the
//! pace of Vercel's own CLI), each look the fewest calls that tell what changed.
//!
//! - A rollback or promote: the project (`?rollbackInfo=true`) for its `lastAliasRequest`;
//!   while it runs, the request's aliases with their status (one step per hostname); after
//!   a failure, the failed ones (`failedOnly=true&limit=20`), as Vercel's CLI lists them.
//!   A promote queued behind a rolling release looks at the rolling release until it starts.
//! - A build: the deployment and its new build events, until ready (and given the
//!   production domains), failed or canceled.

use super::VercelBackend;
use super::api;
use super::mapping::{Dep, State};
use super::operations::{self, MAX_EVENT_LINES, Tracked, Watch, step};
use crate::backend::BackendError;
use crate::domain::{EnvRef, LogLevel, Operation, OperationId, OperationStatus, StepStatus};

impl VercelBackend {
    /// The record, moved forward by one look at Vercel when it is unfinished and the last
    /// look is older than the poll interval. A failed look goes to the operation's log; the
    /// deadline still ends it.
    pub(super) async fn follow(
        &self,
        env: &EnvRef,
        id: &OperationId,
    ) -> Result<Operation, BackendError> {
        let mut tracked = self.book.get(env, id).ok_or_else(|| {
            BackendError::not_found(format!(
                "operation {id}: this console did not start it (Vercel keeps only the project's last rollback or promote)"
            ))
        })?;
        let now = self.clock.now();
        let due = tracked.last_poll.is_none_or(|last| {
            now - last >= chrono::Duration::from_std(self.min_poll).unwrap_or_default()
        });
        if tracked.operation.status.is_finished() || !due {
            return Ok(tracked.operation);
        }
        let looked = match tracked.watch.clone() {
            Watch::Switch(_) => self.look_at_switch(&mut tracked).await,
            Watch::Build(_) => self.look_at_build(&mut tracked).await,
        };
        let now = self.clock.now();
        tracked.last_poll = Some(now);
        let op = &mut tracked.operation;
        if let Err(error) = looked {
            operations::log(
                op,
                now,
                LogLevel::Warn,
                format!("could not look at Vercel: {error}"),
            );
        }
        if !op.status.is_finished() && now >= tracked.deadline {
            let waited = crate::net::describe_wait(
                (tracked.deadline - op.created_at)
                    .to_std()
                    .unwrap_or_default(),
            );
            operations::finish(
                op,
                now,
                Some(format!(
                    "gave up waiting after {waited}; Vercel may still finish it: look at the project before trying again"
                )),
            );
        }
        self.book.replace(tracked.clone());
        Ok(tracked.operation)
    }

    async fn look_at_switch(&self, tracked: &mut Tracked) -> Result<(), BackendError> {
        let Watch::Switch(w) = tracked.watch.clone() else {
            return Ok(());
        };
        let kind = if w.rollback { "rollback" } else { "promote" };
        let project = self.project_now(&tracked.project_id).await?;
        let target = tracked.operation.target.as_str();
        let request = project.last_alias_request.as_ref();
        let mine = request.filter(|r| {
            r.kind == kind && r.to_deployment_id == target && Some(*r) != w.before.as_ref()
        });
        let now = self.clock.now();
        let Some(mine) = mine else {
            let op = &mut tracked.operation;
            if let Some(other) = request.filter(|r| Some(*r) != w.before.as_ref()) {
                let to = self.label_of(&other.to_deployment_id).await;
                operations::finish(
                    op,
                    now,
                    Some(format!(
                        "superseded: a {} to {to} was requested after this one; production follows that one now",
                        other.kind
                    )),
                );
                return Ok(());
            }
            if w.queued {
                let message = match self.rolling_release(&project.id).await? {
                    Some(rr) if rr.state == "ACTIVE" => format!(
                        "a rolling release is active{}{}: the promote waits for it to complete",
                        rr.canary_deployment
                            .map(|c| format!(" (canary {})", c.id))
                            .unwrap_or_default(),
                        rr.active_stage
                            .and_then(|s| s.target_percentage)
                            .map(|p| format!(" at {p:.0}% of traffic"))
                            .unwrap_or_default()
                    ),
                    _ => "the rolling release ended; waiting for Vercel to start the promote"
                        .to_owned(),
                };
                operations::log(op, now, LogLevel::Info, message);
            } else {
                operations::log(
                    op,
                    now,
                    LogLevel::Info,
                    format!("waiting for Vercel to start the {kind}"),
                );
            }
            return Ok(());
        };
        let mine = mine.clone();
        if tracked.operation.status == OperationStatus::Queued {
            let op = &mut tracked.operation;
            op.status = OperationStatus::InProgress;
            operations::set_step(op, w.aliases_at - 1, StepStatus::Done, now);
            operations::set_step(op, w.aliases_at, StepStatus::Running, now);
            operations::log(
                op,
                now,
                LogLevel::Info,
                "the rolling release completed; Vercel started the promote",
            );
        }
        match mine.job_status.as_str() {
            "pending" | "in-progress" => {
                let aliases = self.alias_statuses(&project.id, kind, false).await?;
                let now = self.clock.now();
                let op = &mut tracked.operation;
                let news =
                    operations::set_aliases(op, w.aliases_at, &aliases, &w.target_label, now);
                let total = aliases.len();
                let done = aliases.iter().filter(|a| a.status == "completed").count();
                for (host, status) in news {
                    if status == StepStatus::Done {
                        operations::log(
                            op,
                            now,
                            LogLevel::Info,
                            format!(
                                "{host} now points at {} ({done} of {total})",
                                w.target_label
                            ),
                        );
                    } else {
                        operations::log(
                            op,
                            now,
                            LogLevel::Warn,
                            format!("Vercel could not move {host}"),
                        );
                    }
                }
            }
            "succeeded" => {
                let op = &mut tracked.operation;
                operations::close_aliases(op, w.aliases_at, StepStatus::Done, now);
                let last = op.steps.len() - 1;
                operations::set_step(op, last, StepStatus::Done, now);
                operations::log(
                    op,
                    now,
                    LogLevel::Info,
                    format!("every production domain points at {}", w.target_label),
                );
                let mode = if w.rollback {
                    "production is rolled back: new production builds get no domains until a promote"
                } else {
                    "production is back to normal: the next production build gets the domains"
                };
                operations::log(
                    op,
                    now,
                    if w.rollback {
                        LogLevel::Warn
                    } else {
                        LogLevel::Info
                    },
                    mode,
                );
                operations::finish(op, now, None);
            }
            "failed" => {
                let failed = self.alias_statuses(&project.id, kind, true).await?;
                let from = match &w.from {
                    Some(id) => self.label_of(id).await,
                    None => "the previous deployment".to_owned(),
                };
                let now = self.clock.now();
                let op = &mut tracked.operation;
                split(op, w.aliases_at, &failed, &w.target_label, now);
                operations::close_aliases(op, w.aliases_at, StepStatus::Done, now);
                let hosts: Vec<&str> = failed.iter().map(|a| a.alias.alias.as_str()).collect();
                let error = if hosts.is_empty() {
                    format!(
                        "Vercel could not move every production domain to {}; {} again to finish",
                        w.target_label,
                        if w.rollback { "roll back" } else { "promote" }
                    )
                } else {
                    format!(
                        "production is split: {} still point at {from} ({}); Vercel could not move them to {}. {} again to finish",
                        match hosts.len() {
                            1 => "1 domain".to_owned(),
                            n => format!("{n} domains"),
                        },
                        hosts.join(", "),
                        w.target_label,
                        if w.rollback { "Roll back" } else { "Promote" }
                    )
                };
                operations::finish(op, now, Some(error));
            }
            "skipped" => {
                let op = &mut tracked.operation;
                operations::close_aliases(op, w.aliases_at, StepStatus::Skipped, now);
                let last = op.steps.len() - 1;
                operations::set_step(op, last, StepStatus::Skipped, now);
                operations::log(
                    op,
                    now,
                    LogLevel::Warn,
                    format!("Vercel skipped the {kind}: nothing needed to move"),
                );
                operations::finish(op, now, None);
            }
            other => operations::log(
                &mut tracked.operation,
                now,
                LogLevel::Warn,
                format!("Vercel reports the {kind} as `{other}`"),
            ),
        }
        Ok(())
    }

    async fn look_at_build(&self, tracked: &mut Tracked) -> Result<(), BackendError> {
        let Watch::Build(mut b) = tracked.watch.clone() else {
            return Ok(());
        };
        let full = self.full_deployment_now(&b.deployment).await?;
        let events = match self.events(&b.deployment, b.events_since).await {
            Ok(events) => events,
            Err(error) => {
                tracing::debug!(%error, "build events unreadable; the state still shows");
                Vec::new()
            }
        };
        let now = self.clock.now();
        let op = &mut tracked.operation;
        for event in events {
            let created = event.created.unwrap_or_default();
            if b.events_since.is_some_and(|since| created <= since) {
                continue;
            }
            b.events_since = Some(created.max(b.events_since.unwrap_or_default()));
            let Some(text) = event.text() else {
                continue;
            };
            if b.events_logged >= MAX_EVENT_LINES {
                continue;
            }
            b.events_logged += 1;
            let level = match event.kind.as_deref() {
                Some("stderr") => LogLevel::Warn,
                Some("fatal") => LogLevel::Error,
                _ => LogLevel::Info,
            };
            operations::log(op, now, level, text.trim_end().to_owned());
        }
        tracked.watch = Watch::Build(b.clone());
        let d = Dep::from_full(&full);
        let label = &b.label;
        match d.state {
            state if state.is_building() => {
                operations::set_step(op, 1, StepStatus::Running, now);
                operations::log(
                    op,
                    now,
                    LogLevel::Info,
                    format!("{label} is {}", state.as_str().to_lowercase()),
                );
            }
            State::Ready => {
                operations::set_step(op, 1, StepStatus::Done, now);
                if !b.production {
                    operations::set_step(op, 2, StepStatus::Done, now);
                    operations::log(op, now, LogLevel::Info, format!("{label} is ready"));
                    operations::finish(op, now, None);
                } else if let Some(error) = &full.alias_error {
                    operations::finish(
                        op,
                        now,
                        Some(format!(
                            "{label} is built, but Vercel could not give it the production domains: {} ({})",
                            error.message, error.code
                        )),
                    );
                } else if full.alias_assigned() {
                    operations::set_step(op, 2, StepStatus::Done, now);
                    operations::log(
                        op,
                        now,
                        LogLevel::Info,
                        format!("{label} is ready and live in production"),
                    );
                    operations::finish(op, now, None);
                } else if d.is_staged() {
                    operations::set_step(op, 2, StepStatus::Skipped, now);
                    operations::log(
                        op,
                        now,
                        LogLevel::Warn,
                        format!(
                            "{label} is ready but held: production is rolled back, so Vercel gave it no domains; promote it to send it traffic"
                        ),
                    );
                    operations::finish(op, now, None);
                } else {
                    operations::log(
                        op,
                        now,
                        LogLevel::Info,
                        format!(
                            "{label} is ready; waiting for Vercel to assign the production domains"
                        ),
                    );
                }
            }
            State::Canceled => {
                operations::finish(op, now, Some(format!("the build of {label} was canceled")));
            }
            State::Deleted => {
                operations::finish(op, now, Some(format!("{label} was removed")));
            }
            _ => {
                let why = d
                    .error
                    .clone()
                    .unwrap_or_else(|| format!("Vercel says {}", d.state.as_str()));
                operations::finish(op, now, Some(format!("the build of {label} failed: {why}")));
            }
        }
        Ok(())
    }
}

/// Marks the aliases Vercel could not move: each a failed step, named as it was followed.
fn split(
    op: &mut Operation,
    aliases_at: usize,
    failed: &[api::AliasStatus],
    target_label: &str,
    now: crate::domain::Timestamp,
) {
    for alias in failed {
        let name = format!("{} → {target_label}", alias.alias.alias);
        let index = match op.steps.iter().position(|s| s.name == name) {
            Some(index) => index,
            None => {
                let at = op.steps.len().saturating_sub(1).max(aliases_at);
                op.steps
                    .insert(at, step(name.clone(), StepStatus::Running, now));
                at
            }
        };
        operations::set_step(op, index, StepStatus::Failed, now);
        operations::log(
            op,
            now,
            LogLevel::Error,
            format!(
                "{} still points at {} (not moved)",
                alias.alias.alias, alias.alias.deployment_id
            ),
        );
    }
    // The placeholder step, when no alias was ever listed, says nothing now.
    let placeholder = format!("production domains move to {target_label}");
    if let Some(index) = op.steps.iter().position(|s| s.name == placeholder)
        && !failed.is_empty()
    {
        op.steps.remove(index);
    }
}
