//! What the fake Temps answers to each call, as the recorded v0.0.1 server did. Where the
//! server and its spec disagree, the server's behaviour is built, with a comment.

use super::world::{FakeState, Key, now_ms};
use serde_json::{Value, json};
use std::time::Duration;

/// One request as the handler sees it (the path after `/api`).
pub struct Request {
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub key: Option<String>,
    pub body: Option<Value>,
}

impl Request {
    fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

pub enum Answer {
    Json(u16, Value),
    /// `application/problem+json`.
    Problem(u16, Value),
    /// `text/plain; charset=utf-8`.
    Text(u16, String),
    /// The handler panics: the connection closes without an answer.
    Drop,
}

/// An answer, the operation it belongs to, and how long it is held before it goes out.
pub struct Routed {
    pub answer: Answer,
    pub op: &'static str,
    pub hold: Option<Duration>,
}

fn problem(status: u16, title: &str, detail: &str) -> Answer {
    Answer::Problem(status, json!({ "detail": detail, "title": title }))
}

fn unauthenticated() -> Answer {
    problem(
        401,
        "Authentication Required",
        "You must be authenticated to access this resource",
    )
}

/// Temps' path extractor: a segment that is not an `i32` is a plain-text 400.
fn int(value: &str, index: usize) -> Result<i32, Answer> {
    value.parse::<i32>().map_err(|_| {
        Answer::Text(
            400,
            format!(
                "Invalid URL: Cannot parse value at index {index} with value `{value}` to a `i32`"
            ),
        )
    })
}

/// A query number, defaulted; `Err(Drop)` for 0 or less (observed: the handler panics and
/// the connection closes without an answer; the spec declares plain `int64`).
fn page_param(request: &Request, name: &str, default: i64) -> Result<i64, Answer> {
    let Some(text) = request.param(name) else {
        return Ok(default);
    };
    let value = text.parse::<i64>().map_err(|e| {
        Answer::Text(
            400,
            format!("Failed to deserialize query string: {name}: {e}"),
        )
    })?;
    if value <= 0 {
        return Err(Answer::Drop);
    }
    Ok(value)
}

impl FakeState {
    fn permissions_of(&self, key: &Key) -> Vec<&'static str> {
        if key.role == "custom" {
            return key.own.clone();
        }
        self.roles
            .iter()
            .find(|(name, _)| *name == key.role)
            .map(|(_, p)| p.clone())
            .unwrap_or_default()
    }

    fn auth(&self, request: &Request, permission: Option<&str>) -> Result<Key, Answer> {
        let key = request
            .key
            .as_deref()
            .and_then(|k| self.keys.get(k))
            .cloned()
            .ok_or_else(unauthenticated)?;
        if let Some(permission) = permission
            && !self.permissions_of(&key).contains(&permission)
        {
            return Err(Answer::Problem(
                403,
                json!({
                    "detail": format!("This operation requires the {permission} permission"),
                    "instance": "",
                    "required_permission": permission,
                    "timestamp": chrono::Utc::now().to_rfc3339(),
                    "title": "Insufficient Permissions",
                    "type": "https://temps.sh/probs/insufficient-permissions",
                    "user_role": key.role,
                }),
            ));
        }
        Ok(key)
    }

    /// A deployment as Temps answers it: `is_current` from the environment's pointer.
    fn deployment_json(&self, d: &Value) -> Value {
        let mut out = d.clone();
        let env = d["environment_id"].as_i64().unwrap_or_default() as i32;
        out["is_current"] = json!(self.live(env) == d["id"].as_i64().map(|i| i as i32));
        out
    }

    fn scripted(&mut self, op: &'static str) -> Option<Answer> {
        let index = self.scripted.iter().position(|s| s.op == op)?;
        let status = self.scripted[index].status;
        if self.scripted[index].times <= 1 {
            self.scripted.remove(index);
        } else {
            self.scripted[index].times -= 1;
        }
        Some(problem(status, "Internal Server Error", "scripted failure"))
    }

