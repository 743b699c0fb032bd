//! Environments, the domains a switch moves, and diffs, assembled from the project and its
//! deployments.
//!
//! A rollback or promote points every production domain of the project at the target.
//! Domains bound to a git branch (and the automatic `-git-<branch>-` aliases) follow their
//! branch and never move; a deployment's own URL never moves.

use super::VercelBackend;
use super::api;
use super::mapping;
use crate::backend::BackendError;
use crate::domain::{
    DeploymentId, Diff, Domain, DomainKind, DomainMove, EnvMode, EnvRef, Environment,
    EnvironmentId, EnvironmentKind, ProjectId, SwitchKind,
};

/// Whether the project is in rolled-back mode: its last alias request was a rollback
/// (automatic assignment of production domains stays off until a promote). A skipped
/// request changed nothing.
pub fn rolled_back(project: &api::Project) -> bool {
    project
        .last_alias_request
        .as_ref()
        .is_some_and(|r| r.is_rollback() && r.job_status != "skipped")
}

/// Vercel's own hostnames name the environment; the rest are the team's custom domains.
fn host_kind(hostname: &str) -> DomainKind {
    if hostname.ends_with(".vercel.app") {
        DomainKind::Environment
    } else {
        DomainKind::Custom
    }
}

/// An automatic alias that follows a branch: `<project>-git-<branch>-<scope>.vercel.app`.
fn follows_branch(hostname: &str) -> bool {
    hostname.ends_with(".vercel.app") && hostname.contains("-git-")
}

/// `production`, `preview`, then the custom environments, from one read of the project.
pub fn environments(project: &api::Project) -> Vec<Environment> {
    let id = ProjectId::new(project.id.clone());
    let live = project.live_id().map(DeploymentId::new);
    let domains = project
        .production()
        .map(|t| {
            t.alias
                .iter()
                .filter(|h| !follows_branch(h))
                .map(|h| Domain {
                    hostname: h.clone(),
                    kind: host_kind(h),
                    deployment: live.clone(),
                })
                .collect()
        })
        .unwrap_or_default();
    let mut out = vec![
        Environment {
            mixed: Vec::new(),
            live_label: None,
            id: EnvironmentId::new("production"),
            project: id.clone(),
            name: "production".to_owned(),
            kind: EnvironmentKind::Production,
            live,
            mode: if rolled_back(project) {
                EnvMode::RolledBack
            } else {
                EnvMode::Normal
            },
            domains,
            branch: None,
        },
        Environment {
            mixed: Vec::new(),
            live_label: None,
            id: EnvironmentId::new("preview"),
            project: id.clone(),
            name: "preview".to_owned(),
            kind: EnvironmentKind::Preview,
            // Previews serve per branch: no single live deployment.
            live: None,
            mode: EnvMode::Normal,
            domains: Vec::new(),
            branch: None,
        },
    ];
    for custom in &project.custom_environments {
        let target = project
            .targets
            .get(&custom.slug)
            .or_else(|| project.targets.get(&custom.id))
            .and_then(Option::as_ref);
        let live = target.map(|t| DeploymentId::new(t.id.clone()));
        out.push(Environment {
            mixed: Vec::new(),
            live_label: None,
            id: EnvironmentId::new(custom.slug.clone()),
            project: id.clone(),
            name: custom.slug.clone(),
            kind: EnvironmentKind::Staging,
            domains: target
                .map(|t| {
                    t.alias
                        .iter()
                        .map(|h| Domain {
                            hostname: h.clone(),
                            kind: host_kind(h),
                            deployment: live.clone(),
                        })
                        .collect()
                })
                .unwrap_or_default(),
            live,
            mode: EnvMode::Normal,
            branch: None,
        });
    }
    out
}

/// The inputs of [`moves`].
pub struct MoveInputs<'a> {
    pub project: &'a api::Project,
    pub domains: &'a [api::ProjectDomain],
    /// The target's own URL.
    pub target_url: Option<&'a str>,
}

