//! What the fake Vercel does for each call: the in-memory team, projects and deployments,
//! moved forward on the virtual clock (builds finish, aliases move one at a time, rolling
//! releases complete), and the rules Vercel applies to rollback, promote and redeploy.

use super::fake::{
    AliasJob, FakeBuild, FakeDeployment, FakeProject, FakeState, FakeUser, OBSERVABILITY, error,
};
use serde_json::{Value, json};

pub struct Request<'a> {
    pub route: &'a str,
    pub path: &'a str,
    pub query: &'a [(String, String)],
    pub body: Option<&'a Value>,
    pub user: &'a FakeUser,
}

impl Request<'_> {
    fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn number(&self, name: &str) -> Option<i64> {
        self.param(name)?.parse::<f64>().ok().map(|n| n as i64)
    }

    /// The path's `index`th segment (`/v9/projects/prj_1` → 2 is `prj_1`).
    fn segment(&self, index: usize) -> &str {
        self.path
            .trim_start_matches('/')
            .split('/')
            .nth(index)
            .unwrap_or("")
    }
}

pub struct Reply {
    pub status: u16,
    pub body: Option<Value>,
    pub headers: Vec<(&'static str, String)>,
}

fn ok(body: Value) -> Reply {
    Reply {
        status: 200,
        body: Some(body),
        headers: Vec::new(),
    }
}

fn fail(status: u16, code: &str, message: &str) -> Reply {
    Reply {
        status,
        body: Some(error(code, message)),
        headers: Vec::new(),
    }
}

/// Vercel answers rollback and promote with a status and nothing else.
fn empty(status: u16) -> Reply {
    Reply {
        status,
        body: None,
        headers: Vec::new(),
    }
}

fn is_viewer(user: &FakeUser) -> bool {
    matches!(user.role, "VIEWER" | "VIEWER_FOR_PLUS" | "BILLING")
}

fn forbidden(what: &str) -> Reply {
    fail(
        403,
        "forbidden",
        &format!("You don't have permission to {what} in this team"),
    )
}

// ----------------------------------------------------------------------------------------
// Time: builds, alias jobs and rolling releases move on the virtual clock.

/// Each alias's status at `now`: one after the other, `step_ms` each.
pub fn alias_states(job: &AliasJob, now: i64) -> Vec<&'static str> {
    job.hosts
        .iter()
        .enumerate()
        .map(|(i, host)| {
            let start = job.requested_at + i as i64 * job.step_ms;
            let end = start + job.step_ms;
            if now < start {
                "pending"
            } else if now < end {
                "in-progress"
            } else if job.failing.contains(host) {
                "failed"
            } else {
                "completed"
            }
        })
        .collect()
}

pub fn job_status(job: &AliasJob, now: i64) -> &'static str {
    let states = alias_states(job, now);
    if states.is_empty() {
        return if now >= job.requested_at + job.step_ms {
            "succeeded"
        } else {
            "in-progress"
        };
    }
    if states.iter().all(|s| *s == "completed" || *s == "failed") {
        if states.contains(&"failed") {
            "failed"
        } else {
            "succeeded"
        }
    } else if states.iter().all(|s| *s == "pending") {
        "pending"
    } else {
        "in-progress"
    }
}

/// The hostnames a switch of the project moves: its production domains and its automatic
/// production alias.
pub fn production_hosts(s: &FakeState, p: &FakeProject) -> Vec<String> {
    let mut hosts: Vec<String> = p
        .domains
        .iter()
        .filter(|d| d.moves())
        .map(|d| d.name.clone())
        .collect();
    hosts.push(format!("{}-{}.vercel.app", p.name, scope_slug(s)));
    hosts
}

fn scope_slug(s: &FakeState) -> String {
    s.team
        .as_ref()
        .map(|t| t.slug.clone())
        .unwrap_or_else(|| "personal".to_owned())
}

fn promote_to_production(s: &mut FakeState, project: usize, uid: &str) {
    let p = &mut s.projects[project];
    p.production = Some(uid.to_owned());
    p.history.push(uid.to_owned());
    if let Some(d) = s.deployments.iter_mut().find(|d| d.uid == uid) {
        d.substate = Some("PROMOTED");
        d.alias_assigned = true;
    }
}

