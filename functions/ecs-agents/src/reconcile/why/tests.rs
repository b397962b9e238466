//! Tests of `why`.

use super::*;

const NODES: [&str; 3] = ["ecs-linux-123", "ecs-windows-7", "static-agent"];

fn why(text: &str) -> Option<Wanted> {
    waiting_for(text, &NODES)
}

fn label(text: &str) -> Option<Wanted> {
    Some(Wanted::Label(LabelExpr::parse(text).unwrap()))
}

fn atom(name: &str) -> Option<Wanted> {
    Some(Wanted::Label(LabelExpr::atom(name)))
}

fn node(name: &str) -> Option<Wanted> {
    Some(Wanted::Node(name.to_owned()))
}

// --- the label texts ---

#[test]
fn a_label_without_nodes_is_wanted() {
    assert_eq!(
        why("There are no nodes with the label ‘linux’"),
        label("linux")
    );
}

#[test]
fn a_label_whose_nodes_are_all_offline_is_wanted() {
    assert_eq!(
        why("All nodes of label ‘linux’ are offline"),
        label("linux")
    );
}

#[test]
fn waiting_for_an_executor_on_a_label_wants_the_label() {
    assert_eq!(
        why("Waiting for next available executor on ‘ecs&&linux’"),
        label("ecs&&linux")
    );
}

#[test]
fn waiting_for_an_executor_on_one_of_our_nodes_wants_that_node() {
    assert_eq!(
        why("Waiting for next available executor on ‘ecs-linux-123’"),
        node("ecs-linux-123")
    );
}

#[test]
fn a_node_that_is_offline_and_ours_is_wanted_as_that_node() {
    assert_eq!(why("‘ecs-windows-7’ is offline"), node("ecs-windows-7"));
}

#[test]
fn an_offline_name_that_is_not_a_listed_node_is_read_as_a_label() {
    assert_eq!(why("‘gpu’ is offline"), atom("gpu"));
}

#[test]
fn a_label_missing_on_a_node_is_wanted() {
    assert_eq!(
        why("‘static-agent’ doesn’t have label ‘linux&&!arm’"),
        label("linux&&!arm")
    );
}

#[test]
fn the_apostrophe_of_doesnt_is_the_curly_one_jenkins_writes() {
    assert_eq!(why("‘static-agent’ doesn't have label ‘linux’"), None);
    assert_eq!(
        why("‘static-agent’ doesn’t have label ‘linux’"),
        label("linux")
    );
}

// --- labels as Label.getName() writes them ---

#[test]
fn a_lone_atom_with_spaces_is_read_raw_as_one_atom() {
    assert_eq!(
        why("There are no nodes with the label ‘my label’"),
        atom("my label")
    );
}

#[test]
fn a_quoted_atom_inside_an_expression_keeps_its_space() {
    let wanted = why("There are no nodes with the label ‘\"my label\"&&linux’");
    let expected = LabelExpr::And(
        Box::new(LabelExpr::atom("my label")),
        Box::new(LabelExpr::atom("linux")),
    );
    assert_eq!(wanted, Some(Wanted::Label(expected)));
}

#[test]
fn the_label_runs_to_the_closing_quote_even_past_other_quotes() {
    let text = "All nodes of label ‘\"it’s\"||‘odd’’ are offline";
    let expected = LabelExpr::Or(
        Box::new(LabelExpr::atom("it’s")),
        Box::new(LabelExpr::atom("‘odd’")),
    );
    assert_eq!(why(text), Some(Wanted::Label(expected)));
}

#[test]
fn expressions_with_and_or_not_and_parentheses_are_parsed() {
    let text = "There are no nodes with the label ‘(linux||mac)&&!arm’";
    let Some(Wanted::Label(expr)) = why(text) else {
        panic!("a label");
    };
    assert_eq!(expr.canonical(), "(linux||mac)&&!arm");
    assert_eq!(expr.atoms(), ["linux", "mac", "arm"]);
}

