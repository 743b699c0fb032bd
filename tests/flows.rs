//! Whole flows driven through `update` with key messages against the embedded demo platform
//! on a virtual clock. The harness carries out the returned commands against the backend,
//! as the run loop does, and feeds the answers back. Also: the poller's backoff and the
//! header's staleness under tokio's paused clock.

use chrono::{DateTime, Utc};
use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use switchback::app::effects;
use switchback::app::state::{Overlay, Settings};
use switchback::app::{Command, Msg, State, update};
use switchback::backend::demo::{DemoBackend, Scenario};
use switchback::backend::{
    Backend, BackendError, Capabilities, ErrorRates, Identity, OperationHandle, OperationRequest,
    Page, PageRequest, Platform, RedeployRequest, Role,
};
use switchback::clock::{Clock, VirtualClock};
use switchback::config::Config;
use switchback::config::keys::{KeyCode, KeyPress, Keymap};
use switchback::domain::*;
use switchback::operation::Request;
use switchback::poller::{self, Fetched, PollEvent, PollOptions, Resource, Target, TokioClock};

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-22T03:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

struct Harness {
    state: State,
    backend: Platform,
    clock: VirtualClock,
    /// Every command update returned, in order.
    commands: Vec<Command>,
}

impl Harness {
    async fn start(scenario: &str, role: Role) -> Self {
        let clock = VirtualClock::starting_at(t0());
        let identity = Identity {
            actor: "oncall@acme".into(),
            role,
        };
        let demo = DemoBackend::new(
            Scenario::load(scenario).unwrap(),
            Arc::new(clock.clone()),
            identity,
        );
        Self::on(Arc::new(demo), clock).await
    }

    /// A console over any backend, on `clock`, after its first poll.
    async fn on(backend: impl Into<Platform>, clock: VirtualClock) -> Self {
        let backend: Platform = backend.into();
        // Some backends learn their capabilities with the identity, as the run loop does.
        backend.identity().await.unwrap();
        let state = State::new(
            "demo".into(),
            backend.capabilities(),
            Settings::from_config(&Config::default()),
            Keymap::default(),
            clock.now(),
        );
        let mut harness = Self {
            state,
            backend,
            clock,
            commands: Vec::new(),
        };
        harness.send(switchback::console::resized(80, 24)).await;
        assert!(
            harness.state.view.list.is_loaded(),
            "the first poll loads the list"
        );
        harness
    }

    async fn send(&mut self, msg: Msg) {
        let mut queue = VecDeque::from([msg]);
        while let Some(msg) = queue.pop_front() {
            for command in update(&mut self.state, msg) {
                self.commands.push(command.clone());
                queue.extend(self.execute(command).await);
            }
        }
    }

    async fn poll(&self, resources: Vec<Resource>) -> Vec<Msg> {
        let mut out = Vec::new();
        for resource in resources {
            let outcome = poller::fetch(&self.backend, &resource, true).await;
            out.push(Msg::Poll(PollEvent {
                resource,
                at: self.clock.now(),
                outcome,
                failures: 0,
                next_in: Duration::from_secs(2),
            }));
        }
        out
    }

    async fn execute(&self, command: Command) -> Vec<Msg> {
        match command {
            Command::SetPollTargets(targets) => {
                self.poll(targets.into_iter().map(|t| t.resource).collect())
                    .await
            }
            Command::PollNow(resources) => self.poll(resources).await,
            Command::Quit => Vec::new(),
            other => effects::execute(&self.backend, other)
                .await
                .into_iter()
                .collect(),
        }
    }

    async fn key(&mut self, key: KeyPress) {
        self.send(Msg::Key(key)).await;
    }

