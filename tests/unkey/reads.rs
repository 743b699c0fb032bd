//! Projects, environments, deployments, actions, domains and diffs as the console sees them.

use super::*;
use switchback::backend::{Backend, BackendError, PageRequest};
use switchback::domain::{
    Action, BuildStatus, ConfigChangeKind, DomainKind, EnvMode, EnvironmentKind, ProjectId,
    RuntimeState,
};

#[tokio::test]
async fn projects_and_environments_map_the_live_pointer_and_mode() {
    let h = harness(world()).await;
    let projects = h
        .backend
        .list_projects(PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(projects.items.len(), 1);
    assert_eq!(projects.items[0].name, "Shop");
    assert!(
        projects.items[0].components.is_empty(),
        "one app: no components"
    );
    assert_eq!(projects.next, None);

    let envs = h
        .backend
        .list_environments(&ProjectId::new(PROJECT))
        .await
        .unwrap();
    let prod = envs
        .iter()
        .find(|e| e.id.as_str() == "web/production")
        .unwrap();
    assert_eq!(prod.name, "production");
    assert_eq!(prod.kind, EnvironmentKind::Production);
    assert_eq!(prod.live.as_ref().unwrap().as_str(), LIVE);
    assert_eq!(prod.mode, EnvMode::Normal);
    let hosts: Vec<&str> = prod.domains.iter().map(|d| d.hostname.as_str()).collect();
    assert_eq!(
        hosts,
        [
            "shop-acme.unkey.app",
            "shop-production-acme.unkey.app",
            "shop.example.com"
        ]
    );
    let preview = envs
        .iter()
        .find(|e| e.id.as_str() == "web/preview")
        .unwrap();
    assert_eq!(preview.kind, EnvironmentKind::Preview);
    assert_eq!(preview.live, None, "previews have no single live pointer");

    h.fake.with(|s| s.apps[0].rolled_back = true);
    let env = h.backend.get_environment(&production()).await.unwrap();
    assert_eq!(env.mode, EnvMode::RolledBack);
    h.fake.assert_conforms();
}

#[tokio::test]
async fn project_filter_keeps_only_named_projects() {
    let mut state = world();
    state.projects.push(fake::FakeProject {
        id: "proj_other001".to_owned(),
        slug: "other".to_owned(),
        name: "Other".to_owned(),
    });
    let fake = fake::Fake::start(state).await;
    let mut settings = UnkeySettings::new(fake.base_url.clone(), RootKey::new(fake::FULL_KEY));
    settings.projects = vec!["other".to_owned()];
    let backend = UnkeyBackend::new(
        settings,
        Arc::new(VirtualClock::starting_at(chrono::Utc::now())),
    )
    .unwrap();
    let page = backend.list_projects(PageRequest::first(10)).await.unwrap();
    let names: Vec<&str> = page.items.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Other"]);
    fake.assert_conforms();
}

#[tokio::test]
async fn deployments_page_through_every_page_with_opaque_cursors() {
    let mut state = world();
    let base = 1_764_000_000_000;
    for n in 0..230 {
        let mut d = state.deployments[1].clone();
        d.id = format!("d_many{n:04}");
        d.created_at = base + n * 1000;
        d.sha = Some(format!("{n:07}abcdef"));
        state.deployments.push(d);
    }
    let h = harness(state).await;
    let mut seen = Vec::new();
    let mut cursor = None;
    let mut pages = 0;
    loop {
        let page = h
            .backend
            .list_deployments(
                &production(),
                PageRequest {
                    cursor: cursor.clone(),
                    limit: Some(500),
                },
            )
            .await
            .unwrap();
        pages += 1;
        assert!(page.items.len() <= 100);
        seen.extend(page.items.into_iter().map(|d| d.id.to_string()));
        match page.next {
            Some(next) => {
                assert!(!next.contains("cur_"), "the cursor is opaque: {next}");
                cursor = Some(next);
            }
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 233);
    assert_eq!(seen[0], "d_many0229", "newest first");
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), seen.len());
    let limits: Vec<u64> = h.fake.with(|s| {
        s.requests
            .iter()
            .filter(|(op, _)| op == "deployments.listDeployments")
            .map(|(_, body)| body["limit"].as_u64().unwrap())
            .collect()
    });
    assert!(limits.iter().all(|&l| l == 100), "{limits:?}");

    // A cursor of one environment is refused in another.
    let first = h
        .backend
        .list_deployments(&production(), PageRequest::first(10))
        .await
        .unwrap();
    let err = h
        .backend
        .list_deployments(
            &preview(),
            PageRequest {
                cursor: first.next,
                limit: Some(10),
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(err, BackendError::Invalid { .. }), "{err:?}");
    h.fake.assert_conforms();
}

#[tokio::test]
async fn deployments_carry_labels_states_and_the_live_flag() {
    let h = harness(world()).await;
    let page = h
        .backend
        .list_deployments(&production(), PageRequest::first(10))
        .await
        .unwrap();
    let ids: Vec<&str> = page.items.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids, [LIVE, GOOD, STOPPED]);
    let live = &page.items[0];
    assert!(live.is_live);
    assert_eq!(live.label, "3333333");
    assert_eq!(
        live.commit.as_ref().unwrap().branch.as_deref(),
        Some("main")
    );
    let stopped = &page.items[2];
    assert_eq!(
        (stopped.build_status, stopped.runtime_state),
        (BuildStatus::Ready, RuntimeState::SpunDown)
    );
    let one = h
        .backend
        .get_deployment(&production(), &id(GOOD))
        .await
        .unwrap();
    assert_eq!(one.label, "2222222");
    assert!(!one.is_live);

    let err = h
        .backend
        .get_deployment(&production(), &id(PREVIEW_DEPLOYMENT))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            BackendError::Precondition {
                code: switchback::backend::PreconditionCode::WrongEnvironment,
                ..
            }
        ),
        "{err:?}"
    );
    h.fake.assert_conforms();
}

