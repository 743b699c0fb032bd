//! The rollback: Temps' call is synchronous (no job, no new record; the answer comes when
//! the work is done, from milliseconds for a static site to seconds when a container must
//! start and the live one stop), so it runs as an operation of its own with steps.
//!
//! Before the call: the target must be `completed` or `deployed`, not live, and the live
//! deployment the one the engineer saw (read right before: Temps has no compare-and-swap).
//! The call is sent once. Its answer is not trusted for what is live (its `environment` is
//! a placeholder): the environment is read again. A `5xx`, a timeout or a lost answer means
//! "something may have happened": on v0.0.1 every container rollback answers 500 after it
//! started the old image, leaving `current_deployment_id` where it was and a container
//! behind. The operation then says what is live now and never sends the rollback again.

use super::access::ROLLBACK_PERMISSION;
use super::actions::rollback_rule;
use super::api;
use super::book::{self, Tracked};
use super::client::{Call, Fresh};
use super::mapping::{self, ProjectRef, label};
use super::reads::deployment_number;
use super::{Inner, handle};
use crate::backend::{BackendError, OperationHandle, OperationRequest, PreconditionCode};
use crate::domain::{
    Action, DeploymentId, LogLevel, Operation, OperationKind, OperationStatus, Scope, StepStatus,
    Strategy,
};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;

/// How the call ended, for `rollback` waiting on it.
enum Outcome {
    /// Temps refused before doing anything.
    Refused(BackendError),
    /// The record is finished (completed, or in exception after an unclear answer).
    Done,
}

/// The steps of a rollback after the check of the live deployment.
const CALL: usize = 1;
const REREAD: usize = 2;

pub fn check_switch(scope: &Scope, strategy: Option<Strategy>) -> Result<(), BackendError> {
    if !scope.is_everything() {
        return Err(BackendError::invalid(
            "Temps switches a whole environment; it cannot pick components or regions",
        ));
    }
    match strategy {
        None | Some(Strategy::Immediate) => Ok(()),
        Some(other) => Err(BackendError::invalid(format!(
            "Temps switches an environment at once; `{}` is not available",
            other.describe()
        ))),
    }
}

impl Inner {
    /// Refuses when live is not what the engineer saw: a read right before the call, not an
    /// atomic check (Temps has none).
    pub(super) async fn check_expected_live(
        &self,
        live: Option<i32>,
        expected: Option<&DeploymentId>,
    ) -> Result<(), BackendError> {
        let Some(expected) = expected else {
            return Ok(());
        };
        let expected_number = deployment_number(expected).ok();
        if live.is_some() && live == expected_number {
            return Ok(());
        }
        // What was kept shows the old live: the next look must see the new one.
        self.client.forget_reads();
        let live_label = live.map(label);
        Err(BackendError::Conflict {
            live_now: live.map(mapping::deployment_id),
            live_label: live_label.clone(),
            changed_by: None,
            message: format!(
                "the live deployment changed since you looked: {} is live now, not {} (Temps does not record who switched it)",
                live_label.unwrap_or_else(|| "nothing".to_owned()),
                expected_number
                    .map(label)
                    .unwrap_or_else(|| expected.to_string())
            ),
        })
    }

