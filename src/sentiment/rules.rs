//! German rule words: negators, intensifiers and dampeners, contrast conjunctions, and the
//! prefixes that intensify a compound ("megapeinlich"). These are grammar, not opinion, so
//! they live in code next to the rules that use them; opinion words live in the lexicon
//! files. Invariant: no word of [`RULE_WORDS`] (or of the inflected intensifiers) also
//! carries a lexicon valence (the German scorer removes any such valence when it loads).
//! The other lists here only mark lexicon words whose valence a rule treats specially
//! (attitude adverbs, words of ending, words of horror, ironic interjections, words that never
//! end a compound); those keep their valence.

/// How a German rule word acts on the sentiment words near it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RuleWord {
    /// Flips (and dampens) a sentiment word in its scope, before it or at the end of its
    /// clause ("nicht", "nie", "nichts").
    Negator,
    /// A negating determiner or preposition ("kein", "ohne"): it negates only what follows
    /// it, so it never closes a clause as a negator ("Wieder mal kein Netz" does not negate
    /// "wieder mal").
    NegatorBefore,
    /// "weder": negates, and makes a following "noch" a negator too.
    Weder,
    /// Scales the magnitude of the next sentiment word by this much (VADER's scale). An
    /// `f32`, so that a lexicon entry stays within 32 bytes (see `delex::Entry`).
    Degree(f32),
    /// A contrast: what follows outweighs what precedes.
    Contrast,
    /// "doch" is a contrast only at the start of a clause; elsewhere it is a modal particle.
    ContrastAtClauseStart,
}

/// A strong intensifier (VADER's B_INCR).
pub const UP: f32 = 0.293;
/// A mild intensifier.
const MILD: f32 = 0.15;
/// A dampener (VADER's B_DECR).
const DOWN: f32 = -0.293;

pub const RULE_WORDS: &[(&str, RuleWord)] = &[
    ("nicht", RuleWord::Negator),
    ("nich", RuleWord::Negator),
    ("net", RuleWord::Negator),
    ("kein", RuleWord::NegatorBefore),
    ("keine", RuleWord::NegatorBefore),
    ("keinen", RuleWord::NegatorBefore),
    ("keinem", RuleWord::NegatorBefore),
    ("keiner", RuleWord::NegatorBefore),
    ("keines", RuleWord::NegatorBefore),
    ("keins", RuleWord::NegatorBefore),
    ("nie", RuleWord::Negator),
    ("niemals", RuleWord::Negator),
    ("nimmer", RuleWord::Negator),
    ("nichts", RuleWord::Negator),
    ("nix", RuleWord::Negator),
    ("ohne", RuleWord::NegatorBefore),
    ("niemand", RuleWord::Negator),
    ("nirgends", RuleWord::Negator),
    ("nirgendwo", RuleWord::Negator),
    ("keinesfalls", RuleWord::Negator),
    ("keineswegs", RuleWord::Negator),
    ("weder", RuleWord::Weder),
    ("sehr", RuleWord::Degree(UP)),
    ("total", RuleWord::Degree(UP)),
    ("echt", RuleWord::Degree(UP)),
    ("mega", RuleWord::Degree(UP)),
    ("voll", RuleWord::Degree(UP)),
    ("extrem", RuleWord::Degree(UP)),
    ("absolut", RuleWord::Degree(UP)),
    ("überhaupt", RuleWord::Degree(UP)),
    ("gar", RuleWord::Degree(UP)),
    ("wirklich", RuleWord::Degree(UP)),
    ("richtig", RuleWord::Degree(UP)),
    ("völlig", RuleWord::Degree(UP)),
    ("vollkommen", RuleWord::Degree(UP)),
    ("komplett", RuleWord::Degree(UP)),
    ("äußerst", RuleWord::Degree(UP)),
    ("höchst", RuleWord::Degree(UP)),
    ("besonders", RuleWord::Degree(UP)),
    ("unglaublich", RuleWord::Degree(UP)),
    ("unfassbar", RuleWord::Degree(UP)),
    ("ultra", RuleWord::Degree(UP)),
    ("so", RuleWord::Degree(MILD)),
    ("zu", RuleWord::Degree(MILD)),
    ("ganz", RuleWord::Degree(MILD)),
    ("ziemlich", RuleWord::Degree(MILD)),
    ("derbe", RuleWord::Degree(UP)),
    ("tierisch", RuleWord::Degree(UP)),
    ("dermaßen", RuleWord::Degree(UP)),
    ("enorm", RuleWord::Degree(UP)),
    ("massiv", RuleWord::Degree(UP)),
    ("zutiefst", RuleWord::Degree(UP)),
    ("dermassen", RuleWord::Degree(UP)),
    ("sowas", RuleWord::Degree(MILD)),
    ("etwas", RuleWord::Degree(DOWN)),
    ("bisschen", RuleWord::Degree(DOWN)),
    ("bissl", RuleWord::Degree(DOWN)),
    ("kaum", RuleWord::Degree(DOWN)),
    ("wenig", RuleWord::Degree(DOWN)),
    ("eher", RuleWord::Degree(DOWN)),
    ("relativ", RuleWord::Degree(DOWN)),
    ("fast", RuleWord::Degree(DOWN)),
    ("teilweise", RuleWord::Degree(DOWN)),
    ("halbwegs", RuleWord::Degree(DOWN)),
    ("einigermaßen", RuleWord::Degree(DOWN)),
    ("recht", RuleWord::Degree(MILD)),
    ("aber", RuleWord::Contrast),
    ("jedoch", RuleWord::Contrast),
    ("sondern", RuleWord::Contrast),
    ("trotzdem", RuleWord::Contrast),
    ("dennoch", RuleWord::Contrast),
    ("allerdings", RuleWord::Contrast),
    ("doch", RuleWord::ContrastAtClauseStart),
];

