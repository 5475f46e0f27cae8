//! Sentiment: lexicon-and-rules scoring of short German and English posts.
//!
//! One [`Analyzer`] holds every lexicon, loaded once from files embedded in the binary, and is
//! shared read-only (`Send + Sync`) by every task that scores. English follows VADER
//! (Hutto & Gilbert 2014) closely enough to reproduce vaderSentiment 3.3.2's compound score;
//! German uses the same aggregation with a curated lexicon and German rules. A post without a
//! declared language is identified by [`langid`]; one that is neither German nor English is
//! scored by whichever lexicon recognises more of it. A user-trained [`learned`] model, when
//! the analyzer has one for the post's language, takes the lexicon's verdict as input and
//! chooses the label. Invariant: `analyze` never allocates per token, and `score` is always
//! in [-1, 1].

mod calibration;
mod delex;
mod emoji;
mod english;
mod explain;
mod german;
mod lexicon;
mod rules;
mod text;
mod types;
mod vader_words;

pub mod langid;
pub mod learned;

pub use calibration::{
    calibrate, calibrate_with_links, cross_validated_calibration, sweep, Calibration, Thresholds,
    LINK_WEIGHTS,
};
pub use explain::{Explanation, Step};
pub use text::has_link;
pub(crate) use types::Scored;
pub use types::{Label, Lang, Sentiment};

use serde::Serialize;

use explain::{NoTrace, Recorder, Trace};

/// How the language of a text was settled; shown by `explain`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LangSource {
    /// The caller declared it.
    Declared,
    /// [`langid`] recognised it.
    Detected,
    /// Neither language was recognised; the lexicon that knew more of the words was used.
    Fallback,
}

/// The scorer, with its lexicons loaded once and shared (`Arc`) by every task that scores.
pub struct Analyzer {
    english: english::English,
    german: german::German,
    langid: langid::LangId,
    models: learned::Models,
    /// How the lexicon's verdicts are labelled, German and English: the built-in calibration
    /// unless the config sets its own.
    de: Calibration,
    en: Calibration,
}

impl Default for Analyzer {
    fn default() -> Self {
        Self::new()
    }
}

impl Analyzer {
    /// Parses the embedded lexicons (a few milliseconds; call once and share).
    pub fn new() -> Self {
        let english = english::English::new();
        let emoji = emoji::EmojiValence::from_english(&english);
        let german = german::German::new(emoji);
        Analyzer {
            english,
            german,
            langid: langid::LangId::new(),
            models: learned::Models::new(),
            de: Calibration::for_lang(Lang::De),
            en: Calibration::for_lang(Lang::En),
        }
    }

    /// The same analyzer with a domain's own calibration for `lang`'s lexicon verdicts (see
    /// [`Calibration`] and `sturmglas calibrate`): other label boundaries, and the weight of
    /// posts that share a link. A learned model is unaffected: it was trained on the built-in
    /// verdicts, sees links as a feature and labels by its own probabilities.
    pub fn with_calibration(mut self, lang: Lang, calibration: Calibration) -> Self {
        match lang {
            Lang::De => self.de = calibration,
            Lang::En => self.en = calibration,
        }
        self
    }

    /// The same analyzer with a learned layer for the languages in `models`: posts declared
    /// or identified as such a language are labelled by its model.
    pub fn with_models(mut self, models: learned::Models) -> Self {
        self.models = models;
        self
    }

    pub fn models(&self) -> &learned::Models {
        &self.models
    }

    /// Scores a text; `lang` is the post's declared language, detected when `None`.
    pub fn analyze(&self, text: &str, lang: Option<Lang>) -> Sentiment {
        self.run(text, lang, &[], &mut NoTrace).0
    }

    /// Scores a post about a brand: the lower-case words of its names (see [`name_words`])
    /// carry no sentiment, so "Nordwind Energie" or "Gute Laune Reisen" does not make every
    /// mention of the brand sound positive.
    pub fn analyze_about(&self, text: &str, lang: Option<Lang>, names: &[&str]) -> Sentiment {
        self.run(text, lang, names, &mut NoTrace).0
    }

