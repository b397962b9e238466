//! Which label (or node) a buildable queue item waits for, read from the
//! English `why` Jenkins exports for it (jenkins.md §5). Jenkins does not
//! export the item's label, so its own wording is the only trace of it.
//!
//! The texts (`hudson/model/Messages.properties`, quotes U+2018 ‘ and
//! U+2019 ’):
//!
//! | text | what `{0}`/`{1}` is |
//! |---|---|
//! | `There are no nodes with the label ‘L’` | label |
//! | `All nodes of label ‘L’ are offline` | label |
//! | `‘X’ is offline` | the label's only node |
//! | `Waiting for next available executor on ‘L’` | label, or its only node |
//! | `‘X’ doesn’t have label ‘L’` | node, label |
//! | `‘X’ is reserved for jobs with matching label expression` | node |
//! | `‘X’ is not accepting tasks` | node |
//!
//! The last three are per-node reasons, which Jenkins sorts, joins with
//! `"; "` and cuts after five with `; ... and N more`. Labels are
//! `Label.getName()`: an expression in canonical form, atoms quoted where
//! needed (`"my label"&&linux`), a lone atom raw (`my label`). So a label
//! may hold spaces, quotes and even `"; "`: each text is matched anchored at
//! both ends with the label running to the closing quote, never split on
//! whitespace. No regex: the shapes are few and fixed.

use crate::labels::LabelExpr;

/// What a queue item waits for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wanted {
    /// A label expression.
    Label(LabelExpr),
    /// A node, by name: Jenkins names the node instead of the label when
    /// exactly one node has the label, so the item wants that node's labels.
    Node(String),
}

const NO_NODES: (&str, &str) = ("There are no nodes with the label ‘", "’");
const ALL_OFFLINE: (&str, &str) = ("All nodes of label ‘", "’ are offline");
const EXECUTOR_ON: (&str, &str) = ("Waiting for next available executor on ‘", "’");
const NODE_OFFLINE: (&str, &str) = ("‘", "’ is offline");
/// `‘X’ doesn’t have label ‘L’`, around and between its two arguments.
const LABEL_MISSING: (&str, &str, &str) = ("‘", "’ doesn’t have label ‘", "’");
/// How Jenkins joins per-node reasons.
const REASON_SEPARATOR: &str = "; ";
/// What Jenkins puts after the fifth per-node reason: `; ... and N more`.
const MORE: (&str, &str) = ("; ... and ", " more");

/// The label or node a buildable item waits for, read from its English
/// `why`; `node_names` are the display names of the nodes Jenkins lists.
///
/// `None` when the text names neither: `Waiting for next available
/// executor` (no label, or no agent node at all), per-node reasons without a
/// label, quiet period, blocked, translated or unknown texts.
pub fn waiting_for(why: &str, node_names: &[&str]) -> Option<Wanted> {
    let why = why.trim();
    if let Some(label) = enclosed(why, NO_NODES).or_else(|| enclosed(why, ALL_OFFLINE)) {
        return label_named(label).map(Wanted::Label);
    }
    if let Some(name) = enclosed(why, EXECUTOR_ON) {
        return node_or_label(name, node_names);
    }
    let (reasons, cut) = per_node_reasons(why);
    // One reason alone is `Queue.NodeOffline`: the label's only node is
    // offline. Among several, `‘X’ is offline` only says that one of the
    // idle executors Jenkins offered the item is on an offline node.
    if let ([reason], false) = (reasons.as_slice(), cut)
        && let Some(name) = enclosed(reason, NODE_OFFLINE)
    {
        return node_or_label(name, node_names);
    }
    first_missing_label(&reasons).map(Wanted::Label)
}

/// The text between `prefix` and `suffix` if `text` is exactly that, the
/// middle running to the last `suffix` (a greedy, anchored `prefix(.*)suffix`).
fn enclosed<'a>(text: &'a str, (prefix, suffix): (&str, &str)) -> Option<&'a str> {
    text.strip_prefix(prefix)?.strip_suffix(suffix)
}

/// `Label.getName()` back to a label: an expression parses; a lone atom
/// whose raw name does not (`my label`) is that atom.
fn label_named(name: &str) -> Option<LabelExpr> {
    if name.trim().is_empty() {
        return None;
    }
    Some(LabelExpr::parse(name).unwrap_or_else(|_| LabelExpr::atom(name)))
}

/// A name that is either one of the listed nodes or a label.
fn node_or_label(name: &str, node_names: &[&str]) -> Option<Wanted> {
    if node_names.contains(&name) {
        return Some(Wanted::Node(name.to_owned()));
    }
    label_named(name).map(Wanted::Label)
}

/// The `"; "`-separated pieces of `why` without its `; ... and N more`,
/// and whether that cut was there. A piece is a whole reason unless a label
/// holds `"; "` itself; [`first_missing_label`] joins pieces back then.
fn per_node_reasons(why: &str) -> (Vec<&str>, bool) {
    let (listed, cut) = match why.rfind(MORE.0) {
        Some(at) if is_count(&why[at..]) => (&why[..at], true),
        _ => (why, false),
    };
    (listed.split(REASON_SEPARATOR).collect(), cut)
}

/// Whether `tail` is exactly `; ... and N more`.
fn is_count(tail: &str) -> bool {
    enclosed(tail, MORE).is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// The label of the first `‘X’ doesn’t have label ‘L’` among the reasons.
/// A reason is the shortest run of pieces that reads as one, so a label
/// holding `"; "` is read whole and two reasons are never read as one.
fn first_missing_label(pieces: &[&str]) -> Option<LabelExpr> {
    (0..pieces.len()).find_map(|first| {
        (first..pieces.len()).find_map(|last| {
            let reason = pieces[first..=last].join(REASON_SEPARATOR);
            missing_label(&reason).and_then(label_named)
        })
    })
}

/// `L` of `‘X’ doesn’t have label ‘L’`. `X` is a node name, which Jenkins
/// keeps free of `;` (`Jenkins.checkGoodName`); the label takes the rest.
fn missing_label(reason: &str) -> Option<&str> {
    let (open, between, close) = LABEL_MISSING;
    let inner = reason.strip_prefix(open)?.strip_suffix(close)?;
    let (node, label) = inner.split_once(between)?;
    (!node.is_empty() && !node.contains(';')).then_some(label)
}

#[cfg(test)]
mod tests {
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
}
