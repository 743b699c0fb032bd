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
    /// Every page of releases is empty and says there is another, under a new cursor.
    pub endless_releases: bool,
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
            endless_releases: false,
            violations: Vec::new(),
            performed: 0,
            buckets: HashMap::new(),
            next: 0,
        }
    }

    pub fn now(&self) -> i64 {
        self.clock.now().timestamp()
    }

    pub fn fresh(&mut self, prefix: &str) -> String {
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
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Path segment `n` (0-based after the API prefix).
    pub fn segment(&self, n: usize) -> String {
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
