//! The states that must tell the whole truth, at 80x24, 120x40 and 60x16: a mixed
//! environment, a push held by rolled-back mode, another engineer's operation, a modal whose
//! live changed, a stale figure, and messages longer than the line.

use super::*;
use switchback::app::state::{Level, Overlay};

/// Snapshots a state at 80x24, 120x40 and 60x16.
fn snap_three(name: &str, mut make: impl FnMut() -> State) {
    let theme = Theme::default();
    for (w, h) in [(80, 24), (120, 40), (60, 16)] {
        let mut state = make();
        let buffer = draw(&mut state, w, h, &theme);
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), text(&buffer));
    }
}

fn change(minutes: i64, d: &str, cause: LiveCause, actor: &str, scope: Scope) -> LiveChange {
    LiveChange {
        at: t0() - Span::minutes(minutes),
        deployment: DeploymentId::new(d),
        cause,
        actor: Some(actor.into()),
        scope,
    }
}

fn web() -> Scope {
    Scope {
        components: vec!["web".into()],
        regions: vec![],
    }
}

/// Production after dana rolled back only the `web` component to v41, 3 minutes ago.
fn mixed() -> State {
    let mut state = bad_deploy();
    state.projects[0].components = vec!["web".into(), "worker".into()];
    let mut env = environment(EnvMode::RolledBack, "dep_042");
    env.mixed = vec![LivePart {
        deployment: DeploymentId::new("dep_041"),
        label: Some("v41".into()),
        scope: web(),
    }];
    poll(
        &mut state,
        Resource::Environment(env_ref()),
        Ok(Fetched::Environment(env)),
    );
    let mut changes = history();
    changes.push(change(3, "dep_041", LiveCause::Rollback, "dana", web()));
    poll(
        &mut state,
        Resource::LiveHistory(env_ref()),
        Ok(Fetched::LiveHistory(env_ref(), changes)),
    );
    state
}

#[test]
fn a_platform_that_tells_its_split_is_shown_in_its_words() {
    let mut state = bad_deploy();
    let mut env = environment(EnvMode::Normal, "dep_042");
    env.live_label = Some("v42 on 4/6 Machines, v41 on 2".into());
    env.mixed = vec![LivePart {
        deployment: DeploymentId::new("dep_041"),
        label: Some("v41 on 2 Machines".into()),
        scope: Scope {
            components: vec!["app".into()],
            regions: vec!["ord".into()],
        },
    }];
    poll(
        &mut state,
        Resource::Environment(env_ref()),
        Ok(Fetched::Environment(env)),
    );
    let screen = text(&draw(&mut state, 120, 40, &Theme::default()));
    let header = screen.lines().next().unwrap();
    assert!(
        header.contains("LIVE v42 on 4/6 Machines, v41 on 2"),
        "{header}"
    );
    assert!(
        screen.contains("serving v42 on 4/6 Machines, v41 on 2 (mixed)"),
        "{screen}"
    );
    assert!(screen.contains("live app in ord"), "{screen}");
}

#[test]
fn a_mixed_environment_says_who_serves_what_everywhere() {
    snap_three("mixed", mixed);
    let mut state = mixed();
    let screen = text(&draw(&mut state, 80, 24, &Theme::default()));
    let header = screen.lines().next().unwrap();
    assert!(header.contains("LIVE web v41, worker v42"), "{header}");
    assert!(
        screen.contains("◐ v41"),
        "the list marks the part-live deployment"
    );
    assert!(screen.contains("live web"), "{screen}");
    // The figure is the environment's, and says so.
    assert!(screen.contains("production 8.1%"), "{screen}");
    assert!(
        screen.contains("serving web v41, worker v42 (mixed)"),
        "{screen}"
    );
}

