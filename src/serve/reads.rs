//! The read side of the contract: one handler per GET, each a thin call to the backend.

use super::ServeState;
use super::extract::{ApiPath, ApiQuery};
use super::json::Json;
use super::problem::ApiError;
use crate::backend::http::wire::Items;
use crate::backend::{
    BackendError, Capabilities, Identity, Page, PageRequest, PreconditionCode, Role,
};
use crate::domain::{
    ActionAvailability, Deployment, DeploymentId, Diff, DomainMove, EnvRef, Environment,
    LiveChange, MetricSeries, MetricSource, MetricsQuery, MetricsScope, Operation, OperationId,
    Project, ProjectId, Timestamp,
};
use axum::Extension;
use axum::extract::State;
use serde::Deserialize;

/// The largest page a client may ask for.
pub const MAX_PAGE: usize = 500;

type ApiResult<T> = Result<Json<T>, ReadError>;

/// A read's error. A deployment addressed under another environment is simply not there
/// for a read (platforms report it as a refusal, which only makes sense for an operation).
pub struct ReadError(ApiError);

impl From<ApiError> for ReadError {
    fn from(error: ApiError) -> Self {
        Self(error)
    }
}

impl From<BackendError> for ReadError {
    fn from(error: BackendError) -> Self {
        let error = match error {
            BackendError::Precondition {
                code: PreconditionCode::WrongEnvironment,
                message,
                ..
            } => BackendError::NotFound { what: message },
            other => other,
        };
        Self(error.into())
    }
}

