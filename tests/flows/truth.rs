//! What the engineer reads when it matters, through whole flows on a virtual clock: honest
//! estimates and progress, a modal that never confirms on facts that changed, choices of
//! strategy and scope that the demo carries out, rolled-back mode and held pushes, checks
//! that survive a flaky network, and scrolls that stop at their end.

use super::*;
use switchback::app::progress::progress;
use switchback::app::state::{ConfirmFocus, Overlay};
use switchback::backend::demo::Push;
use switchback::operation::Fact;

fn demo_on(clock: &VirtualClock, scenario: &str) -> DemoBackend {
    DemoBackend::new(
        Scenario::load(scenario).unwrap(),
        Arc::new(clock.clone()),
        Identity {
            actor: "oncall@acme".into(),
            role: Role::Deployer,
        },
    )
}

fn modal(h: &Harness) -> &switchback::app::state::Confirm {
    match &h.state.overlay {
        Overlay::Confirm(modal) => modal,
        other => panic!("no modal open: {other:?}; {}", h.toast()),
    }
}

#[tokio::test]
async fn an_eight_machine_cold_rollback_is_announced_within_a_quarter_of_what_it_takes() {
    let mut h = Harness::start("bad-deploy", Role::Deployer).await;
    h.select("v40").await;
    h.key(KeyPress::char('r')).await;
    let estimate = modal(&h).plan.estimate.clone().expect("an estimate");
    assert_eq!((estimate.machines, estimate.batch), (8, 1));
    assert!(
        modal(&h)
            .plan
            .facts
            .iter()
            .any(|f| matches!(f, Fact::Duration(e) if e.describe().starts_with("~2m45s: 8 machines, 1 at a time, cold start ~20s each"))),
        "{:?}",
        modal(&h).plan.facts
    );
    let screen = h.screen();
    assert!(
        screen.contains("~2m45s: 8 machines, 1 at a time"),
        "{screen}"
    );
    h.type_text("production").await;
    h.key(enter()).await;
    let started = h.clock.now();

    // A minute in: step, seconds and an ETA that counts down from the estimate.
    for _ in 0..120 {
        h.wait(Duration::from_millis(500)).await;
    }
    let active = h.state.active.clone().expect("still running");
    let op = active.operation.clone().expect("followed");
    let p = progress(&op, h.state.now, active.estimate_secs);
    assert_eq!(p.of, 10, "eight starts, a health check, the switch");
    assert!(p.step >= 3 && p.step <= 5, "{p:?}");
    assert_eq!(p.elapsed_secs, 60);
    let eta = p.eta_secs.expect("an ETA");
    assert!((100..=110).contains(&eta), "{p:?}");
    let title = h.screen().lines().nth(16).unwrap().to_owned();
    assert!(
        title.contains(&format!("step {}/10 · 1m ·", p.step)) && title.contains("ETA ~1m"),
        "{title}"
    );
    assert!(
        h.screen().contains("now     ▶ start"),
        "the step under way is named"
    );

    h.until_operation_done().await;
    let took = (h.clock.now() - started).num_seconds() as f64;
    let announced = estimate.secs as f64;
    assert!(
        (took - announced).abs() <= announced / 4.0,
        "announced {announced}s, took {took}s"
    );
    assert_eq!(h.live_label(), "v40");
}

#[tokio::test]
async fn a_modal_whose_live_changed_is_planned_again_and_never_confirms_on_old_facts() {
    let mut h = Harness::start("incident-race", Role::Deployer).await;
    let v41 = h.state.view.list.row(1).unwrap().id.clone();
    h.select("v40").await;
    h.key(KeyPress::char('r')).await;
    assert_eq!(modal(&h).plan.live_label(), Some("v42"));
    h.type_text("production").await;
    // dana rolls back to v41 twenty seconds in; the console polls meanwhile.
    for _ in 0..25 {
        h.wait(Duration::from_secs(1)).await;
    }
    let m = modal(&h);
    assert_eq!(m.plan.live_label(), Some("v41"), "the new facts");
    let changed = m.changed.clone().expect("it says live changed");
    assert_eq!(
        (changed.to.as_str(), changed.by.as_deref()),
        ("v41", Some("dana"))
    );
    assert!(!m.can_confirm());
    assert!(
        h.screen().contains("! live changed to v41 by dana"),
        "{}",
        h.screen()
    );
    // The first Enter only says the new facts were read: nothing is sent.
    h.key(enter()).await;
    assert!(h.starts().is_empty(), "nothing is sent on the first Enter");
    assert!(modal(&h).can_confirm());
    h.key(enter()).await;
    let starts = h.starts();
    assert_eq!(starts.len(), 1);
    assert_eq!(
        starts[0].expected_live(),
        Some(&v41),
        "sent with the live it now shows"
    );
}

