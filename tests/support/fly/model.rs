//! The fake Fly's world: apps, releases written by clients, Machines that start over a
//! virtual clock, leases with nonces that expire, regions without capacity or with failing
//! checks, images deleted from the registry, rate limits per action and Machine, and
//! tokens of each kind.

use super::fake::{Api, Recorded, Scripted, error};
use axum::http::Method;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;
use switchback::clock::{Clock, VirtualClock};

/// What a token may do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// Every app of the org, and its metrics.
    Org,
    /// One app.
    Deploy(String),
    /// Reads only.
    ReadOnly,
}

#[derive(Clone, Debug)]
pub struct Token {
    pub secret: String,
    pub kind: TokenKind,
    /// Who it belongs to (a lease's owner, a release's user).
    pub owner: String,
    /// Whether the managed Prometheus answers it.
    pub metrics: bool,
}

#[derive(Clone, Debug)]
pub struct FakeLease {
    pub nonce: String,
    pub owner: String,
    pub expires_at: i64,
}

#[derive(Clone, Debug)]
pub struct FakeMachine {
    pub id: String,
    pub app: String,
    pub region: String,
    /// `started`, `stopped`, `suspended`, `starting`, `destroyed`.
    pub state: String,
    pub config: Value,
    pub instance: u64,
    /// When a starting Machine is started.
    pub ready_at: i64,
    pub lease: Option<FakeLease>,
    /// 5xx answers per minute (for the metrics).
    pub errors_per_step: f64,
    /// Held out of traffic.
    pub cordoned: bool,
}

impl FakeMachine {
    pub fn instance_id(&self) -> String {
        format!("01INST{}{:04}", self.id.to_uppercase(), self.instance)
    }

    pub fn release_version(&self) -> Option<i64> {
        self.config["metadata"]["fly_release_version"]
            .as_str()?
            .parse()
            .ok()
    }
}

#[derive(Clone, Debug)]
pub struct FakeRelease {
    pub id: String,
    pub app: String,
    pub version: i64,
    pub status: String,
    pub image: String,
    pub user: String,
    pub created_at: i64,
    pub definition: Value,
    pub strategy: String,
    /// Every status written to it, in order.
    pub statuses: Vec<String>,
}

pub struct FakeState {
    pub clock: VirtualClock,
    pub org: String,
    pub apps: Vec<String>,
    pub machines: Vec<FakeMachine>,
    pub releases: Vec<FakeRelease>,
    pub deleted_images: BTreeSet<String>,
    pub certificates: BTreeMap<String, Vec<String>>,
    pub tokens: Vec<Token>,
    /// Regions without capacity: updates there answer 409 and change nothing.
    pub full_regions: BTreeSet<String>,
    /// Regions where Machines start but their checks fail.
    pub sick_regions: BTreeSet<String>,
    /// Seconds a Machine takes to start.
    pub boot_secs: i64,
    pub scripted: Vec<Scripted>,
    pub late: Vec<(String, Duration)>,
    pub requests: Vec<Recorded>,
    pub violations: Vec<String>,
    /// Releases created through the API.
    pub performed: usize,
    /// Token buckets per (route, Machine): tokens left, last refill (virtual seconds).
    buckets: HashMap<(String, String), (f64, f64)>,
    next: u64,
}

impl FakeState {
    pub fn new(clock: VirtualClock, org: &str) -> Self {
        Self {
            clock,
            org: org.to_owned(),
            apps: Vec::new(),
            machines: Vec::new(),
            releases: Vec::new(),
            deleted_images: BTreeSet::new(),
            certificates: BTreeMap::new(),
            tokens: Vec::new(),
            full_regions: BTreeSet::new(),
            sick_regions: BTreeSet::new(),
            boot_secs: 3,
            scripted: Vec::new(),
            late: Vec::new(),
            requests: Vec::new(),
            violations: Vec::new(),
            performed: 0,
            buckets: HashMap::new(),
            next: 0,
        }
    }

    pub fn now(&self) -> i64 {
        self.clock.now().timestamp()
    }

    fn fresh(&mut self, prefix: &str) -> String {
        self.next += 1;
        format!("{prefix}{:06}", self.next)
    }

