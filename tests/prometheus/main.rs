//! The Prometheus error-rate source against a real `prometheus` binary scraping a real
//! `/metrics` endpoint every second.

mod bad_answers;
mod binary;
mod config_docs;
mod demo_platform;
mod exporter;
mod figures;
mod presets;
mod server;
mod support;
