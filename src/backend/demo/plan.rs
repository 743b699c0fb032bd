//! Plans of operations: which machines, in which batches, for how long.

use super::engine::{Effect, PlannedStep};
use super::world::World;
use crate::backend::BackendError;
use crate::domain::{BuildStatus, LiveCause, RuntimeState, Scope, Strategy};

impl World {
    /// The machines a switch to `d` moves: every machine of the units `scope` names
    /// (components × regions × machines per region) that `d` does not serve yet.
    pub(crate) fn machines(
        &self,
        p: usize,
        e: usize,
        d: usize,
        scope: &Scope,
    ) -> Result<Vec<String>, BackendError> {
        let project = &self.projects[p];
        for c in &scope.components {
            if !project.project.components.contains(c) {
                return Err(BackendError::invalid(format!(
                    "{} has no component `{c}` (it has {})",
                    project.project.id,
                    list_or_none(&project.project.components)
                )));
            }
        }
        let dep_regions = &self.deployments[d].dep.regions;
        for r in &scope.regions {
            if !dep_regions.contains(r) || !project.regions.contains(r) {
                return Err(BackendError::invalid(format!(
                    "{} does not run in region `{r}` (it runs in {})",
                    self.label(d),
                    list_or_none(dep_regions)
                )));
            }
        }
        let (components, regions) = self.units(p);
        let r_count = regions.len().max(1);
        let serving = self.serving(p, e);
        let mut machines = Vec::new();
        for u in self.units_in(p, scope) {
            if serving[u] == Some(d) {
                continue;
            }
            let c = components.get(u / r_count).map_or("app", String::as_str);
            let r = regions.get(u % r_count).map_or("", String::as_str);
            for i in 1..=self.settings.machines_per_region {
                machines.push(format!("{c}@{r}#{i}"));
            }
        }
        Ok(machines)
    }

    /// Steps of a switch: batches of machines (started first when spun down), a health
    /// check after a cold start, then the atomic domain switch.
    pub(crate) fn switch_plan(
        &self,
        d: usize,
        strategy: Strategy,
        machines: &[String],
        cause: LiveCause,
    ) -> Vec<PlannedStep> {
        let cold = self.deployments[d].dep.runtime_state != RuntimeState::Running;
        let batch = strategy.batch(machines.len());
        let batches: Vec<&[String]> = machines.chunks(batch).collect();
        let zero = chrono::Duration::zero();
        let mut plan = Vec::new();
        for (i, names) in batches.iter().enumerate() {
            let verb = if cold { "start" } else { "route" };
            let name = if names.len() == machines.len() {
                format!("{verb} all {} machines", names.len())
            } else {
                format!("{verb} {}", names.join(", "))
            };
            let begin = if cold && i == 0 {
                Effect::Starting
            } else {
                Effect::None
            };
            let duration = if cold { self.settings.cold_start } else { zero };
            plan.push(PlannedStep::new(name, duration, begin, Effect::None));
        }
        if cold {
            plan.push(PlannedStep::new(
                "health check",
                self.settings.health_check,
                Effect::None,
                Effect::Running,
            ));
        }
        plan.push(PlannedStep::new(
            "switch domains",
            zero,
            Effect::None,
            Effect::Switch(cause),
        ));
        plan
    }

    /// Steps of a new deployment: queued → building → deploying → ready, then the domains.
    pub(crate) fn build_plan(&self, rebuild: bool, cause: LiveCause) -> Vec<PlannedStep> {
        let s = &self.settings;
        let mut plan = Vec::new();
        if rebuild {
            plan.push(PlannedStep::new(
                "queued",
                s.queue,
                Effect::Build(BuildStatus::Queued),
                Effect::None,
            ));
            plan.push(PlannedStep::new(
                "build",
                s.build,
                Effect::Build(BuildStatus::Building),
                Effect::BuildResult,
            ));
        }
        plan.push(PlannedStep::new(
            "deploy",
            s.deploy,
            Effect::Build(BuildStatus::Deploying),
            Effect::Build(BuildStatus::Ready),
        ));
        plan.push(PlannedStep::new(
            "switch domains",
            chrono::Duration::zero(),
            Effect::Running,
            Effect::SwitchUnlessRolledBack(cause),
        ));
        plan
    }
}

fn list_or_none(names: &[String]) -> String {
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    }
}
