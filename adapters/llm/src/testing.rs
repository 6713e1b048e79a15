//! A scripted upstream for tests: a real HTTP/1.1 server on 127.0.0.1 that answers each request with the next
//! scripted reply — a body cut into chunks at chosen bytes, a hang, a dropped connection — or with what a responder
//! makes of the request (a model that calls tools, say), and records what it was sent. The last scripted reply
//! repeats once the script runs out.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the upstream does with one request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// Answers `status` with `headers` and a body sent as these chunks, `delay` apart (chunked encoding).
    Chunks { status: u16, headers: Vec<(String, String)>, chunks: Vec<Vec<u8>>, delay: Duration },
    /// Reads the request and never answers.
    Hang,
    /// Reads the request and closes the connection.
    Drop,
    /// Sends the headers and these chunks, then closes the connection mid-body.
    DropAfter { status: u16, chunks: Vec<Vec<u8>> },
    /// Waits until its batch of `peers` requests (this one included; batches in order of arrival) has arrived, then
    /// answers `reply`: only requests in flight at the same time pass. After [`TOGETHER_DEADLINE`] without its
    /// batch, answers 504 instead.
    Together { peers: usize, reply: Box<Reply> },
}

/// How long a [`Reply::Together`] waits for its peers.
pub const TOGETHER_DEADLINE: Duration = Duration::from_secs(10);

/// Makes the reply to a request.
pub type Responder = Arc<dyn Fn(&Recorded) -> Reply + Send + Sync>;

impl Reply {
    /// A JSON answer in one piece.
    #[must_use]
    pub fn json(status: u16, body: &Value) -> Reply {
        Reply::Chunks {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            chunks: vec![body.to_string().into_bytes()],
            delay: Duration::ZERO,
        }
    }

    /// An error answer with extra headers (`Retry-After`, say).
    #[must_use]
    pub fn error(status: u16, body: &str, headers: &[(&str, &str)]) -> Reply {
        Reply::Chunks {
            status,
            headers: headers.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
            chunks: vec![body.as_bytes().to_vec()],
            delay: Duration::ZERO,
        }
    }

    /// A streamed body of `content_type`, cut at every `every` bytes.
    #[must_use]
    pub fn stream(content_type: &str, body: &str, every: usize) -> Reply {
        Reply::Chunks {
            status: 200,
            headers: vec![("content-type".into(), content_type.into())],
            chunks: body.as_bytes().chunks(every.max(1)).map(<[u8]>::to_vec).collect(),
            delay: Duration::from_millis(1),
        }
    }
}

/// A request the upstream received.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Value,
}

impl Recorded {
    /// The value of header `name` (case-insensitive).
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
struct Shared {
    script: VecDeque<Reply>,
    last: Option<Reply>,
    responder: Option<Responder>,
    received: Vec<Recorded>,
}

impl Shared {
    fn reply_to(&mut self, request: &Recorded) -> Reply {
        if let Some(responder) = &self.responder {
            return responder(request);
        }
        let next = self.script.pop_front().or_else(|| self.last.clone());
        self.last.clone_from(&next);
        next.unwrap_or_else(|| Reply::error(500, "no scripted reply", &[]))
    }
}

/// Counts arrivals, for [`Reply::Together`].
type Arrivals = Arc<tokio::sync::watch::Sender<usize>>;

/// The running upstream. It stops when dropped.
pub struct MockUpstream {
    url: String,
    shared: Arc<Mutex<Shared>>,
    task: tokio::task::JoinHandle<()>,
}

impl MockUpstream {
    /// Starts an upstream answering with `script`.
    ///
    /// # Panics
    /// When no local port can be bound.
    pub async fn start(script: Vec<Reply>) -> MockUpstream {
        Self::serve(Shared { script: script.into(), ..Shared::default() }).await
    }

    /// Starts an upstream answering each request with what `responder` makes of it.
    ///
    /// # Panics
    /// When no local port can be bound.
    pub async fn respond(responder: impl Fn(&Recorded) -> Reply + Send + Sync + 'static) -> MockUpstream {
        Self::serve(Shared { responder: Some(Arc::new(responder)), ..Shared::default() }).await
    }

    async fn serve(shared: Shared) -> MockUpstream {
        let listener = match TcpListener::bind("127.0.0.1:0").await {
            Ok(listener) => listener,
            Err(err) => panic!("cannot bind the mock upstream: {err}"),
        };
        let url = format!("http://{}", listener.local_addr().map(|a| a.to_string()).unwrap_or_default());
        let shared = Arc::new(Mutex::new(shared));
        let task = tokio::spawn(accept(listener, shared.clone()));
        MockUpstream { url, shared, task }
    }

