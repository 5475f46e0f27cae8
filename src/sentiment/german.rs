//! German: VADER's aggregation (sum of rule-adjusted valences, '!'/'?' emphasis, the same
//! normalisation) over the curated German lexicon ([`super::delex`]) with German rules:
//! negators before the word or at the end of its clause (German verb-second order: "Das
//! gefällt mir nicht"), "weder … noch", intensifiers and dampeners, contrast (aber, jedoch,
//! sondern, trotzdem, clause-initial doch), ALL-CAPS, emoji and emoticons, compounds whose
//! last part is a known word ("Kundenservice-Katastrophe", "Servicekatastrophe"), trouble
//! reported as over ("Streik beendet"), attitude adverbs that negators leave alone ("leider
//! nicht"), words of horror that only intensify praise ("verdammt gut"), salutations that are
//! no affection ("Liebe Telekom, …"), and a word of praise alone in its clause of a complaint
//! as sarcasm ("Toll, hab Bauchweh").
//! Invariant: one hash lookup per ordinary token, no allocation per token; a clause boundary
//! (`.`, `!`, `?`, `;`, `:`, `,`) stops every rule that looks at neighbouring words. Only a
//! post with a lone word of praise is summed twice (see `German::ironic_praise`).

use std::cell::RefCell;

use super::delex::{DeLexicon, Entry};
use super::emoji::EmojiValence;
use super::english::{punctuation_emphasis, B_INCR, C_INCR, N_SCALAR};
use super::explain::{NoTrace, Trace};
use super::rules::{RuleWord, CONTRAST_AFTER, CONTRAST_BEFORE, SCOPE, UP};
use super::text::{self, Lower};
use super::Scored;

/// Distance decay of intensifiers, as in VADER (next word, one between, two between).
const DECAY: [f64; SCOPE] = [1.0, 0.95, 0.9];

/// Beyond this many tokens the sum is damped by sqrt(LONG_TEXT / tokens).
const LONG_TEXT: usize = 30;

/// How a token ends its clause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Boundary {
    None,
    Clause,
    Sentence,
}

#[derive(Debug, Clone, Copy)]
struct Tok {
    start: u32,
    end: u32,
    entry: Entry,
    upper: bool,
    /// Boundary after this token.
    boundary: Boundary,
}

impl Tok {
    #[inline]
    fn has_valence(&self) -> bool {
        !self.entry.valence.is_nan()
    }
}

#[derive(Default)]
struct Scratch {
    toks: Vec<Tok>,
    lower: Lower,
    phrase: String,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// The German scorer.
pub struct German {
    lex: DeLexicon,
    emoji: EmojiValence,
}

impl German {
    pub fn new(emoji: EmojiValence) -> Self {
        German {
            lex: DeLexicon::load(),
            emoji,
        }
    }

    /// The score of `text` read as German.
    pub fn score<T: Trace>(&self, text: &str, tr: &mut T) -> Scored {
        self.score_about(text, &[], tr)
    }

    /// Like [`German::score`], with the lower-case words of `names` (the brand a post is
    /// about) carrying no sentiment: "Gute Laune Reisen" is a name, not praise of a mood.
    pub fn score_about<T: Trace>(&self, text: &str, names: &[&str], tr: &mut T) -> Scored {
        SCRATCH.with(|s| {
            let mut s = s.borrow_mut();
            let s = &mut *s;
            s.toks.clear();
            self.tokenize(text, names, s);
            self.phrases(text, s);
            salutation(text, s);
            horror_before_praise(&mut s.toks);
            self.ironic_praise(text, &mut s.toks);
            self.sum(text, &s.toks, tr).0
        })
    }

