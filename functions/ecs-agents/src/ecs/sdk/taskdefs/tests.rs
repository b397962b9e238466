//! Tests of `taskdefs`.

use aws_sdk_ecs::Client;
use aws_sdk_ecs::operation::register_task_definition::RegisterTaskDefinitionOutput;
use aws_sdk_ecs::types as sdk;
use aws_smithy_mocks::{Rule, mock};
use serde_json::json;

use super::super::testing::*;
use super::*;
use crate::ecs::AgentTasks;

const REGISTERED: &str = "arn:aws:ecs:eu-west-1:123456789012:task-definition/ecs-linux:8";

/// A Fargate template using every field a Fargate definition can hold.
const RICH_FARGATE: &str = "{name: linux, labels: linux, cpu: 1024, memory: 2048, subnets: [s-1], image: 'jenkins/inbound-agent:latest-jdk21', entrypoint: [/usr/local/bin/jenkins-agent, -debug], user: jenkins, repositoryCredentials: 'arn:aws:secretsmanager:eu-west-1:1:secret:registry', executionRole: 'arn:aws:iam::1:role/exec', taskRole: 'arn:aws:iam::1:role/task', logDriver: awslogs, logDriverOptions: {awslogs-group: /jenkins/agents, awslogs-region: eu-west-1}, jvmArgs: -Xmx1g, environment: {A: b}, secrets: {NPM_TOKEN: 'arn:aws:secretsmanager:eu-west-1:1:secret:npm'}, ephemeralStorageGib: 40, runtimePlatform: {cpuArchitecture: ARM64, operatingSystemFamily: LINUX}, tags: {team: platform}, efsVolumes: [{name: cache, fileSystemId: fs-1, rootDirectory: /, accessPointId: fsap-1, transitEncryption: true, iam: true, containerPath: /cache, readOnly: true}], portMappings: [{containerPort: 8080}]}";

/// An EC2 template using the container fields only EC2 allows.
const RICH_EC2: &str = "{name: docker, labels: docker, launchType: EC2, networkMode: bridge, cpu: 2048, memory: 4096, memoryReservation: 2048, privileged: true, sharedMemorySize: 512, kernelCapabilities: {add: [SYS_PTRACE], drop: [NET_RAW]}, ulimits: [{name: nofile, softLimit: 65536, hardLimit: 65536}], dnsSearchDomains: [corp.example.com], extraHosts: [{hostname: nexus, ipAddress: 10.0.0.5}], portMappings: [{containerPort: 8080, hostPort: 0, protocol: tcp}], mountPoints: [{name: docker-socket, sourcePath: /var/run/docker.sock, containerPath: /var/run/docker.sock}, {name: scratch, containerPath: /scratch}]}";

fn rendered(template: &AgentTemplate) -> (&TaskDefinition, &str) {
    match &template.task {
        TaskSource::Register { definition, hash } => (definition, hash),
        TaskSource::Existing { .. } => panic!("expected a rendered definition"),
    }
}

fn unknown_family() -> Rule {
    mock!(Client::describe_task_definition)
        .sequence()
        .http_status(
            400,
            error_body("ClientException", "Unable to describe task definition."),
        )
        .build()
}

fn latest_revision(hash_tag: &str) -> Rule {
    let hash_tag = hash_tag.to_owned();
    mock!(Client::describe_task_definition)
        .match_requests(|req| {
            req.task_definition() == Some("ecs-linux")
                && req.include() == [sdk::TaskDefinitionField::Tags]
        })
        .then_output(move || {
            DescribeTaskDefinitionOutput::builder()
                .task_definition(
                    sdk::TaskDefinition::builder()
                        .task_definition_arn(TASK_DEF_ARN)
                        .status(sdk::TaskDefinitionStatus::Active)
                        .build(),
                )
                .tags(sdk::Tag::builder().key(HASH_TAG).value(&hash_tag).build())
                .build()
        })
}

fn register() -> Rule {
    mock!(Client::register_task_definition).then_output(|| {
        RegisterTaskDefinitionOutput::builder()
            .task_definition(
                sdk::TaskDefinition::builder()
                    .task_definition_arn(REGISTERED)
                    .build(),
            )
            .build()
    })
}

