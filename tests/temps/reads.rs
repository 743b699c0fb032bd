//! What the adapter reads, and how it reads it: projects by slug, live only from the
//! environment's pointer, times in epoch milliseconds, pages that never ask for page 0.

use crate::*;
use serde_json::json;
use switchback::backend::{Backend, BackendError, PageRequest};
use switchback::domain::{
    BuildStatus, ConfigChangeKind, DomainKind, LiveCause, ProjectId, RuntimeState, SwitchKind,
};

#[tokio::test]
async fn projects_and_environments_are_named_by_slug_and_an_unknown_project_is_not_found() {
    let fake = FakeTemps::recorded().await;
    let backend = admin(&fake);
    let projects = backend.list_projects(PageRequest::first(10)).await.unwrap();
    let slugs: Vec<&str> = projects.items.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(slugs, ["switchback-static", "switchback-demo"]);
    let envs = backend
        .list_environments(&ProjectId::new("switchback-demo"))
        .await
        .unwrap();
    assert_eq!(envs.len(), 1);
    assert_eq!(envs[0].id.as_str(), "production");
    assert_eq!(envs[0].live, Some(id(4)));
    // Temps lists an unknown project's deployments as 200 and empty; the adapter says it
    // does not exist instead of showing an empty history.
    let unknown = EnvRef::new("no-such-project", "production");
    let err = backend
        .list_deployments(&unknown, PageRequest::first(10))
        .await
        .unwrap_err();
    assert!(matches!(err, BackendError::NotFound { .. }), "{err:?}");
    let numbered = EnvRef::new("999999", "production");
    let err = backend
        .list_deployments(&numbered, PageRequest::first(10))
        .await
        .unwrap_err();
    assert!(matches!(err, BackendError::NotFound { .. }), "{err:?}");
    assert_eq!(
        fake.calls("deployments"),
        0,
        "never asked for an unknown project's list"
    );
    // A project may be named by its number too.
    let by_number = EnvRef::new("1", "production");
    assert_eq!(
        backend.get_environment(&by_number).await.unwrap().live,
        Some(id(4))
    );

    // The config's project list filters what is shown.
    let mut settings = fake.settings(ADMIN_KEY, Duration::from_secs(5));
    settings.projects = vec!["2".to_owned()];
    let only = fake.adapter(settings, Arc::new(switchback::clock::SystemClock));
    let shown = only.list_projects(PageRequest::first(10)).await.unwrap();
    assert_eq!(shown.items.len(), 1);
    assert_eq!(shown.items[0].id.as_str(), "switchback-static");
    fake.assert_conforms();
}

#[tokio::test]
async fn live_is_the_environments_pointer_and_completed_does_not_mean_running() {
    let fake = FakeTemps::recorded().await;
    let backend = admin(&fake);
    let page = backend
        .list_deployments(&demo(), PageRequest::first(100))
        .await
        .unwrap();
    let rows: Vec<(&str, BuildStatus, RuntimeState, bool)> = page
        .items
        .iter()
        .map(|d| (d.label.as_str(), d.build_status, d.runtime_state, d.is_live))
        .collect();
    assert_eq!(
        rows,
        [
            // The newest (Temps' `last-deployment`) failed: it is not live.
            ("d5", BuildStatus::Failed, RuntimeState::SpunDown, false),
            ("d4", BuildStatus::Ready, RuntimeState::Running, true),
            // Completed, but their containers were removed when d4 went live.
            ("d3", BuildStatus::Ready, RuntimeState::SpunDown, false),
            ("d2", BuildStatus::Ready, RuntimeState::SpunDown, false),
            ("d1", BuildStatus::Ready, RuntimeState::SpunDown, false),
        ]
    );
    // Epoch milliseconds, as recorded: deployment 4 was created at 1796404347343.
    assert_eq!(
        page.items[1].created_at.timestamp_millis(),
        1_796_404_347_343
    );
    assert_eq!(page.items[1].artifact.image, "temps-switchback-demo:4");
    assert_eq!(
        page.items[1].commit.as_ref().unwrap().sha,
        "30f408deff1d8a51832f14ac960e8a2683a589aa"
    );
    // A static site's finished builds are files: every one can serve at once.
    let statics = backend
        .list_deployments(&statics(), PageRequest::first(100))
        .await
        .unwrap();
    assert!(
        statics
            .items
            .iter()
            .all(|d| d.runtime_state == RuntimeState::Running)
    );
    // Someone repoints live: the adapter follows the pointer, nothing else.
    fake.with(|s| s.set_live(DEMO_ENV, 2));
    let backend = admin(&fake);
    let listed = backend
        .list_deployments(&demo(), PageRequest::first(100))
        .await
        .unwrap();
    let live: Vec<&str> = listed
        .items
        .iter()
        .filter(|d| d.is_live)
        .map(|d| d.id.as_str())
        .collect();
    assert_eq!(live, ["2"]);
}

