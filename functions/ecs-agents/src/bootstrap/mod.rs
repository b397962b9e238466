//! Cold-start wiring shared by the functions: typed settings from the
//! environment, the agents file, secrets, and the real adapters, all built
//! once per function instance and reused by every invocation.
//!
//! Logging is set up by `lambda_runtime::tracing::init_default_subscriber`
//! in each `main`: it reads the same variables (`AWS_LAMBDA_LOG_FORMAT`,
//! `AWS_LAMBDA_LOG_LEVEL`, `RUST_LOG`) that SAM's `LoggingConfig` sets.

mod agents_file;
mod ca_bundle;
mod secrets_manager;

use std::sync::Arc;
use std::time::Duration;

use aws_config::SdkConfig;

pub use agents_file::{AgentsFileSettings, DEFAULT_KEY, DEFAULT_REFRESH};
pub use ca_bundle::{CaBundleReadError, CaBundleSource, read_ca_bundle};
pub use secrets_manager::{SecretsError, read_secret};

use crate::config::{AgentsConfig, ConfigErrors, RegionMismatch, SecretDelivery, VersionedConfig};
use crate::ecs::sdk::EcsAgentTasks;
use crate::envfiles::s3::S3EnvFiles;
use crate::events::eventbridge::EventBridgePublisher;
use crate::https::{Https, TrustStoreError};
use crate::jenkins::http::{CaBundle, JenkinsHttp, SetupError};
use crate::launch::{Launcher, LauncherOptions};
use crate::ports::{Deployment, Ports};
use crate::reconcile::ReconcileOptions;
use crate::secret::Secret;
use crate::webhook::Webhook;
use crate::worker::Worker;
use crate::workqueue::sqs::SqsWorkQueue;

/// The agents file built into the functions (`infra/agents.yaml`): what a
/// deployment acts on until a file is published to its bucket (the seed).
pub const EMBEDDED_AGENTS: &str = include_str!("../../../../infra/agents.yaml");

/// The real adapters: Jenkins over HTTP; ECS, EventBridge and S3 through the SDK.
#[derive(Debug, Clone, Copy)]
pub struct Live;

impl Ports for Live {
    type Jenkins = JenkinsHttp;
    type Ecs = EcsAgentTasks;
    type Events = EventBridgePublisher;
    type Files = S3EnvFiles;
}

/// Settings read from the environment at cold start.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The validated agents file the functions start from (the seed).
    pub config: Arc<VersionedConfig>,
    /// Where the published agents file is followed (`AGENTS_CONFIG_*`);
    /// `None`: the seed is used throughout.
    pub agents_file: Option<AgentsFileSettings>,
    /// Where the functions reach Jenkins' API (default: the cloud's jenkinsUrl).
    pub jenkins_api_url: String,
    /// Jenkins user owning the API token.
    pub jenkins_user: String,
    /// Secrets Manager id of the Jenkins API token.
    pub jenkins_token_secret: String,
    /// Secrets Manager id of the webhook's shared secret.
    pub webhook_secret: Option<String>,
    /// Certificate authorities to trust for Jenkins besides the system's
    /// (`JENKINS_CA_BUNDLE_ARN`).
    pub jenkins_ca_bundle: Option<CaBundleSource>,
    /// EventBridge bus for agent events.
    pub event_bus: String,
    /// URL of the SQS queue the webhook records work on and the launch
    /// worker postpones work on (`WORK_QUEUE_URL`; only those two read it).
    pub work_queue_url: Option<String>,
    /// S3 bucket of the agents' environment files (`secretDelivery:
    /// environmentFile`, the default, needs one).
    pub environment_bucket: Option<String>,
    /// Launcher tunables.
    pub launcher: LauncherOptions,
    /// Reconcile tunables (`RECONCILE_*`; only the reconcile function reads them).
    pub reconcile: ReconcileOptions,
}

