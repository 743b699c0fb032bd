//! The two OpenAPI documents the fake checks requests with: the Machines API
//! (`fly-machines-openapi.json`) and the releases REST fragment (`fly-releases-rest.yaml`),
//! read at run time from `../shared/specs`. Missing, a test fails naming the file.
//!
//! Schemas are OpenAPI 3.0 read as JSON Schema 2020-12 (`nullable` admits `null`). One
//! operationId appears twice in the Machines document, so routes are matched by method and
//! path, never by operationId.

use jsonschema::Validator;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

pub const MACHINES_FILE: &str = "fly-machines-openapi.json";
pub const RELEASES_FILE: &str = "fly-releases-rest.yaml";

pub struct Spec {
    pub file: &'static str,
    doc: Value,
    /// Prefix of the server URL that request paths carry (`/v1` for the Machines API).
    prefix: &'static str,
    routes: Vec<Route>,
    validators: Mutex<HashMap<String, Arc<Validator>>>,
}

#[derive(Clone, Debug)]
pub struct Route {
    pub method: String,
    pub template: String,
    segments: Vec<Option<String>>,
}

impl Route {
    pub fn name(&self) -> String {
        format!("{} {}", self.method, self.template)
    }
}

/// `../shared/specs/<file>` from the repository (a worktree finds it further up).
pub fn path(file: &str) -> PathBuf {
    let relative: PathBuf = ["shared", "specs", file].iter().collect();
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .skip(1)
        .map(|dir| dir.join(&relative))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| manifest.join("..").join(&relative))
}

/// The text of a spec file, or a failure naming it.
pub fn read(file: &str) -> String {
    let path = path(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "the fake Fly API checks every call against ../shared/specs/{file}; it could not read {}: {e}",
            path.display()
        )
    })
}

fn load(file: &'static str, prefix: &'static str) -> Spec {
    let text = read(file);
    let doc: Value = if file.ends_with(".json") {
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file} is not JSON: {e}"))
    } else {
        serde_norway::from_str(&text).unwrap_or_else(|e| panic!("{file} is not YAML: {e}"))
    };
    let mut routes = Vec::new();
    for (template, ops) in doc["paths"].as_object().expect("paths") {
        for method in ops.as_object().expect("operations").keys() {
            if !["get", "post", "patch", "put", "delete"].contains(&method.as_str()) {
                continue;
            }
            routes.push(Route {
                method: method.to_uppercase(),
                template: template.clone(),
                segments: template
                    .trim_start_matches('/')
                    .split('/')
                    .map(|s| (!s.starts_with('{')).then(|| s.to_owned()))
                    .collect(),
            });
        }
    }
    Spec {
        file,
        doc,
        prefix,
        routes,
        validators: Mutex::new(HashMap::new()),
    }
}

pub fn machines() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| load(MACHINES_FILE, "/v1"))
}

pub fn releases() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| load(RELEASES_FILE, ""))
}

fn convert(schema: &Value) -> Value {
    match schema {
        Value::Array(items) => Value::Array(items.iter().map(convert).collect()),
        Value::Object(map) => {
            let mut out = Map::new();
            let nullable = map.get("nullable").and_then(Value::as_bool) == Some(true);
            for (key, value) in map {
                match key.as_str() {
                    "nullable" | "example" | "discriminator" | "deprecated" | "x-enum-varnames" => {
                    }
                    "properties" => {
                        let props = value.as_object().map(|props| {
                            props
                                .iter()
                                .map(|(name, s)| (name.clone(), convert(s)))
                                .collect::<Map<_, _>>()
                        });
                        out.insert(
                            key.clone(),
                            props.map(Value::Object).unwrap_or(value.clone()),
                        );
                    }
                    "enum" | "default" | "const" | "examples" => {
                        out.insert(key.clone(), value.clone());
                    }
                    _ => {
                        out.insert(key.clone(), convert(value));
                    }
                }
            }
            if !nullable {
                return Value::Object(out);
            }
            match out.get("type").cloned() {
                Some(Value::String(t)) => {
                    out.insert("type".to_owned(), json!([t, "null"]));
                    Value::Object(out)
                }
                _ => json!({ "anyOf": [{ "type": "null" }, Value::Object(out)] }),
            }
        }
        other => other.clone(),
    }
}

impl Spec {
    /// The operation a request path (as sent, with the server prefix) is.
    pub fn route(&self, method: &str, path: &str) -> Option<&Route> {
        let path = path.strip_prefix(self.prefix)?;
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        self.routes
            .iter()
            .filter(|r| r.method == method && r.segments.len() == parts.len())
            .filter(|r| {
                r.segments
                    .iter()
                    .zip(&parts)
                    .all(|(s, p)| s.as_deref().map_or(!p.is_empty(), |lit| lit == *p))
            })
            .max_by_key(|r| r.segments.iter().filter(|s| s.is_some()).count())
    }

    fn operation(&self, route: &Route) -> &Value {
        &self.doc["paths"][&route.template][route.method.to_lowercase()]
    }

