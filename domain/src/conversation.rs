//! Conversations: the turns of a chat kept under a `context_id`, owned by one account (a user, or a tenant through
//! its API keys), and the memory ARES keeps about a user. Earlier turns go back to the model trimmed to fit its
//! context window: the oldest go first.

use chrono::{DateTime, Utc};

use crate::{AccountId, ConversationId, MemoryId, UserId, plain_text};

/// The longest title, in characters.
const MAX_TITLE_CHARS: usize = 200;
/// A title made from a first message is cut to this many characters.
const AUTO_TITLE_CHARS: usize = 60;

/// Who wrote a message of a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Speaker {
    User,
    Assistant,
}

impl Speaker {
    /// `user` or `assistant`, as stored and shown.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Speaker::User => "user",
            Speaker::Assistant => "assistant",
        }
    }

    /// A stored speaker.
    #[must_use]
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "user" => Some(Speaker::User),
            "assistant" => Some(Speaker::Assistant),
            _ => None,
        }
    }
}

/// One message of a conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub speaker: Speaker,
    pub content: String,
    pub at: DateTime<Utc>,
}

/// A conversation without its messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversation {
    pub id: ConversationId,
    pub owner: AccountId,
    pub title: String,
    /// The agent that answered last.
    pub agent: Option<String>,
    pub messages: u64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One exchange to keep: the user's message and the answer, added to the conversation in the transaction that
/// records the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Turn {
    pub conversation: ConversationId,
    pub owner: AccountId,
    pub agent: Option<String>,
    /// The title of the conversation this turn starts; `None` for a turn that continues one (which is kept only
    /// while the conversation exists: one deleted meanwhile stays deleted).
    pub title: Option<String>,
    pub user: String,
    pub assistant: String,
    pub at: DateTime<Utc>,
}

/// Why a title was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Invalid title: use 1 to 200 characters, without control characters")]
pub struct InvalidTitle;

/// Validates a title a user gives a conversation.
///
/// # Errors
/// `InvalidTitle` when it is blank, longer than 200 characters or holds control characters.
pub fn title(raw: &str) -> Result<String, InvalidTitle> {
    let title = raw.trim();
    if !(1..=MAX_TITLE_CHARS).contains(&title.chars().count()) || plain_text("title", title).is_err() {
        return Err(InvalidTitle);
    }
    Ok(title.to_owned())
}

/// The title a new conversation gets from its first message: its first line, cut at 60 characters.
#[must_use]
pub fn title_from(message: &str) -> String {
    let line = message.trim().lines().next().unwrap_or_default().trim();
    let clean: String = line.chars().filter(|c| !crate::is_hidden_char(*c)).collect();
    let mut title: String = clean.chars().take(AUTO_TITLE_CHARS).collect();
    if clean.chars().count() > AUTO_TITLE_CHARS {
        title.push('…');
    }
    if title.is_empty() { "New conversation".to_owned() } else { title }
}

/// The newest messages of `history` whose text fits in `budget_chars`: the oldest are dropped first, and a reply
/// is never kept without the message it answers.
#[must_use]
pub fn fit_history(history: &[Message], budget_chars: usize) -> &[Message] {
    let mut used = 0usize;
    let mut start = history.len();
    for (index, message) in history.iter().enumerate().rev() {
        used = used.saturating_add(message.content.len());
        if used > budget_chars {
            break;
        }
        start = index;
    }
    while history.get(start).is_some_and(|m| m.speaker == Speaker::Assistant) {
        start += 1;
    }
    history.get(start..).unwrap_or_default()
}

/// What ARES remembers about a user: a fact, or a preference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemoryKind {
    Fact,
    Preference,
}

impl MemoryKind {
    /// `fact` or `preference`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            MemoryKind::Fact => "fact",
            MemoryKind::Preference => "preference",
        }
    }

    /// A stored or extracted kind.
    #[must_use]
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "fact" => Some(MemoryKind::Fact),
            "preference" => Some(MemoryKind::Preference),
            _ => None,
        }
    }
}

/// One thing remembered about a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Memory {
    pub id: MemoryId,
    pub user_id: UserId,
    pub kind: MemoryKind,
    pub content: String,
    /// The conversation it was learned from.
    pub source: Option<ConversationId>,
    pub created_at: DateTime<Utc>,
}

/// The most memories a system prompt holds: the newest.
pub const MAX_PROMPT_MEMORIES: usize = 20;

/// The part of a system prompt that tells the model what is remembered about the user (the newest
/// `MAX_PROMPT_MEMORIES` of `memories`, which are oldest first).
#[must_use]
pub fn memory_prompt(memories: &[Memory]) -> Option<String> {
    if memories.is_empty() {
        return None;
    }
    let newest = &memories[memories.len().saturating_sub(MAX_PROMPT_MEMORIES)..];
    let mut prompt = String::from("What you know about the user from earlier conversations:");
    for memory in newest {
        prompt.push_str(&format!("\n- ({}) {}", memory.kind.as_str(), memory.content));
    }
    Some(prompt)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(speaker: Speaker, content: &str) -> Message {
        Message { speaker, content: content.into(), at: DateTime::<Utc>::UNIX_EPOCH }
    }

    #[test]
    fn history_keeps_the_newest_turns_that_fit() {
        let history = [
            message(Speaker::User, "aaaa"),
            message(Speaker::Assistant, "bbbb"),
            message(Speaker::User, "cccc"),
            message(Speaker::Assistant, "dddd"),
        ];
        assert_eq!(fit_history(&history, 100).len(), 4);
        assert_eq!(fit_history(&history, 8), &history[2..]);
        // 12 characters would fit "bbbb" too, but not the question it answers.
        assert_eq!(fit_history(&history, 12), &history[2..]);
        assert!(fit_history(&history, 3).is_empty());
    }

    #[test]
    fn titles_come_from_the_first_line() {
        assert_eq!(title_from("Hello there\nsecond line"), "Hello there");
        assert_eq!(title_from(&"x".repeat(70)).chars().count(), 61);
        assert_eq!(title_from("  "), "New conversation");
        assert!(title(" ").is_err());
        assert_eq!(title(" Pricing discussion "), Ok("Pricing discussion".into()));
    }

    #[test]
    fn memory_goes_into_the_prompt_as_a_list() {
        assert_eq!(memory_prompt(&[]), None);
        let memory = Memory {
            id: MemoryId::new(),
            user_id: UserId::new(),
            kind: MemoryKind::Preference,
            content: "Prefers metric units".into(),
            source: None,
            created_at: DateTime::<Utc>::UNIX_EPOCH,
        };
        let prompt = memory_prompt(std::slice::from_ref(&memory)).unwrap_or_default();
        assert!(prompt.ends_with("- (preference) Prefers metric units"), "{prompt}");
        let many: Vec<Memory> = (0..25).map(|n| Memory { content: format!("fact {n}"), ..memory.clone() }).collect();
        let prompt = memory_prompt(&many).unwrap_or_default();
        assert_eq!(prompt.lines().count(), 1 + MAX_PROMPT_MEMORIES);
        assert!(prompt.contains("fact 24") && !prompt.contains("fact 4\n"), "the newest are kept: {prompt}");
    }
}
