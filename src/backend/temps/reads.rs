//! The read side: projects by slug or id, environments by slug, deployments by page, and
//! the hostnames that follow an environment.
//!
//! An unknown project lists as `200` with no deployments at Temps, so every project is
//! found first (and refused when it does not exist) before its deployments are read.

use super::Inner;
use super::api::{self, MAX_PAGE};
use super::client::{Call, Fresh};
use super::mapping::{self, ProjectRef};
use super::paging::PageQuery;
use crate::backend::BackendError;
use crate::domain::{DeploymentId, DomainKind, EnvRef, ProjectId};

/// Pages of projects read at most to find one by slug.
const MAX_PROJECT_PAGES: u32 = 50;

/// A Temps deployment id from the console's (`7`, or its label `d7`).
pub fn deployment_number(id: &DeploymentId) -> Result<i32, BackendError> {
    let text = id.as_str();
    text.strip_prefix('d')
        .unwrap_or(text)
        .parse::<i32>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| {
            BackendError::not_found(format!(
                "deployment `{text}`: Temps deployments are numbered (e.g. 7 or d7)"
            ))
        })
}

impl Inner {
    pub(super) async fn projects_page(
        &self,
        page: PageQuery,
    ) -> Result<api::ProjectList, BackendError> {
        let call = Call::new(
            "/projects",
            "list the projects",
            "projects:read",
            "the projects",
        )
        .query("page", page.page())
        .query("per_page", page.per_page());
        let list: api::ProjectList = self.client.get(&call, Fresh::Shared).await?;
        self.remember(&list.projects);
        Ok(list)
    }

    fn remember(&self, projects: &[api::Project]) {
        let mut known = self.known.lock().unwrap_or_else(|p| p.into_inner());
        for project in projects {
            let entry = ProjectRef::from_api(project);
            known.insert(project.slug.clone(), entry.clone());
            known.insert(project.id.to_string(), entry);
        }
    }

    /// Whether the config asks for this project (by id or slug); all when it names none.
    pub(super) fn wanted(&self, project: &api::Project) -> bool {
        self.projects_wanted.is_empty()
            || self
                .projects_wanted
                .iter()
                .any(|p| p == &project.slug || p == &project.id.to_string())
    }

    /// The project a console id (its slug, or Temps' number) names.
    pub(super) async fn project(&self, id: &ProjectId) -> Result<ProjectRef, BackendError> {
        let wanted = id.as_str();
        if let Some(found) = self.known_project(wanted) {
            return Ok(found);
        }
        if let Ok(number) = wanted.parse::<i32>() {
            let call = Call::new(
                format!("/projects/{number}"),
                format!("read project {number}"),
                "projects:read",
                format!("project {number}"),
            );
            let project: api::Project = self.client.get(&call, Fresh::Shared).await?;
            self.remember(std::slice::from_ref(&project));
            return Ok(ProjectRef::from_api(&project));
        }
        let mut page = PageQuery::new(1, MAX_PAGE);
        for _ in 0..MAX_PROJECT_PAGES {
            let list = self.projects_page(page).await?;
            if let Some(found) = self.known_project(wanted) {
                return Ok(found);
            }
            if !page.has_more(list.total) || list.projects.is_empty() {
                break;
            }
            page = page.next();
        }
        Err(BackendError::not_found(format!(
            "project `{wanted}`: Temps lists no project with that slug or id"
        )))
    }

    fn known_project(&self, wanted: &str) -> Option<ProjectRef> {
        let known = self.known.lock().unwrap_or_else(|p| p.into_inner());
        known.get(wanted).cloned()
    }

    pub(super) async fn raw_environments(
        &self,
        project: &ProjectRef,
        fresh: Fresh,
    ) -> Result<Vec<api::Environment>, BackendError> {
        let call = Call::new(
            format!("/projects/{}/environments", project.id),
            format!("list the environments of {}", project.slug),
            "environments:read",
            format!("project {}", project.slug),
        );
        self.client.get(&call, fresh).await
    }