    fn parameters(&self, route: &Route, place: &str) -> Vec<Value> {
        let resolve = |p: &Value| -> Value {
            match p["$ref"].as_str() {
                Some(r) => {
                    let name = r.rsplit('/').next().unwrap_or("");
                    self.doc["components"]["parameters"][name].clone()
                }
                None => p.clone(),
            }
        };
        self.operation(route)["parameters"]
            .as_array()
            .map(|ps| {
                ps.iter()
                    .map(resolve)
                    .filter(|p| p["in"] == place)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Problems with a request's query: undeclared parameters (but `allowed`, the real
    /// API's extras), wrong types, required ones missing.
    pub fn check_query(
        &self,
        route: &Route,
        query: &[(String, String)],
        allowed: &[&str],
    ) -> Vec<String> {
        let declared = self.parameters(route, "query");
        let mut problems = Vec::new();
        for (name, value) in query {
            if allowed.contains(&name.as_str()) {
                continue;
            }
            let Some(param) = declared.iter().find(|p| p["name"] == name.as_str()) else {
                problems.push(format!(
                    "{} ({}): query parameter `{name}` is not in the spec",
                    route.name(),
                    self.file
                ));
                continue;
            };
            let schema = &param["schema"];
            let ok = match schema["type"].as_str() {
                Some("number") | Some("integer") => value.parse::<f64>().is_ok(),
                Some("boolean") => value == "true" || value == "false",
                _ => true,
            };
            if !ok {
                problems.push(format!(
                    "{}: query `{name}={value}` does not fit {schema}",
                    route.name()
                ));
            }
        }
        for param in &declared {
            if param["required"] == true && !query.iter().any(|(n, _)| param["name"] == n.as_str())
            {
                problems.push(format!(
                    "{}: required query parameter {} missing",
                    route.name(),
                    param["name"]
                ));
            }
        }
        problems
    }

    /// Required headers the request lacks (the lease nonce on giving a lease back).
    pub fn check_headers(&self, route: &Route, present: &[String]) -> Vec<String> {
        self.parameters(route, "header")
            .iter()
            .filter(|p| p["required"] == true)
            .filter_map(|p| p["name"].as_str())
            .filter(|name| !present.iter().any(|h| h.eq_ignore_ascii_case(name)))
            .map(|name| format!("{}: required header {name} missing", route.name()))
            .collect()
    }

    fn validator(&self, key: String, schema: &Value) -> Arc<Validator> {
        if let Some(found) = self.validators.lock().unwrap().get(&key) {
            return found.clone();
        }
        let schemas: Map<String, Value> = self.doc["components"]["schemas"]
            .as_object()
            .map(|s| {
                s.iter()
                    .map(|(name, s)| (name.clone(), convert(s)))
                    .collect()
            })
            .unwrap_or_default();
        let mut root = json!({ "components": { "schemas": schemas } });
        for (k, v) in convert(schema).as_object().expect("schema object") {
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
            .insert(key, validator.clone());
        validator
    }

    /// Problems with a request body; `body_optional` where the real client sends none
    /// though the spec requires one.
    pub fn check_request(
        &self,
        route: &Route,
        body: Option<&Value>,
        body_optional: bool,
    ) -> Vec<String> {
        let op = self.operation(route);
        let schema = op["requestBody"]["content"]
            .get("application/json")
            .map(|m| &m["schema"]);
        match (schema, body) {
            (None, Some(_)) => vec![format!(
                "{}: the spec declares no request body",
                route.name()
            )],
            (None, None) => Vec::new(),
            (Some(_), None) if op["requestBody"]["required"] == true && !body_optional => {
                vec![format!("{}: the spec requires a body", route.name())]
            }
            (Some(_), None) => Vec::new(),
            (Some(schema), Some(body)) => {
                let validator = self.validator(format!("{} request", route.name()), schema);
                validator
                    .iter_errors(body)
                    .map(|e| {
                        format!(
                            "{} request ({}): {e} at {}",
                            route.name(),
                            self.file,
                            e.instance_path()
                        )
                    })
                    .collect()
            }
        }
    }

    /// Problems with a successful answer: its status listed, its body of the schema.
    pub fn check_response(&self, route: &Route, status: u16, body: Option<&Value>) -> Vec<String> {
        let responses = &self.operation(route)["responses"];
        let response = &responses[status.to_string()];
        let response = if response.is_object() {
            response
        } else {
            &responses["default"]
        };
        if !response.is_object() {
            return vec![format!(
                "{}: the spec lists no {status} answer",
                route.name()
            )];
        }
        let schema = response["content"]
            .get("application/json")
            .map(|m| &m["schema"]);
        let (Some(schema), Some(body)) = (schema, body) else {
            return Vec::new();
        };
        let validator = self.validator(format!("{} {status}", route.name()), schema);
        validator
            .iter_errors(body)
            .map(|e| format!("{} {status}: {e} at {}", route.name(), e.instance_path()))
            .collect()
    }
}
