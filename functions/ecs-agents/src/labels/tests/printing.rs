//! Printing expressions back as Jenkins would, and label strings and sets.

use super::*;

#[test]
fn lone_atoms_print_raw_but_their_expression_is_quoted() {
    // LabelExpressionTest#laxParsing and #dataCompatibilityWithHostNameWithWhitespace.
    let host = LabelExpr::parse_lax("lucene.zones.apache.org (Solaris 10)").expect("not blank");
    assert_eq!(host.canonical(), "lucene.zones.apache.org (Solaris 10)");
    assert_eq!(
        host.expression(),
        "\"lucene.zones.apache.org (Solaris 10)\""
    );
    assert_eq!(LabelExpr::atom("abc def").expression(), "\"abc def\"");
}

#[test]
fn atoms_are_quoted_inside_expressions_when_jenkins_would() {
    let expr = LabelExpr::And(atom("my label"), atom("linux"));
    assert_eq!(expr.canonical(), "\"my label\"&&linux");
    for name in ["a:b", "foo.", ".", "x@y", "a/b", "", "(x)", "a\u{7}"] {
        let printed = LabelExpr::Not(atom(name)).canonical();
        assert!(printed.starts_with("!\""), "{name:?} printed as {printed}");
    }
    // Quotes alone pass Jenkins.checkGoodName, so Jenkins leaves such atoms bare.
    assert_eq!(LabelExpr::Not(atom("a\"b")).canonical(), "!a\"b");
}

#[test]
fn hand_built_trees_print_like_jenkins_composite_test() {
    let x = || atom("x");
    let or_and = LabelExpr::And(Box::new(LabelExpr::Or(x(), x())), x());
    assert_eq!(or_and.canonical(), "(x||x)&&x");
    let and_or = LabelExpr::Or(Box::new(LabelExpr::And(x(), x())), x());
    assert_eq!(and_or.canonical(), "x&&x||x");
}

#[test]
fn hand_built_trees_jenkins_would_print_unparsably_get_parentheses() {
    // Jenkins prints these as "!!x" and "a->b->c", which it cannot parse back.
    let not_not = LabelExpr::Not(Box::new(LabelExpr::Not(atom("x"))));
    assert_eq!(not_not.canonical(), "!(!x)");
    let chain = LabelExpr::Implies(
        Box::new(LabelExpr::Implies(atom("a"), atom("b"))),
        atom("c"),
    );
    assert_eq!(chain.canonical(), "(a->b)->c");
}

#[test]
fn atoms_lists_each_name_once_in_order() {
    assert_eq!(strict("b&&(a||!b)->c").atoms(), ["b", "a", "c"]);
}

#[test]
fn absurdly_deep_nesting_is_refused_without_overflowing_the_stack() {
    let parens = |n| format!("{}a{}", "(".repeat(n), ")".repeat(n));
    assert_eq!(
        error_of(&parens(MAX_NESTING + 1)),
        format!("line 1:{MAX_NESTING}: more than {MAX_NESTING} nested parentheses")
    );
    assert!(strict(&parens(MAX_NESTING)).matches(&LabelSet::from(["a"])));
    let long_chain = vec!["a"; MAX_DEPTH + 1].join("&&");
    let message = format!("expression nested deeper than {MAX_DEPTH} levels");
    assert!(error_of(&long_chain).ends_with(&message));
    let ok_chain = vec!["a"; MAX_DEPTH].join("&&");
    assert!(strict(&ok_chain).matches(&LabelSet::from(["a"])));
}

#[test]
fn label_strings_split_on_whitespace_and_respect_quotes() {
    let set = LabelSet::from_label_string("one two\tthree\n\"my label\" 'its label' a\\ b");
    let atoms: Vec<_> = set.iter().collect();
    assert_eq!(
        atoms,
        ["a b", "its label", "my label", "one", "three", "two"]
    );
}

#[test]
fn label_strings_keep_javas_tokenizer_quirks() {
    let atoms = |s| {
        LabelSet::from_label_string(s)
            .iter()
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    assert_eq!(atoms(r#""""#), [""]); // an empty quoted atom exists
    assert_eq!(atoms(r#"a ""#), ["a"]); // a lone trailing quote yields nothing
    assert_eq!(atoms(r"C:\tools x\"), ["C:\\tools", "x"]); // unknown escapes stay
    assert_eq!(atoms(r#"pre"fix suf"fix"#), ["prefix suffix"]);
    assert!(LabelSet::from_label_string("  \t ").is_empty());
}

#[test]
fn label_sets_print_back_to_an_equivalent_label_string() {
    let set = LabelSet::from(["plain", "with space", "q\"uote", "back\\slash", ""]);
    let text = set.to_label_string();
    assert_eq!(text, r#""" "back\\slash" plain "q\"uote" "with space""#);
    assert_eq!(LabelSet::from_label_string(&text), set);
}

#[test]
fn a_node_matches_its_own_name() {
    let node = LabelSet::from_label_string("linux docker").with("ecs-agent-1");
    assert!(strict("ecs-agent-1&&linux").matches(&node));
    assert!(!strict("windows").matches(&node));
    assert!(!strict("Linux").matches(&node));
}