/// Rolled back to v41 three minutes ago (v42 had gone live five minutes ago); v43 was pushed
/// since and is ready.
fn held() -> State {
    let mut state = loaded(Role::Deployer, EnvMode::RolledBack, "dep_041");
    let mut items = deployments();
    let mut v43 = deployment(
        43,
        Span::minutes(2),
        RuntimeState::Running,
        "erin",
        "fix search index",
    );
    v43.is_live = false;
    items[0].is_live = false;
    items[1].is_live = true;
    items.insert(0, v43);
    poll(
        &mut state,
        Resource::Deployments(env_ref()),
        Ok(Fetched::Deployments {
            env: env_ref(),
            items,
            complete: true,
        }),
    );
    let mut changes = history();
    changes.push(change(
        3,
        "dep_041",
        LiveCause::Rollback,
        "dana",
        Scope::default(),
    ));
    poll(
        &mut state,
        Resource::LiveHistory(env_ref()),
        Ok(Fetched::LiveHistory(env_ref(), changes)),
    );
    key(&mut state, KeyPress::char('g'));
    state
}

#[test]
fn a_push_during_rolled_back_mode_is_held_and_the_mode_says_how_to_leave() {
    snap_three("held_push", held);
    let mut state = held();
    let screen = text(&draw(&mut state, 80, 24, &Theme::default()));
    let row = screen.lines().find(|l| l.contains("v43")).unwrap();
    assert!(row.contains("held"), "{row}");
    let row = screen.lines().find(|l| l.contains("v42")).unwrap();
    assert!(
        !row.contains("held"),
        "what came before the rollback is not held: {row}"
    );
    assert!(
        screen.contains("ROLLED BACK since 02:57 by dana: p on v41 confirms it"),
        "{screen}"
    );
    assert!(screen.contains("no traffic until promote"), "{screen}");
}

/// dana's cold rollback to v40 under way: 3 of 9 steps done, 1m05s in.
fn others_operation() -> State {
    let mut state = bad_deploy();
    let step = |i: usize, status: StepStatus| Step {
        name: format!("start web@us-east-1#{i}"),
        status,
        started_at: Some(t0() - Span::seconds(65) + Span::seconds(20 * i as i64)),
        finished_at: None,
        expected_secs: Some(20),
    };
    let mut steps: Vec<Step> = (0..8)
        .map(|i| {
            step(
                i,
                match i {
                    0..3 => StepStatus::Done,
                    3 => StepStatus::Running,
                    _ => StepStatus::Pending,
                },
            )
        })
        .collect();
    steps.push(Step {
        name: "health check".into(),
        status: StepStatus::Pending,
        started_at: None,
        finished_at: None,
        expected_secs: Some(5),
    });
    let op = Operation {
        id: OperationId::new("op_7"),
        kind: OperationKind::Rollback,
        env: env_ref(),
        target: DeploymentId::new("dep_040"),
        expected_live: Some(DeploymentId::new("dep_042")),
        idempotency_key: "dana-key".into(),
        actor: "dana".into(),
        status: OperationStatus::InProgress,
        strategy: Some(Strategy::Rolling),
        scope: Scope::default(),
        steps,
        log: vec![LogLine {
            at: t0() - Span::seconds(65),
            level: LogLevel::Info,
            message: "rollback of production to v40 requested by dana".into(),
        }],
        created_at: t0() - Span::seconds(65),
        updated_at: t0(),
        finished_at: None,
        new_deployment: None,
        error: None,
    };
    // The first read of the operations only learns what exists; the next is news.
    poll(
        &mut state,
        Resource::Operations(env_ref()),
        Ok(Fetched::Operations(env_ref(), vec![])),
    );
    poll(
        &mut state,
        Resource::Operations(env_ref()),
        Ok(Fetched::Operations(env_ref(), vec![op])),
    );
    state
}

#[test]
fn another_engineers_operation_is_announced_and_followed() {
    snap_three("others_operation", others_operation);
    let mut state = others_operation();
    let toast = state.toast.clone().expect("announced");
    assert_eq!(toast.text, "dana started to roll back to v40 at 02:58");
    let entry = state.log.last().unwrap();
    assert_eq!(entry.operation.as_ref().unwrap().as_str(), "op_7");
    let screen = text(&draw(&mut state, 80, 24, &Theme::default()));
    assert!(
        screen.contains("dana's rollback to v40 · in progress · step 4/9 · 1m05s · ETA ~1m40s"),
        "{screen}"
    );
    assert!(screen.contains("▶ start web@us-east-1#3"), "{screen}");
}

