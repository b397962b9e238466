//! A whole deployment on one machine for black-box tests and the local run:
//! moto (behind the client-token proxy) as AWS, the Jenkins stand-in as
//! Jenkins, and the three functions between them, either as their real
//! handlers in this process ([`World`]) or as their real binaries under a
//! local Lambda runtime ([`lambda::LocalLambdas`]). Tests speak to it only as
//! the emitter, EventBridge, the schedule and an operator would: signed HTTP
//! requests and events in, Jenkins' and AWS' state out.

use std::ops::Deref;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ecs_agents::bootstrap::{self, Settings};
use ecs_agents::config::{AgentsConfig, ConfigVersion, VersionedConfig};
use ecs_agents::launch::LauncherOptions;
use ecs_agents::reconcile::ReconcileOptions;
use ecs_agents::secret::Secret;
use ecs_agents::webhook::signature::{SIGNATURE_HEADER, TIMESTAMP_HEADER, sign};
use serde_json::{Value, json};

pub mod agents_file;
mod backends;
pub mod events;
pub mod functions;
pub mod lambda;
pub mod scenario;
pub mod work;

pub use agents_file::{CONFIG_BUCKET, CONFIG_KEY};
pub use backends::Backends;
pub use functions::{Answer, Functions, HttpPost, InProcess};
pub use work::Drained;

/// The shared webhook secret of the test deployment.
pub const WEBHOOK_SECRET: &str = "blackbox-webhook-secret";
/// The Jenkins API token of the test deployment.
pub const JENKINS_TOKEN: &str = "11aa22bb33cc44dd55ee66ff77889900aa";
/// ECS cluster of the agents.
pub const CLUSTER: &str = "jenkins-agents";
/// EventBridge bus for agent events.
pub const BUS: &str = "agent-events";
/// S3 bucket of the agents' environment files.
pub const ENV_BUCKET: &str = "agent-environment";
/// The `startedBy` of the test deployment's tasks (cloud `bb`).
pub const STARTED_BY: &str = "ecs-agents-bb";

/// Templates of the test deployment; `{subnet}`, `{sg}`, `{jenkins}` filled in.
const AGENTS: &str = "
cloud: {name: bb, cluster: jenkins-agents, region: us-east-1, jenkinsUrl: '{jenkins}', maxAgents: 10, agentLaunchTimeoutSeconds: 2}
templates:
  - {name: linux, labels: linux, cpu: 512, memory: 1024, subnets: ['{subnet}'], securityGroups: ['{sg}']}
  - {name: solo, labels: solo, cpu: 512, memory: 1024, subnets: ['{subnet}'], securityGroups: ['{sg}'], maxAgents: 1}
  - {name: broken, labels: broken, image: 'jenkins/inbound-agent:no-such-tag', cpu: 512, memory: 1024, subnets: ['{subnet}'], securityGroups: ['{sg}']}
  - {name: gone, labels: gone, taskDefinition: 'no-such-family:1', launchType: FARGATE, subnets: ['{subnet}'], securityGroups: ['{sg}']}
  - {name: warm, labels: warm, cpu: 512, memory: 1024, subnets: ['{subnet}'], securityGroups: ['{sg}'], idleMinutes: 30}
";

/// One deployment: the backends and the three functions between them.
pub struct Deployment<F> {
    /// AWS and Jenkins.
    pub backends: Backends,
    /// The functions.
    pub functions: F,
}

/// A deployment is its backends plus its functions: tests read Jenkins' and
/// AWS' state through it as if it were the backends.
impl<F> Deref for Deployment<F> {
    type Target = Backends;

    fn deref(&self) -> &Backends {
        &self.backends
    }
}

/// The deployment most black-box tests use: the real handlers in process.
pub type World = Deployment<InProcess>;

impl World {
    /// Starts everything with the default launcher options.
    pub async fn start() -> anyhow::Result<Self> {
        Self::start_with(LauncherOptions::default()).await
    }

    /// Starts everything; the reconciler's grace periods are shortened so a
    /// test need not wait.
    pub async fn start_with(options: LauncherOptions) -> anyhow::Result<Self> {
        let backends = Backends::start().await?;
        let agents = backends.agents(AGENTS).await?;
        let settings = Settings {
            config: Arc::new(VersionedConfig::new(
                AgentsConfig::from_yaml(&agents).map_err(|e| anyhow::anyhow!("{e}"))?,
                ConfigVersion::local_file(&agents),
            )),
            agents_file: None,
            jenkins_api_url: backends.jenkins.base_url().to_owned(),
            jenkins_user: "admin".into(),
            jenkins_token_secret: "jenkins/api-token".into(),
            webhook_secret: Some("jenkins/webhook".into()),
            jenkins_ca_bundle: None,
            event_bus: BUS.into(),
            work_queue_url: Some(backends.work.url().to_owned()),
            environment_bucket: Some(ENV_BUCKET.into()),
            launcher: options,
            reconcile: ReconcileOptions {
                ghost_grace: Duration::ZERO,
                single_use_idle: Duration::ZERO,
                ..ReconcileOptions::default()
            },
        };
        let sdk = bootstrap::with_retry_policy(&backends.ecs.sdk_config());
        let functions = InProcess::new(&settings, &sdk).await?;
        Ok(Self {
            backends,
            functions,
        })
    }
}

