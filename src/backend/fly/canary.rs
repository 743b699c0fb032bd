//! Canary: per process group, one extra Machine on the target image, started, checked and
//! destroyed before the rolling update; its failure stops the rollout before any existing
//! Machine changes.

use super::api::Machine;
use super::rollout::Rollout;
use crate::domain::LogLevel;
use serde_json::{Value, json};

impl Rollout {
    /// One extra Machine of the group on the target image: started, checked, destroyed.
    pub(super) async fn canary(&mut self, template: &Machine) -> Result<(), String> {
        let mut config = self.config_for(template);
        config["metadata"]["fly_canary"] = Value::String("true".to_owned());
        let body = json!({ "config": config, "region": template.region });
        let canary = self
            .inner
            .client
            .create_machine(&self.app, body)
            .await
            .map_err(|e| e.to_string())?;
        self.log(
            LogLevel::Info,
            format!(
                "canary Machine {} ({}, {}) created",
                canary.id,
                canary.region,
                template.group()
            ),
        );
        let checked = match self
            .inner
            .client
            .wait_started(
                &self.app,
                &canary.id,
                &canary.instance_id,
                self.inner.wait_timeout_secs,
            )
            .await
        {
            Ok(()) => self
                .checks(&canary.id)
                .await
                .map_err(|e| e.unwrap_or_else(|| "stopped on request".to_owned())),
            Err(e) => Err(format!("it did not start: {e}")),
        };
        let destroyed = self
            .inner
            .client
            .destroy_machine(&self.app, &canary.id, None)
            .await;
        if let Err(e) = &destroyed {
            self.log(
                LogLevel::Warn,
                format!("the canary Machine {} was not destroyed: {e}", canary.id),
            );
        }
        checked?;
        self.log(
            LogLevel::Info,
            format!("canary Machine {} passed and was destroyed", canary.id),
        );
        Ok(())
    }
}
