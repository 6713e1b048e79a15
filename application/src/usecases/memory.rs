//! Memory extraction: after a user's exchange is kept, a model reads it in the background and names the durable
//! facts and preferences it shows about the user, which are kept (each once) and go into the system prompt of the
//! user's later chats. Off unless configured; the extraction's own model calls are the platform's, not the user's.

use std::sync::Arc;

use ares_domain::{
    Counters, Memory, MemoryId, MemoryKind, Payer, Period, QuotaExceeded, Tier, Turn, UsageEvent, UserId, plain_text,
};
use serde::Deserialize;

use super::router::ModelRouter;
use crate::ports::{
    Background, ChatMessage, ChatRequest, Clock, MemoryRepository, ResponseFormat, Role, UsageObserver,
};

/// The longest memory kept, in characters.
const MAX_MEMORY_CHARS: usize = 300;

/// What the extraction model is told.
const INSTRUCTIONS: &str = "You keep a short memory about a user. From the exchange below, list only durable facts \
about the user (name, role, company, location, projects) and their lasting preferences (language, tone, formats, \
units). Ignore anything about this one request. Answer with JSON only: {\"memories\": [{\"kind\": \"fact\" or \
\"preference\", \"content\": \"one short sentence\"}]}; an empty list when there is nothing to keep.";

/// How extraction runs.
#[derive(Debug, Clone)]
pub struct ExtractionSettings {
    /// The model (name or tier) that reads the exchanges.
    pub model: String,
    /// The most memories kept from one exchange.
    pub max_items: usize,
}

/// What extraction reaches.
pub struct ExtractionPorts {
    pub router: Arc<ModelRouter>,
    pub memories: Arc<dyn MemoryRepository>,
    pub background: Arc<dyn Background>,
    pub clock: Arc<dyn Clock>,
}

/// Learns memories from users' kept exchanges.
#[derive(Clone)]
pub struct MemoryExtractor {
    ports: Arc<ExtractionPorts>,
    settings: ExtractionSettings,
}

impl MemoryExtractor {
    #[must_use]
    pub fn new(ports: ExtractionPorts, settings: ExtractionSettings) -> Self {
        MemoryExtractor { ports: Arc::new(ports), settings }
    }

    async fn extract(&self, user_id: UserId, turn: Turn) {
        let request = ChatRequest {
            model: self.settings.model.clone(),
            system: Some(INSTRUCTIONS.to_owned()),
            messages: vec![ChatMessage::text(
                Role::User,
                format!("User: {}\nAssistant: {}", turn.user, turn.assistant),
            )],
            max_tokens: Some(512),
            response_format: ResponseFormat::JsonObject,
            ..ChatRequest::default()
        };
        let answer = match self.ports.router.complete(&request).await {
            Ok(routed) => routed.value.text,
            Err(err) => return tracing::warn!(error = %err, "memory extraction failed: nothing learned"),
        };
        let now = self.ports.clock.now();
        let memories: Vec<Memory> = memories_in(&answer, self.settings.max_items)
            .into_iter()
            .map(|(kind, content)| Memory {
                id: MemoryId::new(),
                user_id,
                kind,
                content,
                source: Some(turn.conversation),
                created_at: now,
            })
            .collect();
        if !memories.is_empty()
            && let Err(err) = self.ports.memories.add(&memories).await
        {
            tracing::warn!(error = %err, "cannot keep what was learned about a user");
        }
    }
}

impl UsageObserver for MemoryExtractor {
    fn settled(&self, _event: &UsageEvent, _tier: Tier, _counters: &Counters, _period: &Period) {}

    fn refused(&self, _payer: Payer, _tier: Tier, _limit: QuotaExceeded, _period: &Period) {}

    fn kept(&self, payer: Payer, turn: &Turn) {
        let Payer::User(user_id) = payer else { return };
        if turn.assistant.trim().is_empty() {
            return;
        }
        let (extractor, turn) = (self.clone(), turn.clone());
        self.ports.background.spawn(Box::pin(async move { extractor.extract(user_id, turn).await }));
    }
}

#[derive(Deserialize)]
struct Extracted {
    #[serde(default)]
    memories: Vec<ExtractedMemory>,
}

#[derive(Deserialize)]
struct ExtractedMemory {
    kind: String,
    content: String,
}

/// The memories a model's answer names: its JSON object (text around it ignored), each with a known kind and a
/// short plain-text content, at most `max`.
#[must_use]
pub fn memories_in(answer: &str, max: usize) -> Vec<(MemoryKind, String)> {
    let json = match (answer.find('{'), answer.rfind('}')) {
        (Some(start), Some(end)) if start < end => &answer[start..=end],
        _ => return Vec::new(),
    };
    let Ok(extracted) = serde_json::from_str::<Extracted>(json) else { return Vec::new() };
    extracted
        .memories
        .into_iter()
        .filter_map(|memory| {
            let kind = MemoryKind::parse(memory.kind.trim())?;
            let content = memory.content.trim().to_owned();
            let fits = (1..=MAX_MEMORY_CHARS).contains(&content.chars().count());
            (fits && plain_text("memory", &content).is_ok()).then_some((kind, content))
        })
        .take(max)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_answers_json_names_the_memories() {
        let answer = "Here you go: {\"memories\": [{\"kind\": \"preference\", \"content\": \"Prefers metric units\"}, \
                      {\"kind\": \"fact\", \"content\": \"Works at Acme\"}]} Done.";
        assert_eq!(
            memories_in(answer, 5),
            vec![
                (MemoryKind::Preference, "Prefers metric units".to_owned()),
                (MemoryKind::Fact, "Works at Acme".to_owned())
            ]
        );
        assert_eq!(memories_in(answer, 1).len(), 1);
    }

    #[test]
    fn anything_else_is_ignored() {
        assert!(memories_in("no json here", 5).is_empty());
        assert!(memories_in("{\"memories\": \"none\"}", 5).is_empty());
        let odd = "{\"memories\": [{\"kind\": \"secret\", \"content\": \"x\"}, {\"kind\": \"fact\", \"content\": \" \"}, \
                   {\"kind\": \"fact\", \"content\": \"a\\u0000b\"}]}";
        assert!(memories_in(odd, 5).is_empty());
        assert!(
            memories_in(
                &format!("{{\"memories\": [{{\"kind\": \"fact\", \"content\": \"{}\"}}]}}", "x".repeat(301)),
                5
            )
            .is_empty()
        );
    }
}
