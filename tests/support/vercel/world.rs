//! The Vercel world most tests start from, and an adapter wired to a fake on a real socket,
//! the two sharing one virtual clock.

use super::fake::{
    self, Fake, FakeDeployment, FakeDomain, FakeProject, FakeState, FakeTeam, FakeUser,
};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use switchback::backend::vercel::{TeamScope, Token, VercelBackend, VercelSettings};
use switchback::clock::VirtualClock;
use switchback::domain::{DeploymentId, EnvRef};
use switchback::net::RetryPolicy;

pub const TEAM_ID: &str = "team_acme0001";
pub const TEAM_SLUG: &str = "acme";
pub const PROJECT: &str = "prj_shop0001";
pub const PROJECT_NAME: &str = "shop";
/// Production, oldest first: removed by retention, two good ones, a failed build, one
/// built but never given the domains, and the bad live one.
pub const REMOVED: &str = "dpl_gone0001";
pub const OLDER: &str = "dpl_oldr0001";
pub const GOOD: &str = "dpl_good0001";
pub const FAILED: &str = "dpl_fail0001";
pub const STAGED: &str = "dpl_stgd0001";
pub const LIVE: &str = "dpl_live0001";
pub const PREVIEW_DEPLOYMENT: &str = "dpl_prev0001";
pub const STAGING_DEPLOYMENT: &str = "dpl_stag0001";
pub const STAGING_ENV: &str = "env_stag0001";
/// A Hobby project: three production deployments, the last live.
pub const HOBBY: &str = "prj_blog0001";
pub const BLOG_V1: &str = "dpl_blog0001";
pub const BLOG_V2: &str = "dpl_blog0002";
pub const BLOG_V3: &str = "dpl_blog0003";
/// The hostnames a switch of `shop` moves, in Vercel's order.
pub const MOVING: [&str; 3] = [
    "shop.example.com",
    "www.shop.example.com",
    "shop-acme.vercel.app",
];

pub const BASE_MS: i64 = 1_763_000_000_000;

pub fn production() -> EnvRef {
    EnvRef::new(PROJECT, "production")
}

pub fn preview() -> EnvRef {
    EnvRef::new(PROJECT, "preview")
}

pub fn id(value: &str) -> DeploymentId {
    DeploymentId::new(value)
}

/// The label the adapter gives a world deployment: its URL's random part.
pub fn label(uid: &str) -> String {
    uid.trim_start_matches("dpl_").to_owned()
}

