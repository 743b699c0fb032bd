//! The live deployment against a target: the commits deployed between them, the settings
//! that differ (a rollback runs with the environment's settings of today), the hostnames
//! that move, and whether the switch is instant (a static site) or a cold start (a
//! container: Temps starts the old image, then stops the live one).

use super::Inner;
use super::api;
use super::client::Fresh;
use super::mapping::{self, ProjectRef};
use super::paging::PageQuery;
use super::reads::deployment_number;
use crate::backend::BackendError;
use crate::domain::{
    CommitRef, ConfigChange, ConfigChangeKind, ConfigEntry, DeploymentId, Diff, DomainMove, EnvRef,
    SwitchKind,
};

/// Pages of history read at most to find the commits between two deployments.
const MAX_HISTORY_PAGES: u32 = 5;

/// Observed: a container rollback answers after 12 s when the live container must stop
/// first; with the health check, about this long.
pub const CONTAINER_SWITCH_SECS: u64 = 15;

impl Inner {
    pub(super) async fn build_diff(
        &self,
        env: &EnvRef,
        target: &DeploymentId,
    ) -> Result<Diff, BackendError> {
        let (project, environment) = self.locate(env, Fresh::Shared).await?;
        let number = deployment_number(target)?;
        let target = self
            .deployment_in(&project, &environment, number, Fresh::Shared)
            .await?;
        let live = match environment.current_deployment_id {
            Some(id) if id == number => Some(target.clone()),
            Some(id) => Some(self.raw_deployment(&project, id, Fresh::Shared).await?),
            None => None,
        };
        let (commits_between, commits_back) = match &live {
            Some(live) if live.id != target.id => {
                let history = self.history(&project, &environment, live, &target).await?;
                commits(&history, live, &target)
            }
            _ => (Vec::new(), 0),
        };
        let config_drift = live
            .as_ref()
            .map(|l| drift(&mapping::config(l), &mapping::config(&target)))
            .unwrap_or_default();
        let domains = self
            .moves(&project, &environment, live.as_ref().map(|l| l.id), number)
            .await;
        Ok(Diff {
            rollout: None,
            live: live.as_ref().map(|l| mapping::deployment_id(l.id)),
            target: mapping::deployment_id(number),
            artifact_from: live.as_ref().map(|l| artifact(&project, l.id)),
            artifact_to: artifact(&project, number),
            commits_between,
            commits_back,
            config_drift,
            migrations_not_reverted: Vec::new(),
            domains,
            switch: switch_kind(&project),
            details: Vec::new(),
        })
    }

    /// The hostnames a switch to `target` moves: all of the environment's.
    pub(super) async fn moves(
        &self,
        project: &ProjectRef,
        environment: &api::Environment,
        live: Option<i32>,
        target: i32,
    ) -> Vec<DomainMove> {
        self.hosts(project, environment)
            .await
            .into_iter()
            .map(|(hostname, kind)| DomainMove {
                hostname,
                kind,
                from: live.map(mapping::deployment_id),
                to: Some(mapping::deployment_id(target)),
                moves: live != Some(target),
                inferred: false,
            })
            .collect()
    }

    /// The environment's deployments from the newer of the two back to the older one.
    async fn history(
        &self,
        project: &ProjectRef,
        environment: &api::Environment,
        live: &api::Deployment,
        target: &api::Deployment,
    ) -> Result<Vec<api::Deployment>, BackendError> {
        let oldest = live.created_at.min(target.created_at);
        let mut found = Vec::new();
        let mut page = PageQuery::new(1, api::MAX_PAGE);
        for _ in 0..MAX_HISTORY_PAGES {
            let list = self
                .raw_deployments(project, environment, page, Fresh::Shared)
                .await?;
            let reached = list.deployments.iter().any(|d| d.created_at <= oldest);
            found.extend(list.deployments);
            if reached || !page.has_more(list.total) {
                break;
            }
            page = page.next();
        }
        Ok(found)
    }
}

pub fn switch_kind(project: &ProjectRef) -> SwitchKind {
    if project.is_static() {
        SwitchKind::Instant
    } else {
        SwitchKind::Cold {
            estimate_secs: CONTAINER_SWITCH_SECS,
        }
    }
}

