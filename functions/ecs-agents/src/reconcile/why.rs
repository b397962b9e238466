//! Which label (or node) a buildable queue item waits for, read from the
//! English `why` Jenkins exports for it (docs/jenkins-api.md §5). Jenkins does not
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

/// The English texts a buildable item's `why` may be besides the ones that
/// name a label or node (`Queue.WaitingForNextAvailableExecutor`,
/// `Queue.HudsonIsAboutToShutDown`, `Queue.Unknown`).
const PLAIN: [&str; 3] = [
    "Waiting for next available executor",
    "Jenkins is about to shut down",
    "???",
];

/// How the per-node reasons Jenkins joins end (`Queue.NodeOffline`,
/// `Node.BecauseNodeIsReserved`, `Node.BecauseNodeIsNotAcceptingTasks`).
const NODE_REASON_ENDINGS: [&str; 3] = [
    "’ is offline",
    "’ is reserved for jobs with matching label expression",
    "’ is not accepting tasks",
];

/// What the two-argument per-node reasons hold between their arguments
/// (`Node.LabelMissing`, `Node.LackingBuildPermission`).
const NODE_REASON_MIDDLES: [&str; 2] = ["’ doesn’t have label ‘", "’ lacks permission to run on ‘"];

/// Whether `why` is one of the English texts Jenkins gives a buildable item.
/// A controller whose texts are all something else has been made to answer
/// in another language (the Locale plugin can force one whatever
/// `Accept-Language` says, docs/jenkins-api.md §14), and no label can be
/// read from its queue.
pub fn understood(why: &str) -> bool {
    let why = why.trim();
    if PLAIN.contains(&why)
        || enclosed(why, NO_NODES).is_some()
        || enclosed(why, ALL_OFFLINE).is_some()
        || enclosed(why, EXECUTOR_ON).is_some()
    {
        return true;
    }
    let (reasons, _) = per_node_reasons(why);
    reasons.first().is_some_and(|first| {
        first.starts_with('‘')
            && (NODE_REASON_ENDINGS.iter().any(|end| first.ends_with(end))
                || NODE_REASON_MIDDLES.iter().any(|mid| why.contains(mid)))
    })
}

#[cfg(test)]
mod tests;
