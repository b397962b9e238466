//! Which task definition revision a template runs, resolved once per adapter.
//!
//! RegisterTaskDefinition is the scarcest ECS call (aws.md §3: burst 20,
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
use crate::config::{AgentTemplate, TaskSource};
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
mod tests {
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
}
