//! Every error status the spec lists for the calls the adapter makes, answered by the fake
//! and typed by the adapter; plus retries where they are safe.

use super::*;
use fake::Scripted;
use switchback::backend::ErrorRates as _;
use switchback::backend::{Backend, BackendError, OperationRequest, PageRequest, RedeployRequest};
use switchback::domain::{MetricsQuery, MetricsScope, ProjectId, Scope};

/// An adapter call that reaches `op` (after any calls it needs first).
async fn reach(op: &str, h: &Harness) -> Result<(), BackendError> {
    let request = |target: &str| OperationRequest {
        env: production(),
        target: id(target),
        expected_live: Some(id(LIVE)),
        idempotency_key: "k".to_owned(),
        actor: "alice".to_owned(),
        strategy: None,
        scope: Scope::default(),
    };
    match op {
        "projects.listProjects" => h
            .backend
            .list_projects(PageRequest::first(5))
            .await
            .map(drop),
        "apps.listApps" => h
            .backend
            .list_environments(&ProjectId::new(PROJECT))
            .await
            .map(drop),
        "apps.getApp" | "environments.listEnvironments" => {
            h.backend.get_environment(&production()).await.map(drop)
        }
        "deployments.listDeployments" => h
            .backend
            .list_deployments(&production(), PageRequest::first(5))
            .await
            .map(drop),
        "deployments.getDeployment" => h
            .backend
            .get_deployment(&production(), &id(GOOD))
            .await
            .map(drop),
        "deployments.rollbackDeployment" => h.backend.rollback(request(GOOD)).await.map(drop),
        "deployments.promoteDeployment" => h.backend.promote(request(GOOD)).await.map(drop),
        "deployments.createDeployment" => h
            .backend
            .redeploy(RedeployRequest {
                env: production(),
                source: id(GOOD),
                rebuild: true,
                expected_live: None,
                idempotency_key: "r".to_owned(),
                actor: "alice".to_owned(),
            })
            .await
            .map(drop),
        "domains.listDomains" => h
            .backend
            .domains_to_move(&production(), &id(GOOD))
            .await
            .map(drop),
        "analytics.getGatewayRequests" => {
            let now = chrono::Utc::now();
            h.backend
                .error_rate(&MetricsQuery {
                    env: production(),
                    scope: MetricsScope::Environment,
                    from: now - chrono::Duration::minutes(10),
                    to: now,
                    step_secs: 60,
                })
                .await
                .map(drop)
        }
        other => panic!("no adapter call reaches {other}"),
    }
}

const OPERATIONS: [&str; 11] = [
    "projects.listProjects",
    "apps.listApps",
    "apps.getApp",
    "environments.listEnvironments",
    "deployments.listDeployments",
    "deployments.getDeployment",
    "deployments.rollbackDeployment",
    "deployments.promoteDeployment",
    "deployments.createDeployment",
    "domains.listDomains",
    "analytics.getGatewayRequests",
];

fn expected_kind(op: &str, status: u16) -> Option<&'static str> {
    Some(match (op, status) {
        // Custom domains are optional: a key that may not read them sees the rest.
        ("domains.listDomains", 403) => return None,
        // The target was readable a moment before: the 404 means "not permitted".
        ("deployments.rollbackDeployment" | "deployments.promoteDeployment", 404) => "forbidden",
        (_, 400 | 422) => "invalid",
        (_, 401) => "unauthorized",
        (_, 403) => "forbidden",
        (_, 404) => "not_found",
        (_, 409) => "conflict",
        (_, 412) => "precondition",
        (_, 429) => "rate_limited",
        // Unkey takes no idempotency key: an operation without a clear answer is not
        // repeated, and may have happened.
        (
            "deployments.rollbackDeployment"
            | "deployments.promoteDeployment"
            | "deployments.createDeployment",
            500..=599,
        ) => "may_have_happened",
        (_, 500..=599) => "transient",
        (_, other) => panic!("no expectation for {op} {other}"),
    })
}

