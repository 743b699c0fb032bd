//! The same from the commands: `switchback rollback` and `switchback promote` through the
//! real binary against the fake Vercel.

use super::*;

const TOKEN_VAR: &str = "SWITCHBACK_VERCEL_BINARY_TOKEN";

fn run(fake: &Fake, home: &std::path::Path, args: &[&str]) -> std::process::Output {
    let config = home.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[[backends]]\nkind = \"vercel\"\nname = \"vercel\"\nbase-url = \"{}\"\ntoken-env = \"{TOKEN_VAR}\"\nteam = \"{TEAM_SLUG}\"\n",
            fake.base_url
        ),
    )
    .unwrap();
    let mut command = assert_cmd::Command::cargo_bin("switchback").unwrap();
    command
        .env_clear()
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env(TOKEN_VAR, fake::MEMBER_TOKEN)
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .arg("--config")
        .arg(&config)
        .args(args)
        .write_stdin("");
    command.output().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn production_is_rolled_back_and_promoted_out_of_it_from_the_commands() {
    let clock = clock();
    let mut state = world(&clock);
    // The binary runs on real time while the fake's clock stands still: aliases move at once.
    state.alias_step_ms = 0;
    let fake = Fake::start(state).await;
    let home = tempfile::tempdir().unwrap();
    let where_ = ["--project", PROJECT, "--env", "production"];

    let mut args = vec!["rollback", "--to", "good0001", "--yes"];
    args.extend(where_);
    let (fake_ref, home_path) = (&fake, home.path().to_owned());
    let output = tokio::task::block_in_place(|| run(fake_ref, &home_path, &args));
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(output.status.code(), Some(0), "{said}");
    assert!(!said.contains(fake::MEMBER_TOKEN), "{said}");
    assert!(
        said.contains("ROLLED BACK") || said.contains("rolled back"),
        "{said}"
    );
    assert_eq!(
        fake.with(|s| s.projects[0].production.clone()).as_deref(),
        Some(GOOD)
    );

    let mut args = vec!["promote", "live0001", "--yes"];
    args.extend(where_);
    let output = tokio::task::block_in_place(|| run(fake_ref, &home_path, &args));
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(output.status.code(), Some(0), "{said}");
    assert_eq!(
        fake.with(|s| (s.projects[0].production.clone(), s.projects[0].auto_assign)),
        (Some(LIVE.to_owned()), true)
    );
    assert_eq!(fake.calls(ROLLBACK), 1);
    assert_eq!(fake.calls(PROMOTE), 1);
    fake.assert_conforms();
}
