//! `[keys]`: action name → list of keys, e.g. `rollback = ["r"]`. Validated against the
//! console's action list when the keymap is built.

use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(transparent)]
pub struct KeysConfig(pub BTreeMap<String, Vec<String>>);
