//! Vercel's OpenAPI document (trimmed to the calls a rollback console makes), read at run
//! time from `../shared/specs/vercel-openapi.json`, and the checks the fake runs with it:
//! which operation a request is, its query parameters, its body, and every answer.
//!
//! The document is OpenAPI 3.0; its schemas are read as JSON Schema 2020-12 with two
//! readings Vercel's real answers force (`platforms.md` §9): `nullable` admits `null` (also
//! in enums, where the API sends `null` for `target`), and `oneOf` is "at least one
//! matches", since several alternatives overlap.

use jsonschema::Validator;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

pub const FILE: &str = "vercel-openapi.json";

pub struct Spec {
    doc: Value,
    routes: Vec<Route>,
    validators: Mutex<HashMap<String, Arc<Validator>>>,
}

/// One operation: its method and path template (`GET /v9/projects/{idOrName}`).
#[derive(Clone, Debug)]
pub struct Route {
    pub method: String,
    pub template: String,
    segments: Vec<Option<String>>,
}

impl Route {
    /// `GET /v9/projects/{idOrName}`: the name tests and scripts use for an operation.
    pub fn name(&self) -> String {
        format!("{} {}", self.method, self.template)
    }
}

/// Where the spec is: `shared/specs` beside the repository (a worktree nested one level
/// deeper finds it further up). Missing, the test fails naming the file.
fn path() -> PathBuf {
    let relative: PathBuf = ["shared", "specs", FILE].iter().collect();
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .skip(1)
        .map(|dir| dir.join(&relative))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| manifest.join("..").join(&relative))
}

pub fn spec() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| {
        let path = path();
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "the fake Vercel checks every call against ../shared/specs/{FILE}; it could not read {}: {e}",
                path.display()
            )
        });
        let doc: Value = serde_json::from_str(&text).expect("the Vercel spec is JSON");
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
            doc,
            routes,
            validators: Mutex::new(HashMap::new()),
        }
    })
}

/// OpenAPI 3.0 → JSON Schema 2020-12, as described above.
fn convert(schema: &Value) -> Value {
    match schema {
        Value::Array(items) => Value::Array(items.iter().map(convert).collect()),
        Value::Object(map) => {
            let mut out = Map::new();
            let nullable = map.get("nullable").and_then(Value::as_bool) == Some(true);
            for (key, value) in map {
                match key.as_str() {
                    "nullable" | "example" | "discriminator" | "deprecated" => {}
                    "oneOf" => {
                        out.insert("anyOf".to_owned(), convert(value));
                    }
                    // Property names are names, not keywords; values are schemas.
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
                    // Literal values stay as they are.
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
            if let Some(Value::Array(values)) = out.get_mut("enum")
                && !values.contains(&Value::Null)
            {
                values.push(Value::Null);
            }
            match out.get("type").cloned() {
                Some(Value::String(t)) => {
                    out.insert("type".to_owned(), json!([t, "null"]));
                    Value::Object(out)
                }
                Some(_) => Value::Object(out),
                None => json!({ "anyOf": [{ "type": "null" }, Value::Object(out)] }),
            }
        }
        other => other.clone(),
    }
}

impl Spec {
    /// The operation a request is, the template with most literal segments winning.
    pub fn route(&self, method: &str, path: &str) -> Option<&Route> {
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

    /// Problems with a request's query: a parameter the operation does not declare, a value
    /// of the wrong type, a required one missing.
    pub fn check_query(&self, route: &Route, query: &[(String, String)]) -> Vec<String> {
        let op = self.operation(route);
        let declared: Vec<&Value> = op["parameters"]
            .as_array()
            .map(|p| p.iter().filter(|p| p["in"] == "query").collect())
            .unwrap_or_default();
        let mut problems = Vec::new();
        for (name, value) in query {
            let Some(param) = declared.iter().find(|p| p["name"] == name.as_str()) else {
                problems.push(format!(
                    "{}: query parameter `{name}` is not in the spec",
                    route.name()
                ));
                continue;
            };
            let schema = &param["schema"];
            let ok = match schema["type"].as_str() {
                Some("number") | Some("integer") => value
                    .parse::<f64>()
                    .is_ok_and(|n| schema["maximum"].as_f64().is_none_or(|max| n <= max)),
                Some("boolean") => value == "true" || value == "false",
                _ => schema["enum"]
                    .as_array()
                    .is_none_or(|e| e.iter().any(|v| v.as_str() == Some(value.as_str()))),
            };
            if !ok {
                problems.push(format!(
                    "{}: query parameter `{name}={value}` does not fit its schema {schema}",
                    route.name()
                ));
            }
        }
        for param in &declared {
            if param["required"] == true && !query.iter().any(|(n, _)| param["name"] == n.as_str())
            {
                problems.push(format!(
                    "{}: required query parameter {} is missing",
                    route.name(),
                    param["name"]
                ));
            }
        }
        problems
    }

    fn validator(&self, key: String, schema: &Value) -> Arc<Validator> {
        if let Some(found) = self.validators.lock().unwrap().get(&key) {
            return found.clone();
        }
        // The schema at the root, the spec's components beside it, so every
        // `$ref: '#/components/…'` resolves inside this one document.
        let schemas: Map<String, Value> = self.doc["components"]["schemas"]
            .as_object()
            .expect("component schemas")
            .iter()
            .map(|(name, s)| (name.clone(), convert(s)))
            .collect();
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

    fn json_schema<'a>(&self, content: &'a Value) -> Option<&'a Value> {
        content.get("application/json").map(|m| &m["schema"])
    }

    /// Problems with a request's body against the operation's request schema.
    pub fn check_request(&self, route: &Route, body: Option<&Value>) -> Vec<String> {
        let op = self.operation(route);
        let Some(schema) = self.json_schema(&op["requestBody"]["content"]) else {
            return match body {
                Some(_) => vec![format!(
                    "{}: the spec declares no request body",
                    route.name()
                )],
                None => Vec::new(),
            };
        };
        let Some(body) = body else {
            return Vec::new();
        };
        let validator = self.validator(format!("{} request", route.name()), schema);
        validator
            .iter_errors(body)
            .map(|e| format!("{} request: {e} at {}", route.name(), e.instance_path()))
            .collect()
    }

    /// Problems with an answer: a status the spec does not list for the operation is one;
    /// a JSON body is checked against the schema for its status.
    pub fn check_response(&self, route: &Route, status: u16, body: Option<&Value>) -> Vec<String> {
        let response = &self.operation(route)["responses"][status.to_string()];
        if !response.is_object() {
            return vec![format!(
                "{}: the spec lists no {status} answer",
                route.name()
            )];
        }
        let (Some(schema), Some(body)) = (self.json_schema(&response["content"]), body) else {
            return Vec::new();
        };
        let validator = self.validator(format!("{} {status}", route.name()), schema);
        validator
            .iter_errors(body)
            .map(|e| format!("{} {status}: {e} at {}", route.name(), e.instance_path()))
            .collect()
    }
}