#[tokio::test]
async fn a_rollback_of_one_component_leaves_the_rest_live_and_a_full_one_ends_the_mix() {
    let mut h = Harness::start("bad-deploy", Role::Deployer).await;
    h.select("v41").await;
    h.key(KeyPress::char('r')).await;
    assert_eq!(
        modal(&h).choice_rows(),
        vec![
            ConfirmFocus::Strategy,
            ConfirmFocus::Components,
            ConfirmFocus::Regions
        ]
    );
    // Tab to the components, move to `worker`, pick it out, back to the field.
    for _ in 0..3 {
        h.key(KeyPress::plain(KeyCode::Tab)).await;
    }
    assert_eq!(modal(&h).focus, ConfirmFocus::Components);
    h.key(KeyPress::plain(KeyCode::Right)).await;
    h.key(KeyPress::char(' ')).await;
    assert_eq!(modal(&h).scope().components, vec!["web".to_owned()]);
    assert!(
        modal(&h)
            .plan
            .facts
            .iter()
            .any(|f| matches!(f, Fact::Partial { .. })),
        "the facts follow the choice"
    );
    assert!(
        h.screen()
            .contains("only web moves to v41; the rest stays on v42")
    );
    // Then a strategy: two at a time.
    h.key(KeyPress::plain(KeyCode::BackTab)).await;
    assert_eq!(modal(&h).focus, ConfirmFocus::Strategy);
    h.key(KeyPress::plain(KeyCode::Right)).await;
    assert_eq!(
        modal(&h).strategy(),
        Some(Strategy::MaxUnavailable { percent: 25 })
    );
    for _ in 0..3 {
        h.key(KeyPress::plain(KeyCode::Tab)).await;
    }
    assert_eq!(modal(&h).focus, ConfirmFocus::Field);
    h.type_text("production").await;
    h.key(enter()).await;
    let Request::Rollback(sent) = h.starts()[0].clone() else {
        panic!("a rollback")
    };
    assert_eq!(sent.scope.components, vec!["web".to_owned()]);
    assert_eq!(
        sent.strategy,
        Some(Strategy::MaxUnavailable { percent: 25 })
    );
    h.until_operation_done().await;

    let env = h.state.environment().unwrap().clone();
    assert_eq!(h.live_label(), "v42", "the rest stays on v42");
    assert!(env.is_mixed());
    let header = h.screen().lines().next().unwrap().to_owned();
    assert!(header.contains("LIVE web v41, worker v42"), "{header}");
    let row = h
        .screen()
        .lines()
        .find(|l| l.contains(" v41 "))
        .unwrap()
        .to_owned();
    assert!(row.contains("live web"), "{row}");

    // Error rates follow: a minute later the environment's figure is half way between.
    for _ in 0..8 {
        h.wait(Duration::from_secs(10)).await;
    }
    let figure = h.state.live_figure();
    assert_eq!(
        figure.whose,
        switchback::app::figures::Whose::Environment("Production".into())
    );
    let rate = figure.rate.expect("a figure");
    assert!(
        (0.02..0.06).contains(&rate),
        "half the units on 8%, half on 0.1%: {rate}"
    );

    // A rollback of everything to v41 ends the mixed state.
    h.rollback_to("v41").await;
    h.until_operation_done().await;
    assert_eq!(h.live_label(), "v41");
    assert!(!h.state.environment().unwrap().is_mixed());
    assert!(h.screen().lines().next().unwrap().contains("LIVE v41 "));
}

#[tokio::test]
async fn promoting_the_live_deployment_confirms_the_rollback_in_the_platforms_words() {
    let mut h = Harness::start("bad-deploy", Role::Deployer).await;
    h.rollback_to("v41").await;
    h.until_operation_done().await;
    h.select("v41").await;
    h.key(KeyPress::char('p')).await;
    let facts = &modal(&h).plan.facts;
    assert!(
        facts
            .iter()
            .any(|f| matches!(f, Fact::ConfirmsRollback { .. }))
    );
    assert!(!facts.iter().any(|f| matches!(f, Fact::LiveMoves { .. })));
    let screen = h.screen();
    assert!(screen.contains("v41 stays live; nothing moves"), "{screen}");
    assert!(!screen.contains("v41 → v41"), "{screen}");
    assert!(
        !screen.contains("Service") && !screen.contains("pods"),
        "{screen}"
    );
}

