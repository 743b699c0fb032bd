//! Themes: a palette of named colours and the semantic slots the screen draws with.
//!
//! The built-in themes are embedded in the binary; a file of the same name in the user's
//! themes folder overrides one, and `inherits` lets a theme start from another.

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// The embedded themes, by name.
pub const BUILT_IN: [(&str, &str); 4] = [
    ("default", include_str!("../../themes/default.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
    ("mono", include_str!("../../themes/mono.toml")),
];

/// Every slot a theme must resolve.
pub const SLOTS: [&str; 16] = [
    "text",
    "muted",
    "accent",
    "header",
    "border",
    "selection",
    "live",
    "ok",
    "warning",
    "danger",
    "stale",
    "key",
    "chart-live",
    "chart-target",
    "threshold",
    "modal",
];

#[derive(Clone, Debug, thiserror::Error)]
pub enum ThemeError {
    #[error("theme `{name}` not found (built in: default, light, high-contrast, mono)")]
    NotFound { name: String },
    #[error("theme file {path}:{message}")]
    Parse { path: String, message: String },
    #[error("theme `{theme}`: slot `{slot}`: `{value}` is not a colour or a palette name")]
    BadColor {
        theme: String,
        slot: String,
        value: String,
    },
    #[error("theme `{theme}` does not define slot `{slot}` (nor does what it inherits)")]
    MissingSlot { theme: String, slot: String },
    #[error("theme `{theme}` has an unknown slot `{slot}`")]
    UnknownSlot { theme: String, slot: String },
    #[error("theme `{theme}` inherits in a circle")]
    Cycle { theme: String },
}

/// A theme file as written.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThemeFile {
    pub name: Option<String>,
    pub inherits: Option<String>,
    #[serde(default)]
    pub palette: BTreeMap<String, String>,
    #[serde(default)]
    pub slots: BTreeMap<String, SlotSpec>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlotSpec {
    pub fg: Option<String>,
    pub bg: Option<String>,
    #[serde(default)]
    pub bold: bool,
    #[serde(default)]
    pub dim: bool,
    #[serde(default)]
    pub italic: bool,
    #[serde(default)]
    pub underlined: bool,
    #[serde(default)]
    pub reversed: bool,
}

/// A resolved theme: one style per semantic slot.
#[derive(Clone, Debug, PartialEq)]
pub struct Theme {
    pub name: String,
    pub text: Style,
    pub muted: Style,
    pub accent: Style,
    pub header: Style,
    pub border: Style,
    pub selection: Style,
    pub live: Style,
    pub ok: Style,
    pub warning: Style,
    pub danger: Style,
    pub stale: Style,
    pub key: Style,
    pub chart_live: Style,
    pub chart_target: Style,
    pub threshold: Style,
    pub modal: Style,
}

impl Default for Theme {
    fn default() -> Self {
        Self::built_in("default").expect("the default theme resolves")
    }
}

/// Where themes come from: the embedded ones, and optionally a user folder that overrides.
#[derive(Clone, Debug, Default)]
pub struct ThemeSource {
    pub user_dir: Option<PathBuf>,
}

impl ThemeSource {
    fn file(&self, name: &str) -> Result<ThemeFile, ThemeError> {
        if let Some(dir) = &self.user_dir {
            let path = dir.join(format!("{name}.toml"));
            if path.is_file() {
                let text = std::fs::read_to_string(&path).map_err(|e| ThemeError::Parse {
                    path: path.display().to_string(),
                    message: e.to_string(),
                })?;
                return parse_file(&text, &path);
            }
        }
        let (_, text) =
            BUILT_IN
                .iter()
                .find(|(n, _)| *n == name)
                .ok_or_else(|| ThemeError::NotFound {
                    name: name.to_owned(),
                })?;
        parse_file(text, Path::new(&format!("<built-in {name}>")))
    }

    /// Every theme name this source knows: the built-in ones, then the user folder's.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = BUILT_IN.iter().map(|(n, _)| (*n).to_owned()).collect();
        let mut own: Vec<String> = self
            .user_dir
            .as_ref()
            .and_then(|dir| std::fs::read_dir(dir).ok())
            .into_iter()
            .flatten()
            .filter_map(|entry| {
                let path = entry.ok()?.path();
                (path.extension()? == "toml")
                    .then(|| path.file_stem()?.to_str().map(str::to_owned))
                    .flatten()
            })
            .filter(|n| !names.contains(n))
            .collect();
        own.sort();
        names.extend(own);
        names
    }

    /// Loads a theme by name, following `inherits`.
    pub fn load(&self, name: &str) -> Result<Theme, ThemeError> {
        let mut chain = Vec::new();
        let mut next = Some(name.to_owned());
        while let Some(current) = next {
            if chain
                .iter()
                .any(|(n, _): &(String, ThemeFile)| *n == current)
            {
                return Err(ThemeError::Cycle {
                    theme: name.to_owned(),
                });
            }
            let file = self.file(&current)?;
            next = file.inherits.clone();
            chain.push((current, file));
        }
        let mut palette = BTreeMap::new();
        let mut slots = BTreeMap::new();
        for (_, file) in chain.into_iter().rev() {
            palette.extend(file.palette);
            slots.extend(file.slots);
        }
        resolve(name, &palette, &slots)
    }
}

impl Theme {
    pub fn built_in(name: &str) -> Result<Self, ThemeError> {
        ThemeSource::default().load(name)
    }

    /// `--theme` first, then the config's `theme`, then `NO_COLOR` (mono), then `default`.
    pub fn choose(
        flag: Option<&str>,
        config: Option<&str>,
        no_color: bool,
        source: &ThemeSource,
    ) -> Result<Self, ThemeError> {
        let name = flag
            .or(config)
            .unwrap_or(if no_color { "mono" } else { "default" });
        source.load(name)
    }
}

fn parse_file(text: &str, path: &Path) -> Result<ThemeFile, ThemeError> {
    toml::from_str(text).map_err(|e: toml::de::Error| {
        let (line, column) = crate::config::line_column(text, e.span().map_or(0, |s| s.start));
        ThemeError::Parse {
            path: path.display().to_string(),
            message: format!("{line}:{column}: {}", e.message().trim()),
        }
    })
}

fn resolve(
    theme: &str,
    palette: &BTreeMap<String, String>,
    slots: &BTreeMap<String, SlotSpec>,
) -> Result<Theme, ThemeError> {
    if let Some(unknown) = slots.keys().find(|k| !SLOTS.contains(&k.as_str())) {
        return Err(ThemeError::UnknownSlot {
            theme: theme.to_owned(),
            slot: unknown.clone(),
        });
    }
    let color = |slot: &str, value: &Option<String>| -> Result<Option<Color>, ThemeError> {
        let Some(value) = value else { return Ok(None) };
        let actual = palette.get(value).unwrap_or(value);
        Color::from_str(actual)
            .map(Some)
            .map_err(|_| ThemeError::BadColor {
                theme: theme.to_owned(),
                slot: slot.to_owned(),
                value: value.clone(),
            })
    };
    let style = |slot: &str| -> Result<Style, ThemeError> {
        let spec = slots.get(slot).ok_or_else(|| ThemeError::MissingSlot {
            theme: theme.to_owned(),
            slot: slot.to_owned(),
        })?;
        let mut style = Style::default();
        if let Some(fg) = color(slot, &spec.fg)? {
            style = style.fg(fg);
        }
        if let Some(bg) = color(slot, &spec.bg)? {
            style = style.bg(bg);
        }
        for (on, modifier) in [
            (spec.bold, Modifier::BOLD),
            (spec.dim, Modifier::DIM),
            (spec.italic, Modifier::ITALIC),
            (spec.underlined, Modifier::UNDERLINED),
            (spec.reversed, Modifier::REVERSED),
        ] {
            if on {
                style = style.add_modifier(modifier);
            }
        }
        Ok(style)
    };
    Ok(Theme {
        name: theme.to_owned(),
        text: style("text")?,
        muted: style("muted")?,
        accent: style("accent")?,
        header: style("header")?,
        border: style("border")?,
        selection: style("selection")?,
        live: style("live")?,
        ok: style("ok")?,
        warning: style("warning")?,
        danger: style("danger")?,
        stale: style("stale")?,
        key: style("key")?,
        chart_live: style("chart-live")?,
        chart_target: style("chart-target")?,
        threshold: style("threshold")?,
        modal: style("modal")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_theme_resolves_all_slots() {
        for (name, _) in BUILT_IN {
            let theme = Theme::built_in(name).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(theme.name, name);
        }
    }

    #[test]
    fn every_theme_file_parses_is_embedded_and_resolves() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes");
        let mut seen = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "toml") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let file = parse_file(&text, &path).unwrap_or_else(|e| panic!("{e}"));
            let name = path.file_stem().unwrap().to_str().unwrap();
            assert_eq!(file.name.as_deref(), Some(name), "{}", path.display());
            let embedded = BUILT_IN.iter().find(|(n, _)| *n == name);
            assert_eq!(
                embedded.map(|(_, t)| *t),
                Some(text.as_str()),
                "{name} is embedded as is"
            );
            Theme::built_in(name).unwrap_or_else(|e| panic!("{name}: {e}"));
            seen += 1;
        }
        assert_eq!(seen, BUILT_IN.len());
    }

    #[test]
    fn mono_has_no_colour_and_danger_is_still_marked() {
        let mono = Theme::built_in("mono").unwrap();
        for style in [
            mono.danger,
            mono.stale,
            mono.warning,
            mono.selection,
            mono.text,
        ] {
            assert_eq!(style.fg, None);
            assert_eq!(style.bg, None);
        }
        assert!(mono.danger.add_modifier.contains(Modifier::BOLD));
        assert!(mono.stale.add_modifier.contains(Modifier::REVERSED));
    }

    #[test]
    fn a_user_theme_overrides_a_built_in_and_inherits() {
        let dir = std::env::temp_dir().join(format!("switchback-theme-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("light.toml"),
            "inherits = \"default\"\n[slots]\ndanger = { fg = \"#ff00ff\" }\n",
        )
        .unwrap();
        let source = ThemeSource {
            user_dir: Some(dir.clone()),
        };
        let theme = source.load("light").unwrap();
        assert_eq!(theme.danger.fg, Some(Color::Rgb(255, 0, 255)));
        assert_eq!(
            theme.ok,
            Theme::default().ok,
            "other slots come from default"
        );
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn choice_order_is_flag_config_no_color_default() {
        let s = ThemeSource::default();
        assert_eq!(
            Theme::choose(Some("light"), Some("mono"), true, &s)
                .unwrap()
                .name,
            "light"
        );
        assert_eq!(
            Theme::choose(None, Some("light"), true, &s).unwrap().name,
            "light"
        );
        assert_eq!(Theme::choose(None, None, true, &s).unwrap().name, "mono");
        assert_eq!(
            Theme::choose(None, None, false, &s).unwrap().name,
            "default"
        );
        assert!(matches!(
            Theme::choose(Some("nope"), None, false, &s),
            Err(ThemeError::NotFound { .. })
        ));
    }

    #[test]
    fn bad_colours_and_unknown_slots_are_named() {
        let palette = BTreeMap::new();
        let mut slots: BTreeMap<String, SlotSpec> = SLOTS
            .iter()
            .map(|s| ((*s).to_owned(), SlotSpec::default()))
            .collect();
        slots.get_mut("danger").unwrap().fg = Some("notacolour".into());
        let err = resolve("t", &palette, &slots).unwrap_err();
        assert!(matches!(err, ThemeError::BadColor { ref slot, .. } if slot == "danger"));
        slots.get_mut("danger").unwrap().fg = None;
        slots.insert("dangr".into(), SlotSpec::default());
        assert!(matches!(
            resolve("t", &palette, &slots),
            Err(ThemeError::UnknownSlot { .. })
        ));
    }
}