    async fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.key(KeyPress::char(c)).await;
        }
    }

    /// Moves the virtual clock and refreshes what the poller would.
    async fn wait(&mut self, by: Duration) {
        self.clock.advance(by);
        let now = self.clock.now();
        self.send(Msg::Tick { now, real: now }).await;
        let resources = self
            .state
            .poll_targets
            .iter()
            .map(|t| t.resource.clone())
            .collect();
        for msg in self.poll(resources).await {
            self.send(msg).await;
        }
    }

    /// Waits (virtually) until the followed operation is over; at most ten minutes.
    async fn until_operation_done(&mut self) {
        for _ in 0..1200 {
            if self.state.active.is_none() {
                return;
            }
            self.wait(Duration::from_millis(500)).await;
        }
        panic!("the operation did not finish: {:?}", self.state.active);
    }

    async fn select(&mut self, label: &str) {
        self.key(KeyPress::char('g')).await;
        for _ in 0..self.state.view.list.len() {
            if self
                .state
                .view
                .list
                .selected()
                .is_some_and(|d| d.label == label)
            {
                return;
            }
            self.key(KeyPress::char('j')).await;
        }
        panic!("{label} is not in the list");
    }

    fn live_label(&self) -> String {
        let live = self
            .state
            .environment()
            .and_then(|e| e.live.clone())
            .expect("a live deployment");
        self.state.view.list.label_of(&live).to_owned()
    }

    fn mode(&self) -> EnvMode {
        self.state.environment().unwrap().mode
    }

    fn starts(&self) -> Vec<&Request> {
        self.commands
            .iter()
            .filter_map(|c| match c {
                Command::Start(request) => Some(request),
                _ => None,
            })
            .collect()
    }

    fn toast(&self) -> String {
        self.state
            .toast
            .as_ref()
            .map(|t| t.text.clone())
            .unwrap_or_default()
    }

    fn screen(&mut self) -> String {
        let mut terminal =
            ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).unwrap();
        let theme = switchback::theme::Theme::default();
        terminal
            .draw(|frame| switchback::ui::render(frame, &self.state, &theme))
            .unwrap();
        let buffer = terminal.backend().buffer();
        (0..24)
            .map(|y| (0..80).map(|x| buffer[(x, y)].symbol()).collect::<String>() + "\n")
            .collect()
    }

    async fn rollback_to(&mut self, label: &str) {
        self.select(label).await;
        self.key(KeyPress::char('r')).await;
        assert!(
            matches!(self.state.overlay, Overlay::Confirm(_)),
            "the modal opens"
        );
        self.type_text("production").await;
        self.key(KeyPress::plain(KeyCode::Enter)).await;
    }
}

#[path = "flows/failed_build.rs"]
mod failed_build;
#[path = "flows/front_ends.rs"]
mod front_ends;
#[path = "flows/truth.rs"]
mod truth;
#[path = "flows/two_consoles.rs"]
mod two_consoles;

fn enter() -> KeyPress {
    KeyPress::plain(KeyCode::Enter)
}

#[tokio::test]
async fn rollback_with_the_typed_name_switches_live_and_enters_rolled_back_mode() {
    let mut h = Harness::start("bad-deploy", Role::Deployer).await;
    assert_eq!(h.live_label(), "v42");
    let v42 = h.state.environment().unwrap().live.clone();
    h.rollback_to("v41").await;

    let starts = h.starts();
    assert_eq!(starts.len(), 1);
    let Request::Rollback(request) = starts[0] else {
        panic!("a rollback")
    };
    assert_eq!(
        request.expected_live, v42,
        "carries the live deployment the engineer saw"
    );
    assert!(uuid::Uuid::parse_str(&request.idempotency_key).is_ok());
    assert_eq!(request.actor, "oncall@acme");
    assert!(
        h.state
            .log
            .iter()
            .any(|e| e.text.contains("rollback to v41 started")),
        "the platform accepted it: {:?}",
        h.state.log
    );

    h.until_operation_done().await;
    assert_eq!(h.live_label(), "v41");
    assert_eq!(h.mode(), EnvMode::RolledBack);
    assert!(h.toast().contains("completed"), "{}", h.toast());
    let header = h.screen().lines().next().unwrap().to_owned();
    assert!(
        header.contains("ROLLED BACK") && header.contains("LIVE v41"),
        "{header}"
    );
}

#[tokio::test]
async fn a_second_modal_gets_a_fresh_idempotency_key() {
    let mut h = Harness::start("bad-deploy", Role::Deployer).await;
    h.rollback_to("v41").await;
    h.until_operation_done().await;
    h.select("v41").await;
    h.key(KeyPress::char('p')).await;
    h.type_text("production").await;
    h.key(enter()).await;
    let keys: Vec<&str> = h.starts().iter().map(|s| s.idempotency_key()).collect();
    assert_eq!(keys.len(), 2);
    assert_ne!(keys[0], keys[1]);
}