fn git(sha: &str, message: &str, author: &str) -> BTreeMap<String, String> {
    [
        ("githubCommitSha", sha),
        ("githubCommitMessage", message),
        ("githubCommitRef", "main"),
        ("githubCommitAuthorLogin", author),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// A ready production deployment of `project`, created at `at`.
pub fn deployment(project: &str, name: &str, uid: &str, at: i64) -> FakeDeployment {
    let short = label(uid);
    FakeDeployment {
        uid: uid.to_owned(),
        project_id: project.to_owned(),
        name: name.to_owned(),
        url: format!("{name}-{short}-{TEAM_SLUG}.vercel.app"),
        created: at,
        ready_at: Some(at + 45_000),
        state: "READY",
        substate: Some("PROMOTED"),
        target: Some("production"),
        custom_env: None,
        source: "git",
        creator: "alice".to_owned(),
        meta: git(
            &format!("{short}aaaabbbbcccc"),
            &format!("change {short}"),
            "alice",
        ),
        soft_deleted: false,
        alias_assigned: true,
        error: None,
        build: None,
        events: Vec::new(),
    }
}

fn project(id: &str, name: &str, plan: &'static str) -> FakeProject {
    FakeProject {
        id: id.to_owned(),
        name: name.to_owned(),
        plan,
        production: None,
        auto_assign: true,
        last_request: None,
        history: Vec::new(),
        domains: Vec::new(),
        custom_envs: Vec::new(),
        rolling: None,
        rolling_configured: false,
        updated_at: BASE_MS,
    }
}

/// The team `acme` with a member and a viewer; the Pro project `shop` (production, a
/// preview, a `staging` custom environment) and the Hobby project `blog`.
pub fn world(clock: &VirtualClock) -> FakeState {
    let mut state = FakeState::new(clock.clone());
    state.team = Some(FakeTeam {
        id: TEAM_ID.to_owned(),
        slug: TEAM_SLUG.to_owned(),
    });
    for (token, id, name, role) in [
        (fake::MEMBER_TOKEN, "u_alice", "alice", "MEMBER"),
        (fake::VIEWER_TOKEN, "u_victor", "victor", "VIEWER"),
    ] {
        state.users.insert(
            token.to_owned(),
            FakeUser {
                id: id.to_owned(),
                username: name.to_owned(),
                role,
            },
        );
    }

    let mut shop = project(PROJECT, PROJECT_NAME, "pro");
    shop.domains = vec![
        FakeDomain::production("shop.example.com"),
        FakeDomain::production("www.shop.example.com"),
        FakeDomain {
            git_branch: Some("beta".to_owned()),
            ..FakeDomain::production("beta.shop.example.com")
        },
        FakeDomain {
            redirect: Some("shop.example.com".to_owned()),
            ..FakeDomain::production("old.shop.example.com")
        },
        FakeDomain {
            custom_env: Some(STAGING_ENV.to_owned()),
            ..FakeDomain::production("staging.shop.example.com")
        },
        FakeDomain {
            verified: false,
            ..FakeDomain::production("pending.example.com")
        },
    ];
    shop.custom_envs = vec![(STAGING_ENV.to_owned(), "staging".to_owned())];
    let mut at = BASE_MS;
    for uid in [REMOVED, OLDER, GOOD, FAILED, STAGED, LIVE] {
        let mut d = deployment(PROJECT, PROJECT_NAME, uid, at);
        match uid {
            REMOVED => d.soft_deleted = true,
            FAILED => {
                d.state = "ERROR";
                d.substate = None;
                d.ready_at = None;
                d.alias_assigned = false;
                d.error = Some("Command \"npm run build\" exited with 1".to_owned());
            }
            STAGED => {
                // Built with `--skip-domain`: ready, never given the production domains.
                d.substate = Some("STAGED");
                d.alias_assigned = false;
            }
            _ => shop.history.push(uid.to_owned()),
        }
        if uid == REMOVED {
            shop.history.push(uid.to_owned());
        }
        state.deployments.push(d);
        at += 60_000;
    }
    shop.production = Some(LIVE.to_owned());
    let mut preview = deployment(PROJECT, PROJECT_NAME, PREVIEW_DEPLOYMENT, BASE_MS + 30_000);
    preview.target = None;
    preview.substate = None;
    preview.alias_assigned = false;
    preview
        .meta
        .insert("githubCommitRef".into(), "feature-x".into());
    state.deployments.push(preview);
    let mut staging = deployment(PROJECT, PROJECT_NAME, STAGING_DEPLOYMENT, BASE_MS + 90_000);
    staging.target = None;
    staging.substate = None;
    staging.custom_env = Some(STAGING_ENV.to_owned());
    state.deployments.push(staging);
    state.projects.push(shop);

    let mut blog = project(HOBBY, "blog", "hobby");
    blog.updated_at = BASE_MS - 1000;
    blog.domains = vec![FakeDomain::production("blog.example.com")];
    for (i, uid) in [BLOG_V1, BLOG_V2, BLOG_V3].into_iter().enumerate() {
        state
            .deployments
            .push(deployment(HOBBY, "blog", uid, BASE_MS + i as i64 * 60_000));
        blog.history.push(uid.to_owned());
    }
    blog.production = Some(BLOG_V3.to_owned());
    state.projects.push(blog);
    state
}

pub struct Harness {
    pub fake: Fake,
    pub backend: VercelBackend,
    pub clock: VirtualClock,
}

/// A clock a little after the world's deployments.
pub fn clock() -> VirtualClock {
    VirtualClock::starting_at(
        chrono::DateTime::from_timestamp_millis(BASE_MS + 3_600_000).expect("a time"),
    )
}

/// The adapter's settings for `fake` with `token`: quick retries, the team by id, a look at
/// most once a (virtual) second.
pub fn settings(fake: &Fake, token: &str) -> VercelSettings {
    let mut settings = VercelSettings::new(fake.base_url.clone(), Token::new(token));
    settings.team = Some(TeamScope::Id(TEAM_ID.to_owned()));
    settings.retry = RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(20),
        // Longer waits end a call at once, as those above a minute do in use.
        retry_after_cap: Duration::from_secs(2),
    };
    settings.min_poll = Duration::from_secs(1);
    settings
}

pub async fn harness(state: FakeState, clock: VirtualClock) -> Harness {
    harness_with(state, clock, fake::MEMBER_TOKEN, |_| {}).await
}

/// A harness whose settings `adjust` changes after the test defaults.
pub async fn harness_with(
    state: FakeState,
    clock: VirtualClock,
    token: &str,
    adjust: impl FnOnce(&mut VercelSettings),
) -> Harness {
    let fake = Fake::start(state).await;
    let mut settings = settings(&fake, token);
    adjust(&mut settings);
    let backend = VercelBackend::new(settings, Arc::new(clock.clone())).expect("client builds");
    Harness {
        fake,
        backend,
        clock,
    }
}

/// The standard world, started, with a member's token.
pub async fn standard() -> Harness {
    let clock = clock();
    harness(world(&clock), clock).await
}

/// A git push to the production branch: Vercel starts a production build of it now.
pub fn push(s: &mut FakeState, uid: &str) {
    let now = s.now_ms();
    let mut d = deployment(PROJECT, PROJECT_NAME, uid, now);
    d.state = "QUEUED";
    d.substate = None;
    d.ready_at = None;
    d.alias_assigned = false;
    d.build = Some(super::fake::FakeBuild {
        started: now,
        duration_ms: s.build_ms,
        fails: s.builds_fail,
    });
    s.deployments.push(d);
}
