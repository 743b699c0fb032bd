//! The config loader: what it accepts, what it refuses, and how it says why.

use std::path::Path;
use std::time::Duration;
use switchback::backend::demo::DemoBackendConfig;
use switchback::config::{BackendConfig, Config, ConfigError, Problem, parse_str};

const FILE: &str = "/x/config.toml";

fn parse(text: &str) -> Result<Config, ConfigError> {
    parse_str(text, Path::new(FILE))
}

fn refuse(text: &str) -> (String, usize, usize, Problem) {
    match parse(text) {
        Err(error @ ConfigError::At { .. }) => {
            let message = error.to_string();
            let ConfigError::At {
                line,
                column,
                problem,
                ..
            } = error
            else {
                unreachable!()
            };
            (message, line, column, *problem)
        }
        other => panic!("expected a located config error, got {other:?}"),
    }
}

#[test]
fn an_empty_file_means_defaults() {
    let config = parse("").unwrap();
    assert!(config.backends.is_empty());
    assert_eq!(config.poll.focused.as_secs(), 2);
    assert_eq!(config.console.protected_environments, vec!["production"]);
}

#[test]
fn reads_a_demo_backend() {
    let config = parse(
        "theme = \"light\"\n[[backends]]\nkind = \"demo\"\nname = \"try\"\nscenario = \"calm\"\nspeed = 4\nrole = \"read-only\"\n",
    )
    .unwrap();
    assert_eq!(config.theme.as_deref(), Some("light"));
    assert_eq!(
        config.backends,
        vec![BackendConfig::Demo(DemoBackendConfig {
            name: "try".into(),
            scenario: "calm".into(),
            speed: 4.0,
            role: Some(switchback::backend::Role::ReadOnly),
        })]
    );
}

#[test]
fn unknown_key_inside_a_backend_names_file_line_key_and_table() {
    let text = "[poll]\nfocused = \"1s\"\n\n[[backends]]\nkind = \"demo\"\nname = \"demo\"\nscenaro = \"calm\"\n";
    let (message, line, column, problem) = refuse(text);
    assert_eq!((line, column), (7, 1), "{message}");
    assert!(
        message
            .starts_with("config error: /x/config.toml:7:1: unknown key `scenaro` in [[backends]]"),
        "{message}"
    );
    let Problem::UnknownKey {
        key,
        table,
        expected,
    } = problem
    else {
        panic!("{message}")
    };
    assert_eq!(key, "scenaro");
    assert_eq!(table, "[[backends]]");
    assert!(expected.contains(&"scenario".to_owned()) && expected.contains(&"kind".to_owned()));
}

#[test]
fn unknown_key_in_the_second_backend_points_at_its_line() {
    let text = "[[backends]]\nkind = \"demo\"\nname = \"a\"\n\n[[backends]]\nkind = \"demo\"\nname = \"b\"\nsped = 2\n";
    let (message, line, _, problem) = refuse(text);
    assert_eq!(line, 8, "{message}");
    assert!(matches!(problem, Problem::UnknownKey { key, .. } if key == "sped"));
}

#[test]
fn unknown_kind_is_named_with_the_kinds_this_build_knows() {
    let text = "[[backends]]\nkind = \"htp\"\nname = \"x\"\n";
    let (message, line, column, problem) = refuse(text);
    assert_eq!((line, column), (2, 8), "{message}");
    assert!(message.contains("unknown backend kind `htp`"), "{message}");
    assert!(message.contains("`demo`"), "{message}");
    assert!(matches!(problem, Problem::UnknownKind { kind, .. } if kind == "htp"));
}

#[test]
fn missing_kind_and_missing_name_are_named() {
    let (message, line, _, problem) = refuse("[[backends]]\nname = \"x\"\n");
    assert_eq!(line, 1, "{message}");
    assert!(
        matches!(problem, Problem::MissingKey { key, .. } if key == "kind"),
        "{message}"
    );
    let (message, _, _, problem) = refuse("[[backends]]\nkind = \"demo\"\n");
    assert!(
        matches!(problem, Problem::MissingKey { key, .. } if key == "name"),
        "{message}"
    );
}

