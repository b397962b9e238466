//! A whole deployment on one machine for black-box tests: moto (behind the
//! client-token proxy) as AWS, the Jenkins stand-in as Jenkins, and the real
//! queue-webhook handler wired to the real adapters, exactly as `main` wires
//! them. Tests speak to it only as the emitter and an operator would: signed
//! HTTP requests in, Jenkins' and AWS' state out.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use ecs_agents::bootstrap::{self, LiveLauncher, Settings};
use ecs_agents::config::AgentsConfig;
use ecs_agents::launch::LauncherOptions;
use ecs_agents::reconcile::{ReconcileOptions, Reconciler};
use ecs_agents::secret::Secret;
use ecs_agents::stopped::{RelaunchOptions, TaskStopped};
use ecs_agents::webhook::Webhook;
use ecs_agents::webhook::signature::{SIGNATURE_HEADER, TIMESTAMP_HEADER, sign};
use jenkins_stand_in::{RunningStandIn, StandIn};
use serde_json::{Value, json};
use test_harness::{ClientTokenProxy, EventCapture, Moto};

pub mod events;

/// The shared webhook secret of the test deployment.
pub const WEBHOOK_SECRET: &str = "blackbox-webhook-secret";
/// The Jenkins API token of the test deployment.
pub const JENKINS_TOKEN: &str = "11aa22bb33cc44dd55ee66ff77889900aa";
/// ECS cluster of the agents.
pub const CLUSTER: &str = "jenkins-agents";
/// EventBridge bus for agent events.
pub const BUS: &str = "agent-events";

/// Templates of the test deployment; `{subnet}`, `{sg}`, `{jenkins}` filled in.
const AGENTS: &str = "
cloud: {name: bb, cluster: jenkins-agents, region: us-east-1, jenkinsUrl: '{jenkins}', maxAgents: 10, agentLaunchTimeoutSeconds: 2}
templates:
  - {name: linux, labels: linux, cpu: 512, memory: 1024, subnets: ['{subnet}'], securityGroups: ['{sg}']}
  - {name: solo, labels: solo, cpu: 512, memory: 1024, subnets: ['{subnet}'], securityGroups: ['{sg}'], maxAgents: 1}
  - {name: broken, labels: broken, image: 'jenkins/inbound-agent:no-such-tag', cpu: 512, memory: 1024, subnets: ['{subnet}'], securityGroups: ['{sg}']}
  - {name: gone, labels: gone, taskDefinition: 'no-such-family:1', launchType: FARGATE, subnets: ['{subnet}'], securityGroups: ['{sg}']}
";

/// What a deployment runs against: AWS (moto behind the client-token proxy)
/// and Jenkins (the stand-in), with the cluster, the two secrets and a
/// capture of the agent-event bus in place.
pub struct Backends {
    /// moto.
    pub moto: Moto,
    /// The client-token proxy in front of moto: the functions' AWS endpoint.
    pub ecs: ClientTokenProxy,
    /// The Jenkins stand-in, with user `admin` and [`JENKINS_TOKEN`].
    pub jenkins: RunningStandIn,
    /// What is published to [`BUS`].
    pub events: EventCapture,
}

impl Backends {
    /// Starts moto, the proxy and the stand-in and creates what the functions read.
    pub async fn start() -> anyhow::Result<Self> {
        let moto = Moto::start().await?;
        moto.pin_task_states().await?;
        let ecs = ClientTokenProxy::start(&moto.endpoint()).await?;
        let jenkins = StandIn::builder()
            .user("admin", JENKINS_TOKEN)
            .start()
            .await
            .context("starting the stand-in")?;
        moto.create_cluster(CLUSTER).await?;
        moto.create_secret("jenkins/api-token", JENKINS_TOKEN)
            .await?;
        moto.create_secret("jenkins/webhook", WEBHOOK_SECRET)
            .await?;
        let events = moto.create_event_bus_capture(BUS).await?;
        Ok(Self {
            moto,
            ecs,
            jenkins,
            events,
        })
    }

    /// An agents file from `template`, its `{subnet}`, `{sg}` and `{jenkins}`
    /// filled in with moto's default VPC and the stand-in's URL.
    pub async fn agents(&self, template: &str) -> anyhow::Result<String> {
        Ok(template
            .replace("{subnet}", &self.moto.default_subnet().await?)
            .replace("{sg}", &self.moto.default_security_group().await?)
            .replace("{jenkins}", self.jenkins.base_url()))
    }
}