#[test]
fn implications_and_equivalences_are_parsed() {
    assert_eq!(
        why("Waiting for next available executor on ‘a->b<->c’"),
        label("a->b<->c")
    );
}

#[test]
fn a_label_is_never_split_on_whitespace() {
    let text = "‘static-agent’ doesn’t have label ‘my label’";
    assert_eq!(why(text), atom("my label"));
}

#[test]
fn a_label_named_like_a_node_not_ours_is_a_label() {
    assert_eq!(
        why("Waiting for next available executor on ‘built-in’"),
        label("built-in")
    );
}

#[test]
fn a_label_without_nodes_is_a_label_even_if_a_node_has_that_name() {
    assert_eq!(
        why("There are no nodes with the label ‘ecs-linux-123’"),
        label("ecs-linux-123")
    );
}

// --- per-node reasons ---

#[test]
fn the_first_reason_with_a_label_gives_the_label() {
    let text = "‘ecs-windows-7’ doesn’t have label ‘linux’; \
                ‘static-agent’ doesn’t have label ‘linux’";
    assert_eq!(why(text), label("linux"));
}

#[test]
fn reasons_without_a_label_are_passed_over_for_one_with_a_label() {
    let text = "‘ecs-linux-123’ is not accepting tasks; \
                ‘ecs-windows-7’ is reserved for jobs with matching label expression; \
                ‘static-agent’ doesn’t have label ‘ecs&&linux’";
    assert_eq!(why(text), label("ecs&&linux"));
}

#[test]
fn reasons_that_all_lack_a_label_give_nothing() {
    let text = "‘ecs-linux-123’ is not accepting tasks; \
                ‘static-agent’ is reserved for jobs with matching label expression";
    assert_eq!(why(text), None);
    assert_eq!(why("‘static-agent’ is not accepting tasks"), None);
    assert_eq!(
        why("‘static-agent’ is reserved for jobs with matching label expression"),
        None
    );
}

#[test]
fn a_lacking_permission_reason_names_no_label() {
    assert_eq!(
        why("‘alice’ lacks permission to run on ‘static-agent’"),
        None
    );
}

#[test]
fn an_offline_node_among_several_reasons_is_not_what_the_item_wants() {
    let text = "‘ecs-linux-123’ is offline; ‘static-agent’ doesn’t have label ‘gpu’";
    assert_eq!(why(text), label("gpu"));
    let only_offline = "‘ecs-linux-123’ is offline; ‘static-agent’ is offline";
    assert_eq!(why(only_offline), None);
}

#[test]
fn more_than_five_reasons_end_with_a_count_that_is_not_part_of_the_label() {
    let text = "‘n1’ doesn’t have label ‘gpu’; ‘n2’ doesn’t have label ‘gpu’; \
                ‘n3’ doesn’t have label ‘gpu’; ‘n4’ doesn’t have label ‘gpu’; \
                ‘n5’ doesn’t have label ‘gpu’; ... and 3 more";
    assert_eq!(why(text), label("gpu"));
}

#[test]
fn a_single_offline_reason_cut_short_is_still_a_list() {
    assert_eq!(why("‘ecs-linux-123’ is offline; ... and 5 more"), None);
}

#[test]
fn a_label_holding_the_reason_separator_is_read_whole() {
    let text = "‘static-agent’ doesn’t have label ‘a; b’; \
                ‘ecs-linux-123’ doesn’t have label ‘a; b’";
    assert_eq!(why(text), atom("a; b"));
}

#[test]
fn two_reasons_are_never_read_as_one_with_a_longer_label() {
    let text = "‘ecs-linux-123’ is not accepting tasks; ‘static-agent’ doesn’t have label ‘x’";
    assert_eq!(why(text), label("x"));
}

