//! A fault-injecting HTTP/1.1 proxy on 127.0.0.1:0. Each request it receives takes the next
//! scripted fault meant for its path (pass-through when there is none); it serves one
//! request per connection and says so (`connection: close`), so faults never leak between
//! requests.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

#[derive(Clone)]
pub enum Fault {
    /// Forward to the server after this long.
    Slow(Duration),
    /// Answer this status, content type and body without asking the server.
    Answer {
        status: u16,
        content_type: &'static str,
        body: String,
        headers: Vec<(&'static str, String)>,
    },
    /// Close the connection abruptly (RST) without answering.
    Reset,
    /// Forward, then send the answer's head and only half its body, and close.
    Truncate,
    /// Forward (the server acts on it), then drop the connection instead of answering.
    DropAnswer,
    /// Forward (the server acts on it), then hold the answer this long before sending it:
    /// a client with a shorter timeout gives up after the platform acted.
    StallAnswer(Duration),
    /// A 200 whose `content-length` promises this many bytes, then stream zeros until the
    /// client gives up.
    Oversized { declared: Option<usize> },
    /// Forward only once the test opens the gate.
    Gate(Arc<Notify>),
    /// Forward (the server acts on it), then hold the answer this long before sending it.
    #[allow(dead_code)] // the conformance suite's
    LateAnswer(Duration),
}

impl Fault {
    pub fn status(status: u16) -> Fault {
        Fault::Answer {
            status,
            content_type: "text/plain",
            body: format!("upstream said {status}"),
            headers: Vec::new(),
        }
    }

    pub fn html(status: u16) -> Fault {
        Fault::Answer {
            status,
            content_type: "text/html",
            body: "<html><head><title>Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>".to_owned(),
            headers: Vec::new(),
        }
    }

