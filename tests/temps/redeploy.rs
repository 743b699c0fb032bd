//! Redeploys: Temps' pipeline started again for the deployment's commit, the new deployment
//! found by listing (Temps answers without its id), and followed through its jobs and logs.

use crate::*;
use switchback::backend::{Backend, BackendError, RedeployRequest};
use switchback::domain::{LogLevel, Operation, OperationStatus, StepStatus};

fn request(env: &EnvRef, source: i32, live: i32, key: &str) -> RedeployRequest {
    RedeployRequest {
        env: env.clone(),
        source: id(source),
        rebuild: true,
        expected_live: Some(id(live)),
        idempotency_key: key.to_owned(),
        actor: "oncall".to_owned(),
    }
}

/// Follows the operation, one pipeline step at the fake between looks.
async fn follow(
    fake: &FakeTemps,
    backend: &TempsBackend,
    env: &EnvRef,
    op: &switchback::domain::OperationId,
) -> (Operation, usize) {
    for looks in 1..=60 {
        let seen = backend.operation(env, op).await.unwrap();
        if seen.status.is_finished() {
            return (seen, looks);
        }
        fake.with(FakeState::advance);
    }
    panic!("operation {op} did not finish")
}

fn messages(op: &Operation) -> Vec<&str> {
    op.log.iter().map(|l| l.message.as_str()).collect()
}

#[tokio::test]
async fn a_redeploy_is_found_by_listing_and_followed_through_its_jobs_until_live() {
    let fake = FakeTemps::recorded().await;
    let backend = admin(&fake);
    let handle = backend
        .redeploy(request(&demo(), 3, 4, "rd-1"))
        .await
        .unwrap();
    let new = handle
        .new_deployment
        .clone()
        .expect("found by listing at once");
    assert_eq!(new, id(10));
    let body = fake.with(|s| s.deployment(10).cloned()).unwrap();
    assert_eq!(
        body["commit_hash"], "f096e1071f3c5978ec026c9e184784c742dc90bb",
        "d3's commit"
    );
    assert_eq!(body["environment_id"], DEMO_ENV);
    let (op, looks) = follow(&fake, &backend, &demo(), &handle.id).await;
    assert!(looks > 6, "followed step by step, not at once: {looks}");
    assert_eq!(op.status, OperationStatus::Completed, "{:?}", messages(&op));
    assert_eq!(op.new_deployment, Some(id(10)));
    assert!(
        op.steps.iter().all(|s| s.status == StepStatus::Done),
        "{:?}",
        op.steps
    );
    let log = messages(&op);
    for job in [
        "Download Repository: success",
        "Build Container Image: success",
        "Mark Deployment Complete: success",
    ] {
        assert!(log.iter().any(|l| l.ends_with(job)), "`{job}` in {log:#?}");
    }
    assert!(
        log.iter()
            .any(|l| l.starts_with("build_image: Image built successfully")),
        "the jobs' own log lines: {log:#?}"
    );
    assert!(log.contains(&"d10 is live"), "{log:#?}");
    assert_eq!(fake.calls("trigger-pipeline"), 1);
    assert_eq!(
        backend.get_environment(&demo()).await.unwrap().live,
        Some(id(10))
    );
    fake.assert_conforms();
}

#[tokio::test]
async fn a_failed_pipeline_ends_in_exception_with_the_failing_jobs_words() {
    let fake = FakeTemps::recorded().await;
    fake.with(|s| s.pipelines_fail_at = Some("build_image".to_owned()));
    let backend = admin(&fake);
    let handle = backend
        .redeploy(request(&statics(), 8, 9, "rd-2"))
        .await
        .unwrap();
    let (op, _) = follow(&fake, &backend, &statics(), &handle.id).await;
    assert_eq!(op.status, OperationStatus::Exception);
    let error = op.error.clone().unwrap();
    assert!(
        error.starts_with("d11 failed") || error.starts_with("d10 failed"),
        "{error}"
    );
    assert!(error.contains("build_image"), "{error}");
    assert!(
        op.log
            .iter()
            .any(|l| l.level == LogLevel::Error
                && l.message.contains("Build Container Image: failure")),
        "{:?}",
        messages(&op)
    );
    assert_eq!(fake.with(|s| s.live(STATIC_ENV)), Some(9), "live stays");
}

#[tokio::test]
async fn a_redeploy_answered_too_late_is_followed_from_the_listing_and_not_sent_again() {
    let fake = FakeTemps::recorded().await;
    fake.answer_late("trigger-pipeline", Duration::from_secs(2));
    let (backend, _) = adapter_with(&fake, ADMIN_KEY, Duration::from_millis(300));
    let handle = backend
        .redeploy(request(&demo(), 4, 4, "rd-3"))
        .await
        .unwrap();
    assert_eq!(handle.new_deployment, Some(id(10)));
    let op = backend.operation(&demo(), &handle.id).await.unwrap();
    assert!(
        op.log
            .iter()
            .any(|l| l.level == LogLevel::Warn && l.message.contains("not sent again")),
        "{:?}",
        messages(&op)
    );
    assert_eq!(fake.calls("trigger-pipeline"), 1);
    // The same request again is the same operation.
    let again = backend
        .redeploy(request(&demo(), 4, 4, "rd-3"))
        .await
        .unwrap();
    assert_eq!(again.id, handle.id);
    assert_eq!(fake.calls("trigger-pipeline"), 1);
}

#[tokio::test]
async fn a_redeploy_that_failed_before_anything_happened_is_an_error_not_an_operation() {
    let fake = FakeTemps::recorded().await;
    let (reader, _) = adapter_with(&fake, READER_KEY, Duration::from_secs(5));
    let err = reader
        .redeploy(request(&demo(), 4, 4, "rd-4"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, BackendError::Forbidden { reason, .. } if reason.contains("projects:write")),
        "{err:?}"
    );
    let backend = admin(&fake);
    let mut same_image = request(&demo(), 4, 4, "rd-5");
    same_image.rebuild = false;
    let err = backend.redeploy(same_image).await.unwrap_err();
    assert!(
        err.to_string().contains("building the commit again"),
        "{err}"
    );
    fake.fail("trigger-pipeline", 503, 1);
    let err = backend
        .redeploy(request(&demo(), 4, 4, "rd-6"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "may_have_happened", "{err}");
    assert!(
        err.to_string().contains("Temps lists no new deployment"),
        "{err}"
    );
    assert_eq!(
        fake.calls("trigger-pipeline"),
        1,
        "never sent again after a 5xx"
    );
    assert!(backend.list_operations(&demo()).await.unwrap().is_empty());
}
