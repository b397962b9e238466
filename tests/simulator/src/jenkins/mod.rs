//! Jenkins as the functions see it through its HTTP API: the
//! [`JenkinsNodes`] port over a shared [`Controller`].
//!
//! - **Node creation is serialised**: `doCreateItem` adds the node under
//!   the controller's node lock and saves its `config.xml` (docs/jenkins-api.md §1,
//!   §22), so concurrent creations queue behind each other, each taking
//!   [`JenkinsLatency::create`]; other calls answer in parallel.
//! - **The queue**: builds wait, are handed to idle online agents that
//!   accept them in queue order, and say why they wait in Jenkins' English
//!   texts (docs/jenkins-api.md §5, §11); a single-use agent stops accepting once it
//!   took a build (§20). An item that left is known for five minutes.
//! - **Agents** connect with the secret Jenkins derives from the node name
//!   (docs/jenkins-api.md §2); every secret handed out is remembered, so the
//!   checks can look for it in the logs.
//! - **Restarts**: the controller answers nothing for a while (every call
//!   is `Unavailable`, as a 503 or a refused connection is), every agent
//!   drops, and no node counts as connected since the start (§4).
//! - **Faults**: a call may answer 503.

mod controller;

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use ecs_agents::jenkins::{
    AgentNode, AgentStatus, Created, Deleted, JenkinsError, JenkinsNodes, NodeInfo, QueueEntry,
    QueueItemState,
};
use ecs_agents::labels::LabelSet;
use ecs_agents::naming::AgentName;
use ecs_agents::secret::Secret;
use sha2::{Digest, Sha256};
use tokio::sync::mpsc::UnboundedSender;
use tokio::time::sleep;

pub use controller::{Build, BuildState, Connect, Controller, Down, Node};

/// Round-trip times of Jenkins calls: model parameters. 40 ms is what the
/// issue's experiment added per Jenkins call (issue 13).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JenkinsLatency {
    /// One node creation, holding the controller's node lock.
    pub create: Duration,
    /// Any other call.
    pub other: Duration,
}

impl Default for JenkinsLatency {
    fn default() -> Self {
        Self {
            create: Duration::from_millis(40),
            other: Duration::from_millis(40),
        }
    }
}

/// What the controller tells the world.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JenkinsNews {
    /// A node was deleted: the agent connected to it (this task's) dropped.
    NodeDeleted(AgentName, Option<String>),
}

/// The controller shared by every function instance and the world.
#[derive(Debug)]
pub struct SimJenkins {
    controller: Mutex<Controller>,
    creating: tokio::sync::Mutex<()>,
    latency: JenkinsLatency,
    news: UnboundedSender<JenkinsNews>,
}

/// One function instance's handle on the shared controller.
#[derive(Debug, Clone)]
pub struct JenkinsClient(pub Arc<SimJenkins>);

impl SimJenkins {
    /// A controller with the given latency, telling `news` about deletions.
    pub fn new(
        controller: Controller,
        latency: JenkinsLatency,
        news: UnboundedSender<JenkinsNews>,
    ) -> Self {
        Self {
            controller: Mutex::new(controller),
            creating: tokio::sync::Mutex::new(()),
            latency,
            news,
        }
    }

    /// The controller's state, for the world and the checks.
    pub fn lock(&self) -> MutexGuard<'_, Controller> {
        self.controller.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The secret Jenkins derives for node `name` (an HMAC of its name
    /// under the controller's own key, docs/jenkins-api.md §2).
    pub fn secret_of(name: &AgentName) -> String {
        hex::encode(Sha256::digest(
            format!("sim-controller-key/{name}").as_bytes(),
        ))
    }

    /// One call: the latency, then `act` on the controller if it answers.
    async fn call<T>(
        &self,
        name: &'static str,
        act: impl FnOnce(&mut Controller) -> Result<T, JenkinsError>,
    ) -> Result<T, JenkinsError> {
        sleep(self.latency.other).await;
        self.act(name, act)
    }

    fn act<T>(
        &self,
        name: &'static str,
        act: impl FnOnce(&mut Controller) -> Result<T, JenkinsError>,
    ) -> Result<T, JenkinsError> {
        let mut controller = self.lock();
        match controller.answer(name) {
            Ok(()) => act(&mut controller),
            Err(Down::Restarting) => Err(JenkinsError::Unavailable(format!(
                "{name}: connection refused (jenkins is restarting)"
            ))),
            Err(Down::Unavailable) => Err(JenkinsError::Unavailable(format!(
                "{name}: 503 Service Unavailable"
            ))),
        }
    }
}

fn not_found(what: &AgentName) -> JenkinsError {
    JenkinsError::Rejected {
        status: 404,
        reason: format!("no such node: {what}"),
    }
}

impl JenkinsNodes for JenkinsClient {
    async fn create_agent(&self, node: &AgentNode) -> Result<Created, JenkinsError> {
        let jenkins = &self.0;
        let _serialised = jenkins.creating.lock().await;
        sleep(jenkins.latency.create).await;
        jenkins.act("create_agent", |c| {
            if c.nodes.contains_key(&node.name) {
                return Ok(Created::AlreadyExists);
            }
            let labels = LabelSet::from_label_string(&node.label_string).with(node.name.as_str());
            let now = ecs_agents::clock::now_ms();
            c.nodes.insert(
                node.name.clone(),
                Node {
                    description: node.description.clone(),
                    labels,
                    connected: None,
                    temporarily_offline: false,
                    busy: None,
                    accepting: true,
                    idle_since: now,
                    offline_since: None,
                },
            );
            Ok(Created::New)
        })
    }

