//! Stream framing: server-sent events and newline-delimited JSON, fed with chunks split at any byte (even inside a
//! UTF-8 character) and yielding only whole frames.

/// Splits a byte stream into frames ending at a delimiter.
#[derive(Debug, Default)]
struct Framer {
    buffer: Vec<u8>,
}

impl Framer {
    /// Appends `chunk` and returns the frames it completed, in order, without delimiters.
    fn push(&mut self, chunk: &[u8], is_end: impl Fn(&[u8], usize) -> Option<usize>) -> Vec<Vec<u8>> {
        self.buffer.extend_from_slice(chunk);
        let mut frames = Vec::new();
        let mut start = 0;
        let mut i = 0;
        while i < self.buffer.len() {
            if let Some(delimiter_len) = is_end(&self.buffer, i) {
                frames.push(self.buffer[start..i].to_vec());
                i += delimiter_len;
                start = i;
            } else {
                i += 1;
            }
        }
        self.buffer.drain(..start);
        frames
    }
}

/// Decodes `text/event-stream` bodies into the `data` of each event (lines joined with `\n`). Comments, `event:`
/// and `id:` lines are read past: every format ARES speaks carries its event type inside the data.
#[derive(Debug, Default)]
pub(crate) struct SseDecoder {
    framer: Framer,
}

impl SseDecoder {
    /// The data of every event `chunk` completed.
    pub(crate) fn push(&mut self, chunk: &[u8]) -> Vec<String> {
        self.framer.push(chunk, event_end).into_iter().filter_map(|frame| event_data(&frame)).collect()
    }
}

/// An event ends at a blank line: `\n\n`, `\r\n\r\n` or `\r\r`.
fn event_end(buffer: &[u8], i: usize) -> Option<usize> {
    let rest = &buffer[i..];
    if rest.starts_with(b"\r\n\r\n") {
        Some(4)
    } else if rest.starts_with(b"\n\n") || rest.starts_with(b"\r\r") {
        Some(2)
    } else {
        None
    }
}

fn event_data(frame: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(frame);
    let data: Vec<&str> = text
        .split(['\n', '\r'])
        .filter_map(|line| line.strip_prefix("data:"))
        .map(|value| value.strip_prefix(' ').unwrap_or(value))
        .collect();
    (!data.is_empty()).then(|| data.join("\n"))
}

/// Decodes newline-delimited JSON bodies into their non-blank lines.
#[derive(Debug, Default)]
pub(crate) struct LineDecoder {
    framer: Framer,
}

impl LineDecoder {
    /// Every whole line `chunk` completed.
    pub(crate) fn push(&mut self, chunk: &[u8]) -> Vec<String> {
        self.framer
            .push(chunk, |buffer, i| (buffer[i] == b'\n').then_some(1))
            .into_iter()
            .map(|line| String::from_utf8_lossy(&line).trim().to_owned())
            .filter(|line| !line.is_empty())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = ": keep-alive\n\nevent: delta\ndata: {\"t\":\"héllo\"}\n\ndata: line one\ndata: line two\r\n\r\ndata: [DONE]\n\n";

    fn all_events(chunks: &[&[u8]]) -> Vec<String> {
        let mut decoder = SseDecoder::default();
        chunks.iter().flat_map(|chunk| decoder.push(chunk)).collect()
    }

    #[test]
    fn events_are_the_same_however_the_body_is_split() {
        let whole = all_events(&[BODY.as_bytes()]);
        assert_eq!(whole, ["{\"t\":\"héllo\"}", "line one\nline two", "[DONE]"]);
        let bytes = BODY.as_bytes();
        for split in 1..bytes.len() {
            assert_eq!(all_events(&[&bytes[..split], &bytes[split..]]), whole, "split at {split}");
        }
        let one_by_one: Vec<&[u8]> = bytes.chunks(1).collect();
        assert_eq!(all_events(&one_by_one), whole);
    }

    #[test]
    fn an_unfinished_event_waits_for_its_end() {
        let mut decoder = SseDecoder::default();
        assert!(decoder.push(b"data: {\"a\":").is_empty());
        assert_eq!(decoder.push(b"1}\n\n"), ["{\"a\":1}"]);
    }

    #[test]
    fn lines_survive_any_split() {
        let body = "{\"a\":\"é\"}\n\n{\"b\":2}\n";
        let expected = ["{\"a\":\"é\"}", "{\"b\":2}"];
        for split in 1..body.len() {
            let mut decoder = LineDecoder::default();
            let mut lines = decoder.push(&body.as_bytes()[..split]);
            lines.extend(decoder.push(&body.as_bytes()[split..]));
            assert_eq!(lines, expected, "split at {split}");
        }
    }
}