pub fn start_job(s: &mut FakeState, project: usize, rollback: bool, to: &str, at: i64) {
    let hosts = production_hosts(s, &s.projects[project]);
    let failing = std::mem::take(&mut s.failing_aliases);
    let p = &mut s.projects[project];
    let job = AliasJob {
        rollback,
        from: p.production.clone().unwrap_or_default(),
        to: to.to_owned(),
        requested_at: at,
        hosts,
        failing,
        step_ms: s.alias_step_ms,
        applied: false,
    };
    if rollback {
        // Automatic assignment of production domains stops at once.
        p.auto_assign = false;
    }
    p.last_request = Some(job);
    p.updated_at = at;
}

fn settle_jobs(s: &mut FakeState, now: i64) {
    for i in 0..s.projects.len() {
        let Some(job) = s.projects[i].last_request.clone() else {
            continue;
        };
        if job.applied {
            continue;
        }
        match job_status(&job, now) {
            "succeeded" => {
                promote_to_production(s, i, &job.to);
                if !job.rollback {
                    s.projects[i].auto_assign = true;
                }
            }
            // A failed job leaves production where it was, split: the moved aliases
            // serve the target, the others the deployment they served.
            "failed" => {}
            _ => continue,
        }
        if let Some(job) = s.projects[i].last_request.as_mut() {
            job.applied = true;
        }
    }
}

/// Moves everything forward to the clock's now.
pub fn settle(s: &mut FakeState) {
    let now = s.now_ms();
    let mut ready = Vec::new();
    for d in s.deployments.iter_mut() {
        let Some(build) = d.build.clone() else {
            continue;
        };
        let building_at = build.started + (build.duration_ms / 2).min(1000);
        if d.state == "QUEUED" && now >= building_at {
            d.state = "BUILDING";
            d.events
                .push((building_at, "stdout", "Running \"vercel build\"".to_owned()));
        }
        let done = build.started + build.duration_ms;
        if now >= done {
            d.build = None;
            if build.fails {
                d.state = "ERROR";
                d.error = Some("Command \"npm run build\" exited with 1".to_owned());
                d.events.push((
                    done,
                    "stderr",
                    "Error: Command \"npm run build\" exited with 1".to_owned(),
                ));
            } else {
                d.state = "READY";
                d.ready_at = Some(done);
                d.events.push((
                    done,
                    "stdout",
                    "Build Completed in /vercel/output".to_owned(),
                ));
                ready.push(d.uid.clone());
            }
        }
    }
    for uid in ready {
        let d = s.deployment(&uid).cloned().expect("deployment");
        if d.target != Some("production") {
            continue;
        }
        let project = s
            .projects
            .iter()
            .position(|p| p.id == d.project_id)
            .expect("project");
        let p = &s.projects[project];
        let rolling = p.rolling.as_ref().is_some_and(|r| !r.done);
        if p.auto_assign && !rolling {
            promote_to_production(s, project, &uid);
        } else {
            // Rolled back (or releasing): built, but no production domains.
            s.deployment_mut(&uid).expect("deployment").substate = Some("STAGED");
        }
    }
    settle_jobs(s, now);
    for i in 0..s.projects.len() {
        let Some(rolling) = s.projects[i].rolling.clone() else {
            continue;
        };
        if rolling.done || now < rolling.completes {
            continue;
        }
        s.projects[i].rolling.as_mut().expect("rolling").done = true;
        promote_to_production(s, i, &rolling.canary);
        if let Some(queued) = &rolling.queued {
            start_job(s, i, false, queued, rolling.completes);
        }
    }
    settle_jobs(s, now);
}

// ----------------------------------------------------------------------------------------
// Answers.

fn user_json(u: &FakeUser, s: &FakeState) -> Value {
    json!({
        "user": {
            "createdAt": 1_600_000_000_000i64, "softBlock": null, "billing": null,
            "resourceConfig": {}, "stagingPrefix": "acme", "hasTrialAvailable": false,
            "id": u.id, "email": format!("{}@example.com", u.username), "name": u.username,
            "username": u.username, "avatar": null,
            "defaultTeamId": s.team.as_ref().map(|t| t.id.clone()),
        }
    })
}

