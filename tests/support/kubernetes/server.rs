//! The HTTP side: routing by path, GET/LIST with selectors, PATCH in the three patch
//! formats kubectl uses, 403s from the RBAC table, access reviews, and `Status` errors in
//! the API server's shape.

use super::controller;
use super::discovery::{self, Served};
use super::selector::{self, Selector};
use super::store::{Key, Recorded, Store};
use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

pub struct Shared {
    pub store: Mutex<Store>,
    pub served: Vec<Served>,
    pub server: String,
}

pub async fn handle(
    shared: Arc<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(|s| s.split(';').next().unwrap_or(s).trim().to_owned());
    let path = uri.path().to_owned();
    let query = parse_query(uri.query().unwrap_or_default());
    let body_text = String::from_utf8_lossy(&body).into_owned();
    let late = {
        let mut store = shared.store.lock().unwrap();
        store.requests.push(Recorded {
            method: method.to_string(),
            path: uri.to_string(),
            content_type: content_type.clone(),
            body: body_text,
        });
        let patch = method == Method::PATCH;
        patch
            .then(|| store.answer_next_patch_after.take())
            .flatten()
    };
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let response = match (method.clone(), segments.as_slice()) {
        (Method::GET, ["version"]) => ok(discovery::version()),
        (Method::GET, ["api"]) => ok(discovery::core_versions(&shared.server)),
        (Method::GET, ["apis"]) => ok(discovery::groups(&shared.served)),
        (Method::GET, ["api", v]) => resource_list(&shared, "", v),
        (Method::GET, ["apis", g, v]) => resource_list(&shared, g, v),
        (
            Method::POST,
            [
                "apis",
                "authorization.k8s.io",
                "v1",
                "selfsubjectaccessreviews",
            ],
        ) => access_review(&shared, &body),
        (Method::POST, ["apis", "authentication.k8s.io", "v1", "selfsubjectreviews"]) => {
            ok(json!({
                "apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview",
                "metadata": {}, "status": {"userInfo": {"username": "oncall@example.com",
                                                         "groups": ["system:authenticated"]}}
            }))
        }
        (_, ["api", "v1", "namespaces", ns, rest @ ..]) => object(
            &shared,
            method,
            "",
            "v1",
            ns,
            rest,
            &query,
            content_type,
            &body,
        ),
        (_, ["apis", g, v, "namespaces", ns, rest @ ..]) => {
            object(&shared, method, g, v, ns, rest, &query, content_type, &body)
        }
        _ => status(
            StatusCode::NOT_FOUND,
            "NotFound",
            "the server could not find the requested resource",
            None,
        ),
    };
    // An answer slower than the client's patience: the change is made, the answer waits.
    if let Some(wait) = late {
        tokio::time::sleep(wait).await;
    }
    response
}

fn resource_list(shared: &Shared, group: &str, version: &str) -> Response {
    match discovery::resources(&shared.served, group, version) {
        Some(v) => ok(v),
        None => status(
            StatusCode::NOT_FOUND,
            "NotFound",
            "the server could not find the requested resource",
            None,
        ),
    }
}

fn access_review(shared: &Shared, body: &[u8]) -> Response {
    let mut review: Value = serde_json::from_slice(body).unwrap_or(json!({}));
    let attrs = &review["spec"]["resourceAttributes"];
    let group = attrs["group"].as_str().unwrap_or_default();
    let plural = attrs["resource"].as_str().unwrap_or_default();
    let verb = attrs["verb"].as_str().unwrap_or_default();
    let resource = rbac_name(group, plural);
    let denied = shared.store.lock().unwrap().is_forbidden(verb, &resource);
    review["status"] = if denied {
        json!({"allowed": false, "reason": format!("RBAC: no rule grants {verb} on {resource}")})
    } else {
        json!({"allowed": true, "reason": "RBAC: allowed by fake role"})
    };
    ok(review)
}

fn rbac_name(group: &str, plural: &str) -> String {
    if group.is_empty() {
        plural.to_owned()
    } else {
        format!("{plural}.{group}")
    }
}

