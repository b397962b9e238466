//! Which task definition revision a template runs, resolved once per adapter.
//!
//! RegisterTaskDefinition is the scarcest ECS call (docs/aws.md §3: burst 20,
//! refill **1 per second**, and at most 1,000,000 revisions per family ever),
//! so a rendered definition is registered only when its content hash is new:
//! the latest revision of the family is described first and reused when its
//! [`HASH_TAG`] matches. The answer is cached per hash, so a warm Lambda makes
//! no task definition calls at all.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use aws_sdk_ecs::Client;
use aws_sdk_ecs::operation::describe_task_definition::DescribeTaskDefinitionOutput;
use aws_sdk_ecs::types::{TaskDefinitionField, TaskDefinitionStatus};
use tokio::sync::OnceCell;

use super::errors::{classify, is_unknown_task_definition};
use super::register;
use crate::config::{AgentTemplate, AgentsConfig, TaskSource};
use crate::ecs::{EcsError, TaskDefinitionRef};
use crate::taskdef::{HASH_TAG, TaskDefinition};

/// What a cached answer was resolved from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    /// A rendered definition, by content hash (which covers the family).
    Rendered(String),
    /// A user-managed task definition and the agent container named for it.
    Existing(String, Option<String>),
}

/// Resolved task definitions, one async once-cell per key: concurrent first
/// launches of one template wait for a single Describe/Register instead of
/// each registering a revision. Failures are not cached.
#[derive(Debug, Default)]
pub(super) struct TaskDefinitionCache {
    cells: Mutex<HashMap<Key, Arc<OnceCell<TaskDefinitionRef>>>>,
}

impl TaskDefinitionCache {
    /// The task definition for `template`, from the cache or from ECS.
    pub(super) async fn resolve(
        &self,
        client: &Client,
        template: &AgentTemplate,
    ) -> Result<TaskDefinitionRef, EcsError> {
        let cell = self.cell(key(&template.task));
        let resolved = cell
            .get_or_try_init(|| async {
                match &template.task {
                    TaskSource::Register { definition, hash } => {
                        rendered(client, definition, hash).await
                    }
                    TaskSource::Existing {
                        reference,
                        container,
                    } => existing(client, reference, container.as_deref()).await,
                }
            })
            .await?;
        Ok(resolved.clone())
    }

    /// Whether `arn` is a task definition this adapter resolved: in use by
    /// this instance's launches.
    pub(super) fn holds(&self, arn: &str) -> bool {
        let cells = self.cells.lock().unwrap_or_else(|p| p.into_inner());
        cells
            .values()
            .any(|cell| cell.get().is_some_and(|d| d.arn == arn))
    }

    /// Forgets what no template of `config` resolves to: the agents file
    /// changed, and an answer for a template that returns later may name a
    /// revision deregistered meanwhile.
    pub(super) fn retain(&self, config: &AgentsConfig) {
        let wanted: Vec<Key> = config.templates.iter().map(|t| key(&t.task)).collect();
        let mut cells = self.cells.lock().unwrap_or_else(|p| p.into_inner());
        cells.retain(|key, _| wanted.contains(key));
    }

    /// Forgets `arn` (deregistered): its template is resolved again.
    pub(super) fn forget(&self, arn: &str) {
        let mut cells = self.cells.lock().unwrap_or_else(|p| p.into_inner());
        cells.retain(|_, cell| cell.get().is_none_or(|d| d.arn != arn));
    }

    fn cell(&self, key: Key) -> Arc<OnceCell<TaskDefinitionRef>> {
        // Held only to look up or insert, never across an await.
        let mut cells = self.cells.lock().unwrap_or_else(|p| p.into_inner());
        Arc::clone(cells.entry(key).or_default())
    }
}

fn key(task: &TaskSource) -> Key {
    match task {
        TaskSource::Register { hash, .. } => Key::Rendered(hash.clone()),
        TaskSource::Existing {
            reference,
            container,
        } => Key::Existing(reference.clone(), container.clone()),
    }
}

/// The revision registered for `hash`, registering it if the family's latest
/// revision was rendered from something else (or the family is new).
async fn rendered(
    client: &Client,
    definition: &TaskDefinition,
    hash: &str,
) -> Result<TaskDefinitionRef, EcsError> {
    let container = definition
        .container_definitions
        .first()
        .map(|c| c.name.clone())
        .ok_or_else(|| {
            EcsError::Rejected(format!(
                "task definition `{}` has no container",
                definition.family
            ))
        })?;
    let arn = match latest_with_hash(client, &definition.family, hash).await? {
        Some(arn) => arn,
        None => registered(client, definition).await?,
    };
    Ok(TaskDefinitionRef { arn, container })
}

