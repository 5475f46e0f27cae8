//! `sturmglas match`: tries a config's brands on texts, so a query can be tested before it
//! goes live. For each text it prints the brands the text counts for with the terms that
//! matched, and for every brand whose terms were found but that does not count, why not.
//!
//! Invariant: it judges exactly as the engine does: the same matcher, the same filters, and
//! the same language detection when a brand filters on language and no `--lang` is given.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use crate::config::{self, Brand, Config};
use crate::matching::{BrandMatcher, BrandSpec, Candidate};
use crate::sentiment::Analyzer;

/// Which brands `match` tries on which texts; the binary's `cli.rs` fills it from the flags.
#[derive(Debug, Clone)]
pub struct MatchArgs {
    /// Config file [default: $STURMGLAS_CONFIG, else /etc/sturmglas/sturmglas.toml]
    pub config: Option<PathBuf>,
    /// Only this brand.
    pub brand: Option<String>,
    /// The texts' language, as a mention's `lang` would declare it; detected when absent.
    pub lang: Option<String>,
    /// The texts' source, as a mention's `source` would name it; without it, brands'
    /// `sources` filters are not applied (and said so).
    pub source: Option<String>,
    /// Texts to try; stdin lines when none are given.
    pub text: Vec<String>,
}

/// Why `match` could not run.
#[derive(Debug, thiserror::Error)]
pub enum MatchToolError {
    #[error("{0}")]
    Config(config::ConfigErrors),
    #[error("no brand named {0:?}; configured: {1}")]
    UnknownBrand(String, String),
    #[error(transparent)]
    Build(#[from] crate::matching::MatchError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Runs the command: 0 when it ran, 2 on a config error, 1 on any other error.
pub fn run(args: &MatchArgs) -> ExitCode {
    let path = config::resolve_config_path(args.config.as_deref());
    let result = config::load(&path)
        .map_err(MatchToolError::Config)
        .and_then(|c| {
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            try_texts(&c, args, &mut out)
        });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(MatchToolError::Config(e)) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("sturmglas match: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Judges the texts of `args` (or stdin lines) against the config's brands, into `out`.
pub fn try_texts(
    config: &Config,
    args: &MatchArgs,
    out: &mut dyn Write,
) -> Result<(), MatchToolError> {
    let brands: Vec<&Brand> = match &args.brand {
        None => config.brands.iter().collect(),
        Some(name) => {
            let b: Vec<&Brand> = config.brands.iter().filter(|b| b.name == *name).collect();
            if b.is_empty() {
                let names: Vec<&str> = config.brands.iter().map(|b| b.name.as_str()).collect();
                return Err(MatchToolError::UnknownBrand(name.clone(), names.join(", ")));
            }
            b
        }
    };
    let specs: Vec<BrandSpec<'_>> = brands.iter().map(|b| b.spec()).collect();
    let matcher = BrandMatcher::new(&specs)?;
    let mut tool = Tool {
        brands,
        matcher,
        analyzer: None,
        args,
    };
    if args.text.is_empty() {
        for line in std::io::stdin().lock().lines() {
            let line = line?;
            if !line.trim().is_empty() {
                tool.judge(&line, out)?;
            }
        }
    } else {
        for t in &args.text {
            tool.judge(t, out)?;
        }
    }
    Ok(())
}

struct Tool<'a> {
    brands: Vec<&'a Brand>,
    matcher: BrandMatcher,
    /// Loaded on the first text that needs its language detected.
    analyzer: Option<Analyzer>,
    args: &'a MatchArgs,
}

impl Tool<'_> {
    fn judge(&mut self, text: &str, out: &mut dyn Write) -> Result<(), MatchToolError> {
        writeln!(out, "{text}")?;
        let candidates = self.matcher.explain(text);
        let mut lang: Option<Option<String>> = self.args.lang.clone().map(Some);
        let mut any = false;
        for c in &candidates {
            let brand = self.brands[c.brand];
            let f = &brand.filters;
            let mut why_not = why_not(c);
            let mut note = String::new();
            if why_not.is_none() {
                if let Some(s) = &self.args.source {
                    if !f.admits_source(Some(s)) {
                        why_not = Some(format!(
                            "source {s:?} is not one of its sources ({})",
                            f.sources.join(", ")
                        ));
                    }
                } else if !f.sources.is_empty() {
                    note = format!(
                        "; only from sources {} (not checked: give --source)",
                        f.sources.join(", ")
                    );
                }
            }
            if why_not.is_none() && f.wants_language() {
                let code = lang.get_or_insert_with(|| {
                    let a = self.analyzer.get_or_insert_with(Analyzer::new);
                    a.detect_lang(text).map(|l| l.as_str().to_string())
                });
                if !f.admits_language(code.as_deref()) {
                    let is = match code {
                        Some(c) => format!("language {c}"),
                        None => "language not recognised".to_string(),
                    };
                    why_not = Some(format!(
                        "{is}, not one of its languages ({})",
                        f.languages.join(", ")
                    ));
                }
            }
            let terms = c.terms.join(", ");
            match why_not {
                None => {
                    any = true;
                    writeln!(out, "  {}: counts (matched {terms}){note}", brand.name)?;
                }
                Some(why) => writeln!(
                    out,
                    "  {}: does not count: {why} (found {})",
                    brand.name,
                    if terms.is_empty() { "-" } else { &terms }
                )?,
            }
        }
        if !any && candidates.is_empty() {
            writeln!(out, "  no brand")?;
        }
        Ok(())
    }
}

/// Why the matcher did not count a candidate; `None` when it did.
fn why_not(c: &Candidate) -> Option<String> {
    if c.counts {
        return None;
    }
    Some(if !c.negated.is_empty() {
        format!("its query excludes {}", c.negated.join(", "))
    } else if c.terms.is_empty() && !c.excluded.is_empty() {
        format!(
            "every keyword found is inside an exclude phrase ({})",
            c.excluded.join(", ")
        )
    } else {
        "its query needs more than was found".to_string()
    })
}