#[tokio::test]
async fn a_push_in_rolled_back_mode_is_held_and_the_mode_says_since_when_and_by_whom() {
    let clock = VirtualClock::starting_at(t0());
    let demo = demo_on(&clock, "bad-deploy");
    let mut h = Harness::on(Arc::new(demo.clone()), clock).await;
    h.state.settings.actor = Some("dana".into());
    h.rollback_to("v41").await;
    h.until_operation_done().await;
    h.wait(Duration::from_secs(1)).await;
    demo.push(
        &EnvRef::new("acme/storefront", "production"),
        Push::new("Fix the search index", "erin"),
    )
    .unwrap();
    // Built and deployed, but held: it gets no traffic.
    for _ in 0..30 {
        h.wait(Duration::from_secs(5)).await;
    }
    assert_eq!(h.live_label(), "v41");
    let screen = h.screen();
    let row = screen.lines().find(|l| l.contains("v43")).unwrap();
    assert!(row.contains("held"), "{screen}");
    h.select("v41").await;
    let screen = h.screen();
    assert!(
        screen.contains("ROLLED BACK since 03:00 by dana: p on v41 confirms it"),
        "{screen}"
    );
}

#[tokio::test(start_paused = true)]
async fn on_a_flaky_network_the_check_before_a_modal_reads_again() {
    let mut h = Harness::start("flaky", Role::Deployer).await;
    h.select("v41").await;
    let env = EnvRef::new("acme/storefront", "production");
    // Every fifth call fails: a few calls more before each check moves the failure through
    // every read the check makes.
    for attempt in 0..6 {
        for _ in 0..attempt {
            let _ = h.backend.get_environment(&env).await;
        }
        h.key(KeyPress::char('r')).await;
        assert!(
            matches!(h.state.overlay, Overlay::Confirm(_)),
            "attempt {attempt}: {}",
            h.toast()
        );
        h.key(KeyPress::plain(KeyCode::Esc)).await;
    }
}

#[tokio::test]
async fn the_filter_matches_commit_subjects() {
    let mut h = Harness::start("bad-deploy", Role::Deployer).await;
    h.key(KeyPress::char('/')).await;
    h.type_text("inventory").await;
    h.key(enter()).await;
    assert_eq!(h.state.view.list.len(), 1);
    assert_eq!(h.state.view.list.row(0).unwrap().label, "v41");
}

#[tokio::test]
async fn a_message_stays_until_a_key_and_is_gone_in_another_environment() {
    let mut h = Harness::start("bad-deploy", Role::Deployer).await;
    h.select("v37").await;
    h.key(KeyPress::char('r')).await;
    assert!(h.toast().contains("pruned"));
    // Time does not take it away: it waits for the engineer.
    h.wait(Duration::from_secs(30)).await;
    assert!(h.toast().contains("pruned"));
    h.key(KeyPress::char('e')).await;
    h.key(KeyPress::char('j')).await;
    h.key(enter()).await;
    h.wait(Duration::from_secs(2)).await;
    assert_ne!(
        h.state.env.as_ref().unwrap().environment.as_str(),
        "production"
    );
    assert!(h.state.toast.is_none(), "{}", h.toast());
}

#[tokio::test]
async fn the_help_and_details_pages_stop_at_their_end_and_capital_g_goes_there() {
    let mut h = Harness::start("bad-deploy", Role::Deployer).await;
    let theme = switchback::theme::Theme::default();
    for page in ['?', '\n'] {
        if page == '\n' {
            h.key(enter()).await;
        } else {
            h.key(KeyPress::char(page)).await;
        }
        h.send(switchback::console::resized(80, 16)).await;
        let measured = switchback::console::measured(&h.state, 80, 16, &theme);
        h.send(measured).await;
        let hidden = h.state.overlay_hidden;
        assert!(hidden > 0, "{page:?}: the page is longer than the screen");
        for _ in 0..100 {
            h.key(KeyPress::char('j')).await;
        }
        let scroll = |h: &Harness| match &h.state.overlay {
            Overlay::Help { scroll } | Overlay::Details { scroll } => *scroll,
            other => panic!("{other:?}"),
        };
        assert_eq!(scroll(&h), hidden, "{page:?}: stops at the end");
        h.key(KeyPress::char('k')).await;
        assert_eq!(scroll(&h), hidden - 1, "one key back up is one row");
        h.key(KeyPress::char('G')).await;
        assert_eq!(scroll(&h), hidden);
        h.key(KeyPress::char('g')).await;
        assert_eq!(scroll(&h), 0);
        h.key(KeyPress::plain(KeyCode::Esc)).await;
    }
}

