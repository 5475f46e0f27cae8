//! Table-driven tests of the whole matcher: (query or keywords, text, expected), one table
//! per concern, and a property test that keywords with exclusions and their query agree.

use proptest::prelude::*;

use super::*;

fn owned(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// Whether `query` counts `text`.
fn q(query: &str, text: &str) -> bool {
    let query = Query::parse(query).unwrap_or_else(|e| panic!("{query}: {e}"));
    !query.matcher().unwrap().matches(text).is_empty()
}

/// Whether a brand with these keywords and exclusions counts `text`.
fn kw(keywords: &[&str], exclude: &[&str], text: &str) -> bool {
    let (k, x) = (owned(keywords), owned(exclude));
    let m = BrandMatcher::new(&[BrandSpec::keywords(&k, &x)]).unwrap();
    !m.matches(text).is_empty()
}

fn table(rows: &[(&str, &str, bool)]) {
    let mut failed = Vec::new();
    for &(query, text, want) in rows {
        if q(query, text) != want {
            failed.push(format!("{query:?} on {text:?}: expected {want}"));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

#[test]
fn operators() {
    table(&[
        ("otto", "Bestellt bei Otto", true),
        ("otto", "Lotto gespielt", false),
        ("otto AND paket", "otto: paket fehlt", true),
        ("otto AND paket", "otto ist toll", false),
        ("otto paket", "Paket von Otto", true),
        ("otto paket", "nur otto", false),
        ("otto OR baur", "bei Baur bestellt", true),
        ("otto OR baur", "bei Amazon bestellt", false),
        ("otto AND NOT waalkes", "Otto liefert nicht", true),
        ("otto AND NOT waalkes", "Otto Waalkes tritt auf", false),
        ("otto NOT waalkes", "Otto Waalkes tritt auf", false),
        ("\"otto versand\"", "der Otto Versand", true),
        ("\"otto versand\"", "Otto hat den Versand", false),
        ("#otto", "Ärger mit #Otto", true),
        ("#otto", "Ärger mit Otto", false),
        ("#otto", "Ärger mit #OttoGroup", false),
        ("@otto_de", "@Otto_DE wo bleibt mein Paket", true),
        ("@otto_de", "@otto_de2 fan", false),
        ("@otto_de", "mail an info@otto_de", false),
        ("otto", "#otto und @otto", true),
    ]);
}

#[test]
fn nesting_and_precedence() {
    let otto = r#"(otto OR "otto versand" OR @otto_de OR #otto) AND (bestellung OR paket OR lieferung OR kundenservice) AND NOT "otto waalkes""#;
    table(&[
        (otto, "Mein Paket von Otto ist kaputt", true),
        (otto, "@otto_de Kundenservice antwortet nicht", true),
        (otto, "Otto Waalkes bekommt ein Paket", false),
        (otto, "Otto ist ein Vorname", false),
        (otto, "Paket kommt nicht", false),
        // AND binds tighter than OR.
        ("a OR b c", "a", true),
        ("a OR b c", "b", false),
        ("a OR b c", "b c", true),
        ("(a OR b) c", "a", false),
        ("(a OR b) c", "a c", true),
        ("((a OR b) AND (c OR d)) OR e", "b d", true),
        ("((a OR b) AND (c OR d)) OR e", "e", true),
        ("((a OR b) AND (c OR d)) OR e", "a b", false),
        ("a AND NOT (b OR c)", "a c", false),
        ("a AND NOT (b OR c)", "a d", true),
        ("a AND NOT (b AND c)", "a b", true),
        ("a AND NOT (b AND c)", "a b c", false),
        ("a AND NOT NOT b", "a b", true),
        ("a AND NOT NOT b", "a", false),
    ]);
}

#[test]
fn near_at_its_edges() {
    table(&[
        (
            "lieferung NEAR/3 verspätet",
            "Lieferung ist schon wieder verspätet",
            true,
        ),
        (
            "lieferung NEAR/3 verspätet",
            "Lieferung ist schon wieder mal verspätet",
            false,
        ),
        (
            "lieferung NEAR/3 verspätet",
            "Verspätet ist die Lieferung",
            true,
        ),
        ("lieferung NEAR/0 verspätet", "Lieferung verspätet!", true),
        (
            "lieferung NEAR/0 verspätet",
            "Lieferung, sehr verspätet",
            false,
        ),
        // Punctuation is not a word.
        (
            "lieferung NEAR/1 verspätet",
            "Lieferung -- sehr -- verspätet",
            true,
        ),
        // A phrase spans its words; a hyphenated spelling spans two.
        (
            "\"nordwind energie\" NEAR/1 preise",
            "Nordwind Energie erhöht Preise",
            true,
        ),
        (
            "\"nordwind energie\" NEAR/1 preise",
            "Nordwind-Energie erhöht Preise",
            true,
        ),
        (
            "\"nordwind energie\" NEAR/0 preise",
            "NordwindEnergie Preise",
            true,
        ),
        // One word cannot be both sides.
        ("otto NEAR/3 otto*", "otto", false),
        ("otto NEAR/3 otto*", "otto ottos", true),
        (
            "(paket OR lieferung) NEAR/2 (kaputt OR fehlt)",
            "das Paket war leider kaputt",
            true,
        ),
        (
            "(paket OR lieferung) NEAR/2 (kaputt OR fehlt)",
            "Lieferung fehlt",
            true,
        ),
        (
            "(paket OR lieferung) NEAR/2 (kaputt OR fehlt)",
            "Paket da, aber Deckel kaputt",
            false,
        ),
        (
            "otto AND paket NEAR/2 kaputt",
            "Otto: das Paket kam kaputt",
            true,
        ),
        (
            "otto AND paket NEAR/2 kaputt",
            "Otto: Paket kam nach Tagen, Inhalt kaputt",
            false,
        ),
        ("a NEAR/1 b NEAR/1 c", "a b c", true),
        ("a NEAR/1 b NEAR/1 c", "a b x x c", false),
        ("#otto NEAR/1 paket", "#otto mein paket", true),
        // Texts with one occurrence far away and another close still match.
        ("a NEAR/1 b", "a x x x x b x a", true),
    ]);
}

#[test]
fn prefixes() {
    table(&[
        ("abzock*", "Nordwind ist eine Abzocke", true),
        ("abzock*", "die zocken nur ab", false),
        ("abzock*", "sie abzocken uns", true),
        ("abzock*", "Preisabzocke", false),
        ("abzock*", "abzock", true),
        ("\"otto vers*\"", "der Otto Versandhandel", true),
        ("\"otto vers*\"", "Otto verschickt", true),
        ("\"otto vers*\"", "Otto kam", false),
        ("#nordwind*", "#NordwindGate", true),
        ("straß*", "Strassenbahn", true),
    ]);
}

#[test]
fn folding() {
    table(&[
        ("MÜLLER", "müller milch", true),
        ("müller", "MUELLER milch", true),
        ("mueller", "Müller", true),
        ("straße", "STRASSE gesperrt", true),
        ("strasse", "Straße gesperrt", true),
        ("\"Café Krüger\"", "im cafe   KRUEGER heute", true),
        ("Ärger", "aerger", true),
        ("otto", "OTTO", true),
        ("Ökostrom NEAR/1 Preis", "ökostrom-preis", true),
    ]);
}

#[test]
fn spelling_variants() {
    for text in [
        "Nordwind Energie erhöht",
        "Nordwind-Energie erhöht",
        "NordwindEnergie erhöht",
        "Danke #NordwindEnergie",
        "nordwind   energie",
    ] {
        assert!(q("\"Nordwind Energie\"", text), "query on {text:?}");
        assert!(kw(&["Nordwind Energie"], &[], text), "keyword on {text:?}");
        assert!(
            kw(&["Nordwind-Energie"], &[], text),
            "hyphenated keyword on {text:?}"
        );
    }
    for text in [
        "Nordwindenergiepark",
        "Nordwind Energiepark",
        "xNordwindEnergie",
    ] {
        assert!(!q("\"Nordwind Energie\"", text), "{text:?}");
        assert!(!kw(&["Nordwind Energie"], &[], text), "{text:?}");
    }
    assert!(kw(&["Coca-Cola"], &[], "Cocacola schmeckt"));
    assert!(kw(&["nordwind"], &[], "#nordwind ist schuld"));
    assert!(kw(&["#nordwind"], &[], "#Nordwind ist schuld"));
    assert!(!kw(&["#nordwind"], &[], "nordwind ohne tag"));
    assert!(!kw(&["Nordwind"], &[], "Nordwindrichtung heute"));
    assert!(!kw(&["Nordwind"], &[], "Sturmnordwind"));
}

#[test]
fn exclusions_hide_only_their_own_occurrences() {
    let x = ["nordwind segelschule"];
    for (text, want) in [
        ("Kurs bei der Nordwind Segelschule", false),
        ("Kurs bei der Nordwind-Segelschule", false),
        (
            "Kurs bei der Nordwind Segelschule, aber Nordwind Energie ist Mist",
            true,
        ),
        ("Nordwind erhöht die Preise", true),
        ("Segelschule am See", false),
    ] {
        assert_eq!(kw(&["nordwind"], &x, text), want, "{text:?}");
    }
    // An exclusion hides a keyword only where it covers it.
    assert!(kw(&["nordwind"], &["segelschule"], "Nordwind Segelschule"));
    // It applies to every keyword of its brand and to no other brand.
    let (k1, x1, k2) = (
        owned(&["nordwind", "#nordwind"]),
        owned(&["nordwind segelschule"]),
        owned(&["segelschule"]),
    );
    let m =
        BrandMatcher::new(&[BrandSpec::keywords(&k1, &x1), BrandSpec::keywords(&k2, &[])]).unwrap();
    assert_eq!(m.matches("Kurs bei der Nordwind Segelschule"), vec![1]);
    assert_eq!(m.matches("nordwind strom ist teuer"), vec![0]);
}

#[test]
fn many_brands_one_pass_and_shared_terms() {
    let queries: Vec<Query> = (0..2000)
        .map(|i| Query::parse(&format!("(brand{i} OR @brand{i}) AND NOT spam{i}")).unwrap())
        .chain([Query::parse("brand7 AND paket").unwrap()])
        .collect();
    let specs: Vec<BrandSpec> = queries
        .iter()
        .map(|q| BrandSpec {
            keywords: &[],
            exclude: &[],
            query: Some(q),
        })
        .collect();
    let m = BrandMatcher::new(&specs).unwrap();
    assert_eq!(
        m.matches("brand7 und brand1999, nicht brand20000, paket"),
        vec![7, 1999, 2000]
    );
    assert_eq!(m.matches("brand7 spam7 brand8"), vec![8]);
    assert!(BrandMatcher::new(&[])
        .unwrap()
        .matches("anything")
        .is_empty());
}

#[test]
fn explain_names_the_terms_found() {
    let query = Query::parse(r#"(otto OR #otto) AND paket AND NOT "otto waalkes""#).unwrap();
    let m = query.matcher().unwrap();
    let c = m.explain("Otto Waalkes und #Otto: Paket!");
    assert_eq!(c.len(), 1);
    assert!(!c[0].counts);
    assert_eq!(c[0].terms, ["otto", "#otto", "paket"]);
    assert_eq!(c[0].negated, ["\"otto waalkes\""]);
    let (k, x) = (owned(&["nordwind"]), owned(&["nordwind segelschule"]));
    let m = BrandMatcher::new(&[BrandSpec::keywords(&k, &x)]).unwrap();
    let c = m.explain("Nordwind Segelschule");
    assert!(!c[0].counts && c[0].terms.is_empty());
    assert_eq!(c[0].excluded, ["\"nordwind segelschule\""]);
}

/// Words the property test builds posts and phrases from: a small vocabulary, so keywords
/// and exclusions often occur and overlap.
const VOCAB: &[&str] = &[
    "nordwind",
    "energie",
    "segel",
    "schule",
    "preis",
    "und",
    "#nordwind",
];

fn phrase() -> impl Strategy<Value = String> {
    prop::collection::vec(0..VOCAB.len() - 1, 1..3)
        .prop_map(|v| v.iter().map(|i| VOCAB[*i]).collect::<Vec<_>>().join(" "))
}

/// Byte spans of the occurrences of `phrase` in `text` on word boundaries, both as written
/// here (single spaces, lower case), which is how the test builds them; offsets are one
/// past those of `text`, the same for every phrase.
fn spans(text: &str, phrase: &str) -> Vec<(usize, usize)> {
    // `#` is a boundary like a space ("#nordwind" holds "nordwind"); offsets stay the same.
    let t = format!(" {} ", text.replace('#', " "));
    let needle = format!(" {phrase} ");
    // Every occurrence, also those sharing a space with the one before ("preis preis"):
    // `match_indices` would skip those.
    (0..t.len())
        .filter(|&i| t.as_bytes()[i..].starts_with(needle.as_bytes()))
        .map(|i| (i, i + phrase.len()))
        .collect()
}

proptest! {
    /// `keywords = [a, b]` with `exclude = [c]` against the query `a OR b` and `(a OR b) AND
    /// NOT c`: where no occurrence of `c` overlaps one of `a` or `b`, the exclusion hides
    /// nothing and the brand counts exactly the posts `a OR b` counts; where `c` does not
    /// occur, all three agree; and always, `(a OR b) AND NOT c` ⊆ keywords ⊆ `a OR b`, and
    /// keywords count exactly the posts with an occurrence of `a` or `b` outside every `c`.
    #[test]
    fn keywords_with_exclusions_agree_with_the_query(
        a in phrase(),
        b in phrase(),
        c in phrase(),
        post in prop::collection::vec(0..VOCAB.len(), 0..8),
    ) {
        let text = post.iter().map(|i| VOCAB[*i]).collect::<Vec<_>>().join(" ");
        let quote = |p: &str| format!("\"{p}\"");
        let any = Query::parse(&format!("{} OR {}", quote(&a), quote(&b))).unwrap();
        let not_c = Query::parse(&format!("({} OR {}) AND NOT {}", quote(&a), quote(&b), quote(&c))).unwrap();
        let by_keywords = kw(&[&a, &b], &[&c], &text);
        let by_any = !any.matcher().unwrap().matches(&text).is_empty();
        let by_not_c = !not_c.matcher().unwrap().matches(&text).is_empty();
        let cs = spans(&text, &c);
        let overlaps = cs.iter().any(|&(cs, ce)| {
            [&a, &b].iter().any(|k| spans(&text, k).iter().any(|&(ks, ke)| ks < ce && cs < ke))
        });
        if !overlaps {
            prop_assert_eq!(by_keywords, by_any, "text {:?} a {:?} b {:?} c {:?}", text, a, b, c);
        }
        if cs.is_empty() {
            prop_assert_eq!(by_keywords, by_not_c, "text {:?}", text);
        }
        prop_assert!(!by_not_c || by_keywords, "text {:?}", text);
        // And exactly: an occurrence of a or b that no occurrence of c contains.
        let free = [&a, &b].iter().any(|k| {
            spans(&text, k).iter().any(|&(ks, ke)| !cs.iter().any(|&(s, e)| s <= ks && ke <= e))
        });
        prop_assert_eq!(by_keywords, free, "text {:?} a {:?} b {:?} c {:?}", text, a, b, c);
        prop_assert!(!by_keywords || by_any, "text {:?}", text);
    }
}

/// A random query over [`VOCAB`]: terms, prefixes, AND, OR, NOT under an AND, NEAR.
fn query_text() -> impl Strategy<Value = String> {
    let leaf = (0..VOCAB.len(), any::<bool>()).prop_map(|(i, prefix)| {
        let w = VOCAB[i];
        if prefix && !w.starts_with('#') {
            format!("{}*", &w[..3])
        } else {
            w.to_string()
        }
    });
    leaf.prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4)
                .prop_map(|v| format!("({})", v.join(" OR "))),
            prop::collection::vec(inner.clone(), 2..4)
                .prop_map(|v| format!("({})", v.join(" AND "))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} AND NOT {b})")),
            (inner.clone(), inner, 0..3u32).prop_map(|(a, b, n)| format!("({a} NEAR/{n} {b})")),
        ]
    })
}

proptest! {
    /// Anchors only skip work: with several brands whose queries share terms, the brands
    /// `matches` returns are exactly those that `explain`, which evaluates every brand any
    /// term of occurs, says the text counts for.
    #[test]
    fn anchored_matching_agrees_with_evaluating_every_brand(
        queries in prop::collection::vec(query_text(), 1..6),
        post in prop::collection::vec(0..VOCAB.len(), 0..10),
    ) {
        let text = post.iter().map(|i| VOCAB[*i]).collect::<Vec<_>>().join(" ");
        let parsed: Vec<Query> = queries.iter().filter_map(|q| Query::parse(q).ok()).collect();
        prop_assume!(!parsed.is_empty());
        let specs: Vec<BrandSpec> = parsed
            .iter()
            .map(|q| BrandSpec { keywords: &[], exclude: &[], query: Some(q) })
            .collect();
        let m = BrandMatcher::new(&specs).unwrap();
        let every: Vec<usize> = m.explain(&text).into_iter().filter(|c| c.counts).map(|c| c.brand).collect();
        prop_assert_eq!(m.matches(&text), every, "text {:?} queries {:?}", text, queries);
    }
}
