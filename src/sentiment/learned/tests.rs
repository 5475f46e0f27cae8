//! The learned layer end to end in the library: training on invented posts, the analyzer
//! with a model, explanations, and model files that must be refused.

use std::sync::{Arc, OnceLock};

use super::*;
use crate::sentiment::{Analyzer, Label, Lang};

fn analyzer() -> &'static Analyzer {
    static A: OnceLock<Analyzer> = OnceLock::new();
    A.get_or_init(Analyzer::new)
}

/// Invented posts for a telecom: no signal ("nur Edge", "Empfang weg") is a
/// complaint even without a single negative word, which the lexicon cannot know.
const GERMAN: &[(Label, &str)] = &[
    (Label::Negative, "Schon wieder ein Funkloch auf der A7"),
    (Label::Negative, "Nur Edge im ganzen Dorf seit Montag"),
    (
        Label::Negative,
        "Seit drei Tagen Funkloch in der Wohnung @nordwind",
    ),
    (Label::Negative, "Im Zug nach Hamburg nur Edge"),
    (Label::Negative, "Empfang weg am Bahnhof, wie jeden Morgen"),
    (Label::Negative, "Kein Netz im Büro, schon die zweite Woche"),
    (
        Label::Negative,
        "Wieder kein Netz in der Innenstadt #nordwind",
    ),
    (Label::Negative, "Kein Netz, kein Internet, nichts geht"),
    (
        Label::Negative,
        "Funkloch beim Kunden, Telefonat dreimal abgebrochen",
    ),
    (
        Label::Negative,
        "Die Rechnung ist falsch und niemand hilft, eine Frechheit",
    ),
    (Label::Negative, "Abzocke! Nie wieder Nordwind"),
    (
        Label::Negative,
        "Hotline seit Stunden nicht erreichbar, unverschämt 😡",
    ),
    (
        Label::Negative,
        "Wieder nur Edge im Neubaugebiet, seit Wochen",
    ),
    (Label::Negative, "Empfang weg, sobald ich das Haus verlasse"),
    (Label::Negative, "Empfang weg in der Tiefgarage, jeden Tag"),
    (Label::Negative, "Kein Netz beim Wandern, Notruf unmöglich"),
    (Label::Neutral, "Nordwind stellt morgen neue Tarife vor"),
    (
        Label::Neutral,
        "Wo finde ich die Kundennummer auf der Rechnung?",
    ),
    (
        Label::Neutral,
        "Der Laden in der Hauptstraße hat ab Montag geöffnet",
    ),
    (
        Label::Neutral,
        "Netzausbau: Nordwind plant zwanzig neue Masten in Bayern",
    ),
    (
        Label::Neutral,
        "Hat jemand den neuen Vertrag schon gelesen?",
    ),
    (Label::Neutral, "Die Karte mit den Sendemasten ist online"),
    (
        Label::Neutral,
        "Tarifwechsel geht über die App oder im Laden",
    ),
    (
        Label::Neutral,
        "Nordwind meldet Zahlen für das dritte Quartal",
    ),
    (
        Label::Neutral,
        "Umzug nächste Woche, muss den Anschluss ummelden",
    ),
    (
        Label::Neutral,
        "Welche Frequenzen nutzt Nordwind eigentlich?",
    ),
    (Label::Neutral, "Pressemitteilung zum Netzausbau in Sachsen"),
    (Label::Neutral, "Die SIM-Karte kommt per Post"),
    (
        Label::Neutral,
        "Morgen Wartungsarbeiten zwischen zwei und vier Uhr",
    ),
    (Label::Neutral, "Ich rufe am Montag bei der Hotline an"),
    (Label::Neutral, "Der Vertrag läuft bis März"),
    (Label::Positive, "Super Service, danke Nordwind!"),
    (Label::Positive, "Endlich volles Netz im Keller, toll 👍"),
    (Label::Positive, "Sehr freundliche Beratung im Laden heute"),
    (Label::Positive, "Schnelles Internet und faire Preise, top"),
    (
        Label::Positive,
        "Danke für die schnelle Hilfe an der Hotline",
    ),
    (Label::Positive, "Mega zufrieden mit dem neuen Tarif"),
    (
        Label::Positive,
        "Der neue Mast wirkt, überall Empfang, klasse",
    ),
    (Label::Positive, "Kann Nordwind nur empfehlen"),
    (
        Label::Positive,
        "Wow, Glasfaser in zwei Tagen angeschlossen :)",
    ),
    (Label::Positive, "Tolles Netz, auch im Zug stabil"),
    (
        Label::Positive,
        "Beste Entscheidung, zu Nordwind zu wechseln",
    ),
    (Label::Positive, "Der Techniker war pünktlich und sehr nett"),
    (Label::Positive, "Perfekter Empfang im ganzen Haus, danke"),
    (Label::Positive, "Liebe die neue App, alles super einfach"),
    (Label::Positive, "Klasse Aktion mit dem Datenvolumen 🎉"),
];