    #[allow(clippy::too_many_arguments)]
    pub fn record(
        &mut self,
        api: Api,
        method: &Method,
        path: &str,
        route: String,
        query: &[(String, String)],
        body: &Option<Value>,
        nonce: Option<String>,
        authorization: String,
        status: u16,
    ) {
        self.requests.push(Recorded {
            api,
            method: method.to_string(),
            path: path.to_owned(),
            route,
            query: query.to_vec(),
            body: body.clone(),
            nonce,
            authorization,
            status,
        });
    }

    pub fn machine(&self, id: &str) -> &FakeMachine {
        self.machines.iter().find(|m| m.id == id).expect("machine")
    }

    pub fn machine_mut(&mut self, id: &str) -> Option<&mut FakeMachine> {
        self.machines.iter_mut().find(|m| m.id == id)
    }

    pub fn release(&self, version: i64) -> &FakeRelease {
        self.releases
            .iter()
            .find(|r| r.version == version)
            .expect("release")
    }

    pub fn newest_release(&self, app: &str) -> &FakeRelease {
        self.releases
            .iter()
            .filter(|r| r.app == app)
            .max_by_key(|r| r.version)
            .expect("a release")
    }

    /// The release that introduced `version`'s image.
    pub fn origin(&self, app: &str, version: i64) -> i64 {
        let Some(image) = self
            .releases
            .iter()
            .find(|r| r.app == app && r.version == version)
            .map(|r| r.image.clone())
        else {
            return version;
        };
        self.releases
            .iter()
            .filter(|r| r.app == app && r.image == image)
            .map(|r| r.version)
            .min()
            .unwrap_or(version)
    }

    /// Counted Machines of `app` per deployment (origin release).
    pub fn distribution(&self, app: &str) -> BTreeMap<i64, usize> {
        let mut out = BTreeMap::new();
        for m in self
            .machines
            .iter()
            .filter(|m| m.app == app && m.state != "destroyed")
        {
            if m.config["metadata"]["fly_canary"] == "true" {
                continue;
            }
            if let Some(v) = m.release_version() {
                *out.entry(self.origin(app, v)).or_insert(0) += 1;
            }
        }
        out
    }

    /// The deployment most Machines of `app` run.
    pub fn live(&self, app: &str) -> Option<i64> {
        self.distribution(app)
            .into_iter()
            .max_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)))
            .map(|(v, _)| v)
    }

    /// Leases currently held on `app`'s Machines.
    pub fn leases_held(&self, app: &str) -> Vec<String> {
        let now = self.now();
        self.machines
            .iter()
            .filter(|m| m.app == app && m.lease.as_ref().is_some_and(|l| l.expires_at > now))
            .map(|m| m.id.clone())
            .collect()
    }

    pub fn add_release(
        &mut self,
        app: &str,
        version: i64,
        image: &str,
        user: &str,
        status: &str,
        definition: Value,
    ) {
        let created_at = self.now() - 3600 * (100 - version).max(0);
        self.releases.push(FakeRelease {
            id: format!("rel_{app}_{version}"),
            app: app.to_owned(),
            version,
            status: status.to_owned(),
            image: image.to_owned(),
            user: user.to_owned(),
            created_at,
            definition,
            strategy: "ROLLING".to_owned(),
            statuses: vec![status.to_owned()],
        });
    }

    #[allow(clippy::too_many_arguments)]
    pub fn add_machine(
        &mut self,
        app: &str,
        id: &str,
        region: &str,
        group: &str,
        state: &str,
        version: i64,
    ) {
        let image = self.release(version).image.clone();
        let release_id = self.release(version).id.clone();
        self.machines.push(FakeMachine {
            id: id.to_owned(),
            app: app.to_owned(),
            region: region.to_owned(),
            state: state.to_owned(),
            config: json!({
                "image": image,
                "env": { "PRIMARY_REGION": "ams" },
                "guest": { "cpu_kind": "shared", "cpus": 1, "memory_mb": 256 },
                "services": [{ "protocol": "tcp", "internal_port": 8080,
                    "ports": [{ "port": 443, "handlers": ["tls", "http"] }],
                    "autostop": "stop", "autostart": true }],
                "checks": { "alive": { "type": "http", "port": 8080, "path": "/health" } },
                "metadata": {
                    "fly_release_id": release_id,
                    "fly_release_version": version.to_string(),
                    "fly_platform_version": "v2",
                    "fly_process_group": group
                }
            }),
            instance: 1,
            ready_at: 0,
            lease: None,
            errors_per_step: 0.0,
            cordoned: false,
        });
    }

    /// A colleague runs `fly deploy --image` of `version`'s image: a new complete release
    /// on every Machine of `app`, written by `user`.
    pub fn colleague_deploys(&mut self, app: &str, version: i64, user: &str) -> i64 {
        let image = self.release(version).image.clone();
        let new = self.newest_release(app).version + 1;
        self.add_release(app, new, &image, user, "complete", json!({}));
        let now = self.now();
        if let Some(r) = self
            .releases
            .iter_mut()
            .find(|r| r.version == new && r.app == app)
        {
            r.created_at = now;
        }
        let id = format!("rel_{app}_{new}");
        for m in self
            .machines
            .iter_mut()
            .filter(|m| m.app == app && m.state != "destroyed")
        {
            m.config["image"] = json!(image);
            m.config["metadata"]["fly_release_version"] = json!(new.to_string());
            m.config["metadata"]["fly_release_id"] = json!(id);
            m.instance += 1;
        }
        new
    }

    pub fn advance(&mut self, secs: u64) {
        self.clock.advance(Duration::from_secs(secs));
        settle(self);
    }
}

