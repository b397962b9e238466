//! The controller's state: nodes, the build queue, connected agents, and
//! the English `why` of each waiting item. Everything here happens at one
//! instant under one lock; latency and serialisation are the port's.

use std::collections::{BTreeMap, BTreeSet};

use ecs_agents::labels::{LabelExpr, LabelSet};
use ecs_agents::naming::AgentName;
use tokio::time::Instant;

use crate::rng::Rng;

/// How long Jenkins still knows a queue item that left (docs/jenkins-api.md §5).
const LEFT_MEMORY_MS: u64 = 5 * 60 * 1000;

/// One node.
#[derive(Debug, Clone)]
pub struct Node {
    /// `nodeDescription`.
    pub description: String,
    /// Its labels, its own name included.
    pub labels: LabelSet,
    /// The task whose agent is connected, if one is.
    pub connected: Option<String>,
    /// Marked temporarily offline.
    pub temporarily_offline: bool,
    /// The build it runs.
    pub busy: Option<u64>,
    /// Offers its executor (single use: false once it took a build, docs/jenkins-api.md §20).
    pub accepting: bool,
    /// Since when it is idle (epoch ms).
    pub idle_since: u64,
    /// When its connected agent dropped (epoch ms); `None` before any
    /// connection since the controller started (docs/jenkins-api.md §4).
    pub offline_since: Option<u64>,
}

impl Node {
    fn online(&self) -> bool {
        self.connected.is_some() && !self.temporarily_offline
    }
}

/// Where a build is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BuildState {
    /// In the queue.
    Waiting,
    /// On an agent.
    Running {
        /// The node.
        node: AgentName,
    },
    /// Ran on an agent (`aborted`: the agent went away before it ended).
    Finished {
        /// The node it ran on.
        node: AgentName,
        /// Whether it ended without its agent.
        aborted: bool,
    },
    /// Cancelled while waiting.
    Cancelled,
}

/// One build of a job.
#[derive(Debug, Clone)]
pub struct Build {
    /// Its queue item id.
    pub id: u64,
    /// The label it asks for.
    pub label: Option<String>,
    /// The job's name.
    pub job: String,
    /// `inQueueSince` (epoch ms).
    pub in_queue_since: u64,
    /// When it left the queue (epoch ms).
    pub left_ms: Option<u64>,
    /// Where it is.
    pub state: BuildState,
}

/// Why a call did not reach the controller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Down {
    /// Restarting: nothing answers.
    Restarting,
    /// One 503 (a proxy, an overloaded controller).
    Unavailable,
}

/// Connecting an agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connect {
    /// Connected (or already was).
    Connected,
    /// No such node: Jenkins refuses the agent.
    NoNode,
    /// The controller is down: try again.
    Down,
}

/// The controller.
#[derive(Debug)]
pub struct Controller {
    /// Every node but the built-in one.
    pub nodes: BTreeMap<AgentName, Node>,
    /// Every build ever queued.
    pub builds: BTreeMap<u64, Build>,
    /// Until when the controller restarts.
    pub down_until: Option<Instant>,
    /// Every agent secret handed out.
    pub secrets: BTreeSet<String>,
    /// Probability that one call answers 503.
    pub unavailable: f64,
    /// Calls that reached the controller, per call.
    pub calls: BTreeMap<&'static str, u64>,
    /// The controller's own chance.
    pub rng: Rng,
    /// Broken on purpose (`Sabotage`): secret reads are logged.
    pub log_secrets: bool,
}

impl Controller {
    /// A controller with no nodes and an empty queue.
    pub fn new(unavailable: f64, rng: Rng) -> Self {
        Self {
            nodes: BTreeMap::new(),
            builds: BTreeMap::new(),
            down_until: None,
            secrets: BTreeSet::new(),
            unavailable,
            calls: BTreeMap::new(),
            rng,
            log_secrets: false,
        }
    }

