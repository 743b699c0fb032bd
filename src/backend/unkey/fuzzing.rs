//! Every decoder this adapter applies to an answer, fed the same bytes (see `crate::fuzzing`).

use super::api::{
    App, CreatedDeployment, CustomDomain, Deployment, Envelope, Environment, ErrorEnvelope,
    Project, Rows,
};
use super::errors::{CallContext, from_status};
use super::mapping::{self, MapContext};
use super::{address, analytics, domains, views};
use crate::domain::{DeploymentId, EnvRef};
use crate::net::{Replay, decode_json};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

pub(crate) fn fuzz_answer(bytes: &[u8]) {
    let env = EnvRef::new("proj/app", "production");
    let _ = decode_json::<Envelope<Vec<Project>>>(bytes, "projects.listProjects")
        .map(|p| views::next_cursor("projects", p.pagination));
    let _ = decode_json::<Envelope<Vec<App>>>(bytes, "apps.listApps");
    if let Ok(envs) = decode_json::<Envelope<Vec<Environment>>>(bytes, "environments.list") {
        for env in envs.data {
            let _ = mapping::environment_kind(env.kind);
        }
    }
    if let Ok(list) = decode_json::<Envelope<Vec<Deployment>>>(bytes, "deployments.list") {
        let _ = views::next_cursor("deployments", list.pagination);
        for d in &list.data {
            map(d, &env);
        }
    }
    if let Ok(one) = decode_json::<Envelope<Deployment>>(bytes, "deployments.getDeployment") {
        map(&one.data, &env);
    }
    let _ = decode_json::<Envelope<Vec<CustomDomain>>>(bytes, "domains.list");
    let _ = decode_json::<Envelope<CreatedDeployment>>(bytes, "deployments.create");
    if let Ok(rows) = decode_json::<Envelope<Rows>>(bytes, "analytics.getVerifications") {
        let _ = analytics::series(&rows.data, 60).map_err(|e| e.to_string());
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        let _ = address::decode_cursor("deployments", text);
    }
    let problem = serde_json::from_slice::<ErrorEnvelope>(bytes)
        .ok()
        .map(|e| e.error);
    let call = CallContext {
        path: "deployments.rollbackDeployment",
        doing: "roll back to d_1".to_owned(),
        permission: "environment.*.rollback_deployment",
        subject: "deployment d_1".to_owned(),
        replay: Replay::Once,
    };
    for status in [400u16, 401, 403, 404, 409, 412, 429, 500] {
        let status = StatusCode::from_u16(status).expect("a valid status");
        let _ = from_status(
            status,
            &HeaderMap::new(),
            problem.as_ref(),
            &call,
            &super::errors::Origin {
                base_url: "https://api.unkey.com",
                token_env: "UNKEY_ROOT_KEY",
            },
        )
        .to_string();
    }
}

fn map(d: &Deployment, env: &EnvRef) {
    for show_app in [false, true] {
        let ctx = MapContext {
            env,
            show_app,
            redeployed_from: Some(DeploymentId::new("d_0")),
        };
        let _ = mapping::deployment(d, &ctx);
    }
    let _ = mapping::label(d);
    let _ = mapping::runtime_config(d);
    let custom = ["shop.example.com".to_owned()];
    let inputs = domains::DomainInputs {
        live: d,
        custom: &custom,
    };
    let _ = domains::current(&inputs);
    let _ = domains::moves(&inputs, &DeploymentId::new("d_1"));
}
