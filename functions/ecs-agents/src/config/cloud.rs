//! The validated `cloud:` section.

mod region;

use std::time::Duration;

use super::error::Errors;
use super::spec::CloudSpec;
use crate::naming;

pub use region::RegionMismatch;

/// Agent image used by templates that name none.
pub const DEFAULT_IMAGE: &str = "jenkins/inbound-agent:latest";
/// Default cap on agents running at once: a runaway guard, not a quota.
pub const DEFAULT_MAX_AGENTS: u32 = 20;
/// Default time an agent may take from RunTask to connected (the plugin's 900 s).
pub const DEFAULT_LAUNCH_TIMEOUT: Duration = Duration::from_secs(900);
/// Default time a disconnected agent may take to come back (remoting's
/// `-noReconnectAfter`, docs/jenkins-api.md §12): long enough for a
/// controller restart or an upgrade, short enough that a dead agent's task
/// does not linger.
pub const DEFAULT_RECONNECT_WINDOW: Duration = Duration::from_secs(10 * 60);
/// Cloud names appear in ECS `startedBy` (≤ 36 characters) after a short prefix.
pub const MAX_CLOUD_NAME: usize = 24;

/// Settings shared by every template of one deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cloud {
    /// Prefix of agent names and task-definition families.
    pub name: String,
    /// ECS cluster name or ARN.
    pub cluster: String,
    /// The region the file is written for; the functions run only there
    /// ([`Cloud::check_region`]). `None`: any region.
    pub region: Option<String>,
    /// Jenkins root URL the agents connect to, without a trailing slash.
    pub jenkins_url: String,
    /// `host:port` for `-tunnel`.
    pub tunnel: Option<String>,
    /// Whether agents connect over WebSocket.
    pub web_socket: bool,
    /// Most agents at once.
    pub max_agents: u32,
    /// Most CPU units reserved by all agents together.
    pub max_cpu: Option<u32>,
    /// Most memory (MiB) reserved by all agents together.
    pub max_memory: Option<u32>,
    /// Executors per agent.
    pub num_executors: u32,
    /// Idle retention for reuse; `None` means single use.
    pub idle_minutes: Option<u32>,
    /// Deadline from RunTask to a connected agent.
    pub agent_launch_timeout: Duration,
    /// How long a disconnected agent keeps trying to reconnect, and the
    /// reconciler waits for it, before it is retired.
    pub agent_reconnect_window: Duration,
    /// Image for templates that name none.
    pub default_image: String,
    /// How the agent's secret reaches its container.
    pub secret_delivery: SecretDelivery,
}

/// How the agent's secret (and its other variables) reach its container.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SecretDelivery {
    /// An S3 object per agent that ECS reads into the container
    /// (`environmentFiles`); RunTask carries only its ARN, so the secret is
    /// in no task override, task event, DescribeTasks answer or CloudTrail
    /// record. Needs Fargate platform 1.4.0 or later, or ECS agent 1.39.0 or
    /// later on EC2 (docs/aws.md §12).
    #[default]
    EnvironmentFile,
    /// The container's environment overrides, as the ECS plugin does: every
    /// reader of the task (DescribeTasks, task state-change events on the
    /// account's default bus, CloudTrail) sees the secret. For platforms
    /// without environment files.
    TaskOverride,
}

impl SecretDelivery {
    /// The name used in the agents file.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EnvironmentFile => "environmentFile",
            Self::TaskOverride => "taskOverride",
        }
    }
}

const AT: &str = "cloud";
/// The longest reconnect window: the Kubernetes plugin's `-noReconnectAfter 1d`.
const MAX_RECONNECT_MINUTES: u32 = 24 * 60;

impl Cloud {
    /// A cloud to check templates against when the real section is broken.
    pub(crate) fn stand_in() -> Self {
        Self {
            name: "cloud".into(),
            cluster: String::new(),
            region: None,
            jenkins_url: String::new(),
            tunnel: None,
            web_socket: true,
            max_agents: DEFAULT_MAX_AGENTS,
            max_cpu: None,
            max_memory: None,
            num_executors: 1,
            idle_minutes: None,
            agent_launch_timeout: DEFAULT_LAUNCH_TIMEOUT,
            agent_reconnect_window: DEFAULT_RECONNECT_WINDOW,
            default_image: DEFAULT_IMAGE.into(),
            secret_delivery: SecretDelivery::default(),
        }
    }
}