#[tokio::test]
async fn pages_start_at_one_stay_bounded_and_do_not_repeat_when_a_deployment_arrives() {
    let fake = FakeTemps::recorded().await;
    let backend = admin(&fake);
    // Asked for pages of 0, the adapter asks Temps for pages of 1 (0 drops the connection).
    let first = backend
        .list_deployments(&demo(), PageRequest::first(0))
        .await
        .unwrap();
    assert_eq!(first.items.len(), 1);
    let huge = backend
        .list_deployments(&demo(), PageRequest::first(1_000_000))
        .await
        .unwrap();
    assert_eq!(huge.items.len(), 5);
    let mut page = PageRequest::first(2);
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let got = backend
            .list_deployments(&demo(), page.clone())
            .await
            .unwrap();
        seen.extend(got.items.iter().map(|d| d.id.to_string()));
        pages += 1;
        if pages == 1 {
            // A push lands between two pages: Temps' numbering shifts by one.
            fake.with(|s| {
                s.add_deployment(
                    DEMO_ENV,
                    "pending",
                    "abcdef0123456789abcdef0123456789abcdef01",
                )
            });
        }
        match got.next {
            Some(next) => page.cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, ["5", "4", "3", "2", "1"], "no repeats, no gaps");
    let sizes: Vec<(String, String)> = fake.with(|s| {
        s.requests
            .iter()
            .flat_map(|r| r.query.clone())
            .filter(|(k, _)| k == "page" || k == "per_page")
            .collect()
    });
    assert!(
        sizes.iter().all(|(_, v)| v.parse::<i64>().unwrap() >= 1),
        "{sizes:?}"
    );
    assert!(
        sizes
            .iter()
            .all(|(k, v)| k != "per_page" || v.parse::<i64>().unwrap() <= 100),
        "{sizes:?}"
    );
    let err = backend
        .list_deployments(
            &demo(),
            PageRequest {
                cursor: Some("projects|0|10|".to_owned()),
                limit: None,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "invalid");
    fake.assert_conforms();
}

#[tokio::test]
async fn every_hostname_of_the_environment_moves_on_a_switch() {
    let fake = FakeTemps::recorded().await;
    fake.with(|s| {
        s.add_custom_domain(DEMO_ENV, "shop.example.com");
        s.env_domains
            .insert(DEMO_ENV, vec!["www.shop.example.com".to_owned()]);
    });
    let backend = admin(&fake);
    let env = backend.get_environment(&demo()).await.unwrap();
    let hosts: Vec<(&str, DomainKind)> = env
        .domains
        .iter()
        .map(|d| (d.hostname.as_str(), d.kind))
        .collect();
    assert_eq!(
        hosts,
        [
            (
                "switchback-demo-production.localho.st",
                DomainKind::Environment
            ),
            ("shop.example.com", DomainKind::Custom),
            ("www.shop.example.com", DomainKind::Environment),
        ]
    );
    let moves = backend.domains_to_move(&demo(), &id(2)).await.unwrap();
    assert_eq!(moves.len(), 3);
    assert!(
        moves
            .iter()
            .all(|m| m.moves && m.from == Some(id(4)) && m.to == Some(id(2)) && !m.inferred)
    );
    fake.assert_conforms();
}

#[tokio::test]
async fn the_diff_names_commits_between_settings_kept_and_how_the_switch_goes() {
    let fake = FakeTemps::recorded().await;
    fake.with(|s| {
        let live = s.deployment_mut(4).unwrap();
        live["deployment_config"]["replicas"] = json!(3);
        live["commit_message"] = json!("Fix the checkout\n\nLonger text");
    });
    let backend = admin(&fake);
    let diff = backend.diff(&demo(), &id(2)).await.unwrap();
    assert_eq!(diff.live, Some(id(4)));
    assert_eq!(diff.commits_back, 2);
    let between: Vec<(&str, &str)> = diff
        .commits_between
        .iter()
        .map(|c| (&c.sha[..7], c.subject.as_str()))
        .collect();
    // d5 failed after d4 and is not between d2 and live.
    assert_eq!(between, [("30f408d", "Fix the checkout"), ("f096e10", "")]);
    let kept: Vec<(&str, ConfigChangeKind)> = diff
        .config_drift
        .iter()
        .map(|c| (c.name.as_str(), c.change))
        .collect();
    assert_eq!(kept, [("replicas", ConfigChangeKind::Changed)]);
    assert!(
        matches!(diff.switch, SwitchKind::Cold { .. }),
        "a container starts"
    );
    assert_eq!(diff.domains.len(), 1);
    let static_diff = backend.diff(&statics(), &id(6)).await.unwrap();
    assert_eq!(static_diff.switch, SwitchKind::Instant);
    assert_eq!(static_diff.commits_back, 3);
}

#[tokio::test]
async fn reads_are_tried_again_through_5xx_and_a_bad_key_names_its_variable() {
    let fake = FakeTemps::recorded().await;
    fake.fail("environments", 503, 2);
    let backend = admin(&fake);
    let env = backend.get_environment(&demo()).await.unwrap();
    assert_eq!(env.live, Some(id(4)));
    assert_eq!(fake.calls("environments"), 3);
    let mut settings = fake.settings("tk_not_a_key", Duration::from_secs(5));
    settings.token_env = "MY_TEMPS_KEY".to_owned();
    let stranger = fake.adapter(settings, Arc::new(switchback::clock::SystemClock));
    let err = stranger.identity().await.unwrap_err();
    assert!(
        matches!(&err, BackendError::Unauthorized { message } if message.contains("MY_TEMPS_KEY")),
        "{err:?}"
    );
    let err = stranger.get_environment(&demo()).await.unwrap_err();
    assert_eq!(err.kind(), "unauthorized");
}

#[tokio::test]
async fn the_live_history_marks_deploys_and_a_switch_temps_did_not_record() {
    let fake = FakeTemps::recorded().await;
    let backend = admin(&fake);
    let history = backend.live_history(&statics()).await.unwrap();
    let marks: Vec<(&str, LiveCause)> = history
        .iter()
        .map(|c| (c.deployment.as_str(), c.cause))
        .collect();
    assert_eq!(
        marks,
        [
            ("6", LiveCause::Deploy),
            ("7", LiveCause::Deploy),
            ("8", LiveCause::Deploy),
            ("9", LiveCause::Deploy),
        ]
    );
    // Someone rolls back in Temps' dashboard: the pointer no longer names the newest.
    fake.with(|s| s.set_live(STATIC_ENV, 7));
    let backend = admin(&fake);
    let history = backend.live_history(&statics()).await.unwrap();
    let last = history.last().unwrap();
    assert_eq!(
        (last.deployment.as_str(), last.cause),
        ("7", LiveCause::Rollback)
    );
    assert!(history.windows(2).all(|w| w[0].at <= w[1].at));
}
