//! kube-rs errors typed once into `BackendError`.

use crate::backend::BackendError;

/// What the request was, for the messages: the RBAC verb and resource
/// (`patch deployments.apps`) and the object (`deployment shop/web`).
#[derive(Clone, Copy, Debug)]
pub struct Call<'a> {
    pub verb: &'a str,
    /// `deployments.apps`, `replicasets.apps`, `events`.
    pub resource: &'a str,
    pub object: &'a str,
}

impl Call<'_> {
    pub fn action(&self) -> String {
        format!("{} {}", self.verb, self.resource)
    }
}

pub fn map(call: Call<'_>, error: kube::Error) -> BackendError {
    mapped(call, error).redacted()
}

fn mapped(call: Call<'_>, error: kube::Error) -> BackendError {
    match error {
        kube::Error::Api(status) => map_status(call, status.code, &status.reason, status.message),
        kube::Error::SerdeError(e) => BackendError::Decode {
            message: format!("{} {}: {e}", call.verb, call.object),
            excerpt: None,
        },
        kube::Error::Auth(e) => BackendError::Unauthorized {
            message: e.to_string(),
        },
        other => BackendError::transient(format!("{} {}: {other}", call.verb, call.object)),
    }
}

fn map_status(call: Call<'_>, code: u16, reason: &str, message: String) -> BackendError {
    match code {
        401 => BackendError::Unauthorized { message },
        403 => BackendError::Forbidden {
            action: call.action(),
            reason: message,
        },
        404 => BackendError::not_found(call.object.to_owned()),
        409 => BackendError::Conflict {
            live_now: None,
            live_label: None,
            changed_by: None,
            message: format!("{} changed meanwhile: {message}", call.object),
        },
        // kube-rs does not hand over the Retry-After header; the caller's backoff decides.
        429 => BackendError::RateLimited { retry_after: None },
        500..=599 => BackendError::transient(format!("{} {}: {message}", call.verb, call.object)),
        _ => BackendError::invalid(format!(
            "{} {} refused ({code} {reason}): {message}",
            call.verb, call.object
        )),
    }
}

/// The HTTP status of an API error, if it is one.
pub fn status_code(error: &kube::Error) -> Option<u16> {
    match error {
        kube::Error::Api(status) => Some(status.code),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CALL: Call<'static> = Call {
        verb: "patch",
        resource: "deployments.apps",
        object: "deployment shop/web",
    };

    #[test]
    fn forbidden_names_the_verb_and_resource() {
        let err = map_status(CALL, 403, "Forbidden", "no".into());
        assert_eq!(
            err,
            BackendError::Forbidden {
                action: "patch deployments.apps".into(),
                reason: "no".into()
            }
        );
    }

    #[test]
    fn statuses_map_to_types() {
        assert_eq!(
            map_status(CALL, 404, "NotFound", String::new()).kind(),
            "not_found"
        );
        assert_eq!(
            map_status(CALL, 409, "Conflict", String::new()).kind(),
            "conflict"
        );
        assert_eq!(map_status(CALL, 503, "", String::new()).kind(), "transient");
        assert_eq!(
            map_status(CALL, 429, "", String::new()).kind(),
            "rate_limited"
        );
        assert_eq!(
            map_status(CALL, 401, "", String::new()).kind(),
            "unauthorized"
        );
        assert_eq!(
            map_status(CALL, 422, "Invalid", String::new()).kind(),
            "invalid"
        );
    }
}
