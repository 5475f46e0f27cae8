//! The `sturmglas` binary: parses the command line, sets up logging, and hands over to the
//! library. Errors end here, as `anyhow` messages and exit codes.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

mod cli;
mod cli_assets;
use cli::{ClassWeightArg, Cli, Command, LangArg, TrainLang};

use anyhow::Context;
use sturmglas::config;
use sturmglas::sentiment::learned::{self, Model, Models};
use sturmglas::sentiment::{Analyzer, Label, Lang};

impl From<TrainLang> for Lang {
    fn from(l: TrainLang) -> Lang {
        match l {
            TrainLang::De => Lang::De,
            TrainLang::En => Lang::En,
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
            sentiment(lang, json, explain, &model, configured, text)
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
            train(lang.into(), &input, &output, holdout, cv, &opts)
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
            calibrate(lang.into(), &input, configured)
        }
        Command::Demo { out, lang } => demo(&out, &lang),
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
        Command::Backtest(args) => sturmglas::backtest::run(&args)
            .map(|()| ExitCode::SUCCESS)
            .map_err(|e| anyhow::anyhow!("backtest: {e:#}")),
        Command::Tune(args) => sturmglas::tune::run(&args)
            .map(|()| ExitCode::SUCCESS)
            .map_err(|e| anyhow::anyhow!("tune: {e:#}")),
        Command::Match(args) => return sturmglas::match_tool::run(&args),
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

fn sentiment(
    lang: LangArg,
    json: bool,
    explain: bool,
    model_paths: &[PathBuf],
    configured: Option<config::sentiment::SentimentConfig>,
    text: Vec<String>,
) -> anyhow::Result<ExitCode> {
    let configured = configured.unwrap_or_default();
    let mut models = configured.models();
    let mut given = Models::new();
    for p in model_paths {
        let m = std::sync::Arc::new(
            Model::load(p).with_context(|| format!("cannot use model {}", p.display()))?,
        );
        let lang = m.lang();
        if given.insert(m.clone()).is_some() {
            anyhow::bail!("two --model files for {}", lang.as_str());
        }
        models.insert(m);
    }
    let analyzer = configured.analyzer().with_models(models);
    let lang = match lang {
        LangArg::Auto => None,
        LangArg::De => Some(Lang::De),
        LangArg::En => Some(Lang::En),
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let score = |t: &str, out: &mut dyn Write| -> anyhow::Result<()> {
        let s = analyzer.analyze(t, lang);
        if json {
            let mut v = serde_json::json!({
                "text": t, "lang": s.lang, "score": (s.score * 1000.0).round() / 1000.0, "label": s.label,
            });
            if explain {
                v["explain"] = serde_json::to_value(analyzer.explain(t, lang))?;
            }
            writeln!(out, "{v}")?;
        } else {
            writeln!(
                out,
                "{:>6.3}  {:<8}  {}  {}",
                s.score,
                serde_json::to_value(s.label)?.as_str().unwrap_or(""),
                s.lang.as_str(),
                t
            )?;
            if explain {
                writeln!(out, "{}", analyzer.explain(t, lang))?;
            }
        }
        Ok(())
    };
    if text.is_empty() {
        for line in std::io::stdin().lock().lines() {
            let line = line?;
            if !line.trim().is_empty() {
                score(&line, &mut out)?;
            }
        }
    } else {
        for t in &text {
            score(t, &mut out)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn train(
    lang: Lang,
    input: &std::path::Path,
    output: &std::path::Path,
    holdout: Option<f64>,
    cv: Option<usize>,
    opts: &learned::TrainOptions,
) -> anyhow::Result<ExitCode> {
    if let Some(f) = holdout {
        anyhow::ensure!(
            f > 0.0 && f < 1.0,
            "--holdout must be a fraction between 0 and 1, not {f}"
        );
    }
    if let Some(k) = cv {
        anyhow::ensure!(k >= 2, "--cv needs at least 2 folds, not {k}");
    }
    if let Some(a) = opts.naive_bayes {
        anyhow::ensure!(
            a.is_finite() && a > 0.0,
            "--nb-smoothing must be 0 (off) or a positive count, not {a}"
        );
    }
    let examples = read_labelled(input)?;
    let analyzer = Analyzer::new();
    let lexicon_only = |posts: &[learned::Example]| -> learned::Confusion {
        posts
            .iter()
            .map(|e| (e.label, analyzer.analyze(&e.text, Some(lang)).label))
            .collect()
    };
    if let Some(k) = cv {
        eprintln!("cross-validating: training {k} models, each without one fold of the posts");
        let predicted = learned::cross_validate(&analyzer, lang, &examples, opts, k)?;
        let c: learned::Confusion = examples
            .iter()
            .zip(&predicted)
            .map(|(e, p)| (e.label, p.label()))
            .collect();
        println!("cross-validation ({k} folds): {c}");
        println!("lexicon only:               {}", lexicon_only(&examples));
    }
    let (train_set, holdout_set) = match holdout {
        Some(f) => {
            let (t, h) = learned::holdout_split(&examples, f, learned::HOLDOUT_SEED);
            let pick = |idx: &[usize]| -> Vec<learned::Example> {
                idx.iter().map(|i| examples[*i].clone()).collect()
            };
            (pick(&t), pick(&h))
        }
        None => (examples, Vec::new()),
    };
    let model = learned::train(&analyzer, lang, &train_set, opts)?;
    let measured = learned::evaluate(&analyzer, &model, &train_set);
    println!("training set: {measured}");
    if !holdout_set.is_empty() {
        let h = learned::evaluate(&analyzer, &model, &holdout_set);
        println!("holdout:      {h}");
        println!("lexicon only: {}", lexicon_only(&holdout_set));
    }
    model.save(output)?;
    println!(
        "wrote {} ({} model, {} buckets, {} words in its word table); use it with `sturmglas sentiment --model {}` or `model_{}` in [sentiment]",
        output.display(),
        lang.as_str(),
        model.buckets(),
        model.table_words(),
        output.display(),
        lang.as_str()
    );
    Ok(ExitCode::SUCCESS)
}

/// Reads labelled posts for `train` or `calibrate` and says how many of each class there are.
fn read_labelled(input: &std::path::Path) -> anyhow::Result<Vec<learned::Example>> {
    let examples = learned::read_examples(input)?;
    let count = |l: Label| examples.iter().filter(|e| e.label == l).count();
    println!(
        "{}: {} posts: {} negative, {} neutral, {} positive",
        input.display(),
        examples.len(),
        count(Label::Negative),
        count(Label::Neutral),
        count(Label::Positive)
    );
    Ok(examples)
}

fn calibrate(
    lang: Lang,
    input: &std::path::Path,
    configured: Option<config::sentiment::SentimentConfig>,
) -> anyhow::Result<ExitCode> {
    let examples = read_labelled(input)?;
    let classes = [Label::Negative, Label::Neutral, Label::Positive]
        .iter()
        .filter(|l| examples.iter().any(|e| e.label == **l))
        .count();
    anyhow::ensure!(
        classes >= 2,
        "{}: calibration needs posts of at least two classes",
        input.display()
    );
    // Raw lexicon scores: a calibration weighs and labels them, and a model ignores it.
    let analyzer = Analyzer::new();
    let mut gold = Vec::with_capacity(examples.len());
    let mut scores = Vec::with_capacity(examples.len());
    let mut linked = Vec::with_capacity(examples.len());
    for e in &examples {
        gold.push(e.label);
        scores.push(analyzer.analyze(&e.text, Some(lang)).score);
        linked.push(sturmglas::sentiment::has_link(&e.text));
    }
    let with_links = linked.iter().filter(|l| **l).count();
    if with_links > 0 {
        println!("{with_links} of them share a link");
    }
    let (start, name, the_one) = match &configured {
        Some(c) => (c.calibration(lang), "in use:  ", "the one in use"),
        None => (analyzer.calibration(lang), "built in:", "the built-in one"),
    };
    if configured.as_ref().is_some_and(|c| c.has_model(lang)) {
        println!(
            "Note: the config's {} model labels these posts in the daemon; a calibration only labels the posts no model does.",
            lang.as_str()
        );
    }
    let before = start.confusion(&gold, &scores, &linked);
    let (best, after) = sturmglas::sentiment::calibrate_with_links(&gold, &scores, &linked, start);
    // Five folds, or one post each when there are fewer (at least two posts: two classes).
    let folds = examples.len().min(5);
    let unseen =
        sturmglas::sentiment::cross_validated_calibration(&gold, &scores, &linked, start, folds);
    let shown = |c: sturmglas::sentiment::Calibration| {
        let t = c.thresholds;
        let mut s = format!("{:+.2} / {:+.2}", t.negative, t.positive);
        if c.link_weight != 1.0 {
            s.push_str(&format!(", linked posts x{}", c.link_weight));
        }
        s
    };
    println!("{name}        {}: {before}", shown(start));
    println!("best for these:  {}: {after}", shown(best));
    println!("chosen on other posts ({folds}-fold cross-validation): {unseen}");
    // The cross-validated figure decides: a calibration that only wins on the posts it was
    // chosen on has fitted their noise. The gain must show at the precision printed.
    const WORTH_IT: f64 = 0.001;
    let gain = unseen.macro_f1() - before.macro_f1();
    if gain < WORTH_IT {
        println!(
            "Chosen on other posts, a calibration gains {gain:+.3} macro-F1 over {the_one}: keep {the_one}."
        );
        return Ok(ExitCode::SUCCESS);
    }
    let l = lang.as_str();
    println!(
        "Chosen on other posts, a calibration gains {gain:+.3} macro-F1. \
         To use this one, set in the [sentiment] section of the config:"
    );
    println!("negative_{l} = {}", best.thresholds.negative);
    println!("positive_{l} = {}", best.thresholds.positive);
    if best.link_weight != start.link_weight {
        println!("link_weight_{l} = {}", best.link_weight);
    }
    Ok(ExitCode::SUCCESS)
}

fn demo(out: &std::path::Path, lang: &str) -> anyhow::Result<ExitCode> {
    use sturmglas::config::notify::Language;
    use sturmglas::demo;
    let mut cfg = demo::demo_config()?;
    if lang == "en" {
        demo::set_language(&mut cfg, Language::En);
    }
    let recording = demo::parse_recording(demo::RECORDING)?;
    let report = demo::run(&cfg, &recording, out)?;
    print!("{}", demo::account(&cfg, &report, out));
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