    /// The project and environment an `EnvRef` names (the environment by slug, or by
    /// Temps' number).
    pub(super) async fn locate(
        &self,
        env: &EnvRef,
        fresh: Fresh,
    ) -> Result<(ProjectRef, api::Environment), BackendError> {
        let project = self.project(&env.project).await?;
        let wanted = env.environment.as_str();
        let found = self
            .raw_environments(&project, fresh)
            .await?
            .into_iter()
            .find(|e| e.slug == wanted || e.id.to_string() == wanted);
        match found {
            Some(environment) => Ok((project, environment)),
            None => Err(BackendError::not_found(format!(
                "environment `{wanted}` in project {}",
                project.slug
            ))),
        }
    }

    pub(super) async fn raw_deployment(
        &self,
        project: &ProjectRef,
        id: i32,
        fresh: Fresh,
    ) -> Result<api::Deployment, BackendError> {
        let call = Call::new(
            format!("/projects/{}/deployments/{id}", project.id),
            format!("read deployment {id}"),
            "deployments:read",
            format!("deployment {id} of {}", project.slug),
        );
        self.client.get(&call, fresh).await
    }

    /// A deployment that belongs to `environment`; one of another environment is not found
    /// here.
    pub(super) async fn deployment_in(
        &self,
        project: &ProjectRef,
        environment: &api::Environment,
        id: i32,
        fresh: Fresh,
    ) -> Result<api::Deployment, BackendError> {
        let d = self.raw_deployment(project, id, fresh).await?;
        if d.environment_id != environment.id {
            return Err(BackendError::not_found(format!(
                "deployment {id} in {}: it belongs to environment {}",
                environment.slug, d.environment.slug
            )));
        }
        Ok(d)
    }

    /// One page of an environment's deployments, newest first, only that environment's.
    pub(super) async fn raw_deployments(
        &self,
        project: &ProjectRef,
        environment: &api::Environment,
        page: PageQuery,
        fresh: Fresh,
    ) -> Result<api::DeploymentList, BackendError> {
        let call = Call::new(
            format!("/projects/{}/deployments", project.id),
            format!("list the deployments of {}", environment.slug),
            "deployments:read",
            format!("project {}", project.slug),
        )
        .query("page", page.page())
        .query("per_page", page.per_page())
        .query("environment_id", environment.id);
        let mut list: api::DeploymentList = self.client.get(&call, fresh).await?;
        // The filter is the server's; a record of another environment is never shown here.
        list.deployments
            .retain(|d| d.environment_id == environment.id);
        list.deployments
            .sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
        Ok(list)
    }

    /// The hostnames that follow the environment's live deployment: what Temps lists on a
    /// deployment of it (its URL and active custom domains) and the domains added to it.
    /// Domains Temps will not show this key are left out.
    pub(super) async fn hosts(
        &self,
        project: &ProjectRef,
        environment: &api::Environment,
    ) -> Vec<(String, DomainKind)> {
        let listed = match environment.current_deployment_id {
            Some(live) => self
                .raw_deployment(project, live, Fresh::Shared)
                .await
                .map(|d| d.environment.domains),
            None => self
                .raw_deployments(project, environment, PageQuery::new(1, 1), Fresh::Shared)
                .await
                .map(|list| {
                    list.deployments
                        .into_iter()
                        .next()
                        .map(|d| d.environment.domains)
                        .unwrap_or_default()
                }),
        }
        .unwrap_or_else(|error| {
            tracing::debug!(%error, "no hostnames from the deployments");
            Vec::new()
        });
        let call = Call::new(
            format!(
                "/projects/{}/environments/{}/domains",
                project.id, environment.id
            ),
            format!("list the domains of {}", environment.slug),
            "environments:read",
            format!("environment {}", environment.slug),
        );
        let added: Vec<api::EnvironmentDomain> = self
            .client
            .get(&call, Fresh::Shared)
            .await
            .unwrap_or_else(|error| {
                tracing::debug!(%error, "environment domains left out");
                Vec::new()
            });
        mapping::environment_hosts(&listed, &added)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deployments_are_numbers_or_their_labels() {
        assert_eq!(deployment_number(&DeploymentId::new("7")), Ok(7));
        assert_eq!(deployment_number(&DeploymentId::new("d7")), Ok(7));
        for bad in ["0", "-3", "abc", "d", ""] {
            assert_eq!(
                deployment_number(&DeploymentId::new(bad))
                    .unwrap_err()
                    .kind(),
                "not_found",
                "{bad}"
            );
        }
    }
}
