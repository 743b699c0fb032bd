//! What the adapter reads: projects, environments, deployments across pages, the live
//! deployment, the rolled-back mode, domains, and Vercel's rules as actions.

use super::*;
use switchback::backend::{Backend, BackendError, PageRequest, PreconditionCode, Role};
use switchback::domain::{
    Action, ActionAvailability, BuildStatus, DomainKind, EnvMode, EnvironmentKind, LiveCause,
    RuntimeState,
};

fn find(list: &[ActionAvailability], action: Action) -> &ActionAvailability {
    list.iter().find(|a| a.action == action).unwrap()
}

#[tokio::test]
async fn production_lists_newest_first_with_commit_author_and_state() {
    let h = standard().await;
    let page = h
        .backend
        .list_deployments(&production(), PageRequest::first(100))
        .await
        .unwrap();
    let ids: Vec<&str> = page.items.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids, [LIVE, STAGED, FAILED, GOOD, OLDER, REMOVED]);
    assert_eq!(page.next, None);
    let live = &page.items[0];
    assert!(live.is_live);
    assert_eq!(live.label, "live0001");
    let commit = live.commit.as_ref().unwrap();
    assert_eq!(commit.subject, "change live0001");
    assert_eq!(commit.branch.as_deref(), Some("main"));
    assert_eq!(live.author.as_deref(), Some("alice"));
    assert_eq!(page.items[2].build_status, BuildStatus::Failed);
    let removed = page.items.last().unwrap();
    assert!(removed.artifact.pruned);
    assert_eq!(removed.runtime_state, RuntimeState::SpunDown);
    h.fake.assert_conforms();
}

#[tokio::test]
async fn pages_follow_vercels_until_continuation() {
    let h = standard().await;
    let mut page = PageRequest::first(2);
    let mut seen = Vec::new();
    loop {
        let got = h
            .backend
            .list_deployments(&production(), page.clone())
            .await
            .unwrap();
        seen.extend(got.items.iter().map(|d| d.id.to_string()));
        match got.next {
            Some(next) => page.cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, [LIVE, STAGED, FAILED, GOOD, OLDER, REMOVED]);
    let lists: Vec<_> = h
        .fake
        .requests()
        .into_iter()
        .filter(|r| r.route.as_deref() == Some("GET /v6/deployments"))
        .collect();
    assert_eq!(lists.len(), 3);
    assert_eq!(lists[0].param("until"), None);
    // Each next page asks `until` the last deployment's creation time.
    let created = |uid: &str| {
        h.fake
            .with(|s| s.deployment(uid).unwrap().created.to_string())
    };
    assert_eq!(lists[1].param("until"), Some(created(STAGED).as_str()));
    assert_eq!(lists[2].param("until"), Some(created(GOOD).as_str()));
    assert!(lists.iter().all(|r| r.param("target") == Some("production")
        && r.param("projectId") == Some(PROJECT)
        && r.param("teamId") == Some(TEAM_ID)));
    // A cursor of another list is refused, not followed.
    let err = h
        .backend
        .list_deployments(
            &preview(),
            PageRequest {
                cursor: page.cursor,
                limit: Some(2),
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(err, BackendError::Invalid { .. }), "{err:?}");
    h.fake.assert_conforms();
}

#[tokio::test]
async fn projects_follow_the_from_continuation() {
    let h = standard().await;
    let first = h
        .backend
        .list_projects(PageRequest::first(1))
        .await
        .unwrap();
    assert_eq!(first.items[0].id.as_str(), PROJECT);
    assert_eq!(first.items[0].name, "shop");
    let second = h
        .backend
        .list_projects(PageRequest {
            cursor: first.next.clone(),
            limit: Some(1),
        })
        .await
        .unwrap();
    assert_eq!(second.items[0].id.as_str(), HOBBY);
    assert_eq!(second.next, None);
    let calls: Vec<_> = h
        .fake
        .requests()
        .into_iter()
        .filter(|r| r.route.as_deref() == Some("GET /v10/projects"))
        .collect();
    assert_eq!(calls[1].param("from"), Some(BASE_MS.to_string().as_str()));
    h.fake.assert_conforms();
}

#[tokio::test]
async fn configured_projects_are_read_one_by_one() {
    let clock = clock();
    let h = harness_with(world(&clock), clock, fake::MEMBER_TOKEN, |s| {
        s.projects = vec!["blog".to_owned()];
    })
    .await;
    let page = h
        .backend
        .list_projects(PageRequest::first(10))
        .await
        .unwrap();
    let ids: Vec<&str> = page.items.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, [HOBBY]);
    assert_eq!(h.fake.calls("GET /v10/projects"), 0);
    h.fake.assert_conforms();
}

#[tokio::test]
async fn environments_are_production_preview_and_custom_ones() {
    let h = standard().await;
    let envs = h
        .backend
        .list_environments(&production().project)
        .await
        .unwrap();
    let ids: Vec<&str> = envs.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["production", "preview", "staging"]);
    let prod = &envs[0];
    assert_eq!(prod.kind, EnvironmentKind::Production);
    assert_eq!(prod.live.as_ref().unwrap().as_str(), LIVE);
    assert_eq!(prod.mode, EnvMode::Normal);
    let hosts: Vec<&str> = prod.domains.iter().map(|d| d.hostname.as_str()).collect();
    assert_eq!(hosts, MOVING, "production's hosts, branch aliases left out");
    assert_eq!(envs[1].live, None);
    assert_eq!(envs[2].live.as_ref().unwrap().as_str(), STAGING_DEPLOYMENT);
    let previews = h
        .backend
        .list_deployments(&preview(), PageRequest::first(100))
        .await
        .unwrap();
    assert_eq!(
        previews
            .items
            .iter()
            .map(|d| d.id.as_str())
            .collect::<Vec<_>>(),
        [PREVIEW_DEPLOYMENT]
    );
    let staging = h
        .backend
        .list_deployments(
            &switchback::domain::EnvRef::new(PROJECT, "staging"),
            PageRequest::first(100),
        )
        .await
        .unwrap();
    assert_eq!(
        staging
            .items
            .iter()
            .map(|d| d.id.as_str())
            .collect::<Vec<_>>(),
        [STAGING_DEPLOYMENT]
    );
    assert!(staging.items[0].is_live);
    h.fake.assert_conforms();
}

