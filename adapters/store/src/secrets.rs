//! Credentials at rest: provider API keys are stored sealed with AES-256-GCM (ring) under the operator's key
//! (`ARES_ENCRYPTION_KEY`, 32 bytes in base64), as `enc:v1:` and the base64 of a fresh random nonce followed by the
//! ciphertext and its tag. The provider's name is the associated data, so a sealed key copied onto another
//! provider's row does not open. A stored value without the prefix is a key stored in clear before encryption
//! existed: it still reads, and `rotate` seals it.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};

/// What marks a sealed value, and its format's version.
const SEALED: &str = "enc:v1:";

/// Why a key or a sealed value cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("the encryption key must be 32 bytes, base64-encoded (openssl rand -base64 32)")]
    BadKey,
    #[error("a stored credential does not open with this encryption key (a different key, or a damaged value)")]
    WrongKey,
    #[error("a stored credential is encrypted and no encryption key is set (ARES_ENCRYPTION_KEY)")]
    NoKey,
    #[error("cannot draw a random nonce")]
    Random,
}

/// The operator's encryption key.
pub struct Cipher {
    key: LessSafeKey,
    random: SystemRandom,
}

impl std::fmt::Debug for Cipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Cipher([redacted])")
    }
}

impl Cipher {
    /// The key `encoded` holds: 32 bytes in standard base64.
    ///
    /// # Errors
    /// `BadKey` for anything else.
    pub fn from_base64(encoded: &str) -> Result<Cipher, SecretError> {
        let bytes = STANDARD.decode(encoded.trim()).map_err(|_| SecretError::BadKey)?;
        if bytes.len() != 32 {
            return Err(SecretError::BadKey);
        }
        let key = UnboundKey::new(&AES_256_GCM, &bytes).map_err(|_| SecretError::BadKey)?;
        Ok(Cipher { key: LessSafeKey::new(key), random: SystemRandom::new() })
    }

    /// `clear` sealed for the row of `owner`.
    ///
    /// # Errors
    /// `Random` when the system has no randomness to give.
    pub fn seal(&self, clear: &str, owner: &str) -> Result<String, SecretError> {
        let mut nonce = [0_u8; NONCE_LEN];
        self.random.fill(&mut nonce).map_err(|_| SecretError::Random)?;
        let mut sealed = clear.as_bytes().to_vec();
        self.key
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(owner.as_bytes()), &mut sealed)
            .map_err(|_| SecretError::Random)?;
        let mut stored = nonce.to_vec();
        stored.append(&mut sealed);
        Ok(format!("{SEALED}{}", STANDARD.encode(stored)))
    }

    /// The clear text of `stored`, sealed for the row of `owner`.
    ///
    /// # Errors
    /// `WrongKey` when it was sealed with another key, for another row, or was altered.
    pub fn open(&self, stored: &str, owner: &str) -> Result<String, SecretError> {
        let encoded = stored.strip_prefix(SEALED).ok_or(SecretError::WrongKey)?;
        let mut bytes = STANDARD.decode(encoded).map_err(|_| SecretError::WrongKey)?;
        if bytes.len() < NONCE_LEN {
            return Err(SecretError::WrongKey);
        }
        let mut sealed = bytes.split_off(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(&bytes).map_err(|_| SecretError::WrongKey)?;
        let clear = self
            .key
            .open_in_place(nonce, Aad::from(owner.as_bytes()), &mut sealed)
            .map_err(|_| SecretError::WrongKey)?;
        String::from_utf8(clear.to_vec()).map_err(|_| SecretError::WrongKey)
    }
}

/// Whether `stored` is a sealed value (rather than a key stored in clear before encryption).
#[must_use]
pub fn is_sealed(stored: &str) -> bool {
    stored.starts_with(SEALED)
}

/// The clear text of a stored credential: opened with `cipher` when sealed, as it is when it was stored in clear.
///
/// # Errors
/// `NoKey` when it is sealed and there is no key; `WrongKey` when the key does not open it.
pub fn reveal(cipher: Option<&Cipher>, stored: &str, owner: &str) -> Result<String, SecretError> {
    match (is_sealed(stored), cipher) {
        (false, _) => Ok(stored.to_owned()),
        (true, Some(cipher)) => cipher.open(stored, owner),
        (true, None) => Err(SecretError::NoKey),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="; // 32 bytes
    const OTHER: &str = "ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=";

    #[test]
    fn a_sealed_key_opens_only_with_its_key_and_for_its_row() {
        let cipher = Cipher::from_base64(KEY).unwrap();
        let sealed = cipher.seal("gsk_live_secret", "groq").unwrap();
        assert!(is_sealed(&sealed) && !sealed.contains("gsk_live_secret"));
        assert_ne!(sealed, cipher.seal("gsk_live_secret", "groq").unwrap(), "a fresh nonce every time");
        assert_eq!(cipher.open(&sealed, "groq").unwrap(), "gsk_live_secret");
        assert!(matches!(cipher.open(&sealed, "anthropic"), Err(SecretError::WrongKey)), "bound to its row");
        let other = Cipher::from_base64(OTHER).unwrap();
        assert!(matches!(other.open(&sealed, "groq"), Err(SecretError::WrongKey)));
        let mut altered = sealed.clone();
        altered.replace_range(sealed.len() - 4.., "AAA=");
        assert!(cipher.open(&altered, "groq").is_err());
    }

    #[test]
    fn keys_must_be_32_bytes_of_base64() {
        assert!(matches!(Cipher::from_base64("c2hvcnQ="), Err(SecretError::BadKey)));
        assert!(matches!(Cipher::from_base64("not base64!"), Err(SecretError::BadKey)));
        assert!(format!("{:?}", Cipher::from_base64(KEY).unwrap()).contains("redacted"));
    }

    #[test]
    fn a_key_stored_in_clear_still_reads_and_a_sealed_one_needs_the_key() {
        assert_eq!(reveal(None, "legacy-key", "groq").unwrap(), "legacy-key");
        let sealed = Cipher::from_base64(KEY).unwrap().seal("k", "groq").unwrap();
        assert!(matches!(reveal(None, &sealed, "groq"), Err(SecretError::NoKey)));
    }
}