    pub(super) async fn rollback(
        self: &Arc<Self>,
        request: OperationRequest,
    ) -> Result<OperationHandle, BackendError> {
        check_switch(&request.scope, request.strategy)?;
        if let Some(op) = self
            .book
            .by_idempotency_key(&request.env, &request.idempotency_key)
        {
            return Ok(handle(&op));
        }
        let (project, environment) = self.locate(&request.env, Fresh::Now).await?;
        let number = deployment_number(&request.target)?;
        let target = self
            .deployment_in(&project, &environment, number, Fresh::Now)
            .await?;
        let live = environment.current_deployment_id;
        if live == Some(number) {
            return Err(BackendError::precondition(
                PreconditionCode::AlreadyLive,
                format!("{} is already live in {}", label(number), environment.slug),
            ));
        }
        if let Some((code, message)) = rollback_rule(&target) {
            return Err(BackendError::precondition(code, message));
        }
        self.check_expected_live(live, request.expected_live.as_ref())
            .await?;
        let doing = format!("roll back {} to {}", environment.slug, label(number));
        if let Some(reason) = self.refusal_for(Action::Rollback).await {
            return Err(BackendError::Forbidden {
                action: doing,
                reason,
            });
        }

        let now = self.clock.now();
        let mut operation = Operation {
            id: book::new_id(),
            kind: OperationKind::Rollback,
            env: request.env.clone(),
            target: mapping::deployment_id(number),
            expected_live: request.expected_live.clone(),
            idempotency_key: request.idempotency_key.clone(),
            actor: request.actor.clone(),
            status: OperationStatus::InProgress,
            strategy: Some(Strategy::Immediate),
            scope: Scope::default(),
            steps: vec![
                book::step(
                    format!(
                        "check {} is still live (read just before: Temps has no compare-and-swap)",
                        live.map(label).unwrap_or_else(|| "nothing".to_owned())
                    ),
                    StepStatus::Done,
                    now,
                ),
                book::step(
                    format!(
                        "Temps rolls back to {} and answers when done",
                        label(number)
                    ),
                    StepStatus::Running,
                    now,
                ),
                book::step(
                    "read the environment again: what is live now",
                    StepStatus::Pending,
                    now,
                ),
            ],
            log: Vec::new(),
            created_at: now,
            updated_at: now,
            finished_at: None,
            new_deployment: None,
            error: None,
        };
        let wait = if project.is_static() {
            "a static site answers at once"
        } else {
            "a container project answers once the old image runs, after about 15 s"
        };
        book::log(
            &mut operation,
            now,
            LogLevel::Info,
            format!(
                "{} asked Temps to {doing}; live was {}. The call is synchronous ({wait}) and is never sent twice",
                request.actor,
                live.map(label).unwrap_or_else(|| "nothing".to_owned())
            ),
        );
        let out = handle(&operation);
        let id = operation.id.clone();
        let deadline = now + chrono::Duration::from_std(self.rollback_timeout).unwrap_or_default();
        self.book.insert(Tracked::new(operation, deadline));

        let (tx, rx) = oneshot::channel();
        let inner = Arc::clone(self);
        tokio::spawn(async move {
            let outcome = inner.carry_out(&id, &project, &environment, &target).await;
            let _ = tx.send(outcome);
        });
        match tokio::time::timeout(self.answer_wait, rx).await {
            Ok(Ok(Outcome::Refused(error))) => {
                self.book.remove(&out.id);
                Err(error)
            }
            // Done, or still waiting for Temps: the operation tells the rest.
            _ => Ok(out),
        }
    }

    async fn carry_out(
        &self,
        id: &crate::domain::OperationId,
        project: &ProjectRef,
        environment: &api::Environment,
        target: &api::Deployment,
    ) -> Outcome {
        let call = Call::new(
            format!(
                "/projects/{}/deployments/{}/rollback",
                project.id, target.id
            ),
            format!("roll back {} to {}", environment.slug, label(target.id)),
            ROLLBACK_PERMISSION,
            format!("deployment {} of {}", target.id, project.slug),
        );
        let started = tokio::time::Instant::now();
        let answer = self
            .client
            .post::<api::Ignored>(&call, None, Some(self.rollback_timeout), "the rollback")
            .await;
        let took = started.elapsed();
        match answer {
            Ok(_) => {
                self.after_answer(id, project, environment, target, took)
                    .await;
                Outcome::Done
            }
            Err(error @ BackendError::MayHaveHappened { .. }) => {
                self.after_unclear(id, project, environment, target, &error)
                    .await;
                Outcome::Done
            }
            Err(error) => {
                let error = self.refusal(error, target);
                let now = self.clock.now();
                self.book.update(id, |t| {
                    book::finish(
                        &mut t.operation,
                        now,
                        Some(format!(
                            "Temps refused the rollback; nothing changed: {error}"
                        )),
                    );
                });
                Outcome::Refused(error)
            }
        }
    }

    /// Temps' refusal, in the words the engineer can act on.
    fn refusal(&self, error: BackendError, target: &api::Deployment) -> BackendError {
        match error {
            // Its state changed since it was read (Temps checks the same rule).
            BackendError::Invalid { message } => BackendError::Precondition {
                code: PreconditionCode::NotReady,
                message: format!(
                    "{message} (Temps rolls back only to `completed` or `deployed` deployments; {} was `{}` when read)",
                    label(target.id),
                    target.status.as_str()
                ),
                suggestion: None,
            },
            BackendError::Forbidden { action, reason } => {
                self.access.deny(Action::Rollback, &reason);
                BackendError::Forbidden { action, reason }
            }
            other => other,
        }
    }

    async fn after_answer(
        &self,
        id: &crate::domain::OperationId,
        project: &ProjectRef,
        environment: &api::Environment,
        target: &api::Deployment,
        took: Duration,
    ) {
        let now = self.clock.now();
        self.book.update(id, |t| {
            book::set_step(&mut t.operation, CALL, StepStatus::Done, now);
            book::log(
                &mut t.operation,
                now,
                LogLevel::Info,
                format!("Temps answered 200 after {}", millis(took)),
            );
        });
        let reread = self.locate_again(project, environment).await;
        let now = self.clock.now();
        self.book.update(id, |t| {
            let op = &mut t.operation;
            match reread {
                Ok(env) if env.current_deployment_id == Some(target.id) => {
                    book::set_step(op, REREAD, StepStatus::Done, now);
                    book::log(
                        op,
                        now,
                        LogLevel::Info,
                        format!("{} is live (read again: Temps' answer does not say)", label(target.id)),
                    );
                    book::finish(op, now, None);
                }
                Ok(env) => book::finish(
                    op,
                    now,
                    Some(format!(
                        "Temps answered 200, but the environment still points at {}: look before trying again",
                        env.current_deployment_id
                            .map(label)
                            .unwrap_or_else(|| "nothing".to_owned())
                    )),
                ),
                Err(error) => {
                    book::log(
                        op,
                        now,
                        LogLevel::Warn,
                        format!("Temps answered 200, but the environment could not be read again to confirm it: {error}"),
                    );
                    book::set_step(op, REREAD, StepStatus::Skipped, now);
                    book::finish(op, now, None);
                }
            }
        });
    }