/// Starting Machines whose time came are started.
pub fn settle(s: &mut FakeState) {
    let now = s.now();
    for m in &mut s.machines {
        if m.state == "starting" && m.ready_at <= now {
            m.state = "started".to_owned();
        }
    }
}

pub struct Reply {
    pub status: u16,
    pub body: Option<Value>,
    pub headers: Vec<(&'static str, String)>,
}

impl Reply {
    pub fn json(status: u16, body: Value) -> Self {
        Self {
            status,
            body: Some(body),
            headers: Vec::new(),
        }
    }
}

pub struct Request<'a> {
    pub api: Api,
    pub route: &'a str,
    pub path: &'a str,
    pub query: &'a [(String, String)],
    pub body: Option<&'a Value>,
    pub nonce: Option<&'a str>,
    pub token: &'a Token,
}

impl Request<'_> {
    fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Path segment `n` (0-based after the API prefix).
    fn segment(&self, n: usize) -> String {
        let trimmed = self
            .path
            .trim_start_matches("/v1")
            .trim_start_matches("/api/v1");
        trimmed
            .trim_start_matches('/')
            .split('/')
            .nth(n)
            .unwrap_or("")
            .to_owned()
    }
}

/// The first field under `app` a GraphQL query selects (its name in the request log).
pub fn graphql_operation(query: &str) -> &'static str {
    if query.contains("releasesUnprocessed") {
        "releases"
    } else if query.contains("image(") {
        "image"
    } else {
        "other"
    }
}

/// The token of a request, in the scheme its API takes: `FlyV1` for macaroons on the
/// Machines API and GraphQL, `Bearer` on the releases API.
pub fn authenticate(s: &mut FakeState, api: Api, authorization: &str) -> Result<Token, Reply> {
    let (scheme, secret) = authorization.split_once(' ').unwrap_or(("", ""));
    let Some(token) = s.tokens.iter().find(|t| t.secret == secret).cloned() else {
        return Err(Reply::json(401, error("unauthorized: unknown token")));
    };
    let macaroon = secret.starts_with("fm2_") || secret.starts_with("fm1r_");
    let wanted = match api {
        Api::Releases => "Bearer",
        _ if macaroon => "FlyV1",
        _ => "Bearer",
    };
    if scheme != wanted {
        s.violations.push(format!(
            "{api:?}: Authorization scheme {scheme}, Fly's clients send {wanted}"
        ));
        return Err(Reply::json(401, error("unauthorized: wrong scheme")));
    }
    Ok(token)
}

/// About 1 request per second per action and Machine, bursts of 3; reading a Machine 5 per
/// second, bursts of 10 (Fly's documented limits), on the virtual clock.
pub fn rate_limit(s: &mut FakeState, route: &str, path: &str) -> Option<Reply> {
    let (rate, burst) = if route == "GET /apps/{app_name}/machines/{machine_id}" {
        (5.0, 10.0)
    } else {
        (1.0, 3.0)
    };
    let machine = if route.contains("{machine_id}") {
        path.split('/').nth(5).unwrap_or("").to_owned()
    } else {
        String::new()
    };
    if machine.is_empty() {
        return None;
    }
    let now = s.clock.now().timestamp_millis() as f64 / 1000.0;
    let bucket = s
        .buckets
        .entry((route.to_owned(), machine))
        .or_insert((burst, now));
    bucket.0 = (bucket.0 + (now - bucket.1) * rate).min(burst);
    bucket.1 = now;
    if bucket.0 >= 1.0 {
        bucket.0 -= 1.0;
        return None;
    }
    let mut reply = Reply::json(429, error("rate limit exceeded"));
    reply.headers.push(("retry-after", "1".to_owned()));
    Some(reply)
}

