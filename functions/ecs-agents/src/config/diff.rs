//! What changes between two versions of the agents file, as an operator needs
//! to know it before publishing one (`ecs-agents diff` and `push`): templates
//! added and removed, task definitions that change (a new revision on the next
//! launch), templates whose launch settings change, labels a different
//! template would serve, and cloud settings.

use std::collections::BTreeSet;
use std::fmt;

use super::{AgentTemplate, AgentsConfig, Cloud, TaskSource};
use crate::labels::LabelExpr;

/// Hex characters of a task-definition hash shown in a diff.
const HASH_CHARS: usize = 12;

/// One template's task definition before and after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskChange {
    /// The template.
    pub template: String,
    /// Its task definition before: a content hash, or an existing one.
    pub before: String,
    /// And after.
    pub after: String,
}

/// A label that another template (or none) would serve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServedChange {
    /// The label, as a job would name it.
    pub label: String,
    /// The template serving it before (`None`: no template did).
    pub before: Option<String>,
    /// And after.
    pub after: Option<String>,
}

/// One cloud setting before and after, in the file's own words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloudChange {
    /// The field, as written in the file (`maxAgents`).
    pub field: &'static str,
    /// Its value before.
    pub before: String,
    /// And after.
    pub after: String,
}

/// What changes from one agents file to the next.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigDiff {
    /// Templates only the new file has.
    pub added: Vec<String>,
    /// Templates only the old file has.
    pub removed: Vec<String>,
    /// Templates whose task definition changes: their next launch registers
    /// (or picks) another revision.
    pub task_definitions: Vec<TaskChange>,
    /// Templates whose other settings change (labels, caps, network, launch
    /// type, retention…) while their task definition stays.
    pub launch_settings: Vec<String>,
    /// Labels of either file that a different template would serve.
    pub served: Vec<ServedChange>,
    /// Cloud settings that change.
    pub cloud: Vec<CloudChange>,
}

impl ConfigDiff {
    /// The changes from `before` to `after`.
    pub fn between(before: &AgentsConfig, after: &AgentsConfig) -> Self {
        let named = |config: &AgentsConfig, other: &AgentsConfig| -> Vec<String> {
            config
                .templates
                .iter()
                .filter(|t| other.template(&t.name).is_none())
                .map(|t| t.name.clone())
                .collect()
        };
        let mut diff = Self {
            added: named(after, before),
            removed: named(before, after),
            served: served(before, after),
            cloud: cloud_changes(&before.cloud, &after.cloud),
            ..Self::default()
        };
        for new in &after.templates {
            let Some(old) = before.template(&new.name) else {
                continue;
            };
            let (was, is) = (task_definition(old), task_definition(new));
            if was != is {
                diff.task_definitions.push(TaskChange {
                    template: new.name.clone(),
                    before: was,
                    after: is,
                });
            } else if old != new {
                diff.launch_settings.push(new.name.clone());
            }
        }
        diff
    }

    /// Whether nothing changes.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// How a diff shows a template's task definition.
fn task_definition(template: &AgentTemplate) -> String {
    match &template.task {
        TaskSource::Register { hash, .. } => {
            format!("hash {}", &hash[..HASH_CHARS.min(hash.len())])
        }
        TaskSource::Existing { reference, .. } => format!("existing {reference}"),
    }
}

/// Every label of either file whose serving template differs. Jobs may ask
/// for expressions too, but the labels templates carry are what can be
/// listed, and an expression's answer changes only if one of theirs does.
fn served(before: &AgentsConfig, after: &AgentsConfig) -> Vec<ServedChange> {
    let labels: BTreeSet<&str> = before
        .templates
        .iter()
        .chain(&after.templates)
        .flat_map(|t| t.labels.iter())
        .collect();
    let serving = |config: &AgentsConfig, label: &str| {
        config
            .select(&LabelExpr::atom(label))
            .map(|t| t.name.clone())
    };
    labels
        .into_iter()
        .filter_map(|label| {
            let (was, is) = (serving(before, label), serving(after, label));
            (was != is).then(|| ServedChange {
                label: label.to_owned(),
                before: was,
                after: is,
            })
        })
        .collect()
}

/// The cloud section's fields in the file's words, every field listed (the
/// destructuring fails to compile when `Cloud` gains one).
fn cloud_fields(cloud: &Cloud) -> [(&'static str, String); 15] {
    let Cloud {
        name,
        cluster,
        region,
        jenkins_url,
        tunnel,
        web_socket,
        max_agents,
        max_cpu,
        max_memory,
        num_executors,
        idle_minutes,
        agent_launch_timeout,
        agent_reconnect_window,
        default_image,
        secret_delivery,
    } = cloud;
    let maybe = |value: Option<String>| value.unwrap_or_else(|| "(none)".to_owned());
    [
        ("name", name.clone()),
        ("cluster", cluster.clone()),
        ("region", maybe(region.clone())),
        ("jenkinsUrl", jenkins_url.clone()),
        ("tunnel", maybe(tunnel.clone())),
        ("webSocket", web_socket.to_string()),
        ("maxAgents", max_agents.to_string()),
        ("maxCpu", maybe(max_cpu.map(|v| v.to_string()))),
        ("maxMemory", maybe(max_memory.map(|v| v.to_string()))),
        ("numExecutors", num_executors.to_string()),
        ("idleMinutes", maybe(idle_minutes.map(|v| v.to_string()))),
        (
            "agentLaunchTimeoutSeconds",
            agent_launch_timeout.as_secs().to_string(),
        ),
        (
            "agentReconnectMinutes",
            (agent_reconnect_window.as_secs() / 60).to_string(),
        ),
        ("defaultImage", default_image.clone()),
        ("secretDelivery", secret_delivery.as_str().to_owned()),
    ]
}

fn cloud_changes(before: &Cloud, after: &Cloud) -> Vec<CloudChange> {
    cloud_fields(before)
        .into_iter()
        .zip(cloud_fields(after))
        .filter(|((_, was), (_, is))| was != is)
        .map(|((field, was), (_, is))| CloudChange {
            field,
            before: was,
            after: is,
        })
        .collect()
}

impl fmt::Display for ConfigDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return writeln!(f, "no changes");
        }
        let list = |names: &[String]| names.join(", ");
        if !self.added.is_empty() {
            writeln!(f, "templates added: {}", list(&self.added))?;
        }
        if !self.removed.is_empty() {
            writeln!(f, "templates removed: {}", list(&self.removed))?;
        }
        if !self.task_definitions.is_empty() {
            writeln!(
                f,
                "task definitions that change (a new revision on the next launch):"
            )?;
            for change in &self.task_definitions {
                writeln!(
                    f,
                    "  {}: {} -> {}",
                    change.template, change.before, change.after
                )?;
            }
        }
        if !self.launch_settings.is_empty() {
            writeln!(
                f,
                "templates whose launch settings change (same task definition): {}",
                list(&self.launch_settings)
            )?;
        }
        if !self.served.is_empty() {
            writeln!(f, "labels served differently:")?;
            let name = |t: &Option<String>| t.clone().unwrap_or_else(|| "no template".into());
            for change in &self.served {
                writeln!(
                    f,
                    "  {}: {} -> {}",
                    change.label,
                    name(&change.before),
                    name(&change.after)
                )?;
            }
        }
        if !self.cloud.is_empty() {
            writeln!(f, "cloud settings:")?;
            for change in &self.cloud {
                writeln!(
                    f,
                    "  {}: {} -> {}",
                    change.field, change.before, change.after
                )?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
