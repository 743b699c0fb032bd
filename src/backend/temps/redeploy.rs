//! The redeploy: `POST /projects/{id}/trigger-pipeline` with the source's commit, branch and
//! tag builds it again through the whole pipeline. Temps answers without a deployment id,
//! so the new deployment is found by listing (it appears as `pending` within a fraction of
//! a second), then followed through its jobs and their logs until it is `completed` or
//! `failed`.

use super::access::REDEPLOY_PERMISSION;
use super::api;
use super::book::{self, Tracked};
use super::client::{Call, Fresh};
use super::mapping::{self, ProjectRef, label};
use super::paging::PageQuery;
use super::reads::deployment_number;
use super::{Inner, handle};
use crate::backend::{BackendError, OperationHandle, PreconditionCode, RedeployRequest};
use crate::domain::{
    Action, EnvRef, LogLevel, Operation, OperationId, OperationKind, OperationStatus, Scope,
    StepStatus,
};
use std::sync::Arc;

/// Newest deployments looked at to find the one a pipeline created.
const LOOK_AT: u32 = 10;
/// Log lines of one job copied into the operation per look, at most.
const LINES_PER_LOOK: usize = 20;

const FIND: usize = 1;
const BUILD: usize = 2;
const LIVE: usize = 3;

impl Inner {
    pub(super) async fn redeploy(
        self: &Arc<Self>,
        request: RedeployRequest,
    ) -> Result<OperationHandle, BackendError> {
        if let Some(op) = self
            .book
            .by_idempotency_key(&request.env, &request.idempotency_key)
        {
            return Ok(handle(&op));
        }
        if !request.rebuild {
            return Err(BackendError::invalid(
                "Temps redeploys by building the commit again through its pipeline; it cannot start a built image again (a rollback does that)",
            ));
        }
        let (project, environment) = self.locate(&request.env, Fresh::Now).await?;
        let number = deployment_number(&request.source)?;
        let source = self
            .deployment_in(&project, &environment, number, Fresh::Now)
            .await?;
        if source.commit_hash.is_none() && source.branch.is_none() && source.tag.is_none() {
            return Err(BackendError::precondition(
                PreconditionCode::NotApplicable,
                format!(
                    "{} records no commit, branch or tag to build again",
                    label(number)
                ),
            ));
        }
        self.check_expected_live(
            environment.current_deployment_id,
            request.expected_live.as_ref(),
        )
        .await?;
        let doing = format!("redeploy {} in {}", label(number), environment.slug);
        if let Some(reason) = self.refusal_for(Action::Redeploy).await {
            return Err(BackendError::Forbidden {
                action: doing,
                reason,
            });
        }
        let newest_before = self
            .raw_deployments(&project, &environment, PageQuery::new(1, 1), Fresh::Now)
            .await?
            .deployments
            .first()
            .map(|d| d.id)
            .unwrap_or(0);

        let body = serde_json::to_vec(&api::TriggerPipeline {
            branch: source.branch.as_deref(),
            commit: source.commit_hash.as_deref(),
            tag: source.tag.as_deref(),
            environment_id: environment.id,
        })
        .map_err(|e| BackendError::invalid(format!("cannot encode the request: {e}")))?;
        let call = Call::new(
            format!("/projects/{}/trigger-pipeline", project.id),
            doing.clone(),
            REDEPLOY_PERMISSION,
            format!("project {}", project.slug),
        );
        let answer = self
            .client
            .post::<api::Ignored>(&call, Some(body), None, "the redeploy")
            .await;
        let unclear = match answer {
            Ok(_) => None,
            Err(BackendError::MayHaveHappened { message }) => Some(message),
            Err(BackendError::Forbidden { action, reason }) => {
                self.access.deny(Action::Redeploy, &reason);
                return Err(BackendError::Forbidden { action, reason });
            }
            Err(other) => return Err(other),
        };
        let found = self
            .find_new(&project, &environment, newest_before, &source)
            .await
            .unwrap_or_else(|error| {
                tracing::debug!(%error, "the new deployment is not listed yet");
                None
            });
        if let (Some(message), None) = (&unclear, found) {
            return Err(BackendError::MayHaveHappened {
                message: format!("{message}; Temps lists no new deployment for this commit yet"),
            });
        }

        let now = self.clock.now();
        let commit = source
            .commit_hash
            .as_deref()
            .map(|c| c.chars().take(7).collect::<String>())
            .or(source.tag.clone())
            .or(source.branch.clone())
            .unwrap_or_default();
        let new_label = found
            .map(label)
            .unwrap_or_else(|| "the new deployment".to_owned());
        let mut operation = Operation {
            id: book::new_id(),
            kind: OperationKind::Redeploy,
            env: request.env.clone(),
            target: mapping::deployment_id(number),
            expected_live: request.expected_live.clone(),
            idempotency_key: request.idempotency_key.clone(),
            actor: request.actor.clone(),
            status: OperationStatus::InProgress,
            strategy: None,
            scope: Scope::default(),
            steps: vec![
                book::step(
                    format!("Temps starts its pipeline for {commit}"),
                    StepStatus::Done,
                    now,
                ),
                book::step(
                    "find the new deployment (Temps answers without its id)",
                    if found.is_some() {
                        StepStatus::Done
                    } else {
                        StepStatus::Running
                    },
                    now,
                ),
                book::step(
                    format!("build and deploy {new_label}"),
                    if found.is_some() {
                        StepStatus::Running
                    } else {
                        StepStatus::Pending
                    },
                    now,
                ),
                book::step(format!("{new_label} goes live"), StepStatus::Pending, now),
            ],
            log: Vec::new(),
            created_at: now,
            updated_at: now,
            finished_at: None,
            new_deployment: found.map(mapping::deployment_id),
            error: None,
        };
        book::log(
            &mut operation,
            now,
            LogLevel::Info,
            format!(
                "{} asked Temps to {doing}: a new build of {commit}",
                request.actor
            ),
        );
        if let (Some(message), Some(new)) = (&unclear, found) {
            book::log(
                &mut operation,
                now,
                LogLevel::Warn,
                format!(
                    "{message}; but Temps lists {} for this commit since: following it (not sent again)",
                    label(new)
                ),
            );
        }
        let out = handle(&operation);
        let deadline = now + chrono::Duration::from_std(self.redeploy_timeout).unwrap_or_default();
        let mut tracked = Tracked::new(operation, deadline);
        tracked.newest_before = Some(newest_before);
        self.book.insert(tracked);
        Ok(out)
    }

