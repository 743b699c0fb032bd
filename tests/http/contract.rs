//! The contract's promises, end to end over a real socket.

use crate::proxy::FaultProxy;
use crate::support::*;
use reqwest::StatusCode;
use switchback::backend::{Backend, BackendError, ErrorRates, PageRequest, PreconditionCode, Role};
use switchback::domain::{Action, EnvMode};

#[tokio::test]
async fn a_replayed_request_returns_the_same_operation_and_performs_one() {
    let platform = Platform::start().await;
    let console = deployer(&platform.url());
    let (v41, v42) = (platform.id("v41").await, platform.id("v42").await);

    let first = console
        .rollback(rollback(&v41, &v42, "key-1", "alice"))
        .await
        .unwrap();
    let again = console
        .rollback(rollback(&v41, &v42, "key-1", "alice"))
        .await
        .unwrap();

    assert_eq!(first, again);
    let ops = platform.operations(&prod()).await;
    assert_eq!(ops.len(), 1, "{ops:#?}");
    assert_eq!(ops[0].id, first.id);
    assert_eq!(ops[0].actor, "alice");
    let env = console.get_environment(&prod()).await.unwrap();
    assert_eq!(env.live, Some(v41));
    assert_eq!(env.mode, EnvMode::RolledBack);
}

