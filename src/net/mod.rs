//! HTTP plumbing shared by every network adapter: one client setup, the HTTP status table,
//! bounded bodies, decoding that names the field, the replay rule with backoff, jitter and
//! a capped `Retry-After`, and identical reads shared through [`Coalesce`].

mod body;
mod client;
mod coalesce;
pub mod paging;
mod replay;
mod retry;
pub mod secrets;
mod status;

pub use body::{decode_json, excerpt, read_limited};
pub use client::{HttpSettings, build_client, install_tls_provider};
pub use coalesce::Coalesce;
pub use paging::PageGuard;
pub use replay::Replay;
pub use retry::{MAX_RETRY_AFTER, RetryPolicy, describe_wait, parse_retry_after, retrying};
pub use status::{error_for, error_for_status, transport_error};
