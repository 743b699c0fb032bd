//! Every view, modal and state of the console rendered into a `TestBackend` and compared
//! with reviewed snapshots (`INSTA_UPDATE=no` in CI), plus colour checks on the cells that
//! carry danger and staleness. The data is fixed and the clock is set, so every run draws
//! the same screen.

use chrono::{DateTime, Duration as Span, Utc};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Modifier;
use std::time::Duration;
use switchback::app::effects::DetailData;
use switchback::app::{Msg, State, update};
use switchback::backend::{BackendError, Capabilities, Identity, OperationHandle, Role};
use switchback::config::Config;
use switchback::config::keys::{KeyCode, KeyPress, Keymap};
use switchback::domain::*;
use switchback::operation::{self, LastGood, PlanError, Refusal};
use switchback::poller::{Fetched, PollEvent, Resource};
use switchback::theme::Theme;

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-22T03:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn env_ref() -> EnvRef {
    EnvRef::new("acme/storefront", "production")
}

fn deployment(n: u32, age: Span, runtime: RuntimeState, author: &str, subject: &str) -> Deployment {
    Deployment {
        id: DeploymentId::new(format!("dep_{n:03}")),
        label: format!("v{n}"),
        project: ProjectId::new("acme/storefront"),
        environment: EnvironmentId::new("production"),
        artifact: Artifact {
            image: "registry.example.com/acme/storefront".into(),
            digest: Some(format!("sha256:{n:02}{}", "ab12cd34ef56".repeat(5))),
            pruned: false,
        },
        commit: Some(std::sync::Arc::new(Commit {
            sha: format!(
                "{:07x}{}",
                0x9f8e000 + n * 37,
                "0123456789abcdef0123456789abcdef0"
            ),
            subject: subject.into(),
            branch: Some("main".into()),
        })),
        author: Some(author.into()),
        created_at: t0() - age,
        build_status: BuildStatus::Ready,
        runtime_state: runtime,
        regions: vec!["fra".into(), "iad".into()].into(),
        components: Default::default(),
        config: Default::default(),
        migrations: vec![],
        is_rollback: false,
        rolled_back_from: None,
        redeployed_from: None,
        is_live: false,
    }
}

fn deployments() -> Vec<Deployment> {
    let mut v42 = deployment(
        42,
        Span::minutes(5),
        RuntimeState::Running,
        "alice",
        "add search index",
    );
    v42.is_live = true;
    v42.migrations = vec!["0042_add_index".into()];
    let mut list = vec![
        v42,
        deployment(
            41,
            Span::days(2),
            RuntimeState::Running,
            "bob",
            "fix typo in checkout",
        ),
        deployment(
            40,
            Span::days(4),
            RuntimeState::SpunDown,
            "carol",
            "bump dependencies",
        ),
        deployment(
            39,
            Span::days(6),
            RuntimeState::SpunDown,
            "alice",
            "cache product pages",
        ),
        deployment(
            38,
            Span::days(9),
            RuntimeState::SpunDown,
            "dave",
            "new footer",
        ),
        deployment(
            37,
            Span::days(20),
            RuntimeState::SpunDown,
            "bob",
            "initial storefront",
        ),
    ];
    list[5].artifact.pruned = true;
    list
}

fn environment(mode: EnvMode, live: &str) -> Environment {
    Environment {
        mixed: Vec::new(),
        live_label: None,
        id: EnvironmentId::new("production"),
        project: ProjectId::new("acme/storefront"),
        name: "production".into(),
        kind: EnvironmentKind::Production,
        live: Some(DeploymentId::new(live)),
        mode,
        domains: ["shop.example.com", "www.shop.example.com"]
            .into_iter()
            .map(|h| Domain {
                hostname: h.into(),
                kind: DomainKind::Environment,
                deployment: Some(DeploymentId::new(live)),
            })
            .collect(),
        branch: None,
    }
}

fn staging() -> Environment {
    Environment {
        id: EnvironmentId::new("staging"),
        name: "staging".into(),
        kind: EnvironmentKind::Staging,
        domains: vec![],
        ..environment(EnvMode::Normal, "dep_042")
    }
}

