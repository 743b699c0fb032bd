//! The read calls, each as Vercel's CLI makes it, and the opaque page cursors.

use super::VercelBackend;
use super::api::{self, MAX_PAGE};
use super::client::{Query, segment};
use super::config::is_name;
use super::errors::Call;
use super::mapping::{self, Dep};
use crate::backend::{BackendError, Page, PageRequest};
use crate::domain::{Deployment, EnvRef, Project, ProjectId};
use serde::{Deserialize, Serialize};

/// Lists of domains and alias statuses read at most this many pages: more is a
/// misconfiguration, not a list.
const MAX_PAGES: usize = 10;
/// Rollback candidates remembered; beyond this the memory starts over.
const MAX_CANDIDATES: usize = 50_000;

/// An id or name the adapter puts into a path: Vercel's characters only.
pub fn checked(value: &str, what: &str) -> Result<String, BackendError> {
    if is_name(value) {
        Ok(segment(value))
    } else {
        Err(BackendError::invalid(format!(
            "`{}` is not a Vercel {what} (letters, digits, `-`, `_`, `.`)",
            value.chars().take(64).collect::<String>()
        )))
    }
}

/// A page cursor as the console sees it: Vercel's timestamp plus the list it belongs to,
/// hex encoded so nobody is tempted to build one by hand.
#[derive(Serialize, Deserialize)]
struct CursorBody {
    scope: String,
    next: i64,
}

pub fn encode_cursor(scope: &str, next: i64) -> String {
    let json = serde_json::to_vec(&CursorBody {
        scope: scope.to_owned(),
        next,
    })
    .expect("a cursor serializes");
    json.iter().map(|b| format!("{b:02x}")).collect()
}

/// Vercel's timestamp from an opaque cursor; refuses a cursor made for another list.
pub fn decode_cursor(scope: &str, opaque: &str) -> Result<i64, BackendError> {
    let bad = || BackendError::invalid("this page cursor does not belong to this list");
    if !opaque.len().is_multiple_of(2) || opaque.len() > 4096 {
        return Err(bad());
    }
    let bytes = (0..opaque.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(opaque.get(i..i + 2).ok_or_else(bad)?, 16).map_err(|_| bad()))
        .collect::<Result<Vec<u8>, _>>()?;
    let body: CursorBody = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    if body.scope == scope {
        Ok(body.next)
    } else {
        Err(bad())
    }
}

impl VercelBackend {
    /// The project as kept for a moment (the reads preparing a switch share it).
    pub(super) async fn project(&self, id_or_name: &str) -> Result<api::Project, BackendError> {
        self.project_read(id_or_name, false).await
    }

    /// The project as Vercel has it now: the check before a write, the looks that follow.
    pub(super) async fn project_now(&self, id_or_name: &str) -> Result<api::Project, BackendError> {
        self.project_read(id_or_name, true).await
    }

    async fn project_read(
        &self,
        id_or_name: &str,
        now: bool,
    ) -> Result<api::Project, BackendError> {
        let path = format!("/v9/projects/{}", checked(id_or_name, "project")?);
        let call = Call::read(
            format!("read project {id_or_name}"),
            format!("project `{id_or_name}`"),
        );
        // As Vercel's CLI asks it while following a rollback: with the last alias request.
        let query: Query = vec![("rollbackInfo", "true".to_owned())];
        if now {
            self.client.get_now(&call, &path, query).await
        } else {
            self.client.get(&call, &path, query).await
        }
    }

    pub(super) async fn full_deployment(
        &self,
        id: &str,
    ) -> Result<api::FullDeployment, BackendError> {
        self.deployment_read(id, false).await
    }

    pub(super) async fn full_deployment_now(
        &self,
        id: &str,
    ) -> Result<api::FullDeployment, BackendError> {
        self.deployment_read(id, true).await
    }

    async fn deployment_read(
        &self,
        id: &str,
        now: bool,
    ) -> Result<api::FullDeployment, BackendError> {
        let path = format!("/v13/deployments/{}", checked(id, "deployment")?);
        let call = Call::read(format!("read deployment {id}"), format!("deployment {id}"));
        if now {
            self.client.get_now(&call, &path, Vec::new()).await
        } else {
            self.client.get(&call, &path, Vec::new()).await
        }
    }

    /// The project of `env` and one of its deployments; a deployment of another project or
    /// environment is reported as not there.
    pub(super) async fn deployment_in(
        &self,
        env: &EnvRef,
        id: &str,
    ) -> Result<(api::Project, Dep), BackendError> {
        let project = self.project(env.project.as_str()).await?;
        let full = self.full_deployment(id).await?;
        let mut d = Dep::from_full(&full);
        d.rollback_candidate = self.candidate(&d.uid);
        if d.project_id.as_deref().is_some_and(|p| p != project.id) {
            return Err(BackendError::Precondition {
                code: crate::backend::PreconditionCode::WrongEnvironment,
                message: format!(
                    "deployment {id} belongs to another project, not {}",
                    project.name
                ),
                suggestion: None,
            });
        }
        let found = mapping::environment_of(&d, &|id| custom_slug(&project, id));
        if found != env.environment {
            return Err(BackendError::Precondition {
                code: crate::backend::PreconditionCode::WrongEnvironment,
                message: format!(
                    "deployment {} is a {found} deployment, not one of {}",
                    mapping::label(&d),
                    env.environment
                ),
                suggestion: None,
            });
        }
        Ok((project, d))
    }

