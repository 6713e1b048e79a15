//! Values clients give with their requests, checked once where they enter: a page of a listing, the sampling
//! settings of a chat, an API key's label and lifetime. A value of these types that exists is valid.

use std::fmt;

/// A value a request may not carry, with the message that says why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidValue(String);

/// A page of a listing: its number (from 1) and size (1 to `Page::MAX_SIZE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    number: u64,
    size: u64,
}

impl Page {
    /// The largest page.
    pub const MAX_SIZE: u64 = 100;
    /// The last page number asked for that is taken: a million pages of 100 is more than any listing holds, and
    /// keeps every offset far inside the databases' 64-bit signed integers.
    pub const MAX_NUMBER: u64 = 1_000_000;

    /// `?page=&per_page=`: page 1 and 20 a page when not given.
    ///
    /// # Errors
    /// When the page is outside 1 to 1000000 or the size outside 1 to 100.
    pub fn parse(number: Option<u64>, size: Option<u64>) -> Result<Page, InvalidValue> {
        let (number, size) = (number.unwrap_or(1), size.unwrap_or(20));
        if !(1..=Self::MAX_NUMBER).contains(&number) {
            return Err(InvalidValue(format!("Invalid query: page must be between 1 and {}", Self::MAX_NUMBER)));
        }
        if !(1..=Self::MAX_SIZE).contains(&size) {
            return Err(InvalidValue(format!("Invalid query: per_page must be between 1 and {}", Self::MAX_SIZE)));
        }
        Ok(Page { number, size })
    }

    #[must_use]
    pub fn number(&self) -> u64 {
        self.number
    }

    #[must_use]
    pub fn size(&self) -> u64 {
        self.size
    }

    /// How many items come before this page.
    #[must_use]
    pub fn offset(&self) -> u64 {
        (self.number - 1).saturating_mul(self.size)
    }

    /// This page of `items`.
    #[must_use]
    pub fn of<'a, T>(&self, items: &'a [T]) -> &'a [T] {
        let start = usize::try_from(self.offset()).unwrap_or(usize::MAX).min(items.len());
        let end = start.saturating_add(usize::try_from(self.size).unwrap_or(usize::MAX)).min(items.len());
        &items[start..end]
    }
}

/// Sampling temperature, 0 to 2.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Temperature(f64);

impl Temperature {
    /// # Errors
    /// Outside 0 to 2 (or not a number).
    pub fn parse(value: f64) -> Result<Self, InvalidValue> {
        if (0.0..=2.0).contains(&value) {
            Ok(Temperature(value))
        } else {
            Err(InvalidValue(format!("Invalid temperature: {value}. Use 0-2")))
        }
    }

    #[must_use]
    pub fn get(self) -> f64 {
        self.0
    }
}

/// Nucleus sampling mass, 0 to 1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TopP(f64);

impl TopP {
    /// # Errors
    /// Outside 0 to 1 (or not a number).
    pub fn parse(value: f64) -> Result<Self, InvalidValue> {
        if (0.0..=1.0).contains(&value) {
            Ok(TopP(value))
        } else {
            Err(InvalidValue(format!("Invalid top_p: {value}. Use 0-1")))
        }
    }

    #[must_use]
    pub fn get(self) -> f64 {
        self.0
    }
}

/// The most tokens an answer may have: 1 to a million (no model writes more; a larger figure is a mistake that
/// would only reserve quota for nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaxTokens(u32);

impl MaxTokens {
    /// The largest figure taken.
    pub const MAX: u32 = 1_000_000;

    /// # Errors
    /// When 0 or above [`MaxTokens::MAX`].
    pub fn parse(value: u32) -> Result<Self, InvalidValue> {
        if value == 0 {
            Err(InvalidValue("Invalid max_tokens: 0. Use at least 1".into()))
        } else if value > Self::MAX {
            Err(InvalidValue(format!("Invalid max_tokens: {value}. Use at most {}", Self::MAX)))
        } else {
            Ok(MaxTokens(value))
        }
    }

    #[must_use]
    pub fn get(self) -> u32 {
        self.0
    }
}

