//! `Analyzer::explain` through the public API: the explanation carries the same verdict as
//! `analyze`, names the words and rules that moved the score, and serialises to JSON.

use sturmglas::sentiment::{Analyzer, Label, Lang};

#[test]
fn explanation_matches_analyze_and_names_words_and_rules() {
    let a = Analyzer::new();
    for (text, lang) in [
        (
            "Das gefällt mir überhaupt nicht, echt eine Frechheit!",
            None,
        ),
        ("The food was good but the service was TERRIBLE!!", None),
        ("Kein guter Service, aber die App ist super", Some(Lang::De)),
        ("", None),
    ] {
        let s = a.analyze(text, lang);
        let e = a.explain(text, lang);
        assert_eq!(e.score, s.score, "{text}");
        assert_eq!(e.label, s.label, "{text}");
        assert_eq!(e.lang, s.lang, "{text}");
    }

    let e = a.explain("Das gefällt mir nicht, echt eine Frechheit!", None);
    assert_eq!(e.label, Label::Negative);
    let words: Vec<&str> = e.steps.iter().map(|s| s.word.as_str()).collect();
    assert!(words.contains(&"gefällt"), "{words:?}");
    assert!(words.contains(&"Frechheit"), "{words:?}");
    let gefaellt = e.steps.iter().find(|s| s.word == "gefällt").unwrap();
    assert!(gefaellt.valence < 0.0 && gefaellt.lexicon > 0.0);
    assert!(gefaellt
        .rules
        .iter()
        .any(|r| r.contains("negated by 'nicht'")));
    assert!(e.text_rules.iter().any(|r| r.contains("emphasis")));

    let shown = e.to_string();
    assert!(shown.starts_with("negative"), "{shown}");
    assert!(
        shown.contains("Frechheit") && shown.contains("negated by 'nicht'"),
        "{shown}"
    );

    let json = serde_json::to_value(&e).unwrap();
    assert_eq!(json["label"], "negative");
    assert_eq!(json["lang"], "de");
    assert_eq!(json["lang_source"], "detected");
    assert!(json["steps"].as_array().is_some_and(|s| !s.is_empty()));

    let e = a.explain("The food was good but the service was TERRIBLE!!", None);
    assert_eq!(e.lang, Lang::En);
    assert!(e.text_rules.iter().any(|r| r.contains("but")));
    let terrible = e.steps.iter().find(|s| s.word == "TERRIBLE").unwrap();
    assert!(terrible.rules.iter().any(|r| r.contains("CAPS")));
}

#[test]
fn explanation_names_the_german_rules_that_spare_a_word() {
    let a = Analyzer::new();
    let rules_of = |text: &str, word: &str| -> Vec<String> {
        let e = a.explain(text, Some(Lang::De));
        assert_eq!(e.score, a.analyze(text, Some(Lang::De)).score, "{text}");
        e.steps
            .iter()
            .find(|s| s.word == word)
            .unwrap_or_else(|| panic!("{word} in {e}"))
            .rules
            .clone()
    };
    let r = rules_of("Das geht leider nicht", "leider");
    assert!(r.iter().any(|r| r.contains("not the regret")), "{r:?}");
    let r = rules_of("Bahnstreik beendet", "Bahnstreik");
    assert!(r.iter().any(|r| r.contains("over: 'beendet'")), "{r:?}");
    let r = rules_of("verdammt gut", "gut");
    assert!(r.iter().any(|r| r.contains("'verdammt' modifies")), "{r:?}");
    // A phrase is shown whole, not by its first word.
    let e = a.explain("Das ist mir zu teuer", Some(Lang::De));
    assert!(e.steps.iter().any(|s| s.word == "zu teuer"), "{e}");
    let r = rules_of("Toll, hab Bauchweh", "Toll");
    assert!(r.iter().any(|r| r.contains("sarcasm")), "{r:?}");
}
