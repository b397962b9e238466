//! What an agent's stopped task tells a user: why it stopped, how each
//! container ended, and how long it took, in the `AgentStopped` event and one
//! log line.

use serde::Serialize;

use super::event::EcsTaskStateChange;

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
    /// The report of a STOPPED event.
    pub fn from_event(change: &EcsTaskStateChange) -> Self {
        let between = |from: Option<chrono::DateTime<chrono::Utc>>,
                       to: Option<chrono::DateTime<chrono::Utc>>| {
            Some((to? - from?).num_milliseconds())
        };
        Self {
            stop_code: change.stop_code.clone(),
            stopped_reason: change.stopped_reason.clone(),
            containers: change
                .containers
                .iter()
                .map(|c| ContainerEnd {
                    name: c.name.clone().unwrap_or_default(),
                    exit_code: c.exit_code,
                    reason: c.reason.clone(),
                })
                .collect(),
            start_ms: between(change.created_at, change.started_at),
            run_ms: between(change.started_at, change.stopped_at),
            event_version: change.version,
        }
    }

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
