//! Jenkins' wire formats: the `doCreateItem` form and its `X-Error`
//! (docs/jenkins-api.md §1), and the JSON shapes of a computer and the computer list (§4), a queue
//! item and the queue (§5).

use reqwest::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::jenkins::{AgentNode, AgentStatus, NodeInfo, QueueEntry, QueueItemState};
use crate::naming::AgentName;

/// The form fields of `POST /computer/doCreateItem`: `name`, `type` and the
/// `json` Stapler binds to a `DumbSlave` (§1).
pub(super) fn create_form(node: &AgentNode) -> [(&'static str, String); 3] {
    [
        ("name", node.name.as_str().to_owned()),
        ("type", "hudson.slaves.DumbSlave".to_owned()),
        ("json", agent_json(node).to_string()),
    ]
}

/// The `DumbSlave` of §1. Stapler needs `$class` on polymorphic objects.
fn agent_json(node: &AgentNode) -> Value {
    json!({
        "nodeDescription": node.description,
        "numExecutors": node.num_executors,
        "remoteFS": node.remote_fs,
        "labelString": node.label_string,
        // The agent runs only builds whose label expression it matches,
        // never the unlabelled jobs of the controller.
        "mode": "EXCLUSIVE",
        "launcher": {
            "$class": "hudson.slaves.JNLPLauncher",
            "webSocket": node.web_socket,
            "workDirSettings": {
                "disabled": false,
                "workDirPath": "",
                "internalDir": "remoting",
                "failIfWorkDirIsMissing": false,
            },
        },
        // Jenkins never retires the node itself: we delete it when its
        // ECS task ends.
        "retentionStrategy": {"$class": "hudson.slaves.RetentionStrategy$Always"},
        "nodeProperties": {"stapler-class-bag": "true"},
    })
}

/// Jenkins' `X-Error` text. Jetty sends header values as ISO-8859-1 and
/// turns characters above U+00FF (Jenkins' ‘ ’ quotes) into spaces; a proxy
/// may pass UTF-8 instead. Both decode here.
pub(super) fn x_error(response: &Response) -> Option<String> {
    let bytes = response.headers().get("x-error")?.as_bytes();
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => bytes.iter().copied().map(char::from).collect(),
    };
    Some(text.trim().to_owned())
}

/// Whether `X-Error` is `Agent called ‘NAME’ already exists` for this name,
/// with the quotes as Jenkins writes them or as Jetty mangles them.
pub(super) fn names_duplicate(x_error: &str, name: &str) -> bool {
    let quoted = x_error
        .strip_prefix("Agent called ")
        .and_then(|rest| rest.strip_suffix(" already exists"));
    quoted.is_some_and(|q| q.trim_matches(|c| matches!(c, '‘' | '’' | '?' | ' ')) == name)
}

/// `GET /computer/NAME/api/json?tree=…` (§4).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Computer {
    display_name: String,
    offline: bool,
    temporarily_offline: bool,
    idle: bool,
}

impl Computer {
    /// The agent's status, named as Jenkins displays it (the node name).
    pub(super) fn into_status(self) -> AgentStatus {
        AgentStatus {
            name: AgentName::new(self.display_name),
            offline: self.offline,
            temporarily_offline: self.temporarily_offline,
            idle: self.idle,
        }
    }
}

/// `GET /queue/item/ID/api/json?tree=…` (§5).
#[derive(Debug, Deserialize)]
pub(super) struct QueueItem {
    #[serde(rename = "_class")]
    class: Option<String>,
    cancelled: Option<bool>,
    /// Epoch milliseconds; every item exports it, left ones included.
    #[serde(rename = "inQueueSince")]
    in_queue_since: Option<u64>,
}

impl QueueItem {
    /// Left (started or cancelled) or still queued (waiting, blocked,
    /// buildable) since `inQueueSince` (0 if Jenkins left it out). Jenkins
    /// without `_class` is recognised by `cancelled`, which only left items
    /// export.
    pub(super) fn state(&self) -> QueueItemState {
        let left = match &self.class {
            Some(class) => class.ends_with("$LeftItem"),
            None => self.cancelled.is_some(),
        };
        if left {
            QueueItemState::Left {
                cancelled: self.cancelled.unwrap_or(false),
            }
        } else {
            QueueItemState::Queued {
                in_queue_since: self.in_queue_since.unwrap_or(0),
            }
        }
    }
}

