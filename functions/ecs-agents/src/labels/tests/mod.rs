//! Example-based tests: the shared fixtures and Jenkins' own test cases here;
//! the grammar and printing by theme beside.

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

mod grammar;
mod printing;
mod proptests;
