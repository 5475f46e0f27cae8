//! End-to-end: the learned sentiment layer through the real binary — `train`, `sentiment
//! --model`, `check` with a `[sentiment]` section, and a daemon picking up a model on SIGHUP.

mod harness;

use std::path::Path;
use std::process::Command;

use harness::{config, free_port, ndjson, stdout_ok, Daemon, TOKEN};

fn sturmglas() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sturmglas"))
}

/// Invented telecom posts: "nur Edge" and "Empfang weg" are complaints the lexicon cannot see.
const POSTS: &str = "label\ttext
negative\tSchon wieder kein Netz im Büro
negative\tEmpfang weg im ganzen Dorf seit Montag
negative\tIm Zug nach Hamburg nur Edge
negative\tWieder kein Netz in der Innenstadt #nordwind
negative\tNur Edge im Neubaugebiet, seit Wochen
negative\tKein Netz beim Wandern, Notruf unmöglich
negative\tEmpfang weg am Bahnhof, wie jeden Morgen
neg\tDie Rechnung ist falsch und niemand hilft
-1\tAbzocke! Nie wieder Nordwind
negative\tEmpfang weg im Keller, kein Internet
neutral\tNordwind stellt morgen neue Tarife vor
neutral\tWo finde ich die Kundennummer auf der Rechnung?
neutral\tDer Laden in der Hauptstraße hat ab Montag geöffnet
neutral\tNetzausbau: zwanzig neue Masten in Bayern
neu\tHat jemand den neuen Vertrag schon gelesen?
neutral\tDie SIM-Karte kommt per Post
0\tMorgen Wartungsarbeiten zwischen zwei und vier Uhr
neutral\tDer Vertrag läuft bis März
neutral\tTarifwechsel geht über die App oder im Laden
neutral\tNordwind meldet Zahlen für das dritte Quartal
positive\tSuper Service, danke Nordwind!
positive\tEndlich volles Netz im Keller, toll
positive\tSehr freundliche Beratung im Laden heute
pos\tSchnelles Internet und faire Preise, top
1\tDanke für die schnelle Hilfe an der Hotline
positive\tMega zufrieden mit dem neuen Tarif
positive\tKann Nordwind nur empfehlen
positive\tTolles Netz, auch im Zug stabil
positive\tDer Techniker war pünktlich und sehr nett
positive\tPerfekter Empfang im ganzen Haus, danke
";

const UNSEEN: &str = "Empfang weg auf der Autobahn bei Kassel";

/// Runs `sturmglas train` on `POSTS` (written into `dir`) with `extra` options; the model
/// goes to `dir/de.model`.
fn run_train(dir: &Path, extra: &[&str]) -> (std::process::Output, std::path::PathBuf) {
    let posts = dir.join("posts.tsv");
    std::fs::write(&posts, POSTS).unwrap();
    let model = dir.join("de.model");
    let out = sturmglas()
        .args(["train", "--lang", "de", "--buckets", "4096"])
        .args(extra)
        .arg("--input")
        .arg(&posts)
        .arg("--output")
        .arg(&model)
        .output()
        .unwrap();
    (out, model)
}

