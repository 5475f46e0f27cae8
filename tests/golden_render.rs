//! The words a person reads, against golden files: the demo storm's three notices (warning,
//! critical, all-clear) as their subject and plain-text body, in German with Berlin times and
//! in English with UTC times. The events are `backtest --json` over the demo recording
//! (`tests/fixtures/golden/demo-events.jsonl`), so the brief's fields are real ones.
//!
//! A wording change is a change of these files: run `UPDATE_GOLDEN=1 cargo test --test
//! golden_render` and review the diff like code.

use std::path::PathBuf;

use sturmglas::alert::AlertEvent;
use sturmglas::config::notify::{Language, Locale};
use sturmglas::notify::{i18n, render};

fn golden(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/golden")
        .join(name)
}

fn events() -> Vec<AlertEvent> {
    std::fs::read_to_string(golden("demo-events.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn rendered(loc: &Locale) -> String {
    let mut out = String::new();
    for e in events() {
        out.push_str("Subject: ");
        out.push_str(&i18n::subject(&e, loc));
        out.push_str("\n\n");
        out.push_str(&render::text(&e, loc));
        out.push_str("\n----------------------------------------\n");
    }
    out
}

fn check(file: &str, loc: Locale) {
    let got = rendered(&loc);
    let path = golden(file);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (UPDATE_GOLDEN=1 writes it)", path.display()));
    if got != want {
        let line = got
            .lines()
            .zip(want.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(got.lines().count().min(want.lines().count()));
        panic!(
            "{} differs from the rendering at line {}:\n  golden:   {:?}\n  rendered: {:?}\n(UPDATE_GOLDEN=1 rewrites it after review)",
            path.display(),
            line + 1,
            want.lines().nth(line),
            got.lines().nth(line)
        );
    }
}

#[test]
fn german_with_berlin_times_matches_its_golden_file() {
    check(
        "demo.de.txt",
        Locale {
            language: Language::De,
            timezone: chrono_tz::Europe::Berlin,
        },
    );
}

#[test]
fn english_with_utc_times_matches_its_golden_file() {
    check("demo.en.txt", Locale::default());
}
