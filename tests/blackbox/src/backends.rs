//! What a deployment runs against: moto behind the client-token proxy as
//! AWS, the Jenkins stand-in as Jenkins, and the ways a test or an operator
//! looks at them.

use std::path::Path;

use anyhow::Context;
use ecs_agents::bootstrap::{self, Settings};
use ecs_agents::secret::Secret;
use jenkins_stand_in::{RunningStandIn, StandIn};
use serde_json::Value;
use test_harness::{ClientTokenProxy, EventCapture, Moto, SqsQueue};

use crate::{
    BUS, CLUSTER, ENV_BUCKET, InProcess, JENKINS_TOKEN, STARTED_BY, WEBHOOK_SECRET, events,
};

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
    /// The work queue between the webhook and the launch worker.
    pub work: SqsQueue,
    /// An ECS client talking to moto directly (not counted by the proxy).
    pub moto_ecs: aws_sdk_ecs::Client,
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
        moto.create_bucket(ENV_BUCKET).await?;
        moto.create_secret("jenkins/api-token", JENKINS_TOKEN)
            .await?;
        moto.create_secret("jenkins/webhook", WEBHOOK_SECRET)
            .await?;
        let events = moto.create_event_bus_capture(BUS).await?;
        // As the stack creates it: work in flight is hidden for 180 s.
        let work = moto.create_queue("ecs-agents-work", 180).await?;
        let moto_ecs = aws_sdk_ecs::Client::new(&moto.sdk_config());
        let backends = Self {
            moto,
            ecs,
            jenkins,
            events,
            work,
            moto_ecs,
        };
        backends.create_agents_bucket().await?;
        Ok(backends)
    }

    /// An agents file from `template`, its `{subnet}`, `{sg}` and `{jenkins}`
    /// filled in with moto's default VPC and the stand-in's URL.
    pub async fn agents(&self, template: &str) -> anyhow::Result<String> {
        Ok(template
            .replace("{subnet}", &self.moto.default_subnet().await?)
            .replace("{sg}", &self.moto.default_security_group().await?)
            .replace("{jenkins}", self.jenkins.base_url()))
    }

    /// The functions' environment, as the SAM template sets it, for a
    /// deployment whose built-in agents file is `agents_file` (and which
    /// follows the one published to [`crate::CONFIG_BUCKET`]); AWS is the proxy.
    pub fn function_env(&self, agents_file: &Path) -> Vec<(&'static str, String)> {
        vec![
            ("JENKINS_USER", "admin".into()),
            ("JENKINS_API_TOKEN_SECRET_ID", "jenkins/api-token".into()),
            ("WEBHOOK_SECRET_ID", "jenkins/webhook".into()),
            ("JENKINS_API_URL", self.jenkins.base_url().to_owned()),
            ("EVENT_BUS_NAME", BUS.into()),
            ("WORK_QUEUE_URL", self.work.url().to_owned()),
            ("AGENT_ENVIRONMENT_BUCKET", ENV_BUCKET.into()),
            ("AGENTS_CONFIG_FILE", agents_file.display().to_string()),
            // The published file, read before every invocation: a push takes
            // effect on the next call, without waiting out an interval.
            ("AGENTS_CONFIG_BUCKET", crate::CONFIG_BUCKET.into()),
            ("AGENTS_CONFIG_KEY", crate::CONFIG_KEY.into()),
            ("AGENTS_CONFIG_REFRESH_SECONDS", "0".into()),
            ("AWS_ENDPOINT_URL", self.ecs.endpoint().to_owned()),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_ACCESS_KEY_ID", "test".into()),
            ("AWS_SECRET_ACCESS_KEY", "test".into()),
            ("NO_PROXY", "127.0.0.1,localhost".into()),
            ("RUST_LOG", "info".into()),
        ]
    }

    /// The functions' real handlers in this process, configured from `env`
    /// (see [`Self::function_env`]) as their `main`s configure themselves.
    pub async fn in_process(&self, env: &[(&str, String)]) -> anyhow::Result<InProcess> {
        let lookup = |name: &str| env.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone());
        let settings = Settings::from_lookup(lookup)?;
        let sdk = bootstrap::with_retry_policy(&self.ecs.sdk_config());
        InProcess::new(&settings, &sdk).await
    }

    /// The environment file a task's agent container reads (the S3 object
    /// its overrides name), `None` when it names none or the object is gone.
    pub async fn environment_file(
        &self,
        task: &aws_sdk_ecs::types::Task,
    ) -> anyhow::Result<Option<String>> {
        let arn = task
            .overrides()
            .and_then(|o| o.container_overrides().first())
            .and_then(|c| c.environment_files().first())
            .map(|f| f.value().to_owned());
        let Some(arn) = arn else { return Ok(None) };
        let (bucket, key) = arn
            .strip_prefix("arn:aws:s3:::")
            .and_then(|path| path.split_once('/'))
            .with_context(|| format!("{arn} is no S3 object ARN"))?;
        self.moto.object_text(bucket, key).await
    }

    /// The keys of the agents' environment files that exist.
    pub async fn environment_files(&self) -> anyhow::Result<Vec<String>> {
        self.moto.object_keys(ENV_BUCKET, "agents/").await
    }

    /// Puts a Pipeline `node` block for `label` in the stand-in's queue (run
    /// 1 of Pipeline job `job`); returns its queue id.
    pub fn enqueue_pipeline(&self, job: &str, label: &str) -> u64 {
        self.jenkins.enqueue(jenkins_stand_in::Enqueue {
            label: Some(label.into()),
            job: Some(job.into()),
            pipeline_run: Some(1),
            ..jenkins_stand_in::Enqueue::default()
        })
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

    /// This deployment's tasks in moto that are not stopped: listed by
    /// `startedBy` alone, as ECS requires (docs/aws.md §8), and picked by
    /// their desired status.
    pub async fn running_tasks(&self) -> anyhow::Result<Vec<aws_sdk_ecs::types::Task>> {
        let arns = self
            .moto_ecs
            .list_tasks()
            .cluster(CLUSTER)
            .started_by(STARTED_BY)
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

    /// The running task of agent `node`, found by its `group`.
    pub async fn task_of(&self, node: &str) -> anyhow::Result<Option<String>> {
        let group = format!("jenkins-agent:{node}");
        Ok(self
            .running_tasks()
            .await?
            .iter()
            .find(|t| t.group() == Some(group.as_str()))
            .and_then(|t| t.task_arn())
            .map(str::to_owned))
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

    /// Stops a task in moto as a user (or ECS) would, and returns the "ECS
    /// Task State Change" event ECS would emit for it, built from moto's view
    /// of the stopped task (moto emits no task events itself: docs/aws.md §6).
    pub async fn stop_task(&self, task_arn: &str, reason: &str) -> anyhow::Result<Value> {
        self.moto_ecs
            .stop_task()
            .cluster(CLUSTER)
            .task(task_arn)
            .reason(reason)
            .send()
            .await?;
        self.stop_task_event(task_arn).await
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

    /// `detail-type`s and details published so far, in order.
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
