//! An operation that ends in `exception`: a redeploy rebuilding a commit whose build fails.

use super::*;
use switchback::backend::demo::Push;

#[tokio::test]
async fn a_rebuild_whose_build_fails_ends_in_exception_with_a_toast_and_a_log_entry() {
    let clock = VirtualClock::starting_at(t0());
    let demo = DemoBackend::new(
        Scenario::load("bad-deploy").unwrap(),
        Arc::new(clock.clone()),
        Identity {
            actor: "oncall@acme".into(),
            role: Role::Deployer,
        },
    );
    let env = EnvRef::new("acme/storefront", "production");
    let mut push = Push::new("Switch the checkout to the new tax API", "kenji");
    push.build_fails = true;
    let broken = demo.push(&env, push).unwrap();
    let mut h = Harness::on(Arc::new(demo.clone()), clock).await;
    // The push's own build fails; live stays v42.
    h.wait(Duration::from_secs(600)).await;
    let label = h.state.view.list.label_of(&broken).to_owned();
    assert_eq!(h.live_label(), "v42");

    h.select(&label).await;
    h.key(KeyPress::char('d')).await;
    let Overlay::Confirm(modal) = &h.state.overlay else {
        panic!("the redeploy modal opens: {}", h.toast())
    };
    assert!(
        modal.plan.rebuild(),
        "a failed build has no artifact: it is rebuilt"
    );
    h.type_text("production").await;
    h.key(enter()).await;
    assert!(h.state.active.is_some(), "the redeploy is followed");
    h.until_operation_done().await;

    let operation = demo
        .list_operations(&env)
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.kind == OperationKind::Redeploy)
        .expect("the redeploy was recorded");
    assert_eq!(operation.status, OperationStatus::Exception);
    let why = operation.error.clone().expect("the platform says why");
    assert!(why.contains("does not compile"), "{why}");

    let toast = h.toast();
    assert!(
        toast.contains("redeploy") && toast.contains("failed") && toast.contains(&why),
        "{toast}"
    );
    let screen = h.screen();
    assert!(
        screen.contains(&format!("✗ redeploy of {label} failed")),
        "the toast is drawn:\n{screen}"
    );
    assert!(
        h.state
            .log
            .iter()
            .any(|e| e.text.contains("failed") && e.text.contains(&why)),
        "{:?}",
        h.state.log
    );
    // The operations log shows the entry too.
    h.key(KeyPress::char('l')).await;
    let screen = h.screen();
    assert!(
        screen.contains("Operations log") && screen.contains("does not compile"),
        "{screen}"
    );
    assert_eq!(h.live_label(), "v42", "nothing reached traffic");
}
