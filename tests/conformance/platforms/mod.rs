//! One harness per adapter: its fake, its starting world and what it can express.

pub mod demo;
pub mod fly;
pub mod http;
pub mod kubernetes;
pub mod temps;
pub mod unkey;
pub mod vercel;
