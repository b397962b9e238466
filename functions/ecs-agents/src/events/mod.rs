//! Agent lifecycle events for operators and dashboards, and
//! `AgentsConfigRejected` ([`ConfigRejected`]), published to EventBridge
//! ([`eventbridge`]) with source [`SOURCE`]. Publishing is best
//! effort: a failure is logged by the caller and never fails a launch.

mod config_rejected;
#[cfg(feature = "adapters")]
pub mod eventbridge;
#[cfg(any(test, feature = "test-util"))]
pub mod fake;
mod stop_report;

use std::future::Future;

use serde::Serialize;

pub use config_rejected::{CONFIG_REJECTED, ConfigRejected};
pub use stop_report::{ContainerEnd, StopReport};

/// EventBridge `source` of every event we publish.
pub const SOURCE: &str = "ecs-agents";

/// Something that happened to an agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentEvent {
    /// `detail-type`: AgentLaunched, AgentLaunchFailed, AgentStopped.
    #[serde(skip)]
    pub kind: AgentEventKind,
    /// Jenkins node name.
    pub node: String,
    /// Template name.
    pub template: String,
    /// The version of the agents file the publishing function acted on
    /// (`configVersion`: an S3 version id, or `built-in-…`/`file-…`).
    pub config_version: String,
    /// Jenkins queue item the agent was launched for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue_item: Option<u64>,
    /// ECS task ARN, once there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_arn: Option<String>,
    /// Why (failures, stops).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// How the task ended (`AgentStopped`).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub stop: Option<StopReport>,
}

/// The kinds of agent event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgentEventKind {
    /// An agent task was started for a queued build.
    AgentLaunched,
    /// An agent could not be launched.
    AgentLaunchFailed,
    /// An agent's task stopped.
    AgentStopped,
}

impl AgentEventKind {
    /// The EventBridge `detail-type`.
    pub fn detail_type(self) -> &'static str {
        match self {
            Self::AgentLaunched => "AgentLaunched",
            Self::AgentLaunchFailed => "AgentLaunchFailed",
            Self::AgentStopped => "AgentStopped",
        }
    }
}

/// Publishing failed; the caller logs it and carries on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("could not publish agent event: {0}")]
pub struct PublishError(pub String);

/// Where agent events go.
pub trait EventPublisher: Send + Sync {
    /// Publishes one event.
    fn publish(&self, event: &AgentEvent) -> impl Future<Output = Result<(), PublishError>> + Send;

    /// Publishes that a published agents file was refused (`AgentsConfigRejected`).
    fn publish_rejected_config(
        &self,
        event: &ConfigRejected,
    ) -> impl Future<Output = Result<(), PublishError>> + Send;
}