#[tokio::test]
async fn a_new_family_is_registered_with_exactly_the_rendered_definition() {
    for yaml in [RICH_FARGATE, RICH_EC2] {
        // GIVEN ECS does not know the family
        let template = template(yaml);
        let (describe, register) = (unknown_family(), register());
        let (ecs, wire) = adapter(&[&describe, &register]);
        // WHEN the template's task definition is needed
        let resolved = ecs.task_definition(&template).await.unwrap();
        // THEN the definition went on the wire field for field
        let (definition, _) = rendered(&template);
        let sent = wire.body("RegisterTaskDefinition");
        assert_eq!(sent, serde_json::to_value(definition).unwrap(), "{yaml}");
        assert_eq!(resolved.arn, REGISTERED);
        assert_eq!(resolved.container, "jenkins-agent");
    }
}

#[tokio::test]
async fn the_registered_definition_carries_size_platform_init_and_hash_tag() {
    let template = template(RICH_FARGATE);
    let (_, hash) = rendered(&template);
    let (describe, register) = (unknown_family(), register());
    let (ecs, wire) = adapter(&[&describe, &register]);
    ecs.task_definition(&template).await.unwrap();
    let sent = wire.body("RegisterTaskDefinition");
    assert_eq!(
        (&sent["cpu"], &sent["memory"]),
        (&json!("1024"), &json!("2048"))
    );
    assert_eq!(sent["runtimePlatform"]["cpuArchitecture"], "ARM64");
    let container = &sent["containerDefinitions"][0];
    assert_eq!(container["linuxParameters"]["initProcessEnabled"], true);
    assert_eq!(
        container["secrets"][0]["valueFrom"],
        "arn:aws:secretsmanager:eu-west-1:1:secret:npm"
    );
    let tags = sent["tags"].as_array().unwrap();
    assert!(tags.contains(&json!({"key": "team", "value": "platform"})));
    assert!(tags.contains(&json!({"key": HASH_TAG, "value": hash})));
}

#[tokio::test]
async fn the_latest_revision_is_reused_when_its_hash_tag_matches() {
    let template = template(FARGATE);
    let (_, hash) = rendered(&template);
    let (describe, register) = (latest_revision(hash), register());
    let (ecs, _) = adapter(&[&describe, &register]);
    let resolved = ecs.task_definition(&template).await.unwrap();
    assert_eq!(resolved.arn, TASK_DEF_ARN);
    assert_eq!(
        register.num_calls(),
        0,
        "nothing changed, nothing registered"
    );
}

#[tokio::test]
async fn a_changed_definition_registers_a_new_revision() {
    let template = template(FARGATE);
    let (describe, register) = (latest_revision("an-older-hash"), register());
    let (ecs, _) = adapter(&[&describe, &register]);
    let resolved = ecs.task_definition(&template).await.unwrap();
    assert_eq!(resolved.arn, REGISTERED);
    assert_eq!((describe.num_calls(), register.num_calls()), (1, 1));
}

#[tokio::test]
async fn a_warm_adapter_makes_no_task_definition_calls() {
    let template = template(FARGATE);
    let (describe, register) = (unknown_family(), register());
    let (ecs, _) = adapter(&[&describe, &register]);
    let first = ecs.task_definition(&template).await.unwrap();
    // A second launch: any ECS call would find no rule left and panic.
    let second = ecs.task_definition(&template).await.unwrap();
    assert_eq!(first, second);
    assert_eq!((describe.num_calls(), register.num_calls()), (1, 1));
}

#[tokio::test]
async fn concurrent_first_launches_register_one_revision() {
    let template = template(FARGATE);
    let describe = mock!(Client::describe_task_definition)
        .sequence()
        .http_status(
            400,
            error_body("ClientException", "Unable to describe task definition."),
        )
        .repeatedly()
        .build();
    let register = register();
    let (ecs, _) = adapter(&[&describe, &register]);
    let (a, b) = tokio::join!(
        ecs.task_definition(&template),
        ecs.task_definition(&template)
    );
    assert_eq!(a.unwrap(), b.unwrap());
    assert_eq!(register.num_calls(), 1);
}

#[tokio::test]
async fn a_throttled_describe_is_not_taken_for_an_unknown_family_nor_cached() {
    let template = template(FARGATE);
    let throttled = mock!(Client::describe_task_definition)
        .sequence()
        .http_status(400, error_body("ThrottlingException", "Rate exceeded"))
        .build();
    let (unknown, register) = (unknown_family(), register());
    let (ecs, _) = adapter(&[&throttled, &unknown, &register]);
    let error = ecs.task_definition(&template).await.unwrap_err();
    assert!(matches!(error, EcsError::Throttled(_)), "{error}");
    assert_eq!(register.num_calls(), 0);
    // The next launch asks again instead of remembering the failure.
    assert_eq!(
        ecs.task_definition(&template).await.unwrap().arn,
        REGISTERED
    );
}