    fn tokenize(&self, text: &str, names: &[&str], s: &mut Scratch) {
        let base = text.as_ptr() as usize;
        for chunk in text::py_split(text) {
            if chunk.starts_with('@') || chunk.starts_with("http") || chunk.starts_with("www.") {
                continue;
            }
            let stripped = text::strip_punct_if_word(chunk);
            if let Some(v) = self
                .emoji
                .emoticon(stripped)
                .or_else(|| self.emoji.emoticon(chunk))
            {
                let start = (stripped.as_ptr() as usize - base) as u32;
                s.toks.push(Tok {
                    start,
                    end: start + stripped.len() as u32,
                    entry: Entry::symbol(v),
                    upper: false,
                    boundary: Boundary::None,
                });
                continue;
            }
            let cbase = chunk.as_ptr() as usize - base;
            let mut run: Option<usize> = None;
            for (off, c) in chunk.char_indices() {
                if c.is_alphanumeric() {
                    run.get_or_insert(off);
                    continue;
                }
                if let Some(r) = run.take() {
                    self.push_word(text, cbase + r, cbase + off, names, s);
                }
                if let Some(v) = self.lex.emoji(c).or_else(|| self.emoji.emoji(c)) {
                    let start = (cbase + off) as u32;
                    s.toks.push(Tok {
                        start,
                        end: start + c.len_utf8() as u32,
                        entry: Entry::symbol(v),
                        upper: false,
                        boundary: Boundary::None,
                    });
                    continue;
                }
                let b = match c {
                    '.' | '!' | '?' | ';' | ':' | '…' => Boundary::Sentence,
                    ',' | '(' | ')' | '"' | '–' | '—' | '«' | '»' | '“' | '”' | '„' => {
                        Boundary::Clause
                    }
                    _ => Boundary::None,
                };
                if let Some(last) = s.toks.last_mut() {
                    last.boundary = last.boundary.max(b);
                }
            }
            if let Some(r) = run {
                self.push_word(text, cbase + r, cbase + chunk.len(), names, s);
            }
        }
    }

    #[inline]
    fn push_word(&self, text: &str, start: usize, end: usize, names: &[&str], s: &mut Scratch) {
        let w = &text[start..end];
        let lower = s.lower.of(w);
        let entry = if names.contains(&lower) {
            Entry::NONE
        } else {
            self.lex.lookup(lower)
        };
        let upper = w.len() > 2 && text::py_isupper(w);
        s.toks.push(Tok {
            start: start as u32,
            end: end as u32,
            entry,
            upper,
            boundary: Boundary::None,
        });
    }

    /// Multi-word entries ("nie wieder", "unter aller Sau"): the first word takes the
    /// phrase's valence and loses any rule role; the others become neutral.
    fn phrases(&self, text: &str, s: &mut Scratch) {
        let n = s.toks.len();
        for i in 0..n {
            if !s.toks[i].entry.phrase_start {
                continue;
            }
            s.phrase.clear();
            let mut found = None;
            for k in i..n.min(i + 4) {
                let t = s.toks[k];
                if k > i {
                    if s.toks[k - 1].boundary >= Boundary::Sentence {
                        break;
                    }
                    s.phrase.push(' ');
                }
                let w = &text[t.start as usize..t.end as usize];
                s.phrase.push_str(s.lower.of(w));
                if k > i {
                    if let Some(v) = self.lex.phrase(&s.phrase) {
                        found = Some((k, v));
                    }
                }
            }
            if let Some((last, v)) = found {
                s.toks[i].entry = Entry::phrase(v);
                s.toks[i].boundary = s.toks[last].boundary;
                // The token now spans the phrase, so an explanation names all of it.
                s.toks[i].end = s.toks[last].end;
                for k in i + 1..=last {
                    s.toks[k].entry = Entry::NONE;
                }
            }
        }
    }