#[tokio::test]
async fn the_rolled_back_mode_is_read_from_the_last_alias_request() {
    let h = standard().await;
    h.fake.with(|s| {
        let now = s.now_ms();
        vercel::model::start_job(s, 0, true, GOOD, now - 600_000);
    });
    let env = h.backend.get_environment(&production()).await.unwrap();
    assert_eq!(env.mode, EnvMode::RolledBack);
    assert_eq!(env.live.as_ref().unwrap().as_str(), GOOD);
    let good = h
        .backend
        .get_deployment(&production(), &id(GOOD))
        .await
        .unwrap();
    assert!(good.is_rollback && good.is_live);
    assert_eq!(good.rolled_back_from.as_ref().unwrap().as_str(), LIVE);
    let history = h.backend.live_history(&production()).await.unwrap();
    let last = history.last().unwrap();
    assert_eq!(
        (last.deployment.as_str(), last.cause),
        (GOOD, LiveCause::Rollback)
    );
    assert!(
        history
            .iter()
            .any(|c| c.deployment.as_str() == LIVE && c.cause == LiveCause::Deploy),
        "{history:?}"
    );
    assert!(
        !history.iter().any(|c| c.deployment.as_str() == STAGED),
        "a staged build never went live: {history:?}"
    );
    h.fake.assert_conforms();
}

#[tokio::test]
async fn actions_state_vercels_rules_in_words() {
    let h = standard().await;
    let env = production();
    let good = h.backend.actions(&env, &id(GOOD)).await.unwrap();
    assert!(find(&good, Action::Rollback).allowed);
    assert!(find(&good, Action::Promote).allowed);

    let live = h.backend.actions(&env, &id(LIVE)).await.unwrap();
    assert_eq!(
        find(&live, Action::Rollback).code.as_deref(),
        Some("already_live")
    );

    let staged = h.backend.actions(&env, &id(STAGED)).await.unwrap();
    let rollback = find(&staged, Action::Rollback);
    assert!(!rollback.allowed);
    assert_eq!(rollback.suggestion, Some(Action::Promote));
    assert!(
        rollback
            .reason
            .as_deref()
            .unwrap()
            .contains("promote it instead")
    );
    assert!(find(&staged, Action::Promote).allowed);

    let removed = h.backend.actions(&env, &id(REMOVED)).await.unwrap();
    let rollback = find(&removed, Action::Rollback);
    assert_eq!(rollback.code.as_deref(), Some("artifact_pruned"));
    assert_eq!(rollback.suggestion, Some(Action::Redeploy));
    assert!(
        rollback
            .reason
            .as_deref()
            .unwrap()
            .contains("redeploy rebuilds it from git")
    );
    assert!(find(&removed, Action::Redeploy).allowed);

    let failed = h.backend.actions(&env, &id(FAILED)).await.unwrap();
    assert_eq!(
        find(&failed, Action::Rollback).code.as_deref(),
        Some("not_ready")
    );

    let preview = h
        .backend
        .actions(&preview(), &id(PREVIEW_DEPLOYMENT))
        .await
        .unwrap();
    assert_eq!(
        find(&preview, Action::Rollback).code.as_deref(),
        Some("not_applicable")
    );
    assert!(find(&preview, Action::Promote).allowed, "by building it");
    h.fake.assert_conforms();
}