impl World {
    /// Posts a webhook event signed with the deployment's secret now and, if
    /// the webhook recorded work, lets launch-worker act on it at once: what
    /// the work did, in the webhook's words of old (200 launched, 422
    /// failed…), or the webhook's own answer when it recorded nothing. Work
    /// put back for later answers 503 with the backoff in `retry_after`.
    pub async fn post(&self, event: &Value) -> Answer {
        let answer = self.post_intake(event).await;
        if answer.body["outcome"] != "accepted" {
            return answer;
        }
        self.drain().await;
        let worked = self.functions.take_worked();
        let last = worked
            .into_iter()
            .last()
            .expect("launch-worker got the work");
        let handled = last.handled.expect("the work was readable");
        Answer {
            status: handled.status,
            retry_after: last.postponed.map(|d| d.as_secs().to_string()),
            body: handled.body,
        }
    }

    /// Plays the emitter of old, which posted `queue.buildable` for every
    /// item Jenkins announced: each announcement since the last call, with
    /// the webhook's answer.
    pub async fn post_announced(&self) -> Vec<(u64, Answer)> {
        let mut answers = Vec::new();
        for event in self.jenkins.queue_events() {
            if let jenkins_stand_in::QueueEvent::EnterBuildable {
                id,
                label: Some(label),
                in_queue_since,
                ..
            } = event
            {
                let mut body = buildable(id, &label);
                body["item"]["inQueueSince"] = json!(in_queue_since);
                answers.push((id, self.post(&body).await));
            }
        }
        self.jenkins.clear_queue_events();
        answers
    }
}

impl<F: Functions> Deployment<F> {
    /// Posts a webhook event signed with the deployment's secret now: the
    /// webhook's own answer; recorded work waits in the queue.
    pub async fn post_intake(&self, event: &Value) -> Answer {
        self.post_raw(&event.to_string(), Some(WEBHOOK_SECRET), now_secs())
            .await
    }

    /// Plays Lambda's SQS event source until no work is visible (see
    /// [`work::drain`]).
    pub async fn drain(&self) -> Vec<Drained> {
        work::drain(&self.work, &self.functions)
            .await
            .expect("the work queue is drained")
    }

    /// Delivers one message received from the work queue to launch-worker,
    /// deleting it unless the function reports it (see [`work::drain`]).
    pub async fn deliver_work(&self, message: &Value) -> Drained {
        work::deliver(&self.work, &self.functions, message)
            .await
            .expect("launch-worker is invoked")
    }

    /// Makes the work put back for later visible now (see [`work::due_now`]).
    pub async fn work_due_now(&self, drained: &[Drained]) -> usize {
        work::due_now(&self.work, drained)
            .await
            .expect("SQS ChangeMessageVisibility")
    }

    /// Posts any body, signed with `secret` at `timestamp` (or unsigned).
    pub async fn post_raw(&self, body: &str, secret: Option<&str>, timestamp: u64) -> Answer {
        self.functions
            .webhook(&signed(body, secret, timestamp))
            .await
            .expect("the webhook answers")
    }

    /// One scheduled reconcile tick, through the function.
    pub async fn reconcile(&self) -> Value {
        self.functions
            .reconcile()
            .await
            .expect("the reconcile run reads Jenkins and ECS")
    }

    /// Delivers an EventBridge event (JSON) to task-stopped: its result, or
    /// the function's error message.
    pub async fn deliver(&self, event: &Value) -> Result<Value, String> {
        self.functions
            .task_stopped(event)
            .await
            .unwrap_or_else(|e| Err(e.to_string()))
    }
}

/// The Function URL request the emitter sends with `body`, signed with
/// `secret` at `timestamp` (unsigned without a secret).
pub fn signed(body: &str, secret: Option<&str>, timestamp: u64) -> HttpPost {
    let mut headers = vec![("content-type".to_owned(), "application/json".to_owned())];
    if let Some(secret) = secret {
        headers.push((TIMESTAMP_HEADER.to_owned(), timestamp.to_string()));
        headers.push((
            SIGNATURE_HEADER.to_owned(),
            sign(&Secret::new(secret), timestamp, body.as_bytes()),
        ));
    }
    HttpPost {
        headers,
        body: body.to_owned(),
    }
}

/// A `queue.buildable` event for `item` as the emitter sends it now.
pub fn buildable(item: u64, label: &str) -> Value {
    json!({
        "type": "queue.buildable",
        "eventTime": now_millis(),
        "controller": "http://jenkins.test/",
        "item": {"id": item, "label": label, "task": {"name": "app", "url": "http://jenkins.test/job/app/"}, "inQueueSince": 1_764_000_000_000u64 + item},
    })
}

/// Unix seconds now.
pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs()
}

/// Epoch milliseconds now.
pub fn now_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_millis() as u64
}

/// The value of an environment override of a task's first container.
pub fn task_env(task: &aws_sdk_ecs::types::Task, name: &str) -> Option<String> {
    let overrides = task.overrides()?.container_overrides().first()?;
    overrides
        .environment()
        .iter()
        .find(|kv| kv.name() == Some(name))
        .and_then(|kv| kv.value().map(str::to_owned))
}
