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