    /// "Toll, hab Bauchweh", "Super. Schöne Kopfschmerzen": a word of praise that forms a
    /// clause on its own, in a post whose other words complain, is sarcasm and counts as the
    /// opposite. Praise inside a clause ("ein toller Service") or in a post without a
    /// complaint ("Kein Problem, super!", "Störung behoben. Danke!": the negative words are
    /// negated or resolved) keeps its sense. The rest of the post is scored once more for
    /// this, only when such a word is present.
    fn ironic_praise(&self, text: &str, toks: &mut [Tok]) {
        // "1. Klasse" is a class of travel: an ordinal's dot is no sentence boundary.
        let ordinal = |t: &Tok| {
            text.as_bytes()[t.start as usize..t.end as usize]
                .iter()
                .all(u8::is_ascii_digit)
        };
        // A stack buffer, no allocation: a post with more than four lone words of praise
        // keeps the rest as praise.
        let mut found = [(0usize, 0f64); 4];
        let mut n = 0;
        // An emoji or emoticon ends a clause as a full stop would ("Klasse >:-(").
        let ends = |t: &Tok| t.boundary > Boundary::None || t.entry.symbol;
        for i in 0..toks.len() {
            let t = toks[i];
            let next_symbol = toks.get(i + 1).is_some_and(|n| n.entry.symbol);
            let alone = (t.boundary > Boundary::None || next_symbol)
                && (i == 0 || (ends(&toks[i - 1]) && !ordinal(&toks[i - 1])));
            if t.entry.ironic && alone && t.entry.valence > 0.0 && n < found.len() {
                found[n] = (i, t.entry.valence);
                n += 1;
            }
        }
        if n == 0 {
            return;
        }
        for &(i, _) in &found[..n] {
            toks[i].entry.valence = f64::NAN;
        }
        let (_, complaint) = self.sum(text, toks, &mut NoTrace);
        for &(i, v) in &found[..n] {
            toks[i].entry.valence = if complaint { -v } else { v };
        }
    }