#[tokio::test]
async fn a_wrong_name_confirms_nothing_and_says_what_to_type() {
    let mut h = Harness::start("bad-deploy", Role::Deployer).await;
    h.select("v41").await;
    h.key(KeyPress::char('r')).await;
    h.type_text("prod").await;
    h.key(enter()).await;
    h.type_text("uction ").await;
    h.key(enter()).await;
    assert!(h.starts().is_empty(), "nothing was started");
    let Overlay::Confirm(modal) = &h.state.overlay else {
        panic!("the modal stays open")
    };
    assert!(modal.mismatch);
    assert!(h.screen().contains("type production exactly"));
    // `y` does nothing in a protected environment.
    h.key(KeyPress::char('y')).await;
    assert!(h.starts().is_empty());
    h.wait(Duration::from_secs(5)).await;
    assert_eq!(h.live_label(), "v42");
}

#[tokio::test]
async fn esc_cancels_and_nothing_happens() {
    let mut h = Harness::start("bad-deploy", Role::Deployer).await;
    h.select("v41").await;
    h.key(KeyPress::char('r')).await;
    h.type_text("production").await;
    h.key(KeyPress::plain(KeyCode::Esc)).await;
    assert!(matches!(h.state.overlay, Overlay::None));
    assert!(h.starts().is_empty());
    h.wait(Duration::from_secs(5)).await;
    assert_eq!(h.live_label(), "v42");
    assert!(h.state.log.last().unwrap().text.contains("cancelled"));
}

#[tokio::test]
async fn staging_confirms_with_y_and_focus_starts_on_cancel() {
    let mut h = Harness::start("bad-deploy", Role::Deployer).await;
    h.key(KeyPress::char('e')).await;
    let Overlay::Picker(picker) = &h.state.overlay else {
        panic!("the picker opens")
    };
    let staging = picker
        .items
        .iter()
        .position(|(id, _)| id == "staging")
        .unwrap();
    for _ in 0..staging {
        h.key(KeyPress::char('j')).await;
    }
    h.key(enter()).await;
    assert_eq!(
        h.state.env.as_ref().unwrap().environment.as_str(),
        "staging"
    );
    h.select("stg-18").await;
    h.key(KeyPress::char('r')).await;
    // Enter on the default focus (Cancel) cancels.
    h.key(enter()).await;
    assert!(matches!(h.state.overlay, Overlay::None));
    assert!(h.starts().is_empty());
    h.key(KeyPress::char('r')).await;
    h.key(KeyPress::char('y')).await;
    assert_eq!(h.starts().len(), 1);
    h.until_operation_done().await;
    assert_eq!(h.live_label(), "stg-18");
}

#[tokio::test]
async fn incident_race_conflict_names_who_moved_live() {
    let mut h = Harness::start("incident-race", Role::Deployer).await;
    h.select("v41").await;
    h.key(KeyPress::char('r')).await;
    assert!(matches!(h.state.overlay, Overlay::Confirm(_)));
    // The engineer reads the modal for half a minute; meanwhile dana rolls back.
    h.clock.advance(Duration::from_secs(30));
    h.type_text("production").await;
    h.key(enter()).await;
    assert_eq!(h.starts().len(), 1);
    assert!(h.state.active.is_none(), "nothing is followed");
    let toast = h.toast();
    assert!(
        toast.contains("refused") && toast.contains("dana") && toast.contains("v41"),
        "{toast}"
    );
    assert!(
        h.state.log.iter().any(|e| e.text.contains("dana")),
        "logged too"
    );
    // The refusal refreshed the screen: live is v41 now.
    assert_eq!(h.live_label(), "v41");
}

#[tokio::test]
async fn a_read_only_role_sees_why_and_no_modal() {
    let mut h = Harness::start("bad-deploy", Role::ReadOnly).await;
    h.select("v41").await;
    h.key(KeyPress::char('r')).await;
    assert!(matches!(h.state.overlay, Overlay::None), "no modal");
    assert!(h.toast().contains("read-only"), "{}", h.toast());
    assert!(h.starts().is_empty());
    assert!(h.screen().lines().next().unwrap().contains("read-only"));
}