fn may_write(token: &Token, app: &str) -> Result<(), Reply> {
    match &token.kind {
        TokenKind::Org => Ok(()),
        TokenKind::Deploy(only) if only == app => Ok(()),
        _ => Err(Reply::json(403, error("unauthorized"))),
    }
}

fn machine_json(s: &FakeState, m: &FakeMachine) -> Value {
    let checks: Vec<Value> = m.config["checks"]
        .as_object()
        .map(|checks| {
            checks
                .keys()
                .map(|name| {
                    let status = if m.state != "started" {
                        "warning"
                    } else if s.sick_regions.contains(&m.region) {
                        "critical"
                    } else {
                        "passing"
                    };
                    json!({ "name": name, "status": status, "output": "", "updated_at": "2026-01-01T00:00:00Z" })
                })
                .collect()
        })
        .unwrap_or_default();
    let image = m.config["image"].as_str().unwrap_or("");
    json!({
        "id": m.id,
        "name": format!("{}-{}", m.app, m.id),
        "state": m.state,
        "region": m.region,
        "instance_id": m.instance_id(),
        "private_ip": "fdaa::1",
        "config": m.config,
        "checks": checks,
        "image_ref": { "registry": "registry.fly.io", "repository": m.app,
            "tag": image.rsplit(':').next().unwrap_or(""), "digest": digest(image), "labels": {} },
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
        "host_status": "ok",
        "events": []
    })
}

pub fn digest(image: &str) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    image.hash(&mut hasher);
    format!("sha256:{:016x}", hasher.finish())
}

fn release_rest(r: &FakeRelease) -> Value {
    json!({
        "id": r.id, "version": r.version, "stable": r.status == "complete",
        "in_progress": r.status == "running", "status": r.status, "strategy": r.strategy,
        "user": r.user, "created_at": chrono::DateTime::from_timestamp(r.created_at, 0).unwrap().to_rfc3339(),
        "image_ref": r.image
    })
}

pub fn dispatch(s: &mut FakeState, r: &Request<'_>) -> Reply {
    match r.api {
        Api::GraphQl => graphql(s, r),
        Api::Prometheus => prometheus(s, r),
        Api::Releases => releases(s, r),
        Api::Machines => machines(s, r),
    }
}

fn graphql(s: &mut FakeState, r: &Request<'_>) -> Reply {
    let body = r.body.cloned().unwrap_or(Value::Null);
    let query = body["query"].as_str().unwrap_or("");
    let vars = &body["variables"];
    let app = vars["app"].as_str().unwrap_or("").to_owned();
    if !s.apps.contains(&app) {
        return Reply::json(200, json!({ "data": { "app": null } }));
    }
    match graphql_operation(query) {
        "releases" => {
            let first = vars["first"].as_u64().unwrap_or(25) as usize;
            let after = vars["after"]
                .as_str()
                .and_then(|c| c.strip_prefix("cursor-v"))
                .and_then(|v| v.parse::<i64>().ok());
            let mut list: Vec<&FakeRelease> = s.releases.iter().filter(|x| x.app == app).collect();
            list.sort_by_key(|x| std::cmp::Reverse(x.version));
            let rest: Vec<&FakeRelease> = list
                .into_iter()
                .filter(|x| after.is_none_or(|a| x.version < a))
                .collect();
            let page: Vec<&FakeRelease> = rest.iter().take(first).copied().collect();
            let more = rest.len() > page.len();
            let with_config = query.contains("configDefinition");
            let nodes: Vec<Value> = page
                .iter()
                .map(|x| {
                    let mut node = json!({
                        "id": x.id, "version": x.version, "status": x.status, "imageRef": x.image,
                        "createdAt": chrono::DateTime::from_timestamp(x.created_at, 0).unwrap().to_rfc3339(),
                        "user": { "email": x.user, "name": x.user }
                    });
                    if with_config {
                        node["configDefinition"] = x.definition.clone();
                    }
                    node
                })
                .collect();
            let end = page.last().map(|x| format!("cursor-v{}", x.version));
            Reply::json(
                200,
                json!({ "data": { "app": { "releasesUnprocessed": {
                "nodes": nodes, "pageInfo": { "endCursor": end, "hasNextPage": more } } } } }),
            )
        }
        "image" => {
            let reference = vars["ref"].as_str().unwrap_or("");
            let known = s.releases.iter().any(|x| x.image == reference);
            if s.deleted_images.contains(reference) || !known {
                return Reply::json(200, json!({ "data": { "app": { "image": null } } }));
            }
            Reply::json(
                200,
                json!({ "data": { "app": { "image": { "digest": digest(reference) } } } }),
            )
        }
        _ => Reply::json(200, json!({ "errors": [{ "message": "unknown query" }] })),
    }
}