    pub fn json(status: u16, body: &str) -> Fault {
        Fault::Answer {
            status,
            content_type: "application/json",
            body: body.to_owned(),
            headers: Vec::new(),
        }
    }
}

/// What the proxy saw: one entry per request, `(method, path, status sent or 0)`, and the
/// `idempotency-key` each carried.
#[derive(Default)]
struct Seen {
    requests: Vec<(String, String, u16)>,
    keys: Vec<Option<String>>,
}

/// A scripted fault and the paths it is meant for (`None`: any).
type Scripted = (Option<String>, Fault);

#[derive(Clone)]
pub struct FaultProxy {
    pub addr: SocketAddr,
    script: Arc<Mutex<VecDeque<Scripted>>>,
    /// Faults for the next request of one method whose path contains a string, ahead of the
    /// script: `(method, path part, fault)`.
    aimed: Arc<Mutex<Vec<(String, String, Fault)>>>,
    seen: Arc<Mutex<Seen>>,
}

impl FaultProxy {
    pub async fn start(upstream: SocketAddr) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let proxy = FaultProxy {
            addr: listener.local_addr().unwrap(),
            script: Arc::default(),
            aimed: Arc::default(),
            seen: Arc::default(),
        };
        let serving = proxy.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let proxy = serving.clone();
                tokio::spawn(async move { proxy.serve(stream, upstream).await });
            }
        });
        proxy
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The next requests meet these faults, in order.
    pub fn script(&self, faults: impl IntoIterator<Item = Fault>) {
        self.script
            .lock()
            .unwrap()
            .extend(faults.into_iter().map(|fault| (None, fault)));
    }

    /// The next requests whose path contains `path` meet these faults, in order; others
    /// pass.
    pub fn script_for(&self, path: &str, faults: impl IntoIterator<Item = Fault>) {
        self.script.lock().unwrap().extend(
            faults
                .into_iter()
                .map(|fault| (Some(path.to_owned()), fault)),
        );
    }

    /// The next `method` request whose path contains `path_contains` meets `fault`; other
    /// requests pass as scripted.
    #[allow(dead_code)] // the conformance suite's
    pub fn aim(&self, method: &str, path_contains: &str, fault: Fault) {
        self.aimed
            .lock()
            .unwrap()
            .push((method.to_owned(), path_contains.to_owned(), fault));
    }

    /// Aimed faults no request has met yet.
    #[allow(dead_code)] // the conformance suite's
    pub fn aimed_left(&self) -> usize {
        self.aimed.lock().unwrap().len()
    }

    fn aimed_at(&self, method: &str, path: &str) -> Option<Fault> {
        let mut aimed = self.aimed.lock().unwrap();
        let index = aimed
            .iter()
            .position(|(m, p, _)| m == method && path.contains(p.as_str()))?;
        Some(aimed.remove(index).2)
    }

    pub fn requests(&self) -> Vec<(String, String, u16)> {
        self.seen.lock().unwrap().requests.clone()
    }

    /// The `idempotency-key` of each request whose path contains `path`, in order.
    pub fn idempotency_keys(&self, path: &str) -> Vec<Option<String>> {
        let seen = self.seen.lock().unwrap();
        seen.requests
            .iter()
            .zip(&seen.keys)
            .filter(|((_, p, _), _)| p.contains(path))
            .map(|(_, key)| key.clone())
            .collect()
    }

    pub fn count(&self, method: &str, path_contains: &str) -> usize {
        self.requests()
            .iter()
            .filter(|(m, p, _)| m == method && p.contains(path_contains))
            .count()
    }

    async fn serve(&self, mut client: TcpStream, upstream: SocketAddr) {
        let Some(request) = read_request(&mut client).await else {
            return;
        };
        let (method, path) = request_line(&request);
        let fault = self.aimed_at(&method, &path).or_else(|| {
            let mut script = self.script.lock().unwrap();
            script
                .iter()
                .position(|(only, _)| only.as_ref().is_none_or(|p| path.contains(p.as_str())))
                .and_then(|index| script.remove(index))
                .map(|(_, fault)| fault)
        });
        let index = {
            let mut seen = self.seen.lock().unwrap();
            seen.requests.push((method, path, 0));
            seen.keys.push(header(&request, "idempotency-key"));
            seen.requests.len() - 1
        };
        let record = |status: u16| self.seen.lock().unwrap().requests[index].2 = status;
        match fault {
            None => {
                let answer = forward(&request, upstream).await;
                record(status_of(&answer));
                let _ = client.write_all(&answer).await;
            }
            Some(Fault::Slow(wait)) => {
                tokio::time::sleep(wait).await;
                let answer = forward(&request, upstream).await;
                record(status_of(&answer));
                let _ = client.write_all(&answer).await;
            }
            Some(Fault::LateAnswer(wait)) => {
                let answer = forward(&request, upstream).await;
                record(status_of(&answer));
                tokio::time::sleep(wait).await;
                let _ = client.write_all(&answer).await;
            }
            Some(Fault::Gate(gate)) => {
                gate.notified().await;
                let answer = forward(&request, upstream).await;
                record(status_of(&answer));
                let _ = client.write_all(&answer).await;
            }
            Some(Fault::Answer {
                status,
                content_type,
                body,
                headers,
            }) => {
                record(status);
                let mut head = format!(
                    "HTTP/1.1 {status} Fault\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n",
                    body.len()
                );
                for (name, value) in headers {
                    head.push_str(&format!("{name}: {value}\r\n"));
                }
                head.push_str("\r\n");
                let _ = client.write_all(head.as_bytes()).await;
                let _ = client.write_all(body.as_bytes()).await;
            }
            Some(Fault::Reset) => {
                let _ = client.set_zero_linger();
                drop(client);
            }
            Some(Fault::Truncate) => {
                let answer = forward(&request, upstream).await;
                record(status_of(&answer));
                let split = find(&answer, b"\r\n\r\n").map_or(answer.len(), |i| i + 4);
                let body_len = answer.len() - split;
                let _ = client.write_all(&answer[..split + body_len / 2]).await;
                let _ = client.shutdown().await;
            }
            Some(Fault::StallAnswer(wait)) => {
                let answer = forward(&request, upstream).await;
                record(status_of(&answer));
                tokio::time::sleep(wait).await;
                let _ = client.write_all(&answer).await;
            }
            Some(Fault::DropAnswer) => {
                let answer = forward(&request, upstream).await;
                record(status_of(&answer));
                let _ = client.set_zero_linger();
                drop(client);
            }
            Some(Fault::Oversized { declared }) => {
                record(200);
                let length = declared
                    .map(|n| format!("content-length: {n}\r\n"))
                    .unwrap_or_else(|| "transfer-encoding: chunked\r\n".to_owned());
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n{length}connection: close\r\n\r\n"
                );
                if client.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let chunk = vec![b' '; 16 * 1024];
                // Stop after 64 MiB whatever happens; the client should give up far earlier.
                for _ in 0..4096 {
                    let sent = if declared.is_some() {
                        client.write_all(&chunk).await
                    } else {
                        let framed = [
                            format!("{:x}\r\n", chunk.len()).into_bytes(),
                            chunk.clone(),
                            b"\r\n".to_vec(),
                        ]
                        .concat();
                        client.write_all(&framed).await
                    };
                    if sent.is_err() {
                        return;
                    }
                }
            }
        }
    }
}