/// Which hostnames a switch of production to `target` moves, and which stay.
pub fn moves(inputs: &MoveInputs<'_>, target: &DeploymentId) -> Vec<DomainMove> {
    let live = inputs.project.live_id().map(DeploymentId::new);
    let mut out: Vec<DomainMove> = Vec::new();
    let add = |out: &mut Vec<DomainMove>, m: DomainMove| {
        if !out
            .iter()
            .any(|o| o.hostname.eq_ignore_ascii_case(&m.hostname))
        {
            out.push(m);
        }
    };
    for d in inputs.domains {
        // A redirect serves no deployment; an unverified domain serves nothing yet.
        if d.redirect.is_some() || !d.verified {
            continue;
        }
        let m = if d.git_branch.is_some() {
            DomainMove {
                hostname: d.name.clone(),
                kind: DomainKind::Branch,
                from: None,
                to: None,
                moves: false,
                inferred: false,
            }
        } else if d.custom_environment_id.is_some() {
            // Serves a custom environment, not production.
            DomainMove {
                hostname: d.name.clone(),
                kind: DomainKind::Environment,
                from: None,
                to: None,
                moves: false,
                inferred: false,
            }
        } else {
            DomainMove {
                hostname: d.name.clone(),
                kind: host_kind(&d.name),
                from: live.clone(),
                to: Some(target.clone()),
                moves: true,
                inferred: false,
            }
        };
        add(&mut out, m);
    }
    // Production's other aliases (the automatic ones) are not project domains: those that
    // follow a branch stay, the rest move. Told from their names: inferred.
    if let Some(production) = inputs.project.production() {
        for alias in &production.alias {
            let branch = follows_branch(alias);
            add(
                &mut out,
                DomainMove {
                    hostname: alias.clone(),
                    kind: if branch {
                        DomainKind::Branch
                    } else {
                        host_kind(alias)
                    },
                    from: if branch { None } else { live.clone() },
                    to: (!branch).then(|| target.clone()),
                    moves: !branch,
                    inferred: true,
                },
            );
        }
    }
    if let Some(url) = inputs.target_url {
        add(
            &mut out,
            DomainMove {
                hostname: url.to_owned(),
                kind: DomainKind::Deployment,
                from: Some(target.clone()),
                to: Some(target.clone()),
                moves: false,
                inferred: false,
            },
        );
    }
    // Moving ones first, then by name: the order of the confirmation dialog.
    out.sort_by(|a, b| b.moves.cmp(&a.moves).then(a.hostname.cmp(&b.hostname)));
    out
}

impl VercelBackend {
    pub(super) async fn domain_moves(
        &self,
        env: &EnvRef,
        target: &DeploymentId,
    ) -> Result<Vec<DomainMove>, BackendError> {
        if env.environment.as_str() != "production" {
            // Only production switches; elsewhere nothing moves.
            return Ok(Vec::new());
        }
        let (project, d) = self.deployment_in(env, target.as_str()).await?;
        let domains = self.project_domains(&project).await?;
        Ok(moves(
            &MoveInputs {
                project: &project,
                domains: &domains,
                target_url: d.url.as_deref(),
            },
            target,
        ))
    }

