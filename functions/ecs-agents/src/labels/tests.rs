//! Example-based tests: the shared fixtures, Jenkins' own test cases, and edge cases.

use serde::Deserialize;

use super::*;

#[derive(Deserialize)]
struct MatchCase {
    expr: String,
    labels: Vec<String>,
    matches: bool,
    api: String,
    canonical: String,
}

#[derive(Deserialize)]
struct ErrorCase {
    expr: String,
    error: String,
}

fn fixture<T: for<'de> Deserialize<'de>>(name: &str) -> Vec<T> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/labels/");
    let text = std::fs::read_to_string(format!("{dir}{name}")).expect("fixture is readable");
    serde_json::from_str(&text).expect("fixture is valid JSON")
}

fn strict(text: &str) -> LabelExpr {
    LabelExpr::parse(text).unwrap_or_else(|e| panic!("{text:?} should parse: {e}"))
}

fn error_of(text: &str) -> String {
    match LabelExpr::parse(text) {
        Ok(expr) => panic!("{text:?} should not parse, got {expr:?}"),
        Err(e) => e.to_string(),
    }
}

fn atom(name: &str) -> Box<LabelExpr> {
    Box::new(LabelExpr::atom(name))
}

#[test]
fn every_match_case_fixture_parses_matches_and_prints_like_jenkins() {
    let cases: Vec<MatchCase> = fixture("match-cases.json");
    assert_eq!(cases.len(), 35);
    for case in cases {
        let expr = match case.api.as_str() {
            "Label.parseExpression" => strict(&case.expr),
            "Jenkins.getLabel" => LabelExpr::parse_lax(&case.expr).expect("not blank"),
            other => panic!("unknown api {other}"),
        };
        let labels: LabelSet = case.labels.iter().map(String::as_str).collect();
        assert_eq!(
            expr.matches(&labels),
            case.matches,
            "{:?} on {:?}",
            case.expr,
            case.labels
        );
        assert_eq!(
            expr.canonical(),
            case.canonical,
            "canonical of {:?}",
            case.expr
        );
        assert_eq!(expr.to_string(), case.canonical);
    }
}

#[test]
fn every_parse_error_fixture_is_rejected_with_antlrs_message() {
    let cases: Vec<ErrorCase> = fixture("parse-errors.json");
    assert_eq!(cases.len(), 10);
    for case in cases {
        assert_eq!(
            error_of(&case.expr),
            case.error,
            "error for {:?}",
            case.expr
        );
    }
}

#[test]
fn jenkins_own_parser_error_cases_give_the_same_messages() {
    // hudson.model.labels.LabelExpressionTest#parserError, ANTLR 4.13.
    let brace = "{<EOF>, '&&', '||', '->', '<->'}";
    let cases = [
        (
            "foo bar",
            "line 1:4: extraneous input 'bar' expecting <EOF>".to_owned(),
        ),
        (
            "foo (bar)",
            format!("line 1:4: mismatched input '(' expecting {brace}"),
        ),
        (
            "foo(bar)",
            format!("line 1:3: mismatched input '(' expecting {brace}"),
        ),
        (
            "a <- b",
            "line 1:2: token recognition error at: '<- '".to_owned(),
        ),
        (
            "a -< b",
            "line 1:3: token recognition error at: '< '".to_owned(),
        ),
        (
            "a - b",
            format!("line 1:2: mismatched input '-' expecting {brace}"),
        ),
        (
            "->",
            "line 1:0: mismatched input '->' expecting {'!', '(', ATOM, STRINGLITERAL}".into(),
        ),
        ("-<", "line 1:1: token recognition error at: '<'".to_owned()),
        (
            "-!",
            "line 1:1: extraneous input '!' expecting <EOF>".to_owned(),
        ),
    ];
    for (text, message) in cases {
        assert_eq!(error_of(text), message, "error for {text:?}");
    }
}

#[test]
fn error_carries_line_column_and_message_separately() {
    let e = LabelExpr::parse("foo bar").unwrap_err();
    assert_eq!((e.line, e.column), (1, 4));
    assert_eq!(e.message, "extraneous input 'bar' expecting <EOF>");
}

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
