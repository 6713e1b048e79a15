//! End-to-end test crate: see `tests/api`.
