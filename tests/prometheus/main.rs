//! The Prometheus error-rate source against a real `prometheus` binary scraping a real
//! `/metrics` endpoint every second.

mod bad_answers;
mod binary;
mod config_docs;
mod demo_platform;
mod exporter;
mod figures;
mod presets;
#[path = "../support/serve.rs"]
mod served;
mod server;
mod support;
