//! The operation engine: jobs made of timed steps, run lazily up to the clock's `now` in
//! time order together with spin-downs and scripted scenario events.

use super::world::{LiveEntry, PartSwitch, World};
use crate::domain::{
    BuildStatus, EnvMode, LiveCause, LogLevel, LogLine, OperationStatus, RuntimeState, Scope, Step,
    StepStatus, Timestamp,
};
use chrono::Duration;

/// What happens when a step begins or ends.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Effect {
    None,
    /// The target's machines begin to start.
    Starting,
    /// The target is up and passed its health check.
    Running,
    /// Move the environment's domains to the target, re-checking the rules first.
    Switch(LiveCause),
    /// Move the domains unless the environment is rolled back (new deployments).
    SwitchUnlessRolledBack(LiveCause),
    /// The live target is confirmed: back to normal mode.
    ConfirmRollback,
    /// The new deployment's build reaches this status.
    Build(BuildStatus),
    /// The build of the new deployment fails when its commit is marked failing.
    BuildResult,
}

#[derive(Clone, Debug)]
pub(crate) struct PlannedStep {
    pub name: String,
    pub duration: Duration,
    pub begin: Effect,
    pub end: Effect,
}

impl PlannedStep {
    pub fn new(name: impl Into<String>, duration: Duration, begin: Effect, end: Effect) -> Self {
        Self {
            name: name.into(),
            duration,
            begin,
            end,
        }
    }
}

/// A running process at the platform: an operation's steps, or a push's pipeline.
pub(crate) struct Job {
    /// Index into `World::operations`; `None` for a push.
    pub op: Option<usize>,
    pub project: usize,
    pub env: usize,
    pub target: usize,
    pub actor: String,
    pub expected_live: Option<crate::domain::DeploymentId>,
    /// The components and regions a switch moves (everything when empty).
    pub scope: Scope,
    pub steps: Vec<PlannedStep>,
    pub cursor: usize,
    pub step_started: Timestamp,
}

enum Due {
    Job(usize),
    SpinDown(usize),
    Event,
}

impl World {
    /// Runs everything due up to `to`, in time order, and counts the traffic in between.
    pub(crate) fn advance(&mut self, to: Timestamp) {
        let to = to.max(self.now);
        while let Some((at, due)) = self.next_due().filter(|(at, _)| *at <= to) {
            self.accumulate_traffic(at);
            self.now = self.now.max(at);
            match due {
                Due::Job(j) => self.finish_step(j, at),
                Due::SpinDown(d) => self.spin_down_if_idle(d),
                Due::Event => self.run_next_event(),
            }
        }
        self.accumulate_traffic(to);
        self.now = to;
    }

    fn next_due(&self) -> Option<(Timestamp, Due)> {
        let jobs = self
            .jobs
            .iter()
            .enumerate()
            .map(|(j, job)| {
                (
                    job.step_started + job.steps[job.cursor].duration,
                    Due::Job(j),
                )
            })
            .min_by_key(|(t, _)| *t);
        let spin = self.next_spin_down().map(|(t, d)| (t, Due::SpinDown(d)));
        let event = self.events.get(self.next_event).map(|e| (e.at, Due::Event));
        [jobs, spin, event]
            .into_iter()
            .flatten()
            .reduce(|best, next| if next.0 < best.0 { next } else { best })
    }

    fn spin_down_if_idle(&mut self, d: usize) {
        let rec = &self.deployments[d];
        let env = self.env(rec.project, rec.env);
        let live_outside_preview =
            env.live == Some(d) && env.kind != crate::domain::EnvironmentKind::Preview;
        let in_use = self.jobs.iter().any(|j| j.target == d);
        if live_outside_preview || in_use {
            self.set_spin_down(d, None);
        } else {
            self.spin_down(d);
        }
    }

    /// Adds a job and starts its first step at `now`; zero-length steps complete at once.
    pub(crate) fn start_job(&mut self, job: Job) {
        let now = self.now;
        self.jobs.push(job);
        let j = self.jobs.len() - 1;
        self.begin_step(j, now);
        self.advance(now);
    }

    fn begin_step(&mut self, j: usize, at: Timestamp) {
        let job = &mut self.jobs[j];
        job.step_started = at;
        let (cursor, effect, op) = (job.cursor, job.steps[job.cursor].begin, job.op);
        if let Some(o) = op {
            let rec = &mut self.operations[o];
            rec.op.steps[cursor].status = StepStatus::Running;
            rec.op.steps[cursor].started_at = Some(at);
            rec.op.updated_at = at;
            if rec.op.status == OperationStatus::Queued {
                rec.op.status = OperationStatus::InProgress;
            }
        }
        if let Err(why) = self.apply(j, effect, at) {
            self.fail_job(j, at, why);
        }
    }