/// A rollback modal open on v42 live; then dana made v41 live and the plan was made again.
fn modal_live_changed() -> State {
    let mut state = bad_deploy();
    open(&mut state, Action::Rollback, deployments()[2].clone());
    let mut changes = history();
    changes.push(change(
        0,
        "dep_041",
        LiveCause::Rollback,
        "dana",
        Scope::default(),
    ));
    poll(
        &mut state,
        Resource::LiveHistory(env_ref()),
        Ok(Fetched::LiveHistory(env_ref(), changes)),
    );
    update(
        &mut state,
        Msg::Tick {
            now: t0() + Span::seconds(3),
            real: t0() + Span::seconds(3),
        },
    );
    let at = state.real_now;
    let commands = update(
        &mut state,
        Msg::Poll(PollEvent {
            resource: Resource::Environment(env_ref()),
            at,
            outcome: Ok(Fetched::Environment(environment(
                EnvMode::RolledBack,
                "dep_041",
            ))),
            failures: 0,
            next_in: Duration::from_secs(2),
        }),
    );
    assert!(
        commands
            .iter()
            .any(|c| matches!(c, switchback::app::Command::Plan { .. })),
        "the plan is made again: {commands:?}"
    );
    let msg = planned(
        &state,
        Action::Rollback,
        deployments()[2].clone(),
        Some(diff_v41()),
    );
    update(&mut state, msg);
    state
}

#[test]
fn a_modal_whose_live_changed_says_so_and_shows_the_new_facts() {
    snap_three("modal_live_changed", modal_live_changed);
    let mut state = modal_live_changed();
    let Overlay::Confirm(modal) = &state.overlay else {
        panic!("the modal stays open")
    };
    assert_eq!(modal.plan.live_label(), Some("v41"), "the new facts");
    assert!(
        !modal.can_confirm(),
        "nothing confirms before the new facts are seen"
    );
    let screen = text(&draw(&mut state, 80, 24, &Theme::default()));
    assert!(
        screen.contains("! live changed to v41 by dana 3s ago"),
        "{screen}"
    );
}

/// The metrics have failed for a minute while the rest answers.
fn stale_figure() -> State {
    let mut state = bad_deploy();
    let later = t0() + Span::seconds(70);
    update(
        &mut state,
        Msg::Tick {
            now: later,
            real: later,
        },
    );
    for resource in [
        Resource::Environment(env_ref()),
        Resource::Deployments(env_ref()),
    ] {
        let outcome = match &resource {
            Resource::Environment(_) => {
                Fetched::Environment(environment(EnvMode::Normal, "dep_042"))
            }
            _ => Fetched::Deployments {
                env: env_ref(),
                items: deployments(),
                complete: true,
            },
        };
        poll(&mut state, resource, Ok(outcome));
    }
    update(
        &mut state,
        Msg::Poll(PollEvent {
            resource: Resource::Metrics(env_ref()),
            at: later,
            outcome: Err(BackendError::transient("HTTP 503")),
            failures: 4,
            next_in: Duration::from_secs(30),
        }),
    );
    state
}

#[test]
fn a_stale_figure_is_marked_on_the_figure_itself() {
    snap_three("stale_figure", stale_figure);
    let theme = Theme::default();
    let mut state = stale_figure();
    let buffer = draw(&mut state, 80, 24, &theme);
    let screen = text(&buffer);
    assert!(screen.contains("live v42 8.1% ▲ ⚠ 1m old"), "{screen}");
    assert!(
        !screen.lines().next().unwrap().contains("STALE"),
        "the header's data is fresh"
    );
    let (x, y) = find(&buffer, "⚠ 1m old");
    assert_eq!(buffer[(x, y)].fg, theme.stale.fg.unwrap());
    // Narrower than 80 columns the figure moves into the detail title, marks and all.
    let buffer = draw(&mut state, 60, 16, &theme);
    let (x, y) = find(&buffer, "8.1% ▲ ⚠ 1m old");
    assert_eq!(buffer[(x, y)].fg, theme.danger.fg.unwrap());
}

