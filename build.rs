//! Renders the man pages and shell completions from `src/cli.rs` at build time, so that
//! `cargo deb` alone builds a package that ships them.
//!
//! Where they go: `$OUT_DIR/assets/` (what main.rs's drift test compares with), and a copy in
//! the profile's directory, `target/release/sturmglas-assets/` for `cargo deb`, whose asset
//! paths starting with `target/release/` name the real target directory (also under
//! `CARGO_TARGET_DIR` or `--target`). A build-script directory's hash is not stable (old ones
//! stay behind after a toolchain or feature change), so cargo-deb cannot glob into it; the
//! profile directory holds exactly one copy, replaced whole on every run, so a page of a removed
//! subcommand never lingers.
//!
//! `cli.rs` names a few library items, and a build script cannot link the library it belongs to,
//! so the crate is aliased as `sturmglas` here and the items are stand-ins below. A stand-in that
//! drifts from the real item changes the rendered pages, which main.rs's test
//! `build_time_assets_match_the_binary` catches.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::ValueEnum;

// `cli.rs` and `cli_assets.rs` are the binary's own files; what only the binary calls is
// unused here.
#[allow(dead_code)]
#[path = "src/cli.rs"]
mod cli;
#[allow(dead_code)]
#[path = "src/cli_assets.rs"]
mod cli_assets;

// `sturmglas::...` in cli.rs resolves to the stand-ins below.
extern crate self as sturmglas;

/// Stand-in for `sturmglas::backtest`'s command-line part (keep it word for word).
mod backtest {
    use std::path::PathBuf;

    #[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
    pub enum Format {
        /// Mention records, one JSON object per line (the contract's mention record).
        Jsonl,
        /// `timestamp,value` rows: one volume-only series named after the file.
        CountsCsv,
    }

    /// Replay history through the detector and print the alerts that would have fired.
    #[derive(Debug, Clone, clap::Args)]
    pub struct BacktestArgs {
        /// Config file [default: $STURMGLAS_CONFIG, else /etc/sturmglas/sturmglas.toml; optional
        /// with counts-csv]
        #[arg(short, long)]
        pub config: Option<PathBuf>,
        /// The history to replay.
        #[arg(long)]
        pub input: PathBuf,
        #[arg(long, value_enum, default_value = "jsonl")]
        pub format: Format,
        /// Print one alert event per line as JSON, and nothing else on stdout.
        #[arg(long)]
        pub json: bool,
    }
}

/// Stand-in for `sturmglas::tune`'s command-line part (keep it word for word).
mod tune {
    use super::backtest::Format;
    use std::path::PathBuf;

    /// Replay history over a grid of thresholds; print alerts, delays to known incidents, false
    /// alerts per month and the config lines of the best setting.
    #[derive(Debug, Clone, clap::Args)]
    pub struct TuneArgs {
        /// Config file [default: $STURMGLAS_CONFIG, else /etc/sturmglas/sturmglas.toml; optional
        /// with counts-csv]
        #[arg(short, long)]
        pub config: Option<PathBuf>,
        /// The history to replay.
        #[arg(long)]
        pub input: PathBuf,
        #[arg(long, value_enum, default_value = "jsonl")]
        pub format: Format,
        /// Known incidents, `brand,start,end` rows with RFC 3339 times.
        #[arg(long)]
        pub incidents: Option<PathBuf>,
        /// The recommendation may cost at most this many false alerts a month.
        #[arg(long, value_name = "N", default_value_t = 2.0)]
        pub max_false_per_month: f64,
    }
}

/// Stand-in for `sturmglas::match_tool`'s command-line part (keep it word for word).
mod match_tool {
    use std::path::PathBuf;

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
}

/// Stand-ins for the training defaults `cli.rs` shows (`sentiment::learned`).
mod sentiment {
    pub mod learned {
        pub const DEFAULT_BUCKETS: u32 = 1 << 18;
        pub const DEFAULT_L2: f64 = 3e-4;
        pub const DEFAULT_NEGATIVE_WEIGHT: f32 = 1.0;
        pub const DEFAULT_NB_SMOOTHING: f64 = 0.5;
    }
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=src/cli.rs");
    println!("cargo:rerun-if-changed=src/cli_assets.rs");

    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let assets = out_dir.join("assets");
    if let Err(e) = render(&assets, false) {
        panic!(
            "rendering man pages and completions into {}: {e}",
            assets.display()
        );
    }
    // OUT_DIR is <profile dir>/build/<package>-<hash>/out.
    let profile_dir = out_dir.ancestors().nth(3).filter(|_| {
        out_dir
            .parent()
            .and_then(Path::parent)
            .and_then(Path::file_name)
            == Some("build".as_ref())
    });
    match profile_dir {
        Some(dir) => {
            let copy = dir.join("sturmglas-assets");
            if let Err(e) = render(&copy, true) {
                panic!("rendering man pages and completions into {}: {e}", copy.display());
            }
        }
        None => println!(
            "cargo:warning=OUT_DIR {} is not in a profile directory; cargo deb will not find the man pages",
            out_dir.display()
        ),
    }
}

/// Replaces `dir` with `man/*.1` (gzipped to `man/*.1.gz` for the package, as Debian policy
/// wants, since cargo-deb compresses only pages it did not find in the target directory) and
/// `completions/{bash,zsh,fish}` (Cargo.toml's deb assets give each the name its shell looks up).
fn render(dir: &Path, gzip: bool) -> std::io::Result<()> {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let man = dir.join("man");
    std::fs::create_dir_all(&man)?;
    for (name, roff) in cli_assets::man_pages()? {
        if gzip {
            // No file name and mtime 0 in the header: the same pages give the same bytes.
            let file = std::fs::File::create(man.join(format!("{name}.gz")))?;
            let mut gz = flate2::GzBuilder::new().write(file, flate2::Compression::best());
            gz.write_all(&roff)?;
            gz.finish()?;
        } else {
            std::fs::write(man.join(name), roff)?;
        }
    }
    let completions = dir.join("completions");
    std::fs::create_dir_all(&completions)?;
    for &shell in cli::Shell::value_variants() {
        let name = shell.to_possible_value().expect("no shell is skipped");
        std::fs::write(
            completions.join(name.get_name()),
            cli_assets::completion(shell),
        )?;
    }
    Ok(())
}
