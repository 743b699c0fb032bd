//! Scenario loading: built-ins, files, clear errors.

use crate::support::*;
use std::io::Write;
use switchback::backend::Backend;
use switchback::backend::demo::{Scenario, ScenarioError};
use switchback::domain::{EnvMode, RuntimeState};

#[test]
fn every_builtin_scenario_loads() {
    for name in Scenario::builtin_names() {
        let s = Scenario::load(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(s.name(), *name);
    }
}

#[tokio::test]
async fn bad_deploy_starts_where_the_story_says() {
    let demo = Demo::new("bad-deploy");
    let env = prod();
    assert_eq!(demo.live_label(&env).await.as_deref(), Some("v42"));
    assert_eq!(demo.env(&env).await.mode, EnvMode::Normal);
    let v42 = demo.by_label(&env, "v42").await;
    assert_eq!(v42.created_at, t0() - chrono::Duration::minutes(6));
    assert_eq!(v42.migrations, vec!["0042_add_index".to_owned()]);
    assert_eq!(
        demo.by_label(&env, "v41").await.runtime_state,
        RuntimeState::Running
    );
    for old in ["v36", "v37", "v38", "v39", "v40"] {
        assert_eq!(
            demo.by_label(&env, old).await.runtime_state,
            RuntimeState::SpunDown,
            "{old}"
        );
    }
    assert!(demo.by_label(&env, "v37").await.artifact.pruned);
    let projects = demo
        .backend
        .list_projects(Default::default())
        .await
        .unwrap()
        .items;
    assert_eq!(projects.len(), 2);
    let envs = demo
        .backend
        .list_environments(&"acme/storefront".into())
        .await
        .unwrap();
    assert_eq!(envs.len(), 4);
    assert!(
        v42.artifact
            .digest
            .as_deref()
            .unwrap()
            .starts_with("sha256:")
    );
    assert!(v42.commit.as_ref().unwrap().sha.len() == 40);
}

#[test]
fn a_file_with_an_unknown_key_names_the_file_line_and_key() {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    write!(
        file,
        "[scenario]\nname = \"x\"\n\n[settings]\ncold_start = \"20s\"\ncold_stat = \"5s\"\n"
    )
    .unwrap();
    let path = file.path().to_str().unwrap().to_owned();
    let err = Scenario::load(&path).unwrap_err();
    let text = err.to_string();
    match err {
        ScenarioError::Syntax { file, line, .. } => {
            assert_eq!(file, path);
            assert_eq!(line, 6);
        }
        other => panic!("expected a syntax error, got {other:?}"),
    }
    assert!(text.contains("cold_stat"), "{text}");
}

#[test]
fn a_file_naming_an_unknown_commit_says_which_deployment() {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    write!(
        file,
        r#"
[scenario]
name = "x"
[[projects]]
id = "a/b"
image = "r/a"
[[projects.environments]]
id = "production"
kind = "production"
[[projects.environments.deployments]]
label = "v1"
commit = "abc"
age = "1h"
"#
    )
    .unwrap();
    let err = Scenario::load(file.path().to_str().unwrap()).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, ScenarioError::Invalid { .. }));
    assert!(
        text.contains("deployments[0] (v1).commit") && text.contains("abc"),
        "{text}"
    );
}

#[test]
fn an_unknown_name_lists_the_builtins() {
    let err = Scenario::load("no-such-scenario").unwrap_err();
    assert!(matches!(err, ScenarioError::Unknown { .. }));
    assert!(err.to_string().contains("bad-deploy"));
}
