//! The labels a node carries (`Node.getAssignedLabels()`).

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::quoting;

/// A node's label atoms: its `labelString` split as Jenkins splits it, plus usually the
/// node's own name (Jenkins always adds it; use [`LabelSet::with`]).
///
/// Atoms are compared exactly and case-sensitively and iterate in code point order.
/// Serialises as a JSON-style array of atom names.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LabelSet {
    atoms: BTreeSet<String>,
}

impl LabelSet {
    /// An empty set: a node with neither labels nor name matches only negative expressions.
    pub fn new() -> LabelSet {
        LabelSet::default()
    }

    /// Splits a node's `labelString` like Jenkins' `Label.parse`.
    ///
    /// Atoms are separated by spaces, tabs, CRs and LFs; double or single quotes keep
    /// whitespace inside one atom (`"my label"`), and `\"`, `\'`, `\\` and `\ ` escape
    /// a character. Jenkins additionally treats the whole string as one atom when an atom
    /// of exactly that name already exists somewhere in the controller; that depends on
    /// global state and is not reproduced.
    pub fn from_label_string(label_string: &str) -> LabelSet {
        quoting::tokenize(label_string).into_iter().collect()
    }

    /// Returns the set with `label` added, e.g. the node's own name.
    pub fn with(mut self, label: impl Into<String>) -> LabelSet {
        self.insert(label);
        self
    }

    /// Adds `label`; returns whether it was new.
    pub fn insert(&mut self, label: impl Into<String>) -> bool {
        self.atoms.insert(label.into())
    }

    /// Whether the node carries exactly this atom.
    pub fn contains(&self, atom: &str) -> bool {
        self.atoms.contains(atom)
    }

    /// The atoms, in code point order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.atoms.iter().map(String::as_str)
    }

    /// How many distinct atoms the node carries.
    pub fn len(&self) -> usize {
        self.atoms.len()
    }

    /// Whether the node carries no atom at all.
    pub fn is_empty(&self) -> bool {
        self.atoms.is_empty()
    }

    /// A `labelString` that [`LabelSet::from_label_string`] (and Jenkins) reads back as
    /// this set: atoms separated by single spaces, double-quoted only when they contain
    /// whitespace, quotes or backslashes (or are empty).
    pub fn to_label_string(&self) -> String {
        let mut out = String::new();
        for (i, atom) in self.atoms.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            quoting::write_label(atom, &mut out);
        }
        out
    }
}

/// Prints [`LabelSet::to_label_string`].
impl fmt::Display for LabelSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_label_string())
    }
}

/// Collects atom names (not label strings: each item is one atom, spaces and all).
impl<S: Into<String>> FromIterator<S> for LabelSet {
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> Self {
        LabelSet {
            atoms: iter.into_iter().map(Into::into).collect(),
        }
    }
}

/// Adds atom names.
impl<S: Into<String>> Extend<S> for LabelSet {
    fn extend<I: IntoIterator<Item = S>>(&mut self, iter: I) {
        self.atoms.extend(iter.into_iter().map(Into::into));
    }
}

/// A set of the given atom names.
impl<S: Into<String>> From<Vec<S>> for LabelSet {
    fn from(atoms: Vec<S>) -> Self {
        atoms.into_iter().collect()
    }
}

/// A set of the given atom names.
impl<S: Into<String>, const N: usize> From<[S; N]> for LabelSet {
    fn from(atoms: [S; N]) -> Self {
        atoms.into_iter().collect()
    }
}

impl<'a> IntoIterator for &'a LabelSet {
    type Item = &'a str;
    type IntoIter =
        std::iter::Map<std::collections::btree_set::Iter<'a, String>, fn(&String) -> &str>;

    fn into_iter(self) -> Self::IntoIter {
        self.atoms.iter().map(String::as_str)
    }
}
