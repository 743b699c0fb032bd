//! Every decoder this adapter applies to an answer, fed the same bytes (see `crate::fuzzing`):
//! the Machines API's Machines, leases and certificates, GraphQL's releases and images (with
//! their errors), Prometheus' matrices and the error answers; then every mapping built on
//! them (the live distribution, deployments, the environment, the diff, the refusals, the
//! batches of a rollout).

use super::api::{Lease, Machine, NewRelease, Release};
use super::calls::{hostnames_of, image_of, release_page_of};
use super::client::graphql_data;
use super::errors::{Doing, detail, from_status, lease_holder};
use super::mapping::{self, Snapshot};
use super::plan::{Pace, batches};
use super::{actions, diff, rates, switch};
use crate::domain::{DeploymentId, EnvironmentId, ProjectId, Scope, Strategy};
use crate::net::decode_json;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::Value;

pub(crate) fn fuzz_answer(bytes: &[u8]) {
    let mut machines = decode_json::<Vec<Machine>>(bytes, "machines").unwrap_or_default();
    if let Ok(machine) = decode_json::<Machine>(bytes, "machine") {
        machines.push(machine);
    }
    let _ = decode_json::<Lease>(bytes, "lease");
    let _ = decode_json::<NewRelease>(bytes, "release");
    let mut releases = decode_json::<Vec<Release>>(bytes, "releases").unwrap_or_default();
    let mut hostnames = Vec::new();
    if let Ok(answer) = decode_json::<Value>(bytes, "answer") {
        hostnames = hostnames_of(&answer);
        let _ = rates::matrix(&answer).map_err(|e| e.to_string());
        let _ = lease_holder(answer["error"].as_str().unwrap_or_default());
        if let Ok(data) = graphql_data(answer, "FLY_API_TOKEN") {
            if let Ok(page) = release_page_of("shop-web", &data) {
                releases.extend(page.releases);
            }
            let _ = image_of("registry.fly.io/shop-web:deployment-1", &data);
        }
    }
    map(&machines, releases, &hostnames);
    let doing = Doing::new("update Machine 1 of shop-web", "deploy shop-web");
    let _ = detail(bytes);
    for status in [400u16, 401, 403, 404, 408, 409, 412, 422, 429, 500, 503] {
        let status = StatusCode::from_u16(status).expect("a valid status");
        let _ = from_status(status, &HeaderMap::new(), bytes, &doing, "FLY_API_TOKEN").to_string();
    }
}

/// The mappings over whatever Machines and releases the bytes decoded to.
fn map(machines: &[Machine], releases: Vec<Release>, hostnames: &[String]) {
    let snap = Snapshot::new(
        ProjectId::new("shop"),
        EnvironmentId::new("production"),
        "shop-web".to_owned(),
        releases,
        machines,
    );
    let _ = snap.live.label();
    let _ = snap.live_author();
    let _ = mapping::environment(&snap, hostnames);
    let _ = switch::check_expected(&snap, Some(&DeploymentId::new("v1")));
    for release in &snap.history {
        let _ = mapping::deployment(release, &snap);
        let _ = actions::rollback_refusal(&snap, release);
        let _ = actions::redeploy_refusal(&snap, release);
        let target = mapping::id(release.version);
        let _ = diff::assemble(&snap, &target, release, &snap.history, hostnames);
    }
    let scope = Scope {
        components: machines.iter().take(1).map(Machine::group).collect(),
        regions: machines.iter().take(1).map(|m| m.region.clone()).collect(),
    };
    let Ok(scoped) = switch::in_scope(machines, &scope) else {
        return;
    };
    let strategies = [
        None,
        Some(Strategy::Rolling),
        Some(Strategy::Immediate),
        Some(Strategy::Canary),
        Some(Strategy::BlueGreen),
        Some(Strategy::MaxUnavailable { percent: 33 }),
    ];
    for strategy in strategies {
        for batch in batches(&scoped, Pace::of(strategy, 0.25)) {
            let _ = batch.describe();
        }
    }
}