    pub fn route(&mut self, request: &Request) -> Routed {
        let segments: Vec<&str> = request.path.trim_matches('/').split('/').collect();
        let method = request.method.as_str();
        let op = op_name(method, &segments);
        if let Some(answer) = self.scripted(op) {
            return self.finish(op, Ok(answer), None);
        }
        let (op, result): (&'static str, Result<Answer, Answer>) =
            match (method, segments.as_slice()) {
                ("GET", ["projects"]) => ("projects", self.list_projects(request)),
                ("GET", ["projects", id]) => ("project", self.get_project(request, id)),
                ("GET", ["projects", id, "environments"]) => {
                    ("environments", self.list_environments(request, id))
                }
                ("GET", ["projects", id, "environments", env]) => {
                    ("environment", self.get_environment(request, id, env))
                }
                ("GET", ["projects", id, "environments", env, "domains"]) => {
                    ("domains", self.environment_domains(request, id, env))
                }
                ("GET", ["projects", id, "environments", env, "containers"]) => {
                    ("containers", self.list_containers(request, id, env))
                }
                ("GET", ["projects", id, "deployments"]) => {
                    ("deployments", self.list_deployments(request, id))
                }
                ("GET", ["projects", id, "last-deployment"]) => {
                    ("last-deployment", self.last_deployment(request, id))
                }
                ("GET", ["projects", p, "deployments", d]) => {
                    ("deployment", self.get_deployment(request, p, d))
                }
                ("POST", ["projects", p, "deployments", d, "rollback"]) => {
                    let hold = self.container_rollback_time;
                    let result = self.rollback(request, p, d);
                    let slow = matches!(&result, Ok(Answer::Problem(500, _)));
                    return self.finish("rollback", result, slow.then_some(hold));
                }
                ("GET", ["projects", p, "deployments", d, "jobs"]) => {
                    ("jobs", self.list_jobs(request, p, d))
                }
                ("GET", ["projects", p, "deployments", d, "jobs", job, "logs"]) => {
                    ("logs", self.job_logs(request, p, d, job))
                }
                ("POST", ["projects", id, "trigger-pipeline"]) => {
                    ("trigger-pipeline", self.trigger_pipeline(request, id))
                }
                ("GET", ["proxy-logs", "stats", "time-buckets"]) => {
                    ("stats", self.time_buckets(request))
                }
                ("GET", ["user", "me"]) => ("me", self.me(request)),
                ("GET", ["api-keys", "permissions"]) => ("permissions", self.permissions(request)),
                _ => ("unknown", Err(Answer::Text(404, String::new()))),
            };
        self.finish(op, result, None)
    }

    fn finish(
        &mut self,
        op: &'static str,
        result: Result<Answer, Answer>,
        hold: Option<Duration>,
    ) -> Routed {
        let answer = match result {
            Ok(answer) | Err(answer) => answer,
        };
        Routed { answer, op, hold }
    }

    fn list_projects(&self, request: &Request) -> Result<Answer, Answer> {
        self.auth(request, Some("projects:read"))?;
        let page = page_param(request, "page", 1)?;
        let per_page = page_param(request, "per_page", 10)?;
        let mut all = self.projects.clone();
        all.sort_by_key(|p| -p["created_at"].as_i64().unwrap_or_default());
        let items: Vec<Value> = all
            .iter()
            .skip(((page - 1) * per_page) as usize)
            .take(per_page as usize)
            .cloned()
            .collect();
        Ok(Answer::Json(
            200,
            json!({ "projects": items, "total": all.len(), "page": page, "per_page": per_page }),
        ))
    }

    fn get_project(&self, request: &Request, id: &str) -> Result<Answer, Answer> {
        let id = int(id, 0)?;
        self.auth(request, Some("projects:read"))?;
        match self.project(id) {
            Some(p) => Ok(Answer::Json(200, p.clone())),
            None => Err(problem(
                404,
                "Project Not Found",
                &format!("The requested project could not be found: project {id} not found"),
            )),
        }
    }

    fn list_environments(&self, request: &Request, id: &str) -> Result<Answer, Answer> {
        let id = int(id, 0)?;
        self.auth(request, Some("environments:read"))?;
        if self.project(id).is_none() {
            return Err(problem(
                404,
                "Project Not Found",
                &format!("Project {id} not found"),
            ));
        }
        let list: Vec<Value> = self
            .environments
            .iter()
            .filter(|e| e["project_id"] == id)
            .cloned()
            .collect();
        // A bare array, not an envelope.
        Ok(Answer::Json(200, Value::Array(list)))
    }

    fn find_environment(&self, project: i32, env: i32) -> Result<&Value, Answer> {
        self.environment(env)
            .filter(|e| e["project_id"] == project)
            .ok_or_else(|| {
                problem(
                    404,
                    "Environment Not Found",
                    &format!("Environment {env} not found"),
                )
            })
    }

    fn get_environment(&self, request: &Request, id: &str, env: &str) -> Result<Answer, Answer> {
        let (id, env) = (int(id, 0)?, int(env, 1)?);
        self.auth(request, Some("environments:read"))?;
        Ok(Answer::Json(200, self.find_environment(id, env)?.clone()))
    }

    fn environment_domains(
        &self,
        request: &Request,
        id: &str,
        env: &str,
    ) -> Result<Answer, Answer> {
        let (id, env) = (int(id, 0)?, int(env, 1)?);
        self.auth(request, Some("environments:read"))?;
        self.find_environment(id, env)?;
        let list: Vec<Value> = self
            .env_domains
            .get(&env)
            .into_iter()
            .flatten()
            .enumerate()
            .map(|(i, domain)| {
                json!({
                    "id": i + 1, "environment_id": env, "domain": domain,
                    "created_at": now_ms(), "url": format!("https://{domain}"),
                })
            })
            .collect();
        Ok(Answer::Json(200, Value::Array(list)))
    }

    fn list_containers(&self, request: &Request, id: &str, env: &str) -> Result<Answer, Answer> {
        let (id, env) = (int(id, 0)?, int(env, 1)?);
        self.auth(request, Some("deployments:read"))?;
        if self.project(id).is_none() {
            return Err(problem(404, "Not Found", "Project not found"));
        }
        if self.is_static(id) {
            return Err(problem(
                400,
                "Bad Request",
                "Containers are only available for server-type projects",
            ));
        }
        self.find_environment(id, env)?;
        // Only the live deployment's containers are listed; strays are not.
        let list: Vec<Value> = self
            .live(env)
            .and_then(|live| self.containers.get(&live))
            .cloned()
            .unwrap_or_default();
        Ok(Answer::Json(
            200,
            json!({ "containers": list, "total": list.len() }),
        ))
    }

    fn list_deployments(&self, request: &Request, id: &str) -> Result<Answer, Answer> {
        let id = int(id, 0)?;
        self.auth(request, Some("deployments:read"))?;
        let page = page_param(request, "page", 1)?;
        let per_page = page_param(request, "per_page", 10)?;
        let env = match request.param("environment_id") {
            Some(text) => Some(text.parse::<i32>().map_err(|e| {
                Answer::Text(
                    400,
                    format!("Failed to deserialize query string: environment_id: {e}"),
                )
            })?),
            None => None,
        };
        // An unknown project lists as 200 with nothing in it (not 404, as the spec says).
        let mut all: Vec<&Value> = self
            .deployments
            .iter()
            .filter(|d| d["project_id"] == id)
            .filter(|d| env.is_none_or(|e| d["environment_id"] == e))
            .collect();
        all.sort_by_key(|d| -d["created_at"].as_i64().unwrap_or_default());
        let items: Vec<Value> = all
            .iter()
            .skip(((page - 1) * per_page) as usize)
            .take(per_page as usize)
            .map(|d| self.deployment_json(d))
            .collect();
        Ok(Answer::Json(
            200,
            json!({ "deployments": items, "total": all.len(), "page": page, "per_page": per_page }),
        ))
    }

    fn last_deployment(&self, request: &Request, id: &str) -> Result<Answer, Answer> {
        let id = int(id, 0)?;
        self.auth(request, Some("deployments:read"))?;
        // The newest, whatever its status: not what is live.
        let newest = self
            .deployments
            .iter()
            .filter(|d| d["project_id"] == id)
            .max_by_key(|d| d["created_at"].as_i64().unwrap_or_default());
        match newest {
            Some(d) => Ok(Answer::Json(200, self.deployment_json(d))),
            None => Err(problem(404, "Deployment Not Found", "No deployments found")),
        }
    }

    fn get_deployment(&self, request: &Request, p: &str, d: &str) -> Result<Answer, Answer> {
        let (p, d) = (int(p, 0)?, int(d, 1)?);
        self.auth(request, Some("deployments:read"))?;
        match self.deployment(d).filter(|x| x["project_id"] == p) {
            Some(found) => Ok(Answer::Json(200, self.deployment_json(found))),
            None => Err(problem(
                404,
                "Deployment Not Found",
                &format!("deployment {d} for project {p} not found"),
            )),
        }
    }

    /// Synchronous. Static: repoints the environment. Container (v0.0.1): starts the old
    /// image, then fails to queue the job that would point the environment at it: 500 with
    /// the pointer unchanged and a container left running.
    fn rollback(&mut self, request: &Request, p: &str, d: &str) -> Result<Answer, Answer> {
        let (p, d) = (int(p, 0)?, int(d, 1)?);
        self.auth(request, Some("deployments:create"))?;
        let target = self
            .deployment(d)
            .filter(|x| x["project_id"] == p)
            .cloned()
            .ok_or_else(|| problem(404, "Deployment Not Found", "Target deployment not found"))?;
        let state = target["status"].as_str().unwrap_or_default().to_owned();
        if state != "deployed" && state != "completed" {
            return Err(problem(
                400,
                "Invalid Deployment State",
                &format!(
                    "Cannot rollback to deployment in '{state}' state. Only deployed or completed deployments can be rolled back to."
                ),
            ));
        }
        let env = target["environment_id"].as_i64().unwrap() as i32;
        self.performed += 1;
        if !self.is_static(p) {
            // The old image runs again; the live deployment's container stops when the
            // target is the live one itself (observed: the app then answered 503).
            if self.live(env) == Some(d) {
                self.containers.remove(&d);
            }
            self.stray_containers.push(d);
            return Ok(problem(
                500,
                "Internal Server Error",
                "Failed to create mark complete job: Job validation failed: queue is required",
            ));
        }
        self.set_live(env, d);
        let mut answer = self.deployment_json(&target);
        answer["is_current"] = json!(true);
        // The answer's environment is a placeholder: re-read it.
        answer["environment"] =
            json!({ "id": env, "name": "Environment", "slug": "environment", "domains": [] });
        Ok(Answer::Json(200, answer))
    }

    fn list_jobs(&self, request: &Request, p: &str, d: &str) -> Result<Answer, Answer> {
        let (_p, d) = (int(p, 0)?, int(d, 1)?);
        self.auth(request, Some("deployments:read"))?;
        // The project segment is ignored; an unknown deployment has no jobs.
        let jobs = self.jobs.get(&d).cloned().unwrap_or_default();
        Ok(Answer::Json(
            200,
            json!({ "jobs": jobs, "total": jobs.len() }),
        ))
    }

    fn job_logs(&self, request: &Request, p: &str, d: &str, job: &str) -> Result<Answer, Answer> {
        let (_p, d) = (int(p, 0)?, int(d, 1)?);
        self.auth(request, Some("deployments:read"))?;
        let exists = self
            .jobs
            .get(&d)
            .is_some_and(|jobs| jobs.iter().any(|j| j["job_id"] == job));
        if !exists {
            return Err(Answer::Problem(404, json!({ "detail": "Job not found" })));
        }
        let text: String = self
            .logs
            .get(&(d, job.to_owned()))
            .into_iter()
            .flatten()
            .map(|line| format!("{line}\n"))
            .collect();
        Ok(Answer::Text(200, text))
    }

    fn trigger_pipeline(&mut self, request: &Request, id: &str) -> Result<Answer, Answer> {
        let id = int(id, 0)?;
        self.auth(request, Some("projects:write"))?;
        let project = self
            .project(id)
            .cloned()
            .ok_or_else(|| problem(404, "Not Found", "Project not found"))?;
        let body = request.body.clone().unwrap_or(Value::Null);
        let Some(env) = body["environment_id"].as_i64().map(|e| e as i32) else {
            return Err(problem(
                400,
                "Bad Request",
                "No environment specified and project has no preview template environment configured",
            ));
        };
        if self.environment(env).is_none_or(|e| e["project_id"] != id) {
            return Err(problem(
                404,
                "Not Found",
                "Environment not found or doesn't belong to project",
            ));
        }
        let branch = body["branch"]
            .as_str()
            .or(project["main_branch"].as_str())
            .unwrap_or("main")
            .to_owned();
        let commit = body["commit"].as_str().unwrap_or("HEAD").to_owned();
        let tag = body["tag"].as_str().map(str::to_owned);
        self.start_pipeline(env, &branch, &commit, tag.as_deref());
        Ok(Answer::Json(
            200,
            json!({
                "message": "Pipeline triggered successfully",
                "project_id": id, "environment_id": env,
                "branch": branch, "tag": tag, "commit": commit,
            }),
        ))
    }

    /// No authentication is checked here (observed). `error_count` counts every status
    /// from 400; buckets are gap-filled and aligned to the interval.
    fn time_buckets(&self, request: &Request) -> Result<Answer, Answer> {
        let time = |name: &str| -> Result<chrono::DateTime<chrono::Utc>, Answer> {
            let text = request.param(name).ok_or_else(|| {
                Answer::Text(
                    400,
                    format!("Failed to deserialize query string: missing field `{name}`"),
                )
            })?;
            chrono::DateTime::parse_from_rfc3339(text)
                .map(|t| t.with_timezone(&chrono::Utc))
                .map_err(|_| {
                    Answer::Text(400, format!("Failed to deserialize query string: {name}: input contains invalid characters"))
                })
        };
        let (start, end) = (time("start_time")?, time("end_time")?);
        let interval = request
            .param("bucket_interval")
            .unwrap_or("1 hour")
            .to_owned();
        let Some(step) = interval_secs(&interval) else {
            return Err(Answer::Text(
                400,
                format!("Invalid filter parameters: Invalid bucket interval: {interval}"),
            ));
        };
        let filter = |name: &str| request.param(name).and_then(|v| v.parse::<i64>().ok());
        let (project, env, deployment, status) = (
            filter("project_id"),
            filter("environment_id"),
            filter("deployment_id"),
            filter("status_code"),
        );
        let rows: Vec<_> = self
            .proxy_rows
            .iter()
            .filter(|r| r.at >= start && r.at < end)
            .filter(|r| project.is_none_or(|p| i64::from(r.project_id) == p))
            .filter(|r| env.is_none_or(|e| i64::from(r.environment_id) == e))
            .filter(|r| deployment.is_none_or(|d| i64::from(r.deployment_id) == d))
            .filter(|r| status.is_none_or(|s| i64::from(r.status) == s))
            .collect();
        let first = start.timestamp().div_euclid(step) * step;
        let mut stats = Vec::new();
        let mut at = first;
        while at < end.timestamp() {
            let in_bucket: Vec<_> = rows
                .iter()
                .filter(|r| r.at.timestamp() >= at && r.at.timestamp() < at + step)
                .collect();
            let bucket = chrono::DateTime::from_timestamp(at, 0).unwrap();
            stats.push(json!({
                "bucket": bucket.to_rfc3339(),
                "request_count": in_bucket.len(),
                // Observed: always 0.
                "avg_response_time_ms": 0.0,
                "error_count": in_bucket.iter().filter(|r| r.status >= 400).count(),
                "total_request_bytes": 0,
                "total_response_bytes": 0,
            }));
            at += step;
        }
        Ok(Answer::Json(
            200,
            json!({
                "stats": stats,
                "start_time": start.to_rfc3339(),
                "end_time": end.to_rfc3339(),
                "bucket_interval": interval,
            }),
        ))
    }

    /// The server sends `role`, which the spec's `UserResponse` does not declare.
    fn me(&self, request: &Request) -> Result<Answer, Answer> {
        let key = self.auth(request, None)?;
        Ok(Answer::Json(
            200,
            json!({
                "id": 1, "username": key.user, "name": key.user,
                "email": format!("{}@example.com", key.user),
                "avatar_url": format!("https://ui-avatars.com/api/?name={}&background=random", key.user),
                "mfa_enabled": false, "role": key.role,
            }),
        ))
    }

    fn permissions(&self, request: &Request) -> Result<Answer, Answer> {
        self.auth(request, None)?;
        let mut names: Vec<&str> = self
            .roles
            .iter()
            .flat_map(|(_, p)| p.iter().copied())
            .collect();
        names.sort_unstable();
        names.dedup();
        Ok(Answer::Json(
            200,
            json!({
                "permissions": names.iter().map(|n| json!({
                    "name": n, "description": "Permission for this resource",
                    "category": n.split(':').next().unwrap_or("").to_uppercase(),
                })).collect::<Vec<_>>(),
                "roles": self.roles.iter().map(|(name, p)| json!({
                    "name": name, "description": format!("the {name} role"), "permissions": p,
                })).collect::<Vec<_>>(),
            }),
        ))
    }
}

/// The name scripted failures and late answers use for a call.
fn op_name(method: &str, segments: &[&str]) -> &'static str {
    match (method, segments) {
        ("GET", ["projects"]) => "projects",
        ("GET", ["projects", _]) => "project",
        ("GET", ["projects", _, "environments"]) => "environments",
        ("GET", ["projects", _, "environments", _]) => "environment",
        ("GET", ["projects", _, "environments", _, "domains"]) => "domains",
        ("GET", ["projects", _, "environments", _, "containers"]) => "containers",
        ("GET", ["projects", _, "deployments"]) => "deployments",
        ("GET", ["projects", _, "last-deployment"]) => "last-deployment",
        ("GET", ["projects", _, "deployments", _]) => "deployment",
        ("POST", ["projects", _, "deployments", _, "rollback"]) => "rollback",
        ("GET", ["projects", _, "deployments", _, "jobs"]) => "jobs",
        ("GET", ["projects", _, "deployments", _, "jobs", _, "logs"]) => "logs",
        ("POST", ["projects", _, "trigger-pipeline"]) => "trigger-pipeline",
        ("GET", ["proxy-logs", "stats", "time-buckets"]) => "stats",
        ("GET", ["user", "me"]) => "me",
        ("GET", ["api-keys", "permissions"]) => "permissions",
        _ => "unknown",
    }
}

/// `5 minutes` → 300; what PostgreSQL intervals Temps accepts, roughly.
fn interval_secs(text: &str) -> Option<i64> {
    let (number, unit) = text.trim().split_once(' ')?;
    let n: i64 = number.parse().ok().filter(|n| *n > 0)?;
    let unit = unit.trim().trim_end_matches('s');
    let secs = match unit {
        "second" => 1,
        "minute" => 60,
        "hour" => 3600,
        "day" => 86_400,
        "week" => 604_800,
        _ => return None,
    };
    Some(n * secs)
}
