//! The JSON error shape for the answers actix's HTTP/1 dispatcher gives before any route runs: 400 for a request
//! line, header or framing it cannot read (an over-long URL, both `Content-Length` and `Transfer-Encoding`), 431 for
//! headers that are too large, 408 for a request head that never arrives. The dispatcher writes these with an empty
//! body and no hook to change it, as the last bytes of their connection. `JsonErrors` wraps the connection: a write
//! that ends with such an answer is written with the JSON body instead. Everything else passes through untouched.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// A connection whose bodiless dispatcher errors get the JSON error shape.
pub struct JsonErrors<T> {
    io: T,
    /// A rewritten write being sent: its bytes, how many are sent, and the length of the write it stands for.
    pending: Option<Pending>,
}

struct Pending {
    bytes: Vec<u8>,
    sent: usize,
    stands_for: usize,
}

impl<T> JsonErrors<T> {
    pub fn new(io: T) -> Self {
        JsonErrors { io, pending: None }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for JsonErrors<T> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for JsonErrors<T> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        if self.pending.is_none() {
            match with_json_error(buf) {
                Some(bytes) => self.pending = Some(Pending { bytes, sent: 0, stands_for: buf.len() }),
                None => return Pin::new(&mut self.io).poll_write(cx, buf),
            }
        }
        self.drain(cx)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

impl<T: AsyncWrite + Unpin> JsonErrors<T> {
    /// Sends the rewritten write to its end; only then is the write it stands for reported done (the dispatcher
    /// closes the connection right after).
    fn drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        while let Some(pending) = &mut self.pending {
            if pending.sent == pending.bytes.len() {
                let done = pending.stands_for;
                self.pending = None;
                return Poll::Ready(Ok(done));
            }
            match Pin::new(&mut self.io).poll_write(cx, &pending.bytes[pending.sent..]) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => pending.sent += n,
                Poll::Ready(Err(err)) => return Poll::Ready(Err(err)),
                Poll::Pending => return Poll::Pending,
            }
        }
        Poll::Ready(Ok(0))
    }
}

/// What the JSON body says for each status the dispatcher answers on its own.
fn error_of(status: &str) -> Option<(&'static str, &'static str)> {
    match status {
        "400" => Some(("Bad request: the request line, headers or framing cannot be read", "BAD_REQUEST")),
        "408" => Some(("Request not received in time", "REQUEST_TIMEOUT")),
        "431" => Some(("Request headers too large", "REQUEST_HEADER_FIELDS_TOO_LARGE")),
        _ => None,
    }
}

/// The longest head the dispatcher writes for one of its own answers (a status line and three short headers).
const MAX_HEAD: usize = 512;

/// `buf` with its last response given a JSON body, when that response is one the dispatcher made: one of its
/// statuses, `content-length: 0`, no content type, nothing after its head. Every write passes here, so anything
/// else is turned away by its last bytes, without reading the rest.
fn with_json_error(buf: &[u8]) -> Option<Vec<u8>> {
    if !buf.ends_with(b"\r\n\r\n") {
        return None;
    }
    let tail_start = buf.len().saturating_sub(MAX_HEAD);
    let tail = &buf[tail_start..];
    let start = tail_start + tail.windows(7).rposition(|w| w == b"HTTP/1.")?;
    let head = std::str::from_utf8(&buf[start..buf.len() - 4]).ok()?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next()?;
    let (message, code) = error_of(status_line.split(' ').nth(1)?)?;
    let headers: Vec<&str> = lines.collect();
    let lower: Vec<String> = headers.iter().map(|h| h.to_ascii_lowercase()).collect();
    if !lower.iter().any(|h| h == "content-length: 0") || lower.iter().any(|h| h.starts_with("content-type:")) {
        return None;
    }
    let body = serde_json::json!({"error": message, "code": code}).to_string();
    let mut rewritten = buf[..start].to_vec();
    let mut head = format!("{status_line}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n", body.len());
    for (header, lower) in headers.iter().zip(&lower) {
        if !lower.starts_with("content-length:") {
            head.push_str(header);
            head.push_str("\r\n");
        }
    }
    head.push_str("\r\n");
    rewritten.extend_from_slice(head.as_bytes());
    rewritten.extend_from_slice(body.as_bytes());
    Some(rewritten)
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    const TOO_LARGE: &str = "HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\nconnection: close\r\n\
                             date: Sun, 29 Nov 2026 09:00:00 GMT\r\n\r\n";

    #[test]
    fn a_bodiless_dispatcher_error_gets_the_json_shape() {
        let rewritten = String::from_utf8(with_json_error(TOO_LARGE.as_bytes()).unwrap()).unwrap();
        let (head, body) = rewritten.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-type: application/json\r\n"));
        assert!(head.contains(&format!("content-length: {}", body.len())) && head.contains("connection: close"));
        assert!(!head.contains("content-length: 0"));
        let body: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(body["code"], "REQUEST_HEADER_FIELDS_TOO_LARGE");
    }

    #[test]
    fn answers_with_a_body_or_another_status_pass_untouched() {
        let json = "HTTP/1.1 400 Bad Request\r\ncontent-length: 2\r\ncontent-type: application/json\r\n\r\n{}";
        assert!(with_json_error(json.as_bytes()).is_none());
        let ok = "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n";
        assert!(with_json_error(ok.as_bytes()).is_none());
        let typed = "HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\ncontent-type: text/plain\r\n\r\n";
        assert!(with_json_error(typed.as_bytes()).is_none());
        let chunked = "HTTP/1.1 400 Bad Request\r\ntransfer-encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n";
        assert!(with_json_error(chunked.as_bytes()).is_none(), "a body, streamed");
    }

    #[test]
    fn an_earlier_answer_in_the_same_write_is_kept() {
        let earlier = "HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-type: application/json\r\n\r\n{}";
        let both = format!("{earlier}HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
        let rewritten = String::from_utf8(with_json_error(both.as_bytes()).unwrap()).unwrap();
        assert!(rewritten.starts_with(earlier) && rewritten.ends_with(r#""code":"BAD_REQUEST"}"#), "{rewritten}");
    }

    #[tokio::test]
    async fn the_connection_carries_the_rewritten_answer_and_reports_the_original_length() {
        let (near, mut far) = tokio::io::duplex(16);
        let mut wrapped = JsonErrors::new(near);
        let reading = tokio::spawn(async move {
            let mut received = String::new();
            far.read_to_string(&mut received).await.unwrap();
            received
        });
        let written = wrapped.write(TOO_LARGE.as_bytes()).await.unwrap();
        assert_eq!(written, TOO_LARGE.len(), "the dispatcher sees its own write done");
        wrapped.write_all(b"").await.unwrap();
        drop(wrapped);
        let received = reading.await.unwrap();
        assert!(received.ends_with(r#""code":"REQUEST_HEADER_FIELDS_TOO_LARGE"}"#), "{received}");
    }
}
