//! The API described: the OpenAPI document and the interactive page that reads it, both served from the binary.

pub(crate) mod document;
pub(crate) mod page;
pub(crate) mod redirect;
