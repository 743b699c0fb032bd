//! The Machines updated, batch by batch, as flyctl does it: each update sends the whole
//! config with the lease nonce and the Machine's version (compare-and-swap), then waits
//! for it to start and for its checks to pass; the first failure stops the rest. Whatever
//! happens (a failure, a stop asked for), every lease is given back and the release is
//! marked `complete`, `failed` or `interrupted`.

use super::Inner;
use super::api::{Machine, NewRelease};
use super::mapping;
use super::plan::{Batch, Pace};
use crate::backend::BackendError;
use crate::domain::{LogLevel, OperationId, StepStatus, Timestamp};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A lease this rollout holds.
#[derive(Clone, Debug)]
pub struct Held {
    pub machine: String,
    pub nonce: String,
    pub taken_at: Timestamp,
}

pub struct Rollout {
    pub inner: Arc<Inner>,
    pub app: String,
    pub op: OperationId,
    pub release: NewRelease,
    pub image: String,
    /// The deployment the Machines move to.
    pub target: i64,
    pub batches: Vec<Batch>,
    pub pace: Pace,
    pub leases: Vec<Held>,
    pub stop: Arc<AtomicBool>,
    pub first_batch_step: usize,
    /// Machines updated so far, and those not reached.
    pub done: Vec<String>,
    pub untouched: Vec<String>,
}

/// Why a rollout ended early.
pub(super) enum Stopped {
    Asked,
    Failed(String),
}

impl Rollout {
    fn now(&self) -> Timestamp {
        self.inner.clock.now()
    }

    pub(super) fn log(&self, level: LogLevel, message: impl Into<String>) {
        self.inner.book.log(&self.op, self.now(), level, message);
    }

    pub(super) fn step(&self, index: usize, status: StepStatus) {
        self.inner.book.step(&self.op, index, status, self.now());
    }

    pub async fn run(mut self) {
        let outcome = self.roll().await;
        let steps = self.first_batch_step + self.batches.len();
        self.step(steps, StepStatus::Running);
        let kept = self.give_back().await;
        self.step(
            steps,
            if kept.is_empty() {
                StepStatus::Done
            } else {
                StepStatus::Failed
            },
        );
        let (status, error) = match &outcome {
            Ok(()) => ("complete", None),
            Err(Stopped::Asked) => ("interrupted", Some("stopped on request".to_owned())),
            Err(Stopped::Failed(why)) => ("failed", Some(why.clone())),
        };
        self.step(steps + 1, StepStatus::Running);
        let marked = self
            .inner
            .client
            .set_release_status(&self.app, &self.release.id, status, error.as_deref())
            .await;
        let mut problems = Vec::new();
        if !kept.is_empty() {
            problems.push(format!(
                "Fly did not take back the leases of {} (they expire by themselves within {}s)",
                kept.join(", "),
                self.inner.lease_ttl_secs
            ));
        }
        match marked {
            Ok(()) => {
                self.step(steps + 1, StepStatus::Done);
                self.log(
                    LogLevel::Info,
                    format!("release v{} marked {status}", self.release.version),
                );
            }
            Err(e) => {
                self.step(steps + 1, StepStatus::Failed);
                problems.push(format!(
                    "release v{} could not be marked {status}: {e}",
                    self.release.version
                ));
            }
        }
        let error = match outcome {
            Ok(()) if problems.is_empty() => None,
            Ok(()) => Some(problems.join("; ")),
            Err(stopped) => {
                let why = match stopped {
                    Stopped::Asked => "stopped on request".to_owned(),
                    Stopped::Failed(why) => why,
                };
                let mut text = format!("{why}. {}", self.where_it_stands());
                for p in problems {
                    text.push_str("; ");
                    text.push_str(&p);
                }
                Some(text)
            }
        };
        if let Some(error) = &error {
            self.log(LogLevel::Error, error.clone());
        }
        self.inner.client.forget_reads();
        self.inner.book.finish(&self.op, self.now(), error);
    }

