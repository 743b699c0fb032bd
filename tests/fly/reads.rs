//! Reads: releases as deployments, live from the Machines, hostnames, the diff.

use super::*;
use switchback::backend::PageRequest;
use switchback::domain::{BuildStatus, DomainKind, RuntimeState, SwitchKind};

#[tokio::test]
async fn releases_read_as_deployments_newest_first_with_live_from_the_machines() {
    let h = standard().await;
    let page = h
        .backend
        .list_deployments(&production(), PageRequest::first(4))
        .await
        .unwrap();
    let labels: Vec<&str> = page.items.iter().map(|d| d.label.as_str()).collect();
    assert_eq!(labels, ["v30", "v29", "v28", "v27"]);
    assert!(page.next.is_some());
    let v30 = &page.items[0];
    assert!(v30.is_live);
    assert_eq!(v30.artifact.image, image(30));
    assert!(
        v30.artifact
            .digest
            .as_deref()
            .is_some_and(|d| d.starts_with("sha256:"))
    );
    assert_eq!(v30.author.as_deref(), Some(OWNER));
    assert_eq!(v30.build_status, BuildStatus::Ready);
    assert_eq!(v30.runtime_state, RuntimeState::Running);
    assert_eq!(&*v30.regions, ["ams", "ord"]);
    assert_eq!(&*v30.components, ["app", "worker"]);
    assert_eq!(page.items[1].runtime_state, RuntimeState::SpunDown);
    h.fake.assert_conforms();
}

#[tokio::test]
async fn an_environment_has_its_app_hostname_and_certificates_and_a_spun_down_app_says_so() {
    let h = standard().await;
    let env = h.backend.get_environment(&production()).await.unwrap();
    let hosts: Vec<(&str, DomainKind)> = env
        .domains
        .iter()
        .map(|d| (d.hostname.as_str(), d.kind))
        .collect();
    assert_eq!(
        hosts,
        [
            ("shop-web.fly.dev", DomainKind::Environment),
            ("shop.example.com", DomainKind::Custom)
        ]
    );
    assert_eq!(env.live_label.as_deref(), Some("v30"));
    let moves = h
        .backend
        .domains_to_move(&production(), &id(29))
        .await
        .unwrap();
    assert!(moves.iter().all(|m| m.moves && m.to == Some(id(29))));
    let staging = h
        .backend
        .get_environment(&EnvRef::new(PROJECT, "staging"))
        .await
        .unwrap();
    let live = h
        .backend
        .get_deployment(&EnvRef::new(PROJECT, "staging"), &id(1))
        .await
        .unwrap();
    assert_eq!(staging.live, Some(id(1)));
    assert_eq!(live.runtime_state, RuntimeState::SpunDown);
    h.fake.assert_conforms();
}

#[tokio::test]
async fn the_diff_compares_images_and_the_two_definitions() {
    let h = standard().await;
    let diff = h.backend.diff(&production(), &id(28)).await.unwrap();
    assert_eq!(diff.live, Some(id(30)));
    assert_eq!(diff.artifact_to.image, image(28));
    assert_eq!(diff.artifact_from.unwrap().image, image(30));
    let changed: Vec<&str> = diff.config_drift.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(changed, ["FEATURE_X", "LOG_LEVEL"]);
    let details: Vec<String> = diff.details.iter().map(|d| d.describe()).collect();
    assert_eq!(details, ["guest size shared-cpu-2x → shared-cpu-1x"]);
    assert_eq!(diff.switch, SwitchKind::Instant);
    let rollout = diff.rollout.unwrap();
    assert_eq!(rollout.regions, ["ams", "ord"]);
    assert_eq!(rollout.components, ["app", "worker"]);
    h.fake.assert_conforms();
}

#[tokio::test]
async fn a_colleagues_deploy_of_an_old_image_reads_as_that_release_live_again() {
    let h = standard().await;
    h.fake.with(|s| s.colleague_deploys(APP, 28, COLLEAGUE));
    let env = h.backend.get_environment(&production()).await.unwrap();
    assert_eq!(env.live, Some(id(28)));
    let v31 = h
        .backend
        .get_deployment(&production(), &id(31))
        .await
        .unwrap();
    assert!(v31.is_rollback && !v31.is_live);
    assert_eq!(v31.rolled_back_from, Some(id(30)));
    let history = h.backend.live_history(&production()).await.unwrap();
    let last = history.last().unwrap();
    assert_eq!(last.deployment, id(28));
    assert_eq!(last.actor.as_deref(), Some(COLLEAGUE));
}

#[tokio::test]
async fn empty_pages_of_releases_without_end_are_stopped_at_the_page_bound() {
    let h = standard().await;
    h.fake.with(|s| s.endless_releases = true);
    let error = h
        .backend
        .list_deployments(&production(), PageRequest::first(4))
        .await
        .unwrap_err();
    let said = error.to_string();
    assert!(
        said.contains("the releases of")
            && said.contains("in 1000 pages")
            && said.contains("Fly.io kept paging past the bound"),
        "{said}"
    );
    h.fake.assert_conforms();
}
