//! Why a computer is offline (`hudson.slaves.OfflineCause`), and the `offlineCauseReason`
//! Jenkins derives from it (`IOfflineCause.getReason()`, docs/jenkins-api.md §4).

use serde::Serialize;

/// Why a computer is offline (`hudson.slaves.OfflineCause`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum OfflineCause {
    /// `OfflineCause.UserCause`: marked temporarily offline by a user (toggleOffline).
    #[serde(rename_all = "camelCase")]
    User {
        /// The user's id.
        user: String,
        /// The message, already trimmed; `None` when blank.
        message: Option<String>,
        /// When, in epoch milliseconds.
        timestamp: i64,
    },
    /// `OfflineCause.ChannelTermination`: the agent's connection went away.
    ChannelTermination {
        /// When, in epoch milliseconds.
        timestamp: i64,
    },
    /// `SimpleOfflineCause(Hudson.NodeBeingRemoved)`: set when the node is deleted (§3).
    NodeRemoved {
        /// When, in epoch milliseconds.
        timestamp: i64,
    },
}

impl OfflineCause {
    /// The Java class Jenkins exports as `_class`.
    pub fn class(&self) -> &'static str {
        match self {
            OfflineCause::User { .. } => "hudson.slaves.OfflineCause$UserCause",
            OfflineCause::ChannelTermination { .. } => {
                "hudson.slaves.OfflineCause$ChannelTermination"
            }
            OfflineCause::NodeRemoved { .. } => "hudson.slaves.OfflineCause$SimpleOfflineCause",
        }
    }

    /// `toString()`, which `SimpleOfflineCause` also exports as `description`.
    pub fn description(&self) -> String {
        match self {
            OfflineCause::User { user, message, .. } => match message {
                Some(m) => format!("Disconnected by {user} : {m}"),
                None => format!("Disconnected by {user}"),
            },
            OfflineCause::ChannelTermination { .. } => "Connection was broken".to_owned(),
            OfflineCause::NodeRemoved { .. } => "Node is being removed".to_owned(),
        }
    }

    /// When the cause arose, in epoch milliseconds.
    pub fn timestamp(&self) -> i64 {
        match self {
            OfflineCause::User { timestamp, .. }
            | OfflineCause::ChannelTermination { timestamp }
            | OfflineCause::NodeRemoved { timestamp } => *timestamp,
        }
    }

    /// `IOfflineCause.getReason()`: the description without the "Disconnected by USER"
    /// prefix (everything up to the last ` : ` goes), HTML-escaped like `Util.escape`.
    pub fn reason(&self) -> String {
        let text = self.description();
        let stripped = match text.strip_prefix("Disconnected by ") {
            Some(rest) => rest.rfind(" : ").map_or("", |i| &rest[i + 3..]),
            None => text.as_str(),
        };
        html_escape(stripped)
    }
}

/// `hudson.Util.escape`: what Jenkins applies to offline reasons before exporting them.
fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(ch) = chars.next() {
        match ch {
            '\n' => out.push_str("<br>"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#039;"),
            // Runs of spaces keep their width: all but the last become &nbsp;.
            ' ' if chars.peek() == Some(&' ') => out.push_str("&nbsp;"),
            _ => out.push(ch),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_cause_reason_is_the_message_after_the_user_name() {
        let cause = OfflineCause::User {
            user: "admin".into(),
            message: Some("draining <now>".into()),
            timestamp: 0,
        };
        assert_eq!(
            cause.description(),
            "Disconnected by admin : draining <now>"
        );
        assert_eq!(cause.reason(), "draining &lt;now&gt;");
    }

    #[test]
    fn a_user_cause_without_message_has_an_empty_reason() {
        let cause = OfflineCause::User {
            user: "admin".into(),
            message: None,
            timestamp: 0,
        };
        assert_eq!(cause.reason(), "");
    }

    #[test]
    fn a_removed_node_reason_is_node_is_being_removed() {
        assert_eq!(
            OfflineCause::NodeRemoved { timestamp: 0 }.reason(),
            "Node is being removed"
        );
    }
}
