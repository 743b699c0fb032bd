//! switchback: a terminal operations console for deployment rollbacks.
//!
//! The engine (`domain`, `backend`, `clock`, `poller`) never imports the screen.

pub mod app;
pub mod backend;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod config;
pub mod connect;
pub mod domain;
pub mod logging;
pub mod metrics;
pub mod net;
pub mod paths;
pub mod poller;
pub mod serve;
pub mod theme;
pub mod ui;
