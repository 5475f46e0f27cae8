//! End-to-end: `sturmglas calibrate` on a team's own labelled posts, and the config lines it
//! prints taken up by `sturmglas check` and `sturmglas sentiment -c`.

mod harness;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use harness::stdout_ok;

fn sturmglas() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sturmglas"))
}

/// Invented posts of a team that calls mild gripes neutral and only outrage negative: the
/// calibrated German pair (-0.19) calls the gripes negative.
const STRICT: &str = "label\ttext
neutral\tEher schwach heute
neutral\tLeider ausverkauft
neutral\tDie App ist etwas umständlich
neutral\tEin bisschen teuer
neutral\tLieferung verspätet sich um einen Tag
neutral\tDer Tarif ist eher teuer
neutral\tKleiner Fehler in der Rechnung
neutral\tHeute geschlossen wegen Inventur
neutral\tNeue Filiale in Köln
neutral\tDas Paket kommt Montag
negative\tFurchtbar, nie wieder
negative\tEine Frechheit, totale Abzocke
negative\tUnverschämt und dreist
negative\tKatastrophe, ich kündige
positive\tSuper Service, danke
positive\tSehr gut
positive\tToll gemacht
";

fn calibrate(dir: &Path, posts: &str) -> Output {
    calibrate_with(dir, posts, &[])
}

/// `sturmglas calibrate` on `posts`, written to `dir/posts.tsv`, with `extra` arguments.
fn calibrate_with(dir: &Path, posts: &str, extra: &[&std::ffi::OsStr]) -> Output {
    let input = dir.join("posts.tsv");
    std::fs::write(&input, posts).unwrap();
    sturmglas()
        .args(["calibrate", "--lang", "de", "--input"])
        .arg(&input)
        .args(extra)
        .output()
        .unwrap()
}

/// The config lines that `calibrate` offers, after its line that starts with `verdict`.
fn offered<'a>(stdout: &'a str, verdict: &str) -> Vec<&'a str> {
    stdout
        .lines()
        .skip_while(|l| !l.starts_with(verdict))
        .skip(1)
        .collect()
}

/// Writes `lines` as the `[sentiment]` section of a config in `dir`; `sturmglas check` must
/// accept it. Returns the config's path and the summary `check` printed.
fn checked_config(dir: &Path, lines: &[&str]) -> (PathBuf, String) {
    let config = dir.join("sturmglas.toml");
    std::fs::write(&config, format!("[sentiment]\n{}\n", lines.join("\n"))).unwrap();
    let out = sturmglas()
        .arg("check")
        .arg("-c")
        .arg(&config)
        .output()
        .unwrap();
    let summary = stdout_ok(&out);
    (config, summary)
}

#[test]
fn calibrate_prints_thresholds_that_check_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let out = calibrate(dir.path(), STRICT);
    let stdout = stdout_ok(&out);
    assert!(
        stdout.contains("17 posts: 4 negative, 10 neutral, 3 positive"),
        "{stdout}"
    );
    assert!(
        stdout.contains("built in:        -0.19 / +0.47: n 17"),
        "{stdout}"
    );
    // The gripes score -0.28 to -0.40 and the outrage -0.75 and below: the boundary nearest
    // the calibrated one that separates them is -0.41; the positive one needs no change.
    assert!(
        stdout.contains("best for these:  -0.41 / +0.47: n 17, accuracy 1.000"),
        "{stdout}"
    );
    // Chosen on four fifths of the posts, the pair still labels the last fifth right.
    assert!(
        stdout.contains("chosen on other posts (5-fold cross-validation): n 17, accuracy 1.000"),
        "{stdout}"
    );
    let lines = offered(&stdout, "Chosen on other posts, a calibration gains +0.335");
    assert_eq!(
        lines,
        ["negative_de = -0.41", "positive_de = 0.47"],
        "{stdout}"
    );
    let (config, summary) = checked_config(dir.path(), &lines);
    assert!(
        summary.contains("de label thresholds -0.41 / +0.47"),
        "{summary}"
    );

    // `sentiment -c` labels as the daemon with that config would.
    let label = |extra: &[&str]| {
        let out = sturmglas()
            .args(["sentiment", "--lang", "de", "--json"])
            .args(extra)
            .arg("Eher schwach heute")
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["label"].as_str().unwrap().to_string()
    };
    assert_eq!(label(&[]), "negative");
    let c = config.to_str().unwrap();
    assert_eq!(label(&["-c", c]), "neutral");
}

#[test]
fn sentiment_refuses_an_invalid_config() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("bad.toml");
    std::fs::write(&config, "[sentiment]\nnegative_de = 0.3\n").unwrap();
    let out = sturmglas()
        .args(["sentiment", "--lang", "de", "-c"])
        .arg(&config)
        .arg("Eher schwach heute")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.toml:2:15: negative_de must be at least -1.0"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
}