fn team_json(s: &FakeState, u: &FakeUser) -> Value {
    let team = s.team.as_ref().expect("a team");
    json!({
        "creatorId": "u_owner", "updatedAt": 1_600_000_000_000i64, "description": null,
        "stagingPrefix": team.slug, "id": team.id, "slug": team.slug, "name": team.slug,
        "avatar": null, "createdAt": 1_600_000_000_000i64,
        "membership": { "uid": u.id, "teamId": team.id, "confirmed": true, "role": u.role,
            "createdAt": 1_600_000_000_000i64, "created": 1_600_000_000_000i64 },
    })
}

fn owner_id(s: &FakeState) -> String {
    s.team
        .as_ref()
        .map(|t| t.id.clone())
        .unwrap_or_else(|| "u_owner".to_owned())
}

fn is_candidate(d: &FakeDeployment, p: &FakeProject) -> bool {
    d.target == Some("production")
        && d.state == "READY"
        && d.substate == Some("PROMOTED")
        && !d.soft_deleted
        && p.production.as_deref() != Some(d.uid.as_str())
}

fn custom_slug(p: &FakeProject, id: &str) -> Option<String> {
    p.custom_envs
        .iter()
        .find(|(i, _)| i == id)
        .map(|(_, slug)| slug.clone())
}

fn creator(d: &FakeDeployment) -> Value {
    json!({ "uid": format!("u_{}", d.creator), "email": format!("{}@example.com", d.creator), "username": d.creator })
}

fn target_json(p: &FakeProject, d: &FakeDeployment, alias: Vec<String>) -> Value {
    let mut v = json!({
        "id": d.uid, "alias": alias, "aliasAssigned": d.ready_at, "createdAt": d.created,
        "createdIn": "iad1", "creator": creator(d), "deploymentHostname": d.url.trim_end_matches(".vercel.app"),
        "name": d.name, "plan": p.plan, "private": false, "readyState": d.state,
        "type": "LAMBDAS", "url": d.url,
        "userId": format!("u_{}", d.creator), "target": d.target, "meta": d.meta,
    });
    if let Some(sub) = d.substate {
        v["readySubstate"] = json!(sub);
    }
    v
}

fn project_json(s: &FakeState, p: &FakeProject) -> Value {
    let production = p
        .production
        .as_deref()
        .and_then(|id| s.deployment(id))
        .map(|d| {
            let mut alias = production_hosts(s, p);
            alias.push(format!("{}-git-main-{}.vercel.app", p.name, scope_slug(s)));
            target_json(p, d, alias)
        });
    let mut targets = json!({ "production": production });
    for (id, slug) in &p.custom_envs {
        let latest = s
            .deployments
            .iter()
            .rev()
            .find(|d| d.custom_env.as_deref() == Some(id.as_str()) && d.state == "READY");
        if let Some(d) = latest {
            let alias = p
                .domains
                .iter()
                .filter(|m| m.custom_env.as_deref() == Some(id.as_str()))
                .map(|m| m.name.clone())
                .collect();
            targets[slug] = target_json(p, d, alias);
        }
    }
    let mut v = json!({
        "accountId": owner_id(s), "directoryListing": false, "id": p.id, "name": p.name,
        "nodeVersion": "22.x", "resourceConfig": { "functionDefaultRegions": ["iad1"] },
        "defaultResourceConfig": { "functionDefaultRegions": ["iad1"] },
        "createdAt": 1_600_000_000_000i64, "updatedAt": p.updated_at, "live": false,
        "targets": targets,
        "customEnvironments": p.custom_envs.iter().map(|(id, slug)| json!({
            "id": id, "slug": slug, "type": "preview", "createdAt": 1_600_000_000_000i64,
            "updatedAt": 1_600_000_000_000i64,
        })).collect::<Vec<_>>(),
    });
    if let Some(job) = &p.last_request {
        v["lastAliasRequest"] = json!({
            "fromDeploymentId": job.from, "toDeploymentId": job.to,
            "jobStatus": job_status(job, s.now_ms()), "requestedAt": job.requested_at,
            "type": if job.rollback { "rollback" } else { "promote" },
        });
    }
    if p.rolling_configured {
        v["rollingRelease"] = json!({ "target": "production", "stages": [
            { "targetPercentage": 25, "duration": 10 }, { "targetPercentage": 100 }
        ]});
    }
    v
}