    /// A `5xx`, a timeout or a lost answer: Temps may have done part of the work. What is
    /// live now is read and said; the rollback is not sent again.
    async fn after_unclear(
        &self,
        id: &crate::domain::OperationId,
        project: &ProjectRef,
        environment: &api::Environment,
        target: &api::Deployment,
        error: &BackendError,
    ) {
        let now = self.clock.now();
        self.book.update(id, |t| {
            book::set_step(&mut t.operation, CALL, StepStatus::Failed, now);
            book::set_step(&mut t.operation, REREAD, StepStatus::Running, now);
            book::log(&mut t.operation, now, LogLevel::Error, error.to_string());
        });
        let reread = self.locate_again(project, environment).await;
        let containers = match &reread {
            Ok(env) if !project.is_static() => self.running_containers(project, env).await,
            _ => None,
        };
        let now = self.clock.now();
        let target_label = label(target.id);
        self.book.update(id, |t| {
            let op = &mut t.operation;
            match reread {
                Ok(env) if env.current_deployment_id == Some(target.id) => {
                    book::set_step(op, REREAD, StepStatus::Done, now);
                    book::log(
                        op,
                        now,
                        LogLevel::Warn,
                        format!("Temps gave no clear answer, but {target_label} is live now (read again)"),
                    );
                    book::finish(op, now, None);
                }
                Ok(env) => {
                    book::set_step(op, REREAD, StepStatus::Done, now);
                    let live = env
                        .current_deployment_id
                        .map(label)
                        .unwrap_or_else(|| "nothing".to_owned());
                    let running = match containers {
                        Some(0) => format!(
                            "; Temps lists no running container for {live}: the app may be down"
                        ),
                        Some(n) => format!("; {live} has {n} running container(s)"),
                        None => String::new(),
                    };
                    let left = if project.is_static() {
                        String::new()
                    } else {
                        format!(
                            " Temps may have started {target_label}'s image before failing (v0.0.1 does for every container rollback) and left its container running on the server."
                        )
                    };
                    book::log(
                        op,
                        now,
                        LogLevel::Warn,
                        format!("read again: {live} is still live{running}"),
                    );
                    book::finish(
                        op,
                        now,
                        Some(format!(
                            "the rollback may have happened in part: {live} is still live, not {target_label}.{left} switchback does not send it again; look before trying again"
                        )),
                    );
                }
                Err(reread) => book::finish(
                    op,
                    now,
                    Some(format!(
                        "the rollback may have happened; the environment could not be read again ({reread}): look before trying again"
                    )),
                ),
            }
        });
    }

    /// The environment as of now (the one it was, found again by id).
    async fn locate_again(
        &self,
        project: &ProjectRef,
        environment: &api::Environment,
    ) -> Result<api::Environment, BackendError> {
        self.client.forget_reads();
        self.raw_environments(project, Fresh::Now)
            .await?
            .into_iter()
            .find(|e| e.id == environment.id)
            .ok_or_else(|| BackendError::not_found(format!("environment {}", environment.slug)))
    }

    /// How many of the live deployment's containers Temps lists as running.
    async fn running_containers(
        &self,
        project: &ProjectRef,
        environment: &api::Environment,
    ) -> Option<usize> {
        let call = Call::new(
            format!(
                "/projects/{}/environments/{}/containers",
                project.id, environment.id
            ),
            format!("list the containers of {}", environment.slug),
            "deployments:read",
            format!("environment {}", environment.slug),
        );
        match self
            .client
            .get::<api::ContainerList>(&call, Fresh::Now)
            .await
        {
            Ok(list) => Some(
                list.containers
                    .iter()
                    .filter(|c| c.status.eq_ignore_ascii_case("running"))
                    .count(),
            ),
            Err(error) => {
                tracing::debug!(%error, "containers not readable");
                None
            }
        }
    }
}

fn millis(took: Duration) -> String {
    let ms = took.as_millis();
    if ms < 2_000 {
        format!("{ms} ms")
    } else {
        format!("{:.1} s", took.as_secs_f64())
    }
}
