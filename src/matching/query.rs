//! The query language: text such as `(otto OR @otto_de) AND paket AND NOT "otto waalkes"`
//! parsed into a typed [`Expr`] of [`Term`]s.
//!
//! Invariant: a parsed [`Query`] can only be true of a text that contains at least one of its
//! terms (a query that `NOT` alone could satisfy is refused), so the matcher evaluates a brand
//! only when the automaton found one of its terms. Errors carry the byte offset in the query
//! text, which the config turns into the line and column of the TOML file.
//!
//! Precedence, loosest first: `OR`, `AND` (or a bare sequence of terms), `NEAR/n`, `NOT`.
//! Operators are upper case; a lower-case `and`, `or`, `not` or `near/3` is refused rather
//! than read as a word, since it is almost always a mistyped operator.

use std::fmt;

use super::term::Term;

/// Longest allowed `NEAR/n` distance.
pub const MAX_NEAR: u32 = 100;
/// Deepest nesting of parentheses and `NOT`s.
const MAX_DEPTH: usize = 40;

/// A Boolean expression over leaves `T`: [`Term`]s as parsed, slots once compiled.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr<T> {
    Term(T),
    And(Vec<Expr<T>>),
    Or(Vec<Expr<T>>),
    Not(Box<Expr<T>>),
    /// Both sides within `n` words of each other (at most `n` words between them).
    Near(Box<Expr<T>>, Box<Expr<T>>, u32),
}

impl<T> Expr<T> {
    /// The same expression with every leaf replaced.
    pub fn map<U>(&self, f: &mut impl FnMut(&T) -> U) -> Expr<U> {
        match self {
            Expr::Term(t) => Expr::Term(f(t)),
            Expr::And(v) => Expr::And(v.iter().map(|e| e.map(f)).collect()),
            Expr::Or(v) => Expr::Or(v.iter().map(|e| e.map(f)).collect()),
            Expr::Not(e) => Expr::Not(Box::new(e.map(f))),
            Expr::Near(a, b, n) => Expr::Near(Box::new(a.map(f)), Box::new(b.map(f)), *n),
        }
    }

    /// Every leaf, with whether it stands under a `NOT`.
    pub fn leaves<'a>(&'a self, negated: bool, out: &mut Vec<(&'a T, bool)>) {
        match self {
            Expr::Term(t) => out.push((t, negated)),
            Expr::And(v) | Expr::Or(v) => v.iter().for_each(|e| e.leaves(negated, out)),
            Expr::Not(e) => e.leaves(!negated, out),
            Expr::Near(a, b, _) => {
                a.leaves(negated, out);
                b.leaves(negated, out);
            }
        }
    }

    /// Whether the expression holds of a text in which none of its terms occurs.
    fn holds_without_terms(&self) -> bool {
        match self {
            Expr::Term(_) | Expr::Near(..) => false,
            Expr::And(v) => v.iter().all(Expr::holds_without_terms),
            Expr::Or(v) => v.iter().any(Expr::holds_without_terms),
            Expr::Not(e) => !e.holds_without_terms(),
        }
    }
}

/// A parsed query and the text it was written as.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub text: String,
    pub expr: Expr<Term>,
}

/// A mistake in a query, at a byte offset of its text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} (at offset {offset} of the query)")]
pub struct QueryError {
    pub offset: usize,
    pub message: String,
}

impl Query {
    pub fn parse(text: &str) -> Result<Query, QueryError> {
        let tokens = lex(text)?;
        let mut p = Parser {
            tokens,
            pos: 0,
            depth: 0,
            end: text.len(),
        };
        if p.tokens.is_empty() {
            return Err(err(0, "the query is empty"));
        }
        let expr = p.or()?;
        if let Some(t) = p.tokens.get(p.pos) {
            return Err(match t.tok {
                Tok::RParen => err(t.at, "this `)` closes no `(`"),
                _ => err(t.at, "unexpected operator here"),
            });
        }
        if expr.holds_without_terms() {
            return Err(err(
                0,
                "this query counts posts that contain none of its terms: NOT only narrows a \
                 query, so combine it with a term (e.g. otto AND NOT waalkes)",
            ));
        }
        Ok(Query {
            text: text.to_string(),
            expr,
        })
    }