fn listed_json(s: &FakeState, p: &FakeProject, d: &FakeDeployment) -> Value {
    let mut v = json!({
        "uid": d.uid, "name": d.name, "projectId": d.project_id, "url": d.url,
        "created": d.created, "createdAt": d.created, "buildingAt": d.created + 500,
        "state": d.state, "readyState": d.state, "type": "LAMBDAS", "creator": creator(d),
        "meta": d.meta, "target": d.target, "source": d.source,
        "inspectorUrl": format!("https://vercel.com/{}/{}/{}", scope_slug(s), p.name, d.uid),
        "isRollbackCandidate": is_candidate(d, p),
        "aliasAssigned": if d.alias_assigned { json!(d.ready_at) } else { Value::Null },
    });
    if let Some(ready) = d.ready_at {
        v["ready"] = json!(ready);
    }
    if let Some(sub) = d.substate.filter(|_| d.state == "READY") {
        v["readySubstate"] = json!(sub);
    }
    if d.soft_deleted {
        v["softDeletedByRetention"] = json!(true);
    }
    if let Some(env) = &d.custom_env {
        v["customEnvironment"] = json!({ "id": env, "slug": custom_slug(p, env) });
    }
    if let Some(e) = &d.error {
        v["errorMessage"] = json!(e);
        v["errorCode"] = json!("BUILD_FAILED");
    }
    v
}

fn full_json(s: &FakeState, p: &FakeProject, d: &FakeDeployment) -> Value {
    let mut v = json!({
        "build": { "env": [] }, "env": [],
        "inspectorUrl": format!("https://vercel.com/{}/{}/{}", scope_slug(s), p.name, d.uid),
        "isInConcurrentBuildsQueue": false, "isInSystemBuildsQueue": false,
        "projectSettings": {}, "aliasAssigned": d.alias_assigned,
        "bootedAt": d.created, "buildingAt": d.created + 500, "buildSkipped": false,
        "creator": { "uid": format!("u_{}", d.creator), "username": d.creator },
        "public": false, "status": d.state, "id": d.uid, "createdAt": d.created,
        "readyState": d.state, "name": d.name, "type": "LAMBDAS", "meta": d.meta,
        "regions": ["iad1"], "url": d.url, "version": 2, "projectId": d.project_id,
        "plan": p.plan, "createdIn": "iad1", "ownerId": owner_id(s), "routes": null,
        "target": d.target, "source": d.source, "alias": if d.alias_assigned {
            production_hosts(s, p) } else { Vec::new() },
    });
    if let Some(team) = &s.team {
        v["team"] = json!({ "id": team.id, "name": team.slug, "slug": team.slug });
    }
    if let Some(ready) = d.ready_at {
        v["ready"] = json!(ready);
    }
    if let Some(sub) = d.substate.filter(|_| d.state == "READY") {
        v["readySubstate"] = json!(sub);
    }
    if d.soft_deleted {
        v["softDeletedByRetention"] = json!(true);
    }
    if let Some(env) = &d.custom_env {
        v["customEnvironment"] = json!({ "id": env });
    }
    if let Some(e) = &d.error {
        v["errorMessage"] = json!(e);
        v["errorCode"] = json!("BUILD_FAILED");
    }
    v
}

/// A page of `items` (each with its timestamp), newest first: `until` the previous page's
/// `next`, as Vercel pages.
fn page<T: Clone>(mut items: Vec<(i64, T)>, limit: usize, until: Option<i64>) -> (Vec<T>, Value) {
    items.sort_by_key(|item| std::cmp::Reverse(item.0));
    let items: Vec<(i64, T)> = items
        .into_iter()
        .filter(|(at, _)| until.is_none_or(|u| *at < u))
        .collect();
    let more = items.len() > limit;
    let taken: Vec<(i64, T)> = items.into_iter().take(limit).collect();
    let next = if more {
        json!(taken.last().map(|t| t.0))
    } else {
        Value::Null
    };
    let pagination = json!({ "count": taken.len(), "next": next, "prev": null });
    (taken.into_iter().map(|t| t.1).collect(), pagination)
}

fn project_index(s: &FakeState, id_or_name: &str) -> Option<usize> {
    s.projects
        .iter()
        .position(|p| p.id == id_or_name || p.name == id_or_name)
}

fn find_deployment<'a>(s: &'a FakeState, id_or_url: &str) -> Option<&'a FakeDeployment> {
    s.deployments
        .iter()
        .find(|d| d.uid == id_or_url || d.url == id_or_url)
}

