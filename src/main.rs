//! The `sturmglas` binary: parses the command line and hands over to the library.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "sturmglas",
    version,
    about = "Shitstorm early-warning daemon: watches brand mentions and alerts by email and webhooks when a negative surge begins."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the daemon until SIGTERM/SIGINT; SIGHUP reloads the config.
    Run {
        /// Config file [default: $STURMGLAS_CONFIG, else /etc/sturmglas/sturmglas.toml]
        #[arg(short, long)]
        config: Option<PathBuf>,
    },
    /// Validate a config file and print a summary.
    Check {
        #[arg(short, long)]
        config: Option<PathBuf>,
    },
    /// Replay history through the detector with a simulated clock; print the alerts.
    Backtest(sturmglas::backtest::BacktestArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Run { config } | Command::Check { config } => {
            let path = sturmglas::config::resolve_config_path(config.as_deref());
            match sturmglas::config::load(&path) {
                Ok(c) => {
                    print!("{}", c.summary());
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("{e}");
                    ExitCode::from(2)
                }
            }
        }
        Command::Backtest(args) => match sturmglas::backtest::run(&args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("sturmglas backtest: {e:#}");
                ExitCode::from(2)
            }
        },
    }
}
