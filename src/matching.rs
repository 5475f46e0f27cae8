//! Brand matching: every brand's keywords and exclusions in one Aho-Corasick automaton.
//!
//! Invariant: one pass over a text finds every brand it mentions, whatever the number of
//! brands. Text and keywords go through the same folding (lower case, ä→ae, ö→oe, ü→ue, ß→ss,
//! common accents dropped, runs of white space collapsed), so "Müller", "MUELLER" and "müller"
//! are one name; a match counts only on word boundaries, so "Nordwind" does not match
//! "Nordwindrichtung"; `#tag` and `@handle` keywords match as written, and a plain keyword also
//! matches its hashtag ("#nordwind" for "Nordwind").

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

/// What a pattern in the automaton stands for.
#[derive(Debug, Clone, Copy)]
struct PatternInfo {
    brand: usize,
    exclude: bool,
}

/// The compiled keywords of all brands.
pub struct BrandMatcher {
    automaton: Option<AhoCorasick>,
    patterns: Vec<PatternInfo>,
    brand_count: usize,
}

#[derive(Debug, thiserror::Error)]
#[error("cannot build the keyword automaton: {0}")]
pub struct MatchError(String);

/// Keywords and exclusions of one brand, as configured.
pub struct BrandKeywords<'a> {
    pub keywords: &'a [String],
    pub exclude: &'a [String],
}

