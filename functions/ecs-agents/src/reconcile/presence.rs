//! Whether an agent of ours that is offline with its task still running is
//! on its way: launching, or reconnecting after a controller restart or a
//! dropped connection (agents run with `-noReconnectAfter`, see
//! `cloud.agentReconnectMinutes`), or gone for good.
//!
//! Jenkins cannot tell a controller restart from a launch: after a restart
//! every agent's computer is new, offline with no cause, exactly like one
//! that never connected (docs/jenkins-api.md §4, §12). So the reconciler
//! remembers, across its runs, which agents it has seen online and since
//! when it has seen each one offline; a dropped connection also carries
//! Jenkins' own `offlineCause` timestamp. A cold start forgets: agents are
//! then retired later, never earlier.
//!
//! - Connected before (seen online, or Jenkins says when it dropped): retired
//!   once offline for longer than the reconnect window.
//! - Never seen connected: retired once older than the launch timeout, and
//!   watched offline by this instance for the shorter of the two windows (so
//!   a reconciler that just started does not mistake a restart for a failed
//!   launch).

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use crate::config::Cloud;
use crate::jenkins::NodeInfo;
use crate::naming::AgentName;

/// What became of an offline agent with a running task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Launching or reconnecting: leave it.
    Wait,
    /// Never connected within the launch timeout.
    NeverConnected,
    /// Connected once, then gone longer than the reconnect window.
    Disconnected,
}

/// What the reconciler has seen of its agents across runs.
#[derive(Debug, Default)]
pub(crate) struct Presence {
    seen_online: HashSet<AgentName>,
    offline_seen: HashMap<AgentName, u64>,
}

impl Presence {
    /// Records this run's view of our nodes at `now_ms`, forgetting nodes
    /// that are gone.
    pub(crate) fn observe(&mut self, ours: &[&NodeInfo], now_ms: u64) {
        let listed: HashSet<&AgentName> = ours.iter().map(|n| &n.name).collect();
        self.seen_online.retain(|n| listed.contains(n));
        self.offline_seen.retain(|n, _| listed.contains(n));
        for node in ours {
            if node.offline {
                self.offline_seen.entry(node.name.clone()).or_insert(now_ms);
            } else {
                self.seen_online.insert(node.name.clone());
                self.offline_seen.remove(&node.name);
            }
        }
    }

    /// Whether `node` has been connected: seen online by this instance, or
    /// Jenkins recorded its connection breaking.
    pub(crate) fn was_connected(&self, node: &NodeInfo) -> bool {
        node.offline_since.is_some() || self.seen_online.contains(&node.name)
    }

    /// The verdict on `node`, offline with its task running, `age` after it
    /// was created, at `now_ms` (after [`Presence::observe`]).
    pub(crate) fn judge(
        &self,
        node: &NodeInfo,
        age: Duration,
        cloud: &Cloud,
        now_ms: u64,
    ) -> Verdict {
        let seen = self.offline_seen.get(&node.name).copied().unwrap_or(now_ms);
        let offline_since = node.offline_since.map_or(seen, |since| since.min(seen));
        let offline_for = Duration::from_millis(now_ms.saturating_sub(offline_since));
        let watched_for = Duration::from_millis(now_ms.saturating_sub(seen));
        if self.was_connected(node) {
            return match offline_for > cloud.agent_reconnect_window {
                true => Verdict::Disconnected,
                false => Verdict::Wait,
            };
        }
        let patience = cloud.agent_reconnect_window.min(cloud.agent_launch_timeout);
        match age > cloud.agent_launch_timeout && watched_for >= patience {
            true => Verdict::NeverConnected,
            false => Verdict::Wait,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::AgentsConfig;

    const MINUTE: u64 = 60_000;
    const START: u64 = 1_764_270_000_000;

    fn cloud() -> Cloud {
        AgentsConfig::from_yaml(
            "
cloud: {name: ecs, cluster: c, jenkinsUrl: 'https://j/', agentLaunchTimeoutSeconds: 900, agentReconnectMinutes: 10}
templates:
  - {name: linux, labels: linux, cpu: 512, memory: 1024, subnets: [s-1]}
",
        )
        .unwrap()
        .cloud
    }

    fn node(offline: bool, offline_since: Option<u64>) -> NodeInfo {
        NodeInfo {
            name: AgentName::new("ecs-linux-7"),
            description: String::new(),
            offline,
            temporarily_offline: false,
            idle: true,
            idle_since: None,
            offline_since,
            labels: Vec::new(),
        }
    }

    fn minutes(n: u64) -> Duration {
        Duration::from_secs(n * 60)
    }

    #[test]
    fn an_agent_seen_online_is_given_the_reconnect_window_after_a_restart() {
        let mut presence = Presence::default();
        let online = node(false, None);
        presence.observe(&[&online], START);
        // A restart: offline, no cause, as if never connected; an hour old.
        let restarted = node(true, None);
        presence.observe(&[&restarted], START + MINUTE);
        let at = |m: u64| presence.judge(&restarted, minutes(60 + m), &cloud(), START + m * MINUTE);
        assert_eq!(at(5), Verdict::Wait);
        assert_eq!(
            at(11),
            Verdict::Wait,
            "10 minutes from the first sight offline"
        );
        assert_eq!(at(12), Verdict::Disconnected);
    }

    #[test]
    fn a_dropped_connection_counts_from_when_jenkins_says_it_dropped() {
        let mut presence = Presence::default();
        let dropped = node(true, Some(START - 9 * MINUTE));
        presence.observe(&[&dropped], START);
        assert_eq!(
            presence.judge(&dropped, minutes(60), &cloud(), START),
            Verdict::Wait
        );
        let later = START + 2 * MINUTE;
        assert_eq!(
            presence.judge(&dropped, minutes(62), &cloud(), later),
            Verdict::Disconnected
        );
    }

    #[test]
    fn an_agent_never_seen_online_is_retired_at_the_launch_timeout() {
        let mut presence = Presence::default();
        let launching = node(true, None);
        presence.observe(&[&launching], START + MINUTE);
        let at = |m: u64| presence.judge(&launching, minutes(m), &cloud(), START + m * MINUTE);
        assert_eq!(at(14), Verdict::Wait);
        assert_eq!(at(16), Verdict::NeverConnected);
    }

    #[test]
    fn a_reconciler_that_just_started_watches_before_calling_an_old_agent_never_connected() {
        // Cold start right after a controller restart: an hour-old agent,
        // offline with no cause, never seen by this instance.
        let mut presence = Presence::default();
        let restarted = node(true, None);
        presence.observe(&[&restarted], START);
        let at = |m: u64| presence.judge(&restarted, minutes(60 + m), &cloud(), START + m * MINUTE);
        assert_eq!(at(0), Verdict::Wait);
        assert_eq!(at(9), Verdict::Wait);
        assert_eq!(at(10), Verdict::NeverConnected);
    }

    #[test]
    fn coming_back_online_forgets_the_offline_time() {
        let mut presence = Presence::default();
        let offline = node(true, None);
        presence.observe(&[&offline], START);
        presence.observe(&[&node(false, None)], START + MINUTE);
        presence.observe(&[&offline], START + 20 * MINUTE);
        assert_eq!(
            presence.judge(&offline, minutes(80), &cloud(), START + 25 * MINUTE),
            Verdict::Wait
        );
    }
}