#[tokio::test]
async fn a_pruned_artifact_is_refused_with_a_redeploy_suggestion() {
    let mut h = Harness::start("bad-deploy", Role::Deployer).await;
    h.select("v37").await;
    h.key(KeyPress::char('r')).await;
    assert!(matches!(h.state.overlay, Overlay::None), "no modal");
    let toast = h.toast();
    assert!(
        toast.contains("v37") && toast.contains("redeploy it with d"),
        "{toast}"
    );
    // The suggested redeploy opens, rebuilding from source.
    h.key(KeyPress::char('d')).await;
    let Overlay::Confirm(modal) = &h.state.overlay else {
        panic!("the redeploy modal opens: {}", h.toast())
    };
    assert!(
        modal.plan.rebuild(),
        "the pruned artifact is rebuilt from its commit"
    );
    assert!(h.screen().contains("pruned artifact"));
}

#[tokio::test]
async fn promote_after_a_rollback_ends_the_rolled_back_mode() {
    let mut h = Harness::start("bad-deploy", Role::Deployer).await;
    h.rollback_to("v41").await;
    h.until_operation_done().await;
    assert_eq!(h.mode(), EnvMode::RolledBack);
    h.select("v41").await;
    h.key(KeyPress::char('p')).await;
    assert!(
        matches!(h.state.overlay, Overlay::Confirm(_)),
        "{}",
        h.toast()
    );
    h.type_text("production").await;
    h.key(enter()).await;
    h.until_operation_done().await;
    assert_eq!(h.mode(), EnvMode::Normal);
    assert_eq!(h.live_label(), "v41");
    assert!(!h.screen().lines().next().unwrap().contains("ROLLED BACK"));
}

#[tokio::test]
async fn b_selects_the_last_known_good_deployment_and_says_why() {
    let mut h = Harness::start("bad-deploy", Role::Deployer).await;
    h.key(KeyPress::char('G')).await;
    h.key(KeyPress::char('b')).await;
    assert_eq!(
        h.state.view.list.selected().unwrap().label,
        "v41",
        "{}",
        h.toast()
    );
    let screen = h.screen();
    assert!(screen.contains("last good: live"), "{screen}");
    assert!(screen.contains("< 1%"), "{screen}");
}

#[tokio::test]
async fn filter_narrows_and_esc_clears() {
    let mut h = Harness::start("bad-deploy", Role::Deployer).await;
    let total = h.state.view.list.len();
    h.key(KeyPress::char('/')).await;
    h.type_text("kenji").await;
    h.key(enter()).await;
    assert!(h.state.view.list.len() < total && !h.state.view.list.is_empty());
    for i in 0..h.state.view.list.len() {
        assert_eq!(
            h.state.view.list.row(i).unwrap().author.as_deref(),
            Some("kenji.sato")
        );
    }
    h.key(KeyPress::plain(KeyCode::Esc)).await;
    assert_eq!(h.state.view.list.len(), total);
}

#[tokio::test]
async fn quit_key_returns_the_quit_command() {
    let mut h = Harness::start("bad-deploy", Role::Deployer).await;
    h.key(KeyPress::char('q')).await;
    assert!(h.state.quit);
    assert_eq!(h.commands.last(), Some(&Command::Quit));
}

// --- the poller under tokio's paused clock -----------------------------------------------

/// The demo platform behind a switch that makes every call fail with `HTTP 503`.
struct Outage {
    inner: DemoBackend,
    down: AtomicBool,
}

impl Outage {
    fn check(&self) -> Result<(), BackendError> {
        if self.down.load(Ordering::SeqCst) {
            Err(BackendError::transient("HTTP 503"))
        } else {
            Ok(())
        }
    }
}