    /// The deployment a pipeline created: newer than `newest_before`, built from the
    /// source's commit; the first such when there are several.
    async fn find_new(
        &self,
        project: &ProjectRef,
        environment: &api::Environment,
        newest_before: i32,
        source: &api::Deployment,
    ) -> Result<Option<i32>, BackendError> {
        let list = self
            .raw_deployments(project, environment, PageQuery::new(1, LOOK_AT), Fresh::Now)
            .await?;
        Ok(list
            .deployments
            .iter()
            .filter(|d| d.id > newest_before)
            .filter(|d| match &source.commit_hash {
                Some(sha) => d.commit_hash.as_ref() == Some(sha),
                None => d.branch == source.branch && d.tag == source.tag,
            })
            .map(|d| d.id)
            .min())
    }

    /// The record, moved forward by one look at Temps when it is unfinished and the last
    /// look is older than the poll interval. A rollback's record is moved by its own call.
    pub(super) async fn follow(
        &self,
        env: &EnvRef,
        id: &OperationId,
    ) -> Result<Operation, BackendError> {
        let mut tracked = self.book.get(env, id).ok_or_else(|| {
            BackendError::not_found(format!(
                "operation {id}: this console did not start it (Temps keeps no operation history)"
            ))
        })?;
        let now = self.clock.now();
        let due = tracked.last_poll.is_none_or(|last| {
            now - last >= chrono::Duration::from_std(self.min_poll).unwrap_or_default()
        });
        if tracked.operation.status.is_finished()
            || tracked.operation.kind != OperationKind::Redeploy
            || !due
        {
            return Ok(tracked.operation);
        }
        let looked = self.look(&mut tracked).await;
        let now = self.clock.now();
        tracked.last_poll = Some(now);
        if let Err(error) = looked {
            book::log(
                &mut tracked.operation,
                now,
                LogLevel::Warn,
                format!("could not look at Temps: {error}"),
            );
        }
        if !tracked.operation.status.is_finished() && now >= tracked.deadline {
            let new = tracked
                .operation
                .new_deployment
                .as_ref()
                .and_then(|d| deployment_number(d).ok())
                .map_or("the new deployment".to_owned(), label);
            book::finish(
                &mut tracked.operation,
                now,
                Some(format!(
                    "gave up waiting after {}: {new} has not finished; Temps goes on with its pipeline",
                    crate::net::describe_wait(self.redeploy_timeout)
                )),
            );
        }
        self.book.replace(tracked.clone());
        Ok(tracked.operation)
    }

