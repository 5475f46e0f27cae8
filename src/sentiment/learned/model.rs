//! A trained model: the weights of a 3-class logistic regression over hashed features, how it
//! scores a post, and its file format (see the parent module for the layout).
//!
//! Invariant: a `Model` in memory has passed every check of [`Model::from_bytes`] (magic,
//! versions, language, sizes, checksum, finite weights), so scoring never fails and never
//! panics, whatever file it came from.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use super::super::{Label, Lang};
use super::features::{
    self, Feature, Fnv, LexiconView, Sink, CHAR_GROUP, CLASSES, DENSE, FEATURE_SET_VERSION, GROUPS,
    WORD_GROUP,
};
use super::words::{WordSum, WordTable, MAX_GRAMS_PER_WORD, MAX_TABLE_WORDS};

pub(crate) const MAGIC: &[u8; 8] = b"STGLSENT";
/// Version 2 added the word table; version 1 files (no table) still load and score the same.
pub(crate) const FORMAT_VERSION: u16 = 2;
const OLDEST_FORMAT_VERSION: u16 = 1;
const HEADER: usize = 8 + 2 + 2 + 1 + 3 + 4 + 4;
const CHECKSUM: usize = 8;
/// One word of the table in the file: hash, three sums, n-gram count.
const WORD_BYTES: usize = 8 + 12 + 4;
/// Bounds on the bucket count: below the minimum collisions ruin a model; above the maximum
/// a file would be hundreds of megabytes for no gain on posts.
pub const MIN_BUCKETS: u32 = 1 << 10;
pub const MAX_BUCKETS: u32 = 1 << 22;
/// How many weight rows `predict` gathers before it sums them.
const BATCH: usize = 128;

/// Why a model file was refused.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("cannot read {path}: {err}")]
    Io {
        path: PathBuf,
        /// Not a `source`: the message already says it, and `{:#}` would say it twice.
        err: std::io::Error,
    },
    #[error("cannot write {path}: {err}")]
    Write {
        path: PathBuf,
        /// Not a `source`: the message already says it, and `{:#}` would say it twice.
        err: std::io::Error,
    },
    #[error("not a sturmglas sentiment model (bad magic bytes)")]
    BadMagic,
    #[error("model file format version {found} is not supported (this sturmglas reads versions 1 to {supported}); train the model again")]
    UnsupportedVersion { found: u16, supported: u16 },
    #[error("model was trained with feature set {found}, this sturmglas uses feature set {supported}; train the model again")]
    FeatureSet { found: u8, supported: u8 },
    #[error("model language {0:?} is not one sturmglas knows")]
    UnknownLanguage(String),
    #[error("model is for {found}, not {expected}")]
    WrongLanguage {
        expected: &'static str,
        found: &'static str,
    },
    #[error("model header is invalid: {0}")]
    BadHeader(String),
    #[error("model file is truncated: {found} bytes, expected {expected}")]
    Truncated { expected: u64, found: u64 },
    #[error("model file has {extra} bytes after its end")]
    TrailingBytes { extra: u64 },
    #[error("model file is corrupted (checksum mismatch)")]
    Checksum,
    #[error("model weights are not finite numbers")]
    NotFinite,
    #[error("model word table is invalid: {0}")]
    WordTable(String),
}

/// One language's learned layer.
#[derive(Clone)]
pub struct Model {
    lang: Lang,
    buckets: u32,
    /// Row-major: (buckets + DENSE) rows of one weight per class, so one feature's three
    /// weights share a cache line.
    weights: Vec<f32>,
    /// The character n-gram sums of the training posts' frequent words (see `words`).
    words: WordTable,
}

impl fmt::Debug for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Model")
            .field("lang", &self.lang)
            .field("buckets", &self.buckets)
            .field("words", &self.words.len())
            .finish_non_exhaustive()
    }
}

/// Class probabilities of one post.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct ClassProbabilities {
    pub negative: f64,
    pub neutral: f64,
    pub positive: f64,
}

