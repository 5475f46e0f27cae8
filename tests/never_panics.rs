//! "Never panics" (issue 19): the ingest decoder, the config loader, the feed and stream
//! parsers, matching (queries and texts) and the sentiment scorer return an error or a value
//! on arbitrary input, never a panic. proptest shrinks any input that panics to a small case.

use std::path::Path;

use proptest::prelude::*;
use sturmglas::matching::{fold, BrandMatcher, BrandSpec, Query};
use sturmglas::sentiment::{Analyzer, Lang};

/// Arbitrary text that is also likely to hit the parsers' interesting paths: JSON and TOML
/// punctuation, BOMs, zero-width characters, umlauts, emoji, newlines.
fn texty() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "{",
        "}",
        "[",
        "]",
        "\"",
        ":",
        ",",
        "\n",
        "\r\n",
        "=",
        "#",
        "\\",
        "\u{feff}",
        "\u{200b}",
        "text",
        "id",
        "created_at",
        "\"text\":",
        "null",
        "1e999",
        "-0",
        "ä",
        "ß",
        "😡",
        "NOT ",
        " AND ",
        " OR ",
        "(",
        ")",
        "NEAR/3",
        "*",
        "<",
        ">",
        "&amp;",
        "<![CDATA[",
        "]]>",
        "[server]",
        "[[brands]]",
        "name = ",
        "keywords = ",
        "listen",
        "2026-01-01T00:00:00Z",
        "data: ",
        "event: ",
        "Nordwind",
        "nicht",
        "gut",
        "schlecht",
        "not",
        "good",
    ]);
    prop_oneof![
        ".{0,200}",
        prop::collection::vec(pieces, 0..40).prop_map(|v| v.concat()),
    ]
}

/// Built once: the lexicons take a while to load, and the property is about scoring.
static ANALYZER: std::sync::LazyLock<Analyzer> = std::sync::LazyLock::new(Analyzer::new);

fn matcher() -> BrandMatcher {
    let kw = [vec!["Nordwind".to_string(), "#nordwind".to_string()]];
    let specs: Vec<BrandSpec<'_>> = kw.iter().map(|k| BrandSpec::keywords(k, &[])).collect();
    BrandMatcher::new(&specs).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn ingest_decoder(text in texty(), bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = sturmglas::mention::parse_body(text.as_bytes());
        let _ = sturmglas::mention::parse_body(&bytes);
        let _ = sturmglas::mention::parse_ndjson_line(&text);
        let json = format!("{{\"text\":{},\"created_at\":{}}}",
            serde_json::Value::String(text.clone()), serde_json::Value::String(text.clone()));
        let _ = sturmglas::mention::parse_body(json.as_bytes());
    }

    #[test]
    fn config_loader(text in texty()) {
        let _ = sturmglas::config::parse(&text, Path::new("fuzz.toml"));
        let with_brand = format!("[[brands]]\nname = \"A\"\nquery = {}\n",
            toml::Value::String(text.clone()));
        let _ = sturmglas::config::parse(&with_brand, Path::new("fuzz.toml"));
    }

    #[test]
    fn feed_and_stream_parsers(text in texty(), bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = feed_rs::parser::parse(text.as_bytes());
        let _ = feed_rs::parser::parse(bytes.as_slice());
        let _ = sturmglas::sources::text::html_to_text(&text);
        let _ = sturmglas::sources::text::plain(&text);
        let _ = sturmglas::sources::rss::unwrap_redirect(&text);
        let mut sse = sturmglas::sources::sse::SseDecoder::new();
        let _ = sse.push(&bytes);
        let _ = sse.push(text.as_bytes());
        let m = matcher();
        let _ = sturmglas::sources::bluesky::handle_frame(&text, "bluesky:t", &m);
        let frame = format!(
            "{{\"kind\":\"commit\",\"time_us\":1,\"commit\":{{\"operation\":\"create\",\"collection\":\"app.bsky.feed.post\",\"rkey\":\"r\",\"record\":{{\"text\":{}}}}}}}",
            serde_json::Value::String(text.clone()));
        let _ = sturmglas::sources::bluesky::handle_frame(&frame, "bluesky:t", &m);
    }

    #[test]
    fn matching(query in texty(), text in texty()) {
        if let Ok(q) = Query::parse(&query) {
            if let Ok(m) = q.matcher() {
                let _ = m.matches(&text);
            }
        }
        let folded = fold(&text);
        prop_assert_eq!(fold(&folded), folded.clone());
        let _ = matcher().matches(&text);
    }

    #[test]
    fn sentiment(text in texty()) {
        let a = &*ANALYZER;
        for lang in [None, Some(Lang::De), Some(Lang::En)] {
            let s = a.analyze(&text, lang);
            prop_assert!(s.score.is_finite(), "score {} for {:?}", s.score, text);
            let _ = a.analyze_about(&text, lang, &["Nordwind"]);
        }
    }
}
