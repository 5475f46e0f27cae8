//! Anchors: the few terms of a brand's expression that a text must contain for the expression
//! to hold, so that only those terms make the brand a candidate.
//!
//! Why: Boolean queries share their topic terms ("lieferung", "preis*", "app") across many
//! brands. Were every shared term to make every brand that uses it a candidate, a post with
//! "app" would evaluate a thousand expressions. An `AND` holds only if each of its parts
//! holds, so one part's anchors suffice, and the part whose terms the fewest brands share is
//! taken; an `OR` needs the anchors of every part.
//!
//! Invariant: if a brand's expression holds of a text, one of its anchors occurs in the text.
//! The matcher relies on it: a brand none of whose anchors occurs is never evaluated.

use super::query::Expr;

/// The anchors of `e` and their total cost, or `None` when `e` can hold without any of its
/// own positive terms (a `NOT`). `cost(slot)` is how many brands share the slot's term.
pub fn anchors(e: &Expr<u16>, cost: &impl Fn(u16) -> u64) -> Option<(Vec<u16>, u64)> {
    match e {
        Expr::Term(s) => Some((vec![*s], cost(*s))),
        Expr::Not(_) => None,
        Expr::Or(parts) => {
            let mut all = Vec::new();
            let mut total = 0u64;
            for p in parts {
                let (a, c) = anchors(p, cost)?;
                all.extend(a);
                total = total.saturating_add(c);
            }
            all.sort_unstable();
            all.dedup();
            Some((all, total))
        }
        Expr::And(parts) => parts
            .iter()
            .filter_map(|p| anchors(p, cost))
            .min_by_key(|(_, c)| *c),
        Expr::Near(a, b, _) => [a, b]
            .into_iter()
            .filter_map(|p| anchors(p, cost))
            .min_by_key(|(_, c)| *c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: u16) -> Expr<u16> {
        Expr::Term(s)
    }

    /// Slot 0 is the brand's name (one brand), the others are shared by 1,000 brands.
    fn cost(s: u16) -> u64 {
        if s == 0 {
            1
        } else {
            1000
        }
    }

    #[test]
    fn an_and_is_anchored_by_its_rarest_part() {
        let e = Expr::And(vec![Expr::Or(vec![t(1), t(2)]), t(0)]);
        assert_eq!(anchors(&e, &cost), Some((vec![0], 1)));
    }

    #[test]
    fn an_or_needs_every_part() {
        let e = Expr::Or(vec![t(0), Expr::And(vec![t(1), t(2)])]);
        assert_eq!(anchors(&e, &cost), Some((vec![0, 1], 1001)));
    }

    #[test]
    fn a_not_anchors_nothing_but_its_sibling_does() {
        let e = Expr::And(vec![t(1), Expr::Not(Box::new(t(0)))]);
        assert_eq!(anchors(&e, &cost), Some((vec![1], 1000)));
        assert_eq!(anchors(&Expr::Not(Box::new(t(0))), &cost), None);
        assert_eq!(
            anchors(&Expr::Or(vec![t(0), Expr::Not(Box::new(t(1)))]), &cost),
            None
        );
    }

    #[test]
    fn near_is_anchored_by_either_side() {
        let e = Expr::Near(Box::new(t(2)), Box::new(t(0)), 3);
        assert_eq!(anchors(&e, &cost), Some((vec![0], 1)));
    }
}