fn long_message() -> State {
    let mut state = bad_deploy();
    state.say(
        Level::Error,
        "refused: dana rolled back to v41 at 02:57 while this console was reading the \
         modal for the rollback to v40, after the deploy of v42 went bad",
        "; nothing was done",
        Some("acme/storefront · production changed meanwhile: you expected v42 live".into()),
    );
    state
}

#[test]
fn a_long_message_keeps_its_verdict_and_next_step_until_the_next_key() {
    snap_three("long_message", long_message);
    let mut state = long_message();
    for (w, h) in [(80, 24), (60, 16)] {
        let screen = text(&draw(&mut state, w, h, &Theme::default()));
        let bottom: Vec<&str> = screen.lines().rev().take(2).collect();
        let both = format!("{}{}", bottom[1], bottom[0]);
        assert!(
            both.contains("✗ refused: dana rolled back to v41"),
            "{screen}"
        );
        assert!(
            both.contains("nothing was done · l for details"),
            "{screen}"
        );
    }
    // Time passes: it stays. A key: it goes.
    let later = t0() + Span::minutes(5);
    update(
        &mut state,
        Msg::Tick {
            now: later,
            real: later,
        },
    );
    assert!(state.toast.is_some());
    key(&mut state, KeyPress::char('j'));
    assert!(state.toast.is_none());
}

#[test]
fn a_rate_above_the_threshold_is_flagged_wherever_it_is_printed() {
    let theme = Theme::default();
    let mut state = bad_deploy();
    key(&mut state, KeyPress::char('g'));
    for (w, h) in [(80, 24), (60, 16)] {
        let buffer = draw(&mut state, w, h, &theme);
        let (x, y) = find(&buffer, "8.1% ▲");
        assert_eq!(buffer[(x, y)].fg, theme.danger.fg.unwrap(), "{w}x{h}");
    }
    // The detail pane's errors line, for the live deployment, at every width.
    let buffer = draw(&mut state, 120, 40, &theme);
    let screen = text(&buffer);
    let line = screen.lines().find(|l| l.starts_with(" errors")).unwrap();
    assert!(line.contains("8.1% ▲"), "{line}");
}

#[test]
fn the_data_age_ticks_every_second_and_nothing_else_is_redrawn() {
    let theme = Theme::default();
    let mut state = bad_deploy();
    let mut previous = draw(&mut state, 80, 24, &theme);
    let mut labels = Vec::new();
    for secs in 1..=20 {
        let now = t0() + Span::seconds(secs);
        update(&mut state, Msg::Tick { now, real: now });
        // The rest keeps answering the same; only the environment's own poll has stopped.
        poll(
            &mut state,
            Resource::Deployments(env_ref()),
            Ok(Fetched::Deployments {
                env: env_ref(),
                items: deployments(),
                complete: true,
            }),
        );
        poll(
            &mut state,
            Resource::Metrics(env_ref()),
            Ok(Fetched::Metrics {
                env: env_ref(),
                series: series(15, 0.001, 0.081, 5),
                current: None,
            }),
        );
        let next = draw(&mut state, 80, 24, &theme);
        let changed: Vec<(u16, u16)> = previous
            .diff(&next)
            .into_iter()
            .map(|(x, y, _)| (x, y))
            .collect();
        assert!(
            changed.iter().all(|(_, y)| *y == 0),
            "at {secs}s only the header changed: {changed:?}"
        );
        labels.push(text(&next).lines().next().unwrap().to_owned());
        previous = next;
    }
    // From five seconds on, every second shows a new age.
    for pair in labels[4..].windows(2) {
        assert_ne!(pair[0], pair[1]);
    }
    assert!(labels[4].ends_with("polled 5s ago"), "{}", labels[4]);
    assert!(labels[19].contains("STALE 20s"), "{}", labels[19]);
}

