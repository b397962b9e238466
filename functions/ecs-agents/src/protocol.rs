//! The webhook protocol: JSON events the Jenkins-side emitter posts.
//! Documented for emitter authors in `docs/webhook-protocol.md`.
//!
//! Unknown fields are accepted (the emitter may send more as it evolves);
//! unknown event types are answered 202 and ignored; a known event with a
//! missing or mistyped field is a 400 naming the field.

use serde::Deserialize;
use serde::de::DeserializeOwned;

/// One event from Jenkins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookEvent {
    /// `queue.buildable`: a build waits for an executor.
    QueueBuildable(Buildable),
    /// `queue.left`: an item left the queue, started or cancelled.
    QueueLeft(Left),
    /// `agent.released`: an agent finished its single build.
    AgentReleased(Released),
    /// `agent.online`: one of our agents connected to Jenkins.
    AgentOnline(Reached),
    /// `build.started`: one of our agents accepted a build.
    BuildStarted(Reached),
}

/// `queue.buildable`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Buildable {
    /// When the emitter saw the event, epoch milliseconds (kept across retries).
    pub event_time: u64,
    /// The controller's root URL.
    #[serde(default)]
    pub controller: Option<String>,
    /// The queue item.
    pub item: BuildableItem,
}

/// The queue item of a `queue.buildable`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildableItem {
    /// Queue item id.
    pub id: u64,
    /// The label expression exactly as Jenkins holds it; absent = unrestricted.
    #[serde(default)]
    pub label: Option<String>,
    /// The waiting task.
    #[serde(default)]
    pub task: Option<TaskRef>,
    /// When the item entered the queue, epoch milliseconds.
    pub in_queue_since: u64,
}

/// The task (job, or Pipeline `node` block) of a queue item.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TaskRef {
    /// Display name.
    pub name: String,
    /// URL.
    #[serde(default)]
    pub url: Option<String>,
}

/// `queue.left`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Left {
    /// When the emitter saw the event, epoch milliseconds.
    pub event_time: u64,
    /// The queue item.
    pub item: LeftItem,
}

/// The queue item of a `queue.left`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct LeftItem {
    /// Queue item id.
    pub id: u64,
    /// Cancelled rather than started.
    pub cancelled: bool,
}

/// `agent.released`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Released {
    /// When the emitter saw the event, epoch milliseconds.
    pub event_time: u64,
    /// The agent's node name.
    pub node: String,
}

/// `agent.online` and `build.started`: a milestone of an agent's start.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Reached {
    /// When the emitter saw the milestone, epoch milliseconds (kept across
    /// retries): the moment measured.
    pub event_time: u64,
    /// The agent's node name.
    pub node: String,
    /// The queue item: the one the agent was launched for (`agent.online`),
    /// or the one whose build it accepted (`build.started`).
    pub item: ReachedItem,
}

/// The queue item of an `agent.online` or `build.started`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReachedItem {
    /// Queue item id.
    pub id: u64,
    /// When the item entered the queue, epoch milliseconds.
    pub in_queue_since: u64,
}

/// Why a body is not an event we act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// Not JSON, or a known event with a bad or missing field (400).
    Malformed(String),
    /// A well-formed event of a type we do not know (202, ignored).
    UnknownType(String),
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(rename = "type")]
    kind: String,
}

/// Parses a request body.
pub fn parse(body: &[u8]) -> Result<WebhookEvent, ParseError> {
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| ParseError::Malformed(format!("body is not JSON: {e}")))?;
    let envelope: Envelope = serde_json::from_value(value.clone()).map_err(|_| {
        ParseError::Malformed("missing field `type` (a string such as \"queue.buildable\")".into())
    })?;
    match envelope.kind.as_str() {
        "queue.buildable" => typed(value).map(WebhookEvent::QueueBuildable),
        "queue.left" => typed(value).map(WebhookEvent::QueueLeft),
        "agent.released" => typed(value).map(WebhookEvent::AgentReleased),
        "agent.online" => typed(value).map(WebhookEvent::AgentOnline),
        "build.started" => typed(value).map(WebhookEvent::BuildStarted),
        other => Err(ParseError::UnknownType(other.to_owned())),
    }
}

fn typed<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, ParseError> {
    serde_path_to_error::deserialize(value).map_err(|error| {
        let path = error.path().to_string();
        ParseError::Malformed(format!("field `{path}`: {}", error.into_inner()))
    })
}
