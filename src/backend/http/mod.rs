//! The `http` backend: any platform that speaks the documented contract
//! (`docs/openapi.yaml`), `switchback serve` included.
//!
//! Reads are conditional (ETag), shared when identical ones are in flight, and retried
//! with backoff; operations are re-sent only with their idempotency key; every failure is
//! a typed [`BackendError`], and the token never leaves the `Authorization` header.

mod config;
mod fuzzing;
mod kind;
mod transport;
pub mod wire;

pub use config::HttpBackendConfig;
pub(crate) use fuzzing::fuzz_answer;
pub use kind::HttpKind;
pub use transport::PLATFORM_NOW;

use crate::backend::{
    Backend, BackendError, Capabilities, ErrorRates, Identity, OperationHandle, OperationRequest,
    Page, PageRequest, RedeployRequest,
};
use crate::domain::{
    ActionAvailability, Deployment, DeploymentId, Diff, DomainMove, EnvRef, Environment,
    LiveChange, MetricSeries, MetricsQuery, MetricsScope, Operation, OperationId, Project,
    ProjectId, Timestamp,
};
use crate::net::{HttpSettings, RetryPolicy, build_client};
use async_trait::async_trait;
use std::sync::RwLock;
use transport::Transport;
use wire::{Items, RedeployBody, SwitchBody, api_path};

/// Why an `http` backend entry cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum HttpSetupError {
    #[error("backend `{backend}`: url {url:?} is not an http(s) URL")]
    BadUrl { backend: String, url: String },
    #[error("backend `{backend}`: the environment variable {var} (token-env) is not set")]
    TokenUnset { backend: String, var: String },
    #[error("backend `{backend}`: {message}")]
    Client { backend: String, message: String },
}

/// Timeouts, body limit and retry policy; `HttpBackend::new` uses the config's timeouts
/// and the defaults for the rest. Which calls are sent again is the kit's replay rule:
/// reads, and operations with their idempotency key.
#[derive(Clone, Debug)]
pub struct HttpOptions {
    pub settings: HttpSettings,
    pub retry: RetryPolicy,
}

impl HttpOptions {
    pub fn from_config(config: &HttpBackendConfig) -> Self {
        Self {
            settings: HttpSettings {
                connect_timeout: config.connect_timeout,
                request_timeout: config.request_timeout,
                ..HttpSettings::default()
            },
            retry: RetryPolicy::default(),
        }
    }
}

pub struct HttpBackend {
    name: String,
    transport: Transport,
    /// What the server said it can do, from `/v1/capabilities` (asked with `identity`).
    capabilities: RwLock<Capabilities>,
}

