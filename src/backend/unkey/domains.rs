//! Which hostnames a rollback or promote moves.
//!
//! Unkey moves exactly the environment's `live` and `environment` routes; custom domains
//! ride on `live`. v2 lists a deployment's hostnames without saying which route each is,
//! so the kind is inferred from Unkey's naming: `<prefix>-git-<sha7>-…` (commit) and
//! `<prefix>-git-<branch>-…` (branch) stay, `<prefix>-<deployment id>-…` stays,
//! `<prefix>-<environment>-…` and `<prefix>-<workspace>.…` (live) move. Custom domains come
//! from `domains.listDomains`, which says they serve the environment: those are not inferred.

use super::api;
use crate::domain::{DeploymentId, Domain, DomainKind, DomainMove};

pub struct DomainInputs<'a> {
    /// The live deployment, whose hostnames are the candidates.
    pub live: &'a api::Deployment,
    /// Verified custom domains of the environment.
    pub custom: &'a [String],
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Classified {
    kind: DomainKind,
    moves: bool,
    inferred: bool,
}

fn classify(hostname: &str, inputs: &DomainInputs<'_>) -> Classified {
    let host = hostname.to_ascii_lowercase();
    if inputs.custom.iter().any(|c| c.eq_ignore_ascii_case(&host)) {
        return Classified {
            kind: DomainKind::Custom,
            moves: true,
            inferred: false,
        };
    }
    let first = host.split('.').next().unwrap_or("");
    let id = inputs.live.id.to_ascii_lowercase();
    let sha7: Option<String> = inputs
        .live
        .git
        .as_ref()
        .map(|g| g.commit_sha.to_ascii_lowercase().chars().take(7).collect());
    let stays = |kind| Classified {
        kind,
        moves: false,
        inferred: true,
    };
    if let Some(sha7) = sha7.filter(|s| !s.is_empty())
        && first.contains(&format!("-git-{sha7}"))
    {
        return stays(DomainKind::Deployment);
    }
    if first.contains("-git-") {
        return stays(DomainKind::Branch);
    }
    if first.contains(&id) || first.contains(&id.replace('_', "-")) {
        return stays(DomainKind::Deployment);
    }
    // What is left is the environment route or the live route: both move.
    Classified {
        kind: DomainKind::Environment,
        moves: true,
        inferred: true,
    }
}

/// Every hostname of the live deployment and every custom domain, with where a switch to
/// `target` leaves it.
pub fn moves(inputs: &DomainInputs<'_>, target: &DeploymentId) -> Vec<DomainMove> {
    let live = DeploymentId::new(inputs.live.id.clone());
    let mut out: Vec<DomainMove> = inputs
        .live
        .domains
        .iter()
        .map(|hostname| {
            let c = classify(hostname, inputs);
            DomainMove {
                hostname: hostname.clone(),
                kind: c.kind,
                from: Some(live.clone()),
                to: Some(if c.moves {
                    target.clone()
                } else {
                    live.clone()
                }),
                moves: c.moves,
                inferred: c.inferred,
            }
        })
        .collect();
    for custom in inputs.custom {
        if !out.iter().any(|m| m.hostname.eq_ignore_ascii_case(custom)) {
            out.push(DomainMove {
                hostname: custom.clone(),
                kind: DomainKind::Custom,
                from: Some(live.clone()),
                to: Some(target.clone()),
                moves: true,
                inferred: false,
            });
        }
    }
    // Moving ones first, then by name: the order of the confirmation dialog.
    out.sort_by(|a, b| b.moves.cmp(&a.moves).then(a.hostname.cmp(&b.hostname)));
    out
}

/// The environment's domains as they point now (for the environment view).
pub fn current(inputs: &DomainInputs<'_>) -> Vec<Domain> {
    let live = DeploymentId::new(inputs.live.id.clone());
    moves(inputs, &live)
        .into_iter()
        .filter(|m| m.moves)
        .map(|m| Domain {
            hostname: m.hostname,
            kind: m.kind,
            deployment: Some(live.clone()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn live() -> api::Deployment {
        serde_json::from_value(serde_json::json!({
            "id": "d_live42", "status": "ready", "isCurrent": true,
            "environment": "production", "app": "default", "project": "shop",
            "availableActions": [], "regions": [], "runtime": {}, "createdAt": 0,
            "git": {"commitSha": "abc1234def", "branch": "main"},
            "domains": [
                "shop-git-abc1234-acme.unkey.app",
                "shop-git-main-acme.unkey.app",
                "shop-d-live42-acme.unkey.app",
                "shop-production-acme.unkey.app",
                "shop-acme.unkey.app",
                "api.shop.example",
            ],
        }))
        .unwrap()
    }

    #[test]
    fn live_environment_and_custom_move_the_rest_stays() {
        let live = live();
        let custom = vec!["api.shop.example".to_owned(), "www.shop.example".to_owned()];
        let inputs = DomainInputs {
            live: &live,
            custom: &custom,
        };
        let target = DeploymentId::new("d_old1");
        let list = moves(&inputs, &target);
        let moving: Vec<&str> = list
            .iter()
            .filter(|m| m.moves)
            .map(|m| m.hostname.as_str())
            .collect();
        assert_eq!(
            moving,
            [
                "api.shop.example",
                "shop-acme.unkey.app",
                "shop-production-acme.unkey.app",
                "www.shop.example"
            ]
        );
        let custom_move = list
            .iter()
            .find(|m| m.hostname == "www.shop.example")
            .unwrap();
        assert!(!custom_move.inferred && custom_move.kind == DomainKind::Custom);
        let env = list
            .iter()
            .find(|m| m.hostname == "shop-production-acme.unkey.app")
            .unwrap();
        assert!(env.inferred && env.to.as_ref() == Some(&target));
        let branch = list
            .iter()
            .find(|m| m.hostname == "shop-git-main-acme.unkey.app")
            .unwrap();
        assert_eq!((branch.kind, branch.moves), (DomainKind::Branch, false));
        let own = list
            .iter()
            .find(|m| m.hostname == "shop-d-live42-acme.unkey.app")
            .unwrap();
        assert_eq!((own.kind, own.moves), (DomainKind::Deployment, false));
    }
}
