//! Every decoder this adapter applies to an answer, fed the same bytes (see `crate::fuzzing`).

use super::wire::{Items, Problem};
use crate::backend::{Capabilities, Identity, OperationHandle, Page};
use crate::domain::{
    ActionAvailability, Deployment, Diff, DomainMove, Environment, LiveChange, MetricSeries,
    Operation, Project,
};
use crate::net::{decode_json, excerpt, parse_retry_after};
use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};

pub(crate) fn fuzz_answer(bytes: &[u8]) {
    fn each<T: serde::de::DeserializeOwned>(bytes: &[u8], what: &str) {
        if let Err(error) = decode_json::<T>(bytes, what) {
            let _ = error.to_string();
        }
    }
    each::<Identity>(bytes, "identity");
    each::<Capabilities>(bytes, "capabilities");
    each::<Page<Project>>(bytes, "projects");
    each::<Items<Environment>>(bytes, "environments");
    each::<Environment>(bytes, "environment");
    each::<Page<Deployment>>(bytes, "deployments");
    each::<Deployment>(bytes, "deployment");
    each::<Diff>(bytes, "diff");
    each::<Items<DomainMove>>(bytes, "domains");
    each::<Items<ActionAvailability>>(bytes, "actions");
    each::<OperationHandle>(bytes, "rollback");
    each::<Operation>(bytes, "operation");
    each::<Items<Operation>>(bytes, "operations");
    each::<Items<LiveChange>>(bytes, "live history");
    each::<MetricSeries>(bytes, "error rate");
    let _ = excerpt(bytes);
    let mut headers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_bytes(bytes.get(..64).unwrap_or(bytes)) {
        headers.insert(RETRY_AFTER, value);
    }
    let retry_after = parse_retry_after(&headers);
    if let Ok(problem) = serde_json::from_slice::<Problem>(bytes) {
        for status in [400, 401, 403, 404, 409, 412, 422, 429, 500, 503] {
            let _ = problem
                .clone()
                .into_error(status, retry_after, "rollback")
                .to_string();
        }
    }
}
