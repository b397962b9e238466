//! One `RunTask` per agent, and what its answer means.
//!
//! RunTask answers HTTP 200 with `tasks` *and* `failures[]` (docs/aws.md §2), so
//! a 200 is not yet a started task. Failures caused by momentary capacity
//! are worth retrying; the others are configuration and are not.

use aws_sdk_ecs::Client;
use aws_sdk_ecs::operation::run_task::RunTaskOutput;
use aws_sdk_ecs::operation::run_task::builders::RunTaskFluentBuilder;
use aws_sdk_ecs::types::{
    AssignPublicIp, AwsVpcConfiguration, CapacityProviderStrategyItem, ContainerOverride,
    EnvironmentFile, EnvironmentFileType, Failure, KeyValuePair, LaunchType, NetworkConfiguration,
    PlacementStrategy, PlacementStrategyType, PropagateTags, Tag, TaskOverride,
};
use serde_json::json;

use super::errors::{classify, incomplete};
use crate::config::{AwsVpc, Capacity};
use crate::ecs::{
    AgentEnvironment, EcsError, LaunchFailure, RunOutcome, SECRET_VARIABLE, TaskLaunch,
};

/// RunTask's limit on `overrides`: "8192 characters in total, JSON syntax
/// included" (docs/aws.md §2).
pub const MAX_OVERRIDES_CHARS: usize = 8192;

/// Starts the task for `launch` in `cluster`, tagged with `started_by`.
pub(super) async fn run(
    client: &Client,
    cluster: &str,
    started_by: &str,
    launch: &TaskLaunch,
) -> Result<RunOutcome, EcsError> {
    let container = &launch.task_definition.container;
    let overrides = match &launch.environment {
        AgentEnvironment::Overrides { variables, secret } => {
            let environment = environment(variables, secret.expose());
            check_size(container, &environment)?;
            environment_overrides(container, &environment)
        }
        AgentEnvironment::File { arn } => file_overrides(container, arn)?,
    };
    let request = client
        .run_task()
        .cluster(cluster)
        .task_definition(&launch.task_definition.arn)
        .count(1)
        .client_token(&launch.client_token)
        .started_by(started_by)
        .group(&launch.group)
        .overrides(overrides);
    let request = placement(request, launch)?;
    match request.send().await {
        Ok(output) => outcome(output),
        // Error texts come from ECS and should not echo the overrides, but the
        // secret must never reach a log even if one does.
        Err(e) => Err(match &launch.environment {
            AgentEnvironment::Overrides { secret, .. } => {
                redact(classify("RunTask", e), secret.expose())
            }
            AgentEnvironment::File { .. } => classify("RunTask", e),
        }),
    }
}

/// The agent container's variables: the launch's, then the secret.
fn environment<'a>(variables: &'a [(String, String)], secret: &'a str) -> Vec<(&'a str, &'a str)> {
    let plain = variables.iter().map(|(n, v)| (n.as_str(), v.as_str()));
    plain.chain([(SECRET_VARIABLE, secret)]).collect()
}

/// Overrides that point the agent container at its environment file, and
/// carry nothing else (docs/aws.md §12).
fn file_overrides(container: &str, arn: &str) -> Result<TaskOverride, EcsError> {
    let file = EnvironmentFile::builder()
        .value(arn)
        .r#type(EnvironmentFileType::S3)
        .build()
        .map_err(incomplete)?;
    Ok(TaskOverride::builder()
        .container_overrides(
            ContainerOverride::builder()
                .name(container)
                .environment_files(file)
                .build(),
        )
        .build())
}

/// Refuses overrides ECS would refuse, before spending a RunTask call.
fn check_size(container: &str, environment: &[(&str, &str)]) -> Result<(), EcsError> {
    let size = overrides_size(container, environment);
    if size > MAX_OVERRIDES_CHARS {
        return Err(EcsError::Rejected(format!(
            "the container overrides are {size} characters of JSON, over RunTask's limit of \
             {MAX_OVERRIDES_CHARS}; move long environment values into the task definition"
        )));
    }
    Ok(())
}

/// Characters of `overrides` as the SDK serialises it (compact JSON).
fn overrides_size(container: &str, environment: &[(&str, &str)]) -> usize {
    let variables: Vec<_> = environment
        .iter()
        .map(|(name, value)| json!({"name": name, "value": value}))
        .collect();
    let document = json!({"containerOverrides": [{"name": container, "environment": variables}]});
    document.to_string().chars().count()
}

fn environment_overrides(container: &str, environment: &[(&str, &str)]) -> TaskOverride {
    let variables = environment
        .iter()
        .map(|(name, value)| KeyValuePair::builder().name(*name).value(*value).build());
    TaskOverride::builder()
        .container_overrides(
            ContainerOverride::builder()
                .name(container)
                .set_environment(Some(variables.collect()))
                .build(),
        )
        .build()
}

