//! What the fake Unkey does for each call: the in-memory model behind the routes.

use super::fake::{
    Access, FakeApp, FakeDeployment, FakeEnv, FakeProject, FakeState, Pending, error_body, meta,
};
use super::spec::spec;
use serde_json::{Value, json};

fn str_field<'a>(body: &'a Value, name: &str) -> &'a str {
    body[name].as_str().unwrap_or("")
}

fn not_found(op: &str, what: &str) -> (u16, Value) {
    (
        404,
        error_body(
            op,
            404,
            &format!("The requested {what} does not exist."),
            None,
        ),
    )
}

fn precondition(op: &str, code: &str) -> (u16, Value) {
    (
        412,
        error_body(op, 412, &format!("precondition {code}"), Some(code)),
    )
}

/// One page from `items`: the cursor is the index of the next item, opaque to the client.
fn page(items: Vec<Value>, body: &Value) -> (Vec<Value>, Value) {
    let limit = body["limit"].as_u64().unwrap_or(100) as usize;
    let start = body["cursor"]
        .as_str()
        .and_then(|c| c.strip_prefix("cur_"))
        .and_then(|c| c.parse::<usize>().ok())
        .unwrap_or(0);
    let end = (start + limit).min(items.len());
    let slice = items
        .get(start..end)
        .map(<[Value]>::to_vec)
        .unwrap_or_default();
    let pagination = if end < items.len() {
        json!({ "hasMore": true, "cursor": format!("cur_{end}") })
    } else {
        json!({ "hasMore": false })
    };
    (slice, pagination)
}

impl FakeState {
    fn project(&self, ident: &str) -> Option<&FakeProject> {
        self.projects
            .iter()
            .find(|p| p.id == ident || p.slug == ident)
    }

    fn app(&self, project: &str, ident: &str) -> Option<FakeApp> {
        let project = self.project(project)?;
        self.apps
            .iter()
            .find(|a| a.project_id == project.id && (a.id == ident || a.slug == ident))
            .cloned()
    }

    fn app_by_id(&self, id: &str) -> &FakeApp {
        self.apps.iter().find(|a| a.id == id).expect("app")
    }

    fn env_of(&self, d: &FakeDeployment) -> &FakeEnv {
        self.envs
            .iter()
            .find(|e| e.app_id == d.app_id && e.slug == d.env_slug)
            .expect("environment of deployment")
    }

    fn app_json(&self, app: &FakeApp) -> Value {
        let mut v = spec().example_item("apps.getApp").expect("getApp example");
        v["id"] = json!(app.id);
        v["slug"] = json!(app.slug);
        v["name"] = json!(app.slug.to_uppercase());
        v["isRolledBack"] = json!(app.rolled_back);
        // The spec's example puts `defaultBranch` at the top, where the App schema does not
        // allow it; the schema keeps it under `git`.
        if let Some(branch) = v.as_object_mut().unwrap().remove("defaultBranch") {
            v["git"] = json!({ "repository": "acme/shop", "defaultBranch": branch });
        }
        match &app.current {
            Some(id) => v["currentDeploymentId"] = json!(id),
            None => {
                v.as_object_mut().unwrap().remove("currentDeploymentId");
            }
        }
        v
    }

    fn available_actions(&self, d: &FakeDeployment) -> Vec<&'static str> {
        let env = self.env_of(d);
        let app = self.app_by_id(&d.app_id);
        let current = app.current.as_deref() == Some(d.id.as_str());
        if env.kind != "production" {
            return match d.status {
                "ready" => vec!["stop"],
                "stopped" => vec!["start"],
                _ => vec![],
            };
        }
        if d.status != "ready" || app.current.is_none() {
            return vec![];
        }
        let mut out = Vec::new();
        if !current || app.rolled_back {
            out.push("promote");
        }
        if !current {
            out.push("rollback");
        }
        out
    }

    fn deployment_json(&self, d: &FakeDeployment) -> Value {
        // The spec's example lacks required fields; the rest is filled in here.
        let mut v = spec()
            .example_item("deployments.getDeployment")
            .expect("getDeployment example");
        let app = self.app_by_id(&d.app_id);
        let project = self
            .projects
            .iter()
            .find(|p| p.id == app.project_id)
            .expect("project");
        v["id"] = json!(d.id);
        v["status"] = json!(d.status);
        v["isCurrent"] = json!(
            app.current.as_deref() == Some(d.id.as_str()) && self.env_of(d).kind == "production"
        );
        v["environment"] = json!(d.env_slug);
        v["app"] = json!(app.slug);
        v["project"] = json!(project.slug);
        v["availableActions"] = json!(self.available_actions(d));
        v["regions"] = json!(["us-east-1"]);
        v["domains"] = json!(d.domains);
        v["createdAt"] = json!(d.created_at);
        v["runtime"]["memoryMib"] = json!(d.memory_mib);
        if let Some(sha) = &d.sha {
            v["git"] = json!({ "commitSha": sha, "branch": "main" });
        }
        if let Some(image) = &d.image {
            v["docker"] = json!({ "image": image });
        }
        if d.status == "failed" {
            v["error"] =
                json!({ "code": "build_failed", "step": "building", "message": "exit status 1" });
        }
        v
    }

    fn apply_switch(&mut self, app_id: &str, target: &str, rollback: bool) {
        let app = self.apps.iter_mut().find(|a| a.id == app_id).expect("app");
        app.current = Some(target.to_owned());
        app.rolled_back = rollback;
    }

    /// Called on each getApp: a pending switch lands after a few looks.
    fn tick(&mut self, app_id: &str) {
        let (due, waiting): (Vec<Pending>, Vec<Pending>) = std::mem::take(&mut self.pending)
            .into_iter()
            .partition(|p| p.app_id == app_id && p.polls_left == 0);
        self.pending = waiting;
        for pending in self.pending.iter_mut().filter(|p| p.app_id == app_id) {
            pending.polls_left -= 1;
        }
        for p in due {
            self.apply_switch(&p.app_id, &p.target, p.rollback);
        }
    }

    fn new_id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("{prefix}_new{:04}", self.next_id)
    }
}

