//! The commands as processes against the hostile platform: what a script reads holds no
//! control character but `\n` and `\t`, `--json` carries the platform's exact strings with
//! every control escaped, and refusals (409, 412) arrive as inert text.

use crate::client::{Client, Run};
use crate::payloads::script_hazard;
use crate::server::{Mode, Platform};
use serde_json::Value;

fn assert_inert(what: &str, run: &Run) {
    for (stream, bytes) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
        let text = String::from_utf8(bytes.clone())
            .unwrap_or_else(|e| panic!("{what}: {stream} is not UTF-8: {e}"));
        if let Some((at, c)) = script_hazard(&text) {
            let from = text[..at]
                .char_indices()
                .rev()
                .nth(40)
                .map_or(0, |(i, _)| i);
            panic!(
                "{what}: {stream} holds {c:?} at byte {at}: {:?}",
                &text[from..(at + 40).min(text.len())]
            );
        }
    }
}

/// Every string of `value`, depth first.
fn strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        Value::Object(map) => map.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_and_plans_print_no_control_character() {
    let platform = Platform::start().await;
    let client = Client::new(&platform.url);
    let v41 = label_id(&platform, "v41").await;
    for args in [
        vec!["list", "--all"],
        vec!["status"],
        vec!["rollback", "--to", v41.as_str()],
        vec![
            "rollback",
            "--to",
            v41.as_str(),
            "--output",
            "jsonl",
            "--no-wait",
        ],
        vec!["list", "--all", "--json"],
        vec!["status", "--json"],
    ] {
        let run = client.run(&args).await;
        assert_inert(&format!("`switchback {}`", args.join(" ")), &run);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_json_carries_the_exact_hostile_strings_escaped() {
    let platform = Platform::start().await;
    let client = Client::new(&platform.url);
    let run = client.run(&["list", "--all", "--json"]).await;
    assert_eq!(run.code, 0, "{}", run.err());
    assert_inert("`switchback list --all --json`", &run);
    let text = run.out();
    let doc: Value = serde_json::from_str(&text).expect("--json is one JSON document");
    // What the platform said, as the contract's client reads it.
    switchback::net::install_tls_provider();
    let answer: Value = reqwest::Client::new()
        .get(format!(
            "{}/v1/projects/acme%2Fstorefront/environments/production/deployments?limit=500",
            platform.url
        ))
        .bearer_auth(crate::server::CANARY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (mut sent, mut printed) = (Vec::new(), Vec::new());
    strings(&answer, &mut sent);
    strings(&doc, &mut printed);
    let hostile: Vec<&String> = sent.iter().filter(|s| script_hazard(s).is_some()).collect();
    assert!(
        hostile.len() > 10,
        "the platform sent hostile labels: {sent:?}"
    );
    for label in answer["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| &d["label"])
    {
        let label = label.as_str().unwrap();
        assert!(
            printed.iter().any(|p| p == label),
            "the label {label:?} is not in --json exactly:\n{text:.2000}"
        );
    }
    // C1 and DEL leave as escapes, never raw.
    assert!(text.contains("\\u009b"), "C1 CSI is escaped:\n{text:.2000}");
    assert!(text.contains("\\u007f"), "DEL is escaped:\n{text:.2000}");
    assert!(text.contains("\\u001b"), "ESC is escaped");
    // And the document round-trips.
    let again = serde_json::to_string(&doc).unwrap();
    assert_eq!(serde_json::from_str::<Value>(&again).unwrap(), doc);
}

/// The id of the deployment the demo labels `label`.
pub async fn label_id(platform: &Platform, label: &str) -> String {
    platform
        .deployments()
        .await
        .into_iter()
        .find(|d| d.label == label)
        .unwrap_or_else(|| panic!("the demo has {label}"))
        .id
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rollback_with_yes_reports_in_inert_text() {
    let platform = Platform::start().await;
    let client = Client::new(&platform.url);
    let v41 = label_id(&platform, "v41").await;
    let run = client
        .run(&["rollback", "--to", &v41, "--yes", "--no-wait"])
        .await;
    assert_eq!(run.code, 0, "{}", run.err());
    assert_inert("`switchback rollback --yes`", &run);
    assert_eq!(platform.operation_count().await, 1);
    let run = client
        .run(&["rollback", "--to", &v41, "--yes", "--json"])
        .await;
    assert_inert("`switchback rollback --yes --json`", &run);
    serde_json::from_str::<Value>(&run.out()).expect("--json is one JSON document");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conflict_and_a_refusal_arrive_as_inert_text() {
    let platform = Platform::start().await;
    let client = Client::new(&platform.url);
    let v41 = label_id(&platform, "v41").await;
    for (mode, marker) in [
        (Mode::Conflict, "conflict:"),
        (Mode::Precondition, "refused:"),
    ] {
        platform.set_mode(mode.clone());
        for json in [false, true] {
            let mut args = vec!["rollback", "--to", v41.as_str(), "--yes", "--no-wait"];
            if json {
                args.push("--json");
            }
            let run = client.run(&args).await;
            assert_ne!(run.code, 0, "{mode:?}: {}", run.err());
            assert_inert(&format!("{mode:?}: `switchback {}`", args.join(" ")), &run);
            let all = format!("{}{}", run.out(), run.err());
            if !json {
                assert!(
                    all.contains(marker),
                    "{mode:?}: the platform's words are shown:\n{all}"
                );
            } else {
                let doc: Value = serde_json::from_str(&run.out())
                    .unwrap_or_else(|e| panic!("{mode:?}: --json is JSON ({e}):\n{all}"));
                let mut printed = Vec::new();
                strings(&doc, &mut printed);
                assert!(
                    printed.iter().any(|s| s.contains(marker)),
                    "{mode:?}: the refusal is in --json:\n{all}"
                );
            }
        }
    }
    assert_eq!(platform.operation_count().await, 0, "nothing was done");
}