/// Invented posts of a team whose feed shares news headlines that read negative and that it
/// calls neutral, beside mild complaints of its own customers that it calls negative.
const HEADLINES: &str = "label\ttext
neutral\tSkandal um Lieferengpass bei Nordwind https://news.example/a
neutral\tPanne bei der Bahn: Stellwerk ausgefallen https://news.example/b
neutral\tÄrger um neue Gebühren https://news.example/c
neutral\tChaos am Flughafen nach Streik https://news.example/d
neutral\tBetrugsverdacht: Ermittlungen gegen Händler https://news.example/e
neutral\tKrise bei Autobauer verschärft sich https://news.example/f
neutral\tDas Paket kommt Montag
neutral\tNeue Filiale in Köln
neutral\tHeute geschlossen wegen Inventur
neutral\tDer Tarif gilt ab Januar
negative\tEher schwach heute
negative\tLeider wieder zu spät
negative\tDie App ist umständlich
negative\tSchon wieder kaputt
negative\tFurchtbar, nie wieder
negative\tEine Frechheit, totale Abzocke
positive\tSuper Service, danke
positive\tSehr gut
positive\tToll gemacht
positive\tKlasse, gerne wieder https://shop.example/x
";

#[test]
fn calibrate_weighs_shared_links_when_the_team_calls_headlines_neutral() {
    let dir = tempfile::tempdir().unwrap();
    let out = calibrate(dir.path(), HEADLINES);
    let stdout = stdout_ok(&out);
    assert!(stdout.contains("7 of them share a link"), "{stdout}");
    // The headlines score -0.46 to -0.72, the mild complaints -0.28 to -0.56: no pair of
    // boundaries alone tells them apart; weighed by 0.3 the headlines stay above -0.22.
    assert!(
        stdout.contains("best for these:  -0.22 / +0.15, linked posts x0.3: n 20, accuracy 1.000"),
        "{stdout}"
    );
    let lines = offered(&stdout, "Chosen on other posts, a calibration gains +0.103");
    assert_eq!(
        lines,
        [
            "negative_de = -0.22",
            "positive_de = 0.15",
            "link_weight_de = 0.3"
        ],
        "{stdout}"
    );
    let (config, summary) = checked_config(dir.path(), &lines);
    assert!(summary.contains("de link weight 0.3"), "{summary}");
    // A new headline is neutral when shared, and the same words said by a customer are not.
    let c = config.to_str().unwrap();
    let out = sturmglas()
        .args(["sentiment", "--lang", "de", "--json", "-c", c])
        .arg("Panne bei Nordwind: Hotline ausgefallen https://news.example/z")
        .arg("Panne bei Nordwind: Hotline ausgefallen")
        .output()
        .unwrap();
    let labels: Vec<String> = stdout_ok(&out)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["label"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(labels, ["neutral", "negative"]);
}

#[test]
fn calibrate_with_a_config_starts_from_its_calibration() {
    let dir = tempfile::tempdir().unwrap();
    let run = |config: &str| {
        let path = dir.path().join("in-use.toml");
        std::fs::write(&path, config).unwrap();
        calibrate_with(dir.path(), HEADLINES, &["-c".as_ref(), path.as_os_str()])
    };
    // The calibration the team set last time is as good as any: it is kept.
    let out = run("[sentiment]\nnegative_de = -0.22\npositive_de = 0.15\nlink_weight_de = 0.3\n");
    let stdout = stdout_ok(&out);
    assert!(
        stdout.contains("in use:          -0.22 / +0.15, linked posts x0.3: n 20, accuracy 1.000"),
        "{stdout}"
    );
    assert!(
        stdout.contains("over the one in use: keep the one in use."),
        "{stdout}"
    );
    assert!(!stdout.contains("Note:"), "no model, no note: {stdout}");
    // A config that weighs links already: the offered lines leave its weight alone.
    let out = run("[sentiment]\nlink_weight_de = 0.3\n");
    let stdout = stdout_ok(&out);
    let lines = offered(&stdout, "Chosen on other posts, a calibration gains");
    assert_eq!(
        lines,
        ["negative_de = -0.22", "positive_de = 0.15"],
        "{stdout}"
    );
    // A config whose German model labels the posts: the calibration would not.
    let model = dir.path().join("de.model");
    let out = sturmglas()
        .args(["train", "--lang", "de", "--buckets", "1024", "--input"])
        .arg(dir.path().join("posts.tsv"))
        .arg("--output")
        .arg(&model)
        .output()
        .unwrap();
    stdout_ok(&out);
    let out = run("[sentiment]\nmodel_de = \"de.model\"\n");
    let stdout = stdout_ok(&out);
    assert!(
        stdout.contains("\nNote: the config's de model labels these posts in the daemon"),
        "{stdout}"
    );
    // An invalid config is refused with its position, as by `check`.
    let out = run("[sentiment]\nlink_weight_de = 2\n");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("in-use.toml:2:18: link_weight_de must be"),
        "{err}"
    );
}

#[test]
fn calibrate_keeps_the_built_in_pair_when_it_is_as_good() {
    let dir = tempfile::tempdir().unwrap();
    let agreeing = "negative\tFurchtbar, nie wieder\nneutral\tMorgen Wartung\npositive\tSuper Service, danke\n";
    let out = calibrate(dir.path(), agreeing);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("(3-fold cross-validation)"),
        "one post per fold: {stdout}"
    );
    assert!(
        stdout.contains("gains +0.000 macro-F1 over the built-in one: keep the built-in one."),
        "{stdout}"
    );
    assert!(!stdout.contains("negative_de ="), "{stdout}");
}

#[test]
fn calibrate_refuses_one_class_and_malformed_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = calibrate(dir.path(), "negative\tFurchtbar\nnegative\tAbzocke\n");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("calibration needs posts of at least two classes"),
        "{err}"
    );
    let out = calibrate(dir.path(), "negative\tFurchtbar\nschlimm\tAbzocke\n");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("posts.tsv:2: unknown label \"schlimm\""),
        "{err}"
    );
}
