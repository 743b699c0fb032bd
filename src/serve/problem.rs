//! Errors as `application/problem+json` (RFC 9457).

use crate::backend::BackendError;
use crate::backend::http::wire::{PROBLEM_JSON, Problem};
use axum::http::header::{CONTENT_TYPE, RETRY_AFTER, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// Every error a handler returns: a problem body with its status.
#[derive(Debug)]
pub struct ApiError(pub Box<Problem>);

impl ApiError {
    pub fn unauthorized(detail: &str) -> Self {
        Self(Box::new(Problem::from_error(&BackendError::Unauthorized {
            message: detail.to_owned(),
        })))
    }

    pub fn bad_request(code: &str, detail: impl Into<String>) -> Self {
        Self::custom(400, code, "Invalid request", detail)
    }

    pub fn custom(status: u16, code: &str, title: &str, detail: impl Into<String>) -> Self {
        Self(Box::new(Problem {
            problem_type: Problem::type_uri(code),
            title: title.to_owned(),
            status,
            detail: detail.into(),
            code: Some(code.to_owned()),
            ..Problem::default()
        }))
    }
}

impl From<BackendError> for ApiError {
    fn from(error: BackendError) -> Self {
        Self(Box::new(Problem::from_error(&error)))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        problem_response(&self.0)
    }
}

pub fn problem_response(problem: &Problem) -> Response {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = crate::text::to_inert_vec(problem).unwrap_or_default();
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    if let Some(seconds) = problem.retry_after {
        headers.insert(RETRY_AFTER, HeaderValue::from(seconds));
    }
    if status == StatusCode::UNAUTHORIZED {
        headers.insert(
            WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"switchback\""),
        );
    }
    response
}