/// One deployment: AWS, Jenkins, and the webhook between them.
pub struct World {
    /// moto; kept alive for the world's lifetime.
    pub moto: Moto,
    /// The client-token proxy every function call goes through.
    pub ecs: ClientTokenProxy,
    /// The Jenkins stand-in.
    pub jenkins: RunningStandIn,
    /// What the functions published to [`BUS`].
    pub events: EventCapture,
    /// The webhook, as the function's `main` builds it.
    pub webhook: Webhook<
        ecs_agents::jenkins::http::JenkinsHttp,
        ecs_agents::ecs::sdk::EcsAgentTasks,
        ecs_agents::events::eventbridge::EventBridgePublisher,
    >,
    /// The task-stopped function's handler, as its `main` builds it.
    pub stopped: TaskStopped<
        ecs_agents::jenkins::http::JenkinsHttp,
        ecs_agents::ecs::sdk::EcsAgentTasks,
        ecs_agents::events::eventbridge::EventBridgePublisher,
    >,
    /// The reconcile function's reconciler, as its `main` builds it
    /// (grace periods shortened so a test need not wait).
    pub reconciler: Reconciler<
        ecs_agents::jenkins::http::JenkinsHttp,
        ecs_agents::ecs::sdk::EcsAgentTasks,
        ecs_agents::events::eventbridge::EventBridgePublisher,
    >,
    /// An ECS client talking to moto directly (not counted by the proxy).
    pub moto_ecs: aws_sdk_ecs::Client,
}

/// The response the emitter would see.
#[derive(Debug, Clone)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// `Retry-After`, if any.
    pub retry_after: Option<String>,
    /// JSON body.
    pub body: Value,
}

impl World {
    /// Starts everything with the default launcher options.
    pub async fn start() -> anyhow::Result<Self> {
        Self::start_with(LauncherOptions::default()).await
    }

    /// Starts everything.
    pub async fn start_with(options: LauncherOptions) -> anyhow::Result<Self> {
        let backends = Backends::start().await?;
        let agents = backends.agents(AGENTS).await?;
        let Backends {
            moto,
            ecs,
            jenkins,
            events,
        } = backends;
        let settings = Settings {
            config: Arc::new(AgentsConfig::from_yaml(&agents).map_err(|e| anyhow::anyhow!("{e}"))?),
            jenkins_api_url: jenkins.base_url().to_owned(),
            jenkins_user: "admin".into(),
            jenkins_token_secret: "jenkins/api-token".into(),
            webhook_secret: Some("jenkins/webhook".into()),
            event_bus: BUS.into(),
            launcher: options,
        };
        let sdk = bootstrap::with_retry_policy(&ecs.sdk_config());
        let launcher: LiveLauncher = bootstrap::launcher(&settings, &sdk).await?;
        let webhook = Webhook::new(bootstrap::webhook_secret(&settings, &sdk).await?, launcher);
        let stopped = TaskStopped::new(
            bootstrap::launcher(&settings, &sdk).await?,
            RelaunchOptions::default(),
        );
        let quick = ReconcileOptions {
            ghost_grace: Duration::ZERO,
            single_use_idle: Duration::ZERO,
            ..ReconcileOptions::default()
        };
        let reconciler = Reconciler::new(bootstrap::launcher(&settings, &sdk).await?, quick);
        let moto_ecs = aws_sdk_ecs::Client::new(&moto.sdk_config());
        Ok(Self {
            moto,
            ecs,
            jenkins,
            events,
            webhook,
            stopped,
            reconciler,
            moto_ecs,
        })
    }

    /// Posts a webhook event signed with the deployment's secret now.
    pub async fn post(&self, event: &Value) -> Answer {
        self.post_raw(&event.to_string(), Some(WEBHOOK_SECRET), now_secs())
            .await
    }

