//! A label that is another deployment's id, and a platform that never stops talking: the
//! command acts on the deployment the id names (or refuses), and ends by its deadline.

use crate::client::Client;
use crate::commands::label_id;
use crate::server::{Mode, Platform, prod};
use switchback::backend::Backend;

/// Every bound's message names the platform and the backend that caused it.
const FROM: &str = "(from the HTTP-contract server, backend \"hostile\")";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_id_that_is_also_another_deployments_label_never_hits_the_other() {
    let platform = Platform::start().await;
    let client = Client::new(&platform.url);
    let v40 = label_id(&platform, "v40").await;
    let v41 = label_id(&platform, "v41").await;
    // v41 now calls itself by v40's id.
    platform
        .hostile
        .labels
        .lock()
        .unwrap()
        .insert(v41.clone(), v40.clone());
    let plan = client.run(&["rollback", "--to", &v40, "--json"]).await;
    let run = client
        .run(&["rollback", "--to", &v40, "--yes", "--no-wait"])
        .await;
    let operations = platform
        .hostile
        .demo
        .list_operations(&prod())
        .await
        .unwrap();
    if run.code == 0 {
        assert_eq!(operations.len(), 1, "{}", run.err());
        assert_eq!(
            operations[0].target.to_string(),
            v40,
            "the id names v40; v41 only wears it as a label ({})",
            plan.out()
        );
    } else {
        assert!(
            operations.is_empty(),
            "refused, so nothing was sent: {operations:?}"
        );
        assert!(
            run.err().contains("ambiguous") || run.err().contains(&v40),
            "a refusal says why:\n{}",
            run.err()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_without_end_end_the_command_by_its_deadline() {
    let platform = Platform::start().await;
    platform.set_mode(Mode::PagesForever);
    let client = Client::new(&platform.url);
    let run = client.run(&["list", "--all", "--timeout", "3s"]).await;
    assert_ne!(run.code, 0, "a listing without end is not a success");
    let err = run.err();
    assert!(
        err.contains("gave up after 3s") || err.contains("kept paging past the bound"),
        "the message says why it ended:\n{err}"
    );
    assert!(err.contains(FROM), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_without_end_ends_the_command_with_the_limit_named() {
    let platform = Platform::start().await;
    platform.set_mode(Mode::EndlessBody);
    let client = Client::new(&platform.url);
    let run = client.run(&["status", "--timeout", "5s"]).await;
    assert_ne!(run.code, 0);
    let err = run.err();
    assert!(
        err.contains("larger than the limit") || err.contains("gave up after 5s"),
        "the message says why it ended:\n{err}"
    );
    assert!(err.contains(FROM), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_after_of_two_to_the_64_ends_the_command_at_once() {
    let platform = Platform::start().await;
    platform.set_mode(Mode::RetryAfterMax);
    let client = Client::new(&platform.url);
    let run = client.run(&["list", "--timeout", "10s"]).await;
    assert_ne!(run.code, 0);
    let err = run.err();
    assert!(err.contains("rate limited"), "{err}");
    assert!(err.contains(FROM), "{err}");
    assert!(crate::payloads::script_hazard(&err).is_none(), "{err:?}");
    let run = client.run(&["list", "--json", "--timeout", "10s"]).await;
    let doc: serde_json::Value =
        serde_json::from_str(&run.out()).unwrap_or_else(|_| panic!("{}", run.out()));
    assert_eq!(doc["error"]["kind"], "rate_limited", "{doc}");
    assert_eq!(doc["error"]["backend"], "hostile", "{doc}");
    assert_eq!(doc["error"]["backend_kind"], "http", "{doc}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_megabyte_commit_message_is_listed_and_shown() {
    let platform = Platform::start_with(false, true).await;
    let client = Client::new(&platform.url);
    for args in [
        vec!["list", "--all"],
        vec!["status"],
        vec!["list", "--json"],
    ] {
        let run = client.run(&args).await;
        assert_eq!(run.code, 0, "{}", run.err());
        assert!(crate::payloads::script_hazard(&run.out()).is_none());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multi_byte_commit_shas_are_listed_and_shown() {
    let platform = Platform::start_with(true, false).await;
    let client = Client::new(&platform.url);
    for args in [
        vec!["list", "--all"],
        vec!["status"],
        vec!["list", "--json"],
    ] {
        let run = client.run(&args).await;
        assert_eq!(run.code, 0, "{}", run.err());
        assert!(crate::payloads::script_hazard(&run.out()).is_none());
    }
}