/// Folds text for matching; see the module docs. Output is lower case ASCII where the input
/// was Latin, other scripts pass through lower-cased.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut last_space = true;
    for c in text.chars() {
        if c.is_whitespace() {
            if !last_space {
                out.push(' ');
                last_space = true;
            }
            continue;
        }
        last_space = false;
        match c {
            'ä' | 'Ä' => out.push_str("ae"),
            'ö' | 'Ö' => out.push_str("oe"),
            'ü' | 'Ü' => out.push_str("ue"),
            'ß' | 'ẞ' => out.push_str("ss"),
            'à' | 'á' | 'â' | 'ã' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Å' => out.push('a'),
            'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => out.push('e'),
            'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => out.push('i'),
            'ò' | 'ó' | 'ô' | 'õ' | 'Ò' | 'Ó' | 'Ô' | 'Õ' => out.push('o'),
            'ù' | 'ú' | 'û' | 'Ù' | 'Ú' | 'Û' => out.push('u'),
            'ç' | 'Ç' => out.push('c'),
            'ñ' | 'Ñ' => out.push('n'),
            c if c.is_ascii() => out.push(c.to_ascii_lowercase()),
            c => out.extend(c.to_lowercase()),
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

impl BrandMatcher {
    pub fn new(brands: &[BrandKeywords<'_>]) -> Result<Self, MatchError> {
        let mut pats: Vec<String> = Vec::new();
        let mut patterns = Vec::new();
        let mut add = |p: String, info: PatternInfo| {
            if !p.is_empty() {
                pats.push(p);
                patterns.push(info);
            }
        };
        for (brand, b) in brands.iter().enumerate() {
            for k in b.keywords {
                let f = fold(k);
                let plain = !f.starts_with('#') && !f.starts_with('@');
                if plain {
                    // "Nordwind Energie" is also written #NordwindEnergie.
                    let tag: String = f.chars().filter(|c| *c != ' ').collect();
                    add(
                        format!("#{tag}"),
                        PatternInfo {
                            brand,
                            exclude: false,
                        },
                    );
                }
                add(
                    f,
                    PatternInfo {
                        brand,
                        exclude: false,
                    },
                );
            }
            for x in b.exclude {
                add(
                    fold(x),
                    PatternInfo {
                        brand,
                        exclude: true,
                    },
                );
            }
        }
        let automaton = if pats.is_empty() {
            None
        } else {
            Some(
                AhoCorasickBuilder::new()
                    .match_kind(MatchKind::Standard)
                    .build(&pats)
                    .map_err(|e| MatchError(e.to_string()))?,
            )
        };
        Ok(BrandMatcher {
            automaton,
            patterns,
            brand_count: brands.len(),
        })
    }

    /// The brands (indices into the configured list) that `text` mentions, in order.
    pub fn matches(&self, text: &str) -> Vec<usize> {
        let Some(ac) = &self.automaton else {
            return Vec::new();
        };
        let folded = fold(text);
        let mut hit: Vec<usize> = Vec::new();
        let mut excluded: Vec<usize> = Vec::new();
        for m in ac.find_overlapping_iter(&folded) {
            let before = folded[..m.start()].chars().next_back();
            let after = folded[m.end()..].chars().next();
            let pat = &folded[m.start()..m.end()];
            let first = pat.chars().next();
            let last = pat.chars().next_back();
            // A boundary is needed only where the keyword itself starts/ends with a word char.
            let left_ok = !first.is_some_and(is_word_char) || !before.is_some_and(is_word_char);
            let right_ok = !last.is_some_and(is_word_char) || !after.is_some_and(is_word_char);
            // "#nordwind" must not match inside "##nordwind" or "x#nordwind"-style junk only
            // when preceded by a word char.
            let tag_ok =
                !(matches!(first, Some('#') | Some('@')) && before.is_some_and(is_word_char));
            if !(left_ok && right_ok && tag_ok) {
                continue;
            }
            let info = self.patterns[m.pattern().as_usize()];
            let list = if info.exclude {
                &mut excluded
            } else {
                &mut hit
            };
            if !list.contains(&info.brand) {
                list.push(info.brand);
            }
        }
        hit.retain(|b| !excluded.contains(b));
        hit.sort_unstable();
        hit
    }

    pub fn brand_count(&self) -> usize {
        self.brand_count
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matcher(brands: &[(&[&str], &[&str])]) -> BrandMatcher {
        let owned: Vec<(Vec<String>, Vec<String>)> = brands
            .iter()
            .map(|(k, x)| {
                (
                    k.iter().map(|s| s.to_string()).collect(),
                    x.iter().map(|s| s.to_string()).collect(),
                )
            })
            .collect();
        let specs: Vec<BrandKeywords> = owned
            .iter()
            .map(|(k, x)| BrandKeywords {
                keywords: k,
                exclude: x,
            })
            .collect();
        BrandMatcher::new(&specs).unwrap()
    }

    #[test]
    fn folds_case_umlauts_and_space() {
        assert_eq!(fold("  Grüße   aus MÜNCHEN "), "gruesse aus muenchen");
        assert_eq!(fold("Café"), "cafe");
    }

    #[test]
    fn matches_on_word_boundaries_only() {
        let m = matcher(&[(&["Nordwind"], &[])]);
        assert_eq!(m.matches("Nordwind hat wieder Preise erhöht"), vec![0]);
        assert_eq!(m.matches("nordwind!"), vec![0]);
        assert!(m.matches("Nordwindrichtung heute").is_empty());
        assert!(m.matches("Sturmnordwind").is_empty());
    }

    #[test]
    fn german_folding_matches_both_spellings() {
        let m = matcher(&[(&["Müller Milch"], &[])]);
        assert_eq!(m.matches("MUELLER   milch ist teurer"), vec![0]);
        assert_eq!(m.matches("müller milch"), vec![0]);
    }

    #[test]
    fn hashtags_and_handles() {
        let m = matcher(&[(&["Nordwind Energie", "@nordwind_energie"], &[])]);
        assert_eq!(m.matches("Danke #NordwindEnergie"), vec![0]);
        assert_eq!(m.matches("@Nordwind_Energie antwortet nicht"), vec![0]);
        assert!(m.matches("@nordwind_energie2 fan account").is_empty());
        let tag = matcher(&[(&["#nordwind"], &[])]);
        assert_eq!(tag.matches("#Nordwind ist schuld"), vec![0]);
        assert!(tag.matches("nordwind ohne tag").is_empty());
    }

    #[test]
    fn exclusions_remove_only_their_brand() {
        let m = matcher(&[
            (&["nordwind"], &["nordwind segelschule"]),
            (&["segelschule"], &[]),
        ]);
        assert_eq!(m.matches("Kurs bei der Nordwind Segelschule"), vec![1]);
        assert_eq!(m.matches("nordwind strom ist teuer"), vec![0]);
    }

    #[test]
    fn many_brands_one_pass() {
        let names: Vec<String> = (0..2000).map(|i| format!("brand{i}")).collect();
        let specs: Vec<Vec<String>> = names.iter().map(|n| vec![n.clone()]).collect();
        let kw: Vec<BrandKeywords> = specs
            .iter()
            .map(|k| BrandKeywords {
                keywords: k,
                exclude: &[],
            })
            .collect();
        let m = BrandMatcher::new(&kw).unwrap();
        assert_eq!(
            m.matches("brand7 und brand1999, nicht brand20000"),
            vec![7, 1999]
        );
    }

    #[test]
    fn no_brands_no_matches() {
        assert!(matcher(&[]).matches("anything").is_empty());
    }
}