/// The ARN of the family's latest ACTIVE revision if it carries our hash.
async fn latest_with_hash(
    client: &Client,
    family: &str,
    hash: &str,
) -> Result<Option<String>, EcsError> {
    let Some(output) = describe_active(client, family).await? else {
        return Ok(None);
    };
    let arn = output
        .task_definition()
        .and_then(|d| d.task_definition_arn());
    Ok(arn
        .filter(|_| tag_value(&output, HASH_TAG) == Some(hash))
        .map(str::to_owned))
}

/// `DescribeTaskDefinition` with tags; `None` when the task definition is
/// unknown or no longer ACTIVE.
pub(super) async fn describe_active(
    client: &Client,
    reference: &str,
) -> Result<Option<DescribeTaskDefinitionOutput>, EcsError> {
    let described = client
        .describe_task_definition()
        .task_definition(reference)
        .include(TaskDefinitionField::Tags)
        .send()
        .await;
    let output = match described {
        Ok(output) => output,
        Err(e) if is_unknown_task_definition(&e) => return Ok(None),
        Err(e) => return Err(classify("DescribeTaskDefinition", e)),
    };
    let active = output
        .task_definition()
        .is_some_and(|d| d.status() == Some(&TaskDefinitionStatus::Active));
    Ok(active.then_some(output))
}

/// The value of tag `key` on a described task definition.
pub(super) fn tag_value<'a>(
    output: &'a DescribeTaskDefinitionOutput,
    key: &str,
) -> Option<&'a str> {
    output
        .tags()
        .iter()
        .find(|t| t.key() == Some(key))
        .and_then(|t| t.value())
}

async fn registered(client: &Client, definition: &TaskDefinition) -> Result<String, EcsError> {
    let output = register::request(client, definition)?
        .send()
        .await
        .map_err(|e| classify("RegisterTaskDefinition", e))?;
    let arn = output
        .task_definition()
        .and_then(|d| d.task_definition_arn())
        .ok_or_else(|| {
            EcsError::Unavailable("RegisterTaskDefinition answered without an ARN".into())
        })?;
    tracing::info!(family = %definition.family, task_definition = %arn, "registered task definition");
    Ok(arn.to_owned())
}

/// A user-managed task definition: its ARN, and the agent container (the
/// named one, checked to exist, or else the first).
async fn existing(
    client: &Client,
    reference: &str,
    container: Option<&str>,
) -> Result<TaskDefinitionRef, EcsError> {
    let output = describe_existing(client, reference).await?;
    let definition = output.task_definition();
    let arn = definition
        .and_then(|d| d.task_definition_arn())
        .ok_or_else(|| {
            EcsError::Unavailable(format!(
                "DescribeTaskDefinition `{reference}` answered without an ARN"
            ))
        })?;
    let names: Vec<&str> = definition
        .map(|d| {
            d.container_definitions()
                .iter()
                .filter_map(|c| c.name())
                .collect()
        })
        .unwrap_or_default();
    let chosen = match container {
        Some(wanted) => names.iter().find(|n| **n == wanted),
        None => names.first(),
    };
    let chosen = chosen.ok_or_else(|| {
        EcsError::Rejected(format!(
            "task definition `{reference}` has no container {}; it has: [{}]",
            container.map_or_else(|| "at all".to_owned(), |c| format!("named `{c}`")),
            names.join(", ")
        ))
    })?;
    Ok(TaskDefinitionRef {
        arn: arn.to_owned(),
        container: (*chosen).to_owned(),
    })
}

async fn describe_existing(
    client: &Client,
    reference: &str,
) -> Result<DescribeTaskDefinitionOutput, EcsError> {
    match client
        .describe_task_definition()
        .task_definition(reference)
        .send()
        .await
    {
        Ok(output) => Ok(output),
        Err(e) if is_unknown_task_definition(&e) => Err(EcsError::Rejected(format!(
            "task definition `{reference}` does not exist (or this role cannot see it); \
             register it or fix the template's taskDefinition"
        ))),
        Err(e) => Err(classify("DescribeTaskDefinition", e)),
    }
}

#[cfg(test)]
mod tests;
