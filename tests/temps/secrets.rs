//! A job's `job_config` carries deployment tokens and a Sentry DSN. A canary placed there
//! never shows up anywhere switchback puts text: what the adapter returns, operation logs,
//! the commands' output in both forms, and the files the binary writes.

use crate::home::Home;
use crate::*;
use switchback::backend::{Backend, ErrorRates, PageRequest, RedeployRequest};
use switchback::domain::MetricsQuery;

fn assert_clean(what: &str, text: &str) {
    assert!(
        !text.contains(CANARY),
        "{what} holds the job_config canary:\n{text}"
    );
    assert!(
        !text.contains("dt_REDACTED"),
        "{what} holds a recorded token:\n{text}"
    );
    assert!(
        !text.contains("sentry.invalid"),
        "{what} holds the Sentry DSN:\n{text}"
    );
}

#[tokio::test]
async fn job_config_secrets_never_leave_the_adapter() {
    let fake = FakeTemps::recorded().await;
    // The canary is really there, in every job Temps answers with.
    let jobs = fake.with(|s| serde_json::to_string(&s.jobs).unwrap());
    assert!(jobs.contains(CANARY));
    let backend = admin(&fake);
    let handle = backend
        .redeploy(RedeployRequest {
            env: demo(),
            source: id(2),
            rebuild: true,
            expected_live: Some(id(4)),
            idempotency_key: "canary-1".into(),
            actor: "oncall".into(),
        })
        .await
        .unwrap();
    let mut seen = Vec::new();
    for _ in 0..40 {
        let op = backend.operation(&demo(), &handle.id).await.unwrap();
        seen.push(serde_json::to_string(&op).unwrap());
        if op.status.is_finished() {
            break;
        }
        fake.with(FakeState::advance);
    }
    assert!(fake.calls("jobs") > 3, "the jobs were read while following");
    assert!(
        fake.calls("logs") > 3,
        "the jobs' logs were read while following"
    );
    for env in [demo(), statics()] {
        let listed = backend
            .list_deployments(&env, PageRequest::first(100))
            .await
            .unwrap();
        seen.push(serde_json::to_string(&listed).unwrap());
        for d in &listed.items {
            seen.push(serde_json::to_string(&backend.diff(&env, &d.id).await.unwrap()).unwrap());
            seen.push(format!("{:?}", backend.actions(&env, &d.id).await.unwrap()));
        }
        seen.push(serde_json::to_string(&backend.get_environment(&env).await.unwrap()).unwrap());
        seen.push(serde_json::to_string(&backend.live_history(&env).await.unwrap()).unwrap());
        seen.push(serde_json::to_string(&backend.list_operations(&env).await.unwrap()).unwrap());
        let now = chrono::Utc::now();
        let rates = backend
            .error_rate(&MetricsQuery {
                env,
                scope: switchback::domain::MetricsScope::Environment,
                from: now - chrono::Duration::minutes(15),
                to: now,
                step_secs: 60,
            })
            .await
            .unwrap();
        seen.push(serde_json::to_string(&rates).unwrap());
    }
    assert_clean("what the adapter returned", &seen.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn job_config_secrets_never_reach_the_commands_output_or_files() {
    let fake = FakeTemps::recorded().await;
    let home = Home::new();
    home.write_config(&format!(
        "[[backends]]\nkind = \"temps\"\nname = \"temps\"\nbase-url = \"{}/api\"\ntoken-env = \"TEMPS_API_TOKEN\"\n",
        fake.url
    ));
    // Temps runs its pipeline while the command follows it.
    let state = fake.state.clone();
    let pipeline = tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(30)).await;
            state.lock().unwrap().advance();
        }
    });
    let mut outputs = Vec::new();
    for args in [
        vec![
            "redeploy",
            "d3",
            "--project",
            "switchback-demo",
            "--env",
            "production",
            "--yes",
        ],
        vec![
            "list",
            "--project",
            "switchback-demo",
            "--env",
            "production",
            "--json",
        ],
        vec![
            "list",
            "--project",
            "switchback-demo",
            "--env",
            "production",
        ],
        vec!["status", "--project", "switchback-demo", "--json"],
        vec![
            "redeploy",
            "d1",
            "--project",
            "switchback-demo",
            "--env",
            "production",
            "--yes",
            "--json",
        ],
    ] {
        let run = home
            .command()
            .env("TEMPS_API_TOKEN", ADMIN_KEY)
            .args(&args)
            .output()
            .await
            .unwrap();
        let said = format!(
            "{args:?} exit {:?}\n{}{}",
            run.status.code(),
            String::from_utf8_lossy(&run.stdout),
            String::from_utf8_lossy(&run.stderr)
        );
        assert!(!said.contains(ADMIN_KEY), "the key itself: {said}");
        outputs.push(said);
    }
    pipeline.abort();
    let all = outputs.join("\n");
    assert!(
        all.contains("Build Container Image: success"),
        "followed through the jobs:\n{all}"
    );
    assert_eq!(fake.calls("trigger-pipeline"), 2, "{all}");
    assert_clean("the commands' output", &all);
    let mut files = Vec::new();
    let mut stack = vec![home_root(&home)];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
                files.push(path.display().to_string());
                assert_clean(&path.display().to_string(), &text);
                assert!(
                    !text.contains(ADMIN_KEY),
                    "{} holds the key",
                    path.display()
                );
            }
        }
    }
    assert!(files.len() > 1, "the binary wrote its files: {files:?}");
}

/// The folder the binary treats as home.
fn home_root(home: &Home) -> std::path::PathBuf {
    home.write_config("# probe\n")
        .ancestors()
        .nth(3)
        .unwrap()
        .to_path_buf()
}