    /// Counts a call of `name`; why it fails, if the controller cannot answer.
    pub fn answer(&mut self, name: &'static str) -> Result<(), Down> {
        *self.calls.entry(name).or_default() += 1;
        if self.down_until.is_some_and(|until| Instant::now() < until) {
            return Err(Down::Restarting);
        }
        let unavailable = self.unavailable;
        if self.rng.chance(unavailable) {
            return Err(Down::Unavailable);
        }
        Ok(())
    }

    /// Whether the controller answers now.
    pub fn up(&self) -> bool {
        self.down_until.is_none_or(|until| Instant::now() >= until)
    }

    /// Restarts the controller for `down_for`: every agent drops, no node
    /// counts as connected since the start, and the single-use flag is lost
    /// (docs/jenkins-api.md §4, §20). The tasks whose agents dropped.
    pub fn restart(&mut self, down_for: std::time::Duration) -> Vec<String> {
        self.down_until = Some(Instant::now() + down_for);
        let mut dropped = Vec::new();
        for node in self.nodes.values_mut() {
            dropped.extend(node.connected.take());
            node.offline_since = None;
            node.temporarily_offline = false;
            node.accepting = node.busy.is_none();
        }
        dropped
    }

    /// Connects the agent of `task` as node `name`.
    pub fn connect(&mut self, name: &AgentName, task: &str) -> Connect {
        if !self.up() {
            return Connect::Down;
        }
        let Some(node) = self.nodes.get_mut(name) else {
            return Connect::NoNode;
        };
        node.connected = Some(task.to_owned());
        Connect::Connected
    }

    /// The agent of `task` dropped (its task stopped), at `now_ms`.
    pub fn disconnect(&mut self, name: &AgentName, task: &str, now_ms: u64) {
        if let Some(node) = self.nodes.get_mut(name)
            && node.connected.as_deref() == Some(task)
        {
            node.connected = None;
            node.offline_since = Some(now_ms);
        }
    }

    /// A build enters the queue.
    pub fn enqueue(&mut self, build: Build) {
        self.builds.insert(build.id, build);
    }

    /// Cancels a waiting build; false if it was not waiting.
    pub fn cancel(&mut self, id: u64, now_ms: u64) -> bool {
        match self.builds.get_mut(&id) {
            Some(build) if build.state == BuildState::Waiting => {
                build.state = BuildState::Cancelled;
                build.left_ms = Some(now_ms);
                true
            }
            _ => false,
        }
    }

    /// Hands waiting builds to idle online executors that accept them, in
    /// queue order (docs/jenkins-api.md §11). The builds started.
    pub fn maintain(&mut self, now_ms: u64) -> Vec<(u64, AgentName)> {
        if !self.up() {
            return Vec::new();
        }
        let mut free: Vec<AgentName> = self
            .nodes
            .iter()
            .filter(|(_, n)| n.online() && n.busy.is_none() && n.accepting)
            .map(|(name, _)| name.clone())
            .collect();
        let mut started = Vec::new();
        for build in self.builds.values_mut() {
            if free.is_empty() {
                break;
            }
            if build.state != BuildState::Waiting {
                continue;
            }
            let Some(expr) = build.label.as_deref().and_then(LabelExpr::parse_lax) else {
                continue;
            };
            let nodes = &self.nodes;
            let taker = free
                .iter()
                .position(|name| nodes.get(name).is_some_and(|n| expr.matches(&n.labels)));
            if let Some(at) = taker {
                let name = free.remove(at);
                if let Some(node) = self.nodes.get_mut(&name) {
                    node.busy = Some(build.id);
                    node.accepting = false;
                }
                build.state = BuildState::Running { node: name.clone() };
                build.left_ms = Some(now_ms);
                started.push((build.id, name));
            }
        }
        started
    }

    /// Build `id` ends; the node it ran on, to release.
    pub fn finish(&mut self, id: u64, now_ms: u64) -> Option<AgentName> {
        let build = self.builds.get_mut(&id)?;
        let BuildState::Running { node } = &build.state else {
            return None;
        };
        let node = node.clone();
        let agent = self.nodes.get_mut(&node);
        let aborted = agent.as_ref().is_none_or(|n| n.connected.is_none());
        build.state = BuildState::Finished {
            node: node.clone(),
            aborted,
        };
        let agent = agent?;
        agent.busy = None;
        agent.idle_since = now_ms;
        Some(node)
    }