    pub(super) async fn build_diff(
        &self,
        env: &EnvRef,
        target: &DeploymentId,
    ) -> Result<Diff, BackendError> {
        let (project, to) = self.deployment_in(env, target.as_str()).await?;
        let live_id = if env.environment.as_str() == "production" {
            project.live_id().map(str::to_owned)
        } else {
            None
        };
        let from = match &live_id {
            Some(id) if id != &to.uid => {
                Some(mapping::Dep::from_full(&self.full_deployment(id).await?))
            }
            _ => None,
        };
        let domains = self.domain_moves(env, target).await?;
        let mapped_to = self.map(env, &project, &to);
        Ok(Diff {
            rollout: None,
            live: live_id.map(DeploymentId::new),
            target: target.clone(),
            artifact_from: from.as_ref().map(|d| self.map(env, &project, d).artifact),
            artifact_to: mapped_to.artifact,
            // Vercel does not list the commits between two deployments.
            commits_between: Vec::new(),
            commits_back: 0,
            // Environment variables are the project's, not the deployment's: a switch keeps
            // today's values and Vercel shows no per-deployment snapshot to compare.
            config_drift: Vec::new(),
            migrations_not_reverted: Vec::new(),
            domains,
            // Serverless: a ready deployment answers at once.
            switch: SwitchKind::Instant,
            details: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(extra: serde_json::Value) -> api::Project {
        let mut value = serde_json::json!({
            "id": "prj_1", "name": "shop", "accountId": "team_1",
            "targets": {"production": {"id": "dpl_live", "plan": "pro", "alias": [
                "shop.example.com", "shop-acme.vercel.app", "shop-git-main-acme.vercel.app"
            ]}},
        });
        value
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        serde_json::from_value(value).unwrap()
    }

    fn domain(name: &str, extra: serde_json::Value) -> api::ProjectDomain {
        let mut value = serde_json::json!({"name": name, "apexName": name, "projectId": "prj_1", "verified": true});
        value
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn production_domains_move_branch_aliases_and_own_urls_stay() {
        let p = project(serde_json::json!({}));
        let domains = [
            domain("shop.example.com", serde_json::json!({})),
            domain("www.shop.example.com", serde_json::json!({})),
            domain(
                "beta.shop.example.com",
                serde_json::json!({"gitBranch": "beta"}),
            ),
            domain(
                "old.shop.example.com",
                serde_json::json!({"redirect": "shop.example.com"}),
            ),
            domain(
                "pending.example.com",
                serde_json::json!({"verified": false}),
            ),
            domain(
                "staging.shop.example.com",
                serde_json::json!({"customEnvironmentId": "env_1"}),
            ),
        ];
        let target = DeploymentId::new("dpl_old");
        let list = moves(
            &MoveInputs {
                project: &p,
                domains: &domains,
                target_url: Some("shop-abc123-acme.vercel.app"),
            },
            &target,
        );
        let moving: Vec<&str> = list
            .iter()
            .filter(|m| m.moves)
            .map(|m| m.hostname.as_str())
            .collect();
        assert_eq!(
            moving,
            [
                "shop-acme.vercel.app",
                "shop.example.com",
                "www.shop.example.com"
            ]
        );
        let staying: Vec<(&str, DomainKind)> = list
            .iter()
            .filter(|m| !m.moves)
            .map(|m| (m.hostname.as_str(), m.kind))
            .collect();
        assert_eq!(
            staying,
            [
                ("beta.shop.example.com", DomainKind::Branch),
                ("shop-abc123-acme.vercel.app", DomainKind::Deployment),
                ("shop-git-main-acme.vercel.app", DomainKind::Branch),
                ("staging.shop.example.com", DomainKind::Environment),
            ]
        );
        let custom = list
            .iter()
            .find(|m| m.hostname == "www.shop.example.com")
            .unwrap();
        assert_eq!(
            (
                custom.kind,
                custom.from.as_ref().map(|d| d.as_str()),
                custom.inferred
            ),
            (DomainKind::Custom, Some("dpl_live"), false)
        );
    }

    #[test]
    fn the_rolled_back_mode_comes_from_the_last_alias_request() {
        let request = |kind: &str, status: &str| {
            serde_json::json!({"lastAliasRequest": {
                "fromDeploymentId": "dpl_new", "toDeploymentId": "dpl_live",
                "jobStatus": status, "requestedAt": 1, "type": kind
            }})
        };
        let normal = environments(&project(serde_json::json!({})));
        assert_eq!(normal[0].mode, EnvMode::Normal);
        let back = environments(&project(request("rollback", "succeeded")));
        assert_eq!(back[0].mode, EnvMode::RolledBack);
        assert_eq!(back[0].live.as_ref().unwrap().as_str(), "dpl_live");
        assert_eq!(
            back[0]
                .domains
                .iter()
                .map(|d| d.hostname.as_str())
                .collect::<Vec<_>>(),
            ["shop.example.com", "shop-acme.vercel.app"]
        );
        assert_eq!(back[1].mode, EnvMode::Normal, "previews have no such mode");
        let promoted = environments(&project(request("promote", "succeeded")));
        assert_eq!(promoted[0].mode, EnvMode::Normal);
        let skipped = environments(&project(request("rollback", "skipped")));
        assert_eq!(skipped[0].mode, EnvMode::Normal);
    }

    #[test]
    fn custom_environments_follow_production_and_preview() {
        let p = project(serde_json::json!({
            "customEnvironments": [{"id": "env_1", "slug": "staging", "type": "preview"}],
            "targets": {"production": null, "staging": {"id": "dpl_stg", "alias": []}},
        }));
        let list = environments(&p);
        let ids: Vec<&str> = list.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["production", "preview", "staging"]);
        assert_eq!(list[0].live, None);
        assert_eq!(list[2].live.as_ref().unwrap().as_str(), "dpl_stg");
        assert_eq!(list[2].kind, EnvironmentKind::Staging);
    }
}
