//! An in-memory Jenkins for domain tests: nodes, queue items, per-call
//! counters, injectable failures, slow calls (in tokio's time, so a test on
//! a paused clock proves a deadline without waiting) and calls held open
//! while a test does something else (races).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::*;

mod gate;
mod listing;

pub use gate::Gate;
use listing::node_list;

/// The calls the fake counts and can fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Call {
    /// `create_agent`.
    Create,
    /// `agent_secret`.
    Secret,
    /// `delete_agent`.
    Delete,
    /// `agent_status`.
    Status,
    /// `queue_item`.
    QueueItem,
    /// `mark_offline`.
    MarkOffline,
    /// `list_nodes`.
    ListNodes,
    /// `list_queue`.
    ListQueue,
}

/// In-memory [`JenkinsNodes`].
#[derive(Debug, Default)]
pub struct FakeJenkins {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    nodes: BTreeMap<AgentName, (AgentNode, AgentStatus)>,
    idle_since: HashMap<AgentName, u64>,
    offline_since: HashMap<AgentName, u64>,
    waiting: Vec<QueueEntry>,
    queue: HashMap<u64, QueueItemState>,
    calls: HashMap<Call, usize>,
    failures: HashMap<Call, VecDeque<JenkinsError>>,
    delays: HashMap<Call, VecDeque<Duration>>,
    holds: HashMap<Call, Arc<Gate>>,
    offline_messages: Vec<(AgentName, String)>,
}

impl FakeJenkins {
    /// An empty controller.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets where a queue item is (items not set are queued since 1000).
    pub fn set_queue_item(&self, id: u64, state: QueueItemState) {
        self.lock().queue.insert(id, state);
    }

    /// Makes the next `call` fail with `error`.
    pub fn fail_next(&self, call: Call, error: JenkinsError) {
        self.lock()
            .failures
            .entry(call)
            .or_default()
            .push_back(error);
    }

    /// Makes the next `call` take `duration` before it does anything (tokio
    /// time: a test on a paused clock does not wait for it).
    pub fn delay_next(&self, call: Call, duration: Duration) {
        self.lock()
            .delays
            .entry(call)
            .or_default()
            .push_back(duration);
    }

    /// Holds the next `list_nodes` or `list_queue` once it has read its
    /// snapshot, until the returned gate is released: whatever the test does
    /// meanwhile happens after the caller's read.
    pub fn hold_after_next(&self, call: Call) -> Arc<Gate> {
        let gate = Arc::new(Gate::default());
        self.lock().holds.insert(call, Arc::clone(&gate));
        gate
    }

    /// Marks an agent as connected (online, idle) or not.
    pub fn set_connected(&self, name: &AgentName, connected: bool) {
        let mut state = self.lock();
        if let Some((_, status)) = state.nodes.get_mut(name) {
            status.offline = !connected;
        }
        if connected {
            state.offline_since.remove(name);
        }
    }

    /// A connected agent's channel breaks at `at` (epoch ms): offline, with
    /// Jenkins' `ChannelTermination` cause.
    pub fn drop_connection(&self, name: &AgentName, at: u64) {
        self.set_connected(name, false);
        self.lock().offline_since.insert(name.clone(), at);
    }

    /// The controller restarts: every agent offline, as if never connected.
    pub fn restart(&self) {
        let mut state = self.lock();
        for (_, status) in state.nodes.values_mut() {
            status.offline = true;
        }
        state.offline_since.clear();
    }

    /// Puts an item in the queue listing.
    pub fn enqueue(&self, entry: QueueEntry) {
        self.lock().waiting.push(entry);
    }

    /// Takes item `id` out of the queue listing (it started or was cancelled).
    pub fn dequeue(&self, id: u64) {
        self.lock().waiting.retain(|e| e.id != id);
    }

    /// Adds a node created by someone else (a user, a ghost from a lost launch).
    pub fn add_node(&self, node: AgentNode) {
        let status = AgentStatus {
            name: node.name.clone(),
            offline: true,
            temporarily_offline: false,
            idle: true,
        };
        self.lock().nodes.insert(node.name.clone(), (node, status));
    }

    /// Sets when a node's executors became idle (epoch ms).
    pub fn set_idle_since(&self, name: &AgentName, since: u64) {
        self.lock().idle_since.insert(name.clone(), since);
    }

    /// Marks a node busy (running a build) or idle.
    pub fn set_busy(&self, name: &AgentName, busy: bool) {
        if let Some((_, status)) = self.lock().nodes.get_mut(name) {
            status.idle = !busy;
        }
    }