#[async_trait::async_trait]
impl Backend for Outage {
    fn kind(&self) -> &'static str {
        "outage"
    }
    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }
    fn now(&self) -> Timestamp {
        self.inner.now()
    }
    async fn identity(&self) -> Result<Identity, BackendError> {
        self.check()?;
        self.inner.identity().await
    }
    async fn list_projects(&self, page: PageRequest) -> Result<Page<Project>, BackendError> {
        self.check()?;
        self.inner.list_projects(page).await
    }
    async fn list_environments(
        &self,
        project: &ProjectId,
    ) -> Result<Vec<Environment>, BackendError> {
        self.check()?;
        self.inner.list_environments(project).await
    }
    async fn get_environment(&self, env: &EnvRef) -> Result<Environment, BackendError> {
        self.check()?;
        self.inner.get_environment(env).await
    }
    async fn list_deployments(
        &self,
        env: &EnvRef,
        page: PageRequest,
    ) -> Result<Page<Deployment>, BackendError> {
        self.check()?;
        self.inner.list_deployments(env, page).await
    }
    async fn get_deployment(
        &self,
        env: &EnvRef,
        id: &DeploymentId,
    ) -> Result<Deployment, BackendError> {
        self.check()?;
        self.inner.get_deployment(env, id).await
    }
    async fn diff(&self, env: &EnvRef, target: &DeploymentId) -> Result<Diff, BackendError> {
        self.check()?;
        self.inner.diff(env, target).await
    }
    async fn domains_to_move(
        &self,
        env: &EnvRef,
        target: &DeploymentId,
    ) -> Result<Vec<DomainMove>, BackendError> {
        self.check()?;
        self.inner.domains_to_move(env, target).await
    }
    async fn actions(
        &self,
        env: &EnvRef,
        d: &DeploymentId,
    ) -> Result<Vec<ActionAvailability>, BackendError> {
        self.check()?;
        self.inner.actions(env, d).await
    }
    async fn rollback(&self, request: OperationRequest) -> Result<OperationHandle, BackendError> {
        self.check()?;
        self.inner.rollback(request).await
    }
    async fn promote(&self, request: OperationRequest) -> Result<OperationHandle, BackendError> {
        self.check()?;
        self.inner.promote(request).await
    }
    async fn redeploy(&self, request: RedeployRequest) -> Result<OperationHandle, BackendError> {
        self.check()?;
        self.inner.redeploy(request).await
    }
    async fn operation(&self, env: &EnvRef, id: &OperationId) -> Result<Operation, BackendError> {
        self.check()?;
        self.inner.operation(env, id).await
    }
    async fn list_operations(&self, env: &EnvRef) -> Result<Vec<Operation>, BackendError> {
        self.check()?;
        self.inner.list_operations(env).await
    }
    async fn live_history(&self, env: &EnvRef) -> Result<Vec<LiveChange>, BackendError> {
        self.check()?;
        self.inner.live_history(env).await
    }
}

#[async_trait::async_trait]
impl ErrorRates for Outage {
    async fn error_rate(&self, query: &MetricsQuery) -> Result<MetricSeries, BackendError> {
        self.check()?;
        self.inner.error_rate(query).await
    }
}

