//! A bad network between the console and the platform: each fault gives the right typed
//! error (from which the console names the cause), the backend recovers when the network
//! does, and no operation is ever performed twice.

use crate::proxy::{Fault, FaultProxy};
use crate::support::*;
use std::time::Duration;
use switchback::backend::http::HttpBackend;
use switchback::backend::{Backend, BackendError, RedeployRequest};

async fn setup(attempts: u32) -> (Platform, FaultProxy, HttpBackend) {
    let platform = Platform::start().await;
    let proxy = FaultProxy::start(platform.addr).await;
    let console = client(&proxy.url(), Some(DEPLOYER_VAR), options(attempts));
    (platform, proxy, console)
}

fn transient_message(error: BackendError) -> String {
    match error {
        BackendError::Transient { message } => message,
        other => panic!("expected a transient error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_slow_answer_times_out_then_the_backend_recovers() {
    let platform = Platform::start().await;
    let proxy = FaultProxy::start(platform.addr).await;
    let mut opts = options(1);
    opts.settings.request_timeout = Duration::from_millis(300);
    let console = client(&proxy.url(), Some(DEPLOYER_VAR), opts);
    proxy.script([Fault::Slow(Duration::from_secs(5))]);

    let message = transient_message(console.get_environment(&prod()).await.unwrap_err());
    assert!(message.contains("timeout"), "{message}");
    assert!(console.get_environment(&prod()).await.is_ok());
}

#[tokio::test]
async fn server_errors_are_transient_and_name_the_status() {
    let (_platform, proxy, console) = setup(1).await;
    for status in [500, 502, 503] {
        proxy.script([Fault::status(status)]);
        let message = transient_message(console.get_environment(&prod()).await.unwrap_err());
        assert!(message.contains(&status.to_string()), "{message}");
    }
    assert!(console.get_environment(&prod()).await.is_ok());
}

#[tokio::test]
async fn reads_are_retried_through_server_errors() {
    let (_platform, proxy, console) = setup(4).await;
    proxy.script([Fault::status(503), Fault::status(502), Fault::status(500)]);
    assert!(console.get_environment(&prod()).await.is_ok());
    assert_eq!(proxy.count("GET", "/environments/production"), 4);
}

#[tokio::test]
async fn rate_limiting_is_typed_with_its_retry_after() {
    let (_platform, proxy, console) = setup(1).await;
    proxy.script([Fault::Answer {
        status: 429,
        content_type: "text/plain",
        body: "slow down".into(),
        headers: vec![("retry-after", "7".into())],
    }]);
    let err = console.get_environment(&prod()).await.unwrap_err();
    assert_eq!(
        err,
        BackendError::RateLimited {
            retry_after: Some(Duration::from_secs(7))
        }
    );
}

#[tokio::test]
async fn rate_limited_reads_wait_and_succeed() {
    let (_platform, proxy, console) = setup(3).await;
    proxy.script([Fault::Answer {
        status: 429,
        content_type: "text/plain",
        body: "slow down".into(),
        headers: vec![("retry-after", "1".into())],
    }]);
    assert!(console.get_environment(&prod()).await.is_ok());
    assert_eq!(proxy.count("GET", "/environments/production"), 2);
}

#[tokio::test]
async fn a_truncated_body_is_transient_and_recovers() {
    let (_platform, proxy, console) = setup(1).await;
    proxy.script([Fault::Truncate]);
    let message = transient_message(console.get_environment(&prod()).await.unwrap_err());
    assert!(message.contains("closed"), "{message}");
    assert!(console.get_environment(&prod()).await.is_ok());
}

#[tokio::test]
async fn malformed_json_is_a_decode_error_with_an_excerpt() {
    let (_platform, proxy, console) = setup(1).await;
    proxy.script([Fault::json(200, r#"{"id": "production", "project": 7"#)]);
    match console.get_environment(&prod()).await.unwrap_err() {
        BackendError::Decode { message, excerpt } => {
            assert!(message.contains("environment"), "{message}");
            assert!(excerpt.unwrap().starts_with(r#"{"id": "production""#));
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    // A well-formed answer of the wrong shape names the field.
    proxy.script([Fault::json(200, r#"{"id": "production", "project": 7}"#)]);
    match console.get_environment(&prod()).await.unwrap_err() {
        BackendError::Decode { message, .. } => assert!(message.contains("project"), "{message}"),
        other => panic!("expected a decode error, got {other:?}"),
    }
    assert!(console.get_environment(&prod()).await.is_ok());
}

#[tokio::test]
async fn an_html_error_page_is_typed_by_its_status_not_shown() {
    let (_platform, proxy, console) = setup(1).await;
    proxy.script([Fault::html(502)]);
    let message = transient_message(console.get_environment(&prod()).await.unwrap_err());
    assert!(message.contains("502"), "{message}");
    assert!(!message.contains("<html"), "{message}");

    // The same page with a 200 (a captive portal) does not decode.
    proxy.script([Fault::html(200)]);
    match console.get_environment(&prod()).await.unwrap_err() {
        BackendError::Decode { excerpt, .. } => assert!(excerpt.unwrap().starts_with("<html>")),
        other => panic!("expected a decode error, got {other:?}"),
    }
    assert!(console.get_environment(&prod()).await.is_ok());
}

#[tokio::test]
async fn a_connection_reset_is_transient_and_recovers() {
    let (_platform, proxy, console) = setup(1).await;
    proxy.script([Fault::Reset]);
    transient_message(console.get_environment(&prod()).await.unwrap_err());
    assert!(console.get_environment(&prod()).await.is_ok());
}

#[tokio::test]
async fn an_oversized_body_is_refused_without_reading_it_all() {
    let platform = Platform::start().await;
    let proxy = FaultProxy::start(platform.addr).await;
    let mut opts = options(1);
    opts.settings.max_body_bytes = 64 * 1024;
    let console = client(&proxy.url(), Some(DEPLOYER_VAR), opts);
    for declared in [Some(50 * 1024 * 1024), None] {
        proxy.script([Fault::Oversized { declared }]);
        match console.get_environment(&prod()).await.unwrap_err() {
            BackendError::Decode { message, .. } => {
                assert!(message.contains("larger than the limit"), "{message}")
            }
            other => panic!("{declared:?}: expected a decode error, got {other:?}"),
        }
    }
    assert!(console.get_environment(&prod()).await.is_ok());
}

#[tokio::test]
async fn the_server_gone_mid_operation_is_retried_with_the_same_key_and_done_once() {
    let (platform, proxy, console) = setup(4).await;
    let (v41, v42) = (platform.id("v41").await, platform.id("v42").await);
    // The server performs the rollback, but its answer never arrives.
    proxy.script([Fault::DropAnswer]);
    let handle = console
        .rollback(rollback(&v41, &v42, "k-gone", "alice"))
        .await
        .unwrap();
    assert_eq!(proxy.count("POST", "/rollback"), 2, "re-sent once");
    let ops = platform.operations(&prod()).await;
    assert_eq!(ops.len(), 1, "{ops:#?}");
    assert_eq!(ops[0].id, handle.id);
    assert_eq!(ops[0].idempotency_key, "k-gone");
}

#[tokio::test]
async fn an_operation_whose_answer_is_lost_may_have_happened_and_a_later_retry_is_safe() {
    let (platform, proxy, console) = setup(1).await;
    let (v41, v42) = (platform.id("v41").await, platform.id("v42").await);
    proxy.script([Fault::DropAnswer]);
    let err = console
        .rollback(rollback(&v41, &v42, "k-lost", "alice"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, BackendError::MayHaveHappened { message } if message.contains("the rollback may have happened")),
        "{err:?}"
    );
    assert!(!err.is_retryable());
    // The engineer retries the same confirmed request: the same operation comes back.
    let handle = console
        .rollback(rollback(&v41, &v42, "k-lost", "alice"))
        .await
        .unwrap();
    let ops = platform.operations(&prod()).await;
    assert_eq!(ops.len(), 1);
    assert_eq!(ops[0].id, handle.id);
}

#[tokio::test]
async fn a_redeploy_that_times_out_after_the_platform_created_it_is_performed_once() {
    let platform = Platform::start().await;
    let proxy = FaultProxy::start(platform.addr).await;
    let mut opts = options(4);
    opts.settings.request_timeout = Duration::from_millis(300);
    let console = client(&proxy.url(), Some(DEPLOYER_VAR), opts);
    let (v41, v42) = (platform.id("v41").await, platform.id("v42").await);
    let before = platform.deployment_count().await;
    // The platform creates the deployment; its answer arrives after the client gave up.
    proxy.script_for("/redeploy", [Fault::StallAnswer(Duration::from_secs(3))]);
    let handle = console
        .redeploy(RedeployRequest {
            env: prod(),
            source: v41,
            rebuild: false,
            expected_live: Some(v42),
            idempotency_key: "k-redeploy".into(),
            actor: "alice".into(),
        })
        .await
        .unwrap();
    let keys = proxy.idempotency_keys("/redeploy");
    assert_eq!(
        keys,
        vec![Some("k-redeploy".to_owned()); 2],
        "re-sent once, with the same key"
    );
    let ops = platform.operations(&prod()).await;
    assert_eq!(ops.len(), 1, "{ops:#?}");
    assert_eq!(ops[0].id, handle.id);
    assert_eq!(
        platform.deployment_count().await,
        before + 1,
        "one deployment created"
    );
}

#[tokio::test]
async fn operations_are_retried_through_server_errors_without_doubling() {
    let (platform, proxy, console) = setup(4).await;
    let (v41, v42) = (platform.id("v41").await, platform.id("v42").await);
    proxy.script([Fault::status(503), Fault::Reset, Fault::DropAnswer]);
    let handle = console
        .rollback(rollback(&v41, &v42, "k-storm", "alice"))
        .await
        .unwrap();
    assert_eq!(proxy.count("POST", "/rollback"), 4);
    let ops = platform.operations(&prod()).await;
    assert_eq!(ops.len(), 1);
    assert_eq!(ops[0].id, handle.id);
}

#[tokio::test]
async fn the_token_never_appears_in_errors_or_debug_output() {
    let (_platform, proxy, console) = setup(1).await;
    proxy.script([Fault::Reset]);
    let err = console.get_environment(&prod()).await.unwrap_err();
    for shown in [format!("{err}"), format!("{err:?}"), format!("{console:?}")] {
        assert!(!shown.contains(DEPLOYER_TOKEN), "{shown}");
    }
}

#[tokio::test]
async fn a_flaky_platform_behind_serve_still_performs_each_operation_once() {
    // The `flaky` scenario fails every 5th platform call, alternately before it took
    // effect and after (answer lost); serve passes that on as 503 and does not remember the
    // key, so the client's retry with the same key reaches the platform's own replay.
    let platform = Platform::start_scenario("flaky").await;
    let console = deployer(&platform.url());
    let (v41, v42) = (platform.id("v41").await, platform.id("v42").await);
    for _ in 0..6 {
        console.get_environment(&prod()).await.unwrap();
    }
    let handle = console
        .rollback(rollback(&v41, &v42, "k-flaky", "alice"))
        .await
        .unwrap();
    for _ in 0..6 {
        let again = console
            .rollback(rollback(&v41, &v42, "k-flaky", "alice"))
            .await
            .unwrap();
        assert_eq!(again, handle);
    }
    let ops = platform.operations(&prod()).await;
    assert_eq!(ops.len(), 1, "{ops:#?}");
    assert_eq!(ops[0].id, handle.id);
}