fn artifact(project: &ProjectRef, id: i32) -> crate::domain::Artifact {
    crate::domain::Artifact {
        image: mapping::image(project, id),
        digest: None,
        pruned: false,
    }
}

/// The commits deployed after the older of the two, up to the newer, newest first (each
/// once, the older one's own commit left out); positive when the target is the older.
fn commits(
    history: &[api::Deployment],
    live: &api::Deployment,
    target: &api::Deployment,
) -> (Vec<CommitRef>, i64) {
    let target_older = target.created_at < live.created_at;
    let (older, newer) = if target_older {
        (target, live)
    } else {
        (live, target)
    };
    let mut out: Vec<CommitRef> = Vec::new();
    let mut newest_first: Vec<&api::Deployment> = history
        .iter()
        .filter(|d| d.created_at > older.created_at && d.created_at <= newer.created_at)
        .collect();
    newest_first.sort_by_key(|d| std::cmp::Reverse(d.created_at));
    for d in newest_first {
        let Some(sha) = &d.commit_hash else { continue };
        if Some(sha) == older.commit_hash.as_ref() || out.iter().any(|c| &c.sha == sha) {
            continue;
        }
        out.push(CommitRef {
            sha: sha.clone(),
            subject: d
                .commit_message
                .as_deref()
                .and_then(|m| m.lines().next())
                .unwrap_or_default()
                .to_owned(),
        });
    }
    let count = out.len() as i64;
    (out, if target_older { count } else { -count })
}

/// Settings that differ, seen from the target: `Added` is on live only.
fn drift(live: &[ConfigEntry], target: &[ConfigEntry]) -> Vec<ConfigChange> {
    let mut out = Vec::new();
    for entry in live {
        match target.iter().find(|t| t.name == entry.name) {
            None => out.push(ConfigChange {
                name: entry.name.clone(),
                change: ConfigChangeKind::Added,
            }),
            Some(t) if t.hash != entry.hash => out.push(ConfigChange {
                name: entry.name.clone(),
                change: ConfigChangeKind::Changed,
            }),
            Some(_) => {}
        }
    }
    for entry in target {
        if !live.iter().any(|l| l.name == entry.name) {
            out.push(ConfigChange {
                name: entry.name.clone(),
                change: ConfigChangeKind::Removed,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ConfigKind;

    fn d(id: i32, created_at: i64, sha: &str) -> api::Deployment {
        serde_json::from_value(serde_json::json!({
            "id": id, "environment_id": 1,
            "environment": {"id": 1, "slug": "production", "domains": []},
            "status": "completed", "commit_hash": sha, "created_at": created_at,
        }))
        .unwrap()
    }

    #[test]
    fn commits_between_are_newest_first_and_counted_from_the_target() {
        let history = vec![
            d(4, 40, "ddd"),
            d(3, 30, "ccc"),
            d(2, 20, "ccc"),
            d(1, 10, "aaa"),
        ];
        let (between, back) = commits(&history, &history[0], &history[3]);
        let shas: Vec<&str> = between.iter().map(|c| c.sha.as_str()).collect();
        assert_eq!(shas, ["ddd", "ccc"]);
        assert_eq!(back, 2);
        let (_, forward) = commits(&history, &history[3], &history[0]);
        assert_eq!(forward, -2);
    }

    #[test]
    fn drift_is_seen_from_the_target() {
        let entry = |name: &str, hash: &str| ConfigEntry {
            name: name.into(),
            hash: hash.into(),
            kind: ConfigKind::Setting,
        };
        let live = vec![entry("replicas", "2"), entry("memoryLimit", "512")];
        let target = vec![entry("replicas", "1"), entry("exposedPort", "3000")];
        let changes = drift(&live, &target);
        let names: Vec<(&str, ConfigChangeKind)> = changes
            .iter()
            .map(|c| (c.name.as_str(), c.change))
            .collect();
        assert_eq!(
            names,
            [
                ("replicas", ConfigChangeKind::Changed),
                ("memoryLimit", ConfigChangeKind::Added),
                ("exposedPort", ConfigChangeKind::Removed),
            ]
        );
    }
}
