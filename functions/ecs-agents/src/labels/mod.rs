//! Jenkins label expressions, parsed, printed and matched exactly as Jenkins does.
//!
//! A job asks for agents with a *label expression* such as `linux && (x86_64 || arm64)`;
//! a node offers a *label set* (its `labelString` split into atoms, plus its own name).
//! This module reproduces the Jenkins core behaviour we depend on:
//!
//! * [`LabelExpr::parse`] is `Label.parseExpression`: the ANTLR grammar
//!   `LabelExpressionParser.g4` / `LabelExpressionLexer.g4`, including the exact
//!   `line 1:4: extraneous input 'bar' expecting <EOF>` error texts ANTLR reports
//!   for the first syntax error.
//! * [`LabelExpr::parse_lax`] is `Jenkins.getLabel`, which freestyle jobs and Pipeline
//!   `node('…')` go through: strip one pair of outer quotes, parse, and fall back to a
//!   single atom when the text is not a valid expression.
//! * [`LabelExpr::canonical`] is `Label.getName()`, the text Jenkins shows in queue
//!   reasons such as `Waiting for next available executor on ‘linux&&docker’`.
//! * [`LabelSet::from_label_string`] is `Label.parse` (a node's `labelString`).
//!
//! Known differences, all for inputs Jenkins itself cannot handle sensibly:
//!
//! * expressions deeper than [`MAX_DEPTH`] or with more than [`MAX_NESTING`] nested
//!   parentheses are rejected (Jenkins would eventually overflow its stack);
//! * hand-built `!!a` and `a->b->c` trees print as `!(!a)` and `(a->b)->c`, so that
//!   they parse again (the parser never builds such trees);
//! * Jenkins' global label cache is not modelled: there, an atom that already exists
//!   under the exact name of the whole text (say from another node's labels) wins over
//!   parsing.

mod lexer;
mod parser;
mod print;
mod quoting;
mod set;

#[cfg(test)]
mod tests;

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

pub use set::LabelSet;

/// The deepest expression tree [`LabelExpr::parse`] accepts, counting every operator,
/// negation and pair of parentheses on the way down to an atom.
///
/// Jenkins has no explicit limit but evaluates labels recursively, so absurdly deep
/// expressions overflow its stack; we refuse them up front instead.
pub const MAX_DEPTH: usize = 1000;

/// The most parentheses [`LabelExpr::parse`] accepts inside one another.
///
/// Parsing recurses through every precedence level for each pair, so this bounds the
/// stack the parser needs; real label expressions rarely nest more than two or three.
pub const MAX_NESTING: usize = 100;

/// A parsed Jenkins label expression (`hudson.model.Label` and its subclasses).
///
/// Binary operators are built left-associatively, as the grammar does; parentheses the
/// user wrote are kept as [`LabelExpr::Paren`] so that [`LabelExpr::canonical`] can
/// print them again, exactly like Jenkins' `LabelExpression.Paren`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum LabelExpr {
    /// A single label (`LabelAtom`), matched by exact, case-sensitive name.
    Atom(String),
    /// `!e`: the node must not match `e`.
    Not(Box<LabelExpr>),
    /// `l&&r`: the node must match both sides.
    And(Box<LabelExpr>, Box<LabelExpr>),
    /// `l||r`: the node must match at least one side.
    Or(Box<LabelExpr>, Box<LabelExpr>),
    /// `l->r`: if the node matches `l` it must also match `r` (`!l||r`).
    Implies(Box<LabelExpr>, Box<LabelExpr>),
    /// `l<->r`: the node matches both sides or neither.
    Iff(Box<LabelExpr>, Box<LabelExpr>),
    /// `(e)`: parentheses the user wrote; they change nothing but the printed text.
    Paren(Box<LabelExpr>),
}

/// Why [`LabelExpr::parse`] rejected a text, worded as Jenkins words it.
///
/// Displays as `line L:C: message`, e.g. `line 1:4: extraneous input 'bar' expecting <EOF>`,
/// which is the message of the `ANTLRException` Jenkins throws (and shows in the UI as
/// `Invalid boolean expression: …`). Lines start at 1, columns at 0, counted in characters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}:{column}: {message}")]
pub struct LabelParseError {
    /// The 1-based line of the offending token (only `\n` starts a new line).
    pub line: usize,
    /// The 0-based column, in characters, of the offending token.
    pub column: usize,
    /// ANTLR's description, e.g. `mismatched input '->' expecting {'!', '(', ATOM, STRINGLITERAL}`.
    pub message: String,
}

