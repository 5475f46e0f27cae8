//! The binary's commands that run without a daemon: `check`, `sentiment`, `--help`.

use std::process::Command;

fn sturmglas() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sturmglas"))
}

#[test]
fn check_reports_unknown_keys_with_line_and_column_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.toml");
    std::fs::write(
        &p,
        "[[brands]]\nname = \"A\"\nkeywords = [\"a\"]\nkeywrds = [\"b\"]\n",
    )
    .unwrap();
    let out = sturmglas().args(["check", "-c"]).arg(&p).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("{}:4:1: ", p.display())), "{err}");
    assert!(err.contains("unknown field `keywrds`"), "{err}");
}

#[test]
fn check_accepts_the_shipped_example_config() {
    let out = sturmglas()
        .args(["check", "-c", "config/sturmglas.toml"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("is valid"));
}

#[test]
fn check_uses_the_environment_variable_for_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("c.toml");
    std::fs::write(&p, "[[brands]]\nname = \"A\"\nkeywords = [\"a\"]\n").unwrap();
    let out = sturmglas()
        .arg("check")
        .env("STURMGLAS_CONFIG", &p)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn sentiment_json_has_the_contract_fields() {
    let out = sturmglas()
        .args([
            "sentiment",
            "--json",
            "Nordwind ist eine Abzocke, nie wieder!",
            "I love it",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["label"], "negative");
    assert_eq!(lines[0]["lang"], "de");
    assert!(lines[0]["score"].as_f64().unwrap() < 0.0);
    assert_eq!(lines[1]["label"], "positive");
}

#[test]
fn every_command_has_help() {
    for cmd in [
        "run",
        "check",
        "demo",
        "backtest",
        "sentiment",
        "test-alert",
        "train",
    ] {
        let out = sturmglas().args([cmd, "--help"]).output().unwrap();
        assert!(out.status.success(), "{cmd} --help");
    }
}

#[test]
fn run_exits_2_on_a_config_error_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.toml");
    std::fs::write(&p, "[server]\nlisten = \"nowhere\"\n").unwrap();
    let out = sturmglas().args(["run", "-c"]).arg(&p).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains(":2:10: invalid listen address"));
}

/// The commented examples in config/sturmglas.toml are documentation users copy: uncommented,
/// every one of them must be accepted.
#[test]
fn every_commented_example_in_the_shipped_config_is_valid() {
    let src = std::fs::read_to_string("config/sturmglas.toml").unwrap();
    let mut out = String::new();
    let mut in_examples = false;
    for line in src.lines() {
        in_examples |= line.starts_with("# [[notify.email]]");
        let body = line.strip_prefix("# ").unwrap_or("");
        let is_key = body.split_once(" = ").is_some_and(|(k, _)| {
            !k.is_empty() && k.chars().all(|c| c.is_ascii_lowercase() || c == '_')
        });
        let is_table = body.starts_with('[') && !body.starts_with("[...]");
        if in_examples && (is_key || is_table) {
            out.push_str(body);
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    let dir = tempfile::tempdir().unwrap();
    for f in [
        "smtp-password",
        "webhook-secret",
        "mastodon-token",
        "reddit-secret",
        "x-bearer",
        "pd-key",
        "genie-key",
        "ntfy-token",
    ] {
        std::fs::write(dir.path().join(f), "secret\n").unwrap();
    }
    // The [sentiment] example names model files next to the config: train tiny ones there.
    let posts = dir.path().join("posts.tsv");
    std::fs::write(
        &posts,
        "negative\tkein Netz\nneutral\tneuer Tarif\npositive\tdanke, super\n",
    )
    .unwrap();
    for lang in ["de", "en"] {
        let model = dir.path().join(format!("sentiment-{lang}.model"));
        let run = sturmglas()
            .args(["train", "--lang", lang, "--buckets", "1024", "--input"])
            .arg(&posts)
            .arg("--output")
            .arg(&model)
            .output()
            .unwrap();
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
    }
    let p = dir.path().join("full.toml");
    std::fs::write(&p, out).unwrap();
    let run = sturmglas()
        .args(["check", "-c"])
        .arg(&p)
        .env("CREDENTIALS_DIRECTORY", dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(
        stdout.contains("1 rss, 1 mastodon, 1 bluesky, 1 reddit, 1 hackernews, 1 x"),
        "{stdout}"
    );
    assert!(stdout.contains("webhook \"ops-chat\""), "{stdout}");
    assert!(
        stdout.contains("sentiment: lexicons + de learned model")
            && stdout.contains("en learned model"),
        "{stdout}"
    );
    // The label boundaries it shows are the built-in ones, which the summary leaves out.
    assert!(src.contains("# negative_de = "), "the example shows them");
    assert!(!stdout.contains("label thresholds"), "{stdout}");
    assert!(
        src.contains("# link_weight_de = "),
        "the example shows them"
    );
    assert!(!stdout.contains("link weight"), "{stdout}");
}