impl ClassProbabilities {
    fn from_array(p: [f32; 3]) -> Self {
        ClassProbabilities {
            negative: f64::from(p[0]),
            neutral: f64::from(p[1]),
            positive: f64::from(p[2]),
        }
    }
    /// The most probable class; ties go to the class listed first (negative).
    pub fn label(&self) -> Label {
        let p = [self.negative, self.neutral, self.positive];
        let mut best = 0;
        for k in 1..3 {
            if p[k] > p[best] {
                best = k;
            }
        }
        CLASSES[best]
    }
    /// The score the analyzer reports: p(positive) - p(negative), in [-1, 1].
    pub fn score(&self) -> f64 {
        (self.positive - self.negative).clamp(-1.0, 1.0)
    }
}

/// A feature that pushed a post towards its predicted class, for `explain`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FeatureWeight {
    pub feature: String,
    /// How much it raised the predicted class's logit over the mean of the other two.
    pub weight: f64,
}

/// What the learned layer did to one post.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ModelExplanation {
    /// The lexicon's own score and label, which the model overrode.
    pub lexicon_score: f64,
    pub lexicon_label: Label,
    pub probabilities: ClassProbabilities,
    /// The strongest features towards the predicted class, strongest first.
    pub top_features: Vec<FeatureWeight>,
}

fn softmax(z: [f32; 3]) -> [f32; 3] {
    let m = z[0].max(z[1]).max(z[2]);
    let e = [(z[0] - m).exp(), (z[1] - m).exp(), (z[2] - m).exp()];
    let s = e[0] + e[1] + e[2];
    [e[0] / s, e[1] / s, e[2] / s]
}

impl Model {
    pub(crate) fn from_weights(lang: Lang, buckets: u32, weights: Vec<f32>) -> Model {
        debug_assert_eq!(weights.len(), (buckets as usize + DENSE) * 3);
        Model {
            lang,
            buckets,
            weights,
            words: WordTable::default(),
        }
    }

