//! `/v1/models`: what a tenant may name as `model` on the OpenAI-compatible API, in OpenAI's list shape.

pub(crate) mod get;
pub(crate) mod list;