#[allow(clippy::too_many_arguments)]
fn object(
    shared: &Shared,
    method: Method,
    group: &str,
    version: &str,
    ns: &str,
    rest: &[&str],
    query: &[(String, String)],
    content_type: Option<String>,
    body: &[u8],
) -> Response {
    let (plural, name, sub) = match rest {
        [p] => (*p, None, None),
        [p, n] => (*p, Some(*n), None),
        [p, n, s] => (*p, Some(*n), Some(*s)),
        _ => return status(StatusCode::NOT_FOUND, "NotFound", "not found", None),
    };
    let Some((kind, served_version)) = discovery::kind_of(&shared.served, group, plural) else {
        return status(
            StatusCode::NOT_FOUND,
            "NotFound",
            "the server could not find the requested resource",
            None,
        );
    };
    if served_version != version {
        return status(
            StatusCode::NOT_FOUND,
            "NotFound",
            "version not served",
            None,
        );
    }
    let verb = match (&method, name) {
        (&Method::GET, None) => "list",
        (&Method::GET, Some(_)) => "get",
        (&Method::PATCH, _) => "patch",
        (&Method::POST, _) => "create",
        (&Method::PUT, _) => "update",
        _ => "other",
    };
    let resource = rbac_name(group, plural);
    let mut store = shared.store.lock().unwrap();
    if method == Method::PATCH
        && let Some(hook) = store.before_next_patch.take()
    {
        hook(&mut store);
    }
    if store.is_forbidden(verb, &resource) {
        let what = name
            .map(|n| format!("{resource} \"{n}\""))
            .unwrap_or_else(|| resource.clone());
        let group_words = if group.is_empty() {
            "\"\"".to_owned()
        } else {
            format!("\"{group}\"")
        };
        return status(
            StatusCode::FORBIDDEN,
            "Forbidden",
            &format!(
                "{what} is forbidden: User \"oncall@example.com\" cannot {verb} resource \"{plural}\" in API group {group_words} in the namespace \"{ns}\""
            ),
            Some(json!({"name": name.unwrap_or_default(), "group": group, "kind": plural})),
        );
    }
    let api_version = if group.is_empty() {
        version.to_owned()
    } else {
        format!("{group}/{version}")
    };
    match (method, name) {
        (Method::GET, None) => {
            let labels = query
                .iter()
                .find(|(k, _)| k == "labelSelector")
                .map(|(_, v)| Selector::parse(v));
            let fields = query
                .iter()
                .find(|(k, _)| k == "fieldSelector")
                .map(|(_, v)| Selector::parse(v));
            let items: Vec<Value> = store
                .list(group, plural, ns)
                .into_iter()
                .filter(|o| {
                    labels
                        .as_ref()
                        .is_none_or(|s| s.matches(|k| selector::label(o, k)))
                })
                .filter(|o| {
                    fields
                        .as_ref()
                        .is_none_or(|s| s.matches(|k| selector::field(o, k)))
                })
                .collect();
            let rv = store.next_revision();
            let mut metadata = json!({ "resourceVersion": rv });
            if store.endless_lists {
                metadata["continue"] = json!(format!("more-{rv}"));
            }
            ok(
                json!({"kind": format!("{kind}List"), "apiVersion": api_version,
                      "metadata": metadata, "items": items}),
            )
        }
        (Method::GET, Some(n)) => match store.get(&Key::new(group, plural, ns, n)) {
            Some(obj) => ok(obj.clone()),
            None => not_found(group, plural, n),
        },
        (Method::PATCH, Some(n)) => {
            let key = Key::new(group, plural, ns, n);
            let Some(current) = store.get(&key).cloned() else {
                return not_found(group, plural, n);
            };
            let patched = match apply_patch(&current, content_type.as_deref(), body) {
                Ok(p) => p,
                Err(r) => return *r,
            };
            // A patch naming a resourceVersion is a precondition.
            if let Ok(sent) = serde_json::from_slice::<Value>(body)
                && let Some(rv) = sent.pointer("/metadata/resourceVersion")
                && Some(rv) != current.pointer("/metadata/resourceVersion")
            {
                return status(
                    StatusCode::CONFLICT,
                    "Conflict",
                    &format!(
                        "Operation cannot be fulfilled on {} \"{n}\": the object has been modified; please apply your changes to the latest version and try again",
                        rbac_name(group, plural)
                    ),
                    None,
                );
            }
            let patched = match sub {
                // The status subresource changes status only; the object ignores status.
                Some("status") => {
                    let mut o = current.clone();
                    o["status"] = patched["status"].clone();
                    o
                }
                _ => {
                    let mut o = patched;
                    if let Some(s) = current.get("status") {
                        o["status"] = s.clone();
                    }
                    o
                }
            };
            let mut patched = patched;
            let manager = query
                .iter()
                .find(|(k, _)| k == "fieldManager")
                .map_or("unknown", |(_, v)| v.as_str());
            Store::write_by(&mut patched, manager);
            store.replace(&key, patched);
            if plural == "deployments" {
                controller::reconcile(&mut store, ns, n);
            }
            ok(store.get(&key).cloned().unwrap_or_default())
        }
        _ => status(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            "not supported by the fake",
            None,
        ),
    }
}

/// JSON patch (with `test`), JSON merge patch, and strategic merge patch as far as kubectl's
/// undo and restart use it (maps only: for maps it is a merge patch).
fn apply_patch(
    current: &Value,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<Value, Box<Response>> {
    let bad = |m: String| Box::new(status(StatusCode::BAD_REQUEST, "BadRequest", &m, None));
    let mut doc = current.clone();
    match content_type {
        Some("application/json-patch+json") => {
            let ops: json_patch::Patch =
                serde_json::from_slice(body).map_err(|e| bad(e.to_string()))?;
            json_patch::patch(&mut doc, &ops).map_err(|e| {
                // The API server answers a failed JSON patch, `test` included, with 422.
                status(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "Invalid",
                    &e.to_string(),
                    None,
                )
            })?;
        }
        Some("application/merge-patch+json") | Some("application/strategic-merge-patch+json") => {
            let patch: Value = serde_json::from_slice(body).map_err(|e| bad(e.to_string()))?;
            json_patch::merge(&mut doc, &patch);
        }
        other => {
            return Err(Box::new(status(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "UnsupportedMediaType",
                &format!(
                    "the body of the request was in an unknown format: {}",
                    other.unwrap_or("none")
                ),
                None,
            )));
        }
    }
    Ok(doc)
}

fn not_found(group: &str, plural: &str, name: &str) -> Response {
    status(
        StatusCode::NOT_FOUND,
        "NotFound",
        &format!("{} \"{name}\" not found", rbac_name(group, plural)),
        Some(json!({"name": name, "group": group, "kind": plural})),
    )
}

fn ok(v: Value) -> Response {
    ([("content-type", "application/json")], v.to_string()).into_response()
}

fn status(code: StatusCode, reason: &str, message: &str, details: Option<Value>) -> Response {
    let mut body = json!({"kind": "Status", "apiVersion": "v1", "metadata": {},
        "status": "Failure", "message": message, "reason": reason, "code": code.as_u16()});
    if let Some(d) = details {
        body["details"] = d;
    }
    (
        code,
        [("content-type", "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("00");
                out.push(u8::from_str_radix(hex, 16).unwrap_or(b'?'));
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
