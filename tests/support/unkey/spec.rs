//! Unkey's OpenAPI document, read at run time from `../shared/specs` beside the repository,
//! and JSON Schema validators for the request and response bodies of its operations.

use jsonschema::Validator;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

pub struct Spec {
    doc: Value,
    validators: Mutex<HashMap<String, Arc<Validator>>>,
}

pub fn spec() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| {
        // `shared/` sits beside the repository; a worktree nested one level deeper finds it
        // further up.
        let relative = ["shared", "specs", "unkey-openapi.yaml"]
            .iter()
            .collect::<PathBuf>();
        let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let path = manifest
            .ancestors()
            .skip(1)
            .map(|dir| dir.join(&relative))
            .find(|candidate| candidate.is_file())
            .unwrap_or_else(|| manifest.join("..").join(&relative));
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("read the Unkey spec at {}: {e}", path.display()));
        let mut doc: Value = serde_norway::from_str(&text).expect("the Unkey spec is YAML");
        open_bad_request_details(&mut doc);
        Spec {
            doc,
            validators: Mutex::new(HashMap::new()),
        }
    })
}

impl Spec {
    fn operation(&self, op: &str) -> &Value {
        let found = &self.doc["paths"][format!("/v2/{op}")]["post"];
        assert!(found.is_object(), "the spec has no POST /v2/{op}");
        found
    }

    /// The statuses the spec lists for an operation, e.g. `["200", "400", …]`.
    pub fn statuses(&self, op: &str) -> Vec<u16> {
        self.operation(op)["responses"]
            .as_object()
            .expect("responses")
            .keys()
            .map(|k| k.parse().expect("numeric status"))
            .collect()
    }

    fn body_schema<'a>(&self, content: &'a Value) -> &'a Value {
        content
            .as_object()
            .and_then(|c| c.values().next())
            .map(|media| &media["schema"])
            .expect("a body schema")
    }

    fn validator(&self, key: String, schema: &Value) -> Arc<Validator> {
        if let Some(found) = self.validators.lock().unwrap().get(&key) {
            return found.clone();
        }
        // The operation's schema at the root, the spec's components beside it, so every
        // `$ref: '#/components/…'` resolves inside this one document.
        let mut root = json!({ "components": self.doc["components"].clone() });
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
            .insert(key, validator.clone());
        validator
    }

    /// Errors of `body` against the operation's request schema.
    pub fn check_request(&self, op: &str, body: &Value) -> Vec<String> {
        let schema = self.body_schema(&self.operation(op)["requestBody"]["content"]);
        let validator = self.validator(format!("{op} request"), schema);
        validator
            .iter_errors(body)
            .map(|e| format!("{op} request: {e} at {}", e.instance_path()))
            .collect()
    }

    /// Errors of a response: a status the spec does not list for the operation is one.
    pub fn check_response(&self, op: &str, status: u16, body: &Value) -> Vec<String> {
        let response = &self.operation(op)["responses"][status.to_string()];
        if !response.is_object() {
            return vec![format!("{op}: the spec lists no {status} answer")];
        }
        let schema = self.body_schema(&response["content"]);
        let validator = self.validator(format!("{op} {status}"), schema);
        validator
            .iter_errors(body)
            .map(|e| format!("{op} {status}: {e} at {}", e.instance_path()))
            .collect()
    }

    /// The first example of a response, when the spec has one.
    pub fn example(&self, op: &str, status: u16) -> Option<Value> {
        let response = &self.operation(op)["responses"][status.to_string()];
        let media = response["content"].as_object()?.values().next()?;
        media["examples"]
            .as_object()?
            .values()
            .next()
            .map(|e| e["value"].clone())
    }

    /// The first item of a list example's `data`, or a single example's `data`.
    pub fn example_item(&self, op: &str) -> Option<Value> {
        let data = self.example(op, 200)?["data"].clone();
        match data {
            Value::Array(items) => items.into_iter().next(),
            other => Some(other),
        }
    }
}

/// `BadRequestErrorDetails` is `allOf: [BaseError, {required: [errors]}]`, and `BaseError`
/// says `additionalProperties: false`: read literally, no body satisfies it. Unkey's own
/// 400 answers carry `errors`, so the first branch is opened to allow it (in the loaded
/// copy only), keeping every other constraint.
fn open_bad_request_details(doc: &mut Value) {
    let schemas = &mut doc["components"]["schemas"];
    let mut base = schemas["BaseError"].clone();
    if let Some(base) = base.as_object_mut() {
        base.remove("additionalProperties");
    }
    let first = &mut schemas["BadRequestErrorDetails"]["allOf"][0];
    if first.get("$ref").and_then(Value::as_str) == Some("#/components/schemas/BaseError") {
        *first = base;
    }
}