#[tokio::test]
async fn actions_follow_available_actions_with_reasons() {
    // The fake changes under the adapter below: no snapshot window hides it.
    let h = harness_with(world(), fake::FULL_KEY, |s| {
        s.reads_shared_for = Duration::ZERO
    })
    .await;
    let find = |list: &[switchback::domain::ActionAvailability], a: Action| {
        list.iter().find(|x| x.action == a).unwrap().clone()
    };
    let good = h.backend.actions(&production(), &id(GOOD)).await.unwrap();
    assert!(find(&good, Action::Rollback).allowed);
    assert!(find(&good, Action::Promote).allowed);
    assert!(find(&good, Action::Redeploy).allowed);

    let live = h.backend.actions(&production(), &id(LIVE)).await.unwrap();
    let rollback = find(&live, Action::Rollback);
    assert_eq!(rollback.code.as_deref(), Some("already_live"));
    assert!(rollback.reason.unwrap().contains("already live"));

    let stopped = h
        .backend
        .actions(&production(), &id(STOPPED))
        .await
        .unwrap();
    let rollback = find(&stopped, Action::Rollback);
    assert!(!rollback.allowed);
    assert_eq!(rollback.code.as_deref(), Some("not_running"));
    assert_eq!(rollback.suggestion, Some(Action::Redeploy));

    let preview = h
        .backend
        .actions(&preview(), &id(PREVIEW_DEPLOYMENT))
        .await
        .unwrap();
    let promote = find(&preview, Action::Promote);
    assert_eq!(promote.code.as_deref(), Some("not_applicable"));
    assert!(promote.reason.unwrap().contains("production"));

    // Rolled back: the live deployment may be promoted (confirming the rollback).
    h.fake.with(|s| s.apps[0].rolled_back = true);
    let live = h.backend.actions(&production(), &id(LIVE)).await.unwrap();
    assert!(find(&live, Action::Promote).allowed);
    h.fake.assert_conforms();
}

