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
pub mod console;
pub mod domain;
pub mod fuzzing;
pub mod logging;
pub mod metrics;
pub mod net;
pub mod operation;
pub mod paths;
pub mod poller;
pub mod serve;
pub mod text;
pub mod theme;
pub mod ui;
