//! Generated histories (`[projects.generate]`): the deployments, commits, ids and digests a
//! scenario's parameters stand for, and clear errors for a bad table.

use crate::support::*;
use std::sync::Arc;
use switchback::backend::ErrorRates as _;
use switchback::backend::demo::{DemoBackend, Push, Scenario, ScenarioError};
use switchback::backend::{Backend, PageRequest};
use switchback::clock::VirtualClock;
use switchback::domain::{
    BuildStatus, Deployment, EnvRef, MetricsQuery, MetricsScope, RuntimeState,
};

const N: usize = 10_000;

fn monolith() -> EnvRef {
    EnvRef::new("acme/monolith", "production")
}

fn demo_of(scenario: Scenario) -> Demo {
    let clock = VirtualClock::starting_at(t0());
    let backend = DemoBackend::new(scenario, Arc::new(clock.clone()), deployer("alice"));
    Demo { backend, clock }
}

fn parse(text: &str) -> Result<Scenario, ScenarioError> {
    Scenario::parse(text, "generated.toml")
}

/// Oldest first.
async fn history(demo: &Demo, env: &EnvRef) -> Vec<Deployment> {
    let mut all = demo.all(env).await;
    all.reverse();
    all
}

#[tokio::test]
async fn the_large_history_follows_its_rules() {
    let demo = Demo::new("large");
    let all = history(&demo, &monolith()).await;
    assert_eq!(all.len(), N);
    // Every short sha is its own: the list and the naming rule can tell them apart.
    let short: std::collections::HashSet<String> =
        all.iter().map(|d| d.short_commit().into_owned()).collect();
    assert_eq!(short.len(), N);
    for (k, d) in all.iter().enumerate() {
        let i = k + 1;
        assert_eq!(d.label, format!("v{i}"));
        let fails = i % 97 == 0 && i != N;
        let status = if fails {
            BuildStatus::Failed
        } else {
            BuildStatus::Ready
        };
        assert_eq!(d.build_status, status, "{}", d.label);
        assert_eq!(d.artifact.pruned, N - i >= 500, "{}", d.label);
        assert_eq!(
            d.artifact.image,
            format!("registry.example.com/acme/monolith:v{i}")
        );
        let age = chrono::Duration::hours(2 * (N - i) as i64 + 1);
        assert_eq!(d.created_at, t0() - age, "{}", d.label);
        let migrations = if i % 50 == 0 {
            vec![format!("{i:05}_migration")]
        } else {
            Vec::new()
        };
        assert_eq!(d.migrations, migrations, "{}", d.label);
        let commit = d.commit.as_deref().expect("a commit");
        assert_eq!(commit.sha, generated_sha(i as u128));
        assert!(commit.subject.ends_with(&format!(" (#{})", 1000 + i)));
        assert_eq!(commit.branch.as_deref(), Some("main"));
        let authors = ["alice", "bob", "chen", "dana", "emeka"];
        assert_eq!(d.author.as_deref(), Some(authors[i % 5]));
        assert_eq!(d.regions.len(), 3);
        assert_eq!(
            d.config.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
            ["DATABASE_URL"]
        );
        let running = i == N;
        assert_eq!(d.is_live, running, "{}", d.label);
        let state = if running {
            RuntimeState::Running
        } else {
            RuntimeState::SpunDown
        };
        assert_eq!(d.runtime_state, state, "{}", d.label);
    }
    assert_eq!(
        all[0].commit.as_ref().unwrap().subject,
        "Fix pagination off-by-one (#1001)"
    );
    let live_changes = demo.backend.live_history(&monolith()).await.unwrap();
    let ready = all
        .iter()
        .filter(|d| d.build_status == BuildStatus::Ready)
        .count();
    assert_eq!(live_changes.len(), ready);
    assert_eq!(live_changes.last().unwrap().deployment, all[N - 1].id);
    assert_eq!(live_changes.last().unwrap().actor.as_deref(), Some("alice"));
}

