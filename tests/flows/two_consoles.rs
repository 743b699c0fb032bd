//! Two consoles on one platform: the real `serve` router over one demo platform on a loopback
//! socket, each console with its own `http` backend, both driven through `update`.

use super::*;
use switchback::backend::http::HttpBackend;
use switchback::backend::http::HttpBackendConfig;
use switchback::serve::{ServeState, Tokens, router};

/// The demo platform served on 127.0.0.1, on the consoles' shared virtual clock.
struct Platform {
    demo: DemoBackend,
    url: String,
}

impl Platform {
    async fn start(clock: &VirtualClock) -> Platform {
        let demo = DemoBackend::new(
            Scenario::load("bad-deploy").unwrap(),
            Arc::new(clock.clone()),
            Identity {
                actor: "serve".into(),
                role: Role::Deployer,
            },
        );
        // No tokens: every caller is a deployer, as on a trusted network.
        let tokens = Tokens {
            deployer: None,
            read_only: None,
        };
        let state =
            ServeState::new(Arc::new(demo.clone()), tokens).with_traffic(Arc::new(demo.clone()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router(state)).await });
        Platform { demo, url }
    }

    async fn console(&self, clock: &VirtualClock) -> Harness {
        let backend = HttpBackend::new(&HttpBackendConfig::new("shared", &self.url)).unwrap();
        Harness::on(Arc::new(backend), clock.clone()).await
    }

    async fn operations(&self) -> Vec<Operation> {
        self.demo
            .list_operations(&EnvRef::new("acme/storefront", "production"))
            .await
            .unwrap()
    }
}

/// Opens the rollback modal for `label` and types the environment's name, without Enter.
async fn ready_to_roll_back(h: &mut Harness, label: &str) {
    h.select(label).await;
    h.key(KeyPress::char('r')).await;
    assert!(
        matches!(h.state.overlay, Overlay::Confirm(_)),
        "the modal opens: {}",
        h.toast()
    );
    h.type_text("production").await;
}

#[tokio::test]
async fn a_rollback_in_one_console_shows_in_the_other_and_a_race_has_one_winner() {
    let clock = VirtualClock::starting_at(t0());
    let platform = Platform::start(&clock).await;
    let mut a = platform.console(&clock).await;
    let mut b = platform.console(&clock).await;
    // Each engineer sends their own name (config `actor`, else the login name).
    a.state.settings.actor = Some("dana".into());
    b.state.settings.actor = Some("alex".into());
    assert_eq!(
        (a.live_label(), b.live_label()),
        ("v42".into(), "v42".into())
    );

    // A rolls back; B sees it on its next poll.
    a.rollback_to("v41").await;
    a.until_operation_done().await;
    assert_eq!(a.live_label(), "v41");
    b.wait(Duration::from_secs(2)).await;
    assert_eq!(b.live_label(), "v41");
    assert_eq!(b.mode(), EnvMode::RolledBack);
    let header = b.screen().lines().next().unwrap().to_owned();
    assert!(
        header.contains("LIVE v41") && header.contains("ROLLED BACK"),
        "{header}"
    );
    // B is told who did it and when, and the operations log keeps it, with A's name and not
    // the token's role.
    assert_eq!(b.toast(), "dana's rollback to v41 completed at 03:00");
    let told = b.state.log.last().unwrap();
    assert!(told.operation.is_some(), "Enter opens its steps: {told:?}");
    let recorded = platform.operations().await;
    assert_eq!(recorded.last().unwrap().actor, "dana");

    // Both believe v41 is live and confirm a rollback to v40.
    ready_to_roll_back(&mut a, "v40").await;
    ready_to_roll_back(&mut b, "v40").await;
    for h in [&a, &b] {
        let Overlay::Confirm(modal) = &h.state.overlay else {
            unreachable!()
        };
        assert_eq!(modal.plan.live_label(), Some("v41"));
    }
    let before = platform.operations().await.len();
    a.key(enter()).await;
    b.key(enter()).await;

    let operations = platform.operations().await;
    assert_eq!(
        operations.len(),
        before + 1,
        "exactly one operation is created: {operations:#?}"
    );
    assert!(a.state.active.is_some(), "A follows its operation");
    assert!(b.state.active.is_none(), "B follows nothing");
    // B is told what is under way, by whom, and what stays live meanwhile.
    let toast = b.toast();
    let winner = operations.last().unwrap();
    assert_eq!(winner.actor, "dana");
    for word in [
        "refused",
        "under way",
        "v40",
        "v41 stays live",
        winner.actor.as_str(),
    ] {
        assert!(toast.contains(word), "B's toast lacks `{word}`: {toast}");
    }
    let under_way = format!("by {} already under way", winner.actor);
    assert!(
        b.screen().contains(&under_way),
        "the toast is drawn:\n{}",
        b.screen()
    );
    assert!(
        b.state
            .log
            .iter()
            .any(|e| e.text.contains("under way") && e.text.contains(&winner.actor)),
        "B's log says it too: {:?}",
        b.state.log
    );

    // A's rollback lands; B's next poll shows it.
    a.until_operation_done().await;
    b.wait(Duration::from_secs(2)).await;
    assert_eq!(
        (a.live_label(), b.live_label()),
        ("v40".into(), "v40".into())
    );
}