/// Intensifiers that are also adjectives: their inflected forms intensify the noun after
/// them ("eine absolute Frechheit", "totaler Reinfall") instead of counting as words of
/// their own (textblob-de reads "absolute" as praise).
pub const ADJECTIVE_INTENSIFIERS: &[&str] = &[
    "absolut",
    "total",
    "völlig",
    "komplett",
    "vollkommen",
    "extrem",
    "echt",
    "unglaublich",
    "unfassbar",
    "enorm",
    "tierisch",
    "massiv",
];

/// Words of horror that, as an adverb right before a word of praise, only say "very": "verdammt
/// gut", "wahnsinnig schön", "scheiß geil", "unheimlich nett". Before a negative word they
/// keep their own valence ("furchtbar schlecht" is doubly bad anyway).
pub const HORROR_INTENSIFIERS: &[&str] = &[
    "wahnsinnig",
    "unheimlich",
    "irre",
    "brutal",
    "verdammt",
    "verflucht",
    "schrecklich",
    "furchtbar",
    "fürchterlich",
    "übelst",
    "höllisch",
    "scheiße",
    "scheiß",
    "scheiss",
];

/// Sentence adverbs that say how the speaker feels about the whole statement. "Das geht
/// leider nicht" regrets a negated statement; it is not a negated regret, so negators leave
/// these words alone.
pub const ATTITUDE_ADVERBS: &[&str] = &[
    "leider",
    "dummerweise",
    "blöderweise",
    "ärgerlicherweise",
    "bedauerlicherweise",
    "unglücklicherweise",
    "glücklicherweise",
    "erfreulicherweise",
    "hoffentlich",
    // "schade" regrets like "leider"; it must not read as trouble that "vorbei" ends
    "schade",
];

/// Words that report trouble as over: the negative word before them in the clause ("Streik
/// beendet", "Störung behoben", "Gefahr abgewendet") loses its valence. On a brand's feed
/// these are the all-clear after a storm, not more of it.
pub const RESOLVING_WORDS: &[&str] = &[
    "beendet",
    "vorbei",
    "vorüber",
    "abgewendet",
    "aufgehoben",
    "behoben",
    "repariert",
    "gelöst",
    "beseitigt",
    "überstanden",
];

/// Words of praise that, standing alone as a clause ("Toll, hab Bauchweh", "Super. Schöne
/// Kopfschmerzen", "… kaputt. Klasse!"), are the commonest German sarcasm: in a post that
/// also complains they mean the opposite. Only in such a post, and only alone in their clause.
pub const IRONIC_INTERJECTIONS: &[&str] = &[
    "toll",
    "super",
    "klasse",
    "prima",
    "spitze",
    "bravo",
    "großartig",
    "wunderbar",
    "herrlich",
    "perfekt",
    "genial",
    "fantastisch",
];

/// Words of praise that, at the end of a longer word, are a different word: "Steuerklasse"
/// (class), "aufgefallen" (fallen), "angepasst" (fitted), "bitteschön", "geblieben",
/// "Eisenbahnfieber" (enthusiasm, while "Fieber" alone is a fever). The compound search stops
/// at them without a valence instead of trying a shorter tail.
pub const NEVER_TAILS: &[&str] = &[
    "klasse", "klassen", "gefallen", "passt", "schön", "lieben", "fieber",
];

/// Prefixes that intensify the word they are glued to ("saublöd", "oberpeinlich").
pub const INTENSIFYING_PREFIXES: &[&str] = &[
    "mega", "super", "hyper", "ultra", "sau", "ober", "stink", "tod", "tot", "erz", "riesen",
    "voll", "extrem", "total", "end", "kack", "scheiß", "scheiss", "mist",
];

/// Factor on valences before the first contrast word, and after it (VADER's "but" rule).
pub const CONTRAST_BEFORE: f64 = 0.5;
pub const CONTRAST_AFTER: f64 = 1.5;

/// How many words a negator or intensifier reaches.
pub const SCOPE: usize = 3;
