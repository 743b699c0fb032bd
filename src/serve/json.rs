//! JSON answers of `serve`, written inert: a platform's strings pass through this server to
//! whoever reads it, `curl` on a terminal included, so DEL, C1 and bidi controls are sent as
//! `\u` escapes (the same characters to any parser).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// `axum::Json`, with the escapes above.
pub struct Json<T>(pub T);

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        match crate::text::to_inert_vec(&self.0) {
            Ok(body) => {
                let mut response = body.into_response();
                response.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                );
                response
            }
            Err(error) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("cannot write the answer as JSON: {error}"),
            )
                .into_response(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn answers_carry_no_raw_control_character_and_read_back_exactly() {
        let label = "v41\u{9b}2J\u{7f}\u{202e}14v\u{1b}]0;x\u{7}";
        let response = Json(serde_json::json!({ "label": label })).into_response();
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        let text = std::str::from_utf8(&body).unwrap();
        assert!(!text.chars().any(crate::text::is_unsafe), "{text:?}");
        let back: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(back["label"], label);
    }
}