#[test]
fn a_refused_token_is_not_called_unreachable() {
    let theme = Theme::default();
    let mut state = State::new(
        "shared".into(),
        Capabilities::everything(),
        switchback::app::state::Settings::from_config(&Config::default()),
        Keymap::default(),
        t0(),
    );
    let words = "not authenticated: the platform at http://127.0.0.1:7878 refused the token in \
                 $SHARED_TOKEN (the bearer token is not valid); check that it is current";
    for resource in [Resource::Projects, Resource::Projects] {
        update(
            &mut state,
            Msg::Poll(PollEvent {
                resource,
                at: t0(),
                outcome: Err(BackendError::Unauthorized {
                    message: words["not authenticated: ".len()..].to_owned(),
                }),
                failures: 1,
                next_in: Duration::from_secs(4),
            }),
        );
    }
    let screen = text(&draw(&mut state, 80, 24, &theme));
    assert!(screen.contains("NOT AUTHORIZED"), "{screen}");
    assert!(
        !screen.contains("UNREACHABLE") && !screen.contains("cannot reach"),
        "{screen}"
    );
    assert!(
        screen.contains("shared refused the credentials"),
        "{screen}"
    );
    let joined: String = screen.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(joined.contains("http://127.0.0.1:7878"), "{screen}");
    assert!(joined.contains("$SHARED_TOKEN"), "{screen}");
}

#[test]
fn a_list_past_its_bounds_is_a_bad_answer_not_an_outage() {
    let theme = Theme::default();
    let mut state = State::new(
        "shared".into(),
        Capabilities::everything(),
        switchback::app::state::Settings::from_config(&Config::default()),
        Keymap::default(),
        t0(),
    );
    let paging = switchback::operation::pages::PagingError::Unbounded {
        platform: "Vercel",
        what: "projects",
        items: 0,
        pages: 1000,
    };
    update(
        &mut state,
        Msg::Poll(PollEvent {
            resource: Resource::Projects,
            at: t0(),
            outcome: Err(BackendError::from(paging)),
            failures: 1,
            next_in: Duration::from_secs(4),
        }),
    );
    let screen = text(&draw(&mut state, 80, 24, &theme));
    assert!(screen.contains("BAD ANSWERS"), "{screen}");
    assert!(
        screen.contains("shared answered, but not usably"),
        "{screen}"
    );
    assert!(
        !screen.contains("UNREACHABLE") && !screen.contains("cannot reach"),
        "{screen}"
    );
    assert!(
        screen.contains("Vercel") && screen.contains("kept paging past the bound"),
        "{screen}"
    );
}

#[test]
fn in_an_outage_only_the_header_counts_the_seconds() {
    let theme = Theme::default();
    let mut state = bad_deploy();
    // Everything stale: the panels say so once, then only the header ticks.
    let at = |secs| t0() + Span::seconds(secs);
    update(
        &mut state,
        Msg::Tick {
            now: at(10),
            real: at(10),
        },
    );
    let mut previous = draw(&mut state, 80, 24, &theme);
    for secs in 11..=40 {
        update(
            &mut state,
            Msg::Tick {
                now: at(secs),
                real: at(secs),
            },
        );
        let next = draw(&mut state, 80, 24, &theme);
        assert!(
            previous.diff(&next).iter().all(|(_, y, _)| *y == 0),
            "at {secs}s"
        );
        previous = next;
    }
    let screen = text(&previous);
    assert!(screen.contains("Deployments (6) ⚠ <1m old"), "{screen}");
    assert!(screen.contains("8.1% ▲ ⚠ <1m old"), "{screen}");
}

mod messages {
    use proptest::prelude::*;
    use switchback::ui::message::fit;
    use unicode_width::UnicodeWidthStr;