    /// Posts any body, signed with `secret` at `timestamp` (or unsigned).
    pub async fn post_raw(&self, body: &str, secret: Option<&str>, timestamp: u64) -> Answer {
        let mut request = lambda_http::http::Request::builder()
            .method("POST")
            .header("content-type", "application/json");
        if let Some(secret) = secret {
            request = request
                .header(TIMESTAMP_HEADER, timestamp.to_string())
                .header(
                    SIGNATURE_HEADER,
                    sign(&Secret::new(secret), timestamp, body.as_bytes()),
                );
        }
        let request = request
            .body(lambda_http::Body::from(body.to_owned()))
            .expect("a request");
        let response = queue_webhook::handle(&self.webhook, request)
            .await
            .expect("the handler answers");
        Answer {
            status: response.status().as_u16(),
            retry_after: response
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap_or_default().to_owned()),
            body: serde_json::from_slice(response.body().as_ref()).unwrap_or(Value::Null),
        }
    }

    /// Puts a build for `label` in the stand-in's queue; returns its queue id.
    pub fn enqueue(&self, label: &str) -> u64 {
        self.jenkins.enqueue(jenkins_stand_in::Enqueue {
            label: Some(label.into()),
            job: Some("app".into()),
            ..Default::default()
        })
    }

    /// Agent nodes in Jenkins (the built-in node left out).
    pub fn agent_names(&self) -> Vec<String> {
        self.jenkins
            .nodes()
            .into_iter()
            .map(|c| c.config.name)
            .filter(|n| !n.is_empty())
            .collect()
    }

    /// This deployment's tasks in moto that are not stopped.
    pub async fn running_tasks(&self) -> anyhow::Result<Vec<aws_sdk_ecs::types::Task>> {
        let arns = self
            .moto_ecs
            .list_tasks()
            .cluster(CLUSTER)
            .started_by("ecs-agents-bb")
            .desired_status(aws_sdk_ecs::types::DesiredStatus::Running)
            .send()
            .await?
            .task_arns
            .unwrap_or_default();
        if arns.is_empty() {
            return Ok(Vec::new());
        }
        let described = self
            .moto_ecs
            .describe_tasks()
            .cluster(CLUSTER)
            .set_tasks(Some(arns))
            .send()
            .await?;
        Ok(described
            .tasks
            .unwrap_or_default()
            .into_iter()
            .filter(|t| t.desired_status() == Some("RUNNING"))
            .collect())
    }

    /// One scheduled reconcile tick, through the function's handler.
    pub async fn reconcile(&self) -> Value {
        reconcile::handle(&self.reconciler)
            .await
            .expect("the reconcile run reads Jenkins and ECS")
    }

    /// A Jenkins API client as the functions use it (to act as a user would).
    pub fn jenkins_client(&self) -> ecs_agents::jenkins::http::JenkinsHttp {
        ecs_agents::jenkins::http::JenkinsHttp::new(
            self.jenkins.base_url(),
            "admin",
            Secret::new(JENKINS_TOKEN),
        )
        .expect("a client")
    }

    /// Delivers an EventBridge event (JSON) to the task-stopped handler.
    pub async fn deliver(&self, event: &Value) -> Result<Value, String> {
        let event: task_stopped::TaskStateChangeEvent =
            serde_json::from_value(event.clone()).map_err(|e| e.to_string())?;
        task_stopped::handle(&self.stopped, event)
            .await
            .map_err(|d| d.error_message)
    }

    /// Stops a task in moto as a user would, and returns the "ECS Task State
    /// Change" event ECS would emit for it, built from moto's view of the
    /// stopped task (moto emits no task events itself: aws.md §6).
    pub async fn stop_task(&self, task_arn: &str, reason: &str) -> anyhow::Result<Value> {
        self.moto_ecs
            .stop_task()
            .cluster(CLUSTER)
            .task(task_arn)
            .reason(reason)
            .send()
            .await?;
        let described = self
            .moto_ecs
            .describe_tasks()
            .cluster(CLUSTER)
            .tasks(task_arn)
            .send()
            .await?;
        let task = described
            .tasks()
            .first()
            .context("moto describes the stopped task")?;
        Ok(events::stopped_event(task))
    }

    /// The task `task_arn` as ECS (moto) describes it.
    pub async fn describe(&self, task_arn: &str) -> anyhow::Result<aws_sdk_ecs::types::Task> {
        let described = self
            .moto_ecs
            .describe_tasks()
            .cluster(CLUSTER)
            .tasks(task_arn)
            .send()
            .await?;
        described
            .tasks()
            .first()
            .cloned()
            .context("moto describes the task")
    }

    /// The STOPPED event ECS emits for a task that was stopped (by
    /// `agent.released`, say) and is already STOPPED in moto.
    pub async fn stop_task_event(&self, task_arn: &str) -> anyhow::Result<Value> {
        Ok(events::stopped_event(&self.describe(task_arn).await?))
    }

    /// `detail-type`s published so far, in order.
    pub async fn published(&self) -> anyhow::Result<Vec<(String, Value)>> {
        let events = self.events.captured_events().await?;
        Ok(events
            .into_iter()
            .map(|e| {
                (
                    e["detail-type"].as_str().unwrap_or_default().to_owned(),
                    e["detail"].clone(),
                )
            })
            .collect())
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