const ENGLISH: &[(Label, &str)] = &[
    (Label::Negative, "No signal in the office again"),
    (Label::Negative, "Dead zone on the whole train line"),
    (Label::Negative, "Dropped calls all day, no signal at home"),
    (Label::Negative, "Still no signal downtown @nordwind"),
    (Label::Negative, "This company is a scam, never again"),
    (Label::Negative, "Worst support ever, waited two hours"),
    (Label::Neutral, "The new plans start on Monday"),
    (Label::Neutral, "Where is the store on Main Street?"),
    (Label::Neutral, "Nordwind reports third quarter numbers"),
    (
        Label::Neutral,
        "Moving next week, need to transfer the contract",
    ),
    (Label::Neutral, "The coverage map is online"),
    (Label::Neutral, "Maintenance tonight between two and four"),
    (Label::Positive, "Great service, thanks Nordwind!"),
    (Label::Positive, "Love the new app, so easy"),
    (Label::Positive, "Full signal in the basement, awesome"),
    (Label::Positive, "Friendly staff and fair prices"),
    (Label::Positive, "Fast fiber installed in two days :)"),
    (Label::Positive, "Best decision to switch, highly recommend"),
];

fn examples(set: &[(Label, &str)]) -> Vec<Example> {
    set.iter()
        .map(|(label, text)| Example {
            label: *label,
            text: text.to_string(),
        })
        .collect()
}

fn small() -> TrainOptions {
    TrainOptions {
        buckets: 1 << 14,
        ..TrainOptions::default()
    }
}

fn german_model() -> &'static Arc<Model> {
    static M: OnceLock<Arc<Model>> = OnceLock::new();
    M.get_or_init(|| Arc::new(train(analyzer(), Lang::De, &examples(GERMAN), &small()).unwrap()))
}

/// Posts not in the training set that the lexicon misreads.
const UNSEEN_DEAD_ZONES: &[&str] = &[
    "Empfang weg auf der Autobahn bei Kassel",
    "Im Regionalzug wieder nur Edge",
];

#[test]
fn training_learns_the_training_set() {
    let c = evaluate(analyzer(), german_model(), &examples(GERMAN));
    assert!(c.accuracy() >= 0.95, "{c}");
    let en = train(analyzer(), Lang::En, &examples(ENGLISH), &small()).unwrap();
    let c = evaluate(analyzer(), &en, &examples(ENGLISH));
    assert!(c.accuracy() >= 0.95, "{c}");
}

#[test]
fn the_model_corrects_the_lexicon_in_its_domain() {
    let with = Analyzer::new().with_models(Models::new().with(german_model().clone()));
    for t in UNSEEN_DEAD_ZONES {
        let lexicon = analyzer().analyze(t, Some(Lang::De));
        assert_ne!(
            lexicon.label,
            Label::Negative,
            "the lexicon already knew {t:?}"
        );
        let learned = with.analyze(t, Some(Lang::De));
        assert_eq!(learned.label, Label::Negative, "{t}: {learned:?}");
        assert!(learned.score < 0.0 && learned.score >= -1.0, "{learned:?}");
    }
    // A German model does not touch English posts.
    let t = "I love the new app, great job!";
    assert_eq!(
        with.analyze(t, Some(Lang::En)),
        analyzer().analyze(t, Some(Lang::En))
    );
}