#[tokio::test(start_paused = true)]
async fn poller_backs_off_exponentially_and_the_header_goes_stale_with_the_cause() {
    let clock = VirtualClock::starting_at(t0());
    let identity = Identity {
        actor: "oncall@acme".into(),
        role: Role::Deployer,
    };
    let backend = Arc::new(Outage {
        inner: DemoBackend::new(
            Scenario::load("bad-deploy").unwrap(),
            Arc::new(clock),
            identity,
        ),
        down: AtomicBool::new(false),
    });
    let console_clock = Arc::new(TokioClock::starting_at(t0()));
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let handle = poller::spawn(
        Platform::native(backend.clone()),
        console_clock.clone(),
        PollOptions::default(),
        tx,
    );
    let env = EnvRef::new("acme/storefront", "production");
    let every = Duration::from_secs(2);
    handle.set_targets(vec![Target {
        resource: Resource::Environment(env.clone()),
        every,
    }]);

    // The console's state, fed by the poller as the run loop would.
    let mut state = State::new(
        "demo".into(),
        backend.capabilities(),
        Settings::from_config(&Config::default()),
        Keymap::default(),
        t0(),
    );
    state.env = Some(env.clone());
    state.view.env_freshness = Some(poller::Freshness::new(t0()));

    let first = rx.recv().await.unwrap();
    assert!(first.outcome.is_ok());
    update(&mut state, Msg::Poll(first));
    assert!(matches!(state.environments.first(), Some(e) if e.live.is_some()));

    backend.down.store(true, Ordering::SeqCst);
    let mut arrivals = vec![tokio::time::Instant::now()];
    let mut failures = Vec::new();
    for _ in 0..5 {
        let event = rx.recv().await.unwrap();
        arrivals.push(tokio::time::Instant::now());
        failures.push((event.failures, event.next_in));
        let now = console_clock.now();
        update(&mut state, Msg::Tick { now, real: now });
        update(&mut state, Msg::Poll(event));
    }
    let gaps: Vec<Duration> = arrivals.windows(2).map(|w| w[1] - w[0]).collect();
    // The first failure comes one interval after the success; each later one waits the
    // doubled interval plus at most a quarter of jitter.
    assert_eq!(gaps[0], every);
    for (i, gap) in gaps.iter().enumerate().skip(1) {
        let base = every * 2u32.pow(i as u32 - 1);
        assert!(
            *gap >= base && *gap <= base + base / 4,
            "gap {i}: {gap:?} vs {base:?}"
        );
    }
    assert_eq!(
        failures.iter().map(|f| f.0).collect::<Vec<_>>(),
        vec![1, 2, 3, 4, 5]
    );

    let now = console_clock.now();
    update(&mut state, Msg::Tick { now, real: now });
    assert_eq!(state.stale().as_deref(), Some("HTTP 503"));
    assert!(
        state.environments.first().is_some_and(|e| e.live.is_some()),
        "the old data stays"
    );

    // Back up: the next poll succeeds, the failures reset and STALE goes away.
    backend.down.store(false, Ordering::SeqCst);
    let event = rx.recv().await.unwrap();
    assert!(event.outcome.is_ok());
    assert_eq!(event.failures, 0);
    let now = console_clock.now();
    update(&mut state, Msg::Tick { now, real: now });
    update(&mut state, Msg::Poll(event));
    assert_eq!(state.stale(), None);
    let before = tokio::time::Instant::now();
    let _ = rx.recv().await.unwrap();
    assert_eq!(
        tokio::time::Instant::now() - before,
        every,
        "back to the normal interval"
    );
}

#[tokio::test(start_paused = true)]
async fn poller_keeps_one_request_in_flight_per_resource() {
    struct Slow {
        inner: DemoBackend,
        calls: std::sync::atomic::AtomicUsize,
        in_flight: std::sync::atomic::AtomicUsize,
        most: std::sync::atomic::AtomicUsize,
    }
    #[async_trait::async_trait]
    impl Backend for Slow {
        fn kind(&self) -> &'static str {
            "slow"
        }
        fn capabilities(&self) -> Capabilities {
            self.inner.capabilities()
        }
        async fn identity(&self) -> Result<Identity, BackendError> {
            self.inner.identity().await
        }
        async fn list_projects(&self, page: PageRequest) -> Result<Page<Project>, BackendError> {
            let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            self.most.fetch_max(now, Ordering::SeqCst);
            self.calls.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_secs(7)).await;
            self.in_flight.fetch_sub(1, Ordering::SeqCst);
            self.inner.list_projects(page).await
        }
        async fn list_environments(&self, p: &ProjectId) -> Result<Vec<Environment>, BackendError> {
            self.inner.list_environments(p).await
        }
        async fn get_environment(&self, env: &EnvRef) -> Result<Environment, BackendError> {
            self.inner.get_environment(env).await
        }
        async fn list_deployments(
            &self,
            env: &EnvRef,
            page: PageRequest,
        ) -> Result<Page<Deployment>, BackendError> {
            self.inner.list_deployments(env, page).await
        }
        async fn get_deployment(
            &self,
            env: &EnvRef,
            id: &DeploymentId,
        ) -> Result<Deployment, BackendError> {
            self.inner.get_deployment(env, id).await
        }
        async fn diff(&self, env: &EnvRef, target: &DeploymentId) -> Result<Diff, BackendError> {
            self.inner.diff(env, target).await
        }
        async fn domains_to_move(
            &self,
            env: &EnvRef,
            t: &DeploymentId,
        ) -> Result<Vec<DomainMove>, BackendError> {
            self.inner.domains_to_move(env, t).await
        }
        async fn actions(
            &self,
            env: &EnvRef,
            d: &DeploymentId,
        ) -> Result<Vec<ActionAvailability>, BackendError> {
            self.inner.actions(env, d).await
        }
        async fn rollback(&self, r: OperationRequest) -> Result<OperationHandle, BackendError> {
            self.inner.rollback(r).await
        }
        async fn promote(&self, r: OperationRequest) -> Result<OperationHandle, BackendError> {
            self.inner.promote(r).await
        }
        async fn redeploy(&self, r: RedeployRequest) -> Result<OperationHandle, BackendError> {
            self.inner.redeploy(r).await
        }
        async fn operation(
            &self,
            env: &EnvRef,
            id: &OperationId,
        ) -> Result<Operation, BackendError> {
            self.inner.operation(env, id).await
        }
        async fn list_operations(&self, env: &EnvRef) -> Result<Vec<Operation>, BackendError> {
            self.inner.list_operations(env).await
        }
        async fn live_history(&self, env: &EnvRef) -> Result<Vec<LiveChange>, BackendError> {
            self.inner.live_history(env).await
        }
    }
    #[async_trait::async_trait]
    impl ErrorRates for Slow {
        async fn error_rate(&self, q: &MetricsQuery) -> Result<MetricSeries, BackendError> {
            self.inner.error_rate(q).await
        }
    }
    let identity = Identity {
        actor: "a".into(),
        role: Role::Deployer,
    };
    let backend = Arc::new(Slow {
        inner: DemoBackend::new(
            Scenario::load("bad-deploy").unwrap(),
            Arc::new(VirtualClock::starting_at(t0())),
            identity,
        ),
        calls: Default::default(),
        in_flight: Default::default(),
        most: Default::default(),
    });
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let handle = poller::spawn(
        Platform::native(backend.clone()),
        Arc::new(TokioClock::starting_at(t0())),
        PollOptions::default(),
        tx,
    );
    handle.set_targets(vec![Target {
        resource: Resource::Projects,
        every: Duration::from_secs(2),
    }]);
    for _ in 0..3 {
        handle.poll_now(vec![Resource::Projects]);
        let event = rx.recv().await.unwrap();
        assert!(matches!(event.outcome, Ok(Fetched::Projects(_))));
    }
    assert_eq!(
        backend.most.load(Ordering::SeqCst),
        1,
        "never two requests at once"
    );
    assert!(backend.calls.load(Ordering::SeqCst) >= 3);
}