fn train_model(dir: &Path, extra: &[&str]) -> std::path::PathBuf {
    let (out, model) = run_train(dir, &[&["--l2", "1e-4"], extra].concat());
    let stdout = stdout_ok(&out);
    assert!(
        stdout.contains("30 posts: 10 negative, 10 neutral, 10 positive"),
        "{stdout}"
    );
    let words: usize = stdout
        .split("4096 buckets, ")
        .nth(1)
        .and_then(|r| r.split(" words in its word table").next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no word table count: {stdout}"));
    assert!((50..200).contains(&words), "{stdout}");
    model
}

fn score(args: &[&str]) -> serde_json::Value {
    let out = sturmglas()
        .args(["sentiment", "--lang", "de", "--json"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn train_then_score_with_the_model() {
    let dir = tempfile::tempdir().unwrap();
    let model = train_model(dir.path(), &[]);
    let m = model.to_str().unwrap();
    assert_eq!(score(&[UNSEEN])["label"], "neutral", "the lexicon alone");
    let v = score(&["--model", m, UNSEEN]);
    assert_eq!(v["label"], "negative", "{v}");
    assert!(v["score"].as_f64().unwrap() < 0.0, "{v}");
    let v = score(&["--model", m, "--explain", UNSEEN]);
    assert!(
        v["explain"]["model"]["probabilities"]["negative"]
            .as_f64()
            .unwrap()
            > 0.4
    );
    let out = sturmglas()
        .args([
            "sentiment",
            "--lang",
            "de",
            "--explain",
            "--model",
            m,
            UNSEEN,
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("learned model: p(negative)"), "{text}");
    assert!(text.contains("towards negative:"), "{text}");
    // English posts are not the German model's business.
    let out = sturmglas()
        .args(["sentiment", "--json", "--model", m, "I love it"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["label"], "positive");
}

#[test]
fn train_reports_holdout_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let (out, _) = run_train(dir.path(), &["--holdout", "0.2"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("holdout:      n 6, accuracy"), "{stdout}");
    assert!(stdout.contains("negative precision"), "{stdout}");
    assert!(stdout.contains("lexicon only: n 6"), "{stdout}");
}

#[test]
fn train_cross_validates_then_trains_on_all_posts() {
    let dir = tempfile::tempdir().unwrap();
    let (out, model) = run_train(dir.path(), &["--cv", "3"]);
    let stdout = stdout_ok(&out);
    let line = |prefix: &str| {
        stdout
            .lines()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no {prefix:?} in {stdout}"))
            .to_string()
    };
    let accuracy = |l: &str| -> f64 {
        let after = l.split("accuracy ").nth(1).expect(l);
        after.split(',').next().unwrap().parse().expect(l)
    };
    let cv = line("cross-validation (3 folds): n 30, accuracy");
    line("lexicon only:               n 30, accuracy");
    let trained = line("training set: n 30, accuracy");
    // Every post scored by a model that never saw it: below what the final model scores on
    // the posts it was trained on.
    assert!(accuracy(&cv) < accuracy(&trained), "{stdout}");
    assert!(model.exists());
}

/// The labelling workflow the README gives: `sentiment --json` drafts the labels, the user
/// corrects them, and `train` reads the draft as it is.
#[test]
fn sentiment_json_output_is_training_input() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let texts: String = POSTS
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once('\t'))
        .map(|(_, t)| format!("{t}\n"))
        .collect();
    let mut child = sturmglas()
        .args(["sentiment", "--lang", "de", "--json"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(texts.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let draft = dir.path().join("draft.jsonl");
    std::fs::write(&draft, &out.stdout).unwrap();
    let model = dir.path().join("de.model");
    let out = sturmglas()
        .args(["train", "--lang", "de", "--buckets", "4096", "--input"])
        .arg(&draft)
        .arg("--output")
        .arg(&model)
        .output()
        .unwrap();
    let stdout = stdout_ok(&out);
    assert!(stdout.contains(": 30 posts: "), "{stdout}");
    assert!(model.exists());
}

#[test]
fn train_refuses_bad_fold_counts() {
    let dir = tempfile::tempdir().unwrap();
    let (out, model) = run_train(dir.path(), &["--cv", "1"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--cv needs at least 2 folds, not 1"), "{err}");
    let (out, _) = run_train(dir.path(), &["--cv", "31"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cross-validation needs 2 to 30 folds (one post each at least), not 31"),
        "{err}"
    );
    let (out, _) = run_train(dir.path(), &["--cv", "3", "--holdout", "0.2"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot be used with"), "{err}");
    assert!(!model.exists());
}

#[test]
fn train_refuses_bad_options_before_reading_and_can_turn_naive_bayes_off() {
    let dir = tempfile::tempdir().unwrap();
    let run = |extra: &[&str]| run_train(dir.path(), extra);
    let (out, model) = run(&["--nb-smoothing=-1"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--nb-smoothing must be 0 (off) or a positive count, not -1"),
        "{err}"
    );
    assert!(!model.exists());
    let (out, _) = run(&["--nb-smoothing", "0"]);
    assert!(out.status.success(), "{out:?}");
    let plain = std::fs::read(&model).unwrap();
    let (out, _) = run(&[]);
    assert!(out.status.success(), "{out:?}");
    assert_ne!(
        std::fs::read(&model).unwrap(),
        plain,
        "the Naive-Bayes penalty changes the weights"
    );
}

#[test]
fn train_refuses_a_file_with_bad_lines() {
    let dir = tempfile::tempdir().unwrap();
    let posts = dir.path().join("posts.jsonl");
    std::fs::write(
        &posts,
        "{\"label\": \"negative\", \"text\": \"kein Netz\"}\n{\"label\": \"angry\", \"text\": \"x\"}\nnot json\n",
    )
    .unwrap();
    let model = dir.path().join("m");
    let out = sturmglas()
        .args(["train", "--lang", "de", "--input"])
        .arg(&posts)
        .arg("--output")
        .arg(&model)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    let p = posts.display();
    assert!(err.contains(&format!("{p}: 2 malformed lines")), "{err}");
    assert!(
        err.contains(&format!("{p}:2: unknown label \"angry\"")),
        "{err}"
    );
    assert!(err.contains(&format!("{p}:3: invalid JSON")), "{err}");
    assert!(!model.exists());
}

#[test]
fn check_loads_the_configured_model_and_rejects_bad_ones() {
    let dir = tempfile::tempdir().unwrap();
    train_model(dir.path(), &[]);
    std::fs::write(dir.path().join("garbage.model"), "definitely not a model").unwrap();
    let check = |sentiment: &str| {
        let p = dir.path().join("c.toml");
        std::fs::write(
            &p,
            format!("[[brands]]\nname = \"A\"\nkeywords = [\"a\"]\n\n[sentiment]\n{sentiment}\n"),
        )
        .unwrap();
        let out = sturmglas().args(["check", "-c"]).arg(&p).output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
            p,
        )
    };
    let (code, stdout, stderr, _) = check("model_de = \"de.model\"");
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stdout.contains("sentiment: lexicons + de learned model"),
        "{stdout}"
    );

    let (code, _, stderr, p) = check("model_de = \"garbage.model\"");
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains(&format!("{}:6:12: `model_de`: cannot use", p.display())),
        "{stderr}"
    );
    assert!(
        stderr.contains("not a sturmglas sentiment model"),
        "{stderr}"
    );

    let (code, _, stderr, _) = check("model_en = \"de.model\"");
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("model is for German (de), not English (en)"),
        "{stderr}"
    );

    let (code, _, stderr, _) = check("model_de = \"missing.model\"");
    assert_eq!(code, Some(2));
    assert!(stderr.contains("cannot read"), "{stderr}");
}

/// Posts the lexicon calls neutral make no storm; after SIGHUP with a model that knows they
/// are complaints, the same kind of posts do.
#[tokio::test]
async fn sighup_swaps_in_a_newly_configured_model() {
    let dir = tempfile::tempdir().unwrap();
    train_model(dir.path(), &[]);
    let port = free_port();
    let brands = "[[brands]]\nname = \"Nordwind\"\nkeywords = [\"Nordwind\"]\n";
    let d = Daemon::start(dir.path(), port, &config(port, dir.path(), brands)).await;
    let post = "Nordwind: im Regionalzug wieder nur Edge";
    d.post_mentions(ndjson("a", 60, post), Some(TOKEN)).await;
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    assert!(d.alerts().await.is_empty(), "neutral posts: no storm");

    let with_model = format!("{brands}\n[sentiment]\nmodel_de = \"de.model\"\n");
    std::fs::write(&d.config_path, config(port, dir.path(), &with_model)).unwrap();
    d.signal("HUP");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !d.log().contains("Config reloaded.") {
        assert!(std::time::Instant::now() < deadline, "{}", d.log());
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(d.log().contains("de learned model"), "{}", d.log());
    d.post_mentions(ndjson("b", 120, post), Some(TOKEN)).await;
    let alerts = d.wait_alerts(10, |a| !a.is_empty()).await;
    assert_eq!(alerts[0]["kind"], "storm", "{alerts:#?}");
}