/// Reads one request: head and `content-length` body.
async fn read_request(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        if let Some(end) = find(&buffer, b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buffer[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            while buffer.len() < end + 4 + length {
                let n = stream.read(&mut chunk).await.ok()?;
                if n == 0 {
                    return None;
                }
                buffer.extend_from_slice(&chunk[..n]);
            }
            return Some(buffer);
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
}

fn request_line(request: &[u8]) -> (String, String) {
    let line = String::from_utf8_lossy(request)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned();
    let mut parts = line.split_whitespace();
    (
        parts.next().unwrap_or_default().to_owned(),
        parts.next().unwrap_or_default().to_owned(),
    )
}

/// The value of header `name` (lowercase) in the request's head.
fn header(request: &[u8], name: &str) -> Option<String> {
    let end = find(request, b"\r\n\r\n")?;
    String::from_utf8_lossy(&request[..end])
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(key, _)| key.trim().eq_ignore_ascii_case(name))
        .map(|(_, value)| value.trim().to_owned())
}

/// Sends the request to the server with `connection: close` and returns its whole answer,
/// marked `connection: close` for the client.
async fn forward(request: &[u8], upstream: SocketAddr) -> Vec<u8> {
    let end = find(request, b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&request[..end]);
    let mut rewritten: String = head
        .lines()
        .filter(|line| !line.to_ascii_lowercase().starts_with("connection:"))
        .map(|line| format!("{line}\r\n"))
        .collect();
    rewritten.push_str("connection: close\r\n\r\n");
    let mut server = TcpStream::connect(upstream).await.unwrap();
    server.write_all(rewritten.as_bytes()).await.unwrap();
    server.write_all(&request[end + 4..]).await.unwrap();
    let mut answer = Vec::new();
    server.read_to_end(&mut answer).await.unwrap();
    let split = find(&answer, b"\r\n\r\n").map_or(answer.len(), |i| i + 4);
    let head = String::from_utf8_lossy(&answer[..split]);
    let mut out: String = head
        .lines()
        .filter(|line| !line.is_empty() && !line.to_ascii_lowercase().starts_with("connection:"))
        .map(|line| format!("{line}\r\n"))
        .collect();
    out.push_str("connection: close\r\n\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(&answer[split..]);
    bytes
}

fn status_of(answer: &[u8]) -> u16 {
    String::from_utf8_lossy(&answer[..answer.len().min(32)])
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}
