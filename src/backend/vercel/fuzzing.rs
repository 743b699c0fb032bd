//! Every decoder this adapter applies to an answer, fed the same bytes (see `crate::fuzzing`).

use super::api::{
    AliasStatuses, DeploymentList, Event, FullDeployment, ObservabilityAnswer, Project,
    ProjectDomains, Projects, RollingReleaseAnswer, Team, UserAnswer,
};
use super::errors::{Call, from_status};
use super::mapping::{self, Dep, MapContext};
use super::{history, observability};
use crate::domain::{DeploymentId, EnvRef};
use crate::net::decode_json;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

pub(crate) fn fuzz_answer(bytes: &[u8]) {
    let env = EnvRef::new("shop", "production");
    let project = decode_json::<Project>(bytes, "project").ok();
    let mut listing = Vec::new();
    if let Ok(list) = decode_json::<DeploymentList>(bytes, "deployments") {
        listing.extend(list.deployments.iter().map(Dep::from_listed));
    }
    if let Ok(full) = decode_json::<FullDeployment>(bytes, "deployment") {
        let _ = full.alias_assigned();
        listing.push(Dep::from_full(&full));
    }
    for d in &listing {
        let ctx = MapContext {
            env: &env,
            live: project.as_ref().and_then(Project::live_id),
            last_request: project.as_ref().and_then(|p| p.last_alias_request.as_ref()),
            redeployed_from: Some(DeploymentId::new("dpl_0")),
        };
        let _ = mapping::deployment(d, &ctx);
        let _ = mapping::environment_of(d, &|id| Some(format!("env-{id}")));
        let _ = mapping::label(d);
        let _ = mapping::commit(d);
        let _ = mapping::author(d);
        let _ = mapping::runtime_state(d);
    }
    if let Some(project) = &project {
        let _ = history::changes(project, &listing);
    }
    let _ = decode_json::<Projects>(bytes, "projects");
    let _ = decode_json::<UserAnswer>(bytes, "user");
    let _ = decode_json::<Team>(bytes, "team");
    let _ = decode_json::<ProjectDomains>(bytes, "domains");
    let _ = decode_json::<AliasStatuses>(bytes, "aliases");
    let _ = decode_json::<RollingReleaseAnswer>(bytes, "rolling release");
    if let Ok(events) = decode_json::<Option<Vec<Option<Event>>>>(bytes, "events") {
        let _ = events
            .unwrap_or_default()
            .iter()
            .flatten()
            .filter_map(|e| e.text().map(str::len))
            .count();
    }
    if let Ok(answer) = decode_json::<ObservabilityAnswer>(bytes, "observability") {
        let deployment = DeploymentId::new("dpl_1");
        for scope in [None, Some(&deployment)] {
            let _ = observability::series(&answer.data, 60, scope).map_err(|e| e.to_string());
        }
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        let _ = super::reads::decode_cursor("shop/production", text);
    }
    let call = Call::write("roll back to dpl_1", "deployment dpl_1");
    for status in [400u16, 401, 402, 403, 404, 409, 412, 429, 500] {
        let status = StatusCode::from_u16(status).expect("a valid status");
        let _ = from_status(status, &HeaderMap::new(), bytes, &call).to_string();
    }
}