    /// Fills the word table with `words` (the first [`MAX_TABLE_WORDS`] distinct ones, in
    /// the order given), replacing any table the model had. `train` fills it with the
    /// training posts' words; an empty list turns the table off, for measuring what it saves.
    pub fn with_words<'a>(mut self, words: impl IntoIterator<Item = &'a str>) -> Model {
        let mut seen = std::collections::HashSet::new();
        let sums: Vec<WordSum> = words
            .into_iter()
            .map(|w| self.word_sum(w))
            .filter(|w| w.hash != 0 && seen.insert(w.hash))
            .take(MAX_TABLE_WORDS)
            .collect();
        // Cannot fail: hashes are non-zero, distinct and at most MAX_TABLE_WORDS.
        self.words = WordTable::new(&sums).unwrap_or_default();
        self
    }

    /// How many words the word table holds.
    pub fn table_words(&self) -> usize {
        self.words.len()
    }

    /// Heap bytes held by the weights and the word table.
    pub fn heap_bytes(&self) -> usize {
        self.weights.capacity() * 4 + self.words.heap_bytes()
    }

    /// How many of `text`'s words the word table holds, and how many words `text` has.
    pub fn table_hits(&self, text: &str) -> (usize, usize) {
        let mut hits = 0;
        let mut all = 0;
        for (h, _) in features::words(text) {
            all += 1;
            hits += usize::from(self.words.get(h).is_some());
        }
        (hits, all)
    }

    /// A word's entry: the sum of its character n-grams' rows, added in emission order.
    fn word_sum(&self, word: &str) -> WordSum {
        let mut sum = [0f32; 3];
        let mut grams = 0;
        features::word_grams(word, |h, _| {
            let w = self.row(Self::row_of(self.buckets, h));
            for k in 0..3 {
                sum[k] += w[k];
            }
            grams += 1;
        });
        let hash = features::word_hash(word);
        WordSum {
            hash,
            sum,
            grams,
            unigram: self.unigram_row(hash),
        }
    }

    /// The weight row of the unigram of the token whose hash is `token`.
    fn unigram_row(&self, token: u64) -> [f32; 3] {
        let w = self.row(Self::row_of(self.buckets, features::unigram_hash(token)));
        [w[0], w[1], w[2]]
    }

    pub fn lang(&self) -> Lang {
        self.lang
    }

    pub fn buckets(&self) -> u32 {
        self.buckets
    }

    /// `hash % buckets`. For a power of two (the default) a mask gives the same row without
    /// a 64-bit division per feature.
    #[inline]
    pub(crate) fn row_of(buckets: u32, hash: u64) -> usize {
        if buckets.is_power_of_two() {
            (hash & u64::from(buckets - 1)) as usize
        } else {
            (hash % u64::from(buckets)) as usize
        }
    }

    #[inline]
    fn row(&self, r: usize) -> &[f32] {
        &self.weights[r * 3..r * 3 + 3]
    }

    /// The class probabilities of `text`, given what the lexicon said about it.
    pub(crate) fn predict(&self, text: &str, lex: &LexiconView) -> ClassProbabilities {
        ClassProbabilities::from_array(softmax(self.logits(text, lex)))
    }

    /// The three classes' logits, before the softmax.
    ///
    /// The rows are gathered first and summed in batches: the sums then stay in registers,
    /// and the weight loads, which miss the cache on a big model, no longer wait on each
    /// other. A word in the word table adds its n-grams' sum in one step, so the sums may
    /// differ from feature-by-feature sums in the last bits.
    fn logits(&self, text: &str, lex: &LexiconView) -> [f32; 3] {
        let mut g = Gather {
            model: self,
            acc: [[0f32; 3]; GROUPS],
            count: [0u32; GROUPS],
            rows: [[0u32; BATCH]; GROUPS],
            filled: [0usize; GROUPS],
        };
        features::walk(text, &mut g);
        let mut z = [0f32; 3];
        for k in 0..GROUPS {
            self.add_rows(&g.rows[k][..g.filled[k]], &mut g.acc[k]);
            if g.count[k] > 0 {
                let s = features::group_scale(g.count[k]);
                for (zc, a) in z.iter_mut().zip(g.acc[k]) {
                    *zc += a * s;
                }
            }
        }
        let base = self.buckets as usize;
        for (i, v) in features::dense(lex).iter().enumerate() {
            if *v != 0.0 {
                let w = self.row(base + i);
                for k in 0..3 {
                    z[k] += w[k] * v;
                }
            }
        }
        z
    }

    /// Adds the weight rows `rows` to `acc`, in order.
    #[inline]
    fn add_rows(&self, rows: &[u32], acc: &mut [f32; 3]) {
        let [mut a0, mut a1, mut a2] = *acc;
        for r in rows {
            let w = self.row(*r as usize);
            a0 += w[0];
            a1 += w[1];
            a2 += w[2];
        }
        *acc = [a0, a1, a2];
    }

    /// Like [`Model::predict`], and names the features that pushed hardest towards the
    /// predicted class (off the hot path: this one allocates).
    pub(crate) fn explain(&self, text: &str, lex: &LexiconView, top: usize) -> ModelExplanation {
        let probabilities = self.predict(text, lex);
        let c = features::label_index(probabilities.label());
        let toward = |w: &[f32]| {
            let others: f32 = (0..3).filter(|k| *k != c).map(|k| w[k]).sum();
            f64::from(w[c] - others / 2.0)
        };
        let mut count = [0u32; GROUPS];
        features::for_each(text, |_, f| count[f.group()] += 1);
        let mut by_name: HashMap<String, f64> = HashMap::new();
        features::for_each(text, |h, f| {
            let s = f64::from(features::group_scale(count[f.group()]));
            let w = self.row(Self::row_of(self.buckets, h));
            *by_name.entry(f.display()).or_default() += toward(w) * s;
        });
        for (i, v) in features::dense(lex).iter().enumerate() {
            if *v != 0.0 {
                let w = self.row(self.buckets as usize + i);
                *by_name.entry(features::dense_name(i, lex)).or_default() +=
                    toward(w) * f64::from(*v);
            }
        }
        let mut all: Vec<FeatureWeight> = by_name
            .into_iter()
            .filter(|(_, w)| *w > 0.0)
            .map(|(feature, weight)| FeatureWeight { feature, weight })
            .collect();
        all.sort_by(|a, b| {
            b.weight
                .total_cmp(&a.weight)
                .then_with(|| a.feature.cmp(&b.feature))
        });
        all.truncate(top);
        ModelExplanation {
            lexicon_score: lex.score,
            lexicon_label: lex.label,
            probabilities,
            top_features: all,
        }
    }

    /// The file form; see the module documentation of `learned` for the layout.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(
            HEADER + self.weights.len() * 4 + 4 + self.words.len() * WORD_BYTES + CHECKSUM,
        );
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(self.lang.as_str().as_bytes());
        out.push(FEATURE_SET_VERSION);
        out.extend_from_slice(&[0, 0, 0]);
        out.extend_from_slice(&self.buckets.to_le_bytes());
        out.extend_from_slice(&(DENSE as u32).to_le_bytes());
        for w in &self.weights {
            out.extend_from_slice(&w.to_le_bytes());
        }
        out.extend_from_slice(&(self.words.len() as u32).to_le_bytes());
        for w in self.words.words() {
            out.extend_from_slice(&w.hash.to_le_bytes());
            for x in w.sum {
                out.extend_from_slice(&x.to_le_bytes());
            }
            out.extend_from_slice(&w.grams.to_le_bytes());
        }
        let mut h = Fnv::new(b'f');
        h.bytes(&out);
        out.extend_from_slice(&h.finish().to_le_bytes());
        out
    }

    /// Reads a model file, checking everything before any weight is used.
    pub fn from_bytes(b: &[u8]) -> Result<Model, ModelError> {
        if b.len() < MAGIC.len() || &b[..MAGIC.len()] != MAGIC {
            return Err(ModelError::BadMagic);
        }
        if b.len() < HEADER {
            return Err(ModelError::Truncated {
                expected: HEADER as u64,
                found: b.len() as u64,
            });
        }
        let u16_at = |i: usize| u16::from_le_bytes([b[i], b[i + 1]]);
        let u32_at = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        let version = u16_at(8);
        if !(OLDEST_FORMAT_VERSION..=FORMAT_VERSION).contains(&version) {
            return Err(ModelError::UnsupportedVersion {
                found: version,
                supported: FORMAT_VERSION,
            });
        }
        let code = String::from_utf8_lossy(&b[10..12]).into_owned();
        let lang = match code.as_str() {
            "de" => Lang::De,
            "en" => Lang::En,
            _ => return Err(ModelError::UnknownLanguage(code)),
        };
        if b[12] != FEATURE_SET_VERSION {
            return Err(ModelError::FeatureSet {
                found: b[12],
                supported: FEATURE_SET_VERSION,
            });
        }
        if b[13..16] != [0, 0, 0] {
            return Err(ModelError::BadHeader("reserved bytes are not zero".into()));
        }
        let buckets = u32_at(16);
        if !(MIN_BUCKETS..=MAX_BUCKETS).contains(&buckets) {
            return Err(ModelError::BadHeader(format!(
                "bucket count {buckets} is outside {MIN_BUCKETS}..={MAX_BUCKETS}"
            )));
        }
        let dense = u32_at(20);
        if dense as usize != DENSE {
            return Err(ModelError::BadHeader(format!(
                "{dense} dense features, expected {DENSE}"
            )));
        }
        let n = (buckets as usize + DENSE) * 3;
        let weights_end = HEADER + n * 4;
        // Version 1 ends with the weights; version 2 adds the word count and the words.
        let mut words = 0usize;
        if version >= 2 && b.len() >= weights_end + 4 {
            words = u32_at(weights_end) as usize;
            if words > MAX_TABLE_WORDS {
                return Err(ModelError::WordTable(format!(
                    "{words} words, more than {MAX_TABLE_WORDS}"
                )));
            }
        }
        let table = if version >= 2 {
            4 + words * WORD_BYTES
        } else {
            0
        };
        let expected = weights_end + table + CHECKSUM;
        if b.len() < expected {
            return Err(ModelError::Truncated {
                expected: expected as u64,
                found: b.len() as u64,
            });
        }
        if b.len() > expected {
            return Err(ModelError::TrailingBytes {
                extra: (b.len() - expected) as u64,
            });
        }
        let body = &b[..expected - CHECKSUM];
        let mut h = Fnv::new(b'f');
        h.bytes(body);
        let mut sum = [0u8; 8];
        sum.copy_from_slice(&b[expected - CHECKSUM..]);
        if h.finish() != u64::from_le_bytes(sum) {
            return Err(ModelError::Checksum);
        }
        let f32s = |bytes: &[u8]| -> Vec<f32> {
            bytes
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect()
        };
        let weights = f32s(&body[HEADER..weights_end]);
        if weights.iter().any(|w| !w.is_finite()) {
            return Err(ModelError::NotFinite);
        }
        let mut sums = Vec::with_capacity(words);
        if version >= 2 {
            for e in body[weights_end + 4..].chunks_exact(WORD_BYTES) {
                let mut hash = [0u8; 8];
                hash.copy_from_slice(&e[..8]);
                let f = f32s(&e[8..20]);
                let grams = u32::from_le_bytes([e[20], e[21], e[22], e[23]]);
                if f.iter().any(|x| !x.is_finite()) || grams > MAX_GRAMS_PER_WORD {
                    return Err(ModelError::WordTable(
                        "a word's sum is not finite or its n-gram count is too large".into(),
                    ));
                }
                sums.push(WordSum {
                    hash: u64::from_le_bytes(hash),
                    sum: [f[0], f[1], f[2]],
                    grams,
                    unigram: [0.0; 3],
                });
            }
        }
        let mut model = Model {
            lang,
            buckets,
            weights,
            words: WordTable::default(),
        };
        for w in &mut sums {
            w.unigram = model.unigram_row(w.hash);
        }
        model.words = WordTable::new(&sums).map_err(|e| ModelError::WordTable(e.to_string()))?;
        Ok(model)
    }

    /// Loads a model file. The size is checked before reading, so pointing the config at a
    /// huge unrelated file fails fast instead of reading it all.
    pub fn load(path: &Path) -> Result<Model, ModelError> {
        let io = |err| ModelError::Io {
            path: path.to_path_buf(),
            err,
        };
        let len = std::fs::metadata(path).map_err(io)?.len();
        let max = (HEADER
            + (MAX_BUCKETS as usize + DENSE) * 12
            + 4
            + MAX_TABLE_WORDS * WORD_BYTES
            + CHECKSUM) as u64;
        if len > max {
            return Err(ModelError::BadHeader(format!(
                "file is {len} bytes, larger than any model ({max})"
            )));
        }
        let bytes = std::fs::read(path).map_err(io)?;
        Model::from_bytes(&bytes)
    }

    /// Loads a model file that must be for `lang`.
    pub fn load_for(path: &Path, lang: Lang) -> Result<Model, ModelError> {
        let m = Model::load(path)?;
        if m.lang != lang {
            return Err(ModelError::WrongLanguage {
                expected: lang_name(lang),
                found: lang_name(m.lang),
            });
        }
        Ok(m)
    }

    /// Writes the model through a temporary file and a rename, so a daemon reloading at the
    /// same moment sees the old file or the new one, never half of one.
    pub fn save(&self, path: &Path) -> Result<(), ModelError> {
        let err = |err| ModelError::Write {
            path: path.to_path_buf(),
            err,
        };
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(format!(".tmp{}", std::process::id()));
        let tmp = PathBuf::from(tmp);
        std::fs::write(&tmp, self.to_bytes()).map_err(err)?;
        std::fs::rename(&tmp, path).map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            err(e)
        })
    }
}

