//! The agent-template file as written by users: every field optional, unknown
//! fields rejected, camelCase names that follow the ECS API where one exists.
//!
//! These types are only the *shape* of the file. Required values, defaults,
//! inheritance and cross-field rules are applied when the file is loaded, which
//! turns them into a validated [`super::AgentsConfig`].

use std::collections::BTreeMap;

use serde::Deserialize;

/// The `cloud:` section: settings shared by every template.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CloudSpec {
    /// Prefix of agent names and task-definition families.
    pub name: Option<String>,
    /// ECS cluster name or ARN the agents run in.
    pub cluster: Option<String>,
    /// The region the file is written for; when set, the functions refuse to
    /// start in another.
    pub region: Option<String>,
    /// The Jenkins root URL the agents connect to.
    pub jenkins_url: Option<String>,
    /// `host:port` for agents behind NAT or a load balancer (`-tunnel`).
    pub tunnel: Option<String>,
    /// Connect agents over WebSocket (default on).
    pub web_socket: Option<bool>,
    /// Most agents this deployment runs at once.
    pub max_agents: Option<u32>,
    /// Most CPU units all agents may reserve together.
    pub max_cpu: Option<u32>,
    /// Most memory (MiB) all agents may reserve together.
    pub max_memory: Option<u32>,
    /// Executors per agent (default 1).
    pub num_executors: Option<u32>,
    /// Keep an agent for reuse until idle this long; absent means single use.
    pub idle_minutes: Option<u32>,
    /// How long an agent may take from RunTask to connected (default 900).
    pub agent_launch_timeout_seconds: Option<u32>,
    /// How long a connected agent may stay disconnected (a controller
    /// restart, a dropped WebSocket) and reconnect (default 10).
    pub agent_reconnect_minutes: Option<u32>,
    /// Image for templates that name none.
    pub default_image: Option<String>,
    /// How the agent's secret reaches its container: `environmentFile`
    /// (default) or `taskOverride`.
    pub secret_delivery: Option<String>,
}

/// One entry of `templates:`. Field meanings follow the ECS plugin's template.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TemplateSpec {
    /// Unique template name; part of agent names and the task family.
    pub name: Option<String>,
    /// Another template whose values this one starts from.
    pub inherit_from: Option<String>,
    /// Space-separated Jenkins labels the agents carry.
    pub labels: Option<String>,
    /// Agent container image.
    pub image: Option<String>,
    /// Secrets Manager ARN with private registry credentials.
    pub repository_credentials: Option<String>,
    /// Agent filesystem root (default `/home/jenkins/agent`).
    pub remote_fs: Option<String>,
    /// Append the agent name to the filesystem root.
    pub unique_remote_fs: Option<bool>,
    /// Container hard memory limit, MiB.
    pub memory: Option<u32>,
    /// Container soft memory limit, MiB.
    pub memory_reservation: Option<u32>,
    /// CPU units (1024 = one vCPU); also the task CPU on Fargate.
    pub cpu: Option<u32>,
    /// `/dev/shm` size, MiB.
    pub shared_memory_size: Option<u32>,
    /// Container entrypoint, one list item per argument.
    pub entrypoint: Option<Vec<String>>,
    /// JVM options for the agent (`JAVA_OPTS`).
    pub jvm_args: Option<String>,
    /// Plain environment variables.
    pub environment: Option<BTreeMap<String, String>>,
    /// Environment variables read from Secrets Manager or SSM (`valueFrom`).
    pub secrets: Option<BTreeMap<String, String>>,
    /// EC2, FARGATE or EXTERNAL.
    pub launch_type: Option<String>,
    /// Capacity providers to spread tasks over (e.g. FARGATE_SPOT).
    pub capacity_provider_strategy: Option<Vec<CapacityProviderItem>>,
    /// Send neither launch type nor strategy: the cluster default applies.
    pub default_capacity_provider: Option<bool>,
    /// default, bridge, host, awsvpc or none.
    pub network_mode: Option<String>,
    /// awsvpc subnets.
    pub subnets: Option<Vec<String>>,
    /// awsvpc security groups.
    pub security_groups: Option<Vec<String>>,
    /// Give the task a public IP (awsvpc).
    pub assign_public_ip: Option<bool>,
    /// Fargate platform version (default LATEST).
    pub platform_version: Option<String>,
    /// CPU architecture and OS family.
    pub runtime_platform: Option<RuntimePlatformSpec>,
    /// Fargate ephemeral storage, GiB (21–200).
    pub ephemeral_storage_gib: Option<u32>,
    /// Run the container privileged (EC2 only).
    pub privileged: Option<bool>,
    /// User the container runs as.
    pub user: Option<String>,
    /// Linux capabilities to add or drop.
    pub kernel_capabilities: Option<KernelCapabilitiesSpec>,
    /// Resource limits.
    pub ulimits: Option<Vec<UlimitSpec>>,
    /// DNS search domains (not on awsvpc).
    pub dns_search_domains: Option<Vec<String>>,
    /// Extra `/etc/hosts` entries (not on awsvpc).
    pub extra_hosts: Option<Vec<HostEntrySpec>>,
    /// Container port mappings.
    pub port_mappings: Option<Vec<PortMappingSpec>>,
    /// Host volumes mounted into the container.
    pub mount_points: Option<Vec<HostMountSpec>>,
    /// EFS volumes mounted into the container.
    pub efs_volumes: Option<Vec<EfsVolumeSpec>>,
    /// Container log driver (e.g. awslogs).
    pub log_driver: Option<String>,
    /// Log driver options.
    pub log_driver_options: Option<BTreeMap<String, String>>,
    /// IAM role the build assumes.
    pub task_role: Option<String>,
    /// IAM role ECS uses to pull the image and read secrets.
    pub execution_role: Option<String>,
    /// Placement strategies (EC2).
    pub placement_strategies: Option<Vec<PlacementStrategySpec>>,
    /// Allow ECS Exec into the agent.
    pub enable_execute_command: Option<bool>,
    /// Tags on the task definition and, propagated, on every task.
    pub tags: Option<BTreeMap<String, String>>,
    /// Run an init process in the container (default on).
    pub init_process_enabled: Option<bool>,
    /// Use this existing task definition (family, family:revision or ARN).
    pub task_definition: Option<String>,
    /// Container of the existing task definition that runs the agent.
    pub agent_container_name: Option<String>,
    /// Most agents of this template at once.
    pub max_agents: Option<u32>,
    /// Idle retention for this template; overrides the cloud's.
    pub idle_minutes: Option<u32>,
}