    fn word() -> impl Strategy<Value = String> {
        "[a-z0-9é日]{1,10}"
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Whatever the verdict's length and the screen's width (from the smallest the
        /// console draws), at most two lines, none wider than the screen, the first clause
        /// first and the next step whole at the end.
        #[test]
        fn a_message_keeps_its_first_clause_and_its_next_step(
            clause in prop::collection::vec(word(), 1..4),
            rest in prop::collection::vec(word(), 0..200),
            next in prop::sample::select(vec![
                ": redeploy it with d",
                "; nothing was done",
                "; nothing was done · l for details",
                "",
            ]),
            width in 56usize..220,
        ) {
            let clause = clause.join(" ");
            let verdict = if rest.is_empty() {
                clause.clone()
            } else {
                format!("{clause}: {}", rest.join(" "))
            };
            let lines = fit(&verdict, next, width, 2);
            prop_assert!(!lines.is_empty() && lines.len() <= 2, "{lines:?}");
            for line in &lines {
                prop_assert!(line.width() <= width, "{line:?} in {width}");
            }
            prop_assert!(lines[0].starts_with(&clause), "{lines:?}");
            prop_assert!(lines.last().unwrap().ends_with(next), "{lines:?}");
        }
    }
}

#[test]
fn right_after_a_switch_the_live_figure_waits_for_its_own_requests() {
    let mut state = loaded(Role::Deployer, EnvMode::RolledBack, "dep_041");
    // v41 went live ten seconds ago: every bucket so far is mostly v42's.
    let mut changes = history();
    changes.push(LiveChange {
        at: t0() - Span::seconds(10),
        deployment: DeploymentId::new("dep_041"),
        cause: LiveCause::Rollback,
        actor: Some("dana".into()),
        scope: Scope::default(),
    });
    poll(
        &mut state,
        Resource::LiveHistory(env_ref()),
        Ok(Fetched::LiveHistory(env_ref(), changes)),
    );
    key(&mut state, KeyPress::char('g'));
    key(&mut state, KeyPress::char('j'));
    let screen = text(&draw(&mut state, 80, 24, &Theme::default()));
    assert!(screen.contains("live v41 no data yet"), "{screen}");
    assert!(
        !screen.contains("8.1%"),
        "v42's errors are not blamed on v41:\n{screen}"
    );
    assert!(
        screen.contains("errors  no data yet: its first bucket is not complete (live for 10s)"),
        "{screen}"
    );
}

#[test]
fn labels_come_with_the_environments_before_the_list() {
    let mut state = State::new(
        "demo".into(),
        Capabilities::everything(),
        switchback::app::state::Settings::from_config(&Config::default()),
        Keymap::default(),
        t0(),
    );
    let project = ProjectId::new("acme/storefront");
    poll(
        &mut state,
        Resource::Projects,
        Ok(Fetched::Projects(vec![Project {
            id: project.clone(),
            name: "acme/storefront".into(),
            components: vec![],
        }])),
    );
    let with_label = |mut env: Environment, label: &str| {
        env.live_label = Some(label.into());
        env
    };
    let mut stage = staging();
    stage.live = Some(DeploymentId::new("dep_ab12cd34"));
    poll(
        &mut state,
        Resource::Environments(project.clone()),
        Ok(Fetched::Environments(
            project,
            vec![
                with_label(environment(EnvMode::Normal, "dep_042"), "v42"),
                with_label(stage, "stg-19"),
            ],
        )),
    );
    assert!(!state.view.list.is_loaded());
    let screen = text(&draw(&mut state, 80, 24, &Theme::default()));
    assert!(
        screen.lines().next().unwrap().contains("LIVE v42"),
        "{screen}"
    );
    assert!(!screen.contains("dep_042"), "{screen}");
    key(&mut state, KeyPress::char('e'));
    let screen = text(&draw(&mut state, 80, 24, &Theme::default()));
    assert!(screen.contains("staging  live stg-19"), "{screen}");
    assert!(!screen.contains("dep_ab12cd34"), "{screen}");
}
