//! `[keys]`: action name → list of keys, e.g. `rollback = ["r"]`.
//!
//! One list of named actions ([`KeyAction::ALL`]) drives the keymap, the help screen and the
//! config, so help can never drift from the real bindings. A key string is a key name with
//! optional `ctrl-` / `alt-` prefixes: `r`, `G`, `?`, `ctrl-c`, `pgdn`, `enter`, `esc`.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;

/// The raw `[keys]` table as written; [`KeysConfig::validate`] or [`Keymap::build`] checks it.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(transparent)]
pub struct KeysConfig(pub BTreeMap<String, Vec<String>>);

impl KeysConfig {
    /// Refuses unknown action names, unreadable key strings and a key given to two actions.
    pub fn validate(&self) -> Result<(), KeymapError> {
        Keymap::build(self).map(|_| ())
    }
}

/// Why a `[keys]` table was refused; each names the action and the key at fault.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeymapError {
    #[error("unknown action `{name}` in [keys]; known actions: {known}")]
    UnknownAction { name: String, known: String },
    #[error("[keys] {action}: `{key}` is not a key ({reason})")]
    BadKey {
        action: String,
        key: String,
        /// Position of the key in the action's list.
        index: usize,
        reason: String,
    },
    #[error("[keys]: `{key}` is given to both `{first}` and `{second}`")]
    Duplicate {
        key: String,
        first: String,
        second: String,
        /// Position of the key in `second`'s list.
        index: usize,
    },
    #[error("[keys] {action}: at least one key is needed")]
    Empty { action: String },
}

impl KeymapError {
    /// Where in `[keys]` the fault is: the action's name and, for one bad key, its position
    /// in the list (for a loader that points at file and line).
    pub fn location(&self) -> (&str, Option<usize>) {
        match self {
            Self::UnknownAction { name, .. } => (name, None),
            Self::BadKey { action, index, .. } => (action, Some(*index)),
            Self::Duplicate { second, index, .. } => (second, Some(*index)),
            Self::Empty { action } => (action, None),
        }
    }
}

/// Everything the engineer can ask the console to do with a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyAction {
    Up,
    Down,
    Top,
    Bottom,
    PageUp,
    PageDown,
    Details,
    NextPane,
    Rollback,
    Promote,
    Redeploy,
    LastGood,
    Environments,
    Projects,
    Filter,
    OperationsLog,
    Help,
    Cancel,
    Quit,
}

impl KeyAction {
    pub const ALL: [KeyAction; 19] = [
        Self::Up,
        Self::Down,
        Self::Top,
        Self::Bottom,
        Self::PageUp,
        Self::PageDown,
        Self::Details,
        Self::NextPane,
        Self::Rollback,
        Self::Promote,
        Self::Redeploy,
        Self::LastGood,
        Self::Environments,
        Self::Projects,
        Self::Filter,
        Self::OperationsLog,
        Self::Help,
        Self::Cancel,
        Self::Quit,
    ];

    /// The name used in `[keys]`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Up => "up",
            Self::Down => "down",
            Self::Top => "top",
            Self::Bottom => "bottom",
            Self::PageUp => "page-up",
            Self::PageDown => "page-down",
            Self::Details => "details",
            Self::NextPane => "next-pane",
            Self::Rollback => "rollback",
            Self::Promote => "promote",
            Self::Redeploy => "redeploy",
            Self::LastGood => "last-good",
            Self::Environments => "environments",
            Self::Projects => "projects",
            Self::Filter => "filter",
            Self::OperationsLog => "operations-log",
            Self::Help => "help",
            Self::Cancel => "cancel",
            Self::Quit => "quit",
        }
    }

    /// What the help screen says the action does.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Up => "move up",
            Self::Down => "move down",
            Self::Top => "first (newest) deployment",
            Self::Bottom => "last (oldest) deployment",
            Self::PageUp => "page up",
            Self::PageDown => "page down",
            Self::Details => "details of the selected deployment",
            Self::NextPane => "next pane",
            Self::Rollback => "roll back to the selected deployment",
            Self::Promote => "promote the selected deployment",
            Self::Redeploy => "redeploy the selected deployment",
            Self::LastGood => "select the last known-good deployment",
            Self::Environments => "choose environment",
            Self::Projects => "choose project",
            Self::Filter => "filter the list (label, commit, subject, author)",
            Self::OperationsLog => "operations log",
            Self::Help => "help",
            Self::Cancel => "close a modal, clear a filter",
            Self::Quit => "quit (a running operation goes on)",
        }
    }

    pub fn default_keys(self) -> &'static [&'static str] {
        match self {
            Self::Up => &["k", "up"],
            Self::Down => &["j", "down"],
            Self::Top => &["g", "home"],
            Self::Bottom => &["G", "end"],
            Self::PageUp => &["pgup"],
            Self::PageDown => &["pgdn"],
            Self::Details => &["enter"],
            Self::NextPane => &["tab"],
            Self::Rollback => &["r"],
            Self::Promote => &["p"],
            Self::Redeploy => &["d"],
            Self::LastGood => &["b"],
            Self::Environments => &["e"],
            Self::Projects => &["o"],
            Self::Filter => &["/"],
            Self::OperationsLog => &["l"],
            Self::Help => &["?"],
            Self::Cancel => &["esc"],
            Self::Quit => &["q", "ctrl-c"],
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.name() == name)
    }
}