/// `_class` of the built-in node's computer (`Hudson.MasterComputer`, a
/// subclass of `Jenkins.MasterComputer`).
const BUILT_IN_CLASS_SUFFIX: &str = "$MasterComputer";

/// The built-in node's display name on Jenkins too old to export `_class`
/// ("master" until 2.306, "Built-In Node" since 2.307).
const BUILT_IN_NAMES: [&str; 2] = ["master", "Built-In Node"];

/// `GET /computer/api/json?tree=computer[…]` (§4).
#[derive(Debug, Deserialize)]
pub(super) struct ComputerSet {
    #[serde(default)]
    computer: Vec<ListedComputer>,
}

impl ComputerSet {
    /// Every node but the built-in one, in Jenkins' order.
    pub(super) fn into_nodes(self) -> Vec<NodeInfo> {
        self.computer
            .into_iter()
            .filter(|c| !c.is_built_in())
            .map(ListedComputer::into_node)
            .collect()
    }
}

/// One element of the computer list. Fields missing from older Jenkins
/// (`_class`, `description`, `assignedLabels`) and from every Jenkins so far
/// (`idleStartMilliseconds`, which `Computer` does not export) default.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListedComputer {
    #[serde(rename = "_class")]
    class: Option<String>,
    display_name: String,
    description: Option<String>,
    offline: bool,
    temporarily_offline: bool,
    idle: bool,
    idle_start_milliseconds: Option<i64>,
    offline_cause: Option<OfflineCause>,
    #[serde(default)]
    assigned_labels: Vec<LabelName>,
}

/// `offlineCause[timestamp]` (`OfflineCause.getTimestamp()`, since 1.612).
#[derive(Debug, Deserialize)]
struct OfflineCause {
    timestamp: Option<i64>,
}

/// An element of `assignedLabels[name]`.
#[derive(Debug, Deserialize)]
struct LabelName {
    name: String,
}

impl ListedComputer {
    /// By `_class` when Jenkins sends it (an agent may be called "master"),
    /// else by the built-in node's display names.
    fn is_built_in(&self) -> bool {
        match &self.class {
            Some(class) => class.ends_with(BUILT_IN_CLASS_SUFFIX),
            None => BUILT_IN_NAMES.contains(&self.display_name.as_str()),
        }
    }

    /// `idleStartMilliseconds` counts only while the computer is idle: when
    /// busy Jenkins puts it in the future (the expected end of the build),
    /// and without executors at `Long.MIN_VALUE`.
    fn into_node(self) -> NodeInfo {
        let idle_since = self
            .idle_start_milliseconds
            .filter(|_| self.idle)
            .and_then(|ms| u64::try_from(ms).ok())
            .filter(|&ms| ms > 0);
        NodeInfo {
            name: AgentName::new(self.display_name),
            description: self.description.unwrap_or_default(),
            offline: self.offline,
            temporarily_offline: self.temporarily_offline,
            idle: self.idle,
            idle_since,
            offline_since: self
                .offline_cause
                .and_then(|cause| cause.timestamp)
                .filter(|_| self.offline)
                .and_then(|ms| u64::try_from(ms).ok()),
            labels: self.assigned_labels.into_iter().map(|l| l.name).collect(),
        }
    }
}

/// `GET /queue/api/json?tree=items[…]` (§5).
#[derive(Debug, Deserialize)]
pub(super) struct Queue {
    #[serde(default)]
    items: Vec<ListedItem>,
}

impl Queue {
    /// Every item, in Jenkins' order.
    pub(super) fn into_entries(self) -> Vec<QueueEntry> {
        self.items.into_iter().map(ListedItem::into_entry).collect()
    }
}

/// One queue item: `id` is required, the rest defaults.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListedItem {
    id: u64,
    why: Option<String>,
    in_queue_since: Option<u64>,
    #[serde(default)]
    buildable: bool,
    task: Option<Task>,
}

/// `task[name]`.
#[derive(Debug, Deserialize)]
struct Task {
    name: Option<String>,
}

impl ListedItem {
    fn into_entry(self) -> QueueEntry {
        QueueEntry {
            id: self.id,
            why: self.why,
            in_queue_since: self.in_queue_since.unwrap_or(0),
            task_name: self.task.and_then(|t| t.name),
            buildable: self.buildable,
        }
    }
}