#[tokio::test]
async fn tab_gives_the_detail_pane_the_keys_and_it_says_more_below() {
    let mut h = Harness::start("bad-deploy", Role::Deployer).await;
    h.select("v40").await;
    h.send(switchback::console::resized(60, 16)).await;
    let theme = switchback::theme::Theme::default();
    let measured = switchback::console::measured(&h.state, 60, 16, &theme);
    h.send(measured).await;
    assert!(h.state.detail_hidden > 0);
    let selected = h.state.view.list.selected_position();
    h.key(KeyPress::plain(KeyCode::Tab)).await;
    for _ in 0..50 {
        h.key(KeyPress::char('j')).await;
    }
    assert_eq!(
        h.state.view.list.selected_position(),
        selected,
        "the list kept still"
    );
    assert_eq!(h.state.view.detail_scroll, h.state.detail_hidden);
}

#[tokio::test(start_paused = true)]
async fn an_answer_resets_the_backoff_of_every_resource() {
    let clock = VirtualClock::starting_at(t0());
    let backend = Arc::new(Outage {
        inner: demo_on(&clock, "bad-deploy"),
        down: AtomicBool::new(false),
    });
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let handle = poller::spawn(
        Platform::native(backend.clone()),
        Arc::new(TokioClock::starting_at(t0())),
        PollOptions::default(),
        tx,
    );
    let env = EnvRef::new("acme/storefront", "production");
    let every = Duration::from_secs(2);
    handle.set_targets(vec![
        Target {
            resource: Resource::Environment(env.clone()),
            every,
        },
        Target {
            resource: Resource::Metrics(env.clone()),
            every,
        },
    ]);
    for _ in 0..2 {
        assert!(rx.recv().await.unwrap().outcome.is_ok());
    }
    // Down long enough for both to back off far beyond their interval.
    backend.down.store(true, Ordering::SeqCst);
    let mut failures = std::collections::HashMap::new();
    while failures.len() < 2 || failures.values().any(|f: &u32| *f < 5) {
        let event = rx.recv().await.unwrap();
        assert!(event.outcome.is_err());
        failures.insert(event.resource.clone(), event.failures);
    }
    backend.down.store(false, Ordering::SeqCst);
    let first = rx.recv().await.unwrap();
    assert!(first.outcome.is_ok());
    let answered = tokio::time::Instant::now();
    let second = rx.recv().await.unwrap();
    assert_ne!(second.resource, first.resource);
    assert!(second.outcome.is_ok(), "{:?}", second.outcome);
    assert!(
        tokio::time::Instant::now() - answered < every,
        "the other resource is read again at once, not after its own backoff"
    );
    assert_eq!(second.failures, 0);
}

#[tokio::test]
async fn the_operations_log_has_clock_times_and_places_and_enter_opens_an_entry() {
    let mut h = Harness::start("bad-deploy", Role::Deployer).await;
    h.rollback_to("v41").await;
    h.until_operation_done().await;
    h.wait(Duration::from_secs(2)).await;
    h.key(KeyPress::char('l')).await;
    let screen = h.screen();
    assert!(screen.contains("03:00:00 UTC  production"), "{screen}");
    // The first entry is the platform's operation: Enter shows every step and its log.
    h.key(enter()).await;
    let Overlay::Entry { .. } = &h.state.overlay else {
        panic!("the entry opens: {:?}", h.state.overlay)
    };
    let screen = h.screen();
    assert!(screen.contains("Operation op_000001"), "{screen}");
    assert!(screen.contains("✓ route web@us-east-1#1"), "{screen}");
    assert!(screen.contains("✓ switch domains"), "{screen}");
    assert!(
        screen.contains("rollback of acme/storefront · production to v41"),
        "{screen}"
    );
    assert!(
        screen.contains("requested by"),
        "the log is wrapped, not cut: {screen}"
    );
    h.key(KeyPress::plain(KeyCode::Esc)).await;
    assert!(matches!(h.state.overlay, Overlay::OperationsLog { .. }));
}
