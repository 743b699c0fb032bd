//! One line per request: method, path, status and duration. Never headers, so never a token.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use std::time::Instant;

pub async fn access_log(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    tracing::info!(
        target: "switchback::serve::access",
        %method,
        path,
        status = response.status().as_u16(),
        duration = ?started.elapsed(),
        "request"
    );
    response
}
