//! switchback: a terminal operations console for deployment rollbacks.
//!
//! The engine (`domain`, `backend`, `clock`) never imports the screen.

pub mod app;
pub mod backend;
pub mod clock;
pub mod config;
pub mod domain;
pub mod metrics;
pub mod net;
