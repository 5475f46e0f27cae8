//! The `sturmglas` binary: parses the command line, sets up logging, and hands over to the
//! library. Errors end here, as `anyhow` messages and exit codes.

use std::process::ExitCode;

use clap::Parser;

mod cli;
mod cli_assets;
mod people_cmd;
use cli::{ClassWeightArg, Cli, Command, LangArg, TrainLang};

use anyhow::Context;
use sturmglas::config;
use sturmglas::sentiment::learned;
use sturmglas::sentiment::Lang;

impl From<TrainLang> for Lang {
    fn from(l: TrainLang) -> Lang {
        match l {
            TrainLang::De => Lang::De,
            TrainLang::En => Lang::En,
        }
    }
}

impl From<cli::Format> for sturmglas::backtest::Format {
    fn from(f: cli::Format) -> Self {
        match f {
            cli::Format::Jsonl => Self::Jsonl,
            cli::Format::CountsCsv => Self::CountsCsv,
        }
    }
}

impl From<cli::BacktestArgs> for sturmglas::backtest::BacktestArgs {
    fn from(a: cli::BacktestArgs) -> Self {
        Self {
            config: a.history.config,
            input: a.history.input,
            format: a.history.format.into(),
            json: a.json,
        }
    }
}

impl From<cli::TuneArgs> for sturmglas::tune::TuneArgs {
    fn from(a: cli::TuneArgs) -> Self {
        Self {
            config: a.history.config,
            input: a.history.input,
            format: a.history.format.into(),
            incidents: a.incidents,
            max_false_per_month: a.max_false_per_month,
        }
    }
}

impl From<cli::MatchArgs> for sturmglas::match_tool::MatchArgs {
    fn from(a: cli::MatchArgs) -> Self {
        Self {
            config: a.config,
            brand: a.brand,
            lang: a.lang,
            source: a.source,
            text: a.text,
        }
    }
}

/// Logs go to journald when systemd connected stderr to the journal, else to stderr.
fn init_logging() {
    use tracing_subscriber::prelude::*;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let registry = tracing_subscriber::registry().with(filter);
    if std::env::var_os("JOURNAL_STREAM").is_some() {
        if let Ok(layer) = tracing_journald::layer() {
            registry.with(layer).init();
            return;
        }
    }
    registry
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr())),
        )
        .init();
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

fn load_config(cli: Option<&std::path::Path>) -> Result<config::Config, ExitCode> {
    let path = config::resolve_config_path(cli);
    config::load(&path).map_err(|errors| {
        eprintln!("{errors}");
        ExitCode::from(2)
    })
}

