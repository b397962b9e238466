//! Property tests: printing and parsing agree, matching is boolean logic, label strings
//! round-trip, and no input makes the parser panic.

use proptest::prelude::*;

use super::*;
use crate::labels::print::needs_escape;

/// Atom names with the characters that make printing interesting: operators, spaces,
/// dashes before `>`, dots, backslashes, Unicode and the empty name.
fn atom_name() -> impl Strategy<Value = String> {
    prop_oneof!["[a-z]{1,4}", "[a-c0-9 ._:@()&|!<>\t\\\\\"'ü日-]{0,6}",]
        // Jenkins leaves names whose only oddity is a quote unquoted, so they cannot be read
        // back; `atoms_are_quoted_inside_expressions_when_jenkins_would` covers that case.
        .prop_filter("bare quotes do not parse back", |name| {
            needs_escape(name) || !name.contains(['"', '\''])
        })
}

fn tree(leaf: impl Strategy<Value = String> + 'static) -> impl Strategy<Value = LabelExpr> {
    let leaf = leaf.prop_map(LabelExpr::Atom);
    leaf.prop_recursive(6, 48, 2, |inner| {
        let pair = || (inner.clone(), inner.clone());
        prop_oneof![
            inner.clone().prop_map(|e| LabelExpr::Not(Box::new(e))),
            inner.clone().prop_map(|e| LabelExpr::Paren(Box::new(e))),
            pair().prop_map(|(l, r)| LabelExpr::And(Box::new(l), Box::new(r))),
            pair().prop_map(|(l, r)| LabelExpr::Or(Box::new(l), Box::new(r))),
            pair().prop_map(|(l, r)| LabelExpr::Implies(Box::new(l), Box::new(r))),
            pair().prop_map(|(l, r)| LabelExpr::Iff(Box::new(l), Box::new(r))),
        ]
    })
}

/// A small pool so that random label sets actually contain the atoms of random trees.
const POOL: [&str; 8] = ["a", "b", "c", "my label", "x&&y", "a-", "日本", ""];

/// The truth-table definitions, written differently from `LabelExpr::matches`.
fn naive(expr: &LabelExpr, labels: &[&str]) -> bool {
    match expr {
        LabelExpr::Atom(name) => labels.iter().any(|l| l == name),
        LabelExpr::Not(e) => !naive(e, labels),
        LabelExpr::Paren(e) => naive(e, labels),
        LabelExpr::And(l, r) => [naive(l, labels), naive(r, labels)] == [true, true],
        LabelExpr::Or(l, r) => [naive(l, labels), naive(r, labels)] != [false, false],
        LabelExpr::Implies(l, r) => [naive(l, labels), naive(r, labels)] != [true, false],
        LabelExpr::Iff(l, r) => {
            let (l, r) = (naive(l, labels), naive(r, labels));
            (l && r) || (!l && !r)
        }
    }
}

proptest! {
    #[test]
    fn printed_expressions_parse_back_to_the_same_label(expr in tree(atom_name())) {
        let text = expr.expression();
        let parsed = LabelExpr::parse(&text)
            .map_err(|e| TestCaseError::fail(format!("{text:?}: {e}")))?;
        prop_assert_eq!(parsed.canonical(), expr.canonical());
        // A parsed tree prints back to its own text and reparses to an identical tree.
        prop_assert_eq!(parsed.expression(), text.clone());
        prop_assert_eq!(LabelExpr::parse(&parsed.expression()), Ok(parsed));
    }

    #[test]
    fn matching_agrees_with_the_boolean_definitions(
        expr in tree(prop::sample::select(POOL.as_slice()).prop_map(str::to_owned)),
        labels in prop::sample::subsequence(POOL.as_slice(), 0..=POOL.len()),
    ) {
        let set: LabelSet = labels.iter().copied().collect();
        let expected = naive(&expr, &labels);
        prop_assert_eq!(expr.matches(&set), expected);
        let reparsed = LabelExpr::parse(&expr.expression()).expect("printed text parses");
        prop_assert_eq!(reparsed.matches(&set), expected);
    }

    #[test]
    fn label_strings_round_trip_arbitrary_atoms(
        atoms in prop::collection::btree_set(any::<String>(), 0..6),
        tricky in prop::collection::btree_set("[ \t\r\n\"'\\\\ab]{0,5}", 0..6),
    ) {
        for atoms in [atoms, tricky] {
            let set: LabelSet = atoms.into_iter().collect();
            prop_assert_eq!(LabelSet::from_label_string(&set.to_label_string()), set);
        }
    }

    #[test]
    fn parsing_never_panics_and_errors_point_into_the_text(
        text in prop_oneof!["[a-c &|!<>()\"'\\\\\t-]{0,14}", any::<String>()],
    ) {
        if let Err(e) = LabelExpr::parse(&text) {
            prop_assert!(e.to_string().starts_with("line "));
            if !text.contains('\n') {
                prop_assert_eq!(e.line, 1);
                prop_assert!(e.column <= text.chars().count());
            }
        }
        let lax = LabelExpr::parse_lax(&text);
        // Lax parsing differs only for blank text and text it unquotes first.
        let blank = text.chars().all(|c| c <= ' ');
        let quoted = text.starts_with(['"', '\'']);
        if let (Ok(strict), false) = (LabelExpr::parse(&text), blank || quoted) {
            prop_assert_eq!(lax, Some(strict));
        }
    }
}
