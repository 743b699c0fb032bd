//! switchback: a terminal operations console for deployment rollbacks.
//!
//! The engine (`domain`, `backend`, `clock`, `poller`) never imports the screen.

pub mod app;
pub mod backend;
pub mod clock;
pub mod config;
pub mod domain;
pub mod net;
pub mod poller;
pub mod theme;
pub mod ui;
