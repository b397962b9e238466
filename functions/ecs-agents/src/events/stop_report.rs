//! How an agent's task ended, as the `AgentStopped` event carries it: why it
//! stopped, how each container ended, and how long it took. Task-stopped
//! builds it from the ECS event (`crate::stopped`).

use serde::Serialize;

/// How a task ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StopReport {
    /// ECS `stopCode`, e.g. EssentialContainerExited, TaskFailedToStart.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_code: Option<String>,
    /// ECS `stoppedReason`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped_reason: Option<String>,
    /// Each container's end.
    pub containers: Vec<ContainerEnd>,
    /// Created → started (pull, ENI, scheduling), milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_ms: Option<i64>,
    /// Started → stopped (the build and the agent's life), milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_ms: Option<i64>,
    /// The event's `detail.version`, to tell duplicates apart.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_version: Option<u64>,
}

/// One container's end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerEnd {
    /// Container name.
    pub name: String,
    /// Exit code, if it ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i64>,
    /// Why it stopped, if ECS says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl StopReport {
    /// The reason in a user's words: `stoppedReason (stopCode)`, with each
    /// container's exit code or reason when it adds something.
    pub fn summary(&self) -> String {
        let reason = self
            .stopped_reason
            .clone()
            .or_else(|| self.containers.iter().find_map(|c| c.reason.clone()))
            .unwrap_or_else(|| "no reason given".to_owned());
        let mut text = match &self.stop_code {
            Some(code) => format!("{reason} ({code})"),
            None => reason.clone(),
        };
        for container in &self.containers {
            match (container.exit_code, &container.reason) {
                (Some(code), _) => text.push_str(&format!("; {} exited {code}", container.name)),
                (None, Some(why)) if *why != reason => {
                    text.push_str(&format!("; {}: {why}", container.name))
                }
                _ => {}
            }
        }
        text
    }
}
