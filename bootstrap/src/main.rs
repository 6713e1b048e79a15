//! `ares-server [--config PATH]`: starts ARES. Start-up errors are one line on stderr and exit code 1.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;

use ares_server::{Application, Settings, Sources, StartupError, stop_on_signals, telemetry};

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), StartupError> {
    let env: HashMap<String, String> = std::env::vars().collect();
    let file = Sources::config_path(config_flag()?, &env);
    let settings = Settings::load(&Sources { file: file.clone(), env: &env })?;
    telemetry::init();
    match &file {
        Some(path) => tracing::info!(config = %path.display(), "configuration loaded"),
        None => tracing::info!("no configuration file: using defaults and the environment"),
    }
    let app = Application::build(settings).await?;
    tracing::info!(port = app.port(), version = env!("CARGO_PKG_VERSION"), "ARES listening");
    tokio::spawn(stop_on_signals(app.handle()));
    app.run_until_stopped().await.map_err(|err| StartupError::new(format!("server failed: {err}")))
}

/// `--config PATH` or `--config=PATH`; nothing else is accepted.
fn config_flag() -> Result<Option<PathBuf>, StartupError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [] => Ok(None),
        [flag, path] if flag == "--config" => Ok(Some(PathBuf::from(path))),
        [flag] if flag == "--config" => Err(StartupError::new("--config needs a path")),
        [flag] if flag.starts_with("--config=") => Ok(Some(PathBuf::from(&flag["--config=".len()..]))),
        [other, ..] => {
            Err(StartupError::new(format!("unknown argument '{other}' (usage: ares-server [--config PATH])")))
        }
    }
}