#[test]
fn bad_value_inside_a_backend_points_at_the_value() {
    let text = "[[backends]]\nkind = \"demo\"\nname = \"x\"\nspeed = \"fast\"\n";
    let (message, line, column, problem) = refuse(text);
    assert_eq!((line, column), (4, 9), "{message}");
    assert!(
        matches!(&problem, Problem::BadValue { key, .. } if key == "backends[0].speed"),
        "{message}"
    );
    let (message, line, _, problem) =
        refuse("[[backends]]\nkind = \"demo\"\nname = \"x\"\nrole = \"admin\"\n");
    assert_eq!(line, 4, "{message}");
    assert!(
        message.contains("`admin` is not one of `deployer`, `read-only`"),
        "{message}"
    );
    assert!(matches!(problem, Problem::BadValue { .. }));
}

#[test]
fn unknown_top_level_and_table_keys_are_refused() {
    let (message, line, _, problem) = refuse("them = \"x\"\n");
    assert_eq!(line, 1);
    assert!(
        message.contains("unknown key `them` in the top level"),
        "{message}"
    );
    assert!(matches!(problem, Problem::UnknownKey { .. }));
    let (message, line, column, _) = refuse("[console]\nmouse = true\nprotected = []\n");
    assert_eq!((line, column), (3, 1), "{message}");
    assert!(
        message.contains("unknown key `protected` in [console]"),
        "{message}"
    );
    assert!(message.contains("`protected-environments`"), "{message}");
}

#[test]
fn bad_durations_and_types_name_the_key() {
    let (message, line, column, problem) = refuse("[poll]\nfocused = \"soon\"\n");
    assert_eq!((line, column), (2, 11), "{message}");
    assert!(
        matches!(problem, Problem::BadValue { key, .. } if key == "poll.focused"),
        "{message}"
    );
    let (message, line, _, _) = refuse("[console]\nmouse = \"yes\"\n");
    assert_eq!(line, 2, "{message}");
    assert!(message.contains("console.mouse"), "{message}");
}

#[test]
fn values_are_checked_after_parsing() {
    let (message, line, column, problem) = refuse("[console]\nerror-threshold = 1.5\n");
    assert_eq!((line, column), (2, 19), "{message}");
    assert!(
        matches!(&problem, Problem::Invalid { key, .. } if key == "console.error-threshold"),
        "{message}"
    );
    let (message, line, _, problem) = refuse(
        "[[backends]]\nkind = \"demo\"\nname = \"a\"\n[[backends]]\nkind = \"demo\"\nname = \"a\"\n",
    );
    assert_eq!(line, 6, "{message}");
    assert!(message.contains("two backends are named `a`"), "{message}");
    assert!(matches!(problem, Problem::Invalid { key, .. } if key == "backends[1].name"));
    let (message, line, _, _) = refuse("[[backends]]\nkind = \"demo\"\nname = \"a\"\nspeed = 0\n");
    assert_eq!(line, 4, "{message}");
    assert!(message.contains("backends[0].speed"), "{message}");
    let (message, _, _, _) = refuse("[poll]\nfocused = \"0s\"\n");
    assert!(message.contains("poll.focused"), "{message}");
}

#[test]
fn reads_an_http_backend_with_humantime_timeouts() {
    let config = parse(
        "[[backends]]\nkind = \"http\"\nname = \"shared\"\nurl = \"http://127.0.0.1:7878\"\nrequest-timeout = \"2500ms\"\n",
    )
    .unwrap();
    let BackendConfig::Http(http) = &config.backends[0] else {
        panic!("expected an http entry, got {:?}", config.backends[0]);
    };
    assert_eq!(http.url, "http://127.0.0.1:7878");
    assert_eq!(http.connect_timeout, Duration::from_secs(3));
    assert_eq!(http.request_timeout, Duration::from_millis(2500));
}