/// A key without modifiers, independent of the terminal library.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyCode {
    Char(char),
    Enter,
    Esc,
    Tab,
    BackTab,
    Backspace,
    Delete,
    Up,
    Down,
    Left,
    Right,
    Home,
    End,
    PageUp,
    PageDown,
    F(u8),
}

/// A key press: a key and its `ctrl` / `alt` modifiers. Shifted letters are their capitals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyPress {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
}

impl KeyPress {
    pub const fn plain(code: KeyCode) -> Self {
        Self {
            code,
            ctrl: false,
            alt: false,
        }
    }

    pub const fn char(c: char) -> Self {
        Self::plain(KeyCode::Char(c))
    }

    pub const fn ctrl(c: char) -> Self {
        Self {
            code: KeyCode::Char(c),
            ctrl: true,
            alt: false,
        }
    }

    /// Reads `r`, `G`, `ctrl-c`, `alt-x`, `pgdn`, `enter`, `space`, `f5`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut rest = text;
        let (mut ctrl, mut alt) = (false, false);
        loop {
            let lower = rest.to_ascii_lowercase();
            if rest.len() > 5 && lower.starts_with("ctrl-") {
                ctrl = true;
                rest = &rest[5..];
            } else if rest.len() > 4 && lower.starts_with("alt-") {
                alt = true;
                rest = &rest[4..];
            } else {
                break;
            }
        }
        let code = parse_code(rest)?;
        if ctrl
            && let KeyCode::Char(c) = code
            && !c.is_ascii_alphanumeric()
        {
            return Err(format!("ctrl- needs a letter or digit, not `{c}`"));
        }
        let code = match code {
            KeyCode::Char(c) if ctrl => KeyCode::Char(c.to_ascii_lowercase()),
            other => other,
        };
        Ok(Self { code, ctrl, alt })
    }
}

fn parse_code(name: &str) -> Result<KeyCode, String> {
    let mut chars = name.chars();
    if let (Some(c), None) = (chars.next(), chars.clone().next()) {
        return if c.is_control() {
            Err("control characters are written as names".to_owned())
        } else {
            Ok(KeyCode::Char(c))
        };
    }
    let code = match name.to_ascii_lowercase().as_str() {
        "" => return Err("empty".to_owned()),
        "enter" | "return" => KeyCode::Enter,
        "esc" | "escape" => KeyCode::Esc,
        "tab" => KeyCode::Tab,
        "backtab" | "shift-tab" => KeyCode::BackTab,
        "backspace" => KeyCode::Backspace,
        "delete" | "del" => KeyCode::Delete,
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "pgup" | "pageup" | "page-up" => KeyCode::PageUp,
        "pgdn" | "pagedown" | "page-down" => KeyCode::PageDown,
        "space" => KeyCode::Char(' '),
        other => match other.strip_prefix('f').and_then(|n| n.parse::<u8>().ok()) {
            Some(n) if (1..=24).contains(&n) => KeyCode::F(n),
            _ => {
                return Err(
                    "expected one character or a name such as enter, esc, tab, up, pgdn, f5, \
                     optionally after ctrl- or alt-"
                        .to_owned(),
                );
            }
        },
    };
    Ok(code)
}

