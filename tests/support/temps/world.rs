//! The fake's world: what the recorded server held before anything was rolled back
//! (project 1 `switchback-demo`, a container project with deployments 1–4 completed, 4
//! live, and 5 failed; project 2 `switchback-static`, a static site with deployments 6–9
//! completed, 9 live), its keys and roles, and what the fake counts.

use super::transcript::body;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::Duration;

/// An admin key (role `admin`: may do everything).
pub const ADMIN_KEY: &str = "tk_fake_admin_0001";
/// A reader key (role `reader`: may look).
pub const READER_KEY: &str = "tk_fake_reader_0002";
/// A key with its own permissions (role `custom`), without `deployments:create`.
pub const CUSTOM_KEY: &str = "tk_fake_custom_0003";
/// A secret placed in every job's `job_config`, as Temps keeps deployment tokens there: it
/// must never reach a screen, a log or an export.
pub const CANARY: &str = "dt_canary_5e1f0c2b7a";

pub const DEMO: i32 = 1;
pub const DEMO_ENV: i32 = 1;
pub const STATIC: i32 = 2;
pub const STATIC_ENV: i32 = 2;

/// Observed: a container rollback answered after 2.3 to 12.6 s. Tests run shorter.
const CONTAINER_ROLLBACK_TIME: Duration = Duration::from_millis(50);

#[derive(Clone, Debug)]
pub struct Key {
    pub user: &'static str,
    pub role: &'static str,
    /// A `custom` key's own permissions (other roles take their role's).
    pub own: Vec<&'static str>,
}

/// One request through Temps' proxy, as a proxy-log row.
#[derive(Clone, Debug)]
pub struct ProxyRow {
    pub at: chrono::DateTime<chrono::Utc>,
    pub project_id: i32,
    pub environment_id: i32,
    pub deployment_id: i32,
    pub status: u16,
}

/// A pipeline the fake runs one step per `advance`.
#[derive(Clone, Debug)]
pub struct Pipeline {
    pub deployment: i32,
    /// Index of the job being worked on; each job goes pending → running → done.
    pub job: usize,
    pub running: bool,
}

/// A failure answered instead of the work (before anything happens).
#[derive(Clone, Debug)]
pub struct Scripted {
    pub op: &'static str,
    pub status: u16,
    pub times: u32,
}

/// One request as received.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub op: &'static str,
}

