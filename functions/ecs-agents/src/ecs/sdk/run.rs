//! One `RunTask` per agent, and what its answer means.
//!
//! RunTask answers HTTP 200 with `tasks` *and* `failures[]` (aws.md §2), so
//! a 200 is not yet a started task. Failures caused by momentary capacity
//! are worth retrying; the others are configuration and are not.

use aws_sdk_ecs::Client;
use aws_sdk_ecs::operation::run_task::RunTaskOutput;
use aws_sdk_ecs::operation::run_task::builders::RunTaskFluentBuilder;
use aws_sdk_ecs::types::{
    AssignPublicIp, AwsVpcConfiguration, CapacityProviderStrategyItem, ContainerOverride, Failure,
    KeyValuePair, LaunchType, NetworkConfiguration, PlacementStrategy, PlacementStrategyType,
    PropagateTags, Tag, TaskOverride,
};
use serde_json::json;

use super::errors::{classify, incomplete};
use crate::config::{AwsVpc, Capacity};
use crate::ecs::{EcsError, LaunchFailure, RunOutcome, TaskLaunch};

/// RunTask's limit on `overrides`: "8192 characters in total, JSON syntax
/// included" (aws.md §2).
pub const MAX_OVERRIDES_CHARS: usize = 8192;

/// The environment variable that carries the agent's secret.
pub const SECRET_VARIABLE: &str = "JENKINS_SECRET";

/// Starts the task for `launch` in `cluster`, tagged with `started_by`.
pub(super) async fn run(
    client: &Client,
    cluster: &str,
    started_by: &str,
    launch: &TaskLaunch,
) -> Result<RunOutcome, EcsError> {
    let environment = environment(launch);
    check_size(&launch.task_definition.container, &environment)?;
    let request = client
        .run_task()
        .cluster(cluster)
        .task_definition(&launch.task_definition.arn)
        .count(1)
        .client_token(&launch.client_token)
        .started_by(started_by)
        .group(&launch.group)
        .overrides(overrides(&launch.task_definition.container, &environment));
    let request = placement(request, launch)?;
    let secret = launch.secret.expose();
    match request.send().await {
        Ok(output) => outcome(output),
        // Error texts come from ECS and should not echo the overrides, but the
        // secret must never reach a log even if one does.
        Err(e) => Err(redact(classify("RunTask", e), secret)),
    }
}

/// The agent container's variables: the launch's, then the secret.
fn environment(launch: &TaskLaunch) -> Vec<(&str, &str)> {
    let plain = launch
        .environment
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()));
    plain
        .chain([(SECRET_VARIABLE, launch.secret.expose())])
        .collect()
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

