use crate::backend::BackendError;
use serde::de::DeserializeOwned;

/// At most this many characters of a bad answer are kept for the log.
const EXCERPT_CHARS: usize = 160;

/// Reads a response body, refusing one larger than `limit` bytes without buffering it whole.
pub async fn read_limited(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, BackendError> {
    if let Some(length) = response.content_length()
        && length as usize > limit
    {
        return Err(too_large(limit));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(super::transport_error)? {
        if body.len() + chunk.len() > limit {
            return Err(too_large(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn too_large(limit: usize) -> BackendError {
    BackendError::Decode {
        message: format!(
            "the answer is larger than the limit of {limit} bytes; reading stopped there"
        ),
        excerpt: None,
    }
}

/// Decodes JSON, naming the field that did not fit and keeping a short excerpt.
pub fn decode_json<T: DeserializeOwned>(body: &[u8], what: &str) -> Result<T, BackendError> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        let at = if path.is_empty() || path == "." {
            String::new()
        } else {
            format!(" at `{path}`")
        };
        BackendError::Decode {
            message: format!("{what}: {}{at}", describe_json_error(&inner)),
            excerpt: Some(excerpt(body)),
        }
        .redacted()
    })
}

fn describe_json_error(error: &serde_json::Error) -> String {
    use serde_json::error::Category;
    match error.classify() {
        Category::Eof => "the answer was cut short".to_owned(),
        Category::Syntax => format!("not valid JSON ({error})"),
        Category::Data => format!("unexpected shape ({error})"),
        Category::Io => format!("could not be read ({error})"),
    }
}

/// The start of a body, printable, for logs: never the whole thing.
pub fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut out: String = text
        .chars()
        .take(EXCERPT_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if text.chars().count() > EXCERPT_CHARS {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Outer {
        items: Vec<Inner>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        id: String,
    }

    #[test]
    fn decode_names_the_field() {
        let err =
            decode_json::<Outer>(br#"{"items":[{"id":"a"},{"id":7}]}"#, "deployments").unwrap_err();
        match err {
            BackendError::Decode { message, excerpt } => {
                assert!(message.contains("items[1].id"), "{message}");
                assert!(excerpt.unwrap().starts_with("{\"items\""));
            }
            other => panic!("expected Decode, got {other:?}"),
        }
    }

    #[test]
    fn html_is_a_decode_error_with_excerpt() {
        let err =
            decode_json::<Outer>(b"<html><body>502 Bad Gateway</body></html>", "page").unwrap_err();
        assert!(
            matches!(err, BackendError::Decode { ref message, .. } if message.contains("not valid JSON"))
        );
    }

    #[test]
    fn truncated_body_says_cut_short() {
        let err = decode_json::<Outer>(br#"{"items":[{"id":"a"#, "page").unwrap_err();
        assert!(
            matches!(err, BackendError::Decode { ref message, .. } if message.contains("cut short"))
        );
    }

    #[test]
    fn excerpt_is_bounded_and_printable() {
        let long = "x\n".repeat(500);
        let out = excerpt(long.as_bytes());
        assert!(out.chars().count() <= EXCERPT_CHARS + 1);
        assert!(!out.contains('\n'));
        assert!(out.ends_with('…'));
    }
}
