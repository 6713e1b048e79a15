//! Passwords hashed with bcrypt, on the blocking pool (a hash takes tens of milliseconds by design). bcrypt reads
//! at most 72 bytes, and passwords may have 128: the password is first digested with SHA-256 (base64, 44 bytes),
//! so every byte counts.

use ares_application::ports::PasswordHasher;
use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

/// bcrypt at a cost factor.
#[derive(Debug, Clone)]
pub struct BcryptHasher {
    cost: u32,
    /// A hash of a random secret at the same cost, verified against when the account does not exist, so an
    /// unknown email takes as long to refuse as a wrong password.
    decoy: String,
}

impl BcryptHasher {
    /// Hashes at `cost` (4 to 31; 12 is a good production value). Makes its decoy hash now (one hash's time).
    ///
    /// # Errors
    /// When bcrypt fails.
    pub fn new(cost: u32) -> anyhow::Result<Self> {
        let cost = cost.clamp(4, 31);
        let decoy = bcrypt::hash(uuid::Uuid::new_v4().to_string(), cost)?;
        Ok(BcryptHasher { cost, decoy })
    }
}

fn digest(password: &str) -> String {
    STANDARD.encode(Sha256::digest(password.as_bytes()))
}

#[async_trait]
impl PasswordHasher for BcryptHasher {
    async fn hash(&self, password: &str) -> anyhow::Result<String> {
        let (digest, cost) = (digest(password), self.cost);
        let hashed = tokio::task::spawn_blocking(move || bcrypt::hash(digest, cost)).await??;
        Ok(hashed)
    }

    async fn verify(&self, password: &str, hash: Option<String>) -> bool {
        let digest = digest(password);
        let (hash, real) = match hash {
            Some(hash) => (hash, true),
            None => (self.decoy.clone(), false),
        };
        let checked = tokio::task::spawn_blocking(move || bcrypt::verify(digest, &hash).unwrap_or(false)).await;
        real && checked.unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_password_verifies_against_its_own_hash_only() {
        let hasher = BcryptHasher::new(4).unwrap();
        let hash = hasher.hash("correct horse battery").await.unwrap();
        assert!(hash.starts_with("$2b$04$"));
        assert!(hasher.verify("correct horse battery", Some(hash.clone())).await);
        assert!(!hasher.verify("wrong horse battery", Some(hash.clone())).await);
        assert!(!hasher.verify("correct horse battery", None).await);
    }

    #[tokio::test]
    async fn every_byte_of_a_long_password_counts() {
        let hasher = BcryptHasher::new(4).unwrap();
        let long = "a".repeat(100);
        let hash = hasher.hash(&long).await.unwrap();
        assert!(!hasher.verify(&format!("{}b", "a".repeat(99)), Some(hash.clone())).await);
    }

    #[test]
    fn the_decoy_is_a_bcrypt_hash_at_the_same_cost() {
        let hasher = BcryptHasher::new(5).unwrap();
        assert!(hasher.decoy.starts_with("$2b$05$"));
    }
}