    fn finish_step(&mut self, j: usize, at: Timestamp) {
        let (cursor, effect) = {
            let job = &self.jobs[j];
            (job.cursor, job.steps[job.cursor].end)
        };
        let outcome = self.apply(j, effect, at);
        let job = &self.jobs[j];
        let status = match &outcome {
            Ok(StepOutcome::Done) => StepStatus::Done,
            Ok(StepOutcome::Skipped(_)) => StepStatus::Skipped,
            Err(_) => StepStatus::Failed,
        };
        if let Some(o) = job.op {
            let step = &mut self.operations[o].op.steps[cursor];
            step.status = status;
            step.finished_at = Some(at);
        }
        match outcome {
            Err(why) => return self.fail_job(j, at, why),
            Ok(StepOutcome::Skipped(why)) => self.log(j, at, LogLevel::Info, why),
            Ok(StepOutcome::Done) => {
                let name = self.jobs[j].steps[cursor].name.clone();
                self.log(j, at, LogLevel::Info, format!("{name}: done"));
            }
        }
        self.jobs[j].cursor += 1;
        if self.jobs[j].cursor < self.jobs[j].steps.len() {
            self.begin_step(j, at);
        } else {
            let job = self.jobs.remove(j);
            if let Some(o) = job.op {
                let op = &mut self.operations[o].op;
                op.status = OperationStatus::Completed;
                op.finished_at = Some(at);
                op.updated_at = at;
            }
        }
    }

    fn fail_job(&mut self, j: usize, at: Timestamp, why: String) {
        self.log(j, at, LogLevel::Error, why.clone());
        let job = self.jobs.remove(j);
        let keepalive = self.keepalive(job.project, job.env);
        let is_live = self.env(job.project, job.env).live == Some(job.target);
        let rec = &mut self.deployments[job.target];
        if !rec.dep.build_status.is_terminal() {
            rec.dep.build_status = BuildStatus::Failed;
            rec.dep.runtime_state = RuntimeState::SpunDown;
        } else if !is_live && rec.dep.runtime_state != RuntimeState::SpunDown {
            // Started for a switch that did not happen: it idles out like any replaced one.
            rec.dep.runtime_state = RuntimeState::Running;
            self.set_spin_down(job.target, Some(at + keepalive));
        }
        if let Some(o) = job.op {
            let op = &mut self.operations[o].op;
            for step in op.steps.iter_mut().skip(job.cursor) {
                step.status = match step.status {
                    StepStatus::Pending => StepStatus::Skipped,
                    _ => StepStatus::Failed,
                };
                step.finished_at.get_or_insert(at);
            }
            op.status = OperationStatus::Exception;
            op.error = Some(why);
            op.finished_at = Some(at);
            op.updated_at = at;
        }
    }

    fn log(&mut self, j: usize, at: Timestamp, level: LogLevel, message: String) {
        if let Some(o) = self.jobs.get(j).and_then(|job| job.op) {
            self.operations[o]
                .op
                .log
                .push(LogLine { at, level, message });
        }
    }

    fn apply(&mut self, j: usize, effect: Effect, at: Timestamp) -> Result<StepOutcome, String> {
        let (p, e, d) = (self.jobs[j].project, self.jobs[j].env, self.jobs[j].target);
        match effect {
            Effect::None => {}
            Effect::Starting => {
                self.set_spin_down(d, None);
                let rec = &mut self.deployments[d];
                if rec.dep.runtime_state != RuntimeState::Running {
                    rec.dep.runtime_state = RuntimeState::Starting;
                }
            }
            Effect::Running => self.deployments[d].dep.runtime_state = RuntimeState::Running,
            Effect::Build(status) => self.deployments[d].dep.build_status = status,
            Effect::BuildResult => {
                let rec = &self.deployments[d];
                let fails = rec
                    .commit
                    .is_some_and(|c| self.projects[p].commits[c].build_fails);
                if fails {
                    return Err(format!(
                        "build of {} failed: commit {} does not compile",
                        rec.dep.label,
                        rec.dep.short_commit()
                    ));
                }
            }
            Effect::ConfirmRollback => {
                self.env_mut(p, e).mode = EnvMode::Normal;
                self.schedule_confirm(p, e, at);
            }
            Effect::Switch(cause) => {
                self.recheck_switch(j, cause)?;
                self.switch_live(j, cause, at);
            }
            Effect::SwitchUnlessRolledBack(cause) => {
                if self.env(p, e).mode == EnvMode::RolledBack {
                    // Ready but not serving: it keeps running for a while, then spins down.
                    self.set_spin_down(d, Some(at + self.keepalive(p, e)));
                    let live = self
                        .env(p, e)
                        .live
                        .map_or("nothing", |l| self.label(l))
                        .to_owned();
                    return Ok(StepOutcome::Skipped(format!(
                        "{} is rolled back: domains stay on {live}; promote {} to release it",
                        self.env(p, e).env_ref,
                        self.label(d)
                    )));
                }
                self.switch_live(j, cause, at);
            }
        }
        Ok(StepOutcome::Done)
    }

