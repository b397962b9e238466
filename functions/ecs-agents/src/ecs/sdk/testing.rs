//! Test helpers: templates loaded from YAML, an adapter on an ECS client
//! answered by aws-smithy-mocks rules, the JSON bodies that client put on
//! the wire (for exact request assertions), and ECS's JSON error bodies.

use std::sync::{Arc, Mutex};

use aws_sdk_ecs::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_ecs::config::retry::RetryConfig;
use aws_sdk_ecs::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_ecs::error::BoxError;
use aws_smithy_mocks::{Rule, RuleMode, mock_client};
use serde_json::Value;

use super::EcsAgentTasks;
use crate::config::{AgentTemplate, AgentsConfig};
use crate::ecs::{AgentEnvironment, TaskDefinitionRef, TaskLaunch};
use crate::secret::Secret;

pub(super) const CLUSTER: &str = "agents";
pub(super) const STARTED_BY: &str = "jenkins-ecs";
pub(super) const SECRET: &str = "5ec7e7a9ed0c0ffee5ec7e7a9ed0c0ffee";
pub(super) const TASK_DEF_ARN: &str =
    "arn:aws:ecs:eu-west-1:123456789012:task-definition/ecs-linux:7";

/// A Fargate template in awsvpc mode, as most tests need one.
pub(super) const FARGATE: &str =
    "{name: linux, labels: linux, cpu: 512, memory: 1024, subnets: [s-1], securityGroups: [sg-1]}";

/// The first template of an agents file holding `template` (one YAML line).
pub(super) fn template(template: &str) -> AgentTemplate {
    let text = format!(
        "cloud: {{name: ecs, cluster: agents, jenkinsUrl: 'https://jenkins.example.com'}}\n\
         templates:\n  - {template}\n"
    );
    let config = AgentsConfig::from_yaml(&text).unwrap_or_else(|e| panic!("{e}"));
    config.templates.into_iter().next().expect("one template")
}

/// An adapter whose calls are answered by `rules` in any order (a call no
/// rule matches panics), without SDK retries, and the requests it sent.
pub(super) fn adapter(rules: &[&Rule]) -> (EcsAgentTasks, Wire) {
    adapter_with(rules, RetryConfig::disabled())
}

/// [`adapter`] with a retry policy.
pub(super) fn adapter_with(rules: &[&Rule], retry: RetryConfig) -> (EcsAgentTasks, Wire) {
    let wire = Wire::default();
    let recorder = wire.clone();
    let client = mock_client!(aws_sdk_ecs, RuleMode::MatchAny, rules, move |config| config
        .retry_config(retry.clone())
        .interceptor(recorder.clone()));
    (EcsAgentTasks::new(client, CLUSTER, STARTED_BY), wire)
}

/// ECS's (awsJson 1.1) body for an error `code`; send it with HTTP 400.
pub(super) fn error_body(code: &str, message: &str) -> Option<String> {
    Some(serde_json::json!({"__type": code, "message": message}).to_string())
}

/// The JSON bodies the client serialised, as they went on the wire.
#[derive(Debug, Clone, Default)]
pub(super) struct Wire(Arc<Mutex<Vec<(String, Value)>>>);

impl Wire {
    /// The bodies of every call of `operation` (e.g. `RunTask`), in order.
    pub(super) fn bodies(&self, operation: &str) -> Vec<Value> {
        let calls = self.0.lock().unwrap();
        let target = format!("AmazonEC2ContainerServiceV20141113.{operation}");
        calls
            .iter()
            .filter(|(t, _)| *t == target)
            .map(|(_, b)| b.clone())
            .collect()
    }

    /// The body of the one call of `operation`.
    pub(super) fn body(&self, operation: &str) -> Value {
        let mut bodies = self.bodies(operation);
        assert_eq!(bodies.len(), 1, "expected one {operation} call");
        bodies.remove(0)
    }
}

impl Intercept for Wire {
    fn name(&self) -> &'static str {
        "Wire"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let request = context.request();
        let target = request.headers().get("x-amz-target").unwrap_or_default();
        let body = serde_json::from_slice(request.body().bytes().unwrap_or(b"null"))?;
        self.0.lock().unwrap().push((target.to_owned(), body));
        Ok(())
    }
}

/// The variables of a launch whose secret travels in the overrides.
pub(super) fn variables(launch: &mut TaskLaunch) -> &mut Vec<(String, String)> {
    match &mut launch.environment {
        AgentEnvironment::Overrides { variables, .. } => variables,
        AgentEnvironment::File { .. } => panic!("the launch uses an environment file"),
    }
}

/// The launch the launcher would build for agent `ecs-linux-42` of `template`.
pub(super) fn launch(template: &AgentTemplate) -> TaskLaunch {
    let settings = &template.launch;
    TaskLaunch {
        task_definition: TaskDefinitionRef {
            arn: TASK_DEF_ARN.into(),
            container: "jenkins-agent".into(),
        },
        client_token: "queue-42-0".into(),
        group: "jenkins-agent:ecs-linux-42".into(),
        environment: AgentEnvironment::Overrides {
            variables: vec![
                ("JENKINS_URL".into(), "https://jenkins.example.com/".into()),
                ("JENKINS_AGENT_NAME".into(), "ecs-linux-42".into()),
            ],
            secret: Secret::new(SECRET),
        },
        capacity: settings.capacity.clone(),
        network: settings.network.clone(),
        platform_version: settings.platform_version.clone(),
        placement_strategies: settings.placement_strategies.clone(),
        enable_execute_command: settings.enable_execute_command,
        propagate_task_definition_tags: true,
        tags: settings
            .tags
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    }
}
