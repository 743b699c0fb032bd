//! The boundary between the console and a deployment platform. Adapters map their platform
//! onto the words of `domain` and type their errors once, here.

mod capabilities;
pub mod demo;
mod error;
pub mod fly;
pub mod http;
mod kind;
pub mod kubernetes;
mod labels;
mod rates;
pub mod registry;
mod request;
pub mod temps;
pub mod unkey;
pub mod vercel;

pub use capabilities::Capabilities;
pub use error::{BackendError, PreconditionCode};
pub use kind::{BackendKind, BuildError, KeyProblem, KeyStep};
pub use labels::MetricLabels;
pub use rates::{ErrorRates, Platform};
pub use request::{
    Identity, OperationHandle, OperationRequest, Page, PageRequest, RedeployRequest, Role,
};

use crate::domain::{
    ActionAvailability, Deployment, DeploymentId, Diff, DomainMove, EnvRef, Environment,
    EnvironmentId, LiveChange, Operation, OperationId, Project, ProjectId,
};
use async_trait::async_trait;

/// A deployment platform, used as `Arc<dyn Backend>` and chosen at run time from config.
///
/// Every call is addressed by ids, returns owned data, and fails with a typed
/// [`BackendError`]; callers decide by the error's type, never by its text.
#[async_trait]
pub trait Backend: Send + Sync {
    /// Short name for the title bar and logs (`demo`, `http`, `unkey`, ...).
    fn kind(&self) -> &'static str;

    /// The platform in words, for messages that must say which one answered (`Fly.io`).
    fn platform(&self) -> &'static str {
        platform_name(self.kind())
    }

    fn capabilities(&self) -> Capabilities;

    /// The platform's clock: metric windows and ages are measured against it (the demo runs
    /// on a virtual or faster clock).
    fn now(&self) -> crate::domain::Timestamp {
        chrono::Utc::now()
    }

    /// The values of metric-template placeholders for one environment: `{project}` and
    /// `{environment}` from every backend; an adapter adds what its project ids say.
    fn metric_labels(&self, project: &ProjectId, environment: &EnvironmentId) -> MetricLabels {
        MetricLabels::new(self.kind(), project, environment)
    }

    /// Who the credentials belong to and what they may do.
    async fn identity(&self) -> Result<Identity, BackendError>;

    async fn list_projects(&self, page: PageRequest) -> Result<Page<Project>, BackendError>;

    async fn list_environments(
        &self,
        project: &ProjectId,
    ) -> Result<Vec<Environment>, BackendError>;

    async fn get_environment(&self, env: &EnvRef) -> Result<Environment, BackendError>;

    /// Newest first.
    async fn list_deployments(
        &self,
        env: &EnvRef,
        page: PageRequest,
    ) -> Result<Page<Deployment>, BackendError>;

    async fn get_deployment(
        &self,
        env: &EnvRef,
        id: &DeploymentId,
    ) -> Result<Deployment, BackendError>;

    /// The environment's live deployment against `target`.
    async fn diff(&self, env: &EnvRef, target: &DeploymentId) -> Result<Diff, BackendError>;

    /// The hostnames a switch to `target` would move (and those it would leave).
    async fn domains_to_move(
        &self,
        env: &EnvRef,
        target: &DeploymentId,
    ) -> Result<Vec<DomainMove>, BackendError>;

    /// Every action on `deployment`, allowed or with the reason it is not.
    async fn actions(
        &self,
        env: &EnvRef,
        deployment: &DeploymentId,
    ) -> Result<Vec<ActionAvailability>, BackendError>;

    async fn rollback(&self, request: OperationRequest) -> Result<OperationHandle, BackendError>;

    async fn promote(&self, request: OperationRequest) -> Result<OperationHandle, BackendError>;

    async fn redeploy(&self, request: RedeployRequest) -> Result<OperationHandle, BackendError>;

    /// One operation with its status, steps and log.
    async fn operation(&self, env: &EnvRef, id: &OperationId) -> Result<Operation, BackendError>;

    /// The environment's operations, newest first, failed ones included.
    async fn list_operations(&self, env: &EnvRef) -> Result<Vec<Operation>, BackendError>;

    /// Changes of the live pointer, oldest first: marks on the error-rate axis and the
    /// input to `last known good`.
    async fn live_history(&self, env: &EnvRef) -> Result<Vec<LiveChange>, BackendError>;

    /// The process is about to end: an adapter that drives an operation itself (a rollout
    /// over machines) stops it and leaves the platform consistent, and returns each one it
    /// stopped, as it ended. Adapters whose platform carries operations out return nothing.
    async fn shutdown(&self) -> Vec<Operation> {
        Vec::new()
    }

    /// Stops an operation still under way where the platform can (a build), and returns it
    /// as it stands after asking. Platforms that cannot say so.
    async fn cancel_operation(
        &self,
        env: &EnvRef,
        id: &OperationId,
    ) -> Result<Operation, BackendError> {
        let _ = (env, id);
        Err(BackendError::invalid(format!(
            "{} cannot cancel an operation once it is sent",
            self.kind()
        )))
    }
}

/// The platform behind a backend kind, in words.
pub fn platform_name(kind: &str) -> &'static str {
    match kind {
        "demo" => "the demo platform",
        "http" => "the HTTP-contract server",
        "unkey" => "Unkey",
        "kubernetes" => "the Kubernetes API server",
        "temps" => "Temps",
        "vercel" => "Vercel",
        "fly" => "Fly.io",
        _ => "the platform",
    }
}
