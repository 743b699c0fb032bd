//! The reads that come before a write share one read of the workload; a write, or a second
//! on the backend's clock, makes the next read fetch it again.

use crate::env;
use crate::fake::{FakeCluster, Options, three_revisions};
use std::sync::Arc;
use switchback::backend::{Backend, OperationRequest};
use switchback::clock::VirtualClock;
use switchback::domain::DeploymentId;
use switchback::net::paging::MAX_PAGES;

const DEPLOYMENT: &str = "/apis/apps/v1/namespaces/shop/deployments/web";

fn workload_reads(cluster: &FakeCluster) -> usize {
    cluster
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path.starts_with(DEPLOYMENT))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reads_before_a_rollback_share_one_read_of_the_workload() {
    let cluster = FakeCluster::start(Options::default());
    cluster.seed_deployment("web", &three_revisions());
    let clock = Arc::new(VirtualClock::starting_at(chrono::Utc::now()));
    let backend = cluster.backend_with_clock(clock.clone()).await;
    let env = env("shop/web");
    let target = DeploymentId::new(cluster.rs_with_image("web", "registry.example.com/web:1.0"));
    let live = DeploymentId::new(cluster.rs_with_image("web", "registry.example.com/web:1.2"));

    let before = workload_reads(&cluster);
    backend.get_environment(&env).await.unwrap();
    backend
        .list_deployments(&env, Default::default())
        .await
        .unwrap();
    backend.actions(&env, &target).await.unwrap();
    backend.diff(&env, &target).await.unwrap();
    backend.domains_to_move(&env, &target).await.unwrap();
    assert_eq!(workload_reads(&cluster) - before, 1, "five reads, one GET");

    // A second later the workload is read again.
    clock.advance(std::time::Duration::from_secs(2));
    backend.get_environment(&env).await.unwrap();
    assert_eq!(workload_reads(&cluster) - before, 2);

    // A write forgets what was read: the next read sees the rollback at once.
    backend
        .rollback(OperationRequest {
            env: env.clone(),
            target: target.clone(),
            expected_live: Some(live),
            idempotency_key: "k1".into(),
            actor: "oncall".into(),
            strategy: None,
            scope: Default::default(),
        })
        .await
        .unwrap();
    let reads = workload_reads(&cluster);
    let now_live = backend.get_environment(&env).await.unwrap().live;
    assert_eq!(
        workload_reads(&cluster),
        reads + 1,
        "read afresh after the write"
    );
    assert_eq!(now_live, Some(target));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_whose_lists_never_end_is_stopped_at_the_page_bound() {
    let cluster = FakeCluster::start(Options::default());
    cluster.seed_deployment("web", &three_revisions());
    let backend = cluster.backend().await;
    let env = env("shop/web");
    cluster.with_store(|s| s.endless_lists = true);
    let error = backend
        .list_deployments(&env, Default::default())
        .await
        .unwrap_err();
    let said = error.to_string();
    assert!(
        said.contains("in 1000 pages")
            && said.contains("the Kubernetes API server kept paging past the bound"),
        "{said}"
    );
    let before = cluster.requests().len();
    let _ = backend.get_environment(&env).await;
    let asked = cluster.requests().len() - before;
    assert!(
        (MAX_PAGES..2 * MAX_PAGES).contains(&asked),
        "one list followed to the bound, then stopped: {asked} requests"
    );
}