/// Words the engineer must see for each status.
fn expected_words(op: &str, status: u16) -> &'static str {
    match (op, status) {
        ("deployments.rollbackDeployment", 404) => "lacks `environment.*.rollback_deployment`",
        ("deployments.promoteDeployment", 404) => "lacks `environment.*.promote_deployment`",
        (_, 404) => "does not exist, or the root key lacks",
        (_, 400) => "Unkey refused to",
        (_, 401) => "UNKEY_ROOT_KEY",
        (_, 403) => "the root key lacks `",
        ("analytics.getGatewayRequests", 412) => "scripted failure",
        (_, 412) => "production only",
        (_, 422) => "within the workspace's limits",
        (_, 429) => "it asked to wait 7s",
        (
            "deployments.rollbackDeployment"
            | "deployments.promoteDeployment"
            | "deployments.createDeployment",
            500..=599,
        ) => "may have happened; look before trying again",
        (_, _) => "Unkey answered",
    }
}

#[tokio::test]
async fn every_listed_error_status_is_typed() {
    let mut checked = 0;
    for op in OPERATIONS {
        for status in spec::spec().statuses(op).into_iter().filter(|s| *s >= 400) {
            let mut state = world();
            let mut failure = Scripted::always(op, status);
            if status == 412 && op.starts_with("deployments.") {
                failure.code = Some("deployment_not_production".to_owned());
            }
            if status == 429 {
                failure.retry_after = Some(7);
            }
            state.scripted.push(failure);
            let h = harness(state).await;
            let result = reach(op, &h).await;
            match (expected_kind(op, status), result) {
                (None, result) => assert!(result.is_ok(), "{op} {status}: {result:?}"),
                (Some(kind), Ok(())) => panic!("{op} {status}: expected {kind}, got success"),
                (Some(kind), Err(error)) => {
                    assert_eq!(error.kind(), kind, "{op} {status}: {error:?}");
                    if let BackendError::RateLimited { retry_after } = &error {
                        assert_eq!(*retry_after, Some(Duration::from_secs(7)));
                    }
                    let text = error.to_string();
                    assert!(!text.contains(fake::FULL_KEY), "{text}");
                    let fragment = expected_words(op, status);
                    assert!(
                        text.contains(fragment),
                        "{op} {status}: `{text}` lacks `{fragment}`"
                    );
                }
            }
            h.fake.assert_conforms();
            checked += 1;
        }
    }
    assert!(checked >= 60, "only {checked} statuses checked");
}

#[tokio::test]
async fn messages_say_what_to_do() {
    let mut state = world();
    state
        .scripted
        .push(Scripted::always("deployments.getDeployment", 404));
    let h = harness(state).await;
    let err = h
        .backend
        .get_deployment(&production(), &id(GOOD))
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains(GOOD)
            && text
                .contains("does not exist, or the root key lacks `environment.*.read_deployment`"),
        "{text}"
    );

    let h = harness_with_key(world(), "unkey_wrong_key").await;
    let err = h
        .backend
        .list_projects(PageRequest::first(5))
        .await
        .unwrap_err();
    assert!(matches!(err, BackendError::Unauthorized { .. }));
    let text = err.to_string();
    assert!(
        text.contains("UNKEY_ROOT_KEY") && !text.contains("unkey_wrong_key"),
        "{text}"
    );

    let mut state = world();
    let mut failure = Scripted::always("deployments.promoteDeployment", 412);
    failure.code = Some("deployment_not_production".to_owned());
    state.scripted.push(failure);
    let h = harness(state).await;
    let err = h
        .backend
        .promote(OperationRequest {
            env: production(),
            target: id(GOOD),
            expected_live: None,
            idempotency_key: "k".to_owned(),
            actor: "a".to_owned(),
            strategy: None,
            scope: Scope::default(),
        })
        .await
        .unwrap_err();
    assert!(err.to_string().contains("production only"), "{err}");
}

#[tokio::test]
async fn reads_are_retried_through_transient_failures() {
    let mut state = world();
    state
        .scripted
        .push(Scripted::once("deployments.listDeployments", 500));
    let mut limited = Scripted::once("apps.getApp", 429);
    limited.retry_after = Some(1);
    state.scripted.push(limited);
    let h = harness(state).await;
    let page = h
        .backend
        .list_deployments(&production(), PageRequest::first(5))
        .await
        .unwrap();
    assert_eq!(page.items.len(), 3);
    assert_eq!(h.fake.calls("deployments.listDeployments"), 2);
    h.backend.get_environment(&production()).await.unwrap();
    assert!(h.fake.calls("apps.getApp") >= 2);
    h.fake.assert_conforms();
}