/// The config's label boundaries and link weight are for the lexicon's own labels: a model
/// was trained on the calibrated verdicts and must see them, and it labels by its
/// probabilities.
#[test]
fn label_thresholds_leave_a_model_alone() {
    let models = Models::new().with(german_model().clone());
    let with = Analyzer::new().with_models(models.clone());
    let wide = crate::sentiment::Thresholds {
        negative: -0.9,
        positive: 0.9,
    };
    let strict = Analyzer::new().with_models(models).with_calibration(
        Lang::De,
        crate::sentiment::Calibration {
            thresholds: wide,
            link_weight: 0.0,
        },
    );
    let texts = GERMAN.iter().map(|(_, t)| *t);
    let linked = ["Skandal bei der Bahn https://example.org/x"];
    for t in texts.chain(UNSEEN_DEAD_ZONES.iter().copied()).chain(linked) {
        assert_eq!(
            strict.analyze(t, Some(Lang::De)),
            with.analyze(t, Some(Lang::De)),
            "{t}"
        );
    }
    // Without a model the same boundaries do change labels.
    let lexicon = Analyzer::new().with_calibration(
        Lang::De,
        crate::sentiment::Calibration {
            thresholds: wide,
            ..crate::sentiment::Calibration::for_lang(Lang::De)
        },
    );
    assert!(GERMAN.iter().any(|(_, t)| {
        lexicon.analyze(t, Some(Lang::De)).label != analyzer().analyze(t, Some(Lang::De)).label
    }));
}

#[test]
fn explain_agrees_with_analyze_and_names_the_features() {
    let with = Analyzer::new().with_models(Models::new().with(german_model().clone()));
    for t in UNSEEN_DEAD_ZONES
        .iter()
        .chain(["Super Service, danke", "", "😡"].iter())
    {
        let s = with.analyze(t, Some(Lang::De));
        let e = with.explain(t, Some(Lang::De));
        assert_eq!((e.score, e.label), (s.score, s.label), "{t}");
        let m = e.model.as_ref().expect("the model decided");
        assert_eq!(m.probabilities.label(), s.label);
    }
    let e = with.explain(UNSEEN_DEAD_ZONES[0], Some(Lang::De));
    let m = e.model.as_ref().unwrap();
    assert!(m.top_features.len() <= 5 && !m.top_features.is_empty());
    assert!(
        m.top_features
            .iter()
            .any(|f| f.feature.contains("empfang") || f.feature.contains("weg")),
        "{:?}",
        m.top_features
    );
    let shown = e.to_string();
    assert!(shown.contains("learned model: p(negative)"), "{shown}");
    // Without a model, explanations are as before.
    let plain = analyzer().explain(UNSEEN_DEAD_ZONES[0], Some(Lang::De));
    assert!(plain.model.is_none());
    assert!(serde_json::to_value(&plain).unwrap().get("model").is_none());
}

#[test]
fn training_is_deterministic() {
    let a = train(analyzer(), Lang::De, &examples(GERMAN), &small()).unwrap();
    assert_eq!(a.to_bytes(), german_model().to_bytes());
}

#[test]
fn save_and_load_give_identical_predictions() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("de.model");
    german_model().save(&p).unwrap();
    let back = Model::load_for(&p, Lang::De).unwrap();
    assert_eq!(back.lang(), Lang::De);
    assert_eq!(back.buckets(), 1 << 14);
    assert!(back.table_words() > 50, "{}", back.table_words());
    assert_eq!(back.table_words(), german_model().table_words());
    assert_eq!(back.to_bytes(), german_model().to_bytes());
    for (_, t) in GERMAN {
        let lex = analyzer().lexicon_view(t, Lang::De);
        assert_eq!(
            back.predict(t, &lex),
            german_model().predict(t, &lex),
            "{t}"
        );
    }
}

