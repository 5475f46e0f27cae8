//! `sturmglas silence …` and `sturmglas ack …`: the flags turned into calls of the running
//! daemon's API (see `sturmglas::people_client`), the answers printed for a person.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use sturmglas::config::Config;
use sturmglas::people_client::{silence_lines, Client};

use crate::cli::SilenceAction;

fn load(path: Option<&Path>) -> Result<Config, ExitCode> {
    let path = sturmglas::config::resolve_config_path(path);
    sturmglas::config::load(&path).map_err(|errors| {
        eprintln!("{errors}");
        ExitCode::from(2)
    })
}

/// The bearer token the daemon's API wants: the config's `server.api_token` (or its file), the
/// same the daemon checks; none when the config sets none (then only loopback answers).
fn api_token(config: &Config) -> Option<String> {
    config
        .server
        .api_token
        .as_ref()
        .map(|t| t.expose().to_string())
}

fn user(by: Option<String>) -> String {
    by.or_else(|| std::env::var("USER").ok())
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| "cli".into())
}

fn client(path: Option<&Path>) -> Result<Client, ExitCode> {
    let config = load(path)?;
    Ok(Client::new(&config, api_token(&config)))
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

pub fn silence(action: SilenceAction) -> anyhow::Result<ExitCode> {
    let rt = runtime()?;
    match action {
        SilenceAction::Add {
            config,
            brand,
            duration,
            comment,
            kinds,
            by,
        } => {
            let c = match client(config.as_deref()) {
                Ok(c) => c,
                Err(code) => return Ok(code),
            };
            let s = rt.block_on(c.add_silence(&brand, &duration, &kinds, &comment, &user(by)))?;
            println!(
                "Silence {} added: {} until {}.",
                s["id"].as_str().unwrap_or("?"),
                s["brand"].as_str().unwrap_or("?"),
                s["ends_at"].as_str().unwrap_or("?")
            );
        }
        SilenceAction::List { config, json } => {
            let c = match client(config.as_deref()) {
                Ok(c) => c,
                Err(code) => return Ok(code),
            };
            let list = rt.block_on(c.silences())?;
            if json {
                println!("{list}");
            } else {
                let lines = silence_lines(&list);
                if lines.is_empty() {
                    println!("No silences active or ended in the last 24 hours.");
                }
                for l in lines {
                    println!("{l}");
                }
            }
        }
        SilenceAction::Expire { config, id } => {
            let c = match client(config.as_deref()) {
                Ok(c) => c,
                Err(code) => return Ok(code),
            };
            rt.block_on(c.expire_silence(&id))?;
            println!("Silence {id} ended.");
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn ack(
    config: Option<&Path>,
    id: &str,
    by: Option<String>,
    comment: &str,
) -> anyhow::Result<ExitCode> {
    let c = match client(config) {
        Ok(c) => c,
        Err(code) => return Ok(code),
    };
    let r = runtime()?.block_on(c.ack(id, &user(by), comment))?;
    println!(
        "Acknowledged: {} (storm since {}) by {}.",
        r["brand"].as_str().unwrap_or("?"),
        r["started_at"].as_str().unwrap_or("?"),
        r["acknowledged_by"].as_str().unwrap_or("?")
    );
    Ok(ExitCode::SUCCESS)
}
