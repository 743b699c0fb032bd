//! Every decoder this adapter applies to an answer, fed the same bytes (see `crate::fuzzing`).

use super::api::{
    ContainerList, Deployment, DeploymentList, Environment, EnvironmentDomain, JobList, JobLogLine,
    Project, ProjectList, StatsAnswer, User,
};
use super::errors::{CallContext, detail, from_status};
use super::mapping::{self, Context, ProjectRef};
use super::paging;
use crate::net::decode_json;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

pub(crate) fn fuzz_answer(bytes: &[u8]) {
    let project = ProjectRef {
        id: 1,
        slug: "shop".to_owned(),
        name: "Shop".to_owned(),
        preset: Some("nextjs".to_owned()),
    };
    if let Ok(list) = decode_json::<ProjectList>(bytes, "projects") {
        let _ = list.projects.iter().map(ProjectRef::from_api).count();
    }
    if let Ok(one) = decode_json::<Project>(bytes, "project") {
        let _ = ProjectRef::from_api(&one).is_static();
    }
    if let Ok(list) = decode_json::<DeploymentList>(bytes, "deployments") {
        for d in &list.deployments {
            map(d, &project);
        }
    }
    if let Ok(one) = decode_json::<Deployment>(bytes, "deployment") {
        map(&one, &project);
    }
    let added = decode_json::<Vec<EnvironmentDomain>>(bytes, "domains").unwrap_or_default();
    if let Ok(envs) = decode_json::<Vec<Environment>>(bytes, "environments") {
        for env in &envs {
            let hosts = mapping::environment_hosts(&[format!("https://{}", env.slug)], &added);
            let _ = mapping::environment(&project, env, &hosts);
        }
    }
    let _ = decode_json::<JobList>(bytes, "jobs");
    let _ = decode_json::<ContainerList>(bytes, "containers");
    let _ = decode_json::<StatsAnswer>(bytes, "stats");
    let _ = decode_json::<User>(bytes, "user");
    if let Ok(text) = std::str::from_utf8(bytes) {
        let _ = text
            .lines()
            .filter_map(|line| serde_json::from_str::<JobLogLine>(line).ok())
            .count();
        let _ = paging::Cursor::decode("shop/production", text);
        let _ = mapping::hostname(text);
    }
    let call = CallContext {
        doing: "roll back production to d7".to_owned(),
        permission: "deployments:create",
        subject: "deployment 7".to_owned(),
    };
    for content_type in ["application/problem+json", "text/plain"] {
        for status in [400u16, 401, 403, 404, 409, 412, 429, 500] {
            let status = StatusCode::from_u16(status).expect("a valid status");
            let (words, problem) = detail(status, content_type, bytes);
            let _ = from_status(
                status,
                &HeaderMap::new(),
                &words,
                problem.as_ref(),
                &call,
                "TEMPS_API_KEY",
            )
            .to_string();
        }
    }
}

fn map(d: &Deployment, project: &ProjectRef) {
    for live in [None, Some(d.id)] {
        let context = Context { project, live };
        let _ = mapping::deployment(d, &context);
        let _ = mapping::runtime(d, &context);
    }
    let _ = mapping::config(d);
    let _ = mapping::build_status(&d.status);
}
