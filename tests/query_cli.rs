//! Queries from the outside: `check` and `run` point into the TOML string of a bad query,
//! `check` prints each brand's query normalised, `sturmglas match` tries the brands on texts.

use std::process::Command;

fn sturmglas() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sturmglas"))
}

fn write(dir: &tempfile::TempDir, body: &str) -> std::path::PathBuf {
    let p = dir.path().join("sturmglas.toml");
    std::fs::write(&p, body).unwrap();
    p
}

/// Line 4 holds the query; its unclosed parenthesis is column 25 of that line (column 10 is
/// the opening quote, so the query's own offset 14 plus 11).
const BAD: &str = "[storage]\nstate_dir = \"/tmp/x\"\n[[brands]]\nname = \"Otto\"\nquery = '(otto OR paket AND (lieferung'\n";

#[test]
fn check_and_run_point_a_bad_query_at_its_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(&dir, BAD);
    for cmd in ["check", "run"] {
        let out = sturmglas().args([cmd, "-c"]).arg(&p).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{cmd}");
        let err = String::from_utf8_lossy(&out.stderr);
        let at = format!("{}:5:", p.display());
        let line = err
            .lines()
            .find(|l| l.contains(&at))
            .unwrap_or_else(|| panic!("{cmd}: {err}"));
        // The column lies inside the query string (after `query = '`, column 10).
        let col: usize = line[line.find(&at).unwrap() + at.len()..]
            .split(':')
            .next()
            .unwrap()
            .parse()
            .unwrap_or_else(|_| panic!("{cmd}: no column in {line}"));
        assert!((10..=40).contains(&col), "{cmd}: column {col} in {line}");
    }
}

#[test]
fn check_prints_each_query_normalised_and_match_applies_it() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        &dir,
        "[storage]\nstate_dir = \"/tmp/x\"\n[[brands]]\nname = \"Nordwind\"\nquery = '\"nordwind energie\"   AND NOT   segelschule'\n[[brands]]\nname = \"Otto\"\nquery = '(otto OR #otto) AND (paket OR lieferung NEAR/2 verspätet) AND NOT \"otto waalkes\"'\nlanguages = [\"de\"]\n",
    );
    let out = sturmglas().args(["check", "-c"]).arg(&p).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(
        stdout.contains("matches: \"nordwind energie\" AND NOT segelschule\n"),
        "{stdout}"
    );
    assert!(stdout.contains("languages: de"), "{stdout}");

    let out = sturmglas()
        .args(["match", "-c"])
        .arg(&p)
        .args([
            "--lang",
            "de",
            "Die Lieferung ist verspätet, danke Otto",
            "Die Lieferung von Otto ist schon wieder verspätet",
            "Otto Waalkes tritt heute auf",
            "Nordwind-Energie and segelschule",
            "NordwindEnergie and more",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let block = |needle: &str| {
        stdout
            .split('\n')
            .skip_while(|l| !l.contains(needle))
            .skip(1)
            .take_while(|l| l.starts_with("  "))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert!(
        block("Die Lieferung ist").contains("Otto: counts"),
        "{stdout}"
    );
    // Five words between lieferung and verspätet: beyond NEAR/2.
    assert!(
        !block("Die Lieferung von").contains("Otto: counts"),
        "{stdout}"
    );
    assert!(!block("Otto Waalkes").contains("Otto: counts"), "{stdout}");
    assert!(
        !block("Nordwind-Energie and segelschule").contains("Nordwind: counts"),
        "{stdout}"
    );
    assert!(
        block("NordwindEnergie and more").contains("Nordwind: counts"),
        "{stdout}"
    );
}

/// The query example in config/sturmglas.toml is what users copy: uncommented, it must pass
/// `check` and be printed normalised.
#[test]
fn the_shipped_query_example_is_valid() {
    let src = std::fs::read_to_string("config/sturmglas.toml").unwrap();
    let example: Vec<&str> = src
        .lines()
        .skip_while(|l| *l != "# [[brands]]")
        .take_while(|l| l.starts_with("# "))
        .map(|l| &l[2..])
        .collect();
    assert!(
        example.iter().any(|l| l.starts_with("query = ")),
        "{example:?}"
    );
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        &dir,
        &format!(
            "[storage]\nstate_dir = \"/tmp/x\"\n{}\n",
            example.join("\n")
        ),
    );
    let out = sturmglas().args(["check", "-c"]).arg(&p).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("matches: ") && stdout.contains("abzock*"),
        "{stdout}"
    );
}