/// Capacity, network, placement, Exec and tags.
fn placement(
    request: RunTaskFluentBuilder,
    launch: &TaskLaunch,
) -> Result<RunTaskFluentBuilder, EcsError> {
    let mut request = capacity(request, &launch.capacity)?
        .set_network_configuration(launch.network.as_ref().map(network).transpose()?)
        .set_platform_version(launch.platform_version.clone())
        .enable_execute_command(launch.enable_execute_command);
    for strategy in &launch.placement_strategies {
        request = request.placement_strategy(
            PlacementStrategy::builder()
                .r#type(PlacementStrategyType::from(strategy.kind.as_str()))
                .set_field(strategy.field.clone())
                .build(),
        );
    }
    if launch.propagate_task_definition_tags {
        request = request.propagate_tags(PropagateTags::TaskDefinition);
    }
    for (key, value) in &launch.tags {
        request = request.tags(Tag::builder().key(key).value(value).build());
    }
    Ok(request)
}

/// `launchType` and `capacityProviderStrategy` exclude each other; with
/// neither the cluster's default strategy applies (docs/aws.md §2).
fn capacity(
    request: RunTaskFluentBuilder,
    capacity: &Capacity,
) -> Result<RunTaskFluentBuilder, EcsError> {
    Ok(match capacity {
        Capacity::LaunchType(t) => request.launch_type(LaunchType::from(t.as_str())),
        Capacity::Providers(items) => {
            let strategy = items
                .iter()
                .map(|item| {
                    CapacityProviderStrategyItem::builder()
                        .capacity_provider(&item.capacity_provider)
                        .base(i32::try_from(item.base).unwrap_or(i32::MAX))
                        .weight(i32::try_from(item.weight).unwrap_or(i32::MAX))
                        .build()
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(incomplete)?;
            request.set_capacity_provider_strategy(Some(strategy))
        }
        Capacity::ClusterDefault => request,
    })
}

fn network(vpc: &AwsVpc) -> Result<NetworkConfiguration, EcsError> {
    let public_ip = if vpc.assign_public_ip {
        AssignPublicIp::Enabled
    } else {
        AssignPublicIp::Disabled
    };
    let awsvpc = AwsVpcConfiguration::builder()
        .set_subnets(Some(vpc.subnets.clone()))
        // No security groups means the VPC's default one: leave the field out.
        .set_security_groups((!vpc.security_groups.is_empty()).then(|| vpc.security_groups.clone()))
        .assign_public_ip(public_ip)
        .build()
        .map_err(incomplete)?;
    Ok(NetworkConfiguration::builder()
        .awsvpc_configuration(awsvpc)
        .build())
}

/// A started task wins over listed failures: with `count` 1 a task means the
/// launch happened, and reporting a failure would launch a duplicate.
fn outcome(output: RunTaskOutput) -> Result<RunOutcome, EcsError> {
    if let Some(task_arn) = output.tasks().iter().find_map(|t| t.task_arn()) {
        return Ok(RunOutcome::Started {
            task_arn: task_arn.to_owned(),
        });
    }
    match output.failures().first() {
        Some(failure) => Ok(RunOutcome::Failed(launch_failure(failure))),
        None => Err(EcsError::Unavailable(
            "RunTask answered with neither a task nor a failure".into(),
        )),
    }
}

/// `REASON: detail`, and whether it is about capacity or a passing limit
/// (transient) or about the request (permanent: `MISSING`, `ATTRIBUTE`,
/// anything unknown).
pub(super) fn launch_failure(failure: &Failure) -> LaunchFailure {
    listed_failure(failure.reason(), failure.detail())
}

/// [`launch_failure`] from the `reason` and `detail` of one entry of
/// `failures[]`: for whoever stands in for ECS's wire, such as the simulator
/// (`tests/simulator`).
pub fn listed_failure(reason: Option<&str>, detail: Option<&str>) -> LaunchFailure {
    let reason = reason.unwrap_or("UNKNOWN");
    let text = match detail.filter(|d| !d.is_empty()) {
        Some(detail) => format!("{reason}: {detail}"),
        None => reason.to_owned(),
    };
    // Fargate says "Capacity is unavailable at this time. Please try again later…".
    let retryable = reason.starts_with("RESOURCE:")
        || reason == "AGENT"
        || text
            .to_ascii_lowercase()
            .contains("capacity is unavailable")
        // Quotas, throttling, ENI timeouts (docs/aws.md §9).
        || crate::ecs::transient::clears_by_itself(&text);
    LaunchFailure {
        reason: text,
        retryable,
    }
}

fn redact(error: EcsError, secret: &str) -> EcsError {
    let scrub = |text: String| {
        if secret.is_empty() {
            text
        } else {
            text.replace(secret, "**redacted**")
        }
    };
    match error {
        EcsError::Throttled(m) => EcsError::Throttled(scrub(m)),
        EcsError::Unavailable(m) => EcsError::Unavailable(scrub(m)),
        EcsError::Rejected(m) => EcsError::Rejected(scrub(m)),
        EcsError::TokenConflict(m) => EcsError::TokenConflict(scrub(m)),
    }
}

#[cfg(test)]
mod tests;