    async fn look(&self, tracked: &mut Tracked) -> Result<(), BackendError> {
        let env = tracked.operation.env.clone();
        let (project, environment) = self.locate(&env, Fresh::Now).await?;
        let number = match &tracked.operation.new_deployment {
            Some(id) => deployment_number(id)?,
            None => {
                let source_number = deployment_number(&tracked.operation.target)?;
                let source = self
                    .raw_deployment(&project, source_number, Fresh::Shared)
                    .await?;
                let newest_before = tracked.newest_before.unwrap_or(0);
                let Some(found) = self
                    .find_new(&project, &environment, newest_before, &source)
                    .await?
                else {
                    let now = self.clock.now();
                    book::log(
                        &mut tracked.operation,
                        now,
                        LogLevel::Info,
                        "waiting for Temps to list the new deployment",
                    );
                    return Ok(());
                };
                let now = self.clock.now();
                let op = &mut tracked.operation;
                op.new_deployment = Some(mapping::deployment_id(found));
                book::set_step(op, FIND, StepStatus::Done, now);
                if let Some(step) = op.steps.get_mut(BUILD) {
                    step.name = format!("build and deploy {}", label(found));
                }
                if let Some(step) = op.steps.get_mut(LIVE) {
                    step.name = format!("{} goes live", label(found));
                }
                book::log(
                    op,
                    now,
                    LogLevel::Info,
                    format!("Temps lists {}", label(found)),
                );
                found
            }
        };
        let deployment = self.raw_deployment(&project, number, Fresh::Now).await?;
        self.copy_jobs(tracked, &project, number).await;
        let now = self.clock.now();
        let op = &mut tracked.operation;
        match &deployment.status {
            status if status.rollback_target() => {
                book::set_step(op, BUILD, StepStatus::Done, now);
                if environment.current_deployment_id == Some(number) {
                    book::set_step(op, LIVE, StepStatus::Done, now);
                    book::log(
                        op,
                        now,
                        LogLevel::Info,
                        format!("{} is live", label(number)),
                    );
                } else {
                    book::set_step(op, LIVE, StepStatus::Skipped, now);
                    book::log(
                        op,
                        now,
                        LogLevel::Warn,
                        format!(
                            "{} is {} but not live: {} is",
                            label(number),
                            status.as_str(),
                            environment
                                .current_deployment_id
                                .map(label)
                                .unwrap_or_else(|| "nothing".to_owned())
                        ),
                    );
                }
                book::finish(op, now, None);
            }
            status if status.is_final() => {
                let why = deployment
                    .cancelled_reason
                    .as_deref()
                    .map(|r| format!(": {}", r.trim()))
                    .unwrap_or_default();
                book::finish(
                    op,
                    now,
                    Some(format!("{} {}{why}", label(number), status.as_str())),
                );
            }
            status => book::log(
                op,
                now,
                LogLevel::Info,
                format!("{} is {}", label(number), status.as_str()),
            ),
        }
        Ok(())
    }

