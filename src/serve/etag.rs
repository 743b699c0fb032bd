//! Every successful GET carries a strong `ETag` (a hash of its body) and answers
//! `304 Not Modified` to a matching `If-None-Match`, so a poller that sees nothing new
//! transfers nothing.

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::header::{CACHE_CONTROL, ETAG, IF_NONE_MATCH};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::hash::{DefaultHasher, Hash, Hasher};

/// Answers larger than this are not hashed (none of ours come close).
const MAX_HASHED_BODY: usize = 64 * 1024 * 1024;

pub async fn conditional_get(request: Request, next: Next) -> Response {
    if request.method() != Method::GET {
        return next.run(request).await;
    }
    let if_none_match = request.headers().get(IF_NONE_MATCH).cloned();
    let response = next.run(request).await;
    if response.status() != StatusCode::OK {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_HASHED_BODY).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let tag = etag_of(&bytes);
    let tag_value = HeaderValue::from_str(&tag).expect("hex etag is a valid header");
    parts
        .headers
        .insert(CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    if if_none_match.is_some_and(|header| matches_any(&header, &tag)) {
        let mut not_modified = StatusCode::NOT_MODIFIED.into_response();
        not_modified.headers_mut().insert(ETAG, tag_value);
        not_modified
            .headers_mut()
            .insert(CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
        return not_modified;
    }
    parts.headers.insert(ETAG, tag_value);
    Response::from_parts(parts, Body::from(bytes))
}

/// A strong validator: the same bytes give the same tag, in every run of the server.
pub fn etag_of(body: &[u8]) -> String {
    // SipHash with fixed keys (DefaultHasher::new) is deterministic; the length guards
    // against the rare collision of different sizes.
    let mut hasher = DefaultHasher::new();
    body.hash(&mut hasher);
    format!("\"{:016x}-{:x}\"", hasher.finish(), body.len())
}

/// `If-None-Match` uses the weak comparison (RFC 9110 13.1.2): `W/` prefixes are ignored.
fn matches_any(header: &HeaderValue, tag: &str) -> bool {
    let Ok(text) = header.to_str() else {
        return false;
    };
    text.split(',').map(str::trim).any(|candidate| {
        candidate == "*" || candidate.strip_prefix("W/").unwrap_or(candidate) == tag
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_follow_the_body() {
        assert_eq!(etag_of(b"{\"a\":1}"), etag_of(b"{\"a\":1}"));
        assert_ne!(etag_of(b"{\"a\":1}"), etag_of(b"{\"a\":2}"));
    }

    #[test]
    fn if_none_match_lists_and_weak_tags() {
        let tag = etag_of(b"x");
        let list = HeaderValue::from_str(&format!("\"other\", W/{tag}")).unwrap();
        assert!(matches_any(&list, &tag));
        assert!(matches_any(&HeaderValue::from_static("*"), &tag));
        assert!(!matches_any(&HeaderValue::from_static("\"nope\""), &tag));
    }
}
