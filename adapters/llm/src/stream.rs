//! Turns a provider's body chunks into `StreamEvent`s: frames are cut by the decoder of the wire format, parsed by
//! the adapter, and the usage record is held back to be the last event. Where the provider reported no usage, it
//! is estimated from the text that went through, and marked so.

use std::collections::VecDeque;

use ares_application::ports::{ChatStream, ProviderError, StreamEvent, Usage};
use bytes::Bytes;
use futures_util::{Stream, StreamExt};

use crate::decode::{LineDecoder, SseDecoder};

/// How a body is cut into frames.
pub(crate) enum Framing {
    Sse(SseDecoder),
    Lines(LineDecoder),
}

impl Framing {
    fn push(&mut self, chunk: &[u8]) -> Vec<String> {
        match self {
            Framing::Sse(decoder) => decoder.push(chunk),
            Framing::Lines(decoder) => decoder.push(chunk),
        }
    }
}

/// What a parser makes of one frame.
pub(crate) enum Parsed {
    Events(Vec<StreamEvent>),
    /// The provider's end-of-stream marker: nothing after it is read.
    End(Vec<StreamEvent>),
}

struct State<S, P> {
    chunks: std::pin::Pin<Box<S>>,
    framing: Framing,
    parser: P,
    ready: VecDeque<Result<StreamEvent, ProviderError>>,
    prompt_chars: usize,
    completion_chars: usize,
    usage: Option<Usage>,
    ended: bool,
}

/// Streams the events of `chunks`. `prompt_chars` sizes the estimate used when the provider reports no usage.
pub(crate) fn events<S, P>(chunks: S, framing: Framing, prompt_chars: usize, parser: P) -> ChatStream
where
    S: Stream<Item = Result<Bytes, ProviderError>> + Send + 'static,
    P: FnMut(&str) -> Result<Parsed, ProviderError> + Send + 'static,
{
    let state = State {
        chunks: Box::pin(chunks),
        framing,
        parser,
        ready: VecDeque::new(),
        prompt_chars,
        completion_chars: 0,
        usage: None,
        ended: false,
    };
    futures_util::stream::unfold(Some(state), |state| async move {
        let mut state = state?;
        loop {
            if let Some(item) = state.ready.pop_front() {
                let failed = item.is_err();
                return Some((item, (!failed).then_some(state)));
            }
            if state.ended {
                return None;
            }
            match state.chunks.next().await {
                Some(Ok(chunk)) => state.read(&chunk),
                Some(Err(err)) => state.ready.push_back(Err(err)),
                None => state.finish(),
            }
        }
    })
    .boxed()
}

impl<S, P> State<S, P>
where
    P: FnMut(&str) -> Result<Parsed, ProviderError>,
{
    fn read(&mut self, chunk: &[u8]) {
        for frame in self.framing.push(chunk) {
            match (self.parser)(&frame) {
                Ok(Parsed::Events(events)) => self.accept(events),
                Ok(Parsed::End(events)) => {
                    self.accept(events);
                    self.finish();
                    return;
                }
                Err(err) => {
                    self.ready.push_back(Err(err));
                    return;
                }
            }
        }
    }

    fn accept(&mut self, events: Vec<StreamEvent>) {
        for event in events {
            match event {
                StreamEvent::Usage(usage) => self.usage = Some(usage),
                StreamEvent::Text(ref text) => {
                    self.completion_chars += text.len();
                    self.ready.push_back(Ok(event));
                }
                StreamEvent::ToolCall { ref arguments, .. } => {
                    self.completion_chars += arguments.len();
                    self.ready.push_back(Ok(event));
                }
                StreamEvent::Finish(_) => self.ready.push_back(Ok(event)),
            }
        }
    }

    fn finish(&mut self) {
        let usage = self.usage.unwrap_or_else(|| Usage::estimate(self.prompt_chars, self.completion_chars));
        self.ready.push_back(Ok(StreamEvent::Usage(usage)));
        self.ended = true;
    }
}
