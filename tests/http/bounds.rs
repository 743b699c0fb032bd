//! Bounds against a platform that misbehaves on purpose, on a real socket: a `Retry-After`
//! of the largest number there is, a list that pages forever, an endless header, a body that
//! drips a byte at a time, a body that never ends. Each call ends within its own deadline
//! with a message that says what was cut; nothing here measures time.

use crate::support::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use switchback::backend::{Backend, BackendError, PageRequest};
use switchback::operation::pages::{self, MAX_PAGES, PagingError};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How the platform answers one request.
#[derive(Clone, Copy)]
enum Answer {
    /// 429 with this `Retry-After` value.
    RateLimited(&'static str),
    /// A page of projects whose `next` is always a new cursor, longer each time.
    EndlessPages,
    /// An empty page of projects, and another cursor, forever.
    EmptyPages,
    /// A status line, then one header line that never ends.
    EndlessHeader,
    /// A head that promises a body, then a byte now and then, forever.
    Drip,
    /// A chunked body that never ends.
    EndlessBody,
}

/// A platform on a loopback port that answers every request with `answer`; counts requests.
struct Hostile {
    url: String,
    requests: Arc<AtomicUsize>,
}

impl Hostile {
    async fn start(answer: Answer) -> Hostile {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(AtomicUsize::new(0));
        let count = requests.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let n = count.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(serve(socket, answer, n));
            }
        });
        Hostile { url, requests }
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

async fn serve(mut socket: TcpStream, answer: Answer, n: usize) {
    // The request's head; its body, if any, is not needed.
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match socket.read(&mut byte).await {
            Ok(1) => head.push(byte[0]),
            _ => return,
        }
    }
    let _ = match answer {
        Answer::RateLimited(value) => {
            let text = format!(
                "HTTP/1.1 429 Too Many Requests\r\nretry-after: {value}\r\ncontent-length: 9\r\nconnection: close\r\n\r\nslow down"
            );
            socket.write_all(text.as_bytes()).await
        }
        Answer::EndlessPages => {
            let body = format!(
                r#"{{"items":[{{"id":"p{n}","name":"p{n}","components":[]}}],"next":"{}"}}"#,
                "c".repeat(n + 1)
            );
            let text = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            socket.write_all(text.as_bytes()).await
        }
        Answer::EmptyPages => {
            let body = format!(r#"{{"items":[],"next":"c{n}"}}"#);
            let text = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            socket.write_all(text.as_bytes()).await
        }
        Answer::EndlessHeader => {
            let mut result = socket.write_all(b"HTTP/1.1 200 OK\r\nx-endless: ").await;
            let junk = [b'a'; 16 * 1024];
            while result.is_ok() {
                result = socket.write_all(&junk).await;
            }
            result
        }
        Answer::Drip => {
            let mut result = socket
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n[")
                .await;
            while result.is_ok() {
                tokio::time::sleep(Duration::from_millis(50)).await;
                result = socket.write_all(b" ").await;
            }
            result
        }
        Answer::EndlessBody => {
            let mut result = socket
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n")
                .await;
            let chunk = format!("4000\r\n{}\r\n", " ".repeat(0x4000));
            while result.is_ok() {
                result = socket.write_all(chunk.as_bytes()).await;
            }
            result
        }
    };
}

/// A backend with a short request deadline and retries allowed.
fn backend_for(platform: &Hostile, timeout: Duration) -> switchback::backend::http::HttpBackend {
    let mut opts = options(4);
    opts.settings.request_timeout = timeout;
    opts.settings.max_body_bytes = 256 * 1024;
    client(&platform.url, None, opts)
}

/// `call`, or a failed test if it has not ended long after every deadline in it.
async fn within<T>(call: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(60), call)
        .await
        .expect("the call ended")
}

#[tokio::test]
async fn the_largest_retry_after_is_not_waited_for() {
    for value in ["18446744073709551615", "99999999999999999999999999"] {
        let platform = Hostile::start(Answer::RateLimited(value)).await;
        let backend = backend_for(&platform, Duration::from_secs(5));
        let error = within(backend.get_environment(&prod())).await.unwrap_err();
        match &error {
            BackendError::RateLimited {
                retry_after: Some(wait),
            } => assert!(*wait > switchback::net::MAX_RETRY_AFTER),
            other => panic!("expected a rate limit, got {other:?}"),
        }
        // Asked once: a wait past the cap ends the call instead of sleeping through it.
        assert_eq!(platform.requests(), 1, "{value}");
        let said = error.to_string();
        assert!(said.contains("days") || said.contains("wait"), "{said}");
    }
}

#[tokio::test]
async fn a_platform_that_pages_forever_is_stopped_with_what_was_read() {
    let platform = Hostile::start(Answer::EndlessPages).await;
    let backend = backend_for(&platform, Duration::from_secs(5));
    let error = within(pages::projects(&backend)).await.unwrap_err();
    assert_eq!(
        error,
        PagingError::Unbounded {
            platform: "the HTTP-contract server",
            what: "projects",
            items: MAX_PAGES,
            pages: MAX_PAGES,
        }
    );
    assert_eq!(platform.requests(), MAX_PAGES);
    let said = error.to_string();
    assert!(
        said.contains("projects")
            && said.contains("1000 pages")
            && said.contains("the HTTP-contract server kept paging"),
        "{said}"
    );
}

#[tokio::test]
async fn the_console_stops_a_platform_that_sends_empty_pages_forever() {
    let platform = Hostile::start(Answer::EmptyPages).await;
    let backend = switchback::backend::Platform::native(Arc::new(backend_for(
        &platform,
        Duration::from_secs(5),
    )));
    let error = within(switchback::poller::fetch(
        &backend,
        &switchback::poller::Resource::Projects,
        false,
    ))
    .await
    .unwrap_err();
    assert_eq!(platform.requests(), MAX_PAGES);
    let said = error.to_string();
    assert!(
        said.contains("stopped reading projects after 0 items in 1000 pages")
            && said.contains("the HTTP-contract server kept paging"),
        "{said}"
    );
}

#[tokio::test]
async fn an_endless_header_ends_the_call() {
    let platform = Hostile::start(Answer::EndlessHeader).await;
    let backend = backend_for(&platform, Duration::from_secs(5));
    let error = within(backend.list_projects(PageRequest::first(10)))
        .await
        .unwrap_err();
    assert!(matches!(error, BackendError::Transient { .. }), "{error:?}");
}

#[tokio::test]
async fn a_body_that_drips_is_cut_at_the_deadline() {
    let platform = Hostile::start(Answer::Drip).await;
    let backend = backend_for(&platform, Duration::from_millis(500));
    let error = within(backend.list_projects(PageRequest::first(10)))
        .await
        .unwrap_err();
    match error {
        BackendError::Transient { message } => {
            assert!(
                message.contains("timeout") || message.contains("timed out"),
                "{message}"
            )
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
}

#[tokio::test]
async fn a_body_that_never_ends_is_refused_at_the_limit() {
    let platform = Hostile::start(Answer::EndlessBody).await;
    let backend = backend_for(&platform, Duration::from_secs(30));
    let error = within(backend.list_projects(PageRequest::first(10)))
        .await
        .unwrap_err();
    match error {
        BackendError::Decode { message, .. } => {
            assert!(message.contains("larger than the limit"), "{message}")
        }
        other => panic!("expected the body limit, got {other:?}"),
    }
}