    /// Job changes and new log lines into the operation's log. The jobs' answer carries
    /// secrets in `job_config`, which is never decoded.
    async fn copy_jobs(&self, tracked: &mut Tracked, project: &ProjectRef, number: i32) {
        let call = Call::new(
            format!("/projects/{}/deployments/{number}/jobs", project.id),
            format!("list the jobs of {}", label(number)),
            "deployments:read",
            format!("deployment {number}"),
        )
        .carrying_secrets();
        let mut jobs = match self.client.get::<api::JobList>(&call, Fresh::Now).await {
            Ok(list) => list.jobs,
            Err(error) => {
                tracing::debug!(%error, "jobs not readable");
                return;
            }
        };
        jobs.sort_by_key(|j| j.execution_order.unwrap_or(i32::MAX));
        for job in jobs {
            let before = tracked.jobs_seen.get(&job.job_id).cloned();
            let changed = before.as_deref() != Some(job.status.as_str());
            let active = matches!(job.status.as_str(), "running" | "success" | "failure");
            if active && (changed || job.status == "running") {
                self.copy_log(tracked, project, number, &job.job_id).await;
            }
            if changed && job.status != "pending" && job.status != "waiting" {
                let now = self.clock.now();
                let name = if job.name.is_empty() {
                    &job.job_id
                } else {
                    &job.name
                };
                let (level, text) = match (job.status.as_str(), &job.error_message) {
                    ("failure", Some(error)) => (
                        LogLevel::Error,
                        format!("job {name}: failure: {}", error.trim()),
                    ),
                    ("failure", None) => (LogLevel::Error, format!("job {name}: failure")),
                    (status, _) => (LogLevel::Info, format!("job {name}: {status}")),
                };
                book::log(&mut tracked.operation, now, level, text);
            }
            tracked.jobs_seen.insert(job.job_id, job.status);
        }
    }

    async fn copy_log(&self, tracked: &mut Tracked, project: &ProjectRef, number: i32, job: &str) {
        let call = Call::new(
            format!(
                "/projects/{}/deployments/{number}/jobs/{job}/logs",
                project.id
            ),
            format!("read the log of job {job}"),
            "deployments:read",
            format!("job {job} of deployment {number}"),
        );
        let text = match self.client.get_text(&call, Fresh::Now).await {
            Ok(text) => text,
            Err(error) => {
                tracing::debug!(%error, job, "job log not readable");
                return;
            }
        };
        let seen = tracked.log_lines_seen.get(job).copied().unwrap_or(0);
        let lines: Vec<api::JobLogLine> = text
            .lines()
            .filter_map(|line| serde_json::from_str::<api::JobLogLine>(line).ok())
            .collect();
        let mut newest = seen;
        let mut count = 0;
        for (i, line) in lines.iter().enumerate() {
            // Temps numbers lines, not always uniquely; the position decides.
            let position = i as i64 + 1;
            if position <= seen {
                continue;
            }
            newest = position;
            count += 1;
            if count > LINES_PER_LOOK {
                continue;
            }
            let level = match line.level.as_str() {
                "error" => LogLevel::Error,
                "warning" | "warn" => LogLevel::Warn,
                _ => LogLevel::Info,
            };
            let now = self.clock.now();
            book::log(
                &mut tracked.operation,
                now,
                level,
                format!("{job}: {}", line.message.trim()),
            );
        }
        if count > LINES_PER_LOOK {
            let now = self.clock.now();
            book::log(
                &mut tracked.operation,
                now,
                LogLevel::Info,
                format!("{job}: {} more lines in Temps' log", count - LINES_PER_LOOK),
            );
        }
        tracked.log_lines_seen.insert(job.to_owned(), newest);
    }
}