pub struct FakeState {
    pub projects: Vec<Value>,
    pub environments: Vec<Value>,
    /// Every deployment, as Temps answers it (`is_current` is set when answering).
    pub deployments: Vec<Value>,
    pub jobs: HashMap<i32, Vec<Value>>,
    /// (deployment, job id) → the log's lines, each a JSON object (as recorded: one body
    /// was cut at 2000 characters by the recording, mid-line).
    pub logs: HashMap<(i32, String), Vec<String>>,
    /// Domains added to an environment (its default subdomain is not among them).
    pub env_domains: HashMap<i32, Vec<String>>,
    /// Containers of each deployment; only the live deployment's are listed.
    pub containers: HashMap<i32, Vec<Value>>,
    /// Containers a half-failed rollback started and left running.
    pub stray_containers: Vec<i32>,
    pub proxy_rows: Vec<ProxyRow>,
    pub keys: HashMap<String, Key>,
    pub roles: Vec<(&'static str, Vec<&'static str>)>,
    pub pipelines: Vec<Pipeline>,
    /// The job at which the next pipelines fail.
    pub pipelines_fail_at: Option<String>,
    pub container_rollback_time: Duration,
    /// Calls carried out at once but answered only after a while.
    pub late: Vec<(&'static str, Duration)>,
    pub scripted: Vec<Scripted>,
    pub requests: Vec<Seen>,
    /// Rollbacks that reached the work and pipelines started: what Temps carried out.
    pub performed: usize,
    pub violations: Vec<String>,
    pub next_id: i32,
}

fn with_canary(mut job: Value) -> Value {
    let config = &mut job["job_config"];
    if config.is_object() {
        config["deployment_token"] = json!(CANARY);
        if config["build_args"].is_object() {
            config["build_args"]["TEMPS_API_TOKEN"] = json!(CANARY);
        }
        if config["environment_variables"].is_object() {
            config["environment_variables"]["TEMPS_API_TOKEN"] = json!(CANARY);
        }
    }
    job
}

fn lines(text: &Value) -> Vec<String> {
    text.as_str()
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

impl FakeState {
    /// The recorded world, before the recorded rollbacks.
    pub fn recorded() -> Self {
        let projects = body("projects.list")["projects"]
            .as_array()
            .cloned()
            .expect("projects");
        let mut environments = body("envs.list").as_array().cloned().expect("environments");
        environments.push(body("static.env.before"));
        let mut deployments: Vec<Value> = body("deployments.list")["deployments"]
            .as_array()
            .cloned()
            .expect("deployments");
        deployments.extend(
            body("static.deployments.before")["deployments"]
                .as_array()
                .cloned()
                .expect("static deployments"),
        );
        let template: Vec<Value> = body("jobs.list")["jobs"].as_array().cloned().expect("jobs");
        let mut jobs = HashMap::new();
        let mut logs = HashMap::new();
        let recorded_logs: Vec<(String, Vec<String>)> = template
            .iter()
            .map(|job| {
                let id = job["job_id"].as_str().unwrap().to_owned();
                (id.clone(), lines(&body(&format!("job.logs.{id}"))))
            })
            .collect();
        for d in &deployments {
            let id = d["id"].as_i64().unwrap() as i32;
            let list: Vec<Value> = if id == 5 {
                body("jobs.list.failed")["jobs"]
                    .as_array()
                    .cloned()
                    .unwrap()
            } else if id == 2 {
                template.clone()
            } else {
                template.iter().map(|j| job_for(j, d)).collect()
            };
            if id == 5 {
                logs.insert(
                    (5, "download_repo".to_owned()),
                    lines(&body("job.logs.failed.download_repo")),
                );
            } else {
                for (job, text) in &recorded_logs {
                    logs.insert((id, job.clone()), text.clone());
                }
            }
            jobs.insert(id, list.into_iter().map(with_canary).collect());
        }
        let mut containers = HashMap::new();
        containers.insert(4, vec![container(4, "switchback-demo")]);
        let mut keys = HashMap::new();
        keys.insert(
            ADMIN_KEY.to_owned(),
            Key {
                user: "admin",
                role: "admin",
                own: vec![],
            },
        );
        keys.insert(
            READER_KEY.to_owned(),
            Key {
                user: "oncall-reader",
                role: "reader",
                own: vec![],
            },
        );
        keys.insert(
            CUSTOM_KEY.to_owned(),
            Key {
                user: "ci-bot",
                role: "custom",
                own: vec![
                    "projects:read",
                    "environments:read",
                    "deployments:read",
                    "analytics:read",
                ],
            },
        );
        let reads = vec![
            "projects:read",
            "environments:read",
            "deployments:read",
            "domains:read",
            "analytics:read",
            "logs:read",
        ];
        let mut all = reads.clone();
        all.extend([
            "projects:write",
            "projects:create",
            "environments:write",
            "deployments:create",
            "deployments:write",
            "deployments:delete",
            "api_keys:read",
            "users:read",
        ]);
        let next_id = deployments
            .iter()
            .filter_map(|d| d["id"].as_i64())
            .max()
            .unwrap_or(0) as i32
            + 1;
        Self {
            projects,
            environments,
            deployments,
            jobs,
            logs,
            env_domains: HashMap::new(),
            containers,
            stray_containers: Vec::new(),
            proxy_rows: Vec::new(),
            keys,
            roles: vec![
                ("admin", all.clone()),
                ("user", all),
                ("reader", reads),
                ("custom", vec![]),
            ],
            pipelines: Vec::new(),
            pipelines_fail_at: None,
            container_rollback_time: CONTAINER_ROLLBACK_TIME,
            late: Vec::new(),
            scripted: Vec::new(),
            requests: Vec::new(),
            performed: 0,
            violations: Vec::new(),
            next_id,
        }
    }

    pub fn environment(&self, id: i32) -> Option<&Value> {
        self.environments.iter().find(|e| e["id"] == id)
    }

    pub fn environment_mut(&mut self, id: i32) -> Option<&mut Value> {
        self.environments.iter_mut().find(|e| e["id"] == id)
    }

    pub fn project(&self, id: i32) -> Option<&Value> {
        self.projects.iter().find(|p| p["id"] == id)
    }

    pub fn deployment(&self, id: i32) -> Option<&Value> {
        self.deployments.iter().find(|d| d["id"] == id)
    }

    pub fn deployment_mut(&mut self, id: i32) -> Option<&mut Value> {
        self.deployments.iter_mut().find(|d| d["id"] == id)
    }

    /// The environment's `current_deployment_id`.
    pub fn live(&self, env: i32) -> Option<i32> {
        self.environment(env)?["current_deployment_id"]
            .as_i64()
            .map(|id| id as i32)
    }

    /// Points the environment at `deployment` (as Temps' last job or a static rollback
    /// does), now.
    pub fn set_live(&mut self, env: i32, deployment: i32) {
        let now = now_ms();
        if let Some(e) = self.environment_mut(env) {
            e["current_deployment_id"] = json!(deployment);
            e["updated_at"] = json!(now);
        }
    }

    pub fn is_static(&self, project: i32) -> bool {
        self.project(project)
            .and_then(|p| p["preset"].as_str())
            .is_some_and(|p| ["vite", "docusaurus", "react-app", "rsbuild"].contains(&p))
    }

    /// A deployment of `env`, newer than every other, with the given status and commit.
    pub fn add_deployment(&mut self, env: i32, status: &str, commit: &str) -> i32 {
        let id = self.next_id;
        self.next_id += 1;
        let template = self
            .deployments
            .iter()
            .find(|d| d["environment_id"] == env)
            .cloned()
            .expect("a deployment of the environment to copy");
        let project = template["project_id"].as_i64().unwrap() as i32;
        let slug = self.project(project).unwrap()["slug"]
            .as_str()
            .unwrap()
            .to_owned();
        let now = now_ms();
        let mut d = template;
        d["id"] = json!(id);
        d["status"] = json!(status);
        d["commit_hash"] = json!(commit);
        d["created_at"] = json!(now);
        d["started_at"] = json!(now);
        d["finished_at"] = if status == "pending" {
            Value::Null
        } else {
            json!(now)
        };
        d["url"] = json!(format!("http://{slug}-{id}.localho.st"));
        d["metadata"]["gitPushEvent"]["commit"] = json!(commit);
        d["cancelled_reason"] = if status == "failed" {
            json!(
                "Workflow error: Job execution failed: Required job 'build_image' failed: Some(\"exit status 1\")"
            )
        } else {
            Value::Null
        };
        let template_jobs: Vec<Value> = self.jobs.get(&2).cloned().unwrap_or_default();
        self.jobs
            .insert(id, template_jobs.iter().map(|j| job_for(j, &d)).collect());
        self.deployments.push(d);
        id
    }

    /// Adds an active custom domain to the environment: Temps lists it on every deployment
    /// of it, after the environment's own URL.
    pub fn add_custom_domain(&mut self, env: i32, host: &str) {
        for d in self
            .deployments
            .iter_mut()
            .filter(|d| d["environment_id"] == env)
        {
            d["environment"]["domains"]
                .as_array_mut()
                .unwrap()
                .push(json!(format!("https://{host}")));
        }
    }

    /// `count` requests to `deployment` answered `status`, logged as Temps logs them: a
    /// request the upstream answered below 500 twice, a 5xx once.
    pub fn traffic(
        &mut self,
        at: chrono::DateTime<chrono::Utc>,
        deployment: i32,
        status: u16,
        count: usize,
    ) {
        let d = self.deployment(deployment).expect("deployment").clone();
        let row = ProxyRow {
            at,
            project_id: d["project_id"].as_i64().unwrap() as i32,
            environment_id: d["environment_id"].as_i64().unwrap() as i32,
            deployment_id: deployment,
            status,
        };
        let copies = if status < 500 { 2 } else { 1 };
        for _ in 0..count * copies {
            self.proxy_rows.push(row.clone());
        }
    }

    /// Starts a pipeline as `trigger-pipeline` does: a `pending` deployment with pending
    /// jobs.
    pub fn start_pipeline(
        &mut self,
        env: i32,
        branch: &str,
        commit: &str,
        tag: Option<&str>,
    ) -> i32 {
        let id = self.add_deployment(env, "pending", commit);
        let d = self.deployment_mut(id).unwrap();
        d["branch"] = json!(branch);
        d["tag"] = json!(tag);
        d["started_at"] = Value::Null;
        let jobs = self.jobs.get_mut(&id).unwrap();
        for job in jobs.iter_mut() {
            job["status"] = json!("pending");
            job["started_at"] = Value::Null;
            job["finished_at"] = Value::Null;
            job["outputs"] = Value::Null;
        }
        *jobs = jobs.drain(..).map(with_canary).collect();
        self.pipelines.push(Pipeline {
            deployment: id,
            job: 0,
            running: false,
        });
        self.performed += 1;
        id
    }

    /// Moves every pipeline one step: the current job starts, or ends and the next waits.
    pub fn advance(&mut self) {
        let pipelines = std::mem::take(&mut self.pipelines);
        for mut pipeline in pipelines {
            if self.step(&mut pipeline) {
                self.pipelines.push(pipeline);
            }
        }
    }

    /// One step; whether the pipeline goes on.
    fn step(&mut self, pipeline: &mut Pipeline) -> bool {
        let id = pipeline.deployment;
        let job_count = self.jobs.get(&id).map_or(0, Vec::len);
        let Some(job) = self
            .jobs
            .get(&id)
            .and_then(|j| j.get(pipeline.job))
            .cloned()
        else {
            return false;
        };
        let job_id = job["job_id"].as_str().unwrap().to_owned();
        let now = now_ms();
        if !pipeline.running {
            pipeline.running = true;
            let jobs = self.jobs.get_mut(&id).unwrap();
            jobs[pipeline.job]["status"] = json!("running");
            jobs[pipeline.job]["started_at"] = json!(now);
            // The pipeline runs; once its last required job made it live, it stays
            // `completed` while the optional jobs (crons, the scan) run.
            let d = self.deployment_mut(id).unwrap();
            if d["status"] == "pending" {
                d["status"] = json!("running");
                d["started_at"] = json!(now);
            }
            let first = self
                .logs
                .get(&(2, job_id.clone()))
                .and_then(|l| l.first().cloned());
            self.logs.insert((id, job_id), first.into_iter().collect());
            return true;
        }
        pipeline.running = false;
        let fails = self.pipelines_fail_at.as_deref() == Some(job_id.as_str());
        let recorded = self
            .logs
            .get(&(2, job_id.clone()))
            .cloned()
            .unwrap_or_default();
        let jobs = self.jobs.get_mut(&id).unwrap();
        jobs[pipeline.job]["finished_at"] = json!(now);
        if fails {
            let error = format!("Job execution failed: {job_id} exited with status 1");
            jobs[pipeline.job]["status"] = json!("failure");
            jobs[pipeline.job]["error_message"] = json!(error.clone());
            for later in jobs.iter_mut().skip(pipeline.job + 1) {
                later["status"] = json!("cancelled");
                later["error_message"] = json!(format!("Required job '{job_id}' failed: {error}"));
            }
            let mut log = recorded.into_iter().take(1).collect::<Vec<_>>();
            log.push(
                json!({"level": "error", "message": error, "timestamp": "2026-12-04T17:20:00Z", "line": 2})
                    .to_string(),
            );
            self.logs.insert((id, job_id.clone()), log);
            let d = self.deployment_mut(id).unwrap();
            d["status"] = json!("failed");
            d["finished_at"] = json!(now);
            d["cancelled_reason"] = json!(format!(
                "Workflow error: Job execution failed: Required job '{job_id}' failed: Some(\"{error}\")"
            ));
            return false;
        }
        jobs[pipeline.job]["status"] = json!("success");
        self.logs.insert((id, job_id.clone()), recorded);
        if job_id == "mark_deployment_complete" {
            self.complete(id);
        }
        pipeline.job += 1;
        pipeline.job < job_count
    }

    /// What Temps' last required job does: the deployment is completed and live, and every
    /// other deployment's containers are removed.
    fn complete(&mut self, id: i32) {
        let now = now_ms();
        let d = self.deployment_mut(id).unwrap();
        d["status"] = json!("completed");
        d["finished_at"] = json!(now);
        let env = d["environment_id"].as_i64().unwrap() as i32;
        let project = d["project_id"].as_i64().unwrap() as i32;
        self.set_live(env, id);
        if !self.is_static(project) {
            let slug = self.project(project).unwrap()["slug"]
                .as_str()
                .unwrap()
                .to_owned();
            let others: Vec<i32> = self
                .deployments
                .iter()
                .filter(|d| d["environment_id"] == env)
                .filter_map(|d| d["id"].as_i64().map(|i| i as i32))
                .collect();
            for other in others {
                self.containers.remove(&other);
            }
            self.containers.insert(id, vec![container(id, &slug)]);
        }
    }
}

/// A job of `template`'s kind for deployment `d`.
fn job_for(template: &Value, d: &Value) -> Value {
    let mut job = template.clone();
    let id = d["id"].as_i64().unwrap();
    job["deployment_id"] = json!(id);
    job["id"] = json!(id * 100 + template["execution_order"].as_i64().unwrap_or(0));
    if let Some(sha) = d["commit_hash"].as_str() {
        if job["job_config"]["commit_sha"].is_string() {
            job["job_config"]["commit_sha"] = json!(sha);
        }
        if job["outputs"]["checkout_ref"].is_string() {
            job["outputs"]["checkout_ref"] = json!(sha);
        }
    }
    job
}

fn container(deployment: i32, slug: &str) -> Value {
    json!({
        "container_id": format!("{:064x}", deployment),
        "container_name": format!("{slug}-{deployment}"),
        "image_name": format!("temps-{slug}:{deployment}"),
        "status": "running",
        "created_at": "2026-12-04T17:12:27.000000Z",
    })
}

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
