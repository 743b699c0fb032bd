//! A hostile platform: the HTTP contract with terminal escapes, C0 and C1 controls, bidi
//! overrides, combining marks, emoji, a megabyte commit message and a label that is another
//! deployment's id in its answers; and platforms that echo the token back. Nothing of it
//! reaches a terminal, a script, a log or a report as anything but inert text.

mod bounds;
mod client;
mod commands;
mod console;
mod payloads;
mod secrets;
mod server;
