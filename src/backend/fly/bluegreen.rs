//! Blue-green: a new Machine beside each old one, on the target image and held out of
//! traffic (cordoned) until every new one has started and passes its checks; then the new
//! ones are let in and the old ones destroyed. Until the new ones are let in, a failure
//! destroys them and leaves the old ones serving as they were.

use super::api::Machine;
use super::rollout::{Rollout, Stopped};
use crate::domain::{LogLevel, StepStatus};
use serde_json::{Value, json};

impl Rollout {
    pub(super) async fn blue_green(&mut self) -> Result<(), Stopped> {
        let index = self.first_batch_step;
        self.step(index, StepStatus::Running);
        let blue: Vec<Machine> = self
            .batches
            .iter()
            .flat_map(|b| b.machines.clone())
            .collect();
        let mut green: Vec<Machine> = Vec::new();
        let raised = match self.raise(&blue, &mut green).await {
            Ok(()) => self.let_in(&green).await,
            Err(stopped) => Err(stopped),
        };
        if let Err(stopped) = raised {
            self.pull_down(&green).await;
            self.step(index, StepStatus::Failed);
            return Err(stopped);
        }
        for machine in &blue {
            let nonce = self.nonce(&machine.id).await.ok().flatten();
            if let Err(e) = self
                .inner
                .client
                .destroy_machine(&self.app, &machine.id, nonce.as_deref())
                .await
            {
                self.step(index, StepStatus::Failed);
                return Err(Stopped::Failed(format!(
                    "the new Machines serve, but the old Machine {} ({}) was not destroyed: {e}",
                    machine.id, machine.region
                )));
            }
            // A destroyed Machine's lease goes with it.
            self.leases.retain(|l| l.machine != machine.id);
            self.mark_done(&machine.id);
            self.log(
                LogLevel::Info,
                format!("old Machine {} ({}) destroyed", machine.id, machine.region),
            );
        }
        self.step(index, StepStatus::Done);
        Ok(())
    }

    /// One new Machine per old one, cordoned; then each waited for and checked.
    async fn raise(&mut self, blue: &[Machine], green: &mut Vec<Machine>) -> Result<(), Stopped> {
        for machine in blue {
            if self.stopped() {
                return Err(Stopped::Asked);
            }
            let mut config = self.config_for(machine);
            config["metadata"]["fly_bluegreen_deployment_tag"] =
                Value::String(self.release.id.clone());
            let body = json!({ "config": config, "region": machine.region });
            let created = self
                .inner
                .client
                .create_machine(&self.app, body)
                .await
                .map_err(|e| {
                    Stopped::Failed(format!(
                        "a new Machine in {} was not created: {e}",
                        machine.region
                    ))
                })?;
            green.push(created.clone());
            self.inner
                .client
                .cordon(&self.app, &created.id, true)
                .await
                .map_err(|e| {
                    Stopped::Failed(format!(
                        "the new Machine {} was not held out of traffic: {e}",
                        created.id
                    ))
                })?;
            self.log(
                LogLevel::Info,
                format!(
                    "new Machine {} ({}, {}) beside {}",
                    created.id,
                    created.region,
                    machine.group(),
                    machine.id
                ),
            );
        }
        for machine in green.iter() {
            self.inner
                .client
                .wait_started(
                    &self.app,
                    &machine.id,
                    &machine.instance_id,
                    self.inner.wait_timeout_secs,
                )
                .await
                .map_err(|e| {
                    Stopped::Failed(format!(
                        "the new Machine {} ({}) did not start: {e}",
                        machine.id, machine.region
                    ))
                })?;
            self.checks(&machine.id).await.map_err(|e| match e {
                Some(e) => Stopped::Failed(format!(
                    "the new Machine {} ({}): {e}",
                    machine.id, machine.region
                )),
                None => Stopped::Asked,
            })?;
        }
        Ok(())
    }

    async fn let_in(&mut self, green: &[Machine]) -> Result<(), Stopped> {
        for machine in green {
            self.inner
                .client
                .cordon(&self.app, &machine.id, false)
                .await
                .map_err(|e| {
                    Stopped::Failed(format!(
                        "the new Machine {} was not let into traffic: {e}",
                        machine.id
                    ))
                })?;
        }
        self.log(
            LogLevel::Info,
            format!("{} new Machines serve", green.len()),
        );
        Ok(())
    }

    /// Destroys the new Machines of a blue-green that did not go through.
    async fn pull_down(&mut self, green: &[Machine]) {
        for machine in green {
            match self
                .inner
                .client
                .destroy_machine(&self.app, &machine.id, None)
                .await
            {
                Ok(()) => self.log(
                    LogLevel::Info,
                    format!("new Machine {} destroyed", machine.id),
                ),
                Err(e) => self.log(
                    LogLevel::Warn,
                    format!("the new Machine {} was not destroyed: {e}", machine.id),
                ),
            }
        }
    }
}
