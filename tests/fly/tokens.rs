//! Tokens: each API gets the scheme Fly's clients send; a read-only or narrow token is
//! refused up front, naming the app it cannot deploy, before any lease or release.

use super::*;
use switchback::backend::{BackendError, Role};
use switchback::domain::Action;

#[tokio::test]
async fn macaroons_go_as_flyv1_to_machines_and_graphql_and_as_bearer_to_releases() {
    let h = standard().await;
    let handle = h
        .backend
        .rollback(request(29, Some(30), "scheme-1"))
        .await
        .unwrap();
    finished(&*h.backend, &production(), &handle.id).await;
    for r in h.fake.requests() {
        let wanted = if r.route.starts_with("POST /api/v1") || r.route.starts_with("PATCH /api/v1")
        {
            "Bearer "
        } else {
            "FlyV1 "
        };
        assert!(
            r.authorization.starts_with(wanted),
            "{} {}",
            r.route,
            &r.authorization[..6]
        );
    }
    h.fake.assert_conforms();

    // A personal token is a bearer token everywhere.
    let clock = clock();
    let h = harness_with(world(&clock), clock, PERSONAL_TOKEN).await;
    h.backend.get_environment(&production()).await.unwrap();
    assert!(
        h.fake
            .requests()
            .iter()
            .all(|r| r.authorization.starts_with("Bearer "))
    );
    h.fake.assert_conforms();
}

#[tokio::test]
async fn a_token_for_another_app_is_refused_up_front_naming_the_app() {
    let clock = clock();
    let h = harness_with(world(&clock), clock, STAGING_TOKEN).await;
    assert_eq!(h.backend.identity().await.unwrap().role, Role::Deployer);
    let actions = h.backend.actions(&production(), &id(29)).await.unwrap();
    let rollback = actions
        .iter()
        .find(|a| a.action == Action::Rollback)
        .unwrap();
    assert!(!rollback.allowed);
    assert!(
        rollback
            .reason
            .as_deref()
            .unwrap()
            .contains("cannot deploy shop-web"),
        "{rollback:?}"
    );
    let err = h
        .backend
        .rollback(request(29, Some(30), "narrow-1"))
        .await
        .unwrap_err();
    let BackendError::Forbidden { reason, .. } = &err else {
        panic!("{err:?}");
    };
    assert!(reason.contains("shop-web"), "{reason}");
    assert_eq!(h.fake.calls(LEASE), 0);
    assert_eq!(h.fake.calls(CREATE_RELEASE), 0);
    // Its own app is fine.
    let staging = EnvRef::new(PROJECT, "staging");
    let actions = h.backend.actions(&staging, &id(1)).await.unwrap();
    let redeploy = actions
        .iter()
        .find(|a| a.action == Action::Redeploy)
        .unwrap();
    assert!(redeploy.allowed, "{redeploy:?}");
    h.fake.assert_conforms();
}

#[tokio::test]
async fn a_read_only_token_is_read_only_and_never_leases() {
    let clock = clock();
    let h = harness_with(world(&clock), clock, READ_TOKEN).await;
    assert_eq!(h.backend.identity().await.unwrap().role, Role::ReadOnly);
    let err = h
        .backend
        .rollback(request(29, Some(30), "ro-1"))
        .await
        .unwrap_err();
    assert!(matches!(err, BackendError::Forbidden { .. }), "{err:?}");
    let writes = h
        .fake
        .requests()
        .into_iter()
        .filter(|r| r.method != "GET" && r.route != AUTHORIZE && !r.route.starts_with("graphql"))
        .count();
    assert_eq!(writes, 0);
}

#[tokio::test]
async fn the_token_never_shows_in_errors_or_debug_output() {
    let clock = clock();
    let mut state = world(&clock);
    state.tokens.retain(|t| t.secret != ORG_TOKEN);
    let h = harness_with(state, clock, ORG_TOKEN).await;
    let err = h.backend.get_environment(&production()).await.unwrap_err();
    assert!(matches!(err, BackendError::Unauthorized { .. }), "{err:?}");
    assert!(err.to_string().contains("FLY_API_TOKEN"), "{err}");
    let shown = format!(
        "{err} {err:?} {:?}",
        settings(&h.fake, ORG_TOKEN, Duration::from_secs(1))
    );
    assert!(!shown.contains("orgtokensecret"), "{shown}");
}