    /// The terms that name the brand rather than describe the post: those of the first
    /// group of a top-level AND (in the Otto example, `otto OR "otto versand" OR @otto_de OR
    /// #otto`), or all the positive terms of a query without one. Sentiment ignores their
    /// words, and search sources ask for them.
    pub fn name_terms(&self) -> Vec<&Term> {
        let first = match &self.expr {
            Expr::And(v) => v.iter().find(|e| !matches!(e, Expr::Not(_))),
            e => Some(e),
        };
        let mut leaves = Vec::new();
        if let Some(e) = first {
            e.leaves(false, &mut leaves);
        }
        let mut out: Vec<&Term> = Vec::new();
        for (t, negated) in leaves {
            if !negated && !out.contains(&t) {
                out.push(t);
            }
        }
        out
    }
}

fn err(offset: usize, message: impl Into<String>) -> QueryError {
    QueryError {
        offset,
        message: message.into(),
    }
}

#[derive(Debug, Clone)]
enum Tok {
    LParen,
    RParen,
    And,
    Or,
    Not,
    Near(u32),
    Term(Term),
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    at: usize,
}

fn lex(text: &str) -> Result<Vec<Token>, QueryError> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let c = text[i..].chars().next().unwrap_or(' ');
        if c.is_whitespace() {
            i += c.len_utf8();
            continue;
        }
        let at = i;
        match c {
            '(' => {
                out.push(Token {
                    tok: Tok::LParen,
                    at,
                });
                i += 1;
            }
            ')' => {
                out.push(Token {
                    tok: Tok::RParen,
                    at,
                });
                i += 1;
            }
            '"' => {
                let Some(close) = text[i + 1..].find('"') else {
                    return Err(err(at, "this `\"` opens a phrase that is never closed"));
                };
                let inner = &text[i + 1..i + 1 + close];
                if inner.trim().is_empty() {
                    return Err(err(at, "empty phrase"));
                }
                let term = Term::parse(inner, true).map_err(|m| err(at, m))?;
                out.push(Token {
                    tok: Tok::Term(term),
                    at,
                });
                i += close + 2;
            }
            _ => {
                let mut j = i;
                while j < text.len() {
                    let d = text[j..].chars().next().unwrap_or(' ');
                    if d.is_whitespace() || matches!(d, '(' | ')' | '"') {
                        break;
                    }
                    j += d.len_utf8();
                }
                let word = &text[i..j];
                out.push(Token {
                    tok: word_token(word, at)?,
                    at,
                });
                i = j;
            }
        }
    }
    Ok(out)
}

