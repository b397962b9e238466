//! The queue's `why` texts (`Queue.Item.getWhy()`), worded exactly as docs/jenkins-api.md §5 gives
//! them, with U+2018/U+2019 quotes.
//!
//! Jenkins localises these by the request's `Accept-Language` (else the JVM default). The
//! stand-in answers in English, which is what callers following docs/jenkins-api.md §5
//! ("always send `Accept-Language: en`") get from a real Jenkins too, unless a test forces
//! another language as the Locale plugin can ([`crate::language`]).

use ecs_agents::labels::LabelExpr;

use crate::state::State;
use crate::state::computer::{Computer, ComputerKind};
use crate::state::queue::{QueueItem, Stage};
use crate::timespan::time_span;

/// `Queue.Item.getWhy()` for a live item.
pub fn why(state: &State, item: &QueueItem, now: i64) -> String {
    match &item.stage {
        Stage::Waiting { until } if *until - now >= 0 => {
            format!(
                "In the quiet period. Expires in {}",
                time_span(*until - now)
            )
        }
        Stage::Waiting { .. } => "Finished waiting".to_owned(),
        Stage::Blocked { why, .. } => why.clone(),
        Stage::Buildable { .. } => {
            crate::language::render(&buildable_why(state, item), state.settings.language)
        }
    }
}

/// `BuildableItem.getCauseOfBlockage()`, case by case as docs/jenkins-api.md §5 lists them.
fn buildable_why(state: &State, item: &QueueItem) -> String {
    // Case 1: without agent nodes Jenkins ignores the label altogether.
    let label = item
        .label
        .as_ref()
        .filter(|_| state.agent_nodes().next().is_some());
    if let Some(label) = label {
        return labelled_why(state, item, label);
    }
    match &item.transient_causes {
        Some(causes) if computer_set_idle_executors(state) > 0 => composite(causes),
        // Case 5.
        _ => "Waiting for next available executor".to_owned(),
    }
}

fn labelled_why(state: &State, item: &QueueItem, label: &LabelExpr) -> String {
    let nodes = label_nodes(state, label);
    let name = label.canonical();
    // Case 2: the label is offline; {0} is a node name when exactly one node matches.
    if label_is_offline(&nodes) {
        return match nodes.as_slice() {
            [one] => format!("‘{}’ is offline", one.display_name()),
            [] => format!("There are no nodes with the label ‘{name}’"),
            _ => format!("All nodes of label ‘{name}’ are offline"),
        };
    }
    // Case 3: idle executors exist but refused the item.
    if let Some(causes) = &item.transient_causes
        && label_idle_executors(&nodes) > 0
    {
        return composite(causes);
    }
    // Case 4.
    match nodes.as_slice() {
        [one] => format!(
            "Waiting for next available executor on ‘{}’",
            one.display_name()
        ),
        _ => format!("Waiting for next available executor on ‘{name}’"),
    }
}

/// `Label.getNodes()`: the controller and every configured agent whose labels match.
pub fn label_nodes<'a>(state: &'a State, label: &LabelExpr) -> Vec<&'a Computer> {
    std::iter::once(&state.built_in)
        .chain(state.agent_nodes())
        .filter(|c| label.matches(&c.labels()))
        .collect()
}

/// `Label.isOffline()`: no matching node has a computer that is online.
pub fn label_is_offline(nodes: &[&Computer]) -> bool {
    !nodes.iter().any(|c| has_computer(c) && !c.is_offline())
}

fn has_computer(c: &Computer) -> bool {
    c.kind == ComputerKind::BuiltIn || c.config.num_executors > 0
}

/// `Label.getIdleExecutors()`: idle executors on the label's online computers.
fn label_idle_executors(nodes: &[&Computer]) -> usize {
    nodes
        .iter()
        .filter(|c| !c.is_offline())
        .map(|c| c.count_idle())
        .sum()
}

/// `ComputerSet.getIdleExecutors()`: idle executors on all online computers.
fn computer_set_idle_executors(state: &State) -> usize {
    state
        .computers()
        .filter(|c| !c.is_offline())
        .map(|c| c.count_idle())
        .sum()
}

/// `CompositeCauseOfBlockage.getShortDescription()`: the distinct reasons in Java
/// string order, joined with "; ", at most five, then "; ... and N more".
pub fn composite(causes: &[String]) -> String {
    let mut unique: Vec<&String> = causes.iter().collect();
    unique.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
    unique.dedup();
    let shown: Vec<&str> = unique.iter().take(5).map(|s| s.as_str()).collect();
    let text = shown.join("; ");
    match unique.len() {
        n if n > 5 => format!("{text}; ... and {} more", n - 5),
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::composite;

    fn reasons(texts: &[&str]) -> Vec<String> {
        texts.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn composite_reasons_are_sorted_and_deduplicated() {
        let text = composite(&reasons(&[
            "‘b’ is offline",
            "‘a’ is offline",
            "‘b’ is offline",
        ]));
        assert_eq!(text, "‘a’ is offline; ‘b’ is offline");
    }

    #[test]
    fn composite_reasons_beyond_five_are_counted() {
        let all = reasons(&["r1", "r2", "r3", "r4", "r5", "r6", "r7"]);
        assert_eq!(composite(&all), "r1; r2; r3; r4; r5; ... and 2 more");
    }
}
