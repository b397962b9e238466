//! The Jenkins port: what the functions need from a Jenkins controller, in
//! domain words. The real adapter speaks Jenkins' HTTP API ([`http`]); tests
//! use the in-memory fake ([`fake`]).

#[cfg(any(test, feature = "test-util"))]
pub mod fake;
#[cfg(feature = "adapters")]
pub mod http;

use std::future::Future;

use crate::naming::AgentName;
use crate::secret::Secret;

/// An inbound agent node to create (`POST /computer/doCreateItem`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentNode {
    /// Node name.
    pub name: AgentName,
    /// `nodeDescription`: what the node is for, shown in the Jenkins UI.
    pub description: String,
    /// Executors.
    pub num_executors: u32,
    /// `remoteFS`.
    pub remote_fs: String,
    /// `labelString`: space-separated, quoted where needed.
    pub label_string: String,
    /// Whether the `.jnlp` says `-webSocket`.
    pub web_socket: bool,
}

/// What creating a node found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Created {
    /// The node is new.
    New,
    /// A node of that name exists already: a launch for it is under way or done.
    AlreadyExists,
}

/// What deleting a node found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deleted {
    /// The node was deleted now.
    Deleted,
    /// There was no such node (404): already done.
    AlreadyGone,
}

/// Where a queue item is (`GET /queue/item/ID/api/json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueItemState {
    /// Still waiting, blocked or buildable.
    Queued {
        /// When it entered the queue, epoch milliseconds.
        in_queue_since: u64,
    },
    /// Left the queue: started, or cancelled.
    Left {
        /// True if the item was cancelled rather than started.
        cancelled: bool,
    },
    /// Unknown: left more than five minutes ago, or never existed.
    Gone,
}

/// One agent as Jenkins reports it (`GET /computer/NAME/api/json`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentStatus {
    /// Node name.
    pub name: AgentName,
    /// No channel, or temporarily offline.
    pub offline: bool,
    /// Marked temporarily offline (by a user or by us).
    pub temporarily_offline: bool,
    /// Every executor idle.
    pub idle: bool,
}

/// A node as the computer list shows it (`GET /computer/api/json`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeInfo {
    /// Node name (`displayName`; the built-in node is left out of lists).
    pub name: AgentName,
    /// `description`: ours carry the template, queue item and creation time.
    pub description: String,
    /// No channel, or temporarily offline.
    pub offline: bool,
    /// Marked temporarily offline.
    pub temporarily_offline: bool,
    /// Every executor idle.
    pub idle: bool,
    /// `idleStartMilliseconds`: since when every executor is idle (epoch ms).
    pub idle_since: Option<u64>,
    /// When Jenkins recorded why the node is offline (`offlineCause.timestamp`,
    /// epoch ms): set once a connected agent drops; `None` for a node that has
    /// not connected since the controller started (docs/jenkins-api.md §4).
    pub offline_since: Option<u64>,
    /// Label atoms, the node's own name included (`assignedLabels[name]`).
    pub labels: Vec<String>,
}

/// An item waiting in the queue (`GET /queue/api/json`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueEntry {
    /// Queue item id.
    pub id: u64,
    /// Jenkins' reason for the wait (`why`), in English.
    pub why: Option<String>,
    /// When it entered the queue, epoch milliseconds.
    pub in_queue_since: u64,
    /// The task's display name.
    pub task_name: Option<String>,
    /// Buildable: waiting only for an executor.
    pub buildable: bool,
}

/// Why a Jenkins call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JenkinsError {
    /// Unreachable, timed out, or 5xx: worth retrying later.
    #[error("jenkins is unavailable: {0}")]
    Unavailable(String),
    /// Jenkins refused the request (400, 401, 403…): retrying will not help.
    #[error("jenkins rejected the request ({status}): {reason}")]
    Rejected {
        /// HTTP status.
        status: u16,
        /// Jenkins' `X-Error`, or a short description.
        reason: String,
    },
    /// The functions' Jenkins user lacks a permission the call needs (a 403,
    /// docs/jenkins-api.md §13): granting it is the fix, retrying is not. Worded as
    /// Jenkins words it.
    #[error("jenkins refused: {user} is missing the {permission} permission")]
    PermissionMissing {
        /// Who Jenkins took the caller for (`X-You-Are-Authenticated-As`).
        user: String,
        /// `Group/Permission` as Jenkins names it (`Agent/Disconnect`), or Jenkins'
        /// id of a permission this crate does not know.
        permission: String,
    },
    /// The answer was not what Jenkins' API documents.
    #[error("unexpected answer from jenkins: {0}")]
    Protocol(String),
}

impl JenkinsError {
    /// Whether the same call may succeed later.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }

    /// The permission the user lacks, if that is why Jenkins refused.
    pub fn missing_permission(&self) -> Option<&str> {
        match self {
            Self::PermissionMissing { permission, .. } => Some(permission),
            _ => None,
        }
    }
}

/// What the functions ask of Jenkins.
pub trait JenkinsNodes: Send + Sync {
    /// Creates an inbound agent node in EXCLUSIVE mode.
    fn create_agent(
        &self,
        node: &AgentNode,
    ) -> impl Future<Output = Result<Created, JenkinsError>> + Send;

    /// The agent's connection secret, read from its `jenkins-agent.jnlp`.
    fn agent_secret(
        &self,
        name: &AgentName,
    ) -> impl Future<Output = Result<Secret, JenkinsError>> + Send;

    /// Deletes a node; deleting a missing node is not an error.
    fn delete_agent(
        &self,
        name: &AgentName,
    ) -> impl Future<Output = Result<Deleted, JenkinsError>> + Send;

    /// One agent's status, `None` if there is no such node.
    fn agent_status(
        &self,
        name: &AgentName,
    ) -> impl Future<Output = Result<Option<AgentStatus>, JenkinsError>> + Send;

    /// Marks a node temporarily offline with `reason`, so no new build lands
    /// on it (`POST /computer/NAME/changeOfflineCause`: idempotent, unlike
    /// `toggleOffline`). `false` if there is no such node.
    fn mark_offline(
        &self,
        name: &AgentName,
        reason: &str,
    ) -> impl Future<Output = Result<bool, JenkinsError>> + Send;

    /// Every node but the built-in one.
    fn list_nodes(&self) -> impl Future<Output = Result<Vec<NodeInfo>, JenkinsError>> + Send;

    /// Every item in the queue.
    fn list_queue(&self) -> impl Future<Output = Result<Vec<QueueEntry>, JenkinsError>> + Send;

    /// Where a queue item is now.
    fn queue_item(
        &self,
        id: u64,
    ) -> impl Future<Output = Result<QueueItemState, JenkinsError>> + Send;
}