    /// One page of deployments as Vercel lists them: newest first, `until` the previous
    /// page's `pagination.next`. Remembers each one's rollback candidacy.
    pub(super) async fn deployments_page(
        &self,
        project: &str,
        target: &str,
        limit: usize,
        until: Option<i64>,
    ) -> Result<api::DeploymentList, BackendError> {
        let mut query: Query = vec![
            ("projectId", checked(project, "project")?),
            ("target", target.to_owned()),
            ("limit", limit.clamp(1, MAX_PAGE).to_string()),
        ];
        if let Some(until) = until {
            query.push(("until", until.to_string()));
        }
        let call = Call::read(
            format!("list the {target} deployments of {project}"),
            format!("project `{project}`"),
        );
        let list: api::DeploymentList = self.client.get(&call, "/v6/deployments", query).await?;
        let mut candidates = self.candidates.lock().expect("candidates lock");
        if candidates.len() > MAX_CANDIDATES {
            candidates.clear();
        }
        for d in &list.deployments {
            if let Some(candidate) = d.is_rollback_candidate {
                candidates.insert(d.uid.clone(), candidate);
            }
        }
        Ok(list)
    }

    pub(super) fn candidate(&self, uid: &str) -> Option<bool> {
        self.candidates
            .lock()
            .expect("candidates lock")
            .get(uid)
            .copied()
    }

    pub(super) async fn deployments(
        &self,
        env: &EnvRef,
        page: PageRequest,
    ) -> Result<Page<Deployment>, BackendError> {
        let scope = format!("deployments:{}/{}", env.project, env.environment);
        let until = page
            .cursor
            .as_deref()
            .map(|c| decode_cursor(&scope, c))
            .transpose()?;
        let project = self.project(env.project.as_str()).await?;
        let limit = page.limit.unwrap_or(MAX_PAGE).clamp(1, MAX_PAGE);
        // The environment id is the `target` Vercel filters on: `production`, `preview` or a
        // custom environment's slug (as `vercel ls --environment` sends it).
        let list = self
            .deployments_page(&project.id, env.environment.as_str(), limit, until)
            .await?;
        let items = list
            .deployments
            .iter()
            .map(Dep::from_listed)
            // Vercel filters by `target`; what it lets through from elsewhere is not shown.
            .filter(|d| {
                mapping::environment_of(d, &|id| custom_slug(&project, id)) == env.environment
            })
            .map(|d| self.map(env, &project, &d))
            .collect();
        Ok(Page {
            items,
            next: list.pagination.next.map(|n| encode_cursor(&scope, n)),
        })
    }

    /// The deployment in the console's words, against the project as read.
    pub(super) fn map(&self, env: &EnvRef, project: &api::Project, d: &Dep) -> Deployment {
        let production = env.environment.as_str() == "production";
        let live = if production {
            project.live_id()
        } else {
            project
                .targets
                .get(env.environment.as_str())
                .and_then(Option::as_ref)
                .map(|t| t.id.as_str())
        };
        mapping::deployment(
            d,
            &mapping::MapContext {
                env,
                live,
                last_request: project.last_alias_request.as_ref().filter(|_| production),
                redeployed_from: self.book.redeployed_from(&d.uid),
            },
        )
    }

    pub(super) async fn projects_page(
        &self,
        page: PageRequest,
    ) -> Result<Page<Project>, BackendError> {
        let as_project = |p: &api::Project| Project {
            id: ProjectId::new(p.id.clone()),
            name: p.name.clone(),
            components: Vec::new(),
        };
        if !self.projects.is_empty() {
            // Named in the config: read each, in the order given.
            let mut items = Vec::new();
            for wanted in &self.projects {
                items.push(as_project(&self.project(wanted).await?));
            }
            return Ok(Page { items, next: None });
        }
        let from = page
            .cursor
            .as_deref()
            .map(|c| decode_cursor("projects", c))
            .transpose()?;
        let mut query: Query = vec![(
            "limit",
            page.limit
                .unwrap_or(MAX_PAGE)
                .clamp(1, MAX_PAGE)
                .to_string(),
        )];
        if let Some(from) = from {
            query.push(("from", from.to_string()));
        }
        let call = Call::read("list the projects", "the team's projects");
        let answer: api::Projects = self.client.get(&call, "/v10/projects", query).await?;
        Ok(Page {
            items: answer.projects.iter().map(as_project).collect(),
            next: answer.pagination.next.map(|n| encode_cursor("projects", n)),
        })
    }