fn overrides(container: &str, environment: &[(&str, &str)]) -> TaskOverride {
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
/// neither the cluster's default strategy applies (aws.md §2).
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

/// `REASON: detail`, and whether it is about capacity (transient) or about
/// the request (permanent: `MISSING`, `ATTRIBUTE`, anything unknown).
pub(super) fn launch_failure(failure: &Failure) -> LaunchFailure {
    let reason = failure.reason().unwrap_or("UNKNOWN");
    let text = match failure.detail().filter(|d| !d.is_empty()) {
        Some(detail) => format!("{reason}: {detail}"),
        None => reason.to_owned(),
    };
    // Fargate says "Capacity is unavailable at this time. Please try again later…".
    let transient = reason.starts_with("RESOURCE:")
        || reason == "AGENT"
        || text
            .to_ascii_lowercase()
            .contains("capacity is unavailable");
    LaunchFailure {
        reason: text,
        transient,
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
mod tests {
    use std::time::Duration;

    use aws_sdk_ecs::types::Task;
    use aws_smithy_mocks::{Rule, mock};
    use serde_json::{Value, json};

    use super::super::retry_config;
    use super::super::testing::*;
    use super::*;
    use crate::ecs::AgentTasks;

    const TASK_ARN: &str = "arn:aws:ecs:eu-west-1:123456789012:task/agents/0123456789abcdef";

    fn started() -> Rule {
        mock!(Client::run_task).then_output(|| {
            RunTaskOutput::builder()
                .tasks(Task::builder().task_arn(TASK_ARN).build())
                .build()
        })
    }

    /// Runs `template`'s launch against a RunTask that starts the task.
    async fn sent_for(template_yaml: &str) -> Value {
        let run = started();
        let (ecs, wire) = adapter(&[&run]);
        ecs.run(&launch(&template(template_yaml))).await.unwrap();
        wire.body("RunTask")
    }

    #[tokio::test]
    async fn run_task_carries_token_started_by_group_and_the_secret_as_an_override() {
        let run = started();
        let (ecs, wire) = adapter(&[&run]);
        let outcome = ecs.run(&launch(&template(FARGATE))).await.unwrap();
        assert_eq!(
            outcome,
            RunOutcome::Started {
                task_arn: TASK_ARN.into()
            }
        );
        let sent = wire.body("RunTask");
        assert_eq!(sent["cluster"], CLUSTER);
        assert_eq!(sent["taskDefinition"], TASK_DEF_ARN);
        assert_eq!(sent["count"], 1);
        assert_eq!(sent["clientToken"], "queue-42-0");
        assert_eq!(sent["startedBy"], STARTED_BY);
        assert_eq!(sent["group"], "jenkins-agent:ecs-linux-42");
        let variables = json!([
            {"name": "JENKINS_URL", "value": "https://jenkins.example.com/"},
            {"name": "JENKINS_AGENT_NAME", "value": "ecs-linux-42"},
            {"name": SECRET_VARIABLE, "value": SECRET},
        ]);
        let container = json!({"name": "jenkins-agent", "environment": variables});
        assert_eq!(
            sent["overrides"],
            json!({"containerOverrides": [container]})
        );
    }

    #[tokio::test]
    async fn a_fargate_launch_sends_launch_type_awsvpc_and_tag_propagation() {
        let sent = sent_for(FARGATE).await;
        assert_eq!(sent["launchType"], "FARGATE");
        assert_eq!(sent.get("capacityProviderStrategy"), None);
        let awsvpc =
            json!({"subnets": ["s-1"], "securityGroups": ["sg-1"], "assignPublicIp": "DISABLED"});
        assert_eq!(
            sent["networkConfiguration"],
            json!({"awsvpcConfiguration": awsvpc})
        );
        assert_eq!(sent["propagateTags"], "TASK_DEFINITION");
        assert_eq!(sent["enableExecuteCommand"], false);
    }

    #[tokio::test]
    async fn fargate_spot_is_reached_through_a_capacity_provider_strategy() {
        let sent = sent_for("{name: spot, labels: spot, cpu: 512, memory: 1024, subnets: [s-1], assignPublicIp: true, platformVersion: 1.4.0, taskRole: 'arn:aws:iam::1:role/task', enableExecuteCommand: true, tags: {team: a}, capacityProviderStrategy: [{capacityProvider: FARGATE_SPOT, weight: 3}, {capacityProvider: FARGATE, base: 1}]}").await;
        assert_eq!(
            sent.get("launchType"),
            None,
            "launchType excludes a strategy"
        );
        assert_eq!(
            sent["capacityProviderStrategy"],
            json!([
                {"capacityProvider": "FARGATE_SPOT", "base": 0, "weight": 3},
                {"capacityProvider": "FARGATE", "base": 1, "weight": 1},
            ])
        );
        assert_eq!(
            sent["networkConfiguration"]["awsvpcConfiguration"]["assignPublicIp"],
            "ENABLED"
        );
        assert_eq!(
            sent.get("networkConfiguration")
                .and_then(|n| n["awsvpcConfiguration"].get("securityGroups")),
            None
        );
        assert_eq!(sent["platformVersion"], "1.4.0");
        assert_eq!(sent["enableExecuteCommand"], true);
        assert_eq!(sent["tags"], json!([{"key": "team", "value": "a"}]));
    }

    #[tokio::test]
    async fn the_cluster_default_sends_neither_launch_type_nor_strategy() {
        let sent = sent_for("{name: d, labels: d, defaultCapacityProvider: true, launchType: FARGATE, cpu: 512, memory: 1024, subnets: [s-1]}").await;
        assert_eq!(
            (sent.get("launchType"), sent.get("capacityProviderStrategy")),
            (None, None)
        );
    }

    #[tokio::test]
    async fn an_ec2_launch_sends_its_placement_strategies_and_no_network() {
        let sent = sent_for("{name: docker, labels: docker, launchType: EC2, networkMode: bridge, memory: 512, placementStrategies: [{type: binpack, field: memory}]}").await;
        assert_eq!(sent["launchType"], "EC2");
        assert_eq!(
            sent["placementStrategy"],
            json!([{"type": "binpack", "field": "memory"}])
        );
        assert_eq!(sent.get("networkConfiguration"), None);
    }

    #[tokio::test]
    async fn overrides_over_8192_characters_are_refused_without_calling_ecs() {
        let run = started();
        let (ecs, wire) = adapter(&[&run]);
        let mut launch = launch(&template(FARGATE));
        launch
            .environment
            .push(("BIG".into(), "x".repeat(MAX_OVERRIDES_CHARS)));
        let size = overrides_size("jenkins-agent", &environment(&launch));
        let error = ecs.run(&launch).await.unwrap_err();
        let text = format!("{error} {error:?}");
        assert!(matches!(error, EcsError::Rejected(_)), "{text}");
        assert!(
            text.contains(&format!("{size} characters")) && text.contains("8192"),
            "{text}"
        );
        assert!(!text.contains(SECRET));
        assert_eq!((run.num_calls(), wire.bodies("RunTask").len()), (0, 0));
    }

    #[tokio::test]
    async fn the_counted_override_size_is_the_size_on_the_wire() {
        let run = started();
        let (ecs, wire) = adapter(&[&run]);
        let mut launch = launch(&template(FARGATE));
        launch
            .environment
            .push(("QUOTED".into(), "say \"hi\" \\ ünïcode".into()));
        ecs.run(&launch).await.unwrap();
        let on_wire = wire.body("RunTask")["overrides"]
            .to_string()
            .chars()
            .count();
        let counted = overrides_size(&launch.task_definition.container, &environment(&launch));
        assert_eq!(counted, on_wire);
    }

    fn failure(reason: &str, detail: Option<&str>) -> LaunchFailure {
        launch_failure(
            &Failure::builder()
                .reason(reason)
                .set_detail(detail.map(Into::into))
                .build(),
        )
    }

    #[test]
    fn capacity_failures_are_transient_and_configuration_failures_permanent() {
        let fargate = "Capacity is unavailable at this time. Please try again later or in a different availability zone";
        for (reason, transient) in [
            ("RESOURCE:MEMORY", true),
            ("RESOURCE:ENI", true),
            ("AGENT", true),
            (fargate, true),
            ("MISSING", false),
            ("ATTRIBUTE", false),
            ("SOMETHING NEW", false),
        ] {
            assert_eq!(failure(reason, None).transient, transient, "{reason}");
        }
    }

    #[test]
    fn a_failure_reads_reason_colon_detail() {
        let failure = failure("ATTRIBUTE", Some("ecs.cpu-architecture"));
        assert_eq!(failure.reason, "ATTRIBUTE: ecs.cpu-architecture");
    }

    #[tokio::test]
    async fn a_listed_failure_is_a_failed_launch_not_an_error() {
        let run = mock!(Client::run_task).then_output(|| {
            RunTaskOutput::builder()
                .failures(
                    Failure::builder()
                        .arn("arn:aws:ecs:eu-west-1:1:container-instance/x")
                        .reason("RESOURCE:MEMORY")
                        .build(),
                )
                .build()
        });
        let (ecs, _) = adapter(&[&run]);
        let outcome = ecs.run(&launch(&template(FARGATE))).await.unwrap();
        let expected = LaunchFailure {
            reason: "RESOURCE:MEMORY".into(),
            transient: true,
        };
        assert_eq!(outcome, RunOutcome::Failed(expected));
    }

    #[tokio::test]
    async fn ecs_errors_map_to_retryable_or_final_and_never_show_the_secret() {
        for (status, code, expected) in [
            (400, "ThrottlingException", "Throttled"),
            (500, "ServerException", "Unavailable"),
            (503, "ServiceUnavailable", "Unavailable"),
            (400, "ConflictException", "TokenConflict"),
            (400, "InvalidParameterException", "Rejected"),
            (400, "AccessDeniedException", "Rejected"),
            (400, "PlatformUnknownException", "Rejected"),
            (400, "ClusterNotFoundException", "Rejected"),
        ] {
            // An error text echoing the request must not leak the secret.
            let message = format!("bad environment JENKINS_SECRET={SECRET}");
            let run = mock!(Client::run_task)
                .sequence()
                .http_status(status, error_body(code, &message))
                .build();
            let (ecs, _) = adapter(&[&run]);
            let error = ecs.run(&launch(&template(FARGATE))).await.unwrap_err();
            let text = format!("{error} {error:?}");
            assert!(format!("{error:?}").starts_with(expected), "{code}: {text}");
            assert!(
                text.contains(code) && !text.contains(SECRET),
                "{code}: {text}"
            );
        }
    }

    #[tokio::test]
    async fn the_sdk_retries_throttled_run_task_calls_before_answering() {
        let run = mock!(Client::run_task)
            .sequence()
            .http_status(400, error_body("ThrottlingException", "Rate exceeded"))
            .times(2)
            .output(|| {
                RunTaskOutput::builder()
                    .tasks(Task::builder().task_arn(TASK_ARN).build())
                    .build()
            })
            .build();
        let fast = retry_config().with_initial_backoff(Duration::from_millis(1));
        let (ecs, _) = adapter_with(&[&run], fast);
        let outcome = ecs.run(&launch(&template(FARGATE))).await.unwrap();
        assert_eq!(
            outcome,
            RunOutcome::Started {
                task_arn: TASK_ARN.into()
            }
        );
        assert_eq!(run.num_calls(), 3);
    }
}