#[test]
fn the_label_of_a_missing_label_reason_may_hold_quotes() {
    let text = "‘static-agent’ doesn’t have label ‘\"my label\"&&linux’";
    assert_eq!(why(text), label("\"my label\"&&linux"));
}

// --- no label ---

#[test]
fn waiting_for_any_executor_names_no_label() {
    assert_eq!(why("Waiting for next available executor"), None);
}

#[test]
fn the_why_of_the_queue_fixture_names_no_label() {
    let fixture: serde_json::Value = serde_json::from_str(include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/jenkins/jenkins-rest-queue.json"
    )))
    .unwrap();
    let items = fixture["items"].as_array().unwrap();
    assert!(!items.is_empty());
    for item in items {
        assert_eq!(why(item["why"].as_str().unwrap()), None, "{item}");
    }
}

#[test]
fn other_english_texts_name_no_label() {
    for text in [
        "In the quiet period. Expires in 4.9 sec",
        "Blocked by ‘upstream-job’",
        "Build #12 is already in progress (ETA: 1 min 3 sec)",
        "Jenkins is about to shut down",
        "Finished waiting",
        "",
    ] {
        assert_eq!(why(text), None, "{text}");
    }
}

#[test]
fn translated_texts_name_no_label() {
    for text in [
        "Il n’y a pas de nœuds avec le label ‘linux’",
        "Es gibt keine Knoten mit dem Label ‘linux’",
        "‘linux’ ist offline",
        "En attente du prochain exécuteur disponible sur ‘linux’",
    ] {
        assert_eq!(why(text), None, "{text}");
    }
}

#[test]
fn straight_quotes_are_not_jenkins_quotes() {
    assert_eq!(why("There are no nodes with the label 'linux'"), None);
}

#[test]
fn an_empty_label_names_no_label() {
    assert_eq!(why("There are no nodes with the label ‘’"), None);
    assert_eq!(why("‘n1’ doesn’t have label ‘ ’"), None);
}

#[test]
fn text_around_a_known_sentence_makes_it_unknown() {
    assert_eq!(why("Note: There are no nodes with the label ‘linux’"), None);
    assert_eq!(why("There are no nodes with the label ‘linux’ (yet)"), None);
}

#[test]
fn names_are_matched_exactly_against_the_listed_nodes() {
    assert_eq!(
        waiting_for("‘ECS-LINUX-123’ is offline", &NODES),
        atom("ECS-LINUX-123")
    );
    assert_eq!(
        waiting_for("‘ecs-linux-123’ is offline", &[]),
        atom("ecs-linux-123")
    );
}

#[test]
fn every_english_text_of_a_buildable_item_is_understood() {
    for text in [
        "There are no nodes with the label \u{2018}linux\u{2019}",
        "All nodes of label \u{2018}!built-in\u{2019} are offline",
        "Waiting for next available executor on \u{2018}linux\u{2019}",
        "Waiting for next available executor",
        "\u{2018}ecs-linux-4\u{2019} is offline",
        "\u{2018}Jenkins\u{2019} doesn\u{2019}t have label \u{2018}linux\u{2019}; \u{2018}ecs-linux-4\u{2019} is not accepting tasks",
        "\u{2018}a\u{2019} is reserved for jobs with matching label expression; ... and 3 more",
        "Jenkins is about to shut down",
    ] {
        assert!(understood(text), "{text}");
    }
}

#[test]
fn translated_texts_are_not_understood() {
    // Jenkins' own German texts (core/src/main/resources/hudson/model/Messages_de.properties).
    for text in [
        "Es gibt keine Knoten mit dem Label \u{201e}linux\u{201c}",
        "Alle Knoten des Labels \u{201e}linux\u{201c} sind offline",
        "Warte auf den n\u{e4}chsten freien Build-Prozessor auf linux",
        "Warte auf den n\u{e4}chsten freien Build-Prozessor",
    ] {
        assert!(!understood(text), "{text}");
        assert_eq!(waiting_for(text, &[]), None);
    }
}
