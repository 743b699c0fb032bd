//! `switchback rollback` against the fake Temps through the real binary: the plan says the
//! live check is made just before sending (Temps has no compare-and-swap), a container
//! rollback that half-failed is told as it is and sent once, a static one completes, and a
//! read-only key is refused before anything is sent.

use crate::home::Home;
use crate::*;

const KEY_VAR: &str = "SWITCHBACK_TEMPS_BINARY_KEY";

fn home(fake: &FakeTemps) -> Home {
    let home = Home::new();
    home.write_config(&format!(
        "[[backends]]\nkind = \"temps\"\nname = \"self-hosted\"\nbase-url = \"{}\"\ntoken-env = \"{KEY_VAR}\"\n",
        fake.url
    ));
    home
}

/// The exit code, and stdout followed by stderr.
async fn run(home: &Home, key: &str, args: &[&str]) -> (Option<i32>, String) {
    let output = home
        .command()
        .env(KEY_VAR, key)
        .args(args)
        .output()
        .await
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code(), said)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_half_failed_container_rollback_is_told_with_what_is_live_and_sent_once() {
    let fake = FakeTemps::recorded().await;
    let home = home(&fake);
    let (code, said) = run(
        &home,
        ADMIN_KEY,
        &[
            "rollback",
            "--to",
            "d2",
            "--project",
            "switchback-demo",
            "--env",
            "production",
            "--yes",
        ],
    )
    .await;
    assert_eq!(code, Some(5), "ended in exception:\n{said}");
    for words in [
        "checked just before sending",
        "no compare-and-swap",
        "queue is required",
        "d4 is still live",
        "may have happened",
        "look before trying again",
    ] {
        assert!(said.contains(words), "`{words}` in:\n{said}");
    }
    assert!(!said.contains(ADMIN_KEY));
    assert_eq!(fake.calls("rollback"), 1);
    assert_eq!(fake.with(|s| s.live(DEMO_ENV)), Some(4));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_static_rollback_completes_and_a_reader_is_refused_before_sending() {
    let fake = FakeTemps::recorded().await;
    let home = home(&fake);
    let (code, said) = run(
        &home,
        READER_KEY,
        &[
            "rollback",
            "--to",
            "d7",
            "--project",
            "switchback-static",
            "--yes",
        ],
    )
    .await;
    assert_eq!(code, Some(3), "refused:\n{said}");
    assert!(said.contains("deployments:create"), "{said}");
    assert_eq!(fake.calls("rollback"), 0);
    let (code, said) = run(
        &home,
        ADMIN_KEY,
        &[
            "rollback",
            "--to",
            "d7",
            "--project",
            "switchback-static",
            "--yes",
            "--json",
        ],
    )
    .await;
    assert_eq!(code, Some(0), "{said}");
    let json = &said[..said.rfind('}').map_or(0, |end| end + 1)];
    let report: serde_json::Value =
        serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {said}"));
    assert_eq!(report["status"], "completed", "{said}");
    assert_eq!(fake.calls("rollback"), 1);
    assert_eq!(fake.with(|s| s.live(STATIC_ENV)), Some(7));
}