pub fn dispatch(s: &mut FakeState, r: &Request<'_>) -> Reply {
    match r.route {
        "GET /v2/user" => ok(user_json(r.user, s)),
        "GET /v2/teams/{teamId}" | "GET /teams/{teamId}" => {
            let asked = r.path.rsplit('/').next().unwrap_or("");
            match &s.team {
                Some(t) if t.id == asked || t.slug == asked => ok(team_json(s, r.user)),
                _ => fail(404, "not_found", "Team not found"),
            }
        }
        "GET /v10/projects" => {
            let limit = r.number("limit").unwrap_or(20).clamp(1, 100) as usize;
            let items = s
                .projects
                .iter()
                .map(|p| (p.updated_at, project_json(s, p)))
                .collect();
            let (projects, pagination) = page(items, limit, r.number("from"));
            ok(json!({ "projects": projects, "pagination": pagination }))
        }
        "GET /v9/projects/{idOrName}" => match s.project(r.segment(2)) {
            Some(p) => ok(project_json(s, p)),
            None => fail(404, "not_found", "Project not found"),
        },
        "GET /v9/projects/{idOrName}/domains" => {
            let Some(p) = s.project(r.segment(2)) else {
                return fail(404, "not_found", "Project not found");
            };
            let items = p
                .domains
                .iter()
                .enumerate()
                .filter(|(_, d)| r.param("production") != Some("true") || d.moves())
                .filter(|(_, d)| r.param("redirects") != Some("false") || d.redirect.is_none())
                .filter(|(_, d)| {
                    r.param("gitBranch")
                        .is_none_or(|b| d.git_branch.as_deref() == Some(b))
                })
                .map(|(i, d)| {
                    let created = 1_600_000_000_000i64 + i as i64 * 1000;
                    (
                        created,
                        json!({
                            "name": d.name, "apexName": d.name.split('.').skip(1).collect::<Vec<_>>().join("."),
                            "projectId": p.id, "redirect": d.redirect,
                            "redirectStatusCode": d.redirect.as_ref().map(|_| 308),
                            "gitBranch": d.git_branch, "customEnvironmentId": d.custom_env,
                            "updatedAt": created, "createdAt": created, "verified": d.verified,
                        }),
                    )
                })
                .collect();
            let limit = r.number("limit").unwrap_or(20).clamp(1, 100) as usize;
            let (domains, pagination) = page(items, limit, r.number("until"));
            ok(json!({ "domains": domains, "pagination": pagination }))
        }
        "GET /v6/deployments" | "GET /v7/deployments" => list_deployments(s, r),
        "GET /v13/deployments/{idOrUrl}" => match find_deployment(s, r.segment(2)) {
            Some(d) => {
                let p = s.project(&d.project_id).expect("project");
                ok(full_json(s, p, d))
            }
            None => fail(404, "not_found", "Deployment not found"),
        },
        "POST /v9/projects/{projectId}/rollback/{deploymentId}"
        | "POST /v1/projects/{projectId}/rollback/{deploymentId}" => {
            rollback(s, r, r.segment(2), r.segment(4))
        }
        "POST /v10/projects/{projectId}/promote/{deploymentId}" => {
            promote(s, r, r.segment(2), r.segment(4))
        }
        "GET /v9/projects/{projectId}/rollback/aliases" => aliases(s, r, true, false),
        "GET /v9/projects/{projectId}/promote/aliases" => aliases(s, r, false, false),
        "GET /v1/projects/{projectId}/promote/aliases" => aliases(s, r, false, true),
        "GET /v1/projects/{idOrName}/rolling-release" => rolling_release(s, r),
        "POST /v13/deployments" => create(s, r),
        "GET /v3/deployments/{idOrUrl}/events" => {
            let Some(d) = find_deployment(s, r.segment(2)) else {
                return fail(404, "not_found", "Deployment not found");
            };
            let since = r.number("since");
            let limit = r.number("limit").unwrap_or(100).max(1) as usize;
            let events: Vec<Value> = d
                .events
                .iter()
                .enumerate()
                .filter(|(_, (at, _, _))| since.is_none_or(|s| *at > s))
                .take(limit)
                .map(|(i, (at, kind, text))| {
                    json!({ "type": kind, "created": at, "payload": {
                        "deploymentId": d.uid, "id": format!("evt_{i}"), "date": at,
                        "serial": format!("{at}-{i}"), "text": text, "created": at,
                    }})
                })
                .collect();
            ok(json!(events))
        }
        "PATCH /v12/deployments/{id}/cancel" => cancel(s, r),
        OBSERVABILITY => observability(s, r),
        other => fail(
            404,
            "not_found",
            &format!("the fake does not serve {other}"),
        ),
    }
}