    /// `http://127.0.0.1:PORT`.
    #[must_use]
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The requests received so far, in order.
    #[must_use]
    pub fn received(&self) -> Vec<Recorded> {
        self.shared.lock().unwrap_or_else(PoisonError::into_inner).received.clone()
    }
}

impl Drop for MockUpstream {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn accept(listener: TcpListener, shared: Arc<Mutex<Shared>>) {
    let arrivals: Arrivals = Arc::new(tokio::sync::watch::Sender::new(0));
    while let Ok((socket, _)) = listener.accept().await {
        tokio::spawn(serve(socket, shared.clone(), arrivals.clone()));
    }
}

async fn serve(mut socket: TcpStream, shared: Arc<Mutex<Shared>>, arrivals: Arrivals) {
    let mut buffer = Vec::new();
    while let Some(request) = read_request(&mut socket, &mut buffer).await {
        let reply = {
            let mut shared = shared.lock().unwrap_or_else(PoisonError::into_inner);
            let reply = shared.reply_to(&request);
            shared.received.push(request);
            reply
        };
        if !answer(&mut socket, reply, &arrivals).await {
            return;
        }
    }
}

/// Writes the reply; `false` when the connection must close.
async fn answer(socket: &mut TcpStream, reply: Reply, arrivals: &Arrivals) -> bool {
    match reply {
        Reply::Together { peers, reply } => {
            let reply = together(peers, *reply, arrivals).await;
            Box::pin(answer(socket, reply, arrivals)).await
        }
        Reply::Hang => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            false
        }
        Reply::Drop => false,
        Reply::DropAfter { status, chunks } => {
            let _ = write_chunked(socket, status, &[], &chunks, Duration::ZERO, false).await;
            false
        }
        Reply::Chunks { status, headers, chunks, delay } => {
            write_chunked(socket, status, &headers, &chunks, delay, true).await.is_ok()
        }
    }
}

/// `reply` once the batch of `peers` requests this one belongs to (by order of arrival) has arrived; a 504 when it
/// does not fill.
async fn together(peers: usize, reply: Reply, arrivals: &Arrivals) -> Reply {
    let mut me = 0;
    arrivals.send_modify(|n| {
        *n += 1;
        me = *n;
    });
    let batch_full = me.div_ceil(peers.max(1)) * peers.max(1);
    let mut seen = arrivals.subscribe();
    match tokio::time::timeout(TOGETHER_DEADLINE, seen.wait_for(|n| *n >= batch_full)).await {
        Ok(Ok(_)) => reply,
        _ => Reply::error(504, "the other requests did not come while this one waited", &[]),
    }
}

async fn write_chunked(
    socket: &mut TcpStream,
    status: u16,
    headers: &[(String, String)],
    chunks: &[Vec<u8>],
    delay: Duration,
    complete: bool,
) -> std::io::Result<()> {
    let mut head = format!("HTTP/1.1 {status} Status\r\ntransfer-encoding: chunked\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    socket.write_all(head.as_bytes()).await?;
    for chunk in chunks.iter().filter(|c| !c.is_empty()) {
        socket.write_all(format!("{:x}\r\n", chunk.len()).as_bytes()).await?;
        socket.write_all(chunk).await?;
        socket.write_all(b"\r\n").await?;
        socket.flush().await?;
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
    }
    if complete {
        socket.write_all(b"0\r\n\r\n").await?;
    }
    socket.flush().await
}

async fn read_request(socket: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<Recorded> {
    let head_end = loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break end;
        }
        let mut chunk = [0u8; 4096];
        let read = socket.read(&mut chunk).await.ok().filter(|n| *n > 0)?;
        buffer.extend_from_slice(&chunk[..read]);
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let (method, path) = (request_line.next()?.to_owned(), request_line.next()?.to_owned());
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize =
        headers.iter().find(|(k, _)| k == "content-length").and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
    let body_start = head_end + 4;
    while buffer.len() < body_start + length {
        let mut chunk = [0u8; 4096];
        let read = socket.read(&mut chunk).await.ok().filter(|n| *n > 0)?;
        buffer.extend_from_slice(&chunk[..read]);
    }
    let body = serde_json::from_slice(&buffer[body_start..body_start + length]).unwrap_or(Value::Null);
    buffer.drain(..body_start + length);
    Some(Recorded { method, path, headers, body })
}
