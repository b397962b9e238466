//! Jenkins' wire formats: the `doCreateItem` form and its `X-Error` (jenkins.md
//! §1), and the JSON shapes of a computer (§4) and a queue item (§5).

use reqwest::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::jenkins::{AgentNode, AgentStatus, QueueItemState};
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
}

impl QueueItem {
    /// Left (started or cancelled) or still queued (waiting, blocked,
    /// buildable). Jenkins without `_class` is recognised by `cancelled`,
    /// which only left items export.
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
            QueueItemState::Queued
        }
    }
}