/// Each kind checks its own entries; the loader says where, as for every other key.
#[test]
fn each_kinds_checks_point_at_the_value_with_its_key() {
    let cases = [
        (
            "[[backends]]\nkind = \"http\"\nname = \"x\"\nurl = \"ftp://host\"\n",
            (4, 7),
            "backends[0].url",
            "\"ftp://host\" is not an http(s) URL",
        ),
        (
            "[[backends]]\nkind = \"http\"\nname = \"x\"\nurl = \"http://h\"\nconnect-timeout = \"0s\"\n",
            (5, 19),
            "backends[0].connect-timeout",
            "must be longer than zero",
        ),
        (
            "[[backends]]\nkind = \"demo\"\nname = \"d\"\nscenario = \" \"\n",
            (4, 12),
            "backends[0].scenario",
            "name a scenario",
        ),
        (
            "[[backends]]\nkind = \"demo\"\nname = \"d\"\n\n[[backends]]\nkind = \"unkey\"\nname = \"u\"\nbase-url = \"api.unkey.com\"\n",
            (8, 12),
            "backends[1].base-url",
            "`api.unkey.com` is not an http(s) URL",
        ),
        (
            "[[backends]]\nkind = \"kubernetes\"\nname = \"k\"\nnamespaces = [\"shop\", \"\"]\n",
            (4, 23),
            "backends[0].namespaces[1]",
            "a namespace needs a name",
        ),
        (
            "[[backends]]\nkind = \"kubernetes\"\nname = \"k\"\nselector = \"\"\n",
            (4, 12),
            "backends[0].selector",
            "leave `selector` out",
        ),
        (
            "[[backends]]\nkind = \"temps\"\nname = \"t\"\nbase-url = \"http://h\"\nrollback-timeout = \"0s\"\n",
            (5, 20),
            "backends[0].rollback-timeout",
            "must be longer than zero",
        ),
        (
            "[[backends]]\nkind = \"vercel\"\nname = \"v\"\noperation-poll = \"100ms\"\n",
            (4, 18),
            "backends[0].operation-poll",
            "at least 250ms",
        ),
    ];
    for (text, at, key_path, words) in cases {
        let (message, line, column, problem) = refuse(text);
        assert_eq!((line, column), at, "{message}");
        assert!(
            message.starts_with(&format!(
                "config error: {FILE}:{line}:{column}: invalid value for `{key_path}`: "
            )),
            "{message}"
        );
        assert!(message.contains(words), "{message}");
        assert!(
            matches!(&problem, Problem::Invalid { key, .. } if key == key_path),
            "{message}"
        );
    }
}

#[test]
fn an_unknown_key_of_any_kind_lists_that_kinds_keys() {
    let (message, line, _, problem) = refuse(
        "[[backends]]\nkind = \"http\"\nname = \"x\"\nurl = \"http://h\"\ntoken = \"secret\"\n",
    );
    assert_eq!(line, 5, "{message}");
    let Problem::UnknownKey { key, expected, .. } = problem else {
        panic!("{message}")
    };
    assert_eq!(key, "token");
    assert!(expected.contains(&"token-env".to_owned()), "{message}");
    assert!(!message.contains("secret"), "{message}");
}

#[test]
fn an_empty_protected_list_is_allowed() {
    let config = parse("[console]\nprotected-environments = []\n").unwrap();
    assert!(config.console.protected_environments.is_empty());
}

#[test]
fn syntax_errors_have_a_position() {
    let (message, line, _, problem) = refuse("[poll]\nfocused = \n");
    assert_eq!(line, 2, "{message}");
    assert!(matches!(problem, Problem::Syntax { .. }));
}

#[test]
fn the_generic_deserialize_also_refuses_unknown_keys_in_backends() {
    // Callers that use `toml::from_str` directly get the same strictness.
    let error =
        toml::from_str::<Config>("[[backends]]\nkind = \"demo\"\nname = \"x\"\nscenaro = \"y\"\n")
            .unwrap_err();
    assert!(error.to_string().contains("scenaro"), "{error}");
    let error =
        toml::from_str::<Config>("[[backends]]\nkind = \"nope\"\nname = \"x\"\n").unwrap_err();
    assert!(error.to_string().contains("nope"), "{error}");
    let config = toml::from_str::<Config>("[[backends]]\nkind = \"demo\"\nname = \"x\"\n").unwrap();
    assert_eq!(config.backends[0].name(), "x");
}

