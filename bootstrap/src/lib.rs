//! ARES bootstrap: loads the settings, sets up telemetry, connects and migrates the store, seeds the agent
//! templates, discovers the tools, wires every adapter to the use cases, and serves HTTP. The only crate that names every concrete type.

pub mod rotate;
mod serve;
pub mod settings;
pub mod startup;
pub mod telemetry;
#[cfg(feature = "testing")]
pub mod testing;
mod tools;

pub use rotate::rotate_encryption_key;
pub use settings::{Settings, Sources, StartupError};
pub use startup::{Application, stop_on_signals};
