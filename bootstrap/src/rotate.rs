//! `ares-server rotate-encryption-key`: seals every stored provider API key with a new encryption key, in one
//! transaction. The current key is `ARES_ENCRYPTION_KEY` (unset when no key was sealed yet: keys stored in clear
//! before encryption are sealed too), the new one `ARES_NEW_ENCRYPTION_KEY`. Afterwards the server must be started
//! with the new key as `ARES_ENCRYPTION_KEY`.

use ares_store::{Db, ProviderStore};

use crate::settings::{ENCRYPTION_KEY, Settings, StartupError};

/// The variable that holds the key to rotate to.
pub const NEW_ENCRYPTION_KEY: &str = "ARES_NEW_ENCRYPTION_KEY";

/// Re-seals every stored provider API key with `ARES_NEW_ENCRYPTION_KEY`; how many were re-sealed.
///
/// # Errors
/// When the new key is missing or malformed, a stored key does not open with the current one (nothing changes
/// then), or the database cannot be used.
pub async fn rotate_encryption_key(settings: &Settings) -> Result<usize, StartupError> {
    let new = settings
        .cipher_in(NEW_ENCRYPTION_KEY)?
        .ok_or_else(|| StartupError::new(format!("{NEW_ENCRYPTION_KEY} must be set to the key to rotate to")))?;
    let current = settings.cipher_in(ENCRYPTION_KEY)?;
    let db = Db::connect(&settings.database.pool())
        .await
        .map_err(|err| StartupError::new(format!("cannot use the database: {err:#}")))?;
    ProviderStore::new(db, None)
        .rotate(current.as_ref(), &new)
        .await
        .map_err(|err| StartupError::new(format!("nothing was changed: {err:#}")))
}
