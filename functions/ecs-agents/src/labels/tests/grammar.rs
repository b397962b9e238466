//! The grammar: precedence, associativity, the lexer's rules, and lax parsing.

use super::*;

#[test]
fn and_binds_tighter_than_or() {
    let or = LabelExpr::Or(atom("a"), Box::new(LabelExpr::And(atom("b"), atom("c"))));
    assert_eq!(strict("a||b&&c"), or);
    assert!(strict("a||b&&c").matches(&LabelSet::from(["a"])));
}

#[test]
fn or_binds_tighter_than_implication_and_implication_tighter_than_iff() {
    let implies = LabelExpr::Implies(Box::new(LabelExpr::Or(atom("a"), atom("b"))), atom("c"));
    assert_eq!(strict("a||b->c"), implies);
    let iff = LabelExpr::Iff(
        Box::new(LabelExpr::Implies(atom("a"), atom("b"))),
        atom("c"),
    );
    assert_eq!(strict("a->b<->c"), iff);
}

#[test]
fn iff_is_left_associative() {
    let left = LabelExpr::Iff(Box::new(LabelExpr::Iff(atom("a"), atom("b"))), atom("c"));
    assert_eq!(strict("a<->b<->c"), left);
    assert_eq!(strict("a<->b<->c").canonical(), "a<->b<->c");
}

#[test]
fn implication_is_not_associative() {
    // (a->b)->c differs from a->(b->c), so the grammar allows one `->` per level.
    let expected = "line 1:4: mismatched input '->' expecting {<EOF>, '&&', '||', '<->'}";
    assert_eq!(error_of("a->b->c"), expected);
    assert_eq!(strict("(a->b)->c").canonical(), "(a->b)->c");
    assert_eq!(strict("a->(b->c)").canonical(), "a->(b->c)");
}

#[test]
fn negation_applies_once_per_operand_unless_parenthesised() {
    assert_eq!(
        error_of("!!a"),
        "line 1:1: extraneous input '!' expecting {'(', ATOM, STRINGLITERAL}"
    );
    let twice = strict("!(!a)");
    assert_eq!(twice.canonical(), "!(!a)");
    assert!(twice.matches(&LabelSet::from(["a"])));
}

#[test]
fn negation_binds_tighter_than_and() {
    let expected = LabelExpr::And(Box::new(LabelExpr::Not(atom("a"))), atom("b"));
    assert_eq!(strict("!a&&b"), expected);
}

#[test]
fn user_parentheses_are_kept_and_printed() {
    let expr = strict("((a))&&(b)");
    assert_eq!(expr.canonical(), "((a))&&(b)");
    assert!(expr.matches(&LabelSet::from(["a", "b"])));
}

#[test]
fn string_literals_decode_their_escapes() {
    let expr = strict(r#""a\"b\\c\td\'e""#);
    assert_eq!(expr, LabelExpr::atom("a\"b\\c\td'e"));
    // A lone atom prints raw; inside an expression Jenkins quotes and re-escapes it.
    assert_eq!(expr.canonical(), "a\"b\\c\td'e");
    assert_eq!(
        strict(r#""a\"b\\c\td\'e"||x"#).canonical(),
        r#""a\"b\\c\td'e"||x"#
    );
}

#[test]
fn broken_string_literals_are_lexer_errors() {
    assert_eq!(
        error_of(r#""a\x""#),
        r#"line 1:0: token recognition error at: '"a\x'"#
    );
    assert_eq!(
        error_of(r#"x&&"abc"#),
        r#"line 1:3: token recognition error at: '"abc'"#
    );
    assert_eq!(
        error_of("\"a\nb\""),
        r#"line 1:0: token recognition error at: '"a\n'"#
    );
}

#[test]
fn a_dash_is_part_of_an_atom_unless_a_greater_than_follows() {
    // LabelExpressionTest, JENKINS-66613.
    for name in ["a-b", "--a----b-c-", "--", "-", "-1", "-abc-"] {
        assert_eq!(strict(name), LabelExpr::atom(name));
    }
    assert_eq!(strict("a-->b"), LabelExpr::Implies(atom("a-"), atom("b")));
    assert_eq!(strict("a->-b"), LabelExpr::Implies(atom("a"), atom("-b")));
}

#[test]
fn unicode_atoms_are_single_tokens_and_columns_count_characters() {
    let expr = strict("größe&&日本語||ü");
    assert_eq!(expr.atoms(), ["größe", "日本語", "ü"]);
    assert!(expr.matches(&LabelSet::from(["ü"])));
    assert_eq!(
        error_of("ü ü"),
        "line 1:2: extraneous input 'ü' expecting <EOF>"
    );
}

#[test]
fn only_spaces_and_tabs_separate_tokens() {
    assert_eq!(strict("\ta\t&&\t b "), LabelExpr::And(atom("a"), atom("b")));
    // A newline is an atom character, and starts line 2 for error positions.
    assert_eq!(strict("a\nb"), LabelExpr::atom("a\nb"));
    assert_eq!(
        error_of("a\n)"),
        "line 2:0: extraneous input ')' expecting <EOF>"
    );
    assert_eq!(
        error_of("a b\n"),
        r"line 1:2: extraneous input 'b\n' expecting <EOF>"
    );
}

#[test]
fn a_lexer_error_in_the_lookahead_token_wins_over_a_parser_error() {
    // ANTLR peeks at the next token before reporting an unexpected one.
    assert_eq!(
        error_of("&& <"),
        "line 1:3: token recognition error at: '<'"
    );
    assert_eq!(
        error_of("a & b"),
        "line 1:2: token recognition error at: '& '"
    );
}

#[test]
fn unclosed_parentheses_are_reported_where_they_end() {
    assert_eq!(error_of("(a"), "line 1:2: missing ')' at '<EOF>'");
    let nested = "line 1:3: mismatched input '<EOF>' expecting {'&&', '||', '->', '<->', ')'}";
    assert_eq!(error_of("((a"), nested);
    assert_eq!(
        error_of("(a b)"),
        "line 1:3: extraneous input 'b' expecting ')'"
    );
}

#[test]
fn lax_parsing_takes_invalid_text_as_one_atom() {
    let lax = |text| LabelExpr::parse_lax(text).expect("not blank");
    assert_eq!(lax("foo bar"), LabelExpr::atom("foo bar"));
    assert_eq!(
        lax(r#""label1||label2""#),
        LabelExpr::Or(atom("label1"), atom("label2"))
    );
    assert_eq!(lax(r#""a" && "b""#), LabelExpr::atom(r#"a" && "b"#));
    assert_eq!(lax("'linux'"), LabelExpr::atom("linux"));
    // LabelExpressionTest#quote: unquoting decodes escapes, then the parse fails.
    assert_eq!(lax(r#""abc\\\"def""#).canonical(), r#"abc\"def"#);
}

#[test]
fn lax_parsing_of_blank_text_means_unrestricted() {
    for blank in ["", " ", "\t \n"] {
        assert_eq!(LabelExpr::parse_lax(blank), None, "{blank:?}");
    }
}

#[test]
fn lax_unquoting_keeps_javas_unicode_escape_quirk() {
    // Java reads the `u` as the first digit and skips the fourth: "\u0041" is U+0004.
    assert_eq!(
        LabelExpr::parse_lax(r#""\u0041""#),
        Some(LabelExpr::atom("\u{4}"))
    );
}