/// Ids, digests and traffic come from the scenario's seed; these are the values every
/// release so far has given, so links and recorded figures stay valid.
#[tokio::test]
async fn ids_digests_and_traffic_are_those_earlier_releases_gave() {
    let demo = Demo::new("large");
    let env = monolith();
    let all = history(&demo, &env).await;
    let pinned = [
        (
            0,
            "dep_b39b833a6b",
            "1f2c32010a378b020e643b04fae9df80060ed27c5b949103dfabfcbe50bf393e",
        ),
        (
            4999,
            "dep_902510d978",
            "939767274500f1fa67e916746469c3fa31515bf40bf904fbdaf2d05d93806ddb",
        ),
        (
            N - 2,
            "dep_ec10e7cc75",
            "202a136edc6e2e8c540dbe237677147e097ae1e48074eec10a90540f6935b070",
        ),
        (
            N - 1,
            "dep_7d9acc4778",
            "a70d0d0c2f1995e28b16df32f77503033b4e5a3bbc337c8f4d38da47c712c41e",
        ),
    ];
    for (k, id, digest) in pinned {
        let d = &all[k];
        assert_eq!(d.id.as_str(), id, "{}", d.label);
        assert_eq!(
            d.artifact.digest.as_deref(),
            Some(format!("sha256:{digest}").as_str()),
            "{}",
            d.label
        );
    }
    // What v9998 served in its first ten minutes: its error rate and latency profile.
    let served = &all[N - 3];
    let q = MetricsQuery {
        env: env.clone(),
        scope: MetricsScope::Deployment(served.id.clone()),
        from: served.created_at,
        to: served.created_at + chrono::Duration::minutes(10),
        step_secs: 60,
    };
    let series = demo.backend.error_rate(&q).await.unwrap();
    let requests: f64 = series.points.iter().map(|p| p.requests).sum();
    let errors: f64 = series.points.iter().map(|p| p.errors).sum();
    let p95: f64 = series.points.iter().filter_map(|p| p.p95_ms).sum();
    assert_eq!(series.points.len(), 10);
    assert_eq!((requests, errors), (71669.0, 366.0));
    assert!((p95 - 1_402.563_862_194_833_7).abs() < 1e-6, "{p95}");
}

#[tokio::test]
async fn a_push_after_a_generated_history_takes_the_next_label() {
    let demo = Demo::new("large");
    let id = demo
        .backend
        .push(&monolith(), Push::new("Ship it", "alice"))
        .unwrap();
    let page = demo
        .backend
        .list_deployments(&monolith(), PageRequest::first(1))
        .await
        .unwrap();
    assert_eq!(page.items[0].id, id);
    assert_eq!(page.items[0].label, format!("v{}", N + 1));
}

/// Written-out entries and a generated history side by side: hand-written commits and
/// deployments come first, a generated commit can be named, and labels go on from the highest.
const MIXED: &str = r#"
[scenario]
name = "mixed"
seed = 3

[[projects]]
id = "acme/mixed"
image = "registry.example.com/acme/mixed"
regions = ["us-east-1", "eu-west-1"]

[[projects.commits]]
sha = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
subject = "Initial import"
author = "zoe"

[projects.generate]
environment = "production"
deployments = 30
every = "1h"
failed_every = 7
keep_artifacts = 10

[[projects.environments]]
id = "staging"
kind = "staging"

[[projects.environments.deployments]]
label = "stg-1"
commit = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
age = "3d"

[[projects.environments]]
id = "production"
kind = "production"
label_prefix = "r"
config = { A = "1" }

[[projects.environments.deployments]]
label = "r100"
commit = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
age = "2d"
config = { B = "2" }

[[projects.environments]]
id = "preview"
kind = "preview"

[[projects.environments.deployments]]
label = "pr-1"
commit = "GENERATED_SHA_5"
age = "10m"

[[events]]
after = "5m"
kind = "rollback"
project = "acme/mixed"
environment = "production"
target = "r29"
actor = "dana"
"#;

/// Generated commit `i`'s sha: `i` times an odd number, modulo 2^128, its low 28 bits
/// first (so short shas differ), then eight zeros.
fn generated_sha(i: u128) -> String {
    format!(
        "{:032x}00000000",
        i.wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835)
            .rotate_right(28)
    )
}

fn mixed() -> String {
    MIXED.replace("GENERATED_SHA_5", &generated_sha(5))
}