    /// The mixed state left behind, and the one action that finishes or undoes it.
    fn where_it_stands(&self) -> String {
        let target = mapping::label(self.target);
        if self.done.is_empty() {
            return format!("No Machine was changed; {target} runs nowhere new");
        }
        format!(
            "{} Machine{} now run{} {target} ({}), {} not reached ({}): roll back to {target} again to move the rest, or roll back to the release they ran to return them",
            self.done.len(),
            if self.done.len() == 1 { "" } else { "s" },
            if self.done.len() == 1 { "s" } else { "" },
            self.done.join(", "),
            self.untouched.len(),
            self.untouched.join(", ")
        )
    }

    pub(super) fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    async fn roll(&mut self) -> Result<(), Stopped> {
        if self.pace == Pace::BlueGreen {
            return self.blue_green().await;
        }
        if self.pace.canary() {
            let index = self.first_batch_step - 1;
            self.step(index, StepStatus::Running);
            let mut seen: Vec<String> = Vec::new();
            for batch in self.batches.clone() {
                if seen.contains(&batch.group) {
                    continue;
                }
                seen.push(batch.group.clone());
                if self.stopped() {
                    return Err(Stopped::Asked);
                }
                if let Err(e) = self.canary(&batch.machines[0]).await {
                    self.step(index, StepStatus::Failed);
                    return Err(Stopped::Failed(format!(
                        "the canary of {} failed: {e}",
                        batch.group
                    )));
                }
            }
            self.step(index, StepStatus::Done);
        }
        for (i, batch) in self.batches.clone().iter().enumerate() {
            if self.stopped() {
                return Err(Stopped::Asked);
            }
            let index = self.first_batch_step + i;
            self.step(index, StepStatus::Running);
            self.refresh_due().await;
            let mut updated: Vec<(Machine, bool)> = Vec::new();
            for machine in &batch.machines {
                match self.update(machine).await {
                    Ok(new) => {
                        self.mark_done(&machine.id);
                        updated.push((new, machine.is_started()));
                    }
                    Err(e) => {
                        self.step(index, StepStatus::Failed);
                        return Err(Stopped::Failed(format!(
                            "Machine {} ({}, {}) was not updated: {e}",
                            machine.id, machine.region, batch.group
                        )));
                    }
                }
            }
            if self.pace.waits() {
                for (machine, started) in &updated {
                    if !started {
                        continue;
                    }
                    if let Err(e) = self.healthy(machine).await {
                        self.step(index, StepStatus::Failed);
                        return Err(e);
                    }
                }
            }
            self.step(index, StepStatus::Done);
        }
        Ok(())
    }

    pub(super) fn mark_done(&mut self, id: &str) {
        self.untouched.retain(|m| m != id);
        self.done.push(id.to_owned());
    }

    /// Refreshes every lease past half its time, so none runs out while the rollout waits
    /// elsewhere; a refusal is left for the Machine's own update to report.
    pub(super) async fn refresh_due(&mut self) {
        let machines: Vec<String> = self.leases.iter().map(|l| l.machine.clone()).collect();
        for machine in machines {
            if let Err(e) = self.nonce(&machine).await {
                tracing::warn!(app = %self.app, %machine, error = %e, "a lease was not refreshed");
            }
        }
    }

    /// The lease of `machine`, refreshed when half its time has passed.
    pub(super) async fn nonce(&mut self, machine: &str) -> Result<Option<String>, BackendError> {
        let ttl = self.inner.lease_ttl_secs;
        let now = self.now();
        let Some(held) = self.leases.iter_mut().find(|l| l.machine == machine) else {
            return Ok(None);
        };
        let age = (now - held.taken_at).num_seconds().max(0) as u64;
        if age * 2 >= ttl {
            let lease = self
                .inner
                .client
                .lease(&self.app, machine, ttl, Some(&held.nonce))
                .await?;
            held.nonce = lease.nonce;
            held.taken_at = now;
        }
        Ok(Some(held.nonce.clone()))
    }

