//! Tests of `run`.

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
async fn with_an_environment_file_the_overrides_carry_only_its_arn() {
    let run = started();
    let (ecs, wire) = adapter(&[&run]);
    let mut launch = launch(&template(FARGATE));
    let arn = "arn:aws:s3:::agent-env/agents/ecs/ecs-linux-42.env";
    launch.environment = AgentEnvironment::File { arn: arn.into() };
    ecs.run(&launch).await.unwrap();
    let sent = wire.body("RunTask");
    let container =
        json!({"name": "jenkins-agent", "environmentFiles": [{"value": arn, "type": "s3"}]});
    assert_eq!(
        sent["overrides"],
        json!({"containerOverrides": [container]})
    );
    assert!(!sent.to_string().contains(SECRET));
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
    variables(&mut launch).push(("BIG".into(), "x".repeat(MAX_OVERRIDES_CHARS)));
    let size = overrides_size(
        "jenkins-agent",
        &environment(variables(&mut launch), SECRET),
    );
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
    variables(&mut launch).push(("QUOTED".into(), "say \"hi\" \\ ünïcode".into()));
    ecs.run(&launch).await.unwrap();
    let on_wire = wire.body("RunTask")["overrides"]
        .to_string()
        .chars()
        .count();
    let container = launch.task_definition.container.clone();
    let counted = overrides_size(&container, &environment(variables(&mut launch), SECRET));
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
    for (reason, retryable) in [
        ("RESOURCE:MEMORY", true),
        ("RESOURCE:ENI", true),
        ("AGENT", true),
        (fargate, true),
        ("MISSING", false),
        ("ATTRIBUTE", false),
        ("SOMETHING NEW", false),
    ] {
        assert_eq!(failure(reason, None).retryable, retryable, "{reason}");
    }
}

#[test]
fn failures_whose_reason_says_they_pass_are_transient() {
    for text in crate::ecs::transient::REAL_TEXTS {
        assert!(failure(text, None).retryable, "{text}");
    }
    // Fargate's quota may come as the detail of a reason we do not know.
    let quota = failure(
        "UNKNOWN",
        Some("You've reached the limit on the number of vCPUs you can run concurrently"),
    );
    assert!(quota.retryable, "{quota:?}");
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
        retryable: true,
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

#[tokio::test]
async fn ec2_throttling_wrapped_in_an_invalid_parameter_error_is_transient() {
    // ECS's words when EC2 throttles its network lookups (docs/aws.md §9).
    let message = "Error retrieving security group information for [sg-05937427457b61ff5]: \
        Request limit exceeded. (ErrorCode: RequestLimitExceeded)";
    let run = mock!(Client::run_task)
        .sequence()
        .http_status(400, error_body("InvalidParameterException", message))
        .build();
    let (ecs, _) = adapter(&[&run]);
    let error = ecs.run(&launch(&template(FARGATE))).await.unwrap_err();
    assert!(
        matches!(&error, EcsError::Throttled(m) if m.contains(message)),
        "{error:?}"
    );
}

#[tokio::test]
async fn the_fargate_vcpu_quota_as_a_run_task_error_is_transient() {
    let message = "You've reached the limit on the number of vCPUs you can run concurrently";
    let run = mock!(Client::run_task)
        .sequence()
        .http_status(400, error_body("ClientException", message))
        .build();
    let (ecs, _) = adapter(&[&run]);
    let error = ecs.run(&launch(&template(FARGATE))).await.unwrap_err();
    assert!(error.is_retryable(), "{error:?}");
    assert!(error.to_string().contains(message), "{error}");
}