/// What `logits` gathers while walking a post's features.
struct Gather<'m> {
    model: &'m Model,
    acc: [[f32; 3]; GROUPS],
    count: [u32; GROUPS],
    rows: [[u32; BATCH]; GROUPS],
    filled: [usize; GROUPS],
}

impl<'a> Sink<'a> for Gather<'_> {
    #[inline(always)]
    fn word(&mut self, hash: u64) -> bool {
        let Some(w) = self.model.words.get(hash) else {
            return false;
        };
        for k in 0..3 {
            self.acc[WORD_GROUP][k] += w.unigram[k];
            self.acc[CHAR_GROUP][k] += w.sum[k];
        }
        self.count[WORD_GROUP] += 1;
        self.count[CHAR_GROUP] += w.grams;
        true
    }

    #[inline(always)]
    fn word_ahead(&mut self, hash: u64) {
        if let Some(slot) = self.model.words.slot_ptr(hash) {
            prefetch(slot);
        }
    }

    #[inline(always)]
    fn feature(&mut self, hash: u64, f: Feature<'a>) {
        let g = f.group();
        let r = Model::row_of(self.model.buckets, hash);
        prefetch(self.model.weights.as_ptr().wrapping_add(r * 3));
        // Rows fit in u32: buckets are at most MAX_BUCKETS.
        self.rows[g][self.filled[g]] = r as u32;
        self.filled[g] += 1;
        self.count[g] += 1;
        if self.filled[g] == BATCH {
            self.model.add_rows(&self.rows[g], &mut self.acc[g]);
            self.filled[g] = 0;
        }
    }
}