#[test]
fn reading_a_missing_file_names_it() {
    let error =
        switchback::config::load_file(Path::new("/nonexistent/switchback.toml")).unwrap_err();
    assert!(matches!(error, ConfigError::Read { .. }));
    assert!(error.to_string().contains("/nonexistent/switchback.toml"));
}

#[test]
fn the_shipped_example_parses_and_claims_the_real_defaults() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml");
    let config = switchback::config::load_file(&path).unwrap();
    let defaults = Config::default();
    assert_eq!(config.backends, vec![BackendConfig::default_demo()]);
    assert_eq!(config.poll, defaults.poll);
    assert_eq!(config.console, defaults.console);
    assert_eq!(config.theme, defaults.theme);
    assert_eq!(config.serve, defaults.serve);
    // Every console action has keys in the example (the keymap checks the names).
    use switchback::config::keys::KeyAction;
    assert_eq!(
        config.keys.0.len(),
        KeyAction::ALL.len(),
        "{:?}",
        config.keys.0.keys()
    );
    for action in KeyAction::ALL {
        let shown = config
            .keys
            .0
            .get(action.name())
            .map(|keys| keys.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(
            shown.as_deref(),
            Some(action.default_keys()),
            "the example's keys for `{}` are not the defaults",
            action.name()
        );
    }
}

#[test]
fn key_binding_errors_name_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(
        &path,
        "[console]\nmouse = false\n\n[keys]\nrollback = [\"r\"]\nroll-forward = [\"f\"]\n",
    )
    .unwrap();
    let error = switchback::config::load_file(&path)
        .unwrap_err()
        .to_string();
    assert!(error.contains("config.toml:6"), "{error}");
    assert!(error.contains("roll-forward"), "{error}");

    std::fs::write(&path, "[keys]\nrollback = [\"r\", \"ctrl-nope\"]\n").unwrap();
    let error = switchback::config::load_file(&path)
        .unwrap_err()
        .to_string();
    assert!(error.contains("config.toml:2"), "{error}");
    assert!(error.contains("ctrl-nope"), "{error}");
}

/// The commented Vercel entry of the example, uncommented, is a valid entry with the real
/// defaults spelled out.
#[test]
fn the_examples_vercel_entry_reads_as_written() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml");
    let text = std::fs::read_to_string(path).unwrap();
    let start = text.find("# kind = \"vercel\"").expect("a Vercel entry");
    let entry: String = text[start..]
        .lines()
        .take_while(|l| l.starts_with("# "))
        .map(|l| format!("{}\n", &l[2..]))
        .collect();
    let config = parse(&format!("[[backends]]\n{entry}")).unwrap();
    assert_eq!(config.backends[0].kind(), "vercel");
    assert_eq!(config.backends[0].validate(), Ok(()));
}

/// The commented Fly entry of the example, uncommented, is a valid entry with the real
/// defaults spelled out.
#[test]
fn the_examples_fly_entry_reads_as_written() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml");
    let text = std::fs::read_to_string(path).unwrap();
    let start = text.find("# kind = \"fly\"").expect("a Fly entry");
    let entry: String = text[start..]
        .lines()
        .take_while(|l| l.starts_with("# "))
        .map(|l| format!("{}\n", &l[2..]))
        .collect();
    let config = parse(&format!("[[backends]]\n{entry}")).unwrap();
    assert_eq!(config.backends[0].kind(), "fly");
    assert_eq!(config.backends[0].name(), "fly");
    assert_eq!(config.backends[0].validate(), Ok(()));
    let BackendConfig::Fly(fly) = &config.backends[0] else {
        panic!("not a Fly entry");
    };
    assert_eq!(
        fly.apps.get("staging").map(String::as_str),
        Some("shop-web-staging")
    );
    assert_eq!(fly.max_unavailable, 0.33);
}