#[tokio::test]
async fn the_replay_is_marked_and_a_reused_key_with_another_request_is_refused() {
    let platform = Platform::start().await;
    let (v40, v41, v42) = (
        platform.id("v40").await,
        platform.id("v41").await,
        platform.id("v42").await,
    );
    let http = crate::support::raw_client();
    let url = format!(
        "{}/v1/projects/acme%2Fstorefront/environments/production/rollback",
        platform.url()
    );
    let send = |target: &str| {
        http.post(&url)
            .bearer_auth(DEPLOYER_TOKEN)
            .header("idempotency-key", "k-raw")
            .json(&serde_json::json!({"target": target, "expected_live": v42.as_str()}))
            .send()
    };
    let first = send(v41.as_str()).await.unwrap();
    assert_eq!(first.status(), StatusCode::ACCEPTED);
    assert!(first.headers().get("location").is_some());
    assert!(first.headers().get("idempotent-replayed").is_none());
    let replay = send(v41.as_str()).await.unwrap();
    assert_eq!(replay.status(), StatusCode::ACCEPTED);
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    let other = send(v40.as_str()).await.unwrap();
    assert_eq!(other.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(other.headers()["content-type"], "application/problem+json");
    let problem: serde_json::Value = other.json().await.unwrap();
    assert_eq!(problem["code"], "idempotency_key_reused");
    assert_eq!(platform.operations(&prod()).await.len(), 1);
}

#[tokio::test]
async fn a_stale_expected_live_is_a_conflict_naming_who_changed_what() {
    let platform = Platform::start().await;
    let console = deployer(&platform.url());
    let (v40, v41, v42) = (
        platform.id("v40").await,
        platform.id("v41").await,
        platform.id("v42").await,
    );
    console
        .rollback(rollback(&v41, &v42, "k-bob", "bob"))
        .await
        .unwrap();

    // Alice still believes v42 is live.
    let err = console
        .rollback(rollback(&v40, &v42, "k-alice", "alice"))
        .await
        .unwrap_err();
    match err {
        BackendError::Conflict {
            live_now,
            live_label,
            changed_by,
            message,
        } => {
            assert_eq!(live_now, Some(v41));
            assert_eq!(live_label.as_deref(), Some("v41"));
            assert_eq!(changed_by.as_deref(), Some("bob"));
            assert!(message.contains("v41"), "{message}");
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(platform.operations(&prod()).await.len(), 1);
}

#[tokio::test]
async fn a_pruned_artifact_is_refused_with_a_redeploy_suggestion() {
    let platform = Platform::start().await;
    let console = deployer(&platform.url());
    let (v37, v42) = (platform.id("v37").await, platform.id("v42").await);
    let err = console
        .rollback(rollback(&v37, &v42, "k-37", "alice"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            BackendError::Precondition {
                code: PreconditionCode::ArtifactPruned,
                suggestion: Some(Action::Redeploy),
                ..
            }
        ),
        "{err:?}"
    );
    assert!(platform.operations(&prod()).await.is_empty());
}

#[tokio::test]
async fn a_read_only_token_may_look_but_not_act() {
    let platform = Platform::start().await;
    let viewer = client(&platform.url(), Some(READ_ONLY_VAR), options(1));
    let (v41, v42) = (platform.id("v41").await, platform.id("v42").await);

    let identity = viewer.identity().await.unwrap();
    assert_eq!(identity.role, Role::ReadOnly);
    assert!(viewer.get_environment(&prod()).await.is_ok());
    let actions = viewer.actions(&prod(), &v41).await.unwrap();
    assert_eq!(actions.len(), 3);
    assert!(
        actions.iter().all(|a| !a.allowed && a.reason.is_some()),
        "{actions:?}"
    );

    let err = viewer
        .rollback(rollback(&v41, &v42, "k-ro", "viewer"))
        .await
        .unwrap_err();
    assert!(matches!(err, BackendError::Forbidden { .. }), "{err:?}");
    assert!(platform.operations(&prod()).await.is_empty());
}

#[tokio::test]
async fn no_token_or_a_wrong_one_is_unauthorized() {
    let platform = Platform::start().await;
    for var in [None, Some(WRONG_VAR)] {
        let stranger = client(&platform.url(), var, options(1));
        let err = stranger.get_environment(&prod()).await.unwrap_err();
        assert!(
            matches!(err, BackendError::Unauthorized { .. }),
            "{var:?}: {err:?}"
        );
        // The words name the platform's URL and where the token comes from, and never
        // call a refusal unreachable.
        let words = err.to_string();
        assert!(words.contains(&platform.url()), "{words}");
        match var {
            Some(var) => assert!(words.contains(&format!("${var}")), "{words}"),
            None => assert!(words.contains("token-env"), "{words}"),
        }
        assert!(
            !words.contains("unreachable") && !words.contains("not-a-valid"),
            "{words}"
        );
    }
    // Health and metrics need no token.
    let health = crate::support::raw_client()
        .get(format!("{}/healthz", platform.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);
}

#[tokio::test]
async fn gets_carry_etags_and_answer_304_until_something_changes() {
    let platform = Platform::start().await;
    let http = crate::support::raw_client();
    let url = format!(
        "{}/v1/projects/acme%2Fstorefront/environments/production",
        platform.url()
    );
    let get = |tag: Option<String>| {
        let mut request = http.get(&url).bearer_auth(READ_ONLY_TOKEN);
        if let Some(tag) = tag {
            request = request.header("if-none-match", tag);
        }
        request.send()
    };
    let first = get(None).await.unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    let tag = first.headers()["etag"].to_str().unwrap().to_owned();
    let second = get(Some(tag.clone())).await.unwrap();
    assert_eq!(second.status(), StatusCode::NOT_MODIFIED);
    assert!(second.bytes().await.unwrap().is_empty());

    let console = deployer(&platform.url());
    let (v41, v42) = (platform.id("v41").await, platform.id("v42").await);
    console
        .rollback(rollback(&v41, &v42, "k-etag", "alice"))
        .await
        .unwrap();
    let third = get(Some(tag.clone())).await.unwrap();
    assert_eq!(third.status(), StatusCode::OK);
    assert_ne!(third.headers()["etag"].to_str().unwrap(), tag);
}

#[tokio::test]
async fn the_backend_revalidates_with_its_etag() {
    let platform = Platform::start().await;
    let proxy = FaultProxy::start(platform.addr).await;
    let console = deployer(&proxy.url());
    let first = console.get_environment(&prod()).await.unwrap();
    let second = console.get_environment(&prod()).await.unwrap();
    assert_eq!(first, second);
    let statuses: Vec<u16> = proxy.requests().iter().map(|r| r.2).collect();
    assert_eq!(
        statuses,
        vec![200, 304],
        "the second read reused the kept body"
    );
}

#[tokio::test]
async fn identical_reads_in_flight_share_one_request() {
    let platform = Platform::start().await;
    let proxy = FaultProxy::start(platform.addr).await;
    let console = deployer(&proxy.url());
    let gate = std::sync::Arc::new(tokio::sync::Notify::new());
    proxy.script([crate::proxy::Fault::Gate(gate.clone())]);

    let env = prod();
    let reads = futures::future::join_all((0..5).map(|_| console.get_environment(&env)));
    let opener = async {
        // Every read has queued by the time the first request reaches the proxy.
        while proxy.requests().is_empty() {
            tokio::task::yield_now().await;
        }
        gate.notify_one();
    };
    let (results, ()) = tokio::join!(reads, opener);
    assert!(results.iter().all(|r| r.is_ok()), "{results:?}");
    assert_eq!(proxy.count("GET", "/environments/production"), 1);
}

#[tokio::test]
async fn what_the_platform_says_arrives_unchanged() {
    let platform = Platform::start().await;
    let console = deployer(&platform.url());
    let v41 = platform.id("v41").await;
    assert_eq!(
        console.get_environment(&prod()).await.unwrap(),
        platform.demo.get_environment(&prod()).await.unwrap()
    );
    assert_eq!(
        console.diff(&prod(), &v41).await.unwrap(),
        platform.demo.diff(&prod(), &v41).await.unwrap()
    );
    assert_eq!(
        console.live_history(&prod()).await.unwrap(),
        platform.demo.live_history(&prod()).await.unwrap()
    );
    assert_eq!(
        console.domains_to_move(&prod(), &v41).await.unwrap(),
        platform.demo.domains_to_move(&prod(), &v41).await.unwrap()
    );
    let now = platform.demo.now();
    let query = switchback::domain::MetricsQuery {
        env: prod(),
        scope: switchback::domain::MetricsScope::Environment,
        from: now - chrono::Duration::minutes(15),
        to: now,
        step_secs: 10,
    };
    let over_http = console.error_rate(&query).await.unwrap();
    let direct = platform.demo.error_rate(&query).await.unwrap();
    assert_eq!(over_http.points.len(), direct.points.len());
    for (a, b) in over_http.points.iter().zip(&direct.points) {
        assert_eq!(
            (a.at, &a.deployment, a.requests, a.errors),
            (b.at, &b.deployment, b.requests, b.errors)
        );
        // The platform sums latencies in no fixed order: equal to the last few bits.
        let (pa, pb) = (a.p95_ms.unwrap(), b.p95_ms.unwrap());
        assert!((pa - pb).abs() <= 1e-9 * pb.abs(), "{pa} vs {pb}");
    }
    // The platform's clock travels with every answer.
    assert_eq!(console.now().timestamp() / 60, now.timestamp() / 60);
}

#[tokio::test]
async fn deployments_page_newest_first_by_cursor() {
    let platform = Platform::start().await;
    let console = deployer(&platform.url());
    let mut seen = Vec::new();
    let mut page = PageRequest::first(3);
    loop {
        let got = console
            .list_deployments(&prod(), page.clone())
            .await
            .unwrap();
        assert!(got.items.len() <= 3);
        seen.extend(got.items);
        match got.next {
            Some(cursor) => page.cursor = Some(cursor),
            None => break,
        }
    }
    let all = platform
        .demo
        .list_deployments(&prod(), PageRequest::first(200))
        .await
        .unwrap()
        .items;
    assert_eq!(seen, all);
    assert!(seen.windows(2).all(|w| w[0].created_at >= w[1].created_at));
}

#[tokio::test]
async fn a_deployment_read_under_another_environment_is_not_found() {
    let platform = Platform::start().await;
    let console = deployer(&platform.url());
    let v41 = platform.id("v41").await;
    let staging = switchback::domain::EnvRef::new("acme/storefront", "staging");
    let err = console.actions(&staging, &v41).await.unwrap_err();
    assert!(matches!(err, BackendError::NotFound { .. }), "{err:?}");
}

#[tokio::test]
async fn errors_are_problem_json() {
    let platform = Platform::start().await;
    let response = crate::support::raw_client()
        .get(format!(
            "{}/v1/projects/acme%2Fstorefront/environments/nowhere",
            platform.url()
        ))
        .bearer_auth(DEPLOYER_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let problem: serde_json::Value = response.json().await.unwrap();
    assert_eq!(problem["status"], 404);
    assert_eq!(problem["code"], "not_found");
    assert!(
        problem["type"]
            .as_str()
            .unwrap()
            .starts_with("urn:switchback:problem:")
    );
    assert!(!problem["title"].as_str().unwrap().is_empty());
}

#[tokio::test]
async fn metrics_expose_the_demo_traffic() {
    let platform = Platform::start().await;
    platform.clock.advance(std::time::Duration::from_secs(60));
    let text = crate::support::raw_client()
        .get(format!("{}/metrics", platform.url()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let v42 = platform.id("v42").await;
    let labels =
        format!("project=\"acme/storefront\",environment=\"production\",deployment=\"{v42}\"");
    let requests = sample(&text, &format!("switchback_requests_total{{{labels}}}"));
    let errors = sample(&text, &format!("switchback_errors_total{{{labels}}}"));
    assert!(requests > 0.0, "{text}");
    assert!(
        errors > 0.0 && errors < requests,
        "v42 fails some requests: {text}"
    );
    assert!(
        text.contains("switchback_request_duration_seconds_bucket{"),
        "{text}"
    );
    assert!(
        text.contains("# TYPE switchback_request_duration_seconds histogram"),
        "{text}"
    );
}

fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no sample {series} in\n{text}"))
}
