//! HTTP plumbing shared by every network adapter: one client setup, typed errors from
//! statuses and transport failures, bounded bodies, decoding that names the field, and
//! retries with backoff and jitter that honour `Retry-After`.

mod body;
mod client;
mod retry;
mod status;

pub use body::{decode_json, excerpt, read_limited};
pub use client::{HttpSettings, build_client, install_tls_provider};
pub use retry::{RetryPolicy, parse_retry_after, with_retries, with_retries_when};
pub use status::{error_for_status, transport_error};