    /// The score, and whether any word counted negative after every rule (a negated or
    /// resolved complaint word does not).
    fn sum<T: Trace>(&self, text: &str, toks: &[Tok], tr: &mut T) -> (Scored, bool) {
        let n = toks.len();
        let word = |i: usize| &text[toks[i].start as usize..toks[i].end as usize];
        let uppers = toks.iter().filter(|t| t.upper).count();
        let cap_diff = uppers > 0 && uppers < n;
        let contrast = toks
            .iter()
            .enumerate()
            .position(|(i, t)| match t.entry.rule {
                Some(RuleWord::Contrast) => true,
                Some(RuleWord::ContrastAtClauseStart) => {
                    i == 0 || toks[i - 1].boundary > Boundary::None
                }
                _ => false,
            });
        let mut sum = 0.0;
        let mut negative = false;
        let mut hits = 0u32;
        for i in 0..n {
            let t = toks[i];
            if !t.has_valence() || t.entry.valence == 0.0 {
                continue;
            }
            if separated_particle(text, toks, i) {
                if T::ON {
                    tr.rule(i, || {
                        "separable verb with its particle: a different, neutral verb".into()
                    });
                }
                continue;
            }
            hits += 1;
            let base = t.entry.valence;
            if t.entry.symbol {
                // Emoji and emoticons say what they say; only the contrast rule weighs them.
                let v = base * contrast_factor(contrast, i);
                if T::ON {
                    tr.word(i, word(i), base);
                    tr.valence(i, word(i), v);
                }
                sum += v;
                negative |= v < 0.0;
                continue;
            }
            if T::ON {
                tr.word(i, word(i), base);
                if t.entry.ironic && base < 0.0 {
                    tr.rule(i, || {
                        "praise alone in its clause of a complaint: sarcasm".into()
                    });
                }
            }
            if base < 0.0 && !t.entry.attitude && !t.entry.phrase {
                if let Some(k) = resolved_by(toks, i) {
                    // "Streik beendet", "Störung behoben": a report that the trouble is
                    // over, not a complaint about it.
                    if T::ON {
                        let w = word(k);
                        tr.rule(i, || format!("over: '{w}'"));
                        tr.valence(i, word(i), 0.0);
                    }
                    continue;
                }
            }
            let sign = base.signum();
            let mut v = base;
            if t.entry.prefix_boost {
                v += sign * B_INCR;
                if T::ON {
                    tr.rule(i, || "intensifying compound prefix".into());
                }
            }
            if t.upper && cap_diff {
                v += sign * C_INCR;
                if T::ON {
                    tr.rule(i, || "ALL CAPS emphasis".into());
                }
            }
            let mut negator: Option<usize> = None;
            for d in 1..=SCOPE.min(i) {
                let j = i - d;
                if toks[j].boundary > Boundary::None {
                    break;
                }
                match toks[j].entry.rule {
                    Some(RuleWord::Degree(b)) => {
                        let s = f64::from(b) * sign * DECAY[d - 1];
                        v += s;
                        if T::ON {
                            let w = word(j);
                            tr.rule(i, || format!("'{w}' modifies by {s:+.3}"));
                        }
                    }
                    Some(RuleWord::Negator)
                    | Some(RuleWord::NegatorBefore)
                    | Some(RuleWord::Weder) => negator = Some(j),
                    _ if toks[j].entry.noch_after_weder && weder_before(toks, j) => {
                        negator = Some(j)
                    }
                    _ => {}
                }
            }
            if negator.is_none() {
                negator = clause_final_negator(toks, i);
            }
            if t.entry.attitude {
                if let Some(j) = negator.take() {
                    if T::ON {
                        let w = word(j);
                        tr.rule(i, || format!("'{w}' negates the statement, not the regret"));
                    }
                }
            }
            if let Some(j) = negator {
                v *= N_SCALAR;
                if T::ON {
                    let w = word(j);
                    tr.rule(i, || format!("negated by '{w}'"));
                }
            }
            if let Some(c) = contrast {
                if i < c {
                    v *= CONTRAST_BEFORE;
                } else if i > c {
                    v *= CONTRAST_AFTER;
                }
                if T::ON && i != c {
                    let w = word(c);
                    let f = if i < c {
                        CONTRAST_BEFORE
                    } else {
                        CONTRAST_AFTER
                    };
                    tr.rule(i, || format!("contrast '{w}': x{f}"));
                }
            }
            if T::ON {
                tr.valence(i, word(i), v);
            }
            sum += v;
            negative |= v < 0.0;
        }
        if n > LONG_TEXT {
            // Articles and long comments mention opinion words in passing; a post's length
            // should not turn a few of them into a strong verdict.
            let f = (LONG_TEXT as f64 / n as f64).sqrt();
            sum *= f;
            if T::ON {
                tr.global(format!("long text ({n} tokens): sum x{f:.2}"));
            }
        }
        let punct = punctuation_emphasis(text);
        if sum > 0.0 {
            sum += punct;
        } else if sum < 0.0 {
            sum -= punct;
        }
        if T::ON && sum != 0.0 && punct != 0.0 {
            tr.global(format!("'!'/'?' emphasis adds {punct:.3} to the magnitude"));
        }
        let scored = Scored {
            score: text::normalize(sum),
            hits,
        };
        (scored, negative)
    }
}

/// The forms of "lieb" that open a salutation ("Liebe Bahn", "Lieber Kundenservice").
const SALUTATIONS: &[&str] = &["liebe", "lieber", "liebes", "liebste", "liebster"];

/// Greetings that may stand before the salutation ("Hallo liebe Bahn").
const GREETINGS: &[&str] = &[
    "hallo", "hi", "hey", "moin", "servus", "guten", "morgen", "tag",
];

/// "verdammt gut", "scheiß geil": a word of horror right before a word of praise, in the
/// same clause, is an intensifier of the praise and says nothing itself.
fn horror_before_praise(toks: &mut [Tok]) {
    for i in 1..toks.len() {
        let (before, next) = (toks[i - 1], toks[i]);
        if before.entry.horror_intensifier
            && before.boundary == Boundary::None
            && next.entry.valence > 0.0
            && !next.entry.symbol
        {
            toks[i - 1].entry = Entry::degree(UP);
        }
    }
}

/// "Liebe Telekom, …" is how German letters and complaints begin, not affection: a form of
/// "lieb" that opens the post and is followed by a name, a noun or an @mention, or that
/// follows a greeting ("Hallo liebes Bahn-Team"), carries no valence. Without this rule every
/// politely opened complaint starts with a strongly positive word.
fn salutation(text: &str, s: &mut Scratch) {
    opening_salutation(text, s);
    inner_salutation(text, s);
}

/// Whether token `i` may address someone: nothing ends its clause, and it is not the
/// "Liebe Grüße" that closes a letter kindly.
fn may_address(text: &str, toks: &[Tok], i: usize) -> bool {
    let next = toks
        .get(i + 1)
        .map(|n| &text[n.start as usize..n.end as usize]);
    let regards = next.is_some_and(|n| n.to_lowercase().starts_with("grüß"));
    toks[i].boundary == Boundary::None && !regards
}

/// Whether a name or a noun (capitalised) or an @mention follows token `i`, which may address.
fn addressee_follows(text: &str, toks: &[Tok], i: usize) -> bool {
    let t = toks[i];
    // Mentions are not tokens, so look at the text right after the word.
    let mention_follows = text[t.end as usize..].trim_start().starts_with('@');
    let name_follows = toks
        .get(i + 1)
        .is_some_and(|n| text[n.start as usize..].starts_with(|c: char| c.is_uppercase()));
    may_address(text, toks, i) && (mention_follows || name_follows)
}

/// A capitalised "Liebe Bahn" later in a post is a salutation too: forum replies start with
/// a quoted header ("Re: DB Bahn Liebe Bahn, …"), and posts greet mid-way ("So, Liebe
/// Kunden"). Lower-case "liebe" there is affection ("Danke, liebe Nachbarn").
fn inner_salutation(text: &str, s: &mut Scratch) {
    for i in 1..s.toks.len() {
        let t = s.toks[i];
        let w = &text[t.start as usize..t.end as usize];
        // Exactly capitalised: "L" and the rest of a listed form in lower case.
        let capitalised = w.strip_prefix('L').is_some_and(|rest| {
            SALUTATIONS
                .iter()
                .any(|f| f.strip_prefix('l') == Some(rest))
        });
        if capitalised && addressee_follows(text, &s.toks, i) {
            s.toks[i].entry = Entry::NONE;
        }
    }
}

/// The salutation that opens a post, after greetings at most.
fn opening_salutation(text: &str, s: &mut Scratch) {
    let word = |t: &Tok| &text[t.start as usize..t.end as usize];
    let mut i = 0;
    while i < s.toks.len() && i < 3 {
        let t = s.toks[i];
        let lower = s.lower.of(word(&t));
        if SALUTATIONS.contains(&lower) {
            let after_greeting = i > 0 && may_address(text, &s.toks, i);
            if after_greeting || addressee_follows(text, &s.toks, i) {
                s.toks[i].entry = Entry::NONE;
            }
            return;
        }
        if !GREETINGS.contains(&lower) {
            return;
        }
        i += 1;
    }
}

fn contrast_factor(contrast: Option<usize>, i: usize) -> f64 {
    match contrast {
        Some(c) if i < c => CONTRAST_BEFORE,
        Some(c) if i > c => CONTRAST_AFTER,
        _ => 1.0,
    }
}

/// Whether a "weder" precedes token `j` in the same sentence (making "noch" a negator).
fn weder_before(toks: &[Tok], j: usize) -> bool {
    for k in (0..j).rev() {
        if toks[k].boundary >= Boundary::Sentence {
            return false;
        }
        if toks[k].entry.rule == Some(RuleWord::Weder) {
            return true;
        }
    }
    false
}

/// Separable verbs whose particle, standing at the end of the clause, makes a different and
/// neutral verb: "Nordwind kündigt einen Börsengang an" announces (ankündigen), it does not
/// cancel (kündigen). News waves are full of these; scoring them negative would turn a press
/// release into a storm.
const SEPARABLE_NEUTRAL: &[(&str, &str)] = &[("kündig", "an")];

/// How far the particle may stand after its verb (the verb's objects come between).
const PARTICLE_SCOPE: usize = 10;

fn separated_particle(text: &str, toks: &[Tok], i: usize) -> bool {
    let word = |k: usize| &text[toks[k].start as usize..toks[k].end as usize];
    let w = word(i);
    SEPARABLE_NEUTRAL.iter().any(|(stem, particle)| {
        let stem_matches = w.len() >= stem.len()
            && w.is_char_boundary(stem.len())
            && w[..stem.len()].to_lowercase() == *stem;
        if !stem_matches {
            return false;
        }
        let mut k = i;
        while k + 1 < toks.len() && k < i + PARTICLE_SCOPE {
            if toks[k].boundary > Boundary::None {
                return false;
            }
            k += 1;
            if word(k).eq_ignore_ascii_case(particle)
                && (k + 1 >= toks.len() || toks[k].boundary > Boundary::None)
            {
                return true;
            }
        }
        false
    })
}

/// How far after a sentiment word a clause-final negator may stand ("Empfehlen kann ich das
/// nicht"): German puts the verb's arguments between them.
const FORWARD_SCOPE: usize = 5;

/// A negator after the sentiment word at `i`, in the same clause, that closes the clause
/// (at most one neutral word after it): German puts "nicht" last in main clauses ("Das
/// gefällt mir nicht", "Empfehlen kann ich das nicht mehr"). Before a word of ending ("Der
/// Streik ist nicht beendet") the negator belongs to that word, not to the trouble.
fn clause_final_negator(toks: &[Tok], i: usize) -> Option<usize> {
    let n = toks.len();
    let mut k = i;
    while k + 1 < n && k < i + FORWARD_SCOPE {
        if toks[k].boundary > Boundary::None {
            return None;
        }
        k += 1;
        let t = toks[k];
        if t.has_valence() {
            return None;
        }
        if matches!(t.entry.rule, Some(RuleWord::Negator)) {
            let closes = |m: usize| m + 1 >= n || toks[m].boundary > Boundary::None;
            let ok = closes(k)
                || (!toks[k + 1].has_valence()
                    && toks[k + 1].entry.rule.is_none()
                    && !toks[k + 1].entry.resolves
                    && closes(k + 1));
            return ok.then_some(k);
        }
    }
    None
}

/// How far after the trouble word its word of ending may stand: German puts the participle
/// last, after the verb's objects ("hat mein Problem in fünf Minuten gelöst").
const RESOLVE_SCOPE: usize = 6;

/// The word that reports the trouble word `i` as over ("Streik beendet", "Der Fehler ist
/// behoben"): within [`RESOLVE_SCOPE`] words in the same clause, with no negator on the way
/// ("Störung noch nicht behoben" stays a complaint).
fn resolved_by(toks: &[Tok], i: usize) -> Option<usize> {
    for k in i + 1..toks.len().min(i + 1 + RESOLVE_SCOPE) {
        if toks[k - 1].boundary > Boundary::None {
            return None;
        }
        let t = toks[k];
        // A phrase on the way keeps its own sense ("immer noch nicht behoben").
        if t.entry.phrase
            || matches!(
                t.entry.rule,
                Some(RuleWord::Negator | RuleWord::NegatorBefore | RuleWord::Weder)
            )
        {
            return None;
        }
        if t.entry.resolves {
            let negated_after = toks.get(k + 1).is_some_and(|n| {
                t.boundary == Boundary::None && matches!(n.entry.rule, Some(RuleWord::Negator))
            });
            return (!negated_after).then_some(k);
        }
    }
    None
}

#[cfg(test)]
#[path = "german_tests.rs"]
mod tests;