fn existing_definition() -> Rule {
    mock!(Client::describe_task_definition)
        .match_requests(|req| req.task_definition() == Some("jenkins-integration-agent:7"))
        .then_output(|| {
            let container = |name| sdk::ContainerDefinition::builder().name(name).build();
            DescribeTaskDefinitionOutput::builder()
                .task_definition(
                    sdk::TaskDefinition::builder()
                        .task_definition_arn(TASK_DEF_ARN)
                        .container_definitions(container("agent"))
                        .container_definitions(container("sidecar"))
                        .build(),
                )
                .build()
        })
}

const EXISTING: &str = "{name: it, labels: it, taskDefinition: 'jenkins-integration-agent:7', launchType: FARGATE, subnets: [s-1]";

#[tokio::test]
async fn an_existing_task_definition_runs_its_first_container_by_default() {
    let describe = existing_definition();
    let (ecs, _) = adapter(&[&describe]);
    let resolved = ecs
        .task_definition(&template(&format!("{EXISTING}}}")))
        .await
        .unwrap();
    assert_eq!(
        resolved,
        TaskDefinitionRef {
            arn: TASK_DEF_ARN.into(),
            container: "agent".into()
        }
    );
    // Cached like rendered ones.
    ecs.task_definition(&template(&format!("{EXISTING}}}")))
        .await
        .unwrap();
    assert_eq!(describe.num_calls(), 1);
}

#[tokio::test]
async fn a_named_container_must_exist_in_the_existing_task_definition() {
    let describe = existing_definition();
    let (ecs, _) = adapter(&[&describe]);
    let named = |c: &str| template(&format!("{EXISTING}, agentContainerName: {c}}}"));
    let resolved = ecs.task_definition(&named("sidecar")).await.unwrap();
    assert_eq!(resolved.container, "sidecar");
    let error = ecs.task_definition(&named("jnlp")).await.unwrap_err();
    assert_eq!(
        error,
        EcsError::Rejected("task definition `jenkins-integration-agent:7` has no container named `jnlp`; it has: [agent, sidecar]".into())
    );
}

#[tokio::test]
async fn a_missing_existing_task_definition_is_rejected_by_name() {
    let (describe, register) = (unknown_family(), register());
    let (ecs, _) = adapter(&[&describe, &register]);
    let error = ecs
        .task_definition(&template(&format!("{EXISTING}}}")))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, EcsError::Rejected(m) if m.contains("`jenkins-integration-agent:7` does not exist")),
        "{error}"
    );
    assert_eq!(
        register.num_calls(),
        0,
        "existing definitions are never registered"
    );
}

/// An agents file with the one template `template` (one YAML line).
fn config_with(template: &str) -> AgentsConfig {
    AgentsConfig::from_yaml(&format!(
        "cloud: {{name: ecs, cluster: agents, jenkinsUrl: 'https://jenkins.example.com'}}\n\
         templates:\n  - {template}\n"
    ))
    .unwrap()
}

#[tokio::test]
async fn after_a_swap_a_template_that_returns_is_looked_up_again() {
    // GIVEN a warm adapter that resolved version 1's template
    let one = template(FARGATE);
    let (_, hash) = rendered(&one);
    let describe = latest_revision(hash);
    let (ecs, _) = adapter(&[&describe]);
    ecs.task_definition(&one).await.unwrap();
    // WHEN version 2 changes the image, and version 1 comes back (a rollback)
    let two =
        config_with(&FARGATE.replace("cpu: 512", "image: 'jenkins/inbound-agent:jdk21', cpu: 512"));
    ecs.retain_task_definitions(&two);
    ecs.task_definition(&one).await.unwrap();
    // THEN ECS is asked again: the reconciler may have deregistered the revision meanwhile
    assert_eq!(describe.num_calls(), 2);
}

#[tokio::test]
async fn a_swap_keeps_what_the_new_version_still_renders() {
    let one = template(FARGATE);
    let (_, hash) = rendered(&one);
    let describe = latest_revision(hash);
    let (ecs, _) = adapter(&[&describe]);
    ecs.task_definition(&one).await.unwrap();
    ecs.retain_task_definitions(&config_with(
        &FARGATE.replace("subnets: [s-1]", "subnets: [s-2]"),
    ));
    ecs.task_definition(&one).await.unwrap();
    assert_eq!(describe.num_calls(), 1, "same hash, still cached");
}