fn series(from_minutes: i64, rate_before: f64, rate_after: f64, switch_at: i64) -> MetricSeries {
    MetricSeries {
        source: MetricSource::Native,
        step_secs: 30,
        points: (0..from_minutes * 2)
            .map(|i| {
                let at = t0() - Span::minutes(from_minutes) + Span::seconds(30 * i);
                let rate = if at < t0() - Span::minutes(switch_at) {
                    rate_before
                } else {
                    rate_after
                };
                MetricPoint {
                    at,
                    deployment: None,
                    requests: 1000.0,
                    errors: 1000.0 * rate,
                    p95_ms: Some(120.0),
                }
            })
            .collect(),
    }
}

fn history() -> Vec<LiveChange> {
    vec![
        LiveChange {
            scope: Default::default(),
            at: t0() - Span::days(2),
            deployment: DeploymentId::new("dep_041"),
            cause: LiveCause::Deploy,
            actor: Some("bob".into()),
        },
        LiveChange {
            scope: Default::default(),
            at: t0() - Span::minutes(5),
            deployment: DeploymentId::new("dep_042"),
            cause: LiveCause::Deploy,
            actor: Some("alice".into()),
        },
    ]
}

fn diff_v41() -> Diff {
    Diff {
        rollout: None,
        live: Some(DeploymentId::new("dep_042")),
        target: DeploymentId::new("dep_041"),
        artifact_from: Some(deployments()[0].artifact.clone()),
        artifact_to: deployments()[1].artifact.clone(),
        commits_between: vec![CommitRef {
            sha: "a1b2c3d4".into(),
            subject: "add search index".into(),
        }],
        commits_back: 3,
        config_drift: vec![ConfigChange {
            name: "FEATURE_X".into(),
            change: ConfigChangeKind::Added,
        }],
        migrations_not_reverted: vec!["0042_add_index".into()],
        details: Vec::new(),
        domains: ["shop.example.com", "www.shop.example.com"]
            .into_iter()
            .map(|h| DomainMove {
                hostname: h.into(),
                kind: DomainKind::Environment,
                from: Some(DeploymentId::new("dep_042")),
                to: Some(DeploymentId::new("dep_041")),
                moves: true,
                inferred: false,
            })
            .chain(std::iter::once(DomainMove {
                hostname: "dep-041.storefront.dev".into(),
                kind: DomainKind::Deployment,
                from: None,
                to: None,
                moves: false,
                inferred: false,
            }))
            .collect(),
        switch: SwitchKind::Instant,
    }
}

fn poll(state: &mut State, resource: Resource, outcome: Result<Fetched, BackendError>) {
    let at = state.real_now;
    update(
        state,
        Msg::Poll(PollEvent {
            resource,
            at,
            outcome,
            failures: 0,
            next_in: Duration::from_secs(2),
        }),
    );
}

fn role_identity(role: Role) -> Identity {
    Identity {
        actor: "oncall@acme".into(),
        role,
    }
}

/// The bad-deploy picture: v42 live and failing, v41 selected.
fn loaded(role: Role, mode: EnvMode, live: &str) -> State {
    let mut state = State::new(
        "demo".into(),
        Capabilities::everything(),
        switchback::app::state::Settings::from_config(&Config::default()),
        Keymap::default(),
        t0(),
    );
    let env = env_ref();
    poll(
        &mut state,
        Resource::Identity,
        Ok(Fetched::Identity(role_identity(role))),
    );
    let projects = vec![
        Project {
            id: ProjectId::new("acme/storefront"),
            name: "acme/storefront".into(),
            components: vec![],
        },
        Project {
            id: ProjectId::new("acme/billing"),
            name: "acme/billing".into(),
            components: vec![],
        },
    ];
    poll(
        &mut state,
        Resource::Projects,
        Ok(Fetched::Projects(projects)),
    );
    let project = ProjectId::new("acme/storefront");
    poll(
        &mut state,
        Resource::Environments(project.clone()),
        Ok(Fetched::Environments(
            project,
            vec![environment(mode, live), staging()],
        )),
    );
    poll(
        &mut state,
        Resource::Environment(env.clone()),
        Ok(Fetched::Environment(environment(mode, live))),
    );
    poll(
        &mut state,
        Resource::Deployments(env.clone()),
        Ok(Fetched::Deployments {
            env: env.clone(),
            items: deployments(),
            complete: true,
        }),
    );
    poll(
        &mut state,
        Resource::Metrics(env.clone()),
        Ok(Fetched::Metrics {
            env: env.clone(),
            series: series(15, 0.001, 0.081, 5),
            current: None,
        }),
    );
    poll(
        &mut state,
        Resource::LiveHistory(env.clone()),
        Ok(Fetched::LiveHistory(env.clone(), history())),
    );
    key(&mut state, KeyPress::char('j'));
    detail_v41(&mut state);
    state
}

