//! RunTask as ECS carries it out once the call is admitted: client tokens
//! (docs/aws.md §11), `failures[]` when Fargate has no capacity, or a new
//! task in PROVISIONING.

use ecs_agents::ecs::sdk::{listed_failure, service_error};
use ecs_agents::ecs::{AgentEnvironment, EcsError, RunOutcome, TaskLaunch};
use ecs_agents::naming::AgentName;
use sha2::{Digest, Sha256};
use tokio::time::Instant;

use super::{Cluster, SimTask, TOKEN_MEMORY, TaskStatus, TokenUse};

/// What a repeated client token must match: every parameter, the secret
/// included (the overrides' `Debug` hides it).
pub(super) fn digest(launch: &TaskLaunch) -> String {
    let secret = match &launch.environment {
        AgentEnvironment::Overrides { secret, .. } => secret.expose(),
        AgentEnvironment::File { .. } => "",
    };
    let text = format!("{launch:?}/{secret}");
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// RunTask once admitted: the task (new or the token's), a listed failure,
/// or a token conflict. The flag says whether a task was created.
pub(super) fn run_task(
    cluster: &mut Cluster,
    launch: &TaskLaunch,
    digest: &str,
    started_by: &str,
) -> Result<(RunOutcome, bool), EcsError> {
    if let Some(used) = cluster.tokens.get(&launch.client_token)
        && used.at.elapsed() < TOKEN_MEMORY
    {
        if used.digest != digest {
            return Err(service_error(
                "RunTask",
                "ConflictException",
                "The client token was used with different parameters",
                400,
            ));
        }
        cluster.counts.token_repeats += 1;
        let task_arn = used.task_arn.clone();
        return Ok((RunOutcome::Started { task_arn }, false));
    }
    let no_capacity = cluster.faults.no_capacity;
    if cluster.rng.chance(no_capacity) {
        let failure = listed_failure(
            Some(
                "Capacity is unavailable at this time. Please try again later or in a different availability zone",
            ),
            None,
        );
        return Ok((RunOutcome::Failed(failure), false));
    }
    let Some(agent) = AgentName::from_group(&launch.group) else {
        return Err(service_error(
            "RunTask",
            "InvalidParameterException",
            "group",
            400,
        ));
    };
    let secret = match &launch.environment {
        AgentEnvironment::Overrides { secret, .. } => secret.expose().to_owned(),
        AgentEnvironment::File { .. } => String::new(),
    };
    if cluster.tasks.values().any(|t| t.agent == agent) {
        cluster.counts.duplicate_agents.push(agent.clone());
    }
    let arn = cluster.next_arn();
    if !cluster.ignore_tokens {
        cluster.tokens.insert(
            launch.client_token.clone(),
            TokenUse {
                digest: digest.to_owned(),
                task_arn: arn.clone(),
                at: Instant::now(),
            },
        );
    }
    cluster.counts.tasks_created += 1;
    cluster.tasks.insert(
        arn.clone(),
        SimTask {
            arn: arn.clone(),
            agent,
            started_by: started_by.to_owned(),
            task_definition: launch.task_definition.arn.clone(),
            secret,
            status: TaskStatus::Provisioning,
            desired_running: true,
            version: 1,
            created_ms: ecs_agents::clock::now_ms(),
            started_ms: None,
            stopped_ms: None,
            stop_code: None,
            stopped_reason: None,
        },
    );
    Ok((RunOutcome::Started { task_arn: arn }, true))
}