fn prometheus(s: &mut FakeState, r: &Request<'_>) -> Reply {
    if !r.token.metrics {
        return Reply::json(403, error("unauthorized: this token cannot read metrics"));
    }
    let query = r.param("query").unwrap_or("");
    let errors = query.contains("status=~");
    let app = query
        .split("app=\"")
        .nth(1)
        .and_then(|x| x.split('"').next())
        .unwrap_or("");
    let start: i64 = r.param("start").and_then(|v| v.parse().ok()).unwrap_or(0);
    let end: i64 = r.param("end").and_then(|v| v.parse().ok()).unwrap_or(0);
    let step: i64 = r
        .param("step")
        .and_then(|v| v.parse().ok())
        .unwrap_or(60)
        .max(1);
    let result: Vec<Value> = s
        .machines
        .iter()
        .filter(|m| m.app == app && m.state != "destroyed")
        .map(|m| {
            let value = if errors { m.errors_per_step } else { 100.0 };
            let values: Vec<Value> = (0..)
                .map(|i| start + i * step)
                .take_while(|t| *t <= end)
                .map(|t| json!([t, value.to_string()]))
                .collect();
            json!({ "metric": { "app": app, "instance": m.id, "region": m.region }, "values": values })
        })
        .collect();
    Reply::json(
        200,
        json!({ "status": "success", "data": { "resultType": "matrix", "result": result } }),
    )
}

fn releases(s: &mut FakeState, r: &Request<'_>) -> Reply {
    match r.route {
        "POST /api/v1/releases" => {
            let body = r.body.cloned().unwrap_or(Value::Null);
            let app = body["app_name"].as_str().unwrap_or("").to_owned();
            if let Err(reply) = may_write(r.token, &app) {
                return reply;
            }
            let version = s
                .releases
                .iter()
                .filter(|x| x.app == app)
                .map(|x| x.version)
                .max()
                .unwrap_or(0)
                + 1;
            let id = s.fresh("rel_");
            let release = FakeRelease {
                id,
                app,
                version,
                status: "pending".to_owned(),
                image: body["image"].as_str().unwrap_or("").to_owned(),
                user: r.token.owner.clone(),
                created_at: s.now(),
                definition: body["definition"].clone(),
                strategy: body["strategy"].as_str().unwrap_or("ROLLING").to_owned(),
                statuses: vec!["pending".to_owned()],
            };
            let answer = json!({ "release": release_rest(&release) });
            s.releases.push(release);
            s.performed += 1;
            Reply::json(201, answer)
        }
        "PATCH /api/v1/releases/{release_id}" => {
            let id = r.segment(1);
            let status = r
                .body
                .and_then(|b| b["status"].as_str())
                .unwrap_or("")
                .to_owned();
            let Some(release) = s.releases.iter_mut().find(|x| x.id == id) else {
                return Reply::json(404, error("release not found"));
            };
            if let Err(reply) = may_write(r.token, &release.app.clone()) {
                return reply;
            }
            release.status = status.clone();
            release.statuses.push(status);
            Reply::json(200, release_rest(release))
        }
        _ => Reply::json(404, error("not found")),
    }
}