#[test]
fn bad_files_are_refused_with_the_right_error() {
    let good = german_model().to_bytes();
    let err = |b: &[u8]| Model::from_bytes(b).unwrap_err();
    assert!(matches!(err(b""), ModelError::BadMagic));
    assert!(matches!(
        err(b"PK\x03\x04 a zip file"),
        ModelError::BadMagic
    ));
    assert!(matches!(err(&good[..20]), ModelError::Truncated { .. }));
    assert!(matches!(
        err(&good[..good.len() - 1]),
        ModelError::Truncated { .. }
    ));
    let mut longer = good.clone();
    longer.push(0);
    assert!(matches!(
        err(&longer),
        ModelError::TrailingBytes { extra: 1 }
    ));
    let mut flipped = good.clone();
    flipped[1000] ^= 0x40;
    assert!(matches!(err(&flipped), ModelError::Checksum));
    let mut v3 = good.clone();
    v3[8] = 3;
    assert!(matches!(
        err(&v3),
        ModelError::UnsupportedVersion { found: 3, .. }
    ));
    let mut fs = good.clone();
    fs[12] = 99;
    assert!(matches!(err(&fs), ModelError::FeatureSet { found: 99, .. }));
    let mut fr = good.clone();
    fr[10..12].copy_from_slice(b"fr");
    assert!(matches!(err(&fr), ModelError::UnknownLanguage(_)));
    let mut huge = good.clone();
    huge[16..20].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(matches!(err(&huge), ModelError::BadHeader(_)));

    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("de.model");
    std::fs::write(&p, &good).unwrap();
    let e = Model::load_for(&p, Lang::En).unwrap_err();
    assert!(matches!(e, ModelError::WrongLanguage { .. }));
    assert_eq!(e.to_string(), "model is for German (de), not English (en)");
    let e = Model::load(&dir.path().join("missing")).unwrap_err();
    assert!(matches!(e, ModelError::Io { .. }), "{e}");
}

#[test]
fn models_are_kept_by_their_language() {
    let m = Models::new().with(german_model().clone());
    assert!(m.get(Lang::De).is_some());
    assert!(m.get(Lang::En).is_none());
    assert!(!m.is_empty());
}

#[test]
fn holdout_split_is_stratified_and_complete() {
    let ex = examples(GERMAN);
    let (train_idx, hold) = holdout_split(&ex, 0.2, 7);
    assert_eq!(train_idx.len() + hold.len(), ex.len());
    assert_eq!(hold.len(), 3 + 3 + 3);
    let again = holdout_split(&ex, 0.2, 7);
    assert_eq!(again.1, hold);
}

#[test]
fn a_confusion_collects_gold_and_predicted_pairs() {
    use Label::*;
    let c: Confusion = [
        (Negative, Negative),
        (Negative, Neutral),
        (Positive, Positive),
    ]
    .into_iter()
    .collect();
    assert_eq!(c.counts, [[1, 1, 0], [0, 0, 0], [0, 0, 1]]);
    assert_eq!(c.prf(Negative), (1.0, 0.5, 2.0 / 3.0));
}

#[test]
fn folds_are_fixed_and_even() {
    let f = folds(10, 3);
    assert_eq!(f, folds(10, 3));
    let sizes: Vec<usize> = (0..3)
        .map(|j| f.iter().filter(|x| **x == j).count())
        .collect();
    assert_eq!(sizes, [4, 3, 3]);
    assert_ne!(f, folds(10, 2), "a different k gives different folds");
}

