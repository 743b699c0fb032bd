//! What an adapter reads: listings, the live deployment, actions with their reasons.

use super::*;

/// 1. Small pages followed to the end give the same deployments, in the same newest-first
///    order, as one big page: no duplicates, no gaps.
pub async fn listing_is_newest_first_and_complete_across_pages<P: Platform>() {
    let p = P::start().await;
    let backend = p.backend();
    let (paged, pages) = all_pages(&*backend, &p.env(), 2).await;
    let (whole, whole_pages) = all_pages(&*backend, &p.env(), 100).await;
    assert!(
        pages > 1,
        "the world must span pages of 2: {:?}",
        ids(&whole)
    );
    assert_eq!(whole_pages, 1, "{:?}", ids(&whole));
    assert_eq!(ids(&paged), ids(&whole));
    assert_eq!(paged, whole);
    let mut unique = ids(&paged);
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), paged.len(), "duplicates: {:?}", ids(&paged));
    assert!(
        paged
            .windows(2)
            .all(|pair| pair[0].created_at >= pair[1].created_at),
        "newest first: {:?}",
        paged
            .iter()
            .map(|d| (d.id.as_str(), d.created_at))
            .collect::<Vec<_>>()
    );
}

/// 2. The environment's live deployment is listed, is the only one listed as live, and
///    reads the same on its own.
pub async fn the_live_deployment_is_listed_and_reads_alike<P: Platform>() {
    let p = P::start().await;
    let backend = p.backend();
    let live = live_seen(&*backend, &p.env()).await;
    assert_eq!(live, p.fixtures().live);
    let listing = listed(&*backend, &p.env()).await;
    let marked: Vec<&Deployment> = listing.iter().filter(|d| d.is_live).collect();
    assert_eq!(
        marked.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(),
        [live.as_str()],
        "exactly the live one is marked live"
    );
    let alone = backend.get_deployment(&p.env(), &live).await.unwrap();
    assert_eq!(&alone, marked[0]);
}

/// 3. Every refused action says why; the live deployment cannot be rolled back to; the
///    platform's refusal comes with its code and suggestion; what the capabilities rule out
///    is refused everywhere.
pub async fn every_refused_action_says_why<P: Platform>() {
    let p = P::start().await;
    let backend = p.backend();
    let capabilities = backend.capabilities();
    let fixtures = p.fixtures();
    for deployment in listed(&*backend, &p.env()).await {
        let actions = backend.actions(&p.env(), &deployment.id).await.unwrap();
        for action in Action::ALL {
            let found: Vec<_> = actions.iter().filter(|a| a.action == action).collect();
            assert_eq!(
                found.len(),
                1,
                "{action:?} on {}: {actions:?}",
                deployment.id
            );
            let verdict = found[0];
            if !verdict.allowed {
                assert!(
                    verdict
                        .reason
                        .as_deref()
                        .is_some_and(|r| !r.trim().is_empty()),
                    "{action:?} on {} refused without a reason: {verdict:?}",
                    deployment.id
                );
                assert!(
                    verdict.code.as_deref().is_some_and(|c| !c.is_empty()),
                    "{verdict:?}"
                );
            }
            if action == Action::Promote && !capabilities.promote {
                assert!(!verdict.allowed, "promote is not a capability: {verdict:?}");
            }
            if action == Action::Rollback && deployment.id == fixtures.live {
                assert!(!verdict.allowed, "rollback to the live one: {verdict:?}");
            }
        }
    }
    let refused = &fixtures.refused;
    let actions = backend
        .actions(&p.env(), &refused.deployment)
        .await
        .unwrap();
    let verdict = actions.iter().find(|a| a.action == refused.action).unwrap();
    assert!(!verdict.allowed, "{verdict:?}");
    assert_eq!(verdict.code.as_deref(), Some(refused.code.as_str()));
    assert_eq!(verdict.suggestion, refused.suggestion);
    let target = backend.actions(&p.env(), &fixtures.target).await.unwrap();
    assert!(
        target
            .iter()
            .any(|a| a.action == Action::Rollback && a.allowed),
        "{target:?}"
    );
}
