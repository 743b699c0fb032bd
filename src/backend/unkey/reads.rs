//! The read calls, each with the permission it needs named for errors.

use super::UnkeyBackend;
use super::address::{EnvAddress, check_identifier};
use super::api::{self, MAX_PAGE};
use super::errors::CallContext;
use crate::backend::BackendError;
use crate::net::Replay;

fn read(path: &'static str, permission: &'static str, doing: &str, subject: String) -> CallContext {
    CallContext {
        path,
        doing: doing.to_owned(),
        permission,
        subject,
        replay: Replay::Read,
    }
}

/// Custom domains read at most this many pages: more is a misconfiguration, not a list.
const MAX_DOMAIN_PAGES: usize = 10;

impl UnkeyBackend {
    pub(super) async fn fetch_app(&self, at: &EnvAddress) -> Result<api::App, BackendError> {
        self.app(at, false).await
    }

    /// The app as Unkey has it now, not from the shared snapshot: for the check of the
    /// live deployment right before a write, and for following an operation.
    pub(super) async fn fetch_app_now(&self, at: &EnvAddress) -> Result<api::App, BackendError> {
        self.app(at, true).await
    }

    async fn app(&self, at: &EnvAddress, now: bool) -> Result<api::App, BackendError> {
        let call = read(
            "apps.getApp",
            "app.*.read_app",
            "read the app",
            format!("app `{}` of project `{}`", at.app, at.project),
        );
        let body = api::AppRef {
            project: &at.project,
            app: &at.app,
        };
        let answer = if now {
            self.client.call_now(&call, &body).await?
        } else {
            self.client.call(&call, &body).await?
        };
        Ok(answer.data)
    }

    pub(super) async fn fetch_deployment(&self, id: &str) -> Result<api::Deployment, BackendError> {
        self.deployment(id, false).await
    }

    /// The deployment as Unkey has it now (following an operation).
    pub(super) async fn fetch_deployment_now(
        &self,
        id: &str,
    ) -> Result<api::Deployment, BackendError> {
        self.deployment(id, true).await
    }

    async fn deployment(&self, id: &str, now: bool) -> Result<api::Deployment, BackendError> {
        check_identifier(id)?;
        let call = read(
            "deployments.getDeployment",
            "environment.*.read_deployment",
            "read the deployment",
            format!("deployment {id}"),
        );
        let body = api::DeploymentRef { deployment_id: id };
        let answer = if now {
            self.client.call_now(&call, &body).await?
        } else {
            self.client.call(&call, &body).await?
        };
        Ok(answer.data)
    }

    /// A deployment of this environment; one of another is reported missing here.
    pub(super) async fn fetch_deployment_in(
        &self,
        at: &EnvAddress,
        id: &str,
    ) -> Result<api::Deployment, BackendError> {
        let deployment = self.fetch_deployment(id).await?;
        if deployment.app != at.app || deployment.environment != at.environment {
            return Err(BackendError::Precondition {
                code: crate::backend::PreconditionCode::WrongEnvironment,
                message: format!(
                    "deployment {id} belongs to {}/{}, not {}/{}",
                    deployment.app, deployment.environment, at.app, at.environment
                ),
                suggestion: None,
            });
        }
        Ok(deployment)
    }

    /// Every app of a project (all pages).
    pub(super) async fn list_apps(&self, project: &str) -> Result<Vec<api::App>, BackendError> {
        check_identifier(project)?;
        let call = read(
            "apps.listApps",
            "app.*.read_app",
            "list the apps",
            format!("project `{project}`"),
        );
        let mut apps = Vec::new();
        let mut cursor: Option<String> = None;
        let mut guard = crate::net::PageGuard::new(
            crate::backend::platform_name("unkey"),
            format!("the apps of project `{project}`"),
        );
        loop {
            let body = api::ListApps {
                project,
                limit: MAX_PAGE,
                cursor: cursor.as_deref(),
            };
            let page: api::Envelope<Vec<api::App>> = self.client.call(&call, &body).await?;
            let read = page.data.len();
            apps.extend(page.data);
            match page.pagination {
                Some(api::Pagination {
                    has_more: true,
                    cursor: Some(next),
                }) => {
                    guard.follow(read, &next)?;
                    cursor = Some(next);
                }
                _ => break,
            }
        }
        self.app_counts
            .lock()
            .expect("app counts lock")
            .insert(project.to_owned(), apps.len());
        Ok(apps)
    }

    /// Whether the project has several apps (then the app is shown as a component).
    pub(super) async fn several_apps(&self, project: &str) -> Result<bool, BackendError> {
        let known = self
            .app_counts
            .lock()
            .expect("app counts lock")
            .get(project)
            .copied();
        let count = match known {
            Some(count) => count,
            None => self.list_apps(project).await?.len(),
        };
        Ok(count > 1)
    }

    pub(super) async fn list_unkey_environments(
        &self,
        project: &str,
        app: &str,
    ) -> Result<Vec<api::Environment>, BackendError> {
        let call = read(
            "environments.listEnvironments",
            "environment.*.read_environment",
            "list the environments",
            format!("app `{app}` of project `{project}`"),
        );
        let body = api::AppRef { project, app };
        Ok(self.client.call(&call, &body).await?.data)
    }

    /// The Unkey environment behind an address (cached: ids and kinds do not change).
    pub(super) async fn environment_of(
        &self,
        at: &EnvAddress,
    ) -> Result<api::Environment, BackendError> {
        if let Some(found) = self.environments.lock().expect("env lock").get(at) {
            return Ok(found.clone());
        }
        let all = self.list_unkey_environments(&at.project, &at.app).await?;
        let found = all
            .into_iter()
            .find(|e| e.slug == at.environment || e.id == at.environment)
            .ok_or_else(|| {
                BackendError::not_found(format!(
                    "environment `{}` of app `{}` does not exist, or the root key lacks `environment.*.read_environment`",
                    at.environment, at.app
                ))
            })?;
        self.environments
            .lock()
            .expect("env lock")
            .insert(at.clone(), found.clone());
        Ok(found)
    }

    /// Verified custom domains of the environment. A key without the permission to read
    /// them still gets the rest of the picture: the list is then empty and logged.
    pub(super) async fn custom_domains(
        &self,
        at: &EnvAddress,
    ) -> Result<Vec<String>, BackendError> {
        let call = read(
            "domains.listDomains",
            "environment.*.read_domain",
            "list the custom domains",
            format!("environment `{}/{}`", at.app, at.environment),
        );
        let mut domains = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..MAX_DOMAIN_PAGES {
            let body = api::ListDomains {
                project: &at.project,
                app: &at.app,
                environment: &at.environment,
                limit: MAX_PAGE,
                cursor: cursor.as_deref(),
            };
            let page: api::Envelope<Vec<api::CustomDomain>> = match self
                .client
                .call(&call, &body)
                .await
            {
                Ok(page) => page,
                Err(BackendError::Forbidden { reason, .. }) => {
                    tracing::warn!(%reason, "custom domains not readable; showing generated ones only");
                    return Ok(domains);
                }
                Err(error) => return Err(error),
            };
            domains.extend(
                page.data
                    .into_iter()
                    .filter(|d| d.status == "verified")
                    .map(|d| d.domain),
            );
            match page.pagination {
                Some(api::Pagination {
                    has_more: true,
                    cursor: Some(next),
                }) if Some(&next) != cursor.as_ref() => cursor = Some(next),
                _ => break,
            }
        }
        Ok(domains)
    }
}
