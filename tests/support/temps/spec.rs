//! Temps' OpenAPI document (trimmed to what a console calls), read at run time from
//! `../shared/specs`, with the one path it doubles corrected: the job-logs operation is
//! declared as `/api/projects/…` under the server base `/api`, and the real route is
//! `/api/projects/…/logs`. Requests are checked against the declared parameters and
//! bodies; successful JSON answers against the declared schemas. Error answers are not:
//! the server sends statuses (400, 401, 403) the document does not list, and the server
//! wins.

use super::transcript::shared_file;
use jsonschema::Validator;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

pub const FILE: &str = "temps-openapi.json";

pub struct Spec {
    /// Path templates (after `/api`) with their operations.
    paths: Vec<(String, Value)>,
    components: Value,
    validators: Mutex<HashMap<String, Arc<Validator>>>,
}

pub fn spec() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| {
        let path = shared_file("specs", FILE);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("read the Temps spec {}: {e}", path.display()));
        let doc: Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{FILE} is not JSON: {e}"));
        let paths = doc["paths"]
            .as_object()
            .expect("paths")
            .iter()
            .map(|(template, ops)| {
                // The doubled `/api` of the job-logs operation (a spec bug).
                let fixed = match template.strip_prefix("/api/") {
                    Some(rest) => format!("/{rest}"),
                    None => template.clone(),
                };
                (fixed, ops.clone())
            })
            .collect();
        Spec {
            paths,
            components: doc["components"].clone(),
            validators: Mutex::new(HashMap::new()),
        }
    })
}

/// A path's parameters by name, with their values.
type PathParams = Vec<(String, String)>;

/// An operation found for a request: its template, its spec and the path's parameters.
pub type Found<'a> = (&'a str, &'a Value, PathParams);

fn matches(template: &str, path: &str) -> Option<PathParams> {
    let t: Vec<&str> = template.trim_matches('/').split('/').collect();
    let p: Vec<&str> = path.trim_matches('/').split('/').collect();
    if t.len() != p.len() {
        return None;
    }
    let mut params = Vec::new();
    for (ts, ps) in t.iter().zip(&p) {
        match ts.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) => params.push((name.to_owned(), (*ps).to_owned())),
            None if ts == ps => {}
            None => return None,
        }
    }
    Some(params)
}

fn type_ok(schema: &Value, value: &str) -> bool {
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    types.iter().any(|t| match *t {
        "integer" => value.parse::<i64>().is_ok(),
        "boolean" => value == "true" || value == "false",
        "number" => value.parse::<f64>().is_ok(),
        "null" => false,
        _ => true,
    })
}

impl Spec {
    /// The operation for a request, with its template and the path parameters' values.
    pub fn operation(&self, method: &str, path: &str) -> Option<Found<'_>> {
        let method = method.to_ascii_lowercase();
        // Literal segments first: `/projects/by-slug/x` is not `/projects/{id}/…`.
        let mut found: Vec<_> = self
            .paths
            .iter()
            .filter_map(|(template, ops)| {
                let op = ops.get(&method)?;
                let params = matches(template, path)?;
                Some((template.as_str(), op, params))
            })
            .collect();
        found.sort_by_key(|(_, _, params)| params.len());
        found.into_iter().next()
    }

    /// What is wrong with a request: an operation the document does not have, a parameter
    /// it does not declare, or one of the wrong type, a body against its schema.
    pub fn check_request(
        &self,
        method: &str,
        path: &str,
        query: &[(String, String)],
        body: Option<&Value>,
    ) -> Vec<String> {
        let Some((template, op, path_params)) = self.operation(method, path) else {
            return vec![format!("{method} {path}: not an operation of {FILE}")];
        };
        let mut problems = Vec::new();
        let declared = op["parameters"].as_array().cloned().unwrap_or_default();
        let find = |name: &str, place: &str| {
            declared
                .iter()
                .find(|p| p["name"] == name && p["in"] == place)
                .cloned()
        };
        for (name, value) in &path_params {
            if let Some(p) = find(name, "path")
                && !type_ok(&p["schema"], value)
            {
                problems.push(format!(
                    "{method} {template}: path `{name}` = `{value}` is not {}",
                    p["schema"]["type"]
                ));
            }
        }
        for (name, value) in query {
            match find(name, "query") {
                None => problems.push(format!(
                    "{method} {template}: query `{name}` is not declared"
                )),
                Some(p) if !type_ok(&p["schema"], value) => problems.push(format!(
                    "{method} {template}: query `{name}` = `{value}` is not {}",
                    p["schema"]["type"]
                )),
                Some(_) => {}
            }
        }
        for p in &declared {
            if p["in"] == "query"
                && p["required"] == true
                && !query.iter().any(|(n, _)| p["name"] == n.as_str())
            {
                problems.push(format!(
                    "{method} {template}: query `{}` is required",
                    p["name"].as_str().unwrap_or_default()
                ));
            }
        }
        let schema = op["requestBody"]["content"]["application/json"]["schema"].clone();
        match (body, schema.is_null()) {
            (Some(body), false) => problems.extend(
                self.validator(&format!("{method} {template} request"), &schema)
                    .iter_errors(body)
                    .map(|e| format!("{method} {template} request: {e} at {}", e.instance_path())),
            ),
            (None, false) if op["requestBody"]["required"] == true => {
                problems.push(format!("{method} {template}: a body is required"))
            }
            (Some(_), true) => problems.push(format!("{method} {template}: takes no body")),
            _ => {}
        }
        problems
    }

    /// What is wrong with a successful JSON answer against its declared schema.
    pub fn check_response(
        &self,
        method: &str,
        path: &str,
        status: u16,
        body: &Value,
    ) -> Vec<String> {
        let Some((template, op, _)) = self.operation(method, path) else {
            return vec![];
        };
        let response = &op["responses"][status.to_string()];
        if !response.is_object() {
            return vec![format!(
                "{method} {template}: {FILE} lists no {status} answer"
            )];
        }
        let schema = &response["content"]["application/json"]["schema"];
        if schema.is_null() {
            return vec![];
        }
        self.validator(&format!("{method} {template} {status}"), schema)
            .iter_errors(body)
            .map(|e| format!("{method} {template} {status}: {e} at {}", e.instance_path()))
            .collect()
    }

    fn validator(&self, key: &str, schema: &Value) -> Arc<Validator> {
        if let Some(found) = self.validators.lock().unwrap().get(key) {
            return found.clone();
        }
        let mut root = json!({ "components": self.components.clone() });
        for (k, v) in schema.as_object().expect("schema object") {
            root[k] = v.clone();
        }
        let validator = Arc::new(
            jsonschema::options()
                .with_draft(jsonschema::Draft::Draft202012)
                .build(&root)
                .unwrap_or_else(|e| panic!("schema for {key}: {e}")),
        );
        self.validators
            .lock()
            .unwrap()
            .insert(key.to_owned(), validator.clone());
        validator
    }
}
