//! `switchback serve`'s own router on a loopback port, as the binary serves it: the socket a
//! console, a fault proxy or a Prometheus talks to. Stopped when dropped.

use std::net::SocketAddr;
use switchback::serve::{ServeState, router};

pub struct Served {
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Served {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serves `state` on 127.0.0.1 at a free port.
pub async fn serve(state: ServeState) -> Served {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        axum::serve(listener, router(state)).await.unwrap();
    });
    Served { addr, task }
}