fn list_deployments(s: &mut FakeState, r: &Request<'_>) -> Reply {
    let limit = r.number("limit").unwrap_or(20);
    if limit > 100 {
        return fail(400, "bad_request", "`limit` must be at most 100");
    }
    let Some(p) = r.param("projectId").and_then(|id| s.project(id)) else {
        return ok(
            json!({ "deployments": [], "pagination": { "count": 0, "next": null, "prev": null } }),
        );
    };
    let target = r.param("target");
    let items =
        s.deployments
            .iter()
            .filter(|d| d.project_id == p.id)
            .filter(|d| match target {
                None => true,
                Some("production") => d.target == Some("production"),
                Some("preview") => d.target.is_none() && d.custom_env.is_none(),
                Some(custom) => d.custom_env.as_deref().is_some_and(|id| {
                    id == custom || custom_slug(p, id).as_deref() == Some(custom)
                }),
            })
            .filter(|d| r.number("since").is_none_or(|since| d.created > since))
            .map(|d| (d.created, listed_json(s, p, d)))
            .collect();
    let (deployments, pagination) = page(items, limit.max(1) as usize, r.number("until"));
    ok(json!({ "deployments": deployments, "pagination": pagination }))
}

/// The deployment a rollback may go to on Hobby: production's one before the current.
fn hobby_previous(p: &FakeProject) -> Option<&str> {
    p.history
        .iter()
        .rev()
        .find(|id| Some(id.as_str()) != p.production.as_deref())
        .map(String::as_str)
}

fn switch_target<'a>(
    s: &'a FakeState,
    project: &str,
    deployment: &str,
) -> Result<(usize, &'a FakeDeployment), Reply> {
    let Some(index) = project_index(s, project) else {
        return Err(fail(404, "not_found", "Project not found"));
    };
    match s
        .deployment(deployment)
        .filter(|d| d.project_id == s.projects[index].id)
    {
        Some(d) => Ok((index, d)),
        None => Err(fail(404, "not_found", "Deployment not found")),
    }
}

fn rollback(s: &mut FakeState, r: &Request<'_>, project: &str, deployment: &str) -> Reply {
    if is_viewer(r.user) {
        return forbidden("roll back deployments");
    }
    let (index, d) = match switch_target(s, project, deployment) {
        Ok(found) => found,
        Err(reply) => return reply,
    };
    // Vercel's CLI sends `{}` and notes it is required.
    if r.body.is_none() {
        return fail(400, "bad_request", "A request body is required");
    }
    let p = &s.projects[index];
    let now = s.now_ms();
    if p.last_request
        .as_ref()
        .is_some_and(|j| !matches!(job_status(j, now), "succeeded" | "failed"))
    {
        return fail(
            409,
            "conflict",
            "A rollback or promote is already in progress for this project",
        );
    }
    if p.production.as_deref() == Some(d.uid.as_str()) {
        return fail(
            400,
            "deployment_already_current",
            "The deployment is already the current production deployment",
        );
    }
    if d.target != Some("production") || d.soft_deleted || d.state != "READY" {
        return fail(
            422,
            "invalid_deployment",
            "Only ready production deployments that still exist can be rolled back to",
        );
    }
    if d.substate != Some("PROMOTED") {
        return fail(
            422,
            "deployment_never_aliased",
            "This deployment was never assigned the production domains; promote it instead",
        );
    }
    if p.plan == "hobby" && hobby_previous(p) != Some(d.uid.as_str()) {
        return fail(
            402,
            "payment_required",
            "Hobby plans can only roll back to the previous production deployment; upgrade to Pro",
        );
    }
    let uid = d.uid.clone();
    start_job(s, index, true, &uid, now);
    s.performed += 1;
    empty(201)
}

