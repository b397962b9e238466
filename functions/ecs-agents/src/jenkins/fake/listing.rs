//! The fake's state as Jenkins' computer list shows it.

use super::State;
use crate::jenkins::{AgentNode, AgentStatus, NodeInfo};

/// The computer list as `/computer/api/json` would show `state`.
pub(super) fn node_list(state: &State) -> Vec<NodeInfo> {
    let info = |(node, status): &(AgentNode, AgentStatus)| NodeInfo {
        name: node.name.clone(),
        description: node.description.clone(),
        offline: status.offline,
        temporarily_offline: status.temporarily_offline,
        idle: status.idle,
        idle_since: state.idle_since.get(&node.name).copied(),
        offline_since: state.offline_since.get(&node.name).copied(),
        labels: node
            .label_string
            .split_whitespace()
            .map(str::to_owned)
            .chain([node.name.to_string()])
            .collect(),
    };
    state.nodes.values().map(info).collect()
}