#[tokio::test]
async fn choosing_another_project_loads_its_production() {
    let mut h = Harness::start("bad-deploy", Role::Deployer).await;
    h.key(KeyPress::char('o')).await;
    let Overlay::Picker(picker) = &h.state.overlay else {
        panic!("the project picker opens")
    };
    let billing = picker
        .items
        .iter()
        .position(|(id, _)| id == "acme/billing")
        .unwrap();
    for _ in 0..billing {
        h.key(KeyPress::char('j')).await;
    }
    h.key(enter()).await;
    // The next refresh of the project's environments picks its production.
    h.wait(Duration::from_secs(2)).await;
    let env = h.state.env.clone().expect("an environment is focused");
    assert_eq!(env.project.as_str(), "acme/billing");
    assert_eq!(env.environment.as_str(), "production");
    assert!(h.state.view.list.is_loaded());
    assert_eq!(h.live_label(), "v9");
}

#[tokio::test]
async fn nothing_new_means_nothing_to_draw() {
    let mut h = Harness::start("bad-deploy", Role::Deployer).await;
    // Let the startup settle, then take stock.
    h.wait(Duration::from_millis(500)).await;
    h.state.dirty = false;
    // The same answers again: nothing to draw.
    let resources = h
        .state
        .poll_targets
        .iter()
        .map(|t| t.resource.clone())
        .collect();
    for msg in h.poll(resources).await {
        h.send(msg).await;
    }
    assert!(!h.state.dirty, "identical poll results redraw nothing");
    // A clock tick that changes no text on screen: nothing to draw.
    let now = h.clock.now() + chrono::Duration::milliseconds(900);
    h.send(Msg::Tick { now, real: now }).await;
    assert!(
        !h.state.dirty,
        "a tick that changes nothing redraws nothing"
    );
    // Ten seconds without news: the data age on screen changes, so it is drawn.
    let now = h.clock.now() + chrono::Duration::seconds(10);
    h.send(Msg::Tick { now, real: now }).await;
    assert!(h.state.dirty);
}