fn detail_v41(state: &mut State) {
    update(
        state,
        Msg::Detail {
            env: env_ref(),
            target: DeploymentId::new("dep_041"),
            data: DetailData {
                diff: Ok(diff_v41()),
                actions: Action::ALL
                    .into_iter()
                    .map(ActionAvailability::allowed)
                    .collect(),
                target_rate: Some(0.001),
            },
        },
    );
}

fn bad_deploy() -> State {
    loaded(Role::Deployer, EnvMode::Normal, "dep_042")
}

fn key(state: &mut State, key: KeyPress) {
    update(state, Msg::Key(key));
}

fn keys(state: &mut State, text: &str) {
    for c in text.chars() {
        key(state, KeyPress::char(c));
    }
}

/// The plan the engine would hand the console for `action` on `target`, from the state's own
/// view of the platform; `diff` as the platform would answer it.
fn planned(state: &State, action: Action, target: Deployment, diff: Option<Diff>) -> Msg {
    let environment = state.environment().unwrap().clone();
    let live_label = environment
        .live
        .as_ref()
        .map(|id| state.view.list.label_of(id).to_owned());
    let plan = operation::assemble(
        operation::Reads {
            intent: operation::Intent::new(action, env_ref(), target.id.clone()),
            environment,
            live_label,
            domains: diff.as_ref().map(|d| d.domains.clone()).unwrap_or_default(),
            diff,
            target: target.clone(),
            identity: state.identity.clone().unwrap(),
            capabilities: state.capabilities.clone(),
        },
        &operation::Context {
            actor: None,
            protected: state.settings.protected_environments.clone(),
            project_name: state.project_name().map(str::to_owned),
            identity: None,
        },
    );
    Msg::Planned {
        action,
        env: env_ref(),
        target: target.id,
        result: Ok(Box::new(plan)),
    }
}

/// Opens the confirmation modal for `action` on `target`.
fn open(state: &mut State, action: Action, target: Deployment) {
    let diff = (action != Action::Redeploy).then(diff_v41);
    let msg = planned(state, action, target, diff);
    update(state, msg);
}

fn draw(state: &mut State, width: u16, height: u16, theme: &Theme) -> Buffer {
    update(state, switchback::console::resized(width, height));
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| switchback::ui::render(frame, state, theme))
        .unwrap();
    terminal.backend().buffer().clone()
}