/// The `[sentiment]` section of the config a command's `-c` names, if it names one.
fn configured_sentiment(
    path: Option<&std::path::Path>,
) -> Result<Option<config::sentiment::SentimentConfig>, ExitCode> {
    path.map(|p| load_config(Some(p)).map(|c| c.sentiment))
        .transpose()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run { config } => {
            init_logging();
            let cfg = match load_config(config.as_deref()) {
                Ok(c) => c,
                Err(code) => return code,
            };
            run_daemon(cfg)
        }
        Command::Collect { config } => {
            init_logging();
            let cfg = match load_config(config.as_deref()) {
                Ok(c) => c,
                Err(code) => return code,
            };
            run_collect(cfg)
        }
        Command::Check { config } => match load_config(config.as_deref()) {
            Ok(c) => {
                print!("{}", c.summary());
                Ok(ExitCode::SUCCESS)
            }
            Err(code) => return code,
        },
        Command::Sentiment {
            lang,
            json,
            explain,
            model,
            config,
            text,
        } => {
            let configured = match configured_sentiment(config.as_deref()) {
                Ok(c) => c,
                Err(code) => return code,
            };
            let args = sturmglas::sentiment_tool::SentimentArgs {
                lang: match lang {
                    LangArg::Auto => None,
                    LangArg::De => Some(Lang::De),
                    LangArg::En => Some(Lang::En),
                },
                json,
                explain,
                models: model,
                configured,
                text,
            };
            sturmglas::sentiment_tool::run(&args, &mut std::io::stdout().lock())
                .map(|()| ExitCode::SUCCESS)
        }
        Command::Train {
            lang,
            input,
            output,
            l2,
            holdout,
            cv,
            buckets,
            class_weights,
            negative_weight,
            nb_smoothing,
        } => {
            let opts = learned::TrainOptions {
                buckets,
                l2,
                class_weights: match class_weights {
                    ClassWeightArg::Balanced => learned::ClassWeights::Balanced,
                    ClassWeightArg::Uniform => learned::ClassWeights::Uniform,
                },
                negative_weight,
                naive_bayes: (nb_smoothing != 0.0).then_some(nb_smoothing),
                ..learned::TrainOptions::default()
            };
            let args = sturmglas::train::TrainArgs {
                lang: lang.into(),
                input,
                output,
                holdout,
                cv,
                options: opts,
            };
            sturmglas::train::run(&args, &mut std::io::stdout(), &mut std::io::stderr())
                .map(|()| ExitCode::SUCCESS)
        }
        Command::Calibrate {
            lang,
            input,
            config,
        } => {
            let configured = match configured_sentiment(config.as_deref()) {
                Ok(c) => c,
                Err(code) => return code,
            };
            let args = sturmglas::calibrate::CalibrateArgs {
                lang: lang.into(),
                input,
                configured,
            };
            sturmglas::calibrate::run(&args, &mut std::io::stdout()).map(|()| ExitCode::SUCCESS)
        }
        Command::Demo { out, lang } => sturmglas::demo::run_bundled(&out, lang == "en")
            .map(|account| {
                print!("{account}");
                ExitCode::SUCCESS
            })
            .map_err(anyhow::Error::from),
        Command::Export {
            config,
            brand,
            from,
            to,
        } => {
            let cfg = match load_config(config.as_deref()) {
                Ok(c) => c,
                Err(code) => return code,
            };
            let req = sturmglas::export::ExportRequest { brand, from, to };
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            sturmglas::export::export(&cfg, &req, &mut out)
                .map(|_| ExitCode::SUCCESS)
                .map_err(|e| anyhow::anyhow!("export: {e}"))
        }
        Command::Backtest(args) => sturmglas::backtest::run(&args.into())
            .map(|()| ExitCode::SUCCESS)
            .map_err(|e| anyhow::anyhow!("backtest: {e:#}")),
        Command::Tune(args) => sturmglas::tune::run(&args.into())
            .map(|()| ExitCode::SUCCESS)
            .map_err(|e| anyhow::anyhow!("tune: {e:#}")),
        Command::Match(args) => return sturmglas::match_tool::run(&args.into()),
        Command::TestAlert { config, channel } => {
            init_logging();
            let cfg = match load_config(config.as_deref()) {
                Ok(c) => c,
                Err(code) => return code,
            };
            test_alert(cfg, channel)
        }
        Command::Completions { shell } => {
            cli_assets::write_completion(shell, &mut std::io::stdout().lock())
                .map(|()| ExitCode::SUCCESS)
                .context("writing the completion script")
        }
        Command::Man { dir } => man(&dir),
        Command::Silence { action } => people_cmd::silence(action),
        Command::Ack {
            config,
            id,
            by,
            comment,
        } => people_cmd::ack(config.as_deref(), &id, by, &comment),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("sturmglas: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// `sturmglas man DIR`: writes the pages and names each file written.
fn man(dir: &std::path::Path) -> anyhow::Result<ExitCode> {
    let written = cli_assets::write_man_pages(dir)
        .with_context(|| format!("writing man pages into {}", dir.display()))?;
    for path in written {
        println!("{}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn run_daemon(cfg: config::Config) -> anyhow::Result<ExitCode> {
    let rt = runtime()?;
    rt.block_on(async {
        let listener = sturmglas::daemon::bind(&cfg).await?;
        let (shutdown, reload) = sturmglas::daemon::unix_signals()?;
        sturmglas::daemon::run_with_reload(cfg, listener, shutdown, reload).await
    })?;
    Ok(ExitCode::SUCCESS)
}

fn run_collect(cfg: config::Config) -> anyhow::Result<ExitCode> {
    let rt = runtime()?;
    rt.block_on(async {
        let (shutdown, _reload) = sturmglas::daemon::unix_signals()?;
        sturmglas::collect::run(cfg, shutdown).await?;
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

fn test_alert(cfg: config::Config, channel: Option<String>) -> anyhow::Result<ExitCode> {
    let names = cfg.notify.channel_names();
    if names.is_empty() {
        eprintln!("No channels configured: add a [[notify.email]] or [[notify.webhook]] block.");
        return Ok(ExitCode::FAILURE);
    }
    if let Some(c) = &channel {
        if !names.contains(c) {
            eprintln!("No channel named {c:?}; configured: {}", names.join(", "));
            return Ok(ExitCode::FAILURE);
        }
    }
    let rt = runtime()?;
    let results = rt.block_on(async {
        let http = sturmglas::notify::webhook::client()?;
        anyhow::Ok(sturmglas::notify::test_alert(&cfg.notify, channel.as_deref(), &http).await)
    })?;
    let mut ok = true;
    for (name, r) in results {
        match r {
            Ok(()) => println!("{name}: delivered"),
            Err(e) => {
                ok = false;
                println!("{name}: FAILED: {e}");
            }
        }
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// cli.rs writes the training defaults as literals (build.rs renders it without the
    /// library); they must be the library's.
    #[test]
    fn cli_defaults_are_the_library_defaults() {
        let cmd = super::Cli::command();
        let train = cmd.find_subcommand("train").expect("a train subcommand");
        let default = |id: &str| -> String {
            let arg = train
                .get_arguments()
                .find(|a| a.get_id() == id)
                .unwrap_or_else(|| panic!("train has no --{id}"));
            arg.get_default_values()[0].to_string_lossy().into_owned()
        };
        use sturmglas::sentiment::learned;
        assert_eq!(default("l2"), learned::DEFAULT_L2.to_string());
        assert_eq!(default("buckets"), learned::DEFAULT_BUCKETS.to_string());
        assert_eq!(
            default("negative_weight"),
            learned::DEFAULT_NEGATIVE_WEIGHT.to_string()
        );
        assert_eq!(
            default("nb_smoothing"),
            learned::DEFAULT_NB_SMOOTHING.to_string()
        );
    }
}