/// One capacity provider of a strategy.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CapacityProviderItem {
    /// Provider name, e.g. FARGATE_SPOT.
    pub capacity_provider: String,
    /// Tasks placed on this provider before weights apply.
    #[serde(default)]
    pub base: u32,
    /// Relative share of tasks.
    #[serde(default = "one")]
    pub weight: u32,
}

fn one() -> u32 {
    1
}

/// Runtime platform of the task.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RuntimePlatformSpec {
    /// X86_64 or ARM64.
    pub cpu_architecture: Option<String>,
    /// LINUX or a WINDOWS_SERVER_* family.
    pub operating_system_family: Option<String>,
}

/// Linux capabilities.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KernelCapabilitiesSpec {
    /// Capabilities to add.
    #[serde(default)]
    pub add: Vec<String>,
    /// Capabilities to drop.
    #[serde(default)]
    pub drop: Vec<String>,
}

/// One ulimit.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UlimitSpec {
    /// e.g. nofile.
    pub name: String,
    /// Soft limit.
    pub soft_limit: i64,
    /// Hard limit.
    pub hard_limit: i64,
}

/// One `/etc/hosts` entry.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HostEntrySpec {
    /// Host name.
    pub hostname: String,
    /// Its IP address.
    pub ip_address: String,
}

/// One port mapping.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PortMappingSpec {
    /// Port inside the container.
    pub container_port: u16,
    /// Port on the host (bridge/host modes).
    pub host_port: Option<u16>,
    /// tcp or udp.
    pub protocol: Option<String>,
}

/// A host directory mounted into the agent container.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HostMountSpec {
    /// Volume name.
    pub name: String,
    /// Path on the host; absent gives a Docker-managed scratch volume.
    pub source_path: Option<String>,
    /// Path in the container.
    pub container_path: String,
    /// Mount read-only.
    #[serde(default)]
    pub read_only: bool,
}

/// An EFS file system mounted into the agent container.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EfsVolumeSpec {
    /// Volume name.
    pub name: String,
    /// fs-… id.
    pub file_system_id: String,
    /// Directory of the file system to mount.
    pub root_directory: Option<String>,
    /// fsap-… access point.
    pub access_point_id: Option<String>,
    /// Encrypt in transit (required with an access point or IAM).
    #[serde(default)]
    pub transit_encryption: bool,
    /// Authorise with the task role.
    #[serde(default)]
    pub iam: bool,
    /// Path in the container.
    pub container_path: String,
    /// Mount read-only.
    #[serde(default)]
    pub read_only: bool,
}

/// One placement strategy.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PlacementStrategySpec {
    /// random, spread or binpack.
    #[serde(rename = "type")]
    pub kind: String,
    /// e.g. attribute:ecs.availability-zone, memory.
    pub field: Option<String>,
}
