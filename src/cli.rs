//! The command line: the clap definitions of every subcommand and its flags, and nothing else.
//!
//! Invariant: this file needs only `clap`, `std` and the few library items it names, so that
//! `build.rs` can include it too (`#[path = "src/cli.rs"]`) to render the man pages and shell
//! completions that the Debian package ships; main.rs turns the parsed flags into library calls.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(
    name = "sturmglas",
    version,
    about = "Shitstorm early warning: watches brand mentions and alerts by email and webhooks when a negative surge begins."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the daemon until SIGTERM/SIGINT; SIGHUP reloads the config.
    Run {
        /// Config file [default: $STURMGLAS_CONFIG, else /etc/sturmglas/sturmglas.toml]
        #[arg(short, long)]
        config: Option<PathBuf>,
    },
    /// Run only the configured sources and publish their mentions to NATS JetStream
    /// (`[cluster] nats_url`), for daemons that read them with `[[sources.nats]]`.
    Collect {
        /// Config file [default: $STURMGLAS_CONFIG, else /etc/sturmglas/sturmglas.toml]
        #[arg(short, long)]
        config: Option<PathBuf>,
    },
    /// Validate a config file and print a summary (exit 2 when invalid).
    Check {
        /// Config file [default: $STURMGLAS_CONFIG, else /etc/sturmglas/sturmglas.toml]
        #[arg(short, long)]
        config: Option<PathBuf>,
    },
    /// Score texts (arguments, or each line of stdin) for sentiment.
    Sentiment {
        /// Language of the texts; `auto` detects it per text.
        #[arg(long, value_enum, default_value_t = LangArg::Auto)]
        lang: LangArg,
        /// One JSON object per text.
        #[arg(long)]
        json: bool,
        /// Show which words and rules made each score.
        #[arg(long)]
        explain: bool,
        /// A learned model from `sturmglas train` to try before configuring it; it labels the
        /// texts in its language. May be given once per language.
        #[arg(long, value_name = "FILE")]
        model: Vec<PathBuf>,
        /// Score as the daemon with this config would: its [sentiment] models and label
        /// thresholds (a --model replaces the config's model for its language).
        #[arg(short, long)]
        config: Option<PathBuf>,
        /// Texts to score; stdin lines when none are given.
        text: Vec<String>,
    },
    /// Train a learned sentiment layer on your own labelled posts (TSV `label<TAB>text` or
    /// JSONL `{"label": ..., "text": ...}`); point `[sentiment] model_de`/`model_en` at it.
    Train {
        /// The language of the posts; the model scores only posts in this language.
        #[arg(long, value_enum)]
        lang: TrainLang,
        /// Labelled posts; labels negative|neutral|positive, neg|neu|pos or -1|0|1.
        #[arg(long)]
        input: PathBuf,
        /// Where the model file goes (replaced atomically).
        #[arg(long)]
        output: PathBuf,
        /// L2 regularisation strength (larger: single rare words and n-grams count less).
        #[arg(long, default_value_t = 3e-4)]
        l2: f64,
        /// Keep this fraction of each class out of training and report metrics on it (the
        /// saved model is the one measured, trained without these posts).
        #[arg(long, value_name = "FRACTION")]
        holdout: Option<f64>,
        /// Measure by K-fold cross-validation first: every post is scored by a model trained
        /// without it, a steadier figure than --holdout on a few hundred posts; the saved
        /// model is then trained on all posts.
        #[arg(long, value_name = "K", conflicts_with = "holdout")]
        cv: Option<usize>,
        /// Hash buckets for word and character features (more: fewer collisions, bigger file).
        #[arg(long, default_value_t = 1 << 18)]
        buckets: u32,
        /// `balanced` weighs each class equally however rare it is; `uniform` counts posts.
        #[arg(long, value_enum, default_value_t = ClassWeightArg::Balanced)]
        class_weights: ClassWeightArg,
        /// Extra weight on negative posts (missed negatives cost most in a storm warning).
        #[arg(long, default_value_t = 1.0)]
        negative_weight: f32,
        /// Count smoothing of the Naive-Bayes-scaled penalty (words that tell the classes
        /// apart may weigh more than words found in every class); 0 turns it off, leaving
        /// one L2 strength for every weight.
        #[arg(long, value_name = "ALPHA", default_value_t = 0.5)]
        nb_smoothing: f64,
    },
    /// Choose the label thresholds of one language's lexicon, and the weight of posts that
    /// share a link, for your own labelled posts (same formats as `train`); prints the
    /// `[sentiment]` lines that set them.
    Calibrate {
        /// The language of the posts.
        #[arg(long, value_enum)]
        lang: TrainLang,
        /// Labelled posts; labels negative|neutral|positive, neg|neu|pos or -1|0|1.
        #[arg(long)]
        input: PathBuf,
        /// Start from this config's calibration and compare with it, instead of the built-in
        /// one (for a team that calibrated before and has labelled more posts since).
        #[arg(short, long)]
        config: Option<PathBuf>,
    },
    /// Replay a bundled recording (a German storm among calm days) through the real pipeline
    /// and write its alert emails as .eml files.
    Demo {
        /// Where the .eml files go.
        #[arg(long, default_value = "sturmglas-demo")]
        out: PathBuf,
        /// Language of the emails: de (the bundled German team's) or en.
        #[arg(long, default_value = "de", value_parser = ["de", "en"])]
        lang: String,
    },
    /// Send a clearly marked test alert through every (or the named) channel.
    TestAlert {
        /// Config file [default: $STURMGLAS_CONFIG, else /etc/sturmglas/sturmglas.toml]
        #[arg(short, long)]
        config: Option<PathBuf>,
        /// Only this channel.
        #[arg(long)]
        channel: Option<String>,
    },
    /// Write the mention archive as JSONL mention records (with score and label), oldest
    /// first, for `backtest --format jsonl`. Reads the state database read-only: safe while
    /// the daemon runs.
    Export {
        /// Config file [default: $STURMGLAS_CONFIG, else /etc/sturmglas/sturmglas.toml]
        #[arg(short, long)]
        config: Option<PathBuf>,
        /// Only this brand's mentions [default: every brand, each mention once].
        #[arg(long)]
        brand: Option<String>,
        /// Mentions from this time on (RFC 3339) [default: the oldest kept].
        #[arg(long)]
        from: Option<String>,
        /// Mentions before this time (RFC 3339) [default: now].
        #[arg(long)]
        to: Option<String>,
    },
    /// Replay history through the detector with a simulated clock; print the alerts.
    Backtest(BacktestArgs),
    /// Replay history over a grid of thresholds; recommend the best within a false-alert budget.
    Tune(TuneArgs),
    /// Try the brands' keywords and queries on texts (arguments, or each line of stdin):
    /// prints per text the brands it counts for and the terms that matched.
    Match(MatchArgs),
    /// Print the shell completion script for bash, zsh or fish on stdout.
    Completions {
        /// The shell the script is for.
        #[arg(value_enum)]
        shell: Shell,
    },
    /// Write the man pages: sturmglas.1 and one per subcommand (sturmglas-run.1, ...).
    Man {
        /// Where the pages go; created when missing.
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
    /// Silences: hold back notices of a brand (or all) for a while; talks to the running daemon.
    Silence {
        #[command(subcommand)]
        action: SilenceAction,
    },
    /// Acknowledge a storm: any notice's id acknowledges its whole thread, which then gets no
    /// reminders; talks to the running daemon.
    Ack {
        /// Config file (for server.listen and api_token) [default: $STURMGLAS_CONFIG, else
        /// /etc/sturmglas/sturmglas.toml]
        #[arg(short, long)]
        config: Option<PathBuf>,
        /// The id of an alert notice (`/api/v1/alerts`, or the email's ack link).
        id: String,
        /// Who is handling it [default: $USER].
        #[arg(long)]
        by: Option<String>,
        /// A note for the others (what is being done).
        #[arg(long, default_value = "")]
        comment: String,
    },
}

