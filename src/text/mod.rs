//! Text for a terminal: platform strings made inert and measured cluster by cluster, numbers
//! and durations in words, the same for the console and the commands.
//!
//! Platform text passes here before any terminal sees it:
//! - [`inert`]: control characters (C0, DEL, C1) and bidi controls become visible stand-ins;
//! - [`clusters`]: each grapheme cluster as it is drawn, with a width every terminal agrees
//!   on (disputed clusters such as emoji ZWJ sequences or flags get stand-ins);
//! - [`width`], [`fit`], [`head`], [`clean`]: measuring and cutting on those clusters; the
//!   one way text is made to fit a column, a row or a box.

mod cluster;
mod fit;
mod inert;
mod json;
mod numbers;
#[cfg(test)]
pub(crate) mod props;

pub use cluster::{Clusters, Drawn, MAX_CLUSTER_CHARS, REPLACEMENT, clusters, settle};
pub use fit::{Head, SCAN_PER_COLUMN, clean, fit, head, width};
pub use inert::{inert, inert_lines, is_unsafe, stand_in};
pub use json::{escape_json, to_inert_vec};
pub use numbers::{age, clock_span, percent, span};