    /// The Machine's whole config with the target image and this release's metadata.
    pub(super) fn config_for(&self, machine: &Machine) -> Value {
        let mut config = match &machine.config {
            Value::Object(_) => machine.config.clone(),
            _ => json!({}),
        };
        config["image"] = Value::String(self.image.clone());
        if !config["metadata"].is_object() {
            config["metadata"] = json!({});
        }
        let metadata = &mut config["metadata"];
        metadata["fly_release_id"] = Value::String(self.release.id.clone());
        metadata["fly_release_version"] = Value::String(self.release.version.to_string());
        metadata["fly_platform_version"] = Value::String("v2".to_owned());
        config
    }

    pub(super) async fn update(&mut self, machine: &Machine) -> Result<Machine, BackendError> {
        let nonce = self.nonce(&machine.id).await?;
        let mut body = json!({
            "config": self.config_for(machine),
            "skip_launch": !machine.is_started(),
        });
        if !machine.instance_id.is_empty() {
            body["current_version"] = Value::String(machine.instance_id.clone());
        }
        let new = self
            .inner
            .client
            .update_machine(&self.app, &machine.id, nonce.as_deref(), body)
            .await?;
        self.log(
            LogLevel::Info,
            format!(
                "Machine {} ({}, {}) updated to v{}{}",
                machine.id,
                machine.region,
                machine.group(),
                self.release.version,
                if machine.is_started() {
                    ""
                } else {
                    " (left stopped: it wakes on traffic)"
                }
            ),
        );
        Ok(new)
    }

    /// Waits for `machine` to start, then for its checks to pass.
    async fn healthy(&mut self, machine: &Machine) -> Result<(), Stopped> {
        let region = machine.region.clone();
        let wait = self
            .inner
            .client
            .wait_started(
                &self.app,
                &machine.id,
                &machine.instance_id,
                self.inner.wait_timeout_secs,
            )
            .await;
        if let Err(e) = wait {
            return Err(Stopped::Failed(format!(
                "Machine {} ({region}) did not start: {e}",
                machine.id
            )));
        }
        self.checks(&machine.id).await.map_err(|e| match e {
            Some(e) => Stopped::Failed(format!("Machine {} ({region}): {e}", machine.id)),
            None => Stopped::Asked,
        })?;
        self.log(
            LogLevel::Info,
            format!("Machine {} ({region}) started, checks passing", machine.id),
        );
        Ok(())
    }

    /// Looks at the Machine until its checks pass; `None` when asked to stop.
    pub(super) async fn checks(&mut self, id: &str) -> Result<(), Option<String>> {
        let started = tokio::time::Instant::now();
        loop {
            let machine = self
                .inner
                .client
                .machine(&self.app, id)
                .await
                .map_err(|e| Some(e.to_string()))?;
            if machine.checks_pass() {
                return Ok(());
            }
            if started.elapsed() >= self.inner.health_timeout {
                let failing: Vec<String> = machine
                    .checks
                    .iter()
                    .filter(|c| c.status != "passing")
                    .map(|c| {
                        format!(
                            "{} {}",
                            crate::text::inert(&c.name),
                            crate::text::inert(&c.status)
                        )
                    })
                    .collect();
                return Err(Some(format!("checks not passing: {}", failing.join(", "))));
            }
            if self.stopped() {
                return Err(None);
            }
            self.refresh_due().await;
            tokio::time::sleep(self.inner.health_poll).await;
        }
    }

    /// Gives every lease back; the Machines whose lease Fly did not take back.
    async fn give_back(&mut self) -> Vec<String> {
        let mut kept = Vec::new();
        for lease in std::mem::take(&mut self.leases) {
            if let Err(e) = self
                .inner
                .client
                .release_lease(&self.app, &lease.machine, &lease.nonce)
                .await
            {
                tracing::warn!(app = %self.app, machine = %lease.machine, error = %e, "a lease was not given back");
                kept.push(lease.machine);
            }
        }
        kept
    }
}