pub fn dispatch(op: &str, body: &Value, access: Access, s: &mut FakeState) -> (u16, Value) {
    match op {
        "projects.listProjects" => {
            let template = spec().example_item(op).expect("listProjects example");
            let items = s
                .projects
                .iter()
                .map(|p| {
                    let mut v = template.clone();
                    v["id"] = json!(p.id);
                    v["slug"] = json!(p.slug);
                    v["name"] = json!(p.name);
                    v
                })
                .collect();
            let (data, pagination) = page(items, body);
            (
                200,
                json!({ "meta": meta(), "data": data, "pagination": pagination }),
            )
        }
        "apps.listApps" => {
            let Some(project) = s.project(str_field(body, "project")).cloned() else {
                return not_found(op, "project");
            };
            let items = s
                .apps
                .iter()
                .filter(|a| a.project_id == project.id)
                .map(|a| s.app_json(a))
                .collect();
            let (data, mut pagination) = page(items, body);
            if s.endless_apps {
                let n = s.requests.len();
                pagination = json!({ "hasMore": true, "cursor": format!("more_{n}") });
            }
            (
                200,
                json!({ "meta": meta(), "data": data, "pagination": pagination }),
            )
        }
        "apps.getApp" => {
            let Some(app) = s.app(str_field(body, "project"), str_field(body, "app")) else {
                return not_found(op, "app");
            };
            s.tick(&app.id);
            let app = s.app_by_id(&app.id).clone();
            (200, json!({ "meta": meta(), "data": s.app_json(&app) }))
        }
        "environments.listEnvironments" => {
            let Some(app) = s.app(str_field(body, "project"), str_field(body, "app")) else {
                return not_found(op, "app");
            };
            let template = spec().example_item(op).expect("listEnvironments example");
            let data: Vec<Value> = s
                .envs
                .iter()
                .filter(|e| e.app_id == app.id)
                .map(|e| {
                    let mut v = template.clone();
                    v["id"] = json!(e.id);
                    v["slug"] = json!(e.slug);
                    v["kind"] = json!(e.kind);
                    v["description"] = json!(format!("{} environment", e.slug));
                    v
                })
                .collect();
            (200, json!({ "meta": meta(), "data": data }))
        }
        "deployments.listDeployments" => {
            let Some(app) = s.app(str_field(body, "project"), str_field(body, "app")) else {
                return not_found(op, "app");
            };
            let env = str_field(body, "environment");
            let items = s
                .deployments
                .iter()
                .rev()
                .filter(|d| d.app_id == app.id && d.env_slug == env)
                .map(|d| s.deployment_json(d))
                .collect();
            let (data, pagination) = page(items, body);
            (
                200,
                json!({ "meta": meta(), "data": data, "pagination": pagination }),
            )
        }
        "deployments.getDeployment" => {
            let id = str_field(body, "deploymentId");
            let Some(index) = s.deployments.iter().position(|d| d.id == id) else {
                return not_found(op, "deployment");
            };
            let d = &mut s.deployments[index];
            if d.status == "building" {
                if d.builds_for == 0 && s.builds_fail {
                    d.status = "failed";
                } else if d.builds_for == 0 {
                    d.status = "ready";
                    let (app_id, id) = (d.app_id.clone(), d.id.clone());
                    let app = s.app_by_id(&app_id);
                    let production = s.env_of(&s.deployments[index]).kind == "production";
                    if production && !app.rolled_back {
                        s.apply_switch(&app_id, &id, false);
                    }
                } else {
                    d.builds_for -= 1;
                }
            }
            let d = s.deployments[index].clone();
            (
                200,
                json!({ "meta": meta(), "data": s.deployment_json(&d) }),
            )
        }
        "deployments.rollbackDeployment" | "deployments.promoteDeployment" => {
            let rollback = op == "deployments.rollbackDeployment";
            let id = str_field(body, "deploymentId");
            let Some(d) = s.deployments.iter().find(|d| d.id == id).cloned() else {
                return not_found(op, "deployment");
            };
            // Unkey answers 404 for a missing permission too.
            if access == Access::ReadOnly {
                return not_found(op, "deployment");
            }
            let app = s.app_by_id(&d.app_id).clone();
            if s.env_of(&d).kind != "production" {
                return precondition(op, "deployment_not_production");
            }
            if d.status != "ready" {
                return precondition(op, "deployment_not_ready");
            }
            let Some(current) = app.current.clone() else {
                return precondition(op, "deployment_no_current");
            };
            if current == d.id && (rollback || !app.rolled_back) {
                return precondition(op, "deployment_is_current");
            }
            let polls_left = s.switch_after_polls;
            s.performed += 1;
            if polls_left == 0 {
                s.apply_switch(&app.id, &d.id, rollback);
                return (202, spec().example(op, 202).expect("202 example"));
            }
            s.pending.push(Pending {
                app_id: app.id.clone(),
                target: d.id.clone(),
                rollback,
                polls_left,
            });
            (202, spec().example(op, 202).expect("202 example"))
        }
        "deployments.createDeployment" => {
            if access == Access::ReadOnly {
                let detail =
                    "Your root key requires the 'environment.*.create_deployment' permission";
                return (403, error_body(op, 403, detail, None));
            }
            let Some(app) = s.app(str_field(body, "project"), str_field(body, "app")) else {
                return not_found(op, "app");
            };
            let source = body["deployment"]["deploymentId"].as_str().unwrap_or("");
            let Some(source) = s.deployments.iter().find(|d| d.id == source).cloned() else {
                return not_found(op, "deployment");
            };
            let id = s.new_id("d");
            s.performed += 1;
            let created_at = s
                .deployments
                .iter()
                .map(|d| d.created_at)
                .max()
                .unwrap_or(0)
                + 1000;
            s.deployments.push(FakeDeployment {
                id: id.clone(),
                app_id: app.id.clone(),
                env_slug: str_field(body, "environment").to_owned(),
                status: "building",
                created_at,
                domains: Vec::new(),
                builds_for: 2,
                ..source
            });
            (
                201,
                json!({ "meta": meta(), "data": { "deploymentId": id } }),
            )
        }
        "domains.listDomains" => {
            let Some(app) = s.app(str_field(body, "project"), str_field(body, "app")) else {
                return not_found(op, "app");
            };
            let env_slug = str_field(body, "environment");
            let Some(env) = s
                .envs
                .iter()
                .find(|e| e.app_id == app.id && e.slug == env_slug)
                .cloned()
            else {
                return not_found(op, "environment");
            };
            let template = spec().example_item(op).expect("listDomains example");
            let items = s
                .custom_domains
                .iter()
                .filter(|(e, _, _)| *e == env.id)
                .enumerate()
                .map(|(i, (_, host, status))| {
                    let mut v = template.clone();
                    v["id"] = json!(format!("dom_{i:04}"));
                    v["domain"] = json!(host);
                    v["projectId"] = json!(app.project_id);
                    v["appId"] = json!(app.id);
                    v["environmentId"] = json!(env.id);
                    v["status"] = json!(status);
                    v.as_object_mut().unwrap().remove("verificationError");
                    v
                })
                .collect();
            let (data, pagination) = page(items, body);
            (
                200,
                json!({ "meta": meta(), "data": data, "pagination": pagination }),
            )
        }
        "analytics.getGatewayRequests" => {
            let query = str_field(body, "query").to_owned();
            let lowered = query.to_lowercase();
            if !lowered.trim_start().starts_with("select")
                || lowered.contains("select *")
                || !lowered.contains("from gateway_requests_v1")
            {
                return (
                    400,
                    error_body(
                        op,
                        400,
                        "Only SELECT queries on gateway_requests_v1 are allowed.",
                        None,
                    ),
                );
            }
            s.queries.push(query);
            (
                200,
                json!({ "meta": meta(), "data": s.analytics_rows.clone() }),
            )
        }
        other => (404, json!({ "unexpected": other })),
    }
}
