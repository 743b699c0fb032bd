//! A rollback costs no more requests than Vercel's own CLI spends on the same rollback, and
//! switchback never looks at Vercel more often than every 250 ms.
//!
//! `vercel rollback <deployment>` (packages/cli, `rollback/request-rollback.ts`,
//! `rollback/status.ts`) asks, in a team: the user, the team, the deployment, the project;
//! sends the rollback; then reads the project with `rollbackInfo=true` every 250 ms until
//! the job leaves `pending`/`in-progress`, and reads the target once more to name it. The
//! replay below sends exactly those requests to the same fake.

use super::*;
use std::time::Duration;
use switchback::backend::{Backend, vercel::VercelSettings};
use switchback::clock::VirtualClock;
use switchback::domain::{Action, OperationStatus};
use switchback::operation::{Context, Intent, plan};

const CLI_POLL: Duration = Duration::from_millis(250);

/// Vercel's CLI rolling back `shop` to `target`, request for request; the requests it made.
async fn cli_rollback(fake: &Fake, clock: &VirtualClock, target: &str) -> usize {
    switchback::net::install_tls_provider();
    let http = reqwest::Client::new();
    let get = |path: String, team: bool| {
        let mut request = http
            .get(format!("{}{path}", fake.base_url))
            .bearer_auth(fake::MEMBER_TOKEN);
        if team {
            request = request.query(&[("teamId", TEAM_ID)]);
        }
        request
    };
    let before = fake.requests().len();
    get("/v2/user".into(), false).send().await.unwrap();
    get(format!("/teams/{TEAM_ID}"), false)
        .send()
        .await
        .unwrap();
    get(format!("/v13/deployments/{target}"), true)
        .send()
        .await
        .unwrap();
    get(format!("/v9/projects/{PROJECT}"), true)
        .send()
        .await
        .unwrap();
    let sent = http
        .post(format!(
            "{}/v9/projects/{PROJECT}/rollback/{target}",
            fake.base_url
        ))
        .bearer_auth(fake::MEMBER_TOKEN)
        .query(&[("teamId", TEAM_ID)])
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 201);
    assert_eq!(sent.text().await.unwrap(), "", "201 with an empty body");
    loop {
        let project: serde_json::Value = get(format!("/v9/projects/{PROJECT}"), true)
            .query(&[("rollbackInfo", "true")])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let status = project["lastAliasRequest"]["jobStatus"].as_str().unwrap();
        if status != "pending" && status != "in-progress" {
            break;
        }
        clock.advance(CLI_POLL);
    }
    get(format!("/v13/deployments/{target}"), true)
        .send()
        .await
        .unwrap();
    fake.requests().len() - before
}

/// switchback's rollback of the same, asked about as often as the CLI looks; the requests
/// its `rollback` and the following made, and those its plan made before.
async fn switchback_rollback(h: &Harness, target: &str) -> (usize, usize) {
    let start = h.fake.requests().len();
    let planned = plan(
        &h.backend,
        Intent::new(Action::Rollback, production(), id(target)),
        &Context::default(),
    )
    .await
    .unwrap();
    let after_plan = h.fake.requests().len();
    let switchback::operation::Request::Rollback(request) = planned.request else {
        panic!("a rollback plan");
    };
    let handle = h.backend.rollback(request).await.unwrap();
    loop {
        let op = h
            .backend
            .operation(&production(), &handle.id)
            .await
            .unwrap();
        if op.status.is_finished() {
            assert_eq!(op.status, OperationStatus::Completed, "{:?}", op.log);
            break;
        }
        h.clock.advance(CLI_POLL);
    }
    let end = h.fake.requests().len();
    (after_plan - start, end - after_plan)
}

#[tokio::test]
async fn a_rollback_costs_no_more_requests_than_vercels_cli() {
    let clock = clock();
    let cli_fake = Fake::start(world(&clock)).await;
    let cli = cli_rollback(&cli_fake, &clock, GOOD).await;
    cli_fake.assert_conforms();

    let clock = self::clock();
    let h = harness(world(&clock), clock).await;
    let (plan_reads, rollback) = switchback_rollback(&h, GOOD).await;
    h.fake.assert_conforms();
    eprintln!(
        "rollback of 3 production domains, 1 s each: Vercel's CLI {cli} requests; \
         switchback {rollback} for the rollback and its following, {plan_reads} more for the plan"
    );
    assert!(
        rollback <= cli,
        "switchback sent {rollback} requests where Vercel's CLI sends {cli}"
    );
    assert!(
        plan_reads + rollback <= cli,
        "with its plan, switchback sent {} requests where Vercel's CLI sends {cli}",
        plan_reads + rollback
    );
    assert_eq!(h.fake.calls(ROLLBACK), 1);
}

#[tokio::test]
async fn following_never_looks_more_often_than_every_250_ms() {
    let clock = clock();
    // Asked for 100 ms, the adapter takes Vercel's CLI pace as the floor.
    let h = harness_with(
        world(&clock),
        clock,
        fake::MEMBER_TOKEN,
        |s: &mut VercelSettings| {
            s.min_poll = Duration::from_millis(100);
        },
    )
    .await;
    h.fake.with(|s| s.alias_step_ms = 2_000);
    let handle = h
        .backend
        .rollback(request(GOOD, Some(LIVE), "pace"))
        .await
        .unwrap();
    let sent_at = h.fake.with(|s| s.now_ms());
    for _ in 0..200 {
        h.clock.advance(Duration::from_millis(50));
        let op = h
            .backend
            .operation(&production(), &handle.id)
            .await
            .unwrap();
        if op.status.is_finished() {
            break;
        }
    }
    let looks: Vec<i64> = h
        .fake
        .requests()
        .into_iter()
        .filter(|r| r.route.as_deref() == Some(GET_PROJECT) && r.at > sent_at)
        .map(|r| r.at)
        .collect();
    assert!(looks.len() >= 2, "{looks:?}");
    let gaps: Vec<i64> = looks.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(gaps.iter().all(|g| *g >= 250), "{gaps:?}");
}