fn promote(s: &mut FakeState, r: &Request<'_>, project: &str, deployment: &str) -> Reply {
    if is_viewer(r.user) {
        return forbidden("promote deployments");
    }
    let (index, d) = match switch_target(s, project, deployment) {
        Ok(found) => found,
        Err(reply) => return reply,
    };
    if r.body.is_none() {
        return fail(400, "bad_request", "A request body is required");
    }
    let p = &s.projects[index];
    let now = s.now_ms();
    if p.last_request
        .as_ref()
        .is_some_and(|j| !matches!(job_status(j, now), "succeeded" | "failed"))
    {
        return fail(
            409,
            "conflict",
            "A rollback or promote is already in progress for this project",
        );
    }
    if d.target != Some("production") || d.soft_deleted || d.state != "READY" {
        return fail(
            400,
            "invalid_deployment",
            "Only ready production deployments that still exist can be promoted",
        );
    }
    if p.production.as_deref() == Some(d.uid.as_str()) && p.auto_assign {
        return fail(
            400,
            "deployment_already_current",
            "The deployment is already the current production deployment",
        );
    }
    let uid = d.uid.clone();
    s.performed += 1;
    if let Some(rolling) = s.projects[index].rolling.as_mut().filter(|r| !r.done) {
        // Queued behind the active rolling release: runs when it completes.
        rolling.queued = Some(uid);
        return empty(202);
    }
    start_job(s, index, false, &uid, now);
    empty(201)
}

fn aliases(s: &mut FakeState, r: &Request<'_>, rollback: bool, as_strings: bool) -> Reply {
    let Some(p) = s.project(r.segment(2)) else {
        return fail(404, "not_found", "Project not found");
    };
    let now = s.now_ms();
    let job = p.last_request.as_ref().filter(|j| j.rollback == rollback);
    let Some(job) = job else {
        return ok(json!({ "aliases": [], "pagination": null }));
    };
    let failed_only = r.param("failedOnly") == Some("true");
    let states = alias_states(job, now);
    let items: Vec<(i64, Value)> = job
        .hosts
        .iter()
        .zip(states)
        .enumerate()
        .filter(|(_, (_, state))| !failed_only || *state == "failed")
        .map(|(i, (host, state))| {
            let points_at = if state == "completed" {
                &job.to
            } else {
                &job.from
            };
            let alias = if as_strings {
                json!(host)
            } else {
                json!({ "alias": host, "deploymentId": points_at })
            };
            (
                job.requested_at + i as i64,
                json!({ "alias": alias, "id": format!("alias_{i}"), "status": state }),
            )
        })
        .collect();
    let limit = r.number("limit").unwrap_or(20).clamp(1, 100) as usize;
    let (aliases, pagination) = page(items, limit, r.number("until"));
    // Newest first by Vercel's paging; the order the aliases were moved reads better.
    let mut aliases = aliases;
    aliases.reverse();
    ok(json!({ "aliases": aliases, "pagination": pagination }))
}

fn rolling_release(s: &mut FakeState, r: &Request<'_>) -> Reply {
    let Some(p) = s.project(r.segment(2)) else {
        return fail(404, "not_found", "Project not found");
    };
    let Some(rolling) = &p.rolling else {
        return ok(json!({ "rollingRelease": null }));
    };
    let brief = |uid: &str| {
        s.deployment(uid).map(|d| {
            json!({ "id": d.uid, "name": d.name, "url": d.url, "createdAt": d.created,
                "readyState": d.state, "target": d.target })
        })
    };
    let stage = |index: u32, pct: f64, last: bool| {
        json!({ "index": index, "isFinalStage": last, "targetPercentage": pct,
            "requireApproval": false, "duration": if last { Value::Null } else { json!(600) } })
    };
    let first = stage(0, rolling.percentage, false);
    let last = stage(1, 100.0, true);
    ok(json!({ "rollingRelease": {
        "state": if rolling.done { "COMPLETE" } else { "ACTIVE" },
        "currentDeployment": brief(&rolling.base),
        "canaryDeployment": brief(&rolling.canary),
        "queuedDeploymentId": rolling.queued,
        "advancementType": "automatic",
        "stages": [first.clone(), last.clone()],
        "activeStage": if rolling.done { last.clone() } else { first },
        "nextStage": if rolling.done { Value::Null } else { last },
        "startedAt": rolling.started, "updatedAt": s.now_ms(),
    }}))
}