    /// Every domain of the project (all pages, within the bound).
    pub(super) async fn project_domains(
        &self,
        project: &api::Project,
    ) -> Result<Vec<api::ProjectDomain>, BackendError> {
        let path = format!("/v9/projects/{}/domains", checked(&project.id, "project")?);
        let call = Call::read(
            format!("list the domains of {}", project.name),
            format!("project `{}`", project.name),
        );
        let mut domains = Vec::new();
        let mut until: Option<i64> = None;
        for _ in 0..MAX_PAGES {
            let mut query: Query = vec![("limit", MAX_PAGE.to_string())];
            if let Some(until) = until {
                query.push(("until", until.to_string()));
            }
            let page: api::ProjectDomains = self.client.get(&call, &path, query).await?;
            domains.extend(page.domains);
            match page.pagination.and_then(|p| p.next) {
                Some(next) if Some(next) != until => until = Some(next),
                _ => break,
            }
        }
        Ok(domains)
    }

    /// The aliases of the project's last `kind` request (`rollback` or `promote`) with how
    /// far each got, as Vercel's CLI reads them; `failed_only` as it does after a failure.
    pub(super) async fn alias_statuses(
        &self,
        project_id: &str,
        kind: &str,
        failed_only: bool,
    ) -> Result<Vec<api::AliasStatus>, BackendError> {
        let path = format!(
            "/v9/projects/{}/{kind}/aliases",
            checked(project_id, "project")?
        );
        let call = Call::read(
            format!("read the aliases of the last {kind}"),
            format!("the last {kind} of project `{project_id}`"),
        );
        let mut aliases = Vec::new();
        let mut until: Option<i64> = None;
        for _ in 0..MAX_PAGES {
            let mut query: Query = Vec::new();
            if failed_only {
                query.push(("failedOnly", "true".to_owned()));
                query.push(("limit", "20".to_owned()));
            } else {
                query.push(("limit", MAX_PAGE.to_string()));
            }
            if let Some(until) = until {
                query.push(("until", until.to_string()));
            }
            let page: api::AliasStatuses = self.client.get_now(&call, &path, query).await?;
            aliases.extend(page.aliases);
            match page.pagination.and_then(|p| p.next) {
                Some(next) if Some(next) != until => until = Some(next),
                _ => break,
            }
        }
        Ok(aliases)
    }

    pub(super) async fn rolling_release(
        &self,
        project_id: &str,
    ) -> Result<Option<api::RollingRelease>, BackendError> {
        let path = format!(
            "/v1/projects/{}/rolling-release",
            checked(project_id, "project")?
        );
        let call = Call::read(
            "read the rolling release",
            format!("the rolling release of project `{project_id}`"),
        );
        let answer: api::RollingReleaseAnswer =
            self.client.get_now(&call, &path, Vec::new()).await?;
        Ok(answer.rolling_release)
    }

    /// Build events after `since` (ms), oldest first.
    pub(super) async fn events(
        &self,
        deployment: &str,
        since: Option<i64>,
    ) -> Result<Vec<api::Event>, BackendError> {
        let path = format!(
            "/v3/deployments/{}/events",
            checked(deployment, "deployment")?
        );
        let call = Call::read(
            format!("read the build events of {deployment}"),
            format!("deployment {deployment}"),
        );
        let mut query: Query = vec![
            ("direction", "forward".to_owned()),
            ("limit", MAX_PAGE.to_string()),
        ];
        if let Some(since) = since {
            query.push(("since", since.to_string()));
        }
        let events: Option<Vec<Option<api::Event>>> =
            self.client.get_now(&call, &path, query).await?;
        Ok(events.unwrap_or_default().into_iter().flatten().collect())
    }

    /// A deployment id's label, for messages; the id when it cannot be read.
    pub(super) async fn label_of(&self, id: &str) -> String {
        match self.full_deployment(id).await {
            Ok(d) => mapping::label(&Dep::from_full(&d)),
            Err(_) => id.to_owned(),
        }
    }
}

/// A custom environment's slug from its id.
pub fn custom_slug(project: &api::Project, id: &str) -> Option<String> {
    project
        .custom_environments
        .iter()
        .find(|c| c.id == id)
        .map(|c| c.slug.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_stay_in_their_list() {
        let opaque = encode_cursor("deployments:prj_1/production", 1_700_000_000_000);
        assert_eq!(
            decode_cursor("deployments:prj_1/production", &opaque).unwrap(),
            1_700_000_000_000
        );
        assert!(decode_cursor("deployments:prj_1/preview", &opaque).is_err());
        assert!(decode_cursor("projects", "zz").is_err());
    }

    #[test]
    fn only_vercel_names_reach_a_path() {
        assert_eq!(checked("prj_abc-1.x", "project").unwrap(), "prj_abc-1.x");
        assert!(checked("../v2/user", "project").is_err());
        assert!(checked("a b", "project").is_err());
        assert!(checked("", "project").is_err());
    }
}