/// A setting that is missing or wrong; the function fails its cold start.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// A required variable is not set.
    #[error("environment variable {0} is required")]
    Missing(&'static str),
    /// A variable has an unusable value.
    #[error("environment variable {name}: {problem}")]
    Invalid {
        /// Variable name.
        name: &'static str,
        /// What is wrong.
        problem: String,
    },
    /// The agents file cannot be read.
    #[error("cannot read the agents file {path}: {source}")]
    AgentsFile {
        /// Its path.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The agents file is invalid.
    #[error("{0}")]
    Agents(#[from] ConfigErrors),
    /// The agents file is written for another region than `AWS_REGION`.
    #[error(transparent)]
    Region(#[from] RegionMismatch),
}

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, SettingsError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup` (tests pass a map).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        let config = agents_file::seed(&lookup)?;
        // Lambda always sets AWS_REGION; the SDK clients use it (see `sdk_config`).
        if let Some(functions) = lookup("AWS_REGION").filter(|r| !r.is_empty()) {
            config.cloud.check_region(&functions)?;
        }
        let required = |name: &'static str| {
            lookup(name)
                .filter(|v| !v.is_empty())
                .ok_or(SettingsError::Missing(name))
        };
        let seconds = |name: &'static str, default: Duration| -> Result<Duration, SettingsError> {
            lookup(name).map_or(Ok(default), |text| {
                text.parse()
                    .map(Duration::from_secs)
                    .map_err(|_| SettingsError::Invalid {
                        name,
                        problem: format!("`{text}` is not a number of seconds"),
                    })
            })
        };
        let flag = |name: &'static str, default: bool| -> Result<bool, SettingsError> {
            lookup(name).map_or(Ok(default), |text| {
                text.parse().map_err(|_| SettingsError::Invalid {
                    name,
                    problem: format!("`{text}` is not true or false"),
                })
            })
        };
        let defaults = LauncherOptions::default();
        let reconcile = ReconcileOptions::default();
        Ok(Self {
            jenkins_api_url: lookup("JENKINS_API_URL")
                .unwrap_or_else(|| config.cloud.jenkins_url.clone()),
            jenkins_user: required("JENKINS_USER")?,
            jenkins_token_secret: required("JENKINS_API_TOKEN_SECRET_ID")?,
            webhook_secret: lookup("WEBHOOK_SECRET_ID"),
            jenkins_ca_bundle: lookup("JENKINS_CA_BUNDLE_ARN")
                .filter(|v| !v.is_empty())
                .map(|arn| {
                    CaBundleSource::from_arn(&arn).map_err(|problem| SettingsError::Invalid {
                        name: "JENKINS_CA_BUNDLE_ARN",
                        problem,
                    })
                })
                .transpose()?,
            event_bus: lookup("EVENT_BUS_NAME").unwrap_or_else(|| "default".to_owned()),
            work_queue_url: lookup("WORK_QUEUE_URL").filter(|v| !v.trim().is_empty()),
            environment_bucket: environment_bucket(&config, &lookup)?,
            launcher: LauncherOptions {
                freshness: seconds("LAUNCH_FRESHNESS_SECONDS", defaults.freshness)?,
                usage_ttl: seconds("AGENT_COUNT_CACHE_SECONDS", defaults.usage_ttl)?,
                deadline: launch_deadline(seconds("LAUNCH_DEADLINE_SECONDS", defaults.deadline)?)?,
            },
            reconcile: ReconcileOptions {
                dry_run: flag("RECONCILE_DRY_RUN", reconcile.dry_run)?,
                budget: seconds("RECONCILE_BUDGET_SECONDS", reconcile.budget)?,
                ..reconcile
            },
            agents_file: agents_file::settings(&lookup)?,
            config: Arc::new(config),
        })
    }
}

/// `AGENT_ENVIRONMENT_BUCKET`, required when agents get their secret from
/// an environment file.
fn environment_bucket(
    config: &AgentsConfig,
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<Option<String>, SettingsError> {
    const NAME: &str = "AGENT_ENVIRONMENT_BUCKET";
    let bucket = lookup(NAME).filter(|b| !b.trim().is_empty());
    match (config.cloud.secret_delivery, &bucket) {
        (SecretDelivery::EnvironmentFile, None) => Err(SettingsError::Invalid {
            name: NAME,
            problem: "is required: cloud.secretDelivery is environmentFile (the default), so \
                      agents read their secret from a file in that bucket"
                .into(),
        }),
        _ => Ok(bucket),
    }
}

/// A launch deadline of at least a second: with none, every launch would
/// give up before its first call.
fn launch_deadline(deadline: Duration) -> Result<Duration, SettingsError> {
    if deadline.is_zero() {
        return Err(SettingsError::Invalid {
            name: "LAUNCH_DEADLINE_SECONDS",
            problem: "a launch needs at least 1 second; set it a few seconds under the \
                      function's timeout"
                .into(),
        });
    }
    Ok(deadline)
}

/// Building the adapters failed.
#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    /// A secret could not be read.
    #[error(transparent)]
    Secret(#[from] SecretsError),
    /// The Jenkins client could not be built.
    #[error(transparent)]
    Jenkins(#[from] SetupError),
    /// The CA bundle to trust for Jenkins could not be read.
    #[error(transparent)]
    CaBundle(#[from] CaBundleReadError),
    /// The webhook needs its secret id.
    #[error("environment variable WEBHOOK_SECRET_ID is required by the webhook")]
    NoWebhookSecret,
    /// The webhook and the launch worker need the work queue.
    #[error("environment variable WORK_QUEUE_URL is required by the webhook and the launch worker")]
    NoWorkQueue,
}

/// Loads the AWS SDK configuration with our retry policy. Every client works
/// in the functions' own region (`AWS_REGION`), where the stack's secrets,
/// bus and IAM grants are (docs/aws.md §18); [`Settings`] has checked that
/// the agents file names no other. The endpoint comes from
/// `AWS_ENDPOINT_URL` if set, proxies from `HTTPS_PROXY`/`NO_PROXY`
/// (docs/aws.md §23). The HTTP client is the process's one HTTPS stack
/// ([`Https::system`]), whose trust store the Jenkins client shares; reading
/// that store is what can fail.
pub async fn sdk_config() -> Result<SdkConfig, TrustStoreError> {
    let loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(Https::system()?.sdk_http_client());
    Ok(with_retry_policy(&loader.load().await))
}

/// `sdk` with our retry policy: standard mode (throttling and transient
/// errors retried with jittered exponential backoff), a few attempts.
pub fn with_retry_policy(sdk: &SdkConfig) -> SdkConfig {
    sdk.to_builder()
        .retry_config(crate::ecs::sdk::retry_config())
        .build()
}

/// Builds the deployment with the real adapters. The Jenkins token and the
/// CA bundle to trust for Jenkins are read at the same time: a cold start
/// waits for one round trip, not two. An error names what it could not read.
pub async fn deployment(
    settings: &Settings,
    sdk: &SdkConfig,
) -> Result<Deployment<Live>, BootstrapError> {
    let secrets = aws_sdk_secretsmanager::Client::new(sdk);
    let token = async {
        read_secret(&secrets, &settings.jenkins_token_secret)
            .await
            .map_err(BootstrapError::from)
    };
    let roots = async {
        match &settings.jenkins_ca_bundle {
            Some(source) => Ok(read_ca_bundle(sdk, source).await?),
            None => Ok(CaBundle::default()),
        }
    };
    let (token, roots) = tokio::try_join!(token, roots)?;
    let jenkins = JenkinsHttp::trusting(
        &settings.jenkins_api_url,
        &settings.jenkins_user,
        token,
        &roots,
    )?;
    let config = settings.config.config();
    let ecs = EcsAgentTasks::new(
        aws_sdk_ecs::Client::new(sdk),
        config.cloud.cluster.clone(),
        config.cloud.started_by(),
    );
    let events = EventBridgePublisher::new(
        aws_sdk_eventbridge::Client::new(sdk),
        settings.event_bus.clone(),
    );
    let region = sdk.region().map(|r| r.to_string()).unwrap_or_default();
    let files = S3EnvFiles::new(
        s3_client(sdk),
        settings.environment_bucket.clone(),
        &config.cloud.name,
        &region,
    );
    let deployment = Deployment::new(Arc::clone(config), jenkins, ecs, events, files)
        .following(agents_file::live_config(settings, sdk));
    // The published file is read at cold start, not in the first invocation.
    deployment.config_for_invocation().await;
    Ok(deployment)
}

/// An S3 client; path-style addressing when an endpoint is configured (a
/// local emulator has no per-bucket host names).
fn s3_client(sdk: &SdkConfig) -> aws_sdk_s3::Client {
    let config = aws_sdk_s3::config::Builder::from(sdk)
        .force_path_style(sdk.endpoint_url().is_some())
        .build();
    aws_sdk_s3::Client::from_conf(config)
}

/// The launcher of a deployment with the real adapters.
pub async fn launcher(
    settings: &Settings,
    sdk: &SdkConfig,
) -> Result<Launcher<Live>, BootstrapError> {
    let deployment = deployment(settings, sdk).await?;
    Ok(Launcher::new(Arc::new(deployment), settings.launcher))
}

/// The webhook with the real adapters: its secret, the agents file it
/// matches labels against, the work queue. It never calls Jenkins or ECS,
/// so it reads no Jenkins token.
pub async fn webhook(
    settings: &Settings,
    sdk: &SdkConfig,
) -> Result<Webhook<SqsWorkQueue, EventBridgePublisher>, BootstrapError> {
    let secret = webhook_secret(settings, sdk).await?;
    let webhook = Webhook::new(
        secret,
        agents_file::live_config(settings, sdk),
        work_queue(settings, sdk)?,
        EventBridgePublisher::new(
            aws_sdk_eventbridge::Client::new(sdk),
            settings.event_bus.clone(),
        ),
    );
    // The published file is read at cold start, not in the first request.
    webhook.config_for_request().await;
    Ok(webhook)
}

/// The launch worker with the real adapters.
pub async fn worker(settings: &Settings, sdk: &SdkConfig) -> Result<Worker<Live>, BootstrapError> {
    Ok(Worker::new(launcher(settings, sdk).await?))
}

/// The work queue (`WORK_QUEUE_URL`).
pub fn work_queue(settings: &Settings, sdk: &SdkConfig) -> Result<SqsWorkQueue, BootstrapError> {
    let url = settings
        .work_queue_url
        .as_deref()
        .ok_or(BootstrapError::NoWorkQueue)?;
    Ok(SqsWorkQueue::new(aws_sdk_sqs::Client::new(sdk), url))
}

/// Reads the webhook's shared secret.
pub async fn webhook_secret(
    settings: &Settings,
    sdk: &SdkConfig,
) -> Result<Secret, BootstrapError> {
    let id = settings
        .webhook_secret
        .as_deref()
        .ok_or(BootstrapError::NoWebhookSecret)?;
    Ok(read_secret(&aws_sdk_secretsmanager::Client::new(sdk), id).await?)
}

#[cfg(test)]
mod tests;