    /// Explains a post about a brand, as [`Analyzer::analyze_about`] scores it.
    pub fn explain_about(&self, text: &str, lang: Option<Lang>, names: &[&str]) -> Explanation {
        let mut rec = Recorder::default();
        let (sentiment, source) = self.run(text, lang, names, &mut rec);
        rec.finish(text, sentiment, source, self.thresholds(sentiment.lang))
    }

    /// Scores a text like [`Analyzer::analyze`] and records which words and rules moved it.
    pub fn explain(&self, text: &str, lang: Option<Lang>) -> Explanation {
        let mut rec = Recorder::default();
        let (sentiment, source) = self.run(text, lang, &[], &mut rec);
        rec.finish(text, sentiment, source, self.thresholds(sentiment.lang))
    }

    /// The language of `text` as scoring detects it; `None` when neither is evident. The
    /// engine asks first when a brand filters on language, then scores in what it found.
    pub fn detect_lang(&self, text: &str) -> Option<Lang> {
        self.langid.detect(text)
    }

    /// How the lexicon's scores of `lang` are labelled.
    pub fn calibration(&self, lang: Lang) -> Calibration {
        match lang {
            Lang::De => self.de,
            Lang::En => self.en,
        }
    }

    /// The label boundaries used for `lang`.
    pub fn thresholds(&self, lang: Lang) -> Thresholds {
        self.calibration(lang).thresholds
    }

    /// The raw score of `text` in one language, without identification or labelling (for
    /// evaluation and calibration).
    pub fn score_as(&self, text: &str, lang: Lang) -> f64 {
        match lang {
            Lang::En => self.english.score(text, &mut NoTrace).score,
            Lang::De => self.german.score(text, &mut NoTrace).score,
        }
    }

    /// What the lexicon alone says about `text` in `lang`: the learned layer's input.
    pub(crate) fn lexicon_view(&self, text: &str, lang: Lang) -> learned::LexiconView {
        let s = match lang {
            Lang::En => self.english.score(text, &mut NoTrace),
            Lang::De => self.german.score(text, &mut NoTrace),
        };
        lexicon_verdict(lang, s)
    }

    fn run<T: Trace>(
        &self,
        text: &str,
        lang: Option<Lang>,
        names: &[&str],
        tr: &mut T,
    ) -> (Sentiment, LangSource) {
        let (lang, source, scored) = match lang.or_else(|| self.langid.detect(text)) {
            Some(l) => {
                let source = if lang.is_some() {
                    LangSource::Declared
                } else {
                    LangSource::Detected
                };
                let scored = match l {
                    Lang::En => self.english.score_about(text, names, tr),
                    Lang::De => self.german.score_about(text, names, tr),
                };
                (l, source, scored)
            }
            None => {
                // Unknown or other language: emoji, emoticons and loan words still carry
                // meaning; score with the lexicon that recognises more of the text. Both
                // scores are already computed, so only an explanation pays for a third pass.
                let en = self.english.score_about(text, names, &mut NoTrace);
                let de = self.german.score_about(text, names, &mut NoTrace);
                let (l, quiet) = if de.hits > en.hits {
                    (Lang::De, de)
                } else {
                    (Lang::En, en)
                };
                let scored = if T::ON {
                    match l {
                        Lang::En => self.english.score_about(text, names, tr),
                        Lang::De => self.german.score_about(text, names, tr),
                    }
                } else {
                    quiet
                };
                (l, LangSource::Fallback, scored)
            }
        };
        let lex = lexicon_verdict(lang, scored);
        // A post in no language we recognise keeps the lexicon's verdict: a model has only
        // seen posts in its own language.
        let model = self
            .models
            .get(lang)
            .filter(|_| source != LangSource::Fallback);
        if let Some(model) = model {
            let p = model.predict(text, &lex);
            if T::ON {
                tr.model(|| model.explain(text, &lex, 5));
            }
            let s = Sentiment {
                lang,
                score: p.score(),
                label: p.label(),
            };
            return (s, source);
        }
        let cal = self.calibration(lang);
        // Only a domain that weighs links pays for looking for one.
        let score = if cal.link_weight != 1.0 && has_link(text) {
            if T::ON {
                tr.global(format!(
                    "shares a link: score x{} (link_weight_{})",
                    cal.link_weight,
                    lang.as_str()
                ));
            }
            cal.weigh(lex.score, true)
        } else {
            lex.score
        };
        let sentiment = Sentiment {
            lang,
            score,
            label: cal.thresholds.label(score),
        };
        (sentiment, source)
    }
}

