//! Issuing API keys: `ares_` plus 40 random alphanumerics from the operating system's CSPRNG.

use ares_domain::RawApiKey;
use ares_domain::api_key::KEY_RANDOM_LEN;
use rand::RngExt;
use rand::distr::Alphanumeric;

use crate::ports::KeyGenerator;

/// Generates keys from the thread-local CSPRNG (seeded from the OS).
#[derive(Debug, Default, Clone, Copy)]
pub struct RandomKeyGenerator;

impl KeyGenerator for RandomKeyGenerator {
    fn generate(&self) -> RawApiKey {
        loop {
            let random: String = rand::rng().sample_iter(Alphanumeric).take(KEY_RANDOM_LEN).map(char::from).collect();
            if let Some(key) = RawApiKey::from_random(&random) {
                return key;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_are_well_formed_and_distinct() {
        let a = RandomKeyGenerator.generate();
        let b = RandomKeyGenerator.generate();
        assert!(RawApiKey::parse(a.expose()).is_some());
        assert_eq!(a.expose().len(), "ares_".len() + KEY_RANDOM_LEN);
        assert_ne!(a, b);
    }
}