#[tokio::test]
async fn hobby_rolls_back_to_the_previous_deployment_only() {
    let h = standard().await;
    let env = switchback::domain::EnvRef::new(HOBBY, "production");
    let previous = h.backend.actions(&env, &id(BLOG_V2)).await.unwrap();
    assert!(find(&previous, Action::Rollback).allowed, "{previous:?}");
    let older = h.backend.actions(&env, &id(BLOG_V1)).await.unwrap();
    let rollback = find(&older, Action::Rollback);
    let reason = rollback.reason.as_deref().unwrap();
    assert!(
        reason.contains("Hobby") && reason.contains("upgrade") && reason.contains("blog0002"),
        "{reason}"
    );
    assert_eq!(rollback.suggestion, Some(Action::Redeploy));
    // Refused before anything is sent.
    let err = h
        .backend
        .rollback(switchback::backend::OperationRequest {
            env: env.clone(),
            target: id(BLOG_V1),
            expected_live: Some(id(BLOG_V3)),
            idempotency_key: "hobby-1".into(),
            actor: "alice".into(),
            strategy: None,
            scope: Default::default(),
        })
        .await
        .unwrap_err();
    assert!(
        matches!(&err, BackendError::Precondition { code: PreconditionCode::Other, message, .. } if message.contains("Hobby")),
        "{err:?}"
    );
    assert_eq!(
        h.fake
            .calls("POST /v9/projects/{projectId}/rollback/{deploymentId}"),
        0
    );
    h.fake.assert_conforms();
}

#[tokio::test]
async fn production_domains_move_and_branch_aliases_stay() {
    let h = standard().await;
    let moves = h
        .backend
        .domains_to_move(&production(), &id(GOOD))
        .await
        .unwrap();
    let mut moving: Vec<&str> = moves
        .iter()
        .filter(|m| m.moves)
        .map(|m| m.hostname.as_str())
        .collect();
    moving.sort_unstable();
    let mut expected = MOVING.to_vec();
    expected.sort_unstable();
    assert_eq!(moving, expected);
    let stays: Vec<(&str, DomainKind)> = moves
        .iter()
        .filter(|m| !m.moves)
        .map(|m| (m.hostname.as_str(), m.kind))
        .collect();
    assert_eq!(
        stays,
        [
            ("beta.shop.example.com", DomainKind::Branch),
            ("shop-git-main-acme.vercel.app", DomainKind::Branch),
            ("shop-good0001-acme.vercel.app", DomainKind::Deployment),
            ("staging.shop.example.com", DomainKind::Environment),
        ]
    );
    let www = moves
        .iter()
        .find(|m| m.hostname == "www.shop.example.com")
        .unwrap();
    assert_eq!(www.from.as_ref().unwrap().as_str(), LIVE);
    assert_eq!(www.to.as_ref().unwrap().as_str(), GOOD);
    let diff = h.backend.diff(&production(), &id(GOOD)).await.unwrap();
    assert_eq!(diff.live.as_ref().unwrap().as_str(), LIVE);
    assert_eq!(diff.domains, moves);
    h.fake.assert_conforms();
}

#[tokio::test]
async fn the_identity_and_role_come_from_the_user_and_team() {
    let h = standard().await;
    let me = h.backend.identity().await.unwrap();
    assert_eq!((me.actor.as_str(), me.role), ("alice", Role::Deployer));
    let clock = clock();
    let viewer = harness_with(world(&clock), clock, fake::VIEWER_TOKEN, |_| {}).await;
    let me = viewer.backend.identity().await.unwrap();
    assert_eq!((me.actor.as_str(), me.role), ("victor", Role::ReadOnly));
    let actions = viewer
        .backend
        .actions(&production(), &id(GOOD))
        .await
        .unwrap();
    let rollback = find(&actions, Action::Rollback);
    assert_eq!(rollback.code.as_deref(), Some("forbidden"));
    assert!(rollback.reason.as_deref().unwrap().contains("VIEWER"));
    // `/v2/user` is asked without the team, as Vercel's CLI asks it.
    let user = viewer
        .fake
        .requests()
        .into_iter()
        .find(|r| r.path == "/v2/user")
        .unwrap();
    assert_eq!(user.param("teamId"), None);
    viewer.fake.assert_conforms();
}

#[tokio::test]
async fn a_deployment_of_another_environment_is_not_this_ones() {
    let h = standard().await;
    let err = h
        .backend
        .get_deployment(&production(), &id(PREVIEW_DEPLOYMENT))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            BackendError::Precondition {
                code: PreconditionCode::WrongEnvironment,
                ..
            }
        ),
        "{err:?}"
    );
    let err = h
        .backend
        .get_deployment(&production(), &id("dpl_nothere"))
        .await
        .unwrap_err();
    assert!(matches!(err, BackendError::NotFound { .. }), "{err:?}");
    h.fake.assert_conforms();
}

#[tokio::test]
async fn a_rate_limited_read_waits_for_retry_after_and_asks_again() {
    let h = standard().await;
    h.fake.with(|s| {
        s.scripted
            .push(Scripted::rate_limited("GET /v6/deployments", 1, 1))
    });
    let page = h
        .backend
        .list_deployments(&production(), PageRequest::first(100))
        .await
        .unwrap();
    assert_eq!(page.items.len(), 6);
    assert_eq!(h.fake.calls("GET /v6/deployments"), 2);
    // A 5xx on a read is asked again too, within the retry policy.
    h.fake
        .with(|s| s.scripted.push(Scripted::once("GET /v2/user", 503)));
    assert_eq!(h.backend.identity().await.unwrap().actor, "alice");
    assert_eq!(h.fake.calls("GET /v2/user"), 2);
}