/// The lexicon's score clamped to [-1, 1] and labelled by the language's calibrated
/// thresholds: a learned layer's input, which must be what the layer was trained on whatever
/// boundaries the config sets for the lexicon's own labels.
fn lexicon_verdict(lang: Lang, s: Scored) -> learned::LexiconView {
    let score = s.score.clamp(-1.0, 1.0);
    learned::LexiconView {
        score,
        hits: s.hits,
        label: Thresholds::for_lang(lang).label(score),
    }
}

/// The lower-case words of a brand's names for [`Analyzer::analyze_about`]: each word of each
/// keyword ("Gute Laune Reisen" gives "gute", "laune", "reisen") and the keyword run together,
/// as its hashtag is written ("gutelaunereisen"). `#` and `@` are dropped.
pub fn name_words<S: AsRef<str>>(keywords: &[S]) -> Vec<Box<str>> {
    let mut out: Vec<Box<str>> = Vec::new();
    let mut add = |w: String| {
        if !w.is_empty() && !out.iter().any(|o| **o == *w) {
            out.push(w.into_boxed_str());
        }
    };
    for k in keywords {
        let lower = k.as_ref().to_lowercase();
        let mut joined = String::new();
        for w in lower.split(|c: char| !c.is_alphanumeric()) {
            joined.push_str(w);
            add(w.to_string());
        }
        add(joined);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a() -> &'static Analyzer {
        use std::sync::OnceLock;
        static A: OnceLock<Analyzer> = OnceLock::new();
        A.get_or_init(Analyzer::new)
    }

    #[test]
    fn a_link_weight_scales_linked_posts_and_says_so() {
        let w = Analyzer::new().with_calibration(
            Lang::De,
            Calibration {
                link_weight: 0.5,
                ..Calibration::for_lang(Lang::De)
            },
        );
        let text = "Skandal: Panne beim Stromausfall https://example.org/a";
        let raw = a().analyze(text, Some(Lang::De));
        let s = w.analyze(text, Some(Lang::De));
        assert_eq!(s.score, raw.score * 0.5);
        assert_eq!(s.label, w.thresholds(Lang::De).label(s.score));
        let e = w.explain(text, Some(Lang::De));
        assert_eq!(e.score, s.score);
        assert!(
            e.to_string()
                .contains("shares a link: score x0.5 (link_weight_de)"),
            "{e}"
        );
        // English posts keep their weight, and the built-in one explains no link.
        let en = "What a scandal https://example.org/a";
        assert_eq!(
            w.analyze(en, Some(Lang::En)),
            a().analyze(en, Some(Lang::En))
        );
        assert!(!a()
            .explain(text, Some(Lang::De))
            .to_string()
            .contains("link"));
    }

    #[test]
    fn analyzer_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Analyzer>();
    }

    #[test]
    fn clear_german_complaints_are_negative() {
        for t in [
            "Nordwind ist eine Abzocke, nie wieder!",
            "Skandal! Boykott!",
            "Was für eine Frechheit, ich bin total enttäuscht von @nordwind",
            "Die Kundenservice-Katastrophe geht weiter. Unverschämt.",
        ] {
            let s = a().analyze(t, None);
            assert_eq!(s.lang, Lang::De, "{t}");
            assert!(s.is_negative(), "{t}: {s:?}");
        }
    }

    #[test]
    fn positive_and_neutral_german_posts_are_not_negative() {
        for t in [
            "Danke an das Team von Nordwind, super Service!",
            "Nordwind hat heute neue Tarife vorgestellt.",
            "Ich liebe meinen neuen Vertrag, echt toll gemacht",
        ] {
            let s = a().analyze(t, None);
            assert!(!s.is_negative(), "{t}: {s:?}");
        }
    }

    #[test]
    fn english_posts_are_detected_and_labelled() {
        let s = a().analyze("This company is a scam, worst service ever!", None);
        assert_eq!(s.lang, Lang::En);
        assert!(s.is_negative());
        let s = a().analyze("I love the new app, great job!", None);
        assert_eq!(s.label, Label::Positive);
        let s = a().analyze("The store opens at nine on Monday.", None);
        assert_eq!(s.label, Label::Neutral);
    }

    #[test]
    fn unknown_language_still_gets_a_score() {
        let s = a().analyze("😡😡😡", None);
        assert!(s.is_negative(), "{s:?}");
        let s = a().analyze("C'est magnifique 😍", None);
        assert_eq!(s.label, Label::Positive, "{s:?}");
        let s = a().analyze("", None);
        assert_eq!(s.label, Label::Neutral);
        assert_eq!(s.score, 0.0);
    }

    #[test]
    fn declared_language_wins_over_detection() {
        let s = a().analyze("gift", Some(Lang::De));
        assert_eq!(s.lang, Lang::De);
        let e = a().explain("gift", Some(Lang::De));
        assert_eq!(e.lang_source, LangSource::Declared);
    }

    #[test]
    fn brand_names_carry_no_sentiment_in_posts_about_the_brand() {
        let names = name_words(&["Glück Reisen", "#GLR", "@glueckreisen"]);
        let names: Vec<&str> = names.iter().map(|n| &**n).collect();
        assert_eq!(
            names,
            ["glück", "reisen", "glückreisen", "glr", "glueckreisen"]
        );
        // Without the names, the brand's own name praises it in every post.
        let t = "Glück Reisen hat meine Buchung storniert";
        assert!(a().analyze(t, Some(Lang::De)).score > 0.0);
        let s = a().analyze_about(t, Some(Lang::De), &names);
        assert!(s.score <= 0.0, "{s:?}");
        let t = "#GlückReisen ist eine Frechheit";
        assert!(a().analyze_about(t, None, &names).is_negative());
        // English, and the explanation agrees.
        let happy = name_words(&["Happy Foods"]);
        let happy: Vec<&str> = happy.iter().map(|n| &**n).collect();
        let t = "Happy Foods recalls its peanut butter";
        assert!(a().analyze(t, Some(Lang::En)).score > 0.0);
        assert_eq!(a().analyze_about(t, Some(Lang::En), &happy).score, 0.0);
        let e = a().explain_about(t, Some(Lang::En), &happy);
        assert!(e.steps.iter().all(|s| s.word != "Happy"), "{:?}", e.steps);
        // Other words keep their valence.
        let t = "Happy Foods is awful";
        assert!(a().analyze_about(t, Some(Lang::En), &happy).is_negative());
    }

    #[test]
    fn scores_stay_in_range() {
        let long = "awful terrible horrible disgusting!!! ".repeat(50);
        let s = a().analyze(&long, Some(Lang::En));
        assert!((-1.0..=1.0).contains(&s.score));
        let long = "Katastrophe Skandal Abzocke!!! ".repeat(50);
        let s = a().analyze(&long, Some(Lang::De));
        assert!((-1.0..=1.0).contains(&s.score));
    }
}