fn word_token(word: &str, at: usize) -> Result<Tok, QueryError> {
    match word {
        "AND" => return Ok(Tok::And),
        "OR" => return Ok(Tok::Or),
        "NOT" => return Ok(Tok::Not),
        "NEAR" => return Err(err(at, "NEAR needs a distance in words, e.g. NEAR/3")),
        _ => {}
    }
    if let Some(n) = word.strip_prefix("NEAR/") {
        return match n.parse::<u32>() {
            Ok(n) if n <= MAX_NEAR => Ok(Tok::Near(n)),
            Ok(_) => Err(err(at, format!("NEAR/n allows at most {MAX_NEAR} words"))),
            Err(_) => Err(err(
                at,
                format!("{word:?}: NEAR/n needs a whole number of words, e.g. NEAR/3"),
            )),
        };
    }
    let upper = word.to_ascii_uppercase();
    if matches!(upper.as_str(), "AND" | "OR" | "NOT") || upper.starts_with("NEAR/") {
        return Err(err(
            at,
            format!(
                "operators are upper case: write {upper}, or put {:?} in quotes to find the word",
                word
            ),
        ));
    }
    Term::parse(word, true)
        .map(Tok::Term)
        .map_err(|m| err(at, m))
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.pos).map(|t| &t.tok)
    }

    fn at(&self) -> usize {
        self.tokens.get(self.pos).map(|t| t.at).unwrap_or(self.end)
    }

    fn or(&mut self) -> Result<Expr<Term>, QueryError> {
        let mut parts = vec![self.and()?];
        while matches!(self.peek(), Some(Tok::Or)) {
            self.pos += 1;
            parts.push(self.and()?);
        }
        Ok(flatten(parts, false))
    }

    fn and(&mut self) -> Result<Expr<Term>, QueryError> {
        let mut parts = vec![self.near()?];
        loop {
            match self.peek() {
                Some(Tok::And) => self.pos += 1,
                Some(Tok::LParen | Tok::Not | Tok::Term(_)) => {}
                _ => break,
            }
            parts.push(self.near()?);
        }
        Ok(flatten(parts, true))
    }

    fn near(&mut self) -> Result<Expr<Term>, QueryError> {
        let start = self.at();
        let mut left = self.unary()?;
        while let Some(Tok::Near(n)) = self.peek() {
            let n = *n;
            near_operand(&left, start)?;
            self.pos += 1;
            let right_at = self.at();
            let right = self.unary()?;
            near_operand(&right, right_at)?;
            left = Expr::Near(Box::new(left), Box::new(right), n);
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr<Term>, QueryError> {
        let at = self.at();
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(err(at, format!("nested more than {MAX_DEPTH} deep")));
        }
        let out = match self.tokens.get(self.pos).map(|t| t.tok.clone()) {
            Some(Tok::Not) => {
                self.pos += 1;
                Expr::Not(Box::new(self.unary()?))
            }
            Some(Tok::LParen) => {
                self.pos += 1;
                if matches!(self.peek(), Some(Tok::RParen)) {
                    return Err(err(at, "empty parentheses"));
                }
                let inner = self.or()?;
                if !matches!(self.peek(), Some(Tok::RParen)) {
                    return Err(err(at, "this `(` is never closed"));
                }
                self.pos += 1;
                inner
            }
            Some(Tok::Term(t)) => {
                self.pos += 1;
                Expr::Term(t)
            }
            Some(tok) => {
                let what = match tok {
                    Tok::And => "AND",
                    Tok::Or => "OR",
                    Tok::Near(_) => "NEAR/n",
                    _ => "`)`",
                };
                return Err(err(
                    at,
                    format!("expected a term, a phrase or `(` here, found {what}"),
                ));
            }
            None => {
                return Err(err(
                    at,
                    "the query ends where a term, a phrase or `(` is expected",
                ))
            }
        };
        self.depth -= 1;
        Ok(out)
    }
}

/// `NEAR/n` measures distances between occurrences, which terms, `OR` groups of them and
/// other `NEAR`s have; `AND` and `NOT` have none.
fn near_operand(e: &Expr<Term>, at: usize) -> Result<(), QueryError> {
    fn ok(e: &Expr<Term>) -> bool {
        match e {
            Expr::Term(_) => true,
            Expr::Or(v) => v.iter().all(ok),
            Expr::Near(a, b, _) => ok(a) && ok(b),
            Expr::And(_) | Expr::Not(_) => false,
        }
    }
    if ok(e) {
        Ok(())
    } else {
        Err(err(
            at,
            "NEAR/n joins terms, phrases or (a OR b) groups; AND and NOT have no position",
        ))
    }
}

fn flatten(parts: Vec<Expr<Term>>, and: bool) -> Expr<Term> {
    if parts.len() == 1 {
        return parts.into_iter().next().expect("one part");
    }
    let mut out = Vec::with_capacity(parts.len());
    for p in parts {
        match (p, and) {
            (Expr::And(v), true) | (Expr::Or(v), false) => out.extend(v),
            (p, _) => out.push(p),
        }
    }
    if and {
        Expr::And(out)
    } else {
        Expr::Or(out)
    }
}

/// How tightly an expression binds, for printing only the parentheses that are needed.
fn rank<T>(e: &Expr<T>) -> u8 {
    match e {
        Expr::Or(_) => 0,
        Expr::And(_) => 1,
        Expr::Near(..) => 2,
        Expr::Not(_) => 3,
        Expr::Term(_) => 4,
    }
}

impl<T: fmt::Display> Expr<T> {
    fn write(&self, f: &mut fmt::Formatter<'_>, min_rank: u8) -> fmt::Result {
        let paren = rank(self) < min_rank;
        if paren {
            f.write_str("(")?;
        }
        match self {
            Expr::Term(t) => write!(f, "{t}")?,
            Expr::And(v) | Expr::Or(v) => {
                // An AND inside an OR is bracketed too: precedence need not be remembered.
                let sep = if matches!(self, Expr::And(_)) {
                    " AND "
                } else {
                    " OR "
                };
                let r = 2;
                for (i, e) in v.iter().enumerate() {
                    if i > 0 {
                        f.write_str(sep)?;
                    }
                    e.write(f, r)?;
                }
            }
            Expr::Not(e) => {
                f.write_str("NOT ")?;
                e.write(f, 4)?;
            }
            Expr::Near(a, b, n) => {
                a.write(f, 3)?;
                write!(f, " NEAR/{n} ")?;
                b.write(f, 3)?;
            }
        }
        if paren {
            f.write_str(")")?;
        }
        Ok(())
    }
}

