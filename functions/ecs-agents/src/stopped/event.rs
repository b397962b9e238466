//! The `detail` of EventBridge "ECS Task State Change" events (docs/aws.md §1),
//! with only the fields we read, all optional: AWS adds fields over time and
//! events of other tasks carry less. Unknown fields are accepted.
//!
//! Timestamps are read leniently: one that is not an ISO-8601 time (AWS
//! changing a format, a hand-made event) counts as absent instead of making
//! the whole event unreadable, so the node is still deleted; only what is
//! measured from it is lost.
//!
//! The events carry the agent's environment overrides, `JENKINS_SECRET`
//! included; their values are held in [`Redacted`], so formatting an event
//! (a log line, an error) can never show them.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::timing::TaskTimes;

/// `detail` of an "ECS Task State Change" event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
#[allow(missing_docs)] // Field names are the event's own (docs/aws.md §1).
pub struct EcsTaskStateChange {
    pub task_arn: Option<String>,
    pub cluster_arn: Option<String>,
    pub task_definition_arn: Option<String>,
    pub last_status: Option<String>,
    pub desired_status: Option<String>,
    /// Grows with every change of the task; duplicates repeat it.
    pub version: Option<u64>,
    pub started_by: Option<String>,
    pub group: Option<String>,
    pub launch_type: Option<String>,
    pub capacity_provider_name: Option<String>,
    pub stop_code: Option<String>,
    pub stopped_reason: Option<String>,
    #[serde(deserialize_with = "lenient_time")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(deserialize_with = "lenient_time")]
    pub pull_started_at: Option<DateTime<Utc>>,
    #[serde(deserialize_with = "lenient_time")]
    pub pull_stopped_at: Option<DateTime<Utc>>,
    #[serde(deserialize_with = "lenient_time")]
    pub started_at: Option<DateTime<Utc>>,
    #[serde(deserialize_with = "lenient_time")]
    pub stopping_at: Option<DateTime<Utc>>,
    #[serde(deserialize_with = "lenient_time")]
    pub stopped_at: Option<DateTime<Utc>>,
    pub containers: Vec<ContainerState>,
    pub overrides: Option<TaskOverrides>,
}

/// One container of the task.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
#[allow(missing_docs)]
pub struct ContainerState {
    pub name: Option<String>,
    pub last_status: Option<String>,
    /// Present only once the container ran.
    pub exit_code: Option<i64>,
    pub reason: Option<String>,
    pub image: Option<String>,
}

/// The RunTask overrides, as the event repeats them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
#[allow(missing_docs)]
pub struct TaskOverrides {
    pub container_overrides: Vec<ContainerOverride>,
}

/// One container's overrides.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
#[allow(missing_docs)]
pub struct ContainerOverride {
    pub name: Option<String>,
    pub environment: Vec<EnvironmentOverride>,
}

/// One environment override; its value is never formatted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default)]
#[allow(missing_docs)]
pub struct EnvironmentOverride {
    pub name: String,
    pub value: Redacted,
}

/// A string from the event that may be secret: `Debug` and serialisation
/// hide it (the event type must be serialisable for the Lambda runtime).
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Redacted(String);

impl Serialize for Redacted {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str("**redacted**")
    }
}

impl Redacted {
    /// The value, for the one variable we read (the agent's name).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("**redacted**")
    }
}

/// A timestamp, or `None` for null, a number or text that is not a time.
fn lenient_time<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<DateTime<Utc>>, D::Error> {
    let value = Option::<serde_json::Value>::deserialize(deserializer)?;
    Ok(value
        .as_ref()
        .and_then(serde_json::Value::as_str)
        .and_then(|text| text.parse().ok()))
}

impl EcsTaskStateChange {
    /// The timestamps of the task's start, epoch milliseconds.
    pub fn times(&self) -> TaskTimes {
        let ms =
            |t: Option<DateTime<Utc>>| t.and_then(|t| u64::try_from(t.timestamp_millis()).ok());
        TaskTimes {
            created_at: ms(self.created_at),
            pull_started_at: ms(self.pull_started_at),
            pull_stopped_at: ms(self.pull_stopped_at),
            started_at: ms(self.started_at),
        }
    }

    /// The final event of a task.
    pub fn is_stopped(&self) -> bool {
        self.last_status.as_deref() == Some("STOPPED")
    }

    /// Fargate Spot's two-minute warning: still running, told to stop.
    pub fn is_spot_warning(&self) -> bool {
        self.last_status.as_deref() == Some("RUNNING")
            && self.desired_status.as_deref() == Some("STOPPED")
            && self.stop_code.as_deref() == Some("SpotInterruption")
    }

    /// The value of an environment override of any container.
    pub fn environment(&self, name: &str) -> Option<&str> {
        let overrides = self.overrides.as_ref()?;
        let all = overrides
            .container_overrides
            .iter()
            .flat_map(|c| &c.environment);
        all.into_iter()
            .find(|e| e.name == name)
            .map(|e| e.value.expose())
    }
}
