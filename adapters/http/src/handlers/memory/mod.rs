//! `/api/memory*`: what ARES remembers about the signed-in user, and forgetting it.

pub(crate) mod delete;
pub(crate) mod list;
