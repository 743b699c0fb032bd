//! Rollbacks: Temps' synchronous call run as an operation with steps, its half-failures
//! told truthfully, nothing sent twice, refusals before any request.

use crate::*;
use switchback::backend::{Backend, BackendError, OperationRequest, PreconditionCode, Role};
use switchback::domain::{Action, LogLevel, Operation, OperationStatus, StepStatus};

fn request(env: &EnvRef, target: i32, expected: i32, key: &str) -> OperationRequest {
    OperationRequest {
        env: env.clone(),
        target: id(target),
        expected_live: Some(id(expected)),
        idempotency_key: key.to_owned(),
        actor: "oncall".to_owned(),
        strategy: None,
        scope: Default::default(),
    }
}

/// Looks at the operation until it finishes (its call runs on its own).
async fn finished(
    backend: &TempsBackend,
    env: &EnvRef,
    op: &switchback::domain::OperationId,
) -> Operation {
    for _ in 0..200 {
        let seen = backend.operation(env, op).await.unwrap();
        if seen.status.is_finished() {
            return seen;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("operation {op} did not finish")
}

fn log_text(op: &Operation) -> String {
    op.log
        .iter()
        .map(|l| l.message.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn a_static_site_rolls_back_and_live_is_read_again_not_taken_from_the_answer() {
    let fake = FakeTemps::recorded().await;
    let backend = admin(&fake);
    let handle = backend
        .rollback(request(&statics(), 7, 9, "static-1"))
        .await
        .unwrap();
    let op = finished(&backend, &statics(), &handle.id).await;
    assert_eq!(op.status, OperationStatus::Completed, "{:?}", op.log);
    assert!(
        op.steps.iter().all(|s| s.status == StepStatus::Done),
        "{:?}",
        op.steps
    );
    assert!(
        log_text(&op).contains("d7 is live (read again"),
        "{}",
        log_text(&op)
    );
    assert_eq!(fake.with(|s| s.live(STATIC_ENV)), Some(7));
    let env = backend.get_environment(&statics()).await.unwrap();
    assert_eq!(env.live, Some(id(7)));
    // The answer's environment is a placeholder without domains; the hostnames still
    // come from what Temps lists for the environment.
    let hosts: Vec<&str> = env.domains.iter().map(|d| d.hostname.as_str()).collect();
    assert_eq!(hosts, ["switchback-static-production.localho.st"]);
    assert_eq!(fake.calls("rollback"), 1);
    fake.assert_conforms();
}

#[tokio::test]
async fn a_container_rollback_answered_500_may_have_happened_says_what_is_live_and_is_never_sent_again()
 {
    let fake = FakeTemps::recorded().await;
    let backend = admin(&fake);
    let handle = backend
        .rollback(request(&demo(), 2, 4, "container-1"))
        .await
        .expect("the operation starts; its outcome is in the operation");
    let op = finished(&backend, &demo(), &handle.id).await;
    assert_eq!(op.status, OperationStatus::Exception);
    let error = op.error.clone().unwrap();
    for words in [
        "may have happened",
        "d4 is still live",
        "left its container running",
        "look before trying again",
    ] {
        assert!(error.contains(words), "`{words}` in: {error}");
    }
    let log = log_text(&op);
    assert!(
        log.contains("queue is required"),
        "the platform's words are in the log: {log}"
    );
    assert!(log.contains("d4 has 1 running container"), "{log}");
    assert_eq!(op.steps[1].status, StepStatus::Failed);
    assert_eq!(
        op.steps[2].status,
        StepStatus::Done,
        "the environment was read again"
    );
    assert!(op.log.iter().any(|l| l.level == LogLevel::Error));

    // Looking again, listing, restarting the look: nothing sends it again.
    for _ in 0..5 {
        backend.operation(&demo(), &handle.id).await.unwrap();
    }
    backend.list_operations(&demo()).await.unwrap();
    assert_eq!(fake.calls("rollback"), 1, "a 5xx rollback is never retried");
    assert_eq!(fake.with(|s| s.live(DEMO_ENV)), Some(4));
    assert_eq!(
        fake.with(|s| s.stray_containers.clone()),
        [2],
        "Temps started d2's image"
    );
    assert_eq!(
        backend.get_environment(&demo()).await.unwrap().live,
        Some(id(4))
    );
    fake.assert_conforms();
}

#[tokio::test]
async fn a_slow_rollback_runs_as_an_operation_with_steps_while_temps_works() {
    let fake = FakeTemps::recorded().await;
    fake.with(|s| s.container_rollback_time = Duration::from_millis(600));
    let mut settings = fake.settings(ADMIN_KEY, Duration::from_secs(5));
    settings.answer_wait = Duration::from_millis(50);
    let backend = fake.adapter(settings, Arc::new(switchback::clock::SystemClock));
    let handle = backend
        .rollback(request(&demo(), 3, 4, "slow-1"))
        .await
        .unwrap();
    let running = backend.operation(&demo(), &handle.id).await.unwrap();
    assert_eq!(running.status, OperationStatus::InProgress);
    assert_eq!(running.steps[0].status, StepStatus::Done, "the live check");
    assert_eq!(
        running.steps[1].status,
        StepStatus::Running,
        "Temps is working"
    );
    assert!(
        log_text(&running).contains("synchronous"),
        "{}",
        log_text(&running)
    );
    let op = finished(&backend, &demo(), &handle.id).await;
    assert_eq!(op.status, OperationStatus::Exception);
    assert_eq!(fake.calls("rollback"), 1);
}

#[tokio::test]
async fn no_answer_within_the_rollback_timeout_is_may_have_happened_and_live_is_read() {
    // A container rollback that takes longer than switchback waits: Temps has not moved live.
    let fake = FakeTemps::recorded().await;
    fake.with(|s| s.container_rollback_time = Duration::from_secs(3));
    let mut settings = fake.settings(ADMIN_KEY, Duration::from_secs(5));
    settings.rollback_timeout = Duration::from_millis(300);
    settings.answer_wait = Duration::from_millis(50);
    let backend = fake.adapter(settings, Arc::new(switchback::clock::SystemClock));
    let handle = backend
        .rollback(request(&demo(), 2, 4, "late-1"))
        .await
        .unwrap();
    let op = finished(&backend, &demo(), &handle.id).await;
    assert_eq!(op.status, OperationStatus::Exception);
    let error = op.error.unwrap();
    assert!(
        error.contains("may have happened") && error.contains("d4 is still live"),
        "{error}"
    );
    assert!(log_text_lines(&op.log).contains("timeout"), "{:?}", op.log);
    assert_eq!(fake.calls("rollback"), 1);

    // A static site whose answer is lost after the switch: live moved, and that is said.
    let fake = FakeTemps::recorded().await;
    fake.answer_late("rollback", Duration::from_secs(2));
    let mut settings = fake.settings(ADMIN_KEY, Duration::from_secs(5));
    settings.rollback_timeout = Duration::from_millis(300);
    let backend = fake.adapter(settings, Arc::new(switchback::clock::SystemClock));
    let handle = backend
        .rollback(request(&statics(), 8, 9, "late-2"))
        .await
        .unwrap();
    let op = finished(&backend, &statics(), &handle.id).await;
    assert_eq!(op.status, OperationStatus::Completed, "{:?}", op.log);
    assert!(
        log_text_lines(&op.log).contains("no clear answer, but d8 is live now"),
        "{:?}",
        op.log
    );
    assert_eq!(fake.calls("rollback"), 1);
}

fn log_text_lines(log: &[switchback::domain::LogLine]) -> String {
    log.iter()
        .map(|l| l.message.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn refusals_come_before_any_request_with_the_platforms_rule_in_words() {
    let fake = FakeTemps::recorded().await;
    let backend = admin(&fake);
    let failed = backend
        .rollback(request(&demo(), 5, 4, "r-1"))
        .await
        .unwrap_err();
    let BackendError::Precondition { code, message, .. } = &failed else {
        panic!("{failed:?}");
    };
    assert_eq!(*code, PreconditionCode::NotReady);
    assert!(
        message.contains("`completed` or `deployed`") && message.contains("d5 is `failed`"),
        "{message}"
    );
    let live = backend
        .rollback(request(&demo(), 4, 4, "r-2"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            live,
            BackendError::Precondition {
                code: PreconditionCode::AlreadyLive,
                ..
            }
        ),
        "{live:?}"
    );
    let promote = backend
        .promote(request(&demo(), 3, 4, "r-3"))
        .await
        .unwrap_err();
    assert!(
        promote.to_string().contains("Temps has no promote"),
        "{promote}"
    );
    let actions = backend.actions(&demo(), &id(3)).await.unwrap();
    let verdict = actions
        .iter()
        .find(|a| a.action == Action::Promote)
        .unwrap();
    assert!(!verdict.allowed);

    let (reader, _) = adapter_with(&fake, READER_KEY, Duration::from_secs(5));
    assert_eq!(reader.identity().await.unwrap().role, Role::ReadOnly);
    let forbidden = reader
        .rollback(request(&demo(), 3, 4, "r-4"))
        .await
        .unwrap_err();
    let BackendError::Forbidden { reason, .. } = &forbidden else {
        panic!("{forbidden:?}");
    };
    assert!(
        reason.contains("`reader` lacks `deployments:create`"),
        "{reason}"
    );
    assert_eq!(fake.calls("rollback"), 0, "nothing was sent");
    assert!(backend.list_operations(&demo()).await.unwrap().is_empty());
    fake.assert_conforms();
}

#[tokio::test]
async fn a_key_temps_refuses_is_told_the_permission_it_named_and_shown_read_only_after() {
    let fake = FakeTemps::recorded().await;
    let (custom, _) = adapter_with(&fake, CUSTOM_KEY, Duration::from_secs(5));
    // A custom key's permissions are not listed anywhere: learned from the refusal.
    assert_eq!(custom.identity().await.unwrap().role, Role::Deployer);
    let err = custom
        .rollback(request(&statics(), 7, 9, "custom-1"))
        .await
        .unwrap_err();
    let BackendError::Forbidden { reason, .. } = &err else {
        panic!("{err:?}");
    };
    assert!(
        reason.contains("`custom` lacks `deployments:create`"),
        "{reason}"
    );
    assert_eq!(fake.calls("rollback"), 1);
    assert!(
        custom.list_operations(&statics()).await.unwrap().is_empty(),
        "refused: no operation"
    );
    assert_eq!(custom.identity().await.unwrap().role, Role::ReadOnly);
    let actions = custom.actions(&statics(), &id(7)).await.unwrap();
    let rollback = actions
        .iter()
        .find(|a| a.action == Action::Rollback)
        .unwrap();
    assert_eq!(rollback.code.as_deref(), Some("forbidden"));
    assert!(
        rollback
            .reason
            .as_deref()
            .unwrap()
            .contains("deployments:create")
    );
    assert_eq!(fake.with(|s| s.live(STATIC_ENV)), Some(9));
}