impl std::fmt::Debug for HttpBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpBackend")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl HttpBackend {
    /// The backend a config entry describes; reads the token from `token-env` now.
    pub fn new(config: &HttpBackendConfig) -> Result<HttpBackend, HttpSetupError> {
        Self::with_options(config, HttpOptions::from_config(config))
    }

    pub fn with_options(
        config: &HttpBackendConfig,
        options: HttpOptions,
    ) -> Result<HttpBackend, HttpSetupError> {
        let backend = config.name.clone();
        let base = reqwest::Url::parse(&config.url)
            .ok()
            .filter(|url| matches!(url.scheme(), "http" | "https") && url.has_host())
            .ok_or_else(|| HttpSetupError::BadUrl {
                backend: backend.clone(),
                url: config.url.clone(),
            })?;
        let token = match &config.token_env {
            None => None,
            Some(var) => Some(std::env::var(var).map_err(|_| HttpSetupError::TokenUnset {
                backend: backend.clone(),
                var: var.clone(),
            })?),
        };
        let client = build_client(&options.settings).map_err(|e| HttpSetupError::Client {
            backend: backend.clone(),
            message: e.to_string(),
        })?;
        let transport = Transport::new(client, base, token, options.settings, options.retry)
            .map_err(|e| HttpSetupError::Client {
                backend: backend.clone(),
                message: e.to_string(),
            })?
            .with_token_env(config.token_env.clone());
        Ok(HttpBackend {
            name: backend,
            transport,
            capabilities: RwLock::new(Capabilities::everything()),
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    fn env_url(&self, env: &EnvRef, rest: &[&str], query: &[(&str, String)]) -> reqwest::Url {
        let mut segments = vec![
            "projects",
            env.project.as_str(),
            "environments",
            env.environment.as_str(),
        ];
        segments.extend_from_slice(rest);
        self.transport.url(&api_path(&segments), query)
    }

    fn deployment_url(&self, env: &EnvRef, id: &DeploymentId, what: &str) -> reqwest::Url {
        let mut rest = vec!["deployments", id.as_str()];
        if !what.is_empty() {
            rest.push(what);
        }
        self.env_url(env, &rest, &[])
    }

    async fn switch(
        &self,
        action: &str,
        request: OperationRequest,
    ) -> Result<OperationHandle, BackendError> {
        let body = SwitchBody {
            target: request.target,
            expected_live: request.expected_live,
            actor: Some(request.actor),
            strategy: request.strategy,
            scope: Some(request.scope),
        };
        let url = self.env_url(&request.env, &[action], &[]);
        self.transport
            .post_operation(url, &body, &request.idempotency_key, action)
            .await
    }
}

fn page_query(page: &PageRequest) -> Vec<(&'static str, String)> {
    let mut query = Vec::new();
    if let Some(cursor) = &page.cursor {
        query.push(("cursor", cursor.clone()));
    }
    if let Some(limit) = page.limit {
        query.push(("limit", limit.clamp(1, 500).to_string()));
    }
    query
}

#[async_trait]
impl Backend for HttpBackend {
    fn kind(&self) -> &'static str {
        "http"
    }

    fn capabilities(&self) -> Capabilities {
        self.capabilities
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn now(&self) -> Timestamp {
        self.transport.now()
    }

    async fn identity(&self) -> Result<Identity, BackendError> {
        let identity = self
            .transport
            .get(self.transport.url(&api_path(&["whoami"]), &[]), "identity")
            .await?;
        let url = self.transport.url(&api_path(&["capabilities"]), &[]);
        let capabilities: Capabilities = self.transport.get(url, "capabilities").await?;
        *self.capabilities.write().unwrap_or_else(|p| p.into_inner()) = capabilities;
        Ok(identity)
    }

    async fn list_projects(&self, page: PageRequest) -> Result<Page<Project>, BackendError> {
        let url = self
            .transport
            .url(&api_path(&["projects"]), &page_query(&page));
        self.transport.get(url, "projects").await
    }

    async fn list_environments(
        &self,
        project: &ProjectId,
    ) -> Result<Vec<Environment>, BackendError> {
        let path = api_path(&["projects", project.as_str(), "environments"]);
        let items: Items<Environment> = self
            .transport
            .get(self.transport.url(&path, &[]), "environments")
            .await?;
        Ok(items.items)
    }

    async fn get_environment(&self, env: &EnvRef) -> Result<Environment, BackendError> {
        self.transport
            .get(self.env_url(env, &[], &[]), "environment")
            .await
    }

    async fn list_deployments(
        &self,
        env: &EnvRef,
        page: PageRequest,
    ) -> Result<Page<Deployment>, BackendError> {
        let url = self.env_url(env, &["deployments"], &page_query(&page));
        self.transport.get(url, "deployments").await
    }

    async fn get_deployment(
        &self,
        env: &EnvRef,
        id: &DeploymentId,
    ) -> Result<Deployment, BackendError> {
        self.transport
            .get(self.deployment_url(env, id, ""), "deployment")
            .await
    }

    async fn diff(&self, env: &EnvRef, target: &DeploymentId) -> Result<Diff, BackendError> {
        self.transport
            .get(self.deployment_url(env, target, "diff"), "diff")
            .await
    }

    async fn domains_to_move(
        &self,
        env: &EnvRef,
        target: &DeploymentId,
    ) -> Result<Vec<DomainMove>, BackendError> {
        let items: Items<DomainMove> = self
            .transport
            .get(self.deployment_url(env, target, "domains"), "domains")
            .await?;
        Ok(items.items)
    }

    async fn actions(
        &self,
        env: &EnvRef,
        deployment: &DeploymentId,
    ) -> Result<Vec<ActionAvailability>, BackendError> {
        let items: Items<ActionAvailability> = self
            .transport
            .get(self.deployment_url(env, deployment, "actions"), "actions")
            .await?;
        Ok(items.items)
    }

    async fn rollback(&self, request: OperationRequest) -> Result<OperationHandle, BackendError> {
        self.switch("rollback", request).await
    }

    async fn promote(&self, request: OperationRequest) -> Result<OperationHandle, BackendError> {
        self.switch("promote", request).await
    }

    async fn redeploy(&self, request: RedeployRequest) -> Result<OperationHandle, BackendError> {
        let body = RedeployBody {
            source: request.source,
            rebuild: request.rebuild,
            expected_live: request.expected_live,
            actor: Some(request.actor),
        };
        let url = self.env_url(&request.env, &["redeploy"], &[]);
        self.transport
            .post_operation(url, &body, &request.idempotency_key, "redeploy")
            .await
    }

    async fn operation(&self, env: &EnvRef, id: &OperationId) -> Result<Operation, BackendError> {
        self.transport
            .get(
                self.env_url(env, &["operations", id.as_str()], &[]),
                "operation",
            )
            .await
    }

    async fn list_operations(&self, env: &EnvRef) -> Result<Vec<Operation>, BackendError> {
        let items: Items<Operation> = self
            .transport
            .get(self.env_url(env, &["operations"], &[]), "operations")
            .await?;
        Ok(items.items)
    }

    async fn live_history(&self, env: &EnvRef) -> Result<Vec<LiveChange>, BackendError> {
        let items: Items<LiveChange> = self
            .transport
            .get(self.env_url(env, &["live-history"], &[]), "live history")
            .await?;
        Ok(items.items)
    }
}

#[async_trait]
impl ErrorRates for HttpBackend {
    async fn error_rate(&self, query: &MetricsQuery) -> Result<MetricSeries, BackendError> {
        let mut params = vec![
            ("from", query.from.to_rfc3339()),
            ("to", query.to.to_rfc3339()),
            ("step_secs", query.step_secs.to_string()),
        ];
        if let MetricsScope::Deployment(id) = &query.scope {
            params.push(("deployment", id.to_string()));
        }
        let url = self.env_url(&query.env, &["error-rate"], &params);
        self.transport.get(url, "error rate").await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_with_a_usable_url_builds() {
        assert!(
            HttpBackend::new(&HttpBackendConfig::new("shared", "http://127.0.0.1:7878")).is_ok()
        );
        let error = HttpBackend::new(&HttpBackendConfig::new("x", "ftp://host")).unwrap_err();
        assert!(matches!(&error, HttpSetupError::BadUrl { .. }), "{error}");
    }

    #[test]
    fn an_unset_token_variable_is_named_and_the_backend_not_built() {
        let mut http = HttpBackendConfig::new("shared", "http://127.0.0.1:7878");
        http.token_env = Some("SWITCHBACK_HTTP_UNIT_SURELY_UNSET".into());
        let error = HttpBackend::new(&http).unwrap_err();
        assert!(
            matches!(&error, HttpSetupError::TokenUnset { var, .. } if var == "SWITCHBACK_HTTP_UNIT_SURELY_UNSET"),
            "{error}"
        );
    }
}
