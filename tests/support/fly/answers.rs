//! The fake's answers, per API: GraphQL (releases, images), Prometheus, the releases REST
//! API and the Machines API (leases, updates, waits, Machines made and destroyed).

use super::fake::{Api, error};
use super::model::{
    FakeLease, FakeMachine, FakeRelease, FakeState, Reply, Request, Token, TokenKind,
    graphql_operation, settle,
};
use serde_json::{Value, json};
use std::time::Duration;

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
        "releases" if s.endless_releases => {
            let end = format!("more-{}", s.requests.len());
            Reply::json(
                200,
                json!({ "data": { "app": { "releasesUnprocessed": {
                "nodes": [], "pageInfo": { "endCursor": end, "hasNextPage": true } } } } }),
            )
        }
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