/// The normalised form `check` prints: folded terms, operators explicit, and parentheses
/// wherever precedence decided, so a reader sees how the query was understood.
impl<T: fmt::Display> fmt::Display for Expr<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(f, 0)
    }
}

impl fmt::Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.expr.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(q: &str) -> String {
        Query::parse(q)
            .unwrap_or_else(|e| panic!("{q}: {e}"))
            .to_string()
    }

    #[test]
    fn normalises_precedence_and_folding() {
        for (q, want) in [
            ("otto", "otto"),
            ("Otto Paket", "otto AND paket"),
            ("a OR b c", "a OR (b AND c)"),
            ("(a OR b) c", "(a OR b) AND c"),
            ("a AND (b AND c)", "a AND b AND c"),
            ("a OR (b OR c)", "a OR b OR c"),
            ("a AND NOT b", "a AND NOT b"),
            ("a NOT (b OR c)", "a AND NOT (b OR c)"),
            ("Lieferung NEAR/3 verspätet", "lieferung NEAR/3 verspaetet"),
            ("(a OR b) NEAR/2 kat*", "(a OR b) NEAR/2 kat*"),
            (
                "\"Otto  Versand\" OR @Otto_DE OR #Otto",
                "\"otto versand\" OR @otto_de OR #otto",
            ),
            ("a NEAR/1 b NEAR/2 c", "(a NEAR/1 b) NEAR/2 c"),
            ("NOT x y", "NOT x AND y"),
            ("Straße", "strasse"),
        ] {
            assert_eq!(norm(q), want, "{q}");
            // The normal form reads back as itself.
            assert_eq!(norm(want), want, "{want}");
        }
    }

    #[test]
    fn errors_point_at_the_offending_token() {
        for (q, offset, says) in [
            ("", 0, "empty"),
            ("otto AND", 8, "ends where a term"),
            ("otto OR OR paket", 8, "found OR"),
            ("(otto OR paket", 0, "never closed"),
            ("otto) paket", 4, "closes no"),
            ("otto \"versand", 5, "never closed"),
            ("otto and paket", 5, "upper case"),
            ("otto NEAR paket", 5, "needs a distance"),
            ("otto NEAR/x paket", 5, "whole number"),
            ("otto NEAR/500 paket", 5, "at most"),
            ("otto near/3 paket", 5, "upper case"),
            ("NOT otto", 0, "none of its terms"),
            ("otto OR NOT paket", 0, "none of its terms"),
            ("(a AND b) NEAR/3 c", 0, "no position"),
            ("a NEAR/3 NOT c", 9, "no position"),
            ("otto ab*", 5, "at least 3"),
            ("otto ()", 5, "empty parentheses"),
            ("otto \"\"", 5, "empty phrase"),
            ("otto -waalkes", 5, "write NOT"),
        ] {
            let e = Query::parse(q).expect_err(q);
            assert_eq!(e.offset, offset, "{q}: {e}");
            assert!(e.message.contains(says), "{q}: {e}");
        }
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let q = format!("{}otto{}", "(".repeat(5000), ")".repeat(5000));
        assert!(Query::parse(&q).unwrap_err().message.contains("nested"));
        let q = format!("{}otto", "NOT ".repeat(5000));
        assert!(Query::parse(&q).is_err());
    }

    #[test]
    fn name_terms_are_the_first_group() {
        let q = Query::parse(
            r#"(otto OR "otto versand" OR @otto_de OR #otto) AND (bestellung OR paket) AND NOT "otto waalkes""#,
        )
        .unwrap();
        let names: Vec<String> = q.name_terms().iter().map(|t| t.to_string()).collect();
        assert_eq!(names, ["otto", "\"otto versand\"", "@otto_de", "#otto"]);
        let q = Query::parse("NOT waalkes AND otto").unwrap();
        let names: Vec<String> = q.name_terms().iter().map(|t| t.to_string()).collect();
        assert_eq!(names, ["otto"]);
    }
}