fn create(s: &mut FakeState, r: &Request<'_>) -> Reply {
    if is_viewer(r.user) {
        return forbidden("create deployments");
    }
    let body = r.body.cloned().unwrap_or(Value::Null);
    let Some(source_id) = body["deploymentId"].as_str() else {
        return fail(
            400,
            "bad_request",
            "the fake builds from an existing deployment only",
        );
    };
    let Some(source) = s.deployment(source_id).cloned() else {
        return fail(404, "not_found", "Deployment not found");
    };
    let Some(index) = project_index(s, &source.project_id) else {
        return fail(404, "not_found", "Project not found");
    };
    if body["name"].as_str() != Some(s.projects[index].name.as_str()) {
        return fail(400, "bad_request", "`name` must be the project's name");
    }
    let from_git = source.meta.contains_key("githubCommitSha");
    if source.soft_deleted && !from_git {
        return fail(
            400,
            "deployment_deleted",
            "The deployment was deleted and has no git source to build from",
        );
    }
    let now = s.now_ms();
    let uid = s.new_id("dpl");
    let short: String = uid.chars().rev().take(9).collect();
    let p = &s.projects[index];
    let custom_env = body["customEnvironmentSlugOrId"].as_str().and_then(|c| {
        p.custom_envs
            .iter()
            .find(|(id, slug)| id == c || slug == c)
            .map(|(id, _)| id.clone())
    });
    let mut meta = source.meta.clone();
    let action = body["meta"]["action"].as_str().unwrap_or("").to_owned();
    if !action.is_empty() {
        meta.insert("action".to_owned(), action.clone());
    }
    let d = FakeDeployment {
        uid: uid.clone(),
        project_id: p.id.clone(),
        name: p.name.clone(),
        url: format!("{}-{short}-{}.vercel.app", p.name, scope_slug(s)),
        created: now,
        ready_at: None,
        state: "QUEUED",
        substate: None,
        target: (body["target"].as_str() == Some("production")).then_some("production"),
        custom_env,
        source: if action == "redeploy" {
            "redeploy"
        } else {
            "cli"
        },
        creator: r.user.username.clone(),
        meta,
        soft_deleted: false,
        alias_assigned: false,
        error: None,
        build: Some(FakeBuild {
            started: now,
            duration_ms: s.build_ms,
            fails: s.builds_fail,
        }),
        events: vec![(
            now,
            "stdout",
            format!("Cloning {} (from {})", p.name, source.uid),
        )],
    };
    s.deployments.push(d);
    s.performed += 1;
    let p = s.projects[index].clone();
    let d = s.deployment(&uid).expect("created");
    ok(full_json(s, &p, d))
}

fn cancel(s: &mut FakeState, r: &Request<'_>) -> Reply {
    if is_viewer(r.user) {
        return forbidden("cancel deployments");
    }
    let id = r.segment(2).to_owned();
    let Some(d) = s.deployment(&id).cloned() else {
        return fail(404, "not_found", "Deployment not found");
    };
    if !matches!(d.state, "QUEUED" | "BUILDING" | "INITIALIZING") {
        return fail(
            400,
            "deployment_not_cancelable",
            "Only deployments that are still building can be canceled",
        );
    }
    let now = s.now_ms();
    let d = s.deployment_mut(&id).expect("deployment");
    d.state = "CANCELED";
    d.build = None;
    d.events.push((now, "stdout", "Canceled".to_owned()));
    let d = d.clone();
    let p = s.project(&d.project_id).expect("project").clone();
    ok(full_json(s, &p, &d))
}

/// Not in the trimmed spec: checked here against the shape Vercel's CLI sends.
fn observability(s: &mut FakeState, r: &Request<'_>) -> Reply {
    let body = r.body.cloned().unwrap_or(Value::Null);
    let shape_ok = body["scope"]["type"] == "project"
        && body["scope"]["ownerId"].as_str() == Some(owner_id(s).as_str())
        && body["scope"]["projectIds"][0].is_string()
        && body["metric"].is_string()
        && body["startTime"].is_string()
        && body["endTime"].is_string()
        && body["granularity"].is_object();
    if !shape_ok {
        s.violations.push(format!(
            "{OBSERVABILITY}: body does not fit the CLI's shape: {body}"
        ));
        return fail(400, "bad_request", "invalid query");
    }
    if !s.observability {
        return fail(
            402,
            "payment_required",
            "This feature requires an Observability Plus subscription",
        );
    }
    ok(json!({ "data": s.observability_rows, "summary": [], "statistics": {} }))
}