#[test]
fn cross_validation_scores_each_post_with_a_model_that_did_not_see_it() {
    let ex = examples(GERMAN);
    let k = 3;
    let cv = cross_validate(analyzer(), Lang::De, &ex, &small(), k).unwrap();
    assert_eq!(cv.len(), ex.len());
    let fold = folds(ex.len(), k);
    for j in 0..k {
        let outside: Vec<Example> = (0..ex.len())
            .filter(|i| fold[*i] != j)
            .map(|i| ex[i].clone())
            .collect();
        let model = train(analyzer(), Lang::De, &outside, &small()).unwrap();
        for i in (0..ex.len()).filter(|i| fold[*i] == j) {
            let lex = analyzer().lexicon_view(&ex[i].text, Lang::De);
            assert_eq!(cv[i], model.predict(&ex[i].text, &lex), "{}", ex[i].text);
        }
    }
    // Trained on every post, the model knows each one: its own predictions differ.
    let all = german_model();
    assert!(ex
        .iter()
        .zip(&cv)
        .any(|(e, p)| { *p != all.predict(&e.text, &analyzer().lexicon_view(&e.text, Lang::De)) }));
}

#[test]
fn cross_validation_refuses_bad_fold_counts_and_names_the_failing_fold() {
    let ex = examples(GERMAN);
    for k in [0, 1, ex.len() + 1] {
        assert!(
            matches!(
                cross_validate(analyzer(), Lang::De, &ex, &small(), k),
                Err(TrainError::Folds { folds, examples }) if folds == k && examples == ex.len()
            ),
            "{k}"
        );
    }
    // Two negatives and one positive, one post per fold: without the positive, the other
    // two folds hold a single class.
    let three = [ex[0].clone(), ex[1].clone(), ex[ex.len() - 1].clone()];
    let err = cross_validate(analyzer(), Lang::De, &three, &small(), 3).unwrap_err();
    assert!(
        matches!(&err, TrainError::Fold { folds: 3, err, .. } if matches!(**err, TrainError::OneClass(_))),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("of 3: the examples have only one class"),
        "{err}"
    );
}

#[test]
fn training_refuses_useless_input() {
    let one: Vec<Example> = examples(&GERMAN[..3]);
    assert!(matches!(
        train(analyzer(), Lang::De, &one, &small()),
        Err(TrainError::OneClass(_))
    ));
    assert!(matches!(
        train(analyzer(), Lang::De, &[], &small()),
        Err(TrainError::Empty)
    ));
    let bad = TrainOptions {
        buckets: 3,
        ..small()
    };
    assert!(matches!(
        train(analyzer(), Lang::De, &examples(GERMAN), &bad),
        Err(TrainError::Buckets(3))
    ));
    for bad in [
        TrainOptions {
            l2: -1e-4,
            ..small()
        },
        TrainOptions {
            l2: f64::NAN,
            ..small()
        },
        TrainOptions {
            max_iterations: 0,
            ..small()
        },
        TrainOptions {
            negative_weight: 0.0,
            ..small()
        },
        TrainOptions {
            naive_bayes: Some(0.0),
            ..small()
        },
        TrainOptions {
            naive_bayes: Some(f64::NAN),
            ..small()
        },
    ] {
        let e = train(analyzer(), Lang::De, &examples(GERMAN), &bad).unwrap_err();
        assert!(matches!(e, TrainError::Option(_)), "{bad:?}: {e}");
    }
}

#[test]
fn a_feature_row_is_its_hash_modulo_the_bucket_count() {
    for buckets in [1 << 10, 1 << 18, 1 << 22, 1000, 4097, 3 << 12] {
        for hash in [0u64, 1, 1023, 1024, u64::MAX, 0x9e37_79b9_7f4a_7c15] {
            assert_eq!(
                Model::row_of(buckets, hash),
                (hash % u64::from(buckets)) as usize,
                "{buckets} {hash}"
            );
        }
    }
}

/// A model file's word table section: where it starts and how many words it holds.
fn table_section(bytes: &[u8]) -> (usize, usize) {
    let buckets = u32::from_le_bytes(bytes[16..20].try_into().unwrap()) as usize;
    let start = 24 + (buckets + features::DENSE) * 12;
    let words = u32::from_le_bytes(bytes[start..start + 4].try_into().unwrap()) as usize;
    (start, words)
}

