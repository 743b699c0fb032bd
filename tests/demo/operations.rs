//! Rules 2, 3 and 5: promote, redeploy, scope and strategy.

use crate::support::*;
use switchback::backend::Backend;
use switchback::domain::{EnvMode, LiveCause, OperationStatus};

#[tokio::test]
async fn promote_moves_the_domains_and_returns_the_environment_to_normal() {
    let demo = Demo::new("bad-deploy");
    let env = prod();
    let (v41, v42) = (demo.id(&env, "v41").await, demo.id(&env, "v42").await);
    demo.backend
        .rollback(request(&env, &v41, "k1"))
        .await
        .unwrap();
    assert_eq!(demo.env(&env).await.mode, EnvMode::RolledBack);
    let op = demo
        .backend
        .promote(request(&env, &v42, "k2"))
        .await
        .unwrap();
    let op = demo.backend.operation(&env, &op.id).await.unwrap();
    assert_eq!(op.status, OperationStatus::Completed);
    let after = demo.env(&env).await;
    assert_eq!(after.live, Some(v42.clone()));
    assert_eq!(after.mode, EnvMode::Normal);
    assert!(
        after
            .domains
            .iter()
            .filter(|d| d.kind.moves_on_switch())
            .all(|d| d.deployment == Some(v42.clone()))
    );
    assert_eq!(
        demo.backend
            .live_history(&env)
            .await
            .unwrap()
            .last()
            .unwrap()
            .cause,
        LiveCause::Promote
    );
}

#[tokio::test]
async fn promoting_the_live_deployment_confirms_a_rollback() {
    let demo = Demo::new("bad-deploy");
    let env = prod();
    let v41 = demo.id(&env, "v41").await;
    demo.backend
        .rollback(request(&env, &v41, "k1"))
        .await
        .unwrap();
    let history = demo.backend.live_history(&env).await.unwrap().len();
    demo.backend
        .promote(request(&env, &v41, "k2"))
        .await
        .unwrap();
    let after = demo.env(&env).await;
    assert_eq!(after.live, Some(v41));
    assert_eq!(after.mode, EnvMode::Normal);
    assert_eq!(
        demo.backend.live_history(&env).await.unwrap().len(),
        history,
        "no switch, only the mode"
    );
    // Now a push takes the domains again.
    let pushed = demo
        .backend
        .push(
            &env,
            switchback::backend::demo::Push::new("Fix", "alex.kim"),
        )
        .unwrap();
    demo.advance(600);
    assert_eq!(demo.env(&env).await.live, Some(pushed));
}