impl LabelExpr {
    /// Parses `text` strictly, like Jenkins' `Label.parseExpression`.
    ///
    /// Only space and tab separate tokens; `foo bar` is an error, not an atom with a space.
    /// Errors carry the message ANTLR reports for the first problem in the text.
    pub fn parse(text: &str) -> Result<LabelExpr, LabelParseError> {
        parser::parse(text)
    }

    /// Parses `text` the way Jenkins reads a job's label (`Jenkins.getLabel`).
    ///
    /// Returns `None` for blank text, which means the job may run anywhere. Otherwise one
    /// pair of matching outer `"` or `'` is removed (with Java's unquoting rules), the rest
    /// is parsed strictly, and when that fails the whole unquoted text becomes one atom:
    /// `foo bar` is the atom "foo bar" and `"a" && "b"` is the atom `a" && "b`.
    pub fn parse_lax(text: &str) -> Option<LabelExpr> {
        if quoting::is_blank(text) {
            return None;
        }
        let text = quoting::unquote(text);
        match parser::parse(&text) {
            Ok(expr) => Some(expr),
            Err(_) => Some(LabelExpr::Atom(text)),
        }
    }

    /// Builds a single-atom expression.
    pub fn atom(name: impl Into<String>) -> LabelExpr {
        LabelExpr::Atom(name.into())
    }

    /// Whether a node carrying `labels` satisfies this expression.
    pub fn matches(&self, labels: &LabelSet) -> bool {
        match self {
            LabelExpr::Atom(name) => labels.contains(name),
            LabelExpr::Not(e) => !e.matches(labels),
            LabelExpr::And(l, r) => l.matches(labels) && r.matches(labels),
            LabelExpr::Or(l, r) => l.matches(labels) || r.matches(labels),
            LabelExpr::Implies(l, r) => !l.matches(labels) || r.matches(labels),
            LabelExpr::Iff(l, r) => l.matches(labels) == r.matches(labels),
            LabelExpr::Paren(e) => e.matches(labels),
        }
    }

    /// The label's name as Jenkins prints it (`Label.getName()`).
    ///
    /// No spaces, parentheses where precedence needs them plus the user's own, and atoms
    /// quoted inside expressions when `LabelAtom.escape` would quote them. A lone atom is
    /// its raw name (`my label`, not `"my label"`), as in Jenkins' queue texts.
    pub fn canonical(&self) -> String {
        match self {
            LabelExpr::Atom(name) => name.clone(),
            _ => self.expression(),
        }
    }

    /// The label as an expression (`Label.getExpression()`): like [`LabelExpr::canonical`]
    /// but a lone atom is quoted too when needed, so the text parses back strictly.
    ///
    /// This is what Jenkins stores in a job's `assignedNode`. As in Jenkins, an atom whose
    /// only unusual characters are quotes (possible only via a string literal) is not
    /// quoted, and so does not parse back.
    pub fn expression(&self) -> String {
        let mut out = String::new();
        print::write_expression(self, &mut out);
        out
    }

    /// The distinct atom names in this expression, in order of first appearance.
    pub fn atoms(&self) -> Vec<&str> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        self.collect_atoms(&mut seen, &mut out);
        out
    }

    fn collect_atoms<'a>(&'a self, seen: &mut HashSet<&'a str>, out: &mut Vec<&'a str>) {
        match self {
            LabelExpr::Atom(name) => {
                if seen.insert(name) {
                    out.push(name);
                }
            }
            LabelExpr::Not(e) | LabelExpr::Paren(e) => e.collect_atoms(seen, out),
            LabelExpr::And(l, r)
            | LabelExpr::Or(l, r)
            | LabelExpr::Implies(l, r)
            | LabelExpr::Iff(l, r) => {
                l.collect_atoms(seen, out);
                r.collect_atoms(seen, out);
            }
        }
    }
}

/// Prints [`LabelExpr::canonical`].
impl fmt::Display for LabelExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.canonical())
    }
}

/// Parses strictly, like [`LabelExpr::parse`].
impl FromStr for LabelExpr {
    type Err = LabelParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        LabelExpr::parse(text)
    }
}
