//! What the backend asks the API server, counted at the fake: a rollback sends no more before
//! its PATCH than kubectl does, never lists a namespace's events whole, follows a rollout with
//! one read a round, and the reads of one screen share their lists.

use crate::env;
use crate::fake::store::Recorded;
use crate::fake::{FakeCluster, Options, three_revisions};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use switchback::backend::{Backend, OperationRequest, PageRequest};
use switchback::clock::VirtualClock;
use switchback::domain::{DeploymentId, OperationStatus};

const IMAGE_OF_REV1: &str = "registry.example.com/web:1.0";

fn image(cluster: &FakeCluster) -> String {
    cluster.deployment("web")["spec"]["template"]["spec"]["containers"][0]["image"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn before_first_patch(sent: &[Recorded]) -> usize {
    sent.iter()
        .position(|r| r.method == "PATCH")
        .expect("a PATCH was sent")
}

fn is_events(r: &Recorded) -> bool {
    r.method == "GET" && r.path.starts_with("/api/v1/namespaces/shop/events")
}

/// Every request that lists events without naming whose.
fn events_of_everything(sent: &[Recorded]) -> Vec<String> {
    sent.iter()
        .filter(|r| is_events(r) && !r.path.contains("fieldSelector="))
        .map(|r| r.path.clone())
        .collect()
}

fn count(sent: &[Recorded], method: &str, path_start: &str) -> usize {
    sent.iter()
        .filter(|r| r.method == method && r.path.starts_with(path_start))
        .count()
}

fn check(what: &str, out: &std::process::Output) {
    assert!(
        out.status.success(),
        "{what} failed ({}): {}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `kubectl rollout history` then `kubectl rollout undo --to-revision=1`, discovery warm.
fn kubectl_rollback() -> (FakeCluster, usize) {
    let cluster = FakeCluster::start(Options::default());
    cluster.seed_deployment("web", &three_revisions());
    check(
        "kubectl get",
        &cluster.kubectl(&["get", "deployment", "web"]),
    );
    let before = cluster.requests().len();
    check(
        "kubectl rollout history",
        &cluster.kubectl(&["rollout", "history", "deployment/web"]),
    );
    check(
        "kubectl rollout undo",
        &cluster.kubectl(&["rollout", "undo", "deployment/web", "--to-revision=1"]),
    );
    (cluster, before)
}

/// `switchback rollback --to rev1 --yes`, followed to its end, discovery kept from a
/// `switchback list` before.
fn switchback_rollback() -> (FakeCluster, usize) {
    let cluster = FakeCluster::start(Options::default());
    cluster.seed_deployment("web", &three_revisions());
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[[backends]]\nkind = \"kubernetes\"\nname = \"fake\"\nkubeconfig = \"{}\"\nenvironment = \"production\"\n",
            cluster.kubeconfig.display()
        ),
    )
    .unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_switchback"))
            .arg("--config")
            .arg(&config)
            .args(args)
            .env("HOME", home.path())
            .env("XDG_DATA_HOME", home.path().join("data"))
            .env_remove("KUBECONFIG")
            .output()
            .unwrap()
    };
    check("switchback list", &run(&["list"]));
    let before = cluster.requests().len();
    check(
        "switchback rollback",
        &run(&["rollback", "--to", "rev1", "--yes"]),
    );
    (cluster, before)
}

#[test]
fn a_rollback_sends_no_more_than_kubectl_before_its_patch_and_never_lists_all_events() {
    let (theirs, from) = kubectl_rollback();
    let kubectl = theirs.requests()[from..].to_vec();
    let (ours, from) = switchback_rollback();
    let switchback = ours.requests()[from..].to_vec();
    assert_eq!(image(&theirs), IMAGE_OF_REV1);
    assert_eq!(image(&ours), IMAGE_OF_REV1);

    let listing = |sent: &[Recorded]| {
        sent.iter()
            .map(|r| format!("{} {}", r.method, r.path))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let (k, s) = (
        before_first_patch(&kubectl),
        before_first_patch(&switchback),
    );
    assert!(
        s <= k,
        "switchback sent {s} requests before its PATCH, kubectl {k}:\n{}\n--- kubectl:\n{}",
        listing(&switchback),
        listing(&kubectl)
    );
    // The write is still guarded by the template it read just before.
    let patch = &switchback[s];
    let ops: serde_json::Value = serde_json::from_str(&patch.body).unwrap();
    assert_eq!(ops[0]["op"], "test");
    assert_eq!(
        count(
            &switchback[..s],
            "GET",
            "/apis/apps/v1/namespaces/shop/deployments/web"
        ),
        1,
        "the Deployment is read afresh once, just before the PATCH:\n{}",
        listing(&switchback)
    );
    // Followed to its end: the events read name their object.
    assert!(switchback.iter().any(is_events), "{}", listing(&switchback));
    assert_eq!(events_of_everything(&switchback), Vec::<String>::new());
}

fn rollback(target: &str, key: &str) -> OperationRequest {
    OperationRequest {
        env: env("shop/web"),
        target: DeploymentId::new(target),
        expected_live: None,
        idempotency_key: key.into(),
        actor: "oncall".into(),
        strategy: None,
        scope: Default::default(),
    }
}

/// A rollout that hangs for a while (events rounds come due) and then finishes: every round
/// makes one read, events are read by object, and the log shows what the pods did.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn following_reads_one_thing_a_round_and_events_only_by_object() {
    let cluster = FakeCluster::start(Options::default());
    cluster.seed_deployment("web", &three_revisions());
    cluster.manual_rollouts(true);
    let clock = Arc::new(VirtualClock::starting_at(chrono::Utc::now()));
    let backend = cluster.backend_with_clock(clock.clone()).await;
    let target = cluster.rs_with_image("web", IMAGE_OF_REV1);
    let handle = backend.rollback(rollback(&target, "r1")).await.unwrap();
    let from = cluster.requests().len();

    let mut rounds = Vec::new();
    let mut round = |n: usize| {
        let sent = cluster.requests()[n..].to_vec();
        rounds.push(sent.clone());
        sent
    };
    let env = env("shop/web");
    let mut op = None;
    for i in 0..40 {
        let n = cluster.requests().len();
        // The controller makes the new pods, then the rollout hangs for twenty rounds of a
        // second before it goes on.
        if i == 2 || i >= 22 {
            cluster.tick("web");
        }
        let now = backend.operation(&env, &handle.id).await.unwrap();
        let sent = round(n);
        let finished = now.status.is_finished();
        op = Some(now);
        if finished {
            assert!(sent.len() <= 2, "the last round: {sent:#?}");
            if sent.len() == 2 {
                assert!(is_events(&sent[1]) && sent[1].path.contains("Deployment"));
            }
            break;
        }
        assert_eq!(sent.len(), 1, "round {i}: {sent:#?}");
        clock.advance(Duration::from_secs(1));
    }
    let op = op.unwrap();
    assert_eq!(op.status, OperationStatus::Completed);

    let all = cluster.requests()[from..].to_vec();
    let events: Vec<&Recorded> = all.iter().filter(|r| is_events(r)).collect();
    // Every five seconds of the hang: the pods', the ReplicaSet's, the workload's events, in
    // turn; and the workload's at the end.
    assert!(events.len() >= 3, "{events:#?}");
    assert_eq!(events_of_everything(&all), Vec::<String>::new());
    let log: Vec<&str> = op.log.iter().map(|l| l.message.as_str()).collect();
    assert!(
        log.iter()
            .any(|l| l.contains(&format!("{target}-p0")) && l.contains("Pulled")),
        "{log:#?}"
    );
    assert!(
        log.iter()
            .any(|l| l.contains(&format!("Scaled up replica set {target}"))),
        "{log:#?}"
    );
    // The history's events (an hour old) are not this operation's.
    let rev2 = cluster.rs_with_image("web", "registry.example.com/web:1.1");
    assert!(!log.iter().any(|l| l.contains(&rev2)), "{log:#?}");
}

/// A restart's new ReplicaSet is looked up once, in a round of its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_finds_its_replicaset_with_one_list() {
    let cluster = FakeCluster::start(Options::default());
    cluster.seed_deployment("web", &three_revisions());
    cluster.manual_rollouts(true);
    let clock = Arc::new(VirtualClock::starting_at(chrono::Utc::now()));
    let backend = cluster.backend_with_clock(clock).await;
    let live = cluster.rs_with_image("web", "registry.example.com/web:1.2");
    let handle = backend
        .redeploy(switchback::backend::RedeployRequest {
            env: env("shop/web"),
            source: DeploymentId::new(&live),
            rebuild: false,
            expected_live: Some(DeploymentId::new(&live)),
            idempotency_key: "restart".into(),
            actor: "oncall".into(),
        })
        .await
        .unwrap();
    let from = cluster.requests().len();
    let mut op = backend
        .operation(&env("shop/web"), &handle.id)
        .await
        .unwrap();
    while !op.status.is_finished() {
        let n = cluster.requests().len();
        cluster.tick("web");
        op = backend
            .operation(&env("shop/web"), &handle.id)
            .await
            .unwrap();
        assert!(cluster.requests().len() - n <= 2);
    }
    let sent = cluster.requests()[from..].to_vec();
    assert_eq!(
        count(&sent, "GET", "/apis/apps/v1/namespaces/shop/replicasets"),
        1
    );
    let newest = cluster.replicasets("web").pop().unwrap();
    assert_eq!(
        op.new_deployment.as_ref().map(|d| d.as_str()),
        newest["metadata"]["name"].as_str()
    );
    assert_ne!(op.new_deployment.unwrap().as_str(), live);
}