/// `sturmglas silence add|list|expire`.
#[derive(Subcommand)]
pub enum SilenceAction {
    /// Add a silence: matching notices are recorded but not sent until it ends.
    Add {
        /// Config file [default: $STURMGLAS_CONFIG, else /etc/sturmglas/sturmglas.toml]
        #[arg(short, long)]
        config: Option<PathBuf>,
        /// The brand, or `*` for all brands.
        #[arg(long)]
        brand: String,
        /// How long, e.g. 2h, 90m, 1d.
        #[arg(long = "for", value_name = "DURATION")]
        duration: String,
        /// Why (the campaign, the known issue); shown with the silence.
        #[arg(long)]
        comment: String,
        /// Only notices of this kind (storm, buzz, volume, source, reach); may repeat.
        #[arg(long = "kind")]
        kinds: Vec<String>,
        /// Who adds it [default: $USER].
        #[arg(long)]
        by: Option<String>,
    },
    /// List the active silences and those ended in the last 24 hours.
    List {
        /// Config file [default: $STURMGLAS_CONFIG, else /etc/sturmglas/sturmglas.toml]
        #[arg(short, long)]
        config: Option<PathBuf>,
        /// Print the API's JSON instead of one line per silence.
        #[arg(long)]
        json: bool,
    },
    /// End a silence now; a held notice of an alert still firing is sent then.
    Expire {
        /// Config file [default: $STURMGLAS_CONFIG, else /etc/sturmglas/sturmglas.toml]
        #[arg(short, long)]
        config: Option<PathBuf>,
        /// The silence's id.
        id: String,
    },
}