    async fn agent_secret(&self, name: &AgentName) -> Result<Secret, JenkinsError> {
        self.0
            .call("agent_secret", |c| {
                if !c.nodes.contains_key(name) {
                    return Err(not_found(name));
                }
                let secret = SimJenkins::secret_of(name);
                c.secrets.insert(secret.clone());
                if c.log_secrets {
                    tracing::info!(node = %name, %secret, "agent secret read");
                }
                Ok(Secret::new(secret))
            })
            .await
    }

    async fn delete_agent(&self, name: &AgentName) -> Result<Deleted, JenkinsError> {
        let deleted = self
            .0
            .call("delete_agent", |c| Ok(c.nodes.remove(name)))
            .await?;
        let Some(node) = deleted else {
            return Ok(Deleted::AlreadyGone);
        };
        let _ = self
            .0
            .news
            .send(JenkinsNews::NodeDeleted(name.clone(), node.connected));
        Ok(Deleted::Deleted)
    }

    async fn agent_status(&self, name: &AgentName) -> Result<Option<AgentStatus>, JenkinsError> {
        self.0
            .call("agent_status", |c| {
                Ok(c.nodes.get(name).map(|n| AgentStatus {
                    name: name.clone(),
                    offline: n.connected.is_none() || n.temporarily_offline,
                    temporarily_offline: n.temporarily_offline,
                    idle: n.busy.is_none(),
                }))
            })
            .await
    }

    async fn mark_offline(&self, name: &AgentName, _reason: &str) -> Result<bool, JenkinsError> {
        self.0
            .call("mark_offline", |c| {
                Ok(c.nodes
                    .get_mut(name)
                    .map(|n| n.temporarily_offline = true)
                    .is_some())
            })
            .await
    }

    async fn list_nodes(&self) -> Result<Vec<NodeInfo>, JenkinsError> {
        self.0
            .call("list_nodes", |c| {
                Ok(c.nodes
                    .iter()
                    .map(|(name, n)| NodeInfo {
                        name: name.clone(),
                        description: n.description.clone(),
                        offline: n.connected.is_none() || n.temporarily_offline,
                        temporarily_offline: n.temporarily_offline,
                        idle: n.busy.is_none(),
                        idle_since: Some(n.idle_since),
                        offline_since: n.offline_since,
                        labels: n.labels.iter().map(str::to_owned).collect(),
                    })
                    .collect())
            })
            .await
    }

    async fn list_queue(&self) -> Result<Vec<QueueEntry>, JenkinsError> {
        self.0
            .call("list_queue", |c| {
                Ok(c.builds
                    .values()
                    .filter(|b| b.state == BuildState::Waiting)
                    .map(|b| QueueEntry {
                        id: b.id,
                        why: Some(c.why(b.label.as_deref())),
                        in_queue_since: b.in_queue_since,
                        task_name: Some(b.job.clone()),
                        buildable: true,
                    })
                    .collect())
            })
            .await
    }

    async fn queue_item(&self, id: u64) -> Result<QueueItemState, JenkinsError> {
        self.0
            .call("queue_item", |c| {
                let now = ecs_agents::clock::now_ms();
                Ok(match (c.builds.get(&id), c.left(id, now)) {
                    (Some(build), Some((false, _))) => QueueItemState::Queued {
                        in_queue_since: build.in_queue_since,
                    },
                    (_, Some((true, cancelled))) => QueueItemState::Left { cancelled },
                    _ => QueueItemState::Gone,
                })
            })
            .await
    }
}