fn machines(s: &mut FakeState, r: &Request<'_>) -> Reply {
    if r.route == "POST /tokens/authorize" {
        let body = r.body.cloned().unwrap_or(Value::Null);
        let app = body["access"]["app_name"].as_str().unwrap_or("");
        let writes = body["access"]["action"]
            .as_str()
            .unwrap_or("r")
            .contains('w');
        let header_token = body["header"]
            .as_str()
            .and_then(|h| h.split_once(' '))
            .map(|(_, t)| t)
            .unwrap_or("");
        if header_token != r.token.secret {
            return Reply::json(400, error("the header is not the caller's token"));
        }
        if writes && may_write(r.token, app).is_err() {
            return Reply::json(
                400,
                error(&format!("token does not allow write access to app {app}")),
            );
        }
        return Reply::json(
            200,
            json!({ "access": { "action": if writes { 2 } else { 1 } } }),
        );
    }
    let app = r.segment(1);
    if !s.apps.contains(&app) {
        return Reply::json(404, error("app not found"));
    }
    let machine_id = r.segment(3);
    let writes = !matches!(r.route.split(' ').next(), Some("GET"));
    if writes && let Err(reply) = may_write(r.token, &app) {
        return reply;
    }
    let now = s.now();
    match r.route {
        "GET /apps/{app_name}/machines" => {
            let list: Vec<Value> = s
                .machines
                .iter()
                .filter(|m| m.app == app && m.state != "destroyed")
                .map(|m| machine_json(s, m))
                .collect();
            Reply::json(200, Value::Array(list))
        }
        "GET /apps/{app_name}/certificates" => {
            let hosts = s.certificates.get(&app).cloned().unwrap_or_default();
            let list: Vec<Value> = hosts
                .iter()
                .map(|h| json!({ "hostname": h, "configured": true, "status": "Ready" }))
                .collect();
            Reply::json(
                200,
                json!({ "certificates": list, "total_count": hosts.len() }),
            )
        }
        "GET /apps/{app_name}/machines/{machine_id}" => {
            match s.machines.iter().find(|m| m.id == machine_id) {
                Some(m) => Reply::json(200, machine_json(s, m)),
                None => Reply::json(404, error("machine not found")),
            }
        }
        "POST /apps/{app_name}/machines/{machine_id}/lease" => {
            let ttl: i64 = r.param("ttl").and_then(|v| v.parse().ok()).unwrap_or(30);
            let owner = r.token.owner.clone();
            let nonce = s.fresh("nonce");
            let Some(m) = s.machine_mut(&machine_id) else {
                return Reply::json(404, error("machine not found"));
            };
            if let Some(held) = m.lease.as_ref().filter(|l| l.expires_at > now)
                && r.nonce != Some(held.nonce.as_str())
            {
                return Reply::json(
                    409,
                    error(&format!(
                        "lease currently held by {}, expires at {}",
                        held.owner, held.expires_at
                    )),
                );
            }
            m.lease = Some(FakeLease {
                nonce: nonce.clone(),
                owner: owner.clone(),
                expires_at: now + ttl,
            });
            Reply::json(
                201,
                json!({ "status": "success", "data": {
                "nonce": nonce, "expires_at": now + ttl, "owner": owner,
                "description": "", "version": m.instance_id() } }),
            )
        }
        "DELETE /apps/{app_name}/machines/{machine_id}/lease" => {
            let Some(m) = s.machine_mut(&machine_id) else {
                return Reply::json(404, error("machine not found"));
            };
            match &m.lease {
                Some(held) if Some(held.nonce.as_str()) == r.nonce => {
                    m.lease = None;
                    Reply::json(200, json!({ "status": "success", "data": { "ok": true } }))
                }
                Some(held) if held.expires_at > now => {
                    Reply::json(409, error("lease nonce mismatch"))
                }
                _ => Reply::json(404, error("no lease held")),
            }
        }
        "POST /apps/{app_name}/machines/{machine_id}" => update(s, r, &machine_id, now),
        "POST /apps/{app_name}/machines" => {
            let body = r.body.cloned().unwrap_or(Value::Null);
            let region = body["region"].as_str().unwrap_or("ams").to_owned();
            if s.full_regions.contains(&region) {
                return Reply::json(422, error(&format!("no capacity in {region}")));
            }
            let id = s.fresh("new");
            let boot = s.boot_secs;
            s.machines.push(FakeMachine {
                id: id.clone(),
                app: app.clone(),
                region,
                state: "starting".to_owned(),
                config: body["config"].clone(),
                instance: 1,
                ready_at: now + boot,
                lease: None,
                errors_per_step: 0.0,
                cordoned: false,
            });
            let m = s.machine(&id).clone();
            Reply::json(200, machine_json(s, &m))
        }
        "DELETE /apps/{app_name}/machines/{machine_id}" => {
            let Some(m) = s.machine_mut(&machine_id) else {
                return Reply::json(404, error("machine not found"));
            };
            if let Some(held) = m.lease.as_ref().filter(|l| l.expires_at > now)
                && r.nonce != Some(held.nonce.as_str())
            {
                return Reply::json(412, error("lease nonce mismatch"));
            }
            m.state = "destroyed".to_owned();
            m.lease = None;
            Reply::json(200, json!({ "ok": true }))
        }
        "POST /apps/{app_name}/machines/{machine_id}/cordon"
        | "POST /apps/{app_name}/machines/{machine_id}/uncordon" => {
            let cordon = r.route.ends_with("/cordon");
            let Some(m) = s.machine_mut(&machine_id) else {
                return Reply::json(404, error("machine not found"));
            };
            m.cordoned = cordon;
            Reply::json(200, json!({ "ok": true }))
        }
        "GET /apps/{app_name}/machines/{machine_id}/wait" => {
            let timeout: i64 = r
                .param("timeout")
                .and_then(|v| v.parse().ok())
                .unwrap_or(60);
            let Some(m) = s.machines.iter().find(|m| m.id == machine_id).cloned() else {
                return Reply::json(404, error("machine not found"));
            };
            if r.param("instance_id").is_some_and(|i| i != m.instance_id()) {
                return Reply::json(400, error("instance_id is not the Machine's current one"));
            }
            // The client waits at Fly while the Machine boots: the world's time passes.
            match m.state.as_str() {
                "started" => Reply::json(200, json!({ "ok": true, "state": "started" })),
                "starting" if m.ready_at <= now + timeout => {
                    s.clock
                        .set(chrono::DateTime::from_timestamp(m.ready_at, 0).unwrap());
                    settle(s);
                    Reply::json(200, json!({ "ok": true, "state": "started" }))
                }
                _ => {
                    s.clock.advance(Duration::from_secs(timeout as u64));
                    settle(s);
                    // Not in the spec: the real API answers 408 at the deadline (§9).
                    Reply::json(408, error("deadline exceeded waiting for state started"))
                }
            }
        }
        _ => Reply::json(404, error("not modelled")),
    }
}

