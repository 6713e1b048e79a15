//! ARES application layer: the ports (traits) adapters implement, and the use cases that drive the domain
//! through them. Knows the domain; knows no adapter.

pub mod keys;
pub mod ports;
pub mod timing;
pub mod usecases;