/// Validates the cloud section; `None` when it has errors (all recorded).
pub(crate) fn check(spec: &CloudSpec, errors: &mut Errors) -> Option<Cloud> {
    let before = errors.len();
    let name = required(&spec.name, "name", errors);
    if let Some(Err(problem)) = name
        .as_deref()
        .map(|n| naming::check_name(n, MAX_CLOUD_NAME))
    {
        errors.at(AT, "name", problem);
    }
    let cluster = required(&spec.cluster, "cluster", errors);
    let jenkins_url = required(&spec.jenkins_url, "jenkinsUrl", errors);
    if let Some(url) = &jenkins_url {
        check_url(url, errors);
    }
    if let Some(tunnel) = &spec.tunnel {
        check_tunnel(tunnel, errors);
    }
    at_least_one(spec.num_executors, "numExecutors", errors);
    at_least_one(spec.max_agents, "maxAgents", errors);
    at_least_one(spec.idle_minutes, "idleMinutes", errors);
    at_least_one(
        spec.agent_launch_timeout_seconds,
        "agentLaunchTimeoutSeconds",
        errors,
    );
    at_least_one(
        spec.agent_reconnect_minutes,
        "agentReconnectMinutes",
        errors,
    );
    if spec
        .agent_reconnect_minutes
        .is_some_and(|m| m > MAX_RECONNECT_MINUTES)
    {
        errors.at(
            AT,
            "agentReconnectMinutes",
            format!("must be at most {MAX_RECONNECT_MINUTES} (one day)"),
        );
    }
    let secret_delivery = match spec.secret_delivery.as_deref() {
        None => SecretDelivery::default(),
        Some(text) => [
            SecretDelivery::EnvironmentFile,
            SecretDelivery::TaskOverride,
        ]
        .into_iter()
        .find(|d| d.as_str() == text)
        .unwrap_or_else(|| {
            errors.at(
                AT,
                "secretDelivery",
                format!("`{text}` is not environmentFile or taskOverride"),
            );
            SecretDelivery::default()
        }),
    };
    if errors.len() > before {
        return None;
    }
    Some(Cloud {
        name: name?,
        cluster: cluster?,
        region: spec.region.clone(),
        jenkins_url: jenkins_url?.trim_end_matches('/').to_owned(),
        tunnel: spec.tunnel.clone(),
        web_socket: spec.web_socket.unwrap_or(true),
        max_agents: spec.max_agents.unwrap_or(DEFAULT_MAX_AGENTS),
        max_cpu: spec.max_cpu,
        max_memory: spec.max_memory,
        num_executors: spec.num_executors.unwrap_or(1),
        idle_minutes: spec.idle_minutes,
        agent_launch_timeout: spec
            .agent_launch_timeout_seconds
            .map_or(DEFAULT_LAUNCH_TIMEOUT, |s| Duration::from_secs(s.into())),
        agent_reconnect_window: spec
            .agent_reconnect_minutes
            .map_or(DEFAULT_RECONNECT_WINDOW, |m| {
                Duration::from_secs(u64::from(m) * 60)
            }),
        default_image: spec
            .default_image
            .clone()
            .unwrap_or_else(|| DEFAULT_IMAGE.to_owned()),
        secret_delivery,
    })
}

fn required(value: &Option<String>, field: &str, errors: &mut Errors) -> Option<String> {
    match value.as_deref().map(str::trim) {
        Some(v) if !v.is_empty() => Some(v.to_owned()),
        _ => {
            errors.at(AT, field, "is required");
            None
        }
    }
}

fn at_least_one(value: Option<u32>, field: &str, errors: &mut Errors) {
    if value == Some(0) {
        errors.at(
            AT,
            field,
            "must be at least 1 (leave it out for the default)",
        );
    }
}

fn check_url(url: &str, errors: &mut Errors) {
    let host = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    match host {
        Some(rest) if !rest.is_empty() && !rest.starts_with('/') => {}
        _ => errors.at(
            AT,
            "jenkinsUrl",
            format!(
                "`{url}` is not an http(s) URL; give the Jenkins root URL the agents can reach"
            ),
        ),
    }
}