#[tokio::test]
async fn a_generated_history_follows_the_written_out_entries() {
    let demo = demo_of(parse(&mixed()).unwrap());
    let prod = EnvRef::new("acme/mixed", "production");
    let all = history(&demo, &prod).await;
    let labels: Vec<&str> = all.iter().map(|d| d.label.as_str()).collect();
    let mut expected = vec!["r100".to_owned()];
    expected.extend((1..=30).map(|i| format!("r{i}")));
    assert_eq!(labels, expected);
    assert_eq!(all[0].author.as_deref(), Some("zoe"));
    // The configuration r100 set carries on into the generated deployments.
    let names: Vec<&str> = all[30].config.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["A", "B"]);
    assert_eq!(all[7].build_status, BuildStatus::Failed, "r7");
    assert!(all[20].artifact.pruned, "r20");
    assert!(!all[21].artifact.pruned, "r21");
    let preview = EnvRef::new("acme/mixed", "preview");
    let pr1 = demo.by_label(&preview, "pr-1").await;
    assert_eq!(pr1.commit.as_ref().unwrap().sha, generated_sha(5));
    assert_eq!(
        pr1.commit.as_ref().unwrap().subject,
        "Improve search ranking (#1005)"
    );
    // The scripted rollback names a generated deployment.
    demo.advance(6 * 60);
    assert_eq!(demo.live_label(&prod).await.as_deref(), Some("r29"));
    let pushed = demo.backend.push(&prod, Push::new("Fix", "alice")).unwrap();
    let pushed = demo.backend.get_deployment(&prod, &pushed).await.unwrap();
    assert_eq!(pushed.label, "r101");
}

fn invalid_key(text: &str) -> (String, String) {
    match parse(text).unwrap_err() {
        ScenarioError::Invalid { key, message, .. } => (key, message),
        other => panic!("expected an invalid scenario, got {other:?}"),
    }
}

#[test]
fn a_bad_generate_table_is_refused_naming_the_key() {
    let cases = [
        (
            ("environment = \"production\"", "environment = \"prod\""),
            "projects[0] (acme/mixed).generate.environment",
            "prod",
        ),
        (
            ("deployments = 30", "deployments = 0"),
            "projects[0] (acme/mixed).generate.deployments",
            "at least 1",
        ),
        (
            ("deployments = 30", "deployments = 20000000"),
            "projects[0] (acme/mixed).generate.deployments",
            "at most",
        ),
        (
            ("every = \"1h\"", "every = \"0s\""),
            "projects[0] (acme/mixed).generate.every",
            "more than zero",
        ),
        (
            ("every = \"1h\"", "every = \"1000000years\""),
            "projects[0] (acme/mixed).generate.every",
            "too long",
        ),
    ];
    for ((from, to), key, says) in cases {
        let text = mixed().replace(from, to);
        let (got, message) = invalid_key(&text);
        assert_eq!(got, key, "{to}: {message}");
        assert!(message.contains(says), "{to}: {message}");
    }
}

#[test]
fn an_unknown_key_in_a_generate_table_names_its_line() {
    let text = mixed().replace("failed_every = 7", "failed_evry = 7");
    match parse(&text).unwrap_err() {
        ScenarioError::Syntax { line, message, .. } => {
            assert_eq!(line, 20, "{message}");
            assert!(message.contains("failed_evry"), "{message}");
        }
        other => panic!("expected a syntax error, got {other:?}"),
    }
}

#[test]
fn written_out_entries_may_not_clash_with_generated_ones() {
    let (key, message) = invalid_key(&mixed().replace("label = \"r100\"", "label = \"r12\""));
    assert_eq!(
        key,
        "projects[0] (acme/mixed).environments[1] (production).deployments[0] (r12).label"
    );
    assert!(message.contains("generated"), "{message}");

    let clash = mixed().replace(
        "sha = \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"",
        &format!("sha = \"{}\"", generated_sha(3)),
    );
    let (key, message) = invalid_key(&clash);
    assert_eq!(key, "projects[0] (acme/mixed).commits[0].sha");
    assert!(message.contains("generated"), "{message}");

    // Written-out deployments come before the generated ones, so they must be older.
    let (key, message) = invalid_key(&mixed().replace("age = \"2d\"", "age = \"2h\""));
    assert_eq!(
        key,
        "projects[0] (acme/mixed).environments[1] (production).deployments[0] (r100).age"
    );
    assert!(message.contains("oldest first"), "{message}");

    let (key, _) = invalid_key(&mixed().replace("target = \"r29\"", "target = \"r31\""));
    assert_eq!(key, "events[0].target");
    // Not a clash: the number is not one the history generates.
    assert!(parse(&mixed().replace("label = \"r100\"", "label = \"r012\"")).is_ok());
}