    /// Names of the nodes that exist.
    pub fn node_names(&self) -> Vec<AgentName> {
        self.lock().nodes.keys().cloned().collect()
    }

    /// A node as it was created.
    pub fn node(&self, name: &AgentName) -> Option<AgentNode> {
        self.lock().nodes.get(name).map(|(node, _)| node.clone())
    }

    /// Every offline message Jenkins took (`mark_offline` of an existing
    /// node), oldest first: what its `ComputerListener`s were told.
    pub fn offline_messages(&self) -> Vec<(AgentName, String)> {
        self.lock().offline_messages.clone()
    }

    /// How often `call` was made.
    pub fn calls(&self, call: Call) -> usize {
        self.lock().calls.get(&call).copied().unwrap_or(0)
    }

    /// The secret the fake hands out for `name`.
    pub fn secret_for(name: &AgentName) -> Secret {
        Secret::new(
            format!("{:0>64}", hex::encode(name.as_str().as_bytes()))
                .chars()
                .take(64)
                .collect::<String>(),
        )
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    async fn enter(&self, call: Call) -> Result<std::sync::MutexGuard<'_, State>, JenkinsError> {
        let delay = self
            .lock()
            .delays
            .get_mut(&call)
            .and_then(VecDeque::pop_front);
        if let Some(delay) = delay {
            tokio::time::sleep(delay).await;
        }
        let mut state = self.lock();
        *state.calls.entry(call).or_default() += 1;
        match state.failures.get_mut(&call).and_then(VecDeque::pop_front) {
            Some(error) => Err(error),
            None => Ok(state),
        }
    }

    /// Holds `call` if the test asked to (see [`FakeJenkins::hold_after_next`]).
    async fn hold(&self, call: Call) {
        let gate = self.lock().holds.remove(&call);
        if let Some(gate) = gate {
            gate.hold().await;
        }
    }
}

impl JenkinsNodes for FakeJenkins {
    async fn create_agent(&self, node: &AgentNode) -> Result<Created, JenkinsError> {
        let mut state = self.enter(Call::Create).await?;
        if state.nodes.contains_key(&node.name) {
            return Ok(Created::AlreadyExists);
        }
        let status = AgentStatus {
            name: node.name.clone(),
            offline: true,
            temporarily_offline: false,
            idle: true,
        };
        state
            .nodes
            .insert(node.name.clone(), (node.clone(), status));
        Ok(Created::New)
    }

    async fn agent_secret(&self, name: &AgentName) -> Result<Secret, JenkinsError> {
        let state = self.enter(Call::Secret).await?;
        match state.nodes.contains_key(name) {
            true => Ok(Self::secret_for(name)),
            false => Err(JenkinsError::Rejected {
                status: 404,
                reason: format!("no node {name}"),
            }),
        }
    }

    async fn delete_agent(&self, name: &AgentName) -> Result<Deleted, JenkinsError> {
        let mut state = self.enter(Call::Delete).await?;
        Ok(match state.nodes.remove(name) {
            Some(_) => Deleted::Deleted,
            None => Deleted::AlreadyGone,
        })
    }

    async fn agent_status(&self, name: &AgentName) -> Result<Option<AgentStatus>, JenkinsError> {
        let state = self.enter(Call::Status).await?;
        Ok(state.nodes.get(name).map(|(_, status)| status.clone()))
    }

    async fn mark_offline(&self, name: &AgentName, reason: &str) -> Result<bool, JenkinsError> {
        let mut state = self.enter(Call::MarkOffline).await?;
        match state.nodes.get_mut(name) {
            Some((_, status)) => {
                status.temporarily_offline = true;
                status.offline = true;
                state
                    .offline_messages
                    .push((name.clone(), reason.to_owned()));
                Ok(true)
            }
            None => Ok(false),
        }
    }

    async fn list_nodes(&self) -> Result<Vec<NodeInfo>, JenkinsError> {
        let nodes = node_list(&*self.enter(Call::ListNodes).await?);
        self.hold(Call::ListNodes).await;
        Ok(nodes)
    }

    async fn list_queue(&self) -> Result<Vec<QueueEntry>, JenkinsError> {
        let waiting = self.enter(Call::ListQueue).await?.waiting.clone();
        self.hold(Call::ListQueue).await;
        Ok(waiting)
    }

    async fn queue_item(&self, id: u64) -> Result<QueueItemState, JenkinsError> {
        let state = self.enter(Call::QueueItem).await?;
        Ok(state
            .queue
            .get(&id)
            .copied()
            .unwrap_or(QueueItemState::Queued {
                in_queue_since: 1000,
            }))
    }
}