fn check_tunnel(tunnel: &str, errors: &mut Errors) {
    let port = tunnel.rsplit_once(':').map(|(_, port)| port.parse::<u16>());
    if !matches!(port, Some(Ok(p)) if p > 0) {
        errors.at(
            AT,
            "tunnel",
            format!("`{tunnel}` is not HOST:PORT (HOST may be empty)"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> CloudSpec {
        CloudSpec {
            name: Some("ecs".into()),
            cluster: Some("agents".into()),
            jenkins_url: Some("https://jenkins.example.com/".into()),
            ..CloudSpec::default()
        }
    }

    fn messages(spec: &CloudSpec) -> Vec<String> {
        let mut errors = Errors::default();
        assert!(check(spec, &mut errors).is_none());
        errors.messages()
    }

    #[test]
    fn defaults_follow_the_plugin_except_websocket_which_is_on() {
        let cloud = check(&spec(), &mut Errors::default()).unwrap();
        assert!(cloud.web_socket);
        assert_eq!(cloud.num_executors, 1);
        assert_eq!(cloud.idle_minutes, None, "single use by default");
        assert_eq!(cloud.agent_launch_timeout, Duration::from_secs(900));
        assert_eq!(cloud.agent_reconnect_window, Duration::from_secs(600));
        assert_eq!(cloud.jenkins_url, "https://jenkins.example.com");
        assert_eq!(cloud.default_image, DEFAULT_IMAGE);
        assert_eq!(cloud.secret_delivery, SecretDelivery::EnvironmentFile);
    }

    #[test]
    fn the_reconnect_window_is_minutes_from_one_to_a_day() {
        let mut spec = spec();
        spec.agent_reconnect_minutes = Some(30);
        let cloud = check(&spec, &mut Errors::default()).unwrap();
        assert_eq!(cloud.agent_reconnect_window, Duration::from_secs(1800));
        spec.agent_reconnect_minutes = Some(0);
        assert_eq!(
            messages(&spec),
            ["cloud.agentReconnectMinutes: must be at least 1 (leave it out for the default)"]
        );
        spec.agent_reconnect_minutes = Some(24 * 60 + 1);
        assert_eq!(
            messages(&spec),
            ["cloud.agentReconnectMinutes: must be at most 1440 (one day)"]
        );
    }

    #[test]
    fn the_secret_goes_in_an_environment_file_unless_the_cloud_says_task_override() {
        let mut spec = spec();
        spec.secret_delivery = Some("taskOverride".into());
        let cloud = check(&spec, &mut Errors::default()).unwrap();
        assert_eq!(cloud.secret_delivery, SecretDelivery::TaskOverride);
        spec.secret_delivery = Some("env".into());
        assert_eq!(
            messages(&spec),
            ["cloud.secretDelivery: `env` is not environmentFile or taskOverride"]
        );
    }

    #[test]
    fn missing_required_values_are_each_reported() {
        let errors = messages(&CloudSpec::default());
        assert_eq!(
            errors,
            [
                "cloud.name: is required",
                "cloud.cluster: is required",
                "cloud.jenkinsUrl: is required"
            ]
        );
    }

    #[test]
    fn bad_values_say_what_is_allowed() {
        let bad = CloudSpec {
            name: Some("my cloud".into()),
            jenkins_url: Some("jenkins:8080".into()),
            tunnel: Some("jenkins".into()),
            num_executors: Some(0),
            ..spec()
        };
        let errors = messages(&bad);
        assert_eq!(errors.len(), 4, "{errors:?}");
        assert!(
            errors[0].starts_with("cloud.name: `my cloud` has ` `"),
            "{errors:?}"
        );
        assert!(errors[1].starts_with("cloud.jenkinsUrl: `jenkins:8080` is not an http(s) URL"));
        assert_eq!(
            errors[2],
            "cloud.tunnel: `jenkins` is not HOST:PORT (HOST may be empty)"
        );
        assert_eq!(
            errors[3],
            "cloud.numExecutors: must be at least 1 (leave it out for the default)"
        );
    }
}
