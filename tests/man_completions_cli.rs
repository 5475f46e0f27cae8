//! `sturmglas man [DIR]` and `sturmglas completions SHELL`, as a user (or the package build)
//! runs them.

use std::io::Write;
use std::process::{Command, Stdio};

fn sturmglas() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sturmglas"))
}

#[test]
fn man_writes_one_page_per_subcommand_into_the_named_directory() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("new/man1");
    let out = sturmglas().arg("man").arg(&target).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed = String::from_utf8(out.stdout).unwrap();
    let mut names: Vec<String> = std::fs::read_dir(&target)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    for page in [
        "sturmglas.1",
        "sturmglas-run.1",
        "sturmglas-check.1",
        "sturmglas-backtest.1",
        "sturmglas-completions.1",
        "sturmglas-man.1",
    ] {
        assert!(
            names.iter().any(|n| n == page),
            "{page} missing from {names:?}"
        );
    }
    assert!(!names.iter().any(|n| n == "sturmglas-help.1"), "{names:?}");
    // Each written file is named on stdout, one per line.
    assert_eq!(listed.lines().count(), names.len(), "{listed}");
    let top = std::fs::read_to_string(target.join("sturmglas.1")).unwrap();
    assert!(top.contains(".TH sturmglas 1"), "{top}");
    assert!(
        top.contains("sturmglas\\-run(1)"),
        "the top page lists the subcommand pages: {top}"
    );
}

#[test]
fn man_without_a_directory_writes_into_the_current_one() {
    let dir = tempfile::tempdir().unwrap();
    let out = sturmglas()
        .arg("man")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.path().join("sturmglas.1").is_file());
    assert!(dir.path().join("sturmglas-run.1").is_file());
}

#[test]
fn man_into_an_unwritable_place_fails_with_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plain-file");
    std::fs::write(&file, "x").unwrap();
    let out = sturmglas().arg("man").arg(&file).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&file.display().to_string()), "{err}");
}

#[test]
fn bash_completions_are_valid_bash_that_completes_sturmglas() {
    let out = sturmglas().args(["completions", "bash"]).output().unwrap();
    assert!(out.status.success());
    let script = String::from_utf8(out.stdout).unwrap();
    assert!(script.contains("complete -F _sturmglas"), "{script}");
    // bash parses it (-n: syntax only, nothing runs).
    let mut bash = Command::new("bash")
        .arg("-n")
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    bash.stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    let checked = bash.wait_with_output().unwrap();
    assert!(
        checked.status.success(),
        "{}",
        String::from_utf8_lossy(&checked.stderr)
    );
}

#[test]
fn zsh_and_fish_completions_name_the_binary() {
    for (shell, marker) in [
        ("zsh", "#compdef sturmglas"),
        ("fish", "complete -c sturmglas"),
    ] {
        let out = sturmglas().args(["completions", shell]).output().unwrap();
        assert!(out.status.success(), "{shell}");
        let script = String::from_utf8(out.stdout).unwrap();
        assert!(script.contains(marker), "{shell}: {script}");
        assert!(script.contains("backtest"), "{shell}: {script}");
    }
}

#[test]
fn an_unknown_shell_is_a_usage_error_listing_the_choices() {
    let out = sturmglas().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bash") && err.contains("zsh") && err.contains("fish"),
        "{err}"
    );
}