impl fmt::Display for KeyPress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("ctrl-")?;
        }
        if self.alt {
            f.write_str("alt-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("Enter"),
            KeyCode::Esc => f.write_str("Esc"),
            KeyCode::Tab => f.write_str("Tab"),
            KeyCode::BackTab => f.write_str("shift-Tab"),
            KeyCode::Backspace => f.write_str("Backspace"),
            KeyCode::Delete => f.write_str("Del"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::Home => f.write_str("Home"),
            KeyCode::End => f.write_str("End"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            KeyCode::F(n) => write!(f, "F{n}"),
        }
    }
}

/// Keys to actions, built from the defaults and the `[keys]` table. An action named in the
/// table gets exactly the keys given there; a key it takes is removed from other actions.
#[derive(Clone, Debug)]
pub struct Keymap {
    by_key: BTreeMap<KeyPress, KeyAction>,
    by_action: BTreeMap<KeyAction, Vec<KeyPress>>,
}

impl Default for Keymap {
    fn default() -> Self {
        Self::build(&KeysConfig::default()).expect("the default keymap is valid")
    }
}

impl Keymap {
    pub fn build(config: &KeysConfig) -> Result<Self, KeymapError> {
        let mut overrides: BTreeMap<KeyAction, Vec<KeyPress>> = BTreeMap::new();
        let mut claimed: BTreeMap<KeyPress, KeyAction> = BTreeMap::new();
        for (name, keys) in &config.0 {
            let action = KeyAction::from_name(name).ok_or_else(|| KeymapError::UnknownAction {
                name: name.clone(),
                known: KeyAction::ALL.map(KeyAction::name).join(", "),
            })?;
            if keys.is_empty() {
                return Err(KeymapError::Empty {
                    action: name.clone(),
                });
            }
            let mut parsed = Vec::new();
            for (index, key) in keys.iter().enumerate() {
                let press = KeyPress::parse(key).map_err(|reason| KeymapError::BadKey {
                    action: name.clone(),
                    key: key.clone(),
                    index,
                    reason,
                })?;
                if let Some(first) = claimed.insert(press, action)
                    && first != action
                {
                    return Err(KeymapError::Duplicate {
                        key: key.clone(),
                        first: first.name().to_owned(),
                        second: name.clone(),
                        index,
                    });
                }
                parsed.push(press);
            }
            overrides.insert(action, parsed);
        }
        let mut by_action = BTreeMap::new();
        for action in KeyAction::ALL {
            let keys = match overrides.remove(&action) {
                Some(keys) => keys,
                None => action
                    .default_keys()
                    .iter()
                    .map(|k| KeyPress::parse(k).expect("default keys parse"))
                    .filter(|k| !claimed.contains_key(k))
                    .collect(),
            };
            by_action.insert(action, keys);
        }
        let by_key = by_action
            .iter()
            .flat_map(|(action, keys)| keys.iter().map(move |k| (*k, *action)))
            .collect();
        Ok(Self { by_key, by_action })
    }

    pub fn action(&self, key: KeyPress) -> Option<KeyAction> {
        self.by_key.get(&key).copied()
    }

    pub fn keys(&self, action: KeyAction) -> &[KeyPress] {
        self.by_action
            .get(&action)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// The first key of an action as shown in hints (`r`, `?`), or empty when unbound.
    pub fn hint(&self, action: KeyAction) -> String {
        self.keys(action)
            .first()
            .map(ToString::to_string)
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(entries: &[(&str, &[&str])]) -> KeysConfig {
        KeysConfig(
            entries
                .iter()
                .map(|(a, ks)| {
                    (
                        (*a).to_owned(),
                        ks.iter().map(|k| (*k).to_owned()).collect(),
                    )
                })
                .collect(),
        )
    }

    #[test]
    fn parses_names_modifiers_and_capitals() {
        assert_eq!(KeyPress::parse("ctrl-c").unwrap(), KeyPress::ctrl('c'));
        assert_eq!(KeyPress::parse("CTRL-C").unwrap(), KeyPress::ctrl('c'));
        assert_eq!(KeyPress::parse("G").unwrap(), KeyPress::char('G'));
        assert_eq!(
            KeyPress::parse("pgdn").unwrap(),
            KeyPress::plain(KeyCode::PageDown)
        );
        assert_eq!(
            KeyPress::parse("f5").unwrap(),
            KeyPress::plain(KeyCode::F(5))
        );
        assert!(KeyPress::parse("ctrl-").is_err());
        assert!(KeyPress::parse("hyper-x").is_err());
        assert!(KeyPress::parse("").is_err());
    }

    #[test]
    fn defaults_bind_every_action() {
        let map = Keymap::default();
        for action in KeyAction::ALL {
            assert!(!map.keys(action).is_empty(), "{} has no key", action.name());
        }
        assert_eq!(map.action(KeyPress::char('r')), Some(KeyAction::Rollback));
        assert_eq!(map.action(KeyPress::ctrl('c')), Some(KeyAction::Quit));
    }

    #[test]
    fn an_override_replaces_defaults_and_takes_its_keys_from_others() {
        let map = Keymap::build(&config(&[("rollback", &["R", "x"]), ("help", &["k"])])).unwrap();
        assert_eq!(map.action(KeyPress::char('R')), Some(KeyAction::Rollback));
        assert_eq!(map.action(KeyPress::char('r')), None);
        assert_eq!(map.action(KeyPress::char('k')), Some(KeyAction::Help));
        assert_eq!(map.keys(KeyAction::Up), &[KeyPress::plain(KeyCode::Up)]);
    }

    #[test]
    fn refuses_unknown_actions_bad_keys_and_duplicates_naming_them() {
        let err = Keymap::build(&config(&[("rollbak", &["r"])])).unwrap_err();
        assert!(matches!(&err, KeymapError::UnknownAction { name, .. } if name == "rollbak"));
        assert!(
            err.to_string().contains("rollback"),
            "lists the known names: {err}"
        );

        let err = Keymap::build(&config(&[("quit", &["ctrl-?!"])])).unwrap_err();
        assert!(
            matches!(&err, KeymapError::BadKey { key, action, .. } if key == "ctrl-?!" && action == "quit")
        );

        let err = Keymap::build(&config(&[("quit", &["x"]), ("help", &["x"])])).unwrap_err();
        assert!(matches!(err, KeymapError::Duplicate { .. }));
        let err = Keymap::build(&config(&[("quit", &["q", "bogus-key"])])).unwrap_err();
        assert_eq!(err.location(), ("quit", Some(1)));

        let err = config(&[("quit", &[])]).validate().unwrap_err();
        assert!(matches!(err, KeymapError::Empty { .. }));
    }
}
