//! `ares-server [--config PATH]`: starts ARES. `ares-server rotate-encryption-key [--config PATH]`: seals every
//! stored provider API key with `ARES_NEW_ENCRYPTION_KEY` and exits. Errors are one line on stderr and exit code 1.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;

use ares_server::{Application, Settings, Sources, StartupError, rotate_encryption_key, stop_on_signals, telemetry};

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
    let (command, config) = arguments()?;
    let file = Sources::config_path(config, &env);
    let settings = Settings::load(&Sources { file: file.clone(), env: &env })?;
    if command == Command::RotateEncryptionKey {
        let count = rotate_encryption_key(&settings).await?;
        println!("sealed {count} stored provider API keys with the new key; start ARES with it as ARES_ENCRYPTION_KEY");
        return Ok(());
    }
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

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
enum Command {
    Serve,
    RotateEncryptionKey,
}

/// `[rotate-encryption-key] [--config PATH | --config=PATH]`; nothing else is accepted.
fn arguments() -> Result<(Command, Option<PathBuf>), StartupError> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let command = if args.first().is_some_and(|a| a == "rotate-encryption-key") {
        args.remove(0);
        Command::RotateEncryptionKey
    } else {
        Command::Serve
    };
    Ok((command, config_flag(&args)?))
}

fn config_flag(args: &[String]) -> Result<Option<PathBuf>, StartupError> {
    match args {
        [] => Ok(None),
        [flag, path] if flag == "--config" => Ok(Some(PathBuf::from(path))),
        [flag] if flag == "--config" => Err(StartupError::new("--config needs a path")),
        [flag] if flag.starts_with("--config=") => Ok(Some(PathBuf::from(&flag["--config=".len()..]))),
        [other, ..] => Err(StartupError::new(format!(
            "unknown argument '{other}' (usage: ares-server [rotate-encryption-key] [--config PATH])"
        ))),
    }
}