/// `POST /apps/{app}/machines/{id}`: the whole config replaced, under the lease.
fn update(s: &mut FakeState, r: &Request<'_>, id: &str, now: i64) -> Reply {
    let body = r.body.cloned().unwrap_or(Value::Null);
    let boot = s.boot_secs;
    let full = s.full_regions.clone();
    let deleted = s.deleted_images.clone();
    let Some(m) = s.machine_mut(id) else {
        return Reply::json(404, error("machine not found"));
    };
    if let Some(held) = m.lease.as_ref().filter(|l| l.expires_at > now)
        && r.nonce != Some(held.nonce.as_str())
    {
        return Reply::json(
            412,
            error("lease nonce mismatch: the lease is held with another nonce"),
        );
    }
    if let Some(version) = body["current_version"].as_str()
        && version != m.instance_id()
    {
        return Reply::json(412, error("current_version mismatch: the Machine changed"));
    }
    let config = body["config"].clone();
    let image = config["image"].as_str().unwrap_or("").to_owned();
    if deleted.contains(&image) {
        return Reply::json(422, error(&format!("unknown image {image}")));
    }
    if full.contains(&m.region) {
        return Reply::json(409, error(&format!("no capacity in region {}", m.region)));
    }
    let mut dropped = Vec::new();
    for key in ["services", "checks", "metadata", "guest", "env"] {
        if !m.config[key].is_null() && config[key].is_null() {
            dropped.push(key);
        }
    }
    let skip = body["skip_launch"] == true;
    m.config = config;
    m.instance += 1;
    if !skip {
        m.state = "starting".to_owned();
        m.ready_at = now + boot;
    }
    let m = m.clone();
    if !dropped.is_empty() {
        s.violations.push(format!(
            "update of {id} dropped {}: a partial config",
            dropped.join(", ")
        ));
    }
    Reply::json(200, machine_json(s, &m))
}