fn routing(cluster: &FakeCluster) {
    cluster.put(
        "",
        "services",
        "web",
        json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
               "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}}),
    );
    cluster.put(
        "networking.k8s.io",
        "ingresses",
        "web",
        json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
               "metadata": {"name": "web"}, "spec": {"rules": [
            {"host": "shop.example.com", "http": {"paths": [{"path": "/", "pathType": "Prefix",
                "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]}}),
    );
    cluster.put(
        "gateway.networking.k8s.io",
        "httproutes",
        "web",
        json!({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
               "metadata": {"name": "web"}, "spec": {"hostnames": ["www.example.com"],
               "rules": [{"backendRefs": [{"name": "web", "port": 80}]}]}}),
    );
}

/// What opening an environment reads, by kind of request.
#[derive(Debug, PartialEq, Eq)]
struct Reads {
    deployment: usize,
    replicasets: usize,
    services: usize,
    ingresses: usize,
    routes: usize,
    access_reviews: usize,
}

fn reads(sent: &[Recorded]) -> Reads {
    Reads {
        deployment: count(sent, "GET", "/apis/apps/v1/namespaces/shop/deployments/web"),
        replicasets: count(sent, "GET", "/apis/apps/v1/namespaces/shop/replicasets"),
        services: count(sent, "GET", "/api/v1/namespaces/shop/services"),
        ingresses: count(
            sent,
            "GET",
            "/apis/networking.k8s.io/v1/namespaces/shop/ingresses",
        ),
        routes: count(
            sent,
            "GET",
            "/apis/gateway.networking.k8s.io/v1/namespaces/shop/httproutes",
        ),
        access_reviews: count(sent, "POST", "/apis/authorization.k8s.io"),
    }
}

const ONCE_EACH: Reads = Reads {
    deployment: 1,
    replicasets: 1,
    services: 1,
    ingresses: 1,
    routes: 1,
    access_reviews: 1,
};

/// The console opening an environment asks for all of these at the same moment: each list
/// is read once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opening_an_environment_reads_each_list_once() {
    let cluster = FakeCluster::start(Options {
        argo: false,
        gateway: true,
    });
    cluster.seed_deployment("web", &three_revisions());
    routing(&cluster);
    let clock = Arc::new(VirtualClock::starting_at(chrono::Utc::now()));
    let backend = cluster.backend_with_clock(clock).await;
    let env = env("shop/web");
    let live = DeploymentId::new(cluster.rs_with_image("web", "registry.example.com/web:1.2"));
    let from = cluster.requests().len();

    let (environment, deployments, actions, diff, domains, history, operations, identity) = tokio::join!(
        backend.get_environment(&env),
        backend.list_deployments(&env, PageRequest::first(100)),
        backend.actions(&env, &live),
        backend.diff(&env, &live),
        backend.domains_to_move(&env, &live),
        backend.live_history(&env),
        backend.list_operations(&env),
        backend.identity(),
    );
    assert_eq!(environment.unwrap().domains.len(), 2);
    assert_eq!(deployments.unwrap().items.len(), 3);
    assert!(!actions.unwrap().is_empty());
    assert_eq!(diff.unwrap().domains.len(), 2);
    assert_eq!(domains.unwrap().len(), 2);
    assert_eq!(history.unwrap().len(), 3);
    assert!(operations.unwrap().is_empty());
    assert_eq!(identity.unwrap().actor, "oncall@example.com");

    assert_eq!(reads(&cluster.requests()[from..]), ONCE_EACH);
}

/// Planning an operation asks the same things one after the other, in whatever order:
/// each is still read once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reads_that_plan_a_write_share_their_lists_in_any_order() {
    for order in [
        [0, 1, 2, 3, 4, 5, 6],
        [6, 5, 4, 3, 2, 1, 0],
        [3, 0, 6, 2, 5, 1, 4],
    ] {
        let cluster = FakeCluster::start(Options {
            argo: false,
            gateway: true,
        });
        cluster.seed_deployment("web", &three_revisions());
        routing(&cluster);
        let clock = Arc::new(VirtualClock::starting_at(chrono::Utc::now()));
        let backend = cluster.backend_with_clock(clock.clone()).await;
        let env = env("shop/web");
        let target = DeploymentId::new(cluster.rs_with_image("web", IMAGE_OF_REV1));
        let from = cluster.requests().len();
        for step in order {
            // The reads of one plan are spread over a second.
            clock.advance(Duration::from_millis(150));
            match step {
                0 => drop(backend.get_environment(&env).await.unwrap()),
                1 => drop(
                    backend
                        .list_deployments(&env, PageRequest::first(100))
                        .await
                        .unwrap(),
                ),
                2 => drop(backend.actions(&env, &target).await.unwrap()),
                3 => drop(backend.diff(&env, &target).await.unwrap()),
                4 => drop(backend.domains_to_move(&env, &target).await.unwrap()),
                5 => drop(backend.get_deployment(&env, &target).await.unwrap()),
                _ => drop(backend.identity().await.unwrap()),
            }
        }
        assert_eq!(
            reads(&cluster.requests()[from..]),
            ONCE_EACH,
            "order {order:?}"
        );

        // Past the freshness window everything is read again; the access review is kept.
        clock.advance(Duration::from_secs(2));
        let from = cluster.requests().len();
        backend.get_environment(&env).await.unwrap();
        backend.actions(&env, &target).await.unwrap();
        assert_eq!(
            reads(&cluster.requests()[from..]),
            Reads {
                access_reviews: 0,
                ..ONCE_EACH
            }
        );
    }
}

/// The project list brings whole objects: the snapshot that follows reads only ReplicaSets.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listed_workload_is_not_fetched_again() {
    let cluster = FakeCluster::start(Options::default());
    cluster.seed_deployment("web", &three_revisions());
    let clock = Arc::new(VirtualClock::starting_at(chrono::Utc::now()));
    let backend = cluster.backend_with_clock(clock).await;
    let from = cluster.requests().len();
    backend.list_projects(PageRequest::default()).await.unwrap();
    let environment = backend.get_environment(&env("shop/web")).await.unwrap();
    let sent = &cluster.requests()[from..];
    assert_eq!(
        count(sent, "GET", "/apis/apps/v1/namespaces/shop/deployments/web"),
        0
    );
    assert_eq!(
        count(sent, "GET", "/apis/apps/v1/namespaces/shop/replicasets"),
        1
    );
    assert_eq!(
        environment.live.unwrap().as_str(),
        cluster.rs_with_image("web", "registry.example.com/web:1.2")
    );
}

/// Discovery is kept beside the kubeconfig: a second connection asks nothing about it, and
/// knows what the first found.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_is_asked_once_for_runs_close_together() {
    let cluster = FakeCluster::start(Options {
        argo: true,
        gateway: true,
    });
    let discovery = |sent: &[Recorded]| {
        sent.iter()
            .filter(|r| {
                r.method == "GET"
                    && ["/apis", "/apis/argoproj.io/v1alpha1"].contains(&r.path.as_str())
            })
            .count()
    };
    let first = cluster.backend().await;
    assert!(first.has_argo_rollouts());
    assert_eq!(discovery(&cluster.requests()), 2, "the groups, then Argo's");
    let from = cluster.requests().len();
    let second = cluster.backend().await;
    assert!(second.has_argo_rollouts());
    assert!(second.capabilities().promote);
    assert_eq!(discovery(&cluster.requests()[from..]), 0);
}
