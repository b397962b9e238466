//! Finding this deployment's tasks and stopping them.
//!
//! Tasks are found by `startedBy` alone: `ListTasks` accepts no other filter
//! with it (docs/aws.md §8), not even `desiredStatus`, so whatever else
//! matters (running or stopping) is read from DescribeTasks. Tags cannot be
//! used: StopTask deletes them and events never carry them, so the agent's
//! identity travels in `group`.

use aws_sdk_ecs::Client;
use aws_sdk_ecs::config::http::HttpResponse;
use aws_sdk_ecs::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_ecs::operation::list_tasks::builders::ListTasksFluentBuilder;
use aws_sdk_ecs::types::{DesiredStatus, Task};

use super::errors::classify;
use crate::ecs::{AgentTask, EcsError};
use crate::naming::AgentName;

/// DescribeTasks takes at most 100 task ARNs per call.
pub const DESCRIBE_BATCH: usize = 100;

/// StopTask's `reason` is at most 255 characters.
pub const MAX_STOP_REASON: usize = 255;

/// This deployment's tasks whose desired status is RUNNING.
pub(super) async fn active(
    client: &Client,
    cluster: &str,
    started_by: &str,
) -> Result<Vec<AgentTask>, EcsError> {
    // ECS lists the tasks whose desired status is RUNNING when no status is
    // given (docs/aws.md §8); moto lists stopped ones too, which
    // `agent_task` leaves out.
    let arns = list(client, cluster, Listing::StartedBy(started_by)).await?;
    let tasks = describe(client, cluster, &arns).await?;
    Ok(tasks.iter().filter_map(agent_task).collect())
}

/// The tasks `arns`, described [`DESCRIBE_BATCH`] at a time. ECS lists tasks
/// gone since the listing under `failures` (MISSING): they are left out.
pub(super) async fn describe(
    client: &Client,
    cluster: &str,
    arns: &[String],
) -> Result<Vec<Task>, EcsError> {
    let mut tasks = Vec::with_capacity(arns.len());
    for batch in arns.chunks(DESCRIBE_BATCH) {
        let output = client
            .describe_tasks()
            .cluster(cluster)
            .set_tasks(Some(batch.to_vec()))
            .send()
            .await
            .map_err(|e| classify("DescribeTasks", e))?;
        tasks.extend(output.tasks.unwrap_or_default());
    }
    Ok(tasks)
}

/// What one listing asks ECS for: `startedBy` must be the only filter of its
/// call (docs/aws.md §8), so it never comes with another.
#[derive(Debug, Clone, Copy)]
pub(super) enum Listing<'a> {
    /// Tasks started with this `startedBy` (and, as ECS's default status
    /// filter applies, whose desired status is RUNNING).
    StartedBy(&'a str),
    /// Every task of the cluster whose desired status is STOPPED, whoever
    /// started it: the caller picks its own from DescribeTasks' `startedBy`.
    Stopped,
}

impl Listing<'_> {
    fn filter(self, request: ListTasksFluentBuilder) -> ListTasksFluentBuilder {
        match self {
            Self::StartedBy(started_by) => request.started_by(started_by),
            Self::Stopped => request.desired_status(DesiredStatus::Stopped),
        }
    }
}

/// Every page of `ListTasks` with the one filter of `listing`.
pub(super) async fn list(
    client: &Client,
    cluster: &str,
    listing: Listing<'_>,
) -> Result<Vec<String>, EcsError> {
    let mut arns = Vec::new();
    let mut next_token = None;
    loop {
        let request = client.list_tasks().cluster(cluster);
        let page = listing
            .filter(request)
            .max_results(100)
            .set_next_token(next_token)
            .send()
            .await
            .map_err(|e| classify("ListTasks", e))?;
        arns.extend(page.task_arns().iter().cloned());
        next_token = page.next_token().map(str::to_owned);
        if next_token.is_none() {
            return Ok(arns);
        }
    }
}

/// A described task in domain terms. Tasks whose desired status turned
/// STOPPED between listing and describing are left out: they are stopping.
fn agent_task(task: &Task) -> Option<AgentTask> {
    let desired_status = task.desired_status().unwrap_or_default();
    if desired_status == "STOPPED" {
        return None;
    }
    Some(AgentTask {
        task_arn: task.task_arn()?.to_owned(),
        agent: task.group().and_then(AgentName::from_group),
        last_status: task.last_status().unwrap_or_default().to_owned(),
        desired_status: desired_status.to_owned(),
        cpu: task.cpu().and_then(|c| c.parse().ok()),
        memory: task.memory().and_then(|m| m.parse().ok()),
    })
}

/// Stops a task; one that is already stopped or unknown counts as stopped.
pub(super) async fn stop(
    client: &Client,
    cluster: &str,
    task_arn: &str,
    reason: &str,
) -> Result<(), EcsError> {
    let result = client
        .stop_task()
        .cluster(cluster)
        .task(task_arn)
        .reason(truncate(reason, MAX_STOP_REASON))
        .send()
        .await;
    match result {
        Ok(_) => Ok(()),
        Err(e) if is_gone(&e) => {
            tracing::debug!(task_arn, "task to stop is already gone");
            Ok(())
        }
        Err(e) => Err(classify("StopTask", e)),
    }
}

/// ECS says "The referenced task was not found." for unknown (or long
/// expired) tasks; stopping a stopped task is likewise nothing to do.
fn is_gone<E: ProvideErrorMetadata>(error: &SdkError<E, HttpResponse>) -> bool {
    let message = error.message().unwrap_or_default().to_ascii_lowercase();
    matches!(
        error.code(),
        Some("InvalidParameterException" | "ClientException")
    ) && (message.contains("not found") || message.contains("stopped"))
}

/// At most `max` characters, cut on a character boundary.
fn truncate(text: &str, max: usize) -> &str {
    text.char_indices()
        .nth(max)
        .map_or(text, |(index, _)| &text[..index])
}

#[cfg(test)]
mod tests;
