//! Brand matching: which brands a text counts for, by their keywords or Boolean queries.
//!
//! Invariant: one pass over a text finds every brand it mentions, whatever the number of
//! brands. All brands' terms sit in one Aho-Corasick automaton ([`automaton`]); each brand
//! whose terms were found then has its expression judged on the occurrences ([`eval`]).
//! Texts and terms go through the same folding ([`fold`]: case, umlauts, ß, accents, white
//! space), terms match on word boundaries only, and a multi-word term also matches its
//! hyphenated and joined spellings ([`term`]). A brand's `keywords` are an OR of terms whose
//! occurrences inside an `exclude` phrase do not count; a `query` is parsed by [`query`].
//! Language and source filters ([`filters`]) are applied by the engine, which knows the
//! post's language.
//!
//! - [`fold`]: the normal form of texts and terms, and word positions.
//! - [`term`]: one term and its spellings.
//! - [`query`]: the query language → [`Expr`].
//! - [`automaton`]: all spellings in one automaton; text → term hits.
//! - [`eval`]: one brand's expression on its hits, with exclusions and `NEAR/n`.
//! - [`matcher`]: the whole, [`BrandMatcher`].
//! - [`filters`]: per-brand `languages` and `sources`.

pub mod anchor;
pub mod automaton;
pub mod eval;
pub mod filters;
pub mod fold;
pub mod matcher;
pub mod query;
pub mod term;

#[cfg(test)]
mod tests;

pub use filters::Filters;
pub use fold::fold;
pub use matcher::{BrandMatcher, Candidate};
pub use query::{Expr, Query, QueryError};
pub use term::{Term, TermKind};

#[derive(Debug, thiserror::Error)]
#[error("cannot build the keyword automaton: {0}")]
pub struct MatchError(pub String);

/// What one brand matches on, as configured: `keywords` (with `exclude`), or a `query`
/// (then `keywords` and `exclude` are ignored; the config never sets both).
#[derive(Debug, Clone, Copy)]
pub struct BrandSpec<'a> {
    pub keywords: &'a [String],
    pub exclude: &'a [String],
    pub query: Option<&'a Query>,
}

impl<'a> BrandSpec<'a> {
    /// A brand matched by keywords.
    pub fn keywords(keywords: &'a [String], exclude: &'a [String]) -> Self {
        BrandSpec {
            keywords,
            exclude,
            query: None,
        }
    }
}
