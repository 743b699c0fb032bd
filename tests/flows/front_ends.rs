//! The console and the commands plan through the same engine: the same protection rule, the
//! same warnings, the same request. Each front end is driven as an engineer drives it, over
//! twin demo platforms started from the same scenario at the same instant.

use super::*;
use switchback::commands::args::{Confirm, Where};
use switchback::commands::confirm::Prompt;
use switchback::commands::operate::{self, Kind, Planned};
use switchback::commands::{CommandError, Context};
use switchback::operation::{Confirmation, Plan};

/// Answers the command's question and remembers it.
struct Typed {
    answer: &'static str,
    asked: Vec<String>,
}

impl Prompt for Typed {
    fn ask(&mut self, question: &str) -> Result<Option<String>, CommandError> {
        self.asked.push(question.to_owned());
        Ok(Some(format!("{}\n", self.answer)))
    }
}

fn twin() -> (Arc<DemoBackend>, VirtualClock) {
    let clock = VirtualClock::starting_at(t0());
    let demo = DemoBackend::new(
        Scenario::load("bad-deploy").unwrap(),
        Arc::new(clock.clone()),
        Identity {
            actor: "oncall@acme".into(),
            role: Role::Deployer,
        },
    );
    (Arc::new(demo), clock)
}

fn config(protected: &[&str]) -> Config {
    let mut config = Config::default();
    config.console.protected_environments = protected.iter().map(|p| p.to_string()).collect();
    config
}

/// The console's plan for `key` on `label`, and the request it sends once confirmed.
async fn console_plan(key: char, label: &str, protected: &[&str], answer: &str) -> (Plan, Request) {
    let (demo, clock) = twin();
    let mut h = Harness::on(demo, clock).await;
    h.state.settings = Settings::from_config(&config(protected));
    h.select(label).await;
    h.key(KeyPress::char(key)).await;
    let Overlay::Confirm(modal) = &h.state.overlay else {
        panic!("the modal opens: {}", h.toast())
    };
    let plan = (*modal.plan).clone();
    if plan.confirmation.is_typed() {
        h.type_text(answer).await;
        h.key(enter()).await;
    } else {
        h.key(KeyPress::char('y')).await;
    }
    let starts = h.starts();
    assert_eq!(starts.len(), 1, "one request sent: {}", h.toast());
    (plan, starts[0].clone())
}

/// The command's plan, and what it asked before sending.
async fn command_plan(
    kind: Kind,
    label: &str,
    protected: &[&str],
    answer: &'static str,
) -> (Plan, Vec<String>, Arc<DemoBackend>) {
    let (demo, _clock) = twin();
    let ctx = Context::new(demo.clone(), "demo", config(protected));
    let at = Where::default();
    let Planned { plan, .. } = operate::plan_for(&ctx, kind, label, &at).await.unwrap();
    let mut prompt = Typed {
        answer,
        asked: Vec::new(),
    };
    let confirm = Confirm {
        yes: false,
        no_wait: true,
        ..Confirm::default()
    };
    operate::run_with(&ctx, kind, label, &at, &confirm, &mut prompt)
        .await
        .unwrap();
    (plan, prompt.asked, demo)
}

/// Everything in a request but its idempotency key, which is fresh per plan.
fn without_key(request: &Request) -> Request {
    let mut request = request.clone();
    match &mut request {
        Request::Rollback(r) | Request::Promote(r) => r.idempotency_key.clear(),
        Request::Redeploy(r) => r.idempotency_key.clear(),
    }
    request
}

#[tokio::test]
async fn both_front_ends_protect_warn_and_send_alike() {
    // Protected by its display name in capitals: both ask for the typed id.
    for (key, kind, label) in [
        ('r', Kind::Rollback, "v41"),
        ('p', Kind::Promote, "v41"),
        ('d', Kind::Redeploy { rebuild: false }, "v40"),
    ] {
        let (console, sent) = console_plan(key, label, &["PRODUCTION"], "production").await;
        let (command, asked, demo) = command_plan(kind, label, &["PRODUCTION"], "production").await;
        assert_eq!(
            console.confirmation,
            Confirmation::TypeName("production".into())
        );
        assert_eq!(command.confirmation, console.confirmation, "{kind:?}");
        assert_eq!(asked, ["Type `production` to confirm: "], "{kind:?}");
        assert_eq!(command.facts, console.facts, "{kind:?}: the same facts");
        assert_eq!(without_key(&command.request), without_key(&console.request));
        assert_eq!(
            sent, console.request,
            "the console sends its plan's request"
        );
        // What reached the platform from the command is its plan's request.
        let env = EnvRef::new("acme/storefront", "production");
        let ops = demo.list_operations(&env).await.unwrap();
        let newest = ops.first().expect("the command started an operation");
        assert_eq!(newest.actor, command.request.actor());
        assert_eq!(&newest.target, command.request.target());
    }
}

#[tokio::test]
async fn promote_and_redeploy_warn_of_what_a_rollback_warns_of() {
    let (rollback, _) = console_plan('r', "v40", &[], "").await;
    let (promote, _) = console_plan('p', "v40", &[], "").await;
    let (redeploy, _) = console_plan('d', "v40", &[], "").await;
    let warnings = |plan: &Plan| -> Vec<String> {
        plan.facts
            .iter()
            .filter(|f| {
                matches!(
                    f,
                    switchback::operation::Fact::MigrationNotReverted(_)
                        | switchback::operation::Fact::ConfigKept(_)
                )
            })
            .map(|f| format!("{f:?}"))
            .collect()
    };
    assert!(
        !warnings(&rollback).is_empty(),
        "v40 is behind a migration and a config change"
    );
    assert_eq!(warnings(&promote), warnings(&rollback));
    assert_eq!(warnings(&redeploy), warnings(&rollback));
    // Unprotected: `y` is enough, from both front ends.
    assert_eq!(rollback.confirmation, Confirmation::YesNo);
    let (command, asked, _) = command_plan(Kind::Rollback, "v40", &[], "y").await;
    assert_eq!(command.confirmation, Confirmation::YesNo);
    assert_eq!(asked, ["Type `y` to confirm [y/N]: "]);
}