    /// The rules are checked again when the switch happens: the world may have moved.
    fn recheck_switch(&self, j: usize, cause: LiveCause) -> Result<(), String> {
        let job = &self.jobs[j];
        let (p, e, d) = (job.project, job.env, job.target);
        if let Err(conflict) = self.expected_live_check(p, e, job.expected_live.as_ref()) {
            return Err(format!("refused at switch time: {conflict}"));
        }
        let gate = match cause {
            LiveCause::Rollback => self.rollback_gate(p, e, d),
            _ => self.promote_gate(p, e, d),
        };
        gate.map_err(|why| format!("refused at switch time: {why}"))
    }

    /// The atomic switch: every moving domain goes to the target at once, for the units the
    /// job's scope names. A limited switch leaves the other units where they were: the
    /// environment is then mixed until a later switch moves the rest.
    fn switch_live(&mut self, j: usize, cause: LiveCause, at: Timestamp) {
        let (p, e, d, actor, scope) = {
            let job = &self.jobs[j];
            (
                job.project,
                job.env,
                job.target,
                job.actor.clone(),
                job.scope.clone(),
            )
        };
        let old = self.env(p, e).live;
        if old == Some(d) && cause == LiveCause::Promote && self.env(p, e).split.is_empty() {
            self.env_mut(p, e).mode = EnvMode::Normal;
            return self.schedule_confirm(p, e, at);
        }
        let before = self.serving(p, e);
        let mut after = before.clone();
        for u in self.units_in(p, &scope) {
            after[u] = Some(d);
        }
        // One deployment serving everything is live; otherwise live stays while it serves
        // a part, else the target is.
        let live = if after.iter().all(|x| *x == Some(d)) {
            d
        } else {
            old.filter(|o| after.contains(&Some(*o))).unwrap_or(d)
        };
        let split: Vec<(usize, usize)> = after
            .iter()
            .enumerate()
            .filter_map(|(u, x)| x.filter(|x| *x != live).map(|x| (u, x)))
            .collect();
        let part = (!scope.is_everything() || !split.is_empty()).then(|| {
            Box::new(PartSwitch {
                scope,
                live,
                split: split.clone(),
            })
        });
        let env = self.env_mut(p, e);
        env.live = Some(live);
        env.split = split;
        env.live_history.push(LiveEntry {
            at,
            deployment: d,
            cause,
            actor: Some(actor.into()),
            part,
        });
        match cause {
            LiveCause::Rollback => env.mode = EnvMode::RolledBack,
            LiveCause::Promote => env.mode = EnvMode::Normal,
            LiveCause::Deploy | LiveCause::Redeploy => {}
        }
        self.deployments[d].dep.runtime_state = RuntimeState::Running;
        // Who served before and serves nothing now idles out; the target runs on.
        let keepalive = self.keepalive(p, e);
        let mut gone: Vec<usize> = before
            .iter()
            .flatten()
            .copied()
            .filter(|x| !after.contains(&Some(*x)))
            .collect();
        gone.sort_unstable();
        gone.dedup();
        for x in gone {
            self.set_spin_down(x, Some(at + keepalive));
        }
        self.set_spin_down(d, self.idle_deadline(p, e, at));
    }

    /// Confirming a rollback lets the deployment it rolled back from spin down.
    fn schedule_confirm(&mut self, p: usize, e: usize, at: Timestamp) {
        let keepalive = self.keepalive(p, e);
        let env = self.env(p, e);
        let live = env.live;
        let newer: Vec<usize> = env
            .deployments
            .iter()
            .copied()
            .filter(|x| {
                Some(*x) != live && self.deployments[*x].dep.runtime_state == RuntimeState::Running
            })
            .collect();
        for x in newer {
            if self.spin_down_at(x).is_none() {
                self.set_spin_down(x, Some(at + keepalive));
            }
        }
    }

    /// Builds the operation's visible steps from the plan.
    pub(crate) fn steps_of(plan: &[PlannedStep]) -> Vec<Step> {
        plan.iter()
            .map(|s| Step {
                name: s.name.clone(),
                status: StepStatus::Pending,
                started_at: None,
                finished_at: None,
                expected_secs: u64::try_from(s.duration.num_seconds()).ok(),
            })
            .collect()
    }
}

enum StepOutcome {
    Done,
    Skipped(String),
}