    /// Where queue item `id` is, as `GET /queue/item/ID` answers.
    pub fn left(&self, id: u64, now_ms: u64) -> Option<(bool, bool)> {
        let build = self.builds.get(&id)?;
        match (&build.state, build.left_ms) {
            (BuildState::Waiting, _) => Some((false, false)),
            (state, Some(left)) if now_ms.saturating_sub(left) < LEFT_MEMORY_MS => {
                Some((true, *state == BuildState::Cancelled))
            }
            _ => None,
        }
    }

    /// The English `why` of a waiting item asking for `label`
    /// (docs/jenkins-api.md §5; the texts `reconcile::why` reads).
    pub fn why(&self, label: Option<&str>) -> String {
        let Some(expr) = label.and_then(LabelExpr::parse_lax) else {
            return "Waiting for next available executor".into();
        };
        if self.nodes.is_empty() {
            return "Waiting for next available executor".into();
        }
        let name = expr.canonical();
        let with: Vec<(&AgentName, &Node)> = self
            .nodes
            .iter()
            .filter(|(_, n)| expr.matches(&n.labels))
            .collect();
        match with.as_slice() {
            [] => format!("There are no nodes with the label ‘{name}’"),
            [(only, node)] if !node.online() => format!("‘{only}’ is offline"),
            [(only, _)] => format!("Waiting for next available executor on ‘{only}’"),
            all if all.iter().all(|(_, n)| !n.online()) => {
                format!("All nodes of label ‘{name}’ are offline")
            }
            _ => format!("Waiting for next available executor on ‘{name}’"),
        }
    }
}

#[cfg(test)]
mod tests {
    use ecs_agents::reconcile::why::{Wanted, waiting_for};

    use super::*;

    fn node(labels: &str, connected: bool) -> Node {
        Node {
            description: String::new(),
            labels: LabelSet::from_label_string(labels),
            connected: connected.then(|| "task".to_owned()),
            temporarily_offline: false,
            busy: None,
            accepting: true,
            idle_since: 0,
            offline_since: None,
        }
    }

    #[test]
    fn every_why_the_model_gives_is_one_the_reconciler_reads() {
        let mut jenkins = Controller::new(0.0, Rng::new(1));
        let read = |c: &Controller| {
            let names: Vec<String> = c.nodes.keys().map(|n| n.to_string()).collect();
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            waiting_for(&c.why(Some("linux")), &names)
        };
        assert_eq!(read(&jenkins), None, "no node at all: no label named");
        jenkins
            .nodes
            .insert(AgentName::new("sim_placeholder"), node("", false));
        jenkins
            .nodes
            .insert(AgentName::new("sim_placeholder_2"), node("", false));
        assert!(matches!(read(&jenkins), Some(Wanted::Label(_))));
        jenkins
            .nodes
            .insert(AgentName::new("sim-linux-1"), node("linux", false));
        assert_eq!(read(&jenkins), Some(Wanted::Node("sim-linux-1".into())));
        jenkins
            .nodes
            .insert(AgentName::new("sim-linux-2"), node("linux", true));
        assert!(matches!(read(&jenkins), Some(Wanted::Label(_))));
    }

    #[test]
    fn a_single_use_agent_takes_one_build_in_queue_order() {
        let mut jenkins = Controller::new(0.0, Rng::new(1));
        for id in [1, 2] {
            jenkins.enqueue(Build {
                id,
                label: Some("linux".into()),
                job: "job".into(),
                in_queue_since: 0,
                left_ms: None,
                state: BuildState::Waiting,
            });
        }
        let agent = AgentName::new("sim-linux-2");
        jenkins.nodes.insert(agent.clone(), node("linux", true));
        assert_eq!(jenkins.maintain(5), vec![(1, agent.clone())]);
        assert_eq!(jenkins.finish(1, 9), Some(agent));
        assert!(jenkins.maintain(10).is_empty(), "no second build");
    }
}