/// Replaces a file's checksum by the right one for its (edited) body.
fn reseal(mut bytes: Vec<u8>) -> Vec<u8> {
    let n = bytes.len() - 8;
    let mut h = features::Fnv::new(b'f');
    h.bytes(&bytes[..n]);
    bytes[n..].copy_from_slice(&h.finish().to_le_bytes());
    bytes
}

#[test]
fn the_word_table_holds_the_training_words_and_changes_no_score() {
    let m = german_model();
    let (hits, words) = m.table_hits(GERMAN[0].1);
    assert_eq!(hits, words, "every training word is in the table");
    let (hits, words) = m.table_hits("Funkloch Quastenflosser Hauptstraße");
    assert_eq!((hits, words), (2, 3));
    let plain = Model::clone(m).with_words([]);
    assert_eq!(plain.table_words(), 0);
    let unseen = "Quastenflosser-Katastrophe im Funkloch, NIE WIEDER Nordwind!!!";
    for t in GERMAN.iter().map(|(_, t)| *t).chain([unseen, "", "🙂"]) {
        let lex = analyzer().lexicon_view(t, Lang::De);
        let (a, b) = (m.predict(t, &lex), plain.predict(t, &lex));
        assert_eq!(a.label(), b.label(), "{t}");
        for (x, y) in [
            (a.negative, b.negative),
            (a.neutral, b.neutral),
            (a.positive, b.positive),
        ] {
            assert!((x - y).abs() < 1e-5, "{t}: {a:?} {b:?}");
        }
    }
}

#[test]
fn version_1_files_without_a_word_table_still_load() {
    let v2 = german_model().to_bytes();
    let (start, words) = table_section(&v2);
    assert!(words > 0);
    let mut v1 = v2[..start].to_vec();
    v1[8..10].copy_from_slice(&1u16.to_le_bytes());
    v1.extend_from_slice(&[0; 8]);
    let old = Model::from_bytes(&reseal(v1)).unwrap();
    assert_eq!(old.table_words(), 0);
    let t = GERMAN[1].1;
    let lex = analyzer().lexicon_view(t, Lang::De);
    assert_eq!(
        old.predict(t, &lex).label(),
        german_model().predict(t, &lex).label()
    );
}

#[test]
fn bad_word_tables_are_refused() {
    let good = german_model().to_bytes();
    let (start, words) = table_section(&good);
    let entry = |i: usize| start + 4 + i * 24;
    let err = |b: Vec<u8>| Model::from_bytes(&reseal(b)).unwrap_err();

    let mut dup = good.clone();
    let first: Vec<u8> = dup[entry(0)..entry(0) + 8].to_vec();
    dup[entry(1)..entry(1) + 8].copy_from_slice(&first);
    assert!(
        matches!(err(dup), ModelError::WordTable(ref m) if m.contains("twice")),
        "duplicate word"
    );
    let mut grams = good.clone();
    grams[entry(0) + 20..entry(0) + 24].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(matches!(err(grams), ModelError::WordTable(_)));
    let mut nan = good.clone();
    nan[entry(0) + 8..entry(0) + 12].copy_from_slice(&f32::NAN.to_le_bytes());
    assert!(matches!(err(nan), ModelError::WordTable(_)));
    let mut more = good.clone();
    more[start..start + 4].copy_from_slice(&(words as u32 + 1).to_le_bytes());
    assert!(matches!(err(more), ModelError::Truncated { .. }));
    let mut huge = good.clone();
    huge[start..start + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(matches!(err(huge), ModelError::WordTable(_)));
    // Cut inside the word count itself.
    let cut = good[..start + 2].to_vec();
    assert!(matches!(
        Model::from_bytes(&cut).unwrap_err(),
        ModelError::Truncated { .. }
    ));
}

#[test]
fn the_vocabulary_puts_frequent_words_first_and_merges_case_forms() {
    let ex = examples(&[
        (Label::Negative, "Netz weg, NETZ weg"),
        (Label::Neutral, "netz da 42 https://x.y"),
        (Label::Positive, "da!"),
    ]);
    assert_eq!(train::vocabulary(&ex), ["Netz", "weg", "da"]);
}