#[tokio::test]
async fn domains_that_move_are_live_environment_and_custom() {
    let h = harness(world()).await;
    let moves = h
        .backend
        .domains_to_move(&production(), &id(GOOD))
        .await
        .unwrap();
    let moving: Vec<(&str, DomainKind, bool)> = moves
        .iter()
        .filter(|m| m.moves)
        .map(|m| (m.hostname.as_str(), m.kind, m.inferred))
        .collect();
    assert_eq!(
        moving,
        [
            ("shop-acme.unkey.app", DomainKind::Environment, true),
            (
                "shop-production-acme.unkey.app",
                DomainKind::Environment,
                true
            ),
            ("shop.example.com", DomainKind::Custom, false),
        ]
    );
    assert!(
        moves
            .iter()
            .filter(|m| m.moves)
            .all(|m| m.to.as_ref().unwrap().as_str() == GOOD)
    );
    let staying: Vec<&str> = moves
        .iter()
        .filter(|m| !m.moves)
        .map(|m| m.hostname.as_str())
        .collect();
    assert_eq!(
        staying,
        [
            "shop-d-bad00001-acme.unkey.app",
            "shop-git-3333333-acme.unkey.app",
            "shop-git-main-acme.unkey.app"
        ]
    );
    assert!(!moves.iter().any(|m| m.hostname == "pending.example.com"));
    h.fake.assert_conforms();
}

#[tokio::test]
async fn diff_shows_artifacts_runtime_drift_and_domains() {
    let h = harness(world()).await;
    let diff = h.backend.diff(&production(), &id(GOOD)).await.unwrap();
    assert_eq!(diff.live.as_ref().unwrap().as_str(), LIVE);
    assert!(diff.artifact_to.image.contains("2222222"));
    assert!(diff.artifact_from.unwrap().image.contains("3333333"));
    assert_eq!(diff.config_drift.len(), 1, "{:?}", diff.config_drift);
    assert_eq!(diff.config_drift[0].name, "runtime.memoryMib");
    assert_eq!(diff.config_drift[0].change, ConfigChangeKind::Changed);
    assert_eq!(diff.domains.iter().filter(|d| d.moves).count(), 3);
    h.fake.assert_conforms();
}

#[tokio::test]
async fn several_apps_show_as_components() {
    let mut state = world();
    state.apps.push(fake::FakeApp {
        project_id: PROJECT.to_owned(),
        id: "app_worker01".to_owned(),
        slug: "worker".to_owned(),
        current: None,
        rolled_back: false,
    });
    state.envs.push(fake::FakeEnv {
        app_id: "app_worker01".to_owned(),
        id: "env_wprod001".to_owned(),
        slug: "production".to_owned(),
        kind: "production",
    });
    let h = harness(state).await;
    let projects = h
        .backend
        .list_projects(PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(projects.items[0].components, ["web", "worker"]);
    let envs = h
        .backend
        .list_environments(&ProjectId::new(PROJECT))
        .await
        .unwrap();
    let names: Vec<&str> = envs.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(
        names,
        ["web/production", "web/preview", "worker/production"]
    );
    let worker = envs.iter().find(|e| e.name == "worker/production").unwrap();
    assert_eq!(worker.live, None);
    let live = h
        .backend
        .get_deployment(&production(), &id(LIVE))
        .await
        .unwrap();
    assert_eq!(live.components[..], ["web"]);
    h.fake.assert_conforms();
}

#[tokio::test]
async fn apps_that_page_forever_are_stopped_at_the_page_bound() {
    let mut state = world();
    state.endless_apps = true;
    let h = harness(state).await;
    let error = h
        .backend
        .list_environments(&ProjectId::new(PROJECT))
        .await
        .unwrap_err();
    let said = error.to_string();
    assert!(
        said.contains("the apps of project")
            && said.contains("in 1000 pages")
            && said.contains("Unkey kept paging past the bound"),
        "{said}"
    );
    let listed = h
        .fake
        .state
        .lock()
        .unwrap()
        .requests
        .iter()
        .filter(|(op, _)| op == "apps.listApps")
        .count();
    assert_eq!(listed, switchback::net::paging::MAX_PAGES);
}