impl axum::response::IntoResponse for ReadError {
    fn into_response(self) -> axum::response::Response {
        self.0.into_response()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    cursor: Option<String>,
    limit: Option<usize>,
}

impl PageQuery {
    fn into_request(self) -> Result<PageRequest, ApiError> {
        if let Some(limit) = self.limit
            && !(1..=MAX_PAGE).contains(&limit)
        {
            return Err(ApiError::bad_request(
                "invalid_query",
                format!("limit must be between 1 and {MAX_PAGE}"),
            ));
        }
        Ok(PageRequest {
            cursor: self.cursor,
            limit: self.limit,
        })
    }
}

#[derive(Deserialize)]
pub struct EnvPath {
    project: String,
    environment: String,
}

impl EnvPath {
    fn env_ref(&self) -> EnvRef {
        EnvRef::new(self.project.as_str(), self.environment.as_str())
    }
}

#[derive(Deserialize)]
pub struct DeploymentPath {
    project: String,
    environment: String,
    deployment: String,
}

impl DeploymentPath {
    fn parts(&self) -> (EnvRef, DeploymentId) {
        (
            EnvRef::new(self.project.as_str(), self.environment.as_str()),
            DeploymentId::new(self.deployment.as_str()),
        )
    }
}

#[derive(Deserialize)]
pub struct OperationPath {
    project: String,
    environment: String,
    operation: String,
}

pub async fn whoami(Extension(identity): Extension<Identity>) -> Json<Identity> {
    Json(identity)
}

pub async fn capabilities(State(state): State<ServeState>) -> Json<Capabilities> {
    Json(state.backend.capabilities())
}

pub async fn projects(
    State(state): State<ServeState>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> ApiResult<Page<Project>> {
    Ok(Json(
        state.backend.list_projects(query.into_request()?).await?,
    ))
}

pub async fn environments(
    State(state): State<ServeState>,
    ApiPath(project): ApiPath<String>,
) -> ApiResult<Items<Environment>> {
    let items = state
        .backend
        .list_environments(&ProjectId::new(project))
        .await?;
    Ok(Json(Items { items }))
}

pub async fn environment(
    State(state): State<ServeState>,
    ApiPath(path): ApiPath<EnvPath>,
) -> ApiResult<Environment> {
    Ok(Json(state.backend.get_environment(&path.env_ref()).await?))
}

pub async fn deployments(
    State(state): State<ServeState>,
    ApiPath(path): ApiPath<EnvPath>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> ApiResult<Page<Deployment>> {
    let page = query.into_request()?;
    Ok(Json(
        state
            .backend
            .list_deployments(&path.env_ref(), page)
            .await?,
    ))
}

pub async fn deployment(
    State(state): State<ServeState>,
    ApiPath(path): ApiPath<DeploymentPath>,
) -> ApiResult<Deployment> {
    let (env, id) = path.parts();
    Ok(Json(state.backend.get_deployment(&env, &id).await?))
}

pub async fn diff(
    State(state): State<ServeState>,
    ApiPath(path): ApiPath<DeploymentPath>,
) -> ApiResult<Diff> {
    let (env, id) = path.parts();
    Ok(Json(state.backend.diff(&env, &id).await?))
}

pub async fn domains(
    State(state): State<ServeState>,
    ApiPath(path): ApiPath<DeploymentPath>,
) -> ApiResult<Items<DomainMove>> {
    let (env, id) = path.parts();
    let items = state.backend.domains_to_move(&env, &id).await?;
    Ok(Json(Items { items }))
}

/// The platform's answer, with every action refused for a caller whose role may not act.
pub async fn actions(
    State(state): State<ServeState>,
    Extension(identity): Extension<Identity>,
    ApiPath(path): ApiPath<DeploymentPath>,
) -> ApiResult<Items<ActionAvailability>> {
    let (env, id) = path.parts();
    let mut items = state.backend.actions(&env, &id).await?;
    if identity.role != Role::Deployer {
        for item in &mut items {
            *item = ActionAvailability::refused(
                item.action,
                "forbidden",
                format!(
                    "the {} token may look but not {}",
                    identity.role.as_str(),
                    item.action.as_str()
                ),
            );
        }
    }
    Ok(Json(Items { items }))
}

pub async fn operations(
    State(state): State<ServeState>,
    ApiPath(path): ApiPath<EnvPath>,
) -> ApiResult<Items<Operation>> {
    let items = state.backend.list_operations(&path.env_ref()).await?;
    Ok(Json(Items { items }))
}

pub async fn operation(
    State(state): State<ServeState>,
    ApiPath(path): ApiPath<OperationPath>,
) -> ApiResult<Operation> {
    let env = EnvRef::new(path.project.as_str(), path.environment.as_str());
    let id = OperationId::new(path.operation);
    Ok(Json(state.backend.operation(&env, &id).await?))
}

pub async fn live_history(
    State(state): State<ServeState>,
    ApiPath(path): ApiPath<EnvPath>,
) -> ApiResult<Items<LiveChange>> {
    let items = state.backend.live_history(&path.env_ref()).await?;
    Ok(Json(Items { items }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorRateQuery {
    from: Timestamp,
    to: Timestamp,
    step_secs: u32,
    /// Only this deployment's traffic; the whole environment when absent.
    deployment: Option<String>,
}

/// At most this many buckets per series.
const MAX_BUCKETS: i64 = 10_000;

pub async fn error_rate(
    State(state): State<ServeState>,
    ApiPath(path): ApiPath<EnvPath>,
    ApiQuery(query): ApiQuery<ErrorRateQuery>,
) -> ApiResult<MetricSeries> {
    if query.step_secs == 0 {
        return Err(ApiError::bad_request("invalid_query", "step_secs must be positive").into());
    }
    if query.to <= query.from {
        // An empty window has no buckets.
        return Ok(Json(MetricSeries {
            source: MetricSource::Native,
            step_secs: query.step_secs,
            points: Vec::new(),
        }));
    }
    // Widen the step so a series has at most MAX_BUCKETS buckets; the answer says the step.
    let span = (query.to - query.from).num_seconds().max(1);
    let widest = u32::try_from((span + MAX_BUCKETS - 1) / MAX_BUCKETS).unwrap_or(u32::MAX);
    let step_secs = query.step_secs.max(widest);
    let scope = match query.deployment {
        Some(id) => MetricsScope::Deployment(DeploymentId::new(id)),
        None => MetricsScope::Environment,
    };
    let metrics_query = MetricsQuery {
        env: path.env_ref(),
        scope,
        from: query.from,
        to: query.to,
        step_secs,
    };
    Ok(Json(state.backend.error_rate(&metrics_query).await?))
}