/// Whether `c` may not appear in a name, label or identifier: a control character (NUL, a line break, BEL, ...)
/// or an invisible mark that reorders the text around it (bidirectional overrides, isolates and marks), which
/// would let a name read as another in a listing or a log.
#[must_use]
pub fn is_hidden_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Refuses `raw` as the `what` of a request when it holds a control or bidirectional-override character.
///
/// # Errors
/// Names `what` and says which characters are not allowed.
pub fn plain_text(what: &str, raw: &str) -> Result<(), InvalidValue> {
    if raw.chars().any(is_hidden_char) {
        Err(InvalidValue(format!(
            "Invalid {what}: control characters (NUL, line breaks, BEL, bidirectional overrides) are not allowed"
        )))
    } else {
        Ok(())
    }
}

/// An API key's label: 1 to 100 characters, trimmed, not blank, without control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyLabel(String);

impl KeyLabel {
    const MAX_CHARS: usize = 100;

    /// # Errors
    /// When blank, longer than 100 characters or holding a control character.
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        plain_text("API key name", raw)?;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.chars().count() > Self::MAX_CHARS {
            return Err(InvalidValue(format!("Invalid API key name: '{raw}'. Use 1-{} characters", Self::MAX_CHARS)));
        }
        Ok(KeyLabel(trimmed.to_owned()))
    }
}

impl AsRef<str> for KeyLabel {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for KeyLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How many days an API key lives: 1 to 3650.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyLifetime(u32);

impl KeyLifetime {
    const MAX_DAYS: u32 = 3650;

    /// # Errors
    /// Outside 1 to 3650.
    pub fn parse(days: u32) -> Result<Self, InvalidValue> {
        if (1..=Self::MAX_DAYS).contains(&days) {
            Ok(KeyLifetime(days))
        } else {
            Err(InvalidValue(format!("Invalid expires_in_days: {days}. Use 1-{}", Self::MAX_DAYS)))
        }
    }

    #[must_use]
    pub fn days(self) -> u32 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_count_from_one_and_hold_at_most_a_hundred() {
        assert_eq!(Page::parse(None, None).unwrap(), Page { number: 1, size: 20 });
        assert!(Page::parse(Some(0), None).is_err());
        assert!(Page::parse(None, Some(0)).is_err());
        assert!(Page::parse(None, Some(101)).is_err());
        let page = Page::parse(Some(2), Some(2)).unwrap();
        assert_eq!(page.of(&[1, 2, 3, 4, 5]), [3, 4]);
        assert_eq!(Page::parse(Some(9), Some(2)).unwrap().of(&[1, 2, 3]), [0; 0]);
        assert_eq!(Page::parse(Some(Page::MAX_NUMBER), Some(100)).unwrap().of(&[1]), [0; 0]);
        assert!(Page::parse(Some(Page::MAX_NUMBER + 1), None).is_err());
        assert!(Page::parse(Some(u64::MAX), None).is_err());
    }

    #[test]
    fn sampling_values_keep_to_their_ranges() {
        assert_eq!(Temperature::parse(2.0).unwrap().get(), 2.0);
        assert_eq!(Temperature::parse(2.5).unwrap_err().to_string(), "Invalid temperature: 2.5. Use 0-2");
        assert!(Temperature::parse(f64::NAN).is_err());
        assert!(TopP::parse(1.1).is_err());
        assert_eq!(MaxTokens::parse(0).unwrap_err().to_string(), "Invalid max_tokens: 0. Use at least 1");
        assert_eq!(MaxTokens::parse(MaxTokens::MAX).unwrap().get(), 1_000_000);
        assert!(MaxTokens::parse(MaxTokens::MAX + 1).is_err());
    }

    #[test]
    fn key_labels_are_trimmed_and_lifetimes_bounded() {
        assert_eq!(KeyLabel::parse("  staging ").unwrap().as_ref(), "staging");
        assert!(KeyLabel::parse("   ").is_err());
        assert!(KeyLabel::parse(&"x".repeat(101)).is_err());
        for hidden in ["a\u{0}b", "a\nb", "bell\u{7}", "evil\u{202E}gnp.exe", "\u{2066}x"] {
            let err = KeyLabel::parse(hidden).unwrap_err().to_string();
            assert!(err.starts_with("Invalid API key name: control characters"), "{hidden:?}: {err}");
        }
        assert_eq!(KeyLabel::parse("café ✓").unwrap().as_ref(), "café ✓");
        assert_eq!(KeyLifetime::parse(90).unwrap().days(), 90);
        assert_eq!(KeyLifetime::parse(0).unwrap_err().to_string(), "Invalid expires_in_days: 0. Use 1-3650");
    }
}
