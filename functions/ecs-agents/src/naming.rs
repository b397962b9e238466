//! Names that must be valid both as Jenkins node names and inside ECS
//! identifiers (families, `group`, tags), and how an agent's name travels
//! with its task (the RunTask `group`).
//!
//! Jenkins forbids `?*/\%!@#$^&|<>[]:;`, control characters and a trailing
//! dot; ECS families allow letters, digits, `-` and `_`. We keep to the
//! intersection, `[A-Za-z0-9_-]`, so no name ever needs escaping.
//!
//! This module knows names as text. What a name says about a deployment
//! (its template, queue item and attempt; whether a node or task is ours)
//! needs the agents file, and lives in [`crate::config::identity`].

use std::fmt;

use sha2::{Digest, Sha256};

/// Longest agent name we generate: short enough for logs, tags and `group`.
pub const MAX_AGENT_NAME: usize = 63;

/// Prefix of the RunTask `group` of every agent task; the agent name follows.
/// ECS copies `group` into every task state-change event, so task-stopped
/// learns the agent from the event alone.
pub const GROUP_PREFIX: &str = "jenkins-agent:";

/// Checks a cloud or template name; the error says what is allowed.
pub fn check_name(name: &str, max_len: usize) -> Result<(), String> {
    if let Some(bad) = name.chars().find(|c| !is_name_char(*c)) {
        return Err(format!(
            "`{name}` has `{bad}`, which Jenkins node names or ECS families cannot hold; \
             use letters, digits, `-` and `_`"
        ));
    }
    let len = name.chars().count();
    if len == 0 || len > max_len {
        return Err(format!(
            "`{name}` must be 1 to {max_len} characters long (it has {len})"
        ));
    }
    Ok(())
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// Replaces every character outside `[A-Za-z0-9_-]` with `-`.
pub fn sanitize(text: &str) -> String {
    text.chars()
        .map(|c| if is_name_char(c) { c } else { '-' })
        .collect()
}

/// The Jenkins node name of one agent: `<cloud>-<template>-<queue item>`.
///
/// Deterministic: the same queue item (and attempt) always gives the same
/// name, which is what makes a redelivered launch converge on the first one.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct AgentName(String);

impl AgentName {
    /// The name for `attempt` (0 for the first launch) at serving `queue_item`.
    pub fn for_queue_item(cloud: &str, template: &str, queue_item: u64, attempt: u32) -> Self {
        let suffix = match attempt {
            0 => format!("-{queue_item}"),
            n => format!("-{queue_item}-{n}"),
        };
        let prefix = sanitize(&format!("{cloud}-{template}"));
        Self(format!(
            "{}{suffix}",
            bounded(&prefix, MAX_AGENT_NAME - suffix.len())
        ))
    }

    /// Wraps a name read back from Jenkins or ECS.
    pub fn new(name: impl Into<String>) -> Self {
        Self(name.into())
    }

    /// The name as Jenkins and ECS see it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The RunTask `group` of this agent's task: `jenkins-agent:<name>`.
    pub fn to_group(&self) -> String {
        format!("{GROUP_PREFIX}{}", self.0)
    }

    /// The agent a task's `group` names, if it is an agent group.
    pub fn from_group(group: &str) -> Option<Self> {
        group
            .strip_prefix(GROUP_PREFIX)
            .filter(|name| !name.is_empty())
            .map(Self::new)
    }
}

impl fmt::Display for AgentName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `text` cut to `max` characters, ending in a short hash of the whole when
/// cut, so two long prefixes that differ only at the end stay distinct.
fn bounded(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let digest = hex::encode(&Sha256::digest(text.as_bytes())[..3]);
    let keep = max.saturating_sub(digest.len() + 1);
    format!("{}-{digest}", &text[..keep])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_names_are_cloud_template_and_queue_item() {
        assert_eq!(
            AgentName::for_queue_item("ecs", "linux", 123, 0).as_str(),
            "ecs-linux-123"
        );
        assert_eq!(
            AgentName::for_queue_item("ecs", "linux", 123, 2).as_str(),
            "ecs-linux-123-2"
        );
    }

    #[test]
    fn the_same_queue_item_always_gets_the_same_name() {
        let a = AgentName::for_queue_item("ecs", "x".repeat(80).as_str(), 9, 0);
        let b = AgentName::for_queue_item("ecs", "x".repeat(80).as_str(), 9, 0);
        assert_eq!(a, b);
    }

    #[test]
    fn long_names_are_bounded_and_stay_distinct() {
        let one = AgentName::for_queue_item("ecs", &format!("{}a", "t".repeat(70)), u64::MAX, 7);
        let two = AgentName::for_queue_item("ecs", &format!("{}b", "t".repeat(70)), u64::MAX, 7);
        assert!(one.as_str().len() <= MAX_AGENT_NAME, "{one}");
        assert!(one.as_str().ends_with(&format!("-{}-7", u64::MAX)), "{one}");
        assert_ne!(one, two);
    }

    #[test]
    fn generated_names_hold_only_characters_jenkins_and_ecs_both_accept() {
        let name = AgentName::for_queue_item("e.c/s", "lin ux:1", 5, 0);
        assert_eq!(name.as_str(), "e-c-s-lin-ux-1-5");
    }

    #[test]
    fn an_agent_name_travels_in_the_task_group_and_back() {
        let name = AgentName::new("ecs-linux-7");
        assert_eq!(name.to_group(), "jenkins-agent:ecs-linux-7");
        assert_eq!(AgentName::from_group(&name.to_group()), Some(name));
        assert_eq!(AgentName::from_group("service:web"), None);
        assert_eq!(AgentName::from_group(GROUP_PREFIX), None);
    }

    #[test]
    fn names_with_forbidden_characters_are_rejected_with_the_character() {
        let error = check_name("linux/arm", 32).unwrap_err();
        assert!(error.starts_with("`linux/arm` has `/`"), "{error}");
        assert!(check_name("", 32).is_err());
        assert!(check_name("ok_name-1", 32).is_ok());
        assert!(
            check_name(&"a".repeat(33), 32)
                .unwrap_err()
                .contains("1 to 32 characters")
        );
    }
}