/// Asks the CPU to start loading the cache line at `p`. Why: on a big model every weight
/// row and word-table slot is a cache miss; asked for as soon as its hash is known, the load
/// runs while the next features are hashed instead of stalling the sums at the end.
#[inline(always)]
fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `_mm_prefetch` is only a hint: it never faults, whatever the address, and
    // changes no memory the program can see. SSE, which it needs, is part of x86-64.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

fn lang_name(l: Lang) -> &'static str {
    match l {
        Lang::De => "German (de)",
        Lang::En => "English (en)",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `predict` computed before it batched its sums: each feature's row added as it
    /// is emitted. The batched form must give the same bits.
    fn one_by_one(m: &Model, text: &str, lex: &LexiconView) -> [f32; 3] {
        let mut acc = [[0f32; 3]; GROUPS];
        let mut count = [0u32; GROUPS];
        features::for_each(text, |h, f| {
            let w = m.row(Model::row_of(m.buckets, h));
            for k in 0..3 {
                acc[f.group()][k] += w[k];
            }
            count[f.group()] += 1;
        });
        let mut z = [0f32; 3];
        for g in 0..GROUPS {
            for k in 0..3 {
                z[k] += acc[g][k] * features::group_scale(count[g]);
            }
        }
        for (i, v) in features::dense(lex).iter().enumerate() {
            let w = m.row(m.buckets as usize + i);
            for (zk, wk) in z.iter_mut().zip(w) {
                *zk += wk * v;
            }
        }
        z
    }

    #[test]
    fn batched_sums_equal_feature_by_feature_sums() {
        let buckets = 1 << 12;
        // Weights of mixed magnitudes, so that the order of the additions shows in the bits.
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let weights = (0..(buckets + DENSE) * 3)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                ((x >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * if x & 1 == 0 { 1e3 } else { 1e-3 }
            })
            .collect();
        let m = Model::from_weights(Lang::De, buckets as u32, weights);
        let lex = LexiconView {
            score: -0.4,
            hits: 2,
            label: Label::Negative,
        };
        let long =
            "Die Kundenservice-Katastrophe geht weiter, unverschämt und enttäuschend! ".repeat(20);
        for text in [
            "",
            "Abzocke",
            "Nie wieder 😡 @nordwind https://x.y/z",
            &long,
        ] {
            assert_eq!(
                m.logits(text, &lex).map(f32::to_bits),
                one_by_one(&m, text, &lex).map(f32::to_bits),
                "{text}"
            );
        }
        // The long text fills several batches of each group.
        let mut count = [0usize; GROUPS];
        features::for_each(&long, |_, f| count[f.group()] += 1);
        assert!(count.iter().all(|c| *c > 2 * BATCH), "{count:?}");
    }

    #[test]
    fn a_word_in_the_table_is_scored_from_its_sum() {
        let buckets = 1 << 12;
        let weights = (0..(buckets + DENSE) * 3)
            .map(|i| (i % 7) as f32 * 0.01)
            .collect();
        let m = Model::from_weights(Lang::De, buckets as u32, weights).with_words(["Kaputt"]);
        let lex = LexiconView {
            score: 0.0,
            hits: 0,
            label: Label::Neutral,
        };
        let entry = *m.words.words().next().unwrap();
        assert_eq!(
            entry.hash,
            features::word_hash("kaputt"),
            "case forms share a hash"
        );
        assert_eq!(
            entry.grams,
            6 + 5 + 4,
            "<kaputt>: six 3-grams, five 4-grams, four 5-grams"
        );
        let plain = one_by_one(&m, "kaputt", &lex);
        let fast = m.logits("KAPUTT", &lex);
        for k in 0..3 {
            assert!((plain[k] - fast[k]).abs() < 1e-5, "{plain:?} {fast:?}");
        }
        // A different sum in the table shows in the logits: the look-up is what scores it.
        let mut tampered = m.clone();
        tampered.words = WordTable::new(&[WordSum {
            sum: [100.0, 0.0, 0.0],
            ..entry
        }])
        .unwrap();
        let z = tampered.logits("kaputt", &lex);
        assert!(z[0] - fast[0] > 10.0, "{z:?} {fast:?}");
        assert_eq!(tampered.logits("heil", &lex), m.logits("heil", &lex));
    }
}