fn text(buffer: &Buffer) -> String {
    let area = buffer.area;
    let mut out = String::new();
    for y in 0..area.height {
        let mut line = String::new();
        let mut skip = 0;
        for x in 0..area.width {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let symbol = buffer[(x, y)].symbol();
            skip = unicode_width::UnicodeWidthStr::width(symbol).saturating_sub(1);
            line.push_str(symbol);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Snapshots a state at 80x24 and 120x40.
fn snap_both(name: &str, mut make: impl FnMut() -> State) {
    let theme = Theme::default();
    for (w, h) in [(80, 24), (120, 40)] {
        let mut state = make();
        let buffer = draw(&mut state, w, h, &theme);
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), text(&buffer));
    }
}

/// The position of `needle` on screen.
fn find(buffer: &Buffer, needle: &str) -> (u16, u16) {
    let screen = text(buffer);
    for (y, line) in screen.lines().enumerate() {
        if let Some(byte) = line.find(needle) {
            let x = unicode_width::UnicodeWidthStr::width(&line[..byte]);
            return (x as u16, y as u16);
        }
    }
    panic!("`{needle}` not on screen:\n{screen}");
}

#[test]
fn main_screen() {
    snap_both("main", bad_deploy);
}

#[test]
fn rolled_back_mode_in_warning_colour() {
    snap_both("rolled_back", || {
        loaded(Role::Deployer, EnvMode::RolledBack, "dep_041")
    });
    let theme = Theme::default();
    let mut state = loaded(Role::Deployer, EnvMode::RolledBack, "dep_041");
    let buffer = draw(&mut state, 80, 24, &theme);
    let (x, y) = find(&buffer, "ROLLED BACK");
    assert_eq!(buffer[(x, y)].fg, theme.warning.fg.unwrap());
    assert!(text(&buffer).lines().next().unwrap().contains("LIVE v41"));
}

#[test]
fn pushes_held_back_by_a_rollback_are_marked() {
    let theme = Theme::default();
    let mut state = loaded(Role::Deployer, EnvMode::RolledBack, "dep_041");
    let env = env_ref();
    let mut changes = history();
    // Rolled back to v41 ten minutes ago; v42 came after (five minutes ago) and got nothing.
    changes.insert(
        1,
        LiveChange {
            at: t0() - Span::minutes(10),
            deployment: DeploymentId::new("dep_041"),
            cause: LiveCause::Rollback,
            actor: Some("oncall".into()),
            scope: Default::default(),
        },
    );
    changes.pop();
    poll(
        &mut state,
        Resource::LiveHistory(env.clone()),
        Ok(Fetched::LiveHistory(env.clone(), changes.clone())),
    );
    let screen = text(&draw(&mut state, 120, 40, &theme));
    let held: Vec<&str> = screen.lines().filter(|l| l.contains("⏸held")).collect();
    assert_eq!(held.len(), 1, "{screen}");
    assert!(held[0].contains("v42"), "{screen}");
    key(&mut state, KeyPress::char('k'));
    let screen = text(&draw(&mut state, 120, 40, &theme));
    assert!(
        screen.contains("v42 came after the rollback: no traffic until promote"),
        "{screen}"
    );
    // Back to normal (a promote), nothing is held.
    let mut normal = loaded(Role::Deployer, EnvMode::Normal, "dep_041");
    poll(
        &mut normal,
        Resource::LiveHistory(env.clone()),
        Ok(Fetched::LiveHistory(env, changes)),
    );
    let screen = text(&draw(&mut normal, 120, 40, &theme));
    assert!(!screen.contains("held"), "{screen}");
}

#[test]
fn stale_header_keeps_old_data_and_says_why() {
    let make = || {
        let mut state = bad_deploy();
        let env = env_ref();
        update(
            &mut state,
            Msg::Tick {
                now: t0() + Span::seconds(3),
                real: t0() + Span::seconds(3),
            },
        );
        poll(
            &mut state,
            Resource::Environment(env),
            Err(BackendError::transient("HTTP 503")),
        );
        update(
            &mut state,
            Msg::Tick {
                now: t0() + Span::seconds(8),
                real: t0() + Span::seconds(8),
            },
        );
        state
    };
    snap_both("stale", make);
    let theme = Theme::default();
    let mut state = make();
    let buffer = draw(&mut state, 80, 24, &theme);
    let screen = text(&buffer);
    assert!(screen.contains("STALE 8s: HTTP 503"), "{screen}");
    assert!(screen.contains("v41"), "old data stays visible");
    let (x, y) = find(&buffer, "STALE");
    assert_eq!(buffer[(x, y)].bg, theme.stale.bg.unwrap());

    // Without colour, the word and the symbol still say it.
    let mono = Theme::built_in("mono").unwrap();
    let mut state = make();
    let buffer = draw(&mut state, 80, 24, &mono);
    let (x, y) = find(&buffer, "STALE");
    assert!(buffer[(x, y)].modifier.contains(Modifier::REVERSED));
    assert!(text(&buffer).contains("⚠ STALE"));
}

#[test]
fn fresh_data_is_not_stale_a_second_before_three_intervals() {
    let mut state = bad_deploy();
    update(
        &mut state,
        Msg::Tick {
            now: t0() + Span::seconds(6),
            real: t0() + Span::seconds(6),
        },
    );
    assert_eq!(state.stale(), None);
    update(
        &mut state,
        Msg::Tick {
            now: t0() + Span::seconds(7),
            real: t0() + Span::seconds(7),
        },
    );
    assert_eq!(state.stale().as_deref(), Some("no answer for 7s"));
}

#[test]
fn unreachable_backend_panel() {
    let make = || {
        let mut state = State::new(
            "shared".into(),
            Capabilities::everything(),
            switchback::app::state::Settings::from_config(&Config::default()),
            Keymap::default(),
            t0(),
        );
        update(
            &mut state,
            Msg::Poll(PollEvent {
                resource: Resource::Projects,
                at: t0(),
                outcome: Err(BackendError::transient("connection refused")),
                failures: 2,
                next_in: Duration::from_secs(8),
            }),
        );
        state
    };
    snap_both("unreachable", make);
    let mut state = make();
    let screen = text(&draw(&mut state, 80, 24, &Theme::default()));
    assert!(screen.contains("cannot reach shared"));
    assert!(screen.contains("connection refused"));
    assert!(screen.contains("next retry in 8s"));
    // Help still opens.
    key(&mut state, KeyPress::char('?'));
    assert!(text(&draw(&mut state, 80, 24, &Theme::default())).contains("Help"));
}

#[test]
fn empty_and_loading_states() {
    snap_both("empty", || {
        let mut state = bad_deploy();
        poll(
            &mut state,
            Resource::Deployments(env_ref()),
            Ok(Fetched::Deployments {
                env: env_ref(),
                items: vec![],
                complete: true,
            }),
        );
        poll(
            &mut state,
            Resource::Metrics(env_ref()),
            Ok(Fetched::Metrics {
                env: env_ref(),
                series: MetricSeries {
                    source: MetricSource::Prometheus,
                    step_secs: 30,
                    points: vec![],
                },
                current: None,
            }),
        );
        state
    });
    snap_both("loading", || {
        State::new(
            "demo".into(),
            Capabilities::everything(),
            switchback::app::state::Settings::from_config(&Config::default()),
            Keymap::default(),
            t0(),
        )
    });
}

#[test]
fn the_header_figure_is_the_sources_own_now_answer() {
    let mut state = bad_deploy();
    let before = text(&draw(&mut state, 80, 24, &Theme::default()));
    assert!(before.contains("live v42 8.1%"), "{before}");
    poll(
        &mut state,
        Resource::Metrics(env_ref()),
        Ok(Fetched::Metrics {
            env: env_ref(),
            series: series(15, 0.001, 0.081, 5),
            current: Some(MetricPoint {
                at: t0(),
                deployment: None,
                requests: 1000.0,
                errors: 25.0,
                p95_ms: None,
            }),
        }),
    );
    let screen = text(&draw(&mut state, 80, 24, &Theme::default()));
    assert!(screen.contains("live v42 2.5%"), "{screen}");
}

#[test]
fn empty_series_says_no_data_never_zero() {
    let mut state = bad_deploy();
    poll(
        &mut state,
        Resource::Metrics(env_ref()),
        Ok(Fetched::Metrics {
            env: env_ref(),
            series: MetricSeries {
                source: MetricSource::Prometheus,
                step_secs: 30,
                points: vec![],
            },
            current: None,
        }),
    );
    let screen = text(&draw(&mut state, 80, 24, &Theme::default()));
    assert!(screen.contains("live v42 no data"), "{screen}");
    assert!(screen.contains("prometheus"));
    assert!(!screen.contains("live v42 0"));
}

#[test]
fn read_only_role() {
    snap_both("read_only", || {
        loaded(Role::ReadOnly, EnvMode::Normal, "dep_042")
    });
}

#[test]
fn sizes_from_too_small_to_minimum() {
    let theme = Theme::default();
    let mut state = bad_deploy();
    let buffer = draw(&mut state, 59, 15, &theme);
    insta::assert_snapshot!("too_small_59x15", text(&buffer));
    assert!(text(&buffer).contains("terminal too small"));
    let buffer = draw(&mut state, 60, 16, &theme);
    insta::assert_snapshot!("minimum_60x16", text(&buffer));
    let buffer = draw(&mut state, 79, 24, &theme);
    insta::assert_snapshot!("narrow_79x24", text(&buffer));

    // A modal larger than the screen says that more facts follow, and scrolls to them.
    open(&mut state, Action::Rollback, deployments()[1].clone());
    let buffer = draw(&mut state, 60, 16, &theme);
    insta::assert_snapshot!("confirm_minimum_60x16", text(&buffer));
    assert!(text(&buffer).contains("↓ more"));
    for _ in 0..20 {
        key(&mut state, KeyPress::plain(KeyCode::Down));
    }
    let screen = text(&draw(&mut state, 60, 16, &theme));
    assert!(screen.contains("refused if v42"), "{screen}");
}

#[test]
fn no_size_crashes_even_with_a_modal_open() {
    let theme = Theme::default();
    let mut state = bad_deploy();
    open(&mut state, Action::Rollback, deployments()[1].clone());
    for w in (0..140).step_by(7) {
        for h in (0..50).step_by(3) {
            draw(&mut state, w, h, &theme);
        }
    }
    assert!(matches!(
        state.overlay,
        switchback::app::state::Overlay::Confirm(_)
    ));
}

#[test]
fn help_operations_log_details_and_pickers() {
    snap_both("help", || {
        let mut s = bad_deploy();
        key(&mut s, KeyPress::char('?'));
        s
    });
    snap_both("operations_log", || {
        let mut s = bad_deploy();
        s.push_log(
            switchback::app::state::Level::Error,
            "rollback to v37 refused: artifact pruned",
        );
        key(&mut s, KeyPress::char('l'));
        s
    });
    snap_both("details", || {
        let mut s = bad_deploy();
        key(&mut s, KeyPress::plain(KeyCode::Enter));
        s
    });
    snap_both("environment_picker", || {
        let mut s = bad_deploy();
        key(&mut s, KeyPress::char('e'));
        s
    });
    snap_both("project_picker", || {
        let mut s = bad_deploy();
        key(&mut s, KeyPress::char('o'));
        s
    });
}

#[test]
fn help_is_generated_from_the_keymap() {
    let mut config = switchback::config::keys::KeysConfig::default();
    config.0.insert("rollback".into(), vec!["R".into()]);
    let mut state = bad_deploy();
    state.keymap = Keymap::build(&config).unwrap();
    key(&mut state, KeyPress::char('?'));
    let screen = text(&draw(&mut state, 120, 40, &Theme::default()));
    let line = screen
        .lines()
        .find(|l| l.contains("roll back to the selected"))
        .unwrap();
    assert!(line.contains(" R "), "{line}");
}

#[test]
fn confirm_modals() {
    snap_both("confirm_rollback_production", || {
        let mut s = bad_deploy();
        open(&mut s, Action::Rollback, deployments()[1].clone());
        keys(&mut s, "prod");
        s
    });
    snap_both("confirm_rollback_wrong_name", || {
        let mut s = bad_deploy();
        open(&mut s, Action::Rollback, deployments()[1].clone());
        keys(&mut s, "staging");
        key(&mut s, KeyPress::plain(KeyCode::Enter));
        s
    });
    snap_both("confirm_promote_staging", || {
        let mut s = bad_deploy();
        s.settings.protected_environments.clear();
        open(&mut s, Action::Promote, deployments()[1].clone());
        s
    });
    snap_both("confirm_redeploy_pruned", || {
        let mut s = bad_deploy();
        s.settings.protected_environments.clear();
        open(&mut s, Action::Redeploy, deployments()[5].clone());
        s
    });
}

#[test]
fn refused_action_shows_why_and_opens_nothing() {
    let mut s = bad_deploy();
    update(
        &mut s,
        Msg::Planned {
            action: Action::Rollback,
            env: env_ref(),
            target: DeploymentId::new("dep_037"),
            result: Err(PlanError::Refused(Refusal {
                action: Action::Rollback,
                target_label: "v37".into(),
                reason: "the artifact of v37 was pruned".into(),
                code: Some("artifact_pruned".into()),
                suggestion: Some(Action::Redeploy),
            })),
        },
    );
    assert!(matches!(s.overlay, switchback::app::state::Overlay::None));
    let theme = Theme::default();
    let buffer = draw(&mut s, 80, 24, &theme);
    insta::assert_snapshot!("refused_pruned_80x24", text(&buffer));
    // The verdict first, then what to do instead; the platform's words are in the log.
    let (x, y) = find(&buffer, "v37 pruned by retention");
    assert_eq!(buffer[(x, y)].fg, theme.danger.fg.unwrap());
    assert!(text(&buffer).contains("redeploy it with d · l for details"));
}

#[test]
fn operation_in_progress_and_conflict_toast() {
    snap_both("operation_running", || {
        let mut s = bad_deploy();
        update(
            &mut s,
            Msg::Started {
                action: Action::Rollback,
                env: env_ref(),
                target_label: "dep_041".into(),
                result: Ok(OperationHandle {
                    id: OperationId::new("op_1"),
                    kind: OperationKind::Rollback,
                    env: env_ref(),
                    new_deployment: None,
                }),
            },
        );
        let op = Operation {
            id: OperationId::new("op_1"),
            kind: OperationKind::Rollback,
            env: env_ref(),
            target: DeploymentId::new("dep_041"),
            expected_live: Some(DeploymentId::new("dep_042")),
            idempotency_key: "k".into(),
            actor: "oncall@acme".into(),
            status: OperationStatus::InProgress,
            strategy: Some(Strategy::Rolling),
            scope: Scope::default(),
            steps: vec![
                Step {
                    expected_secs: None,
                    name: "check target".into(),
                    status: StepStatus::Done,
                    started_at: None,
                    finished_at: None,
                },
                Step {
                    expected_secs: None,
                    name: "switch domains".into(),
                    status: StepStatus::Running,
                    started_at: None,
                    finished_at: None,
                },
            ],
            log: vec![LogLine {
                at: t0(),
                level: LogLevel::Info,
                message: "moving shop.example.com to v41".into(),
            }],
            created_at: t0() - Span::seconds(2),
            updated_at: t0(),
            finished_at: None,
            new_deployment: None,
            error: None,
        };
        poll(
            &mut s,
            Resource::Operation(env_ref(), op.id.clone()),
            Ok(Fetched::Operation(op)),
        );
        s
    });
    snap_both("conflict_toast", || {
        let mut s = bad_deploy();
        update(
            &mut s,
            Msg::Started {
                action: Action::Rollback,
                env: env_ref(),
                target_label: "dep_041".into(),
                result: Err(BackendError::Conflict {
                    live_now: Some(DeploymentId::new("dep_040")),
                    live_label: Some("v40".into()),
                    changed_by: Some("dana@acme".into()),
                    message: "live moved".into(),
                }),
            },
        );
        s
    });
}

#[test]
fn filter_and_last_good() {
    snap_both("filter", || {
        let mut s = bad_deploy();
        key(&mut s, KeyPress::char('/'));
        keys(&mut s, "bob");
        s
    });
    snap_both("last_good", || {
        let mut s = bad_deploy();
        key(&mut s, KeyPress::char('g'));
        update(
            &mut s,
            Msg::LastGood {
                env: env_ref(),
                result: Ok(Some(LastGood {
                    deployment: DeploymentId::new("dep_041"),
                    live_from: t0() - Span::days(2),
                    live_until: t0() - Span::minutes(5),
                    rate: 0.001,
                    threshold: 0.01,
                })),
            },
        );
        detail_v41(&mut s);
        s
    });
}

#[test]
fn ten_thousand_rows_draw_only_what_is_visible() {
    let theme = Theme::default();
    let mut state = bad_deploy();
    let many: Vec<Deployment> = (0..10_000u32)
        .rev()
        .map(|n| {
            deployment(
                n,
                Span::minutes(i64::from(10_000 - n)),
                RuntimeState::SpunDown,
                "eve",
                "change",
            )
        })
        .collect();
    poll(
        &mut state,
        Resource::Deployments(env_ref()),
        Ok(Fetched::Deployments {
            env: env_ref(),
            items: many,
            complete: true,
        }),
    );
    key(&mut state, KeyPress::char('G'));
    let buffer = draw(&mut state, 80, 24, &theme);
    insta::assert_snapshot!("large_bottom_80x24", text(&buffer));
    assert!(text(&buffer).contains("v0 "));
    for _ in 0..3 {
        key(&mut state, KeyPress::plain(KeyCode::PageUp));
    }
    let screen = text(&draw(&mut state, 80, 24, &theme));
    assert!(
        screen.contains(&format!("v{} ", 3 * state.list_rows)),
        "{screen}"
    );
}

/// A Kubernetes-shaped diff: pod template details, hosts that stay on the Service.
fn diff_kubernetes(details: usize) -> Diff {
    let all = [
        ("image", "app", "shop:v42", "shop:v41"),
        ("env", "app/LOG_LEVEL", "debug", "info"),
        (
            "resources",
            "app",
            "cpu 500m memory 512Mi",
            "cpu 250m memory 256Mi",
        ),
        ("args", "app", "--workers=8", "--workers=4"),
        (
            "change-cause",
            "kubernetes.io/change-cause",
            "deploy v42",
            "deploy v41",
        ),
    ];
    let mut diff = diff_v41();
    diff.migrations_not_reverted.clear();
    diff.config_drift.clear();
    diff.details = all
        .into_iter()
        .take(details)
        .map(|(section, name, live, target)| DiffDetail {
            section: section.into(),
            name: name.into(),
            live: Some(live.into()),
            target: Some(target.into()),
        })
        .collect();
    for d in &mut diff.domains {
        d.moves = false;
        d.from = None;
        d.to = None;
    }
    diff
}

/// The bad-deploy picture on a platform whose switches never move hostnames.
fn kubernetes_state(details: usize) -> State {
    let mut s = bad_deploy();
    s.capabilities.domains_move = false;
    s.capabilities.rolled_back_mode = false;
    s.capabilities.strategies.clear();
    s.capabilities.components = false;
    s.capabilities.regions = false;
    update(
        &mut s,
        Msg::Detail {
            env: env_ref(),
            target: DeploymentId::new("dep_041"),
            data: DetailData {
                diff: Ok(diff_kubernetes(details)),
                actions: vec![ActionAvailability::allowed(Action::Rollback)],
                target_rate: Some(0.001),
            },
        },
    );
    s
}

fn open_kubernetes(state: &mut State, details: usize) {
    let msg = planned(
        state,
        Action::Rollback,
        deployments()[1].clone(),
        Some(diff_kubernetes(details)),
    );
    update(state, msg);
}

#[test]
fn kubernetes_details_and_hosts_that_stay() {
    snap_both("kubernetes_detail", || kubernetes_state(5));
    snap_both("kubernetes_confirm", || {
        let mut s = kubernetes_state(5);
        open_kubernetes(&mut s, 5);
        s
    });
    // A few details are all drawn, with no `+N more`.
    let theme = Theme::default();
    let mut s = kubernetes_state(2);
    let screen = text(&draw(&mut s, 120, 40, &theme));
    assert!(
        screen.contains("env app/LOG_LEVEL debug → info"),
        "{screen}"
    );
    assert!(!screen.contains("more"), "{screen}");
    assert!(
        !screen.contains("→ v41"),
        "hosts must not be said to move:\n{screen}"
    );
}

#[test]
fn moving_hosts_and_no_details_say_nothing_of_the_service() {
    let theme = Theme::default();
    let mut s = bad_deploy();
    open(&mut s, Action::Rollback, deployments()[1].clone());
    let screen = text(&draw(&mut s, 120, 40, &theme));
    assert!(screen.contains("shop.example.com → v41"), "{screen}");
    assert!(!screen.contains("same Service"), "{screen}");
    assert!(!screen.contains("changes"), "{screen}");
}

#[path = "screens/truth.rs"]
mod truth;