/// The shells `sturmglas completions` writes scripts for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum TrainLang {
    De,
    En,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ClassWeightArg {
    Balanced,
    Uniform,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum LangArg {
    Auto,
    De,
    En,
}

// The argument structs of the replay and match commands. main.rs turns each into the library's
// plain argument struct; the defaults written here as literals are checked against the
// library's constants by main.rs's tests.

/// The format of a history to replay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Mention records, one JSON object per line (the contract's mention record).
    Jsonl,
    /// `timestamp,value` rows: one volume-only series named after the file.
    CountsCsv,
}

/// The history `backtest` and `tune` replay, and the config that names its brands.
#[derive(Debug, Clone, clap::Args)]
pub struct History {
    /// Config file [default: $STURMGLAS_CONFIG, else /etc/sturmglas/sturmglas.toml; optional
    /// with counts-csv]
    #[arg(short, long)]
    pub config: Option<PathBuf>,
    /// The history to replay.
    #[arg(long)]
    pub input: PathBuf,
    #[arg(long, value_enum, default_value = "jsonl")]
    pub format: Format,
}

/// Replay history through the detector and print the alerts that would have fired.
#[derive(Debug, Clone, clap::Args)]
pub struct BacktestArgs {
    #[command(flatten)]
    pub history: History,
    /// Print one alert event per line as JSON, and nothing else on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Replay history over a grid of thresholds; print alerts, delays to known incidents, false
/// alerts per month and the config lines of the best setting.
#[derive(Debug, Clone, clap::Args)]
pub struct TuneArgs {
    #[command(flatten)]
    pub history: History,
    /// Known incidents, `brand,start,end` rows with RFC 3339 times.
    #[arg(long)]
    pub incidents: Option<PathBuf>,
    /// The recommendation may cost at most this many false alerts a month.
    #[arg(long, value_name = "N", default_value_t = 2.0)]
    pub max_false_per_month: f64,
}

/// Try the config's brands on texts.
#[derive(Debug, Clone, clap::Args)]
pub struct MatchArgs {
    /// Config file [default: $STURMGLAS_CONFIG, else /etc/sturmglas/sturmglas.toml]
    #[arg(short, long)]
    pub config: Option<PathBuf>,
    /// Only this brand.
    #[arg(long, value_name = "B")]
    pub brand: Option<String>,
    /// The texts' language, as a mention's `lang` would declare it; detected when absent.
    #[arg(long, value_name = "CODE")]
    pub lang: Option<String>,
    /// The texts' source, as a mention's `source` would name it; without it, brands'
    /// `sources` filters are not applied (and said so).
    #[arg(long, value_name = "NAME")]
    pub source: Option<String>,
    /// Texts to try; stdin lines when none are given.
    pub text: Vec<String>,
}
