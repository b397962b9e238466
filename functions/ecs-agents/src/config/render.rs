//! From a validated template to the exact RegisterTaskDefinition input.

use super::spec::TemplateSpec;
use super::{AGENT_CONTAINER, Cloud, LaunchType};
use crate::taskdef::{
    CLOUD_TAG, ContainerDefinition, EfsAuthorization, EfsVolumeConfiguration, EphemeralStorage,
    HostEntry, HostVolume, KernelCapabilities, KeyValuePair, LinuxParameters, LogConfiguration,
    MountPoint, PortMapping, RepositoryCredentials, RuntimePlatform, Secret, TEMPLATE_TAG, Tag,
    TaskDefinition, Ulimit, Volume,
};

/// What rendering needs beyond the template's own fields.
pub(crate) struct RenderContext<'a> {
    pub cloud: &'a Cloud,
    pub compatibility: LaunchType,
    pub network_mode: Option<String>,
    pub windows: bool,
}

/// The task definition a template implies, without the hash tag.
pub(crate) fn render(spec: &TemplateSpec, ctx: &RenderContext<'_>) -> TaskDefinition {
    let fargate = ctx.compatibility == LaunchType::Fargate;
    let template = spec.name.clone().unwrap_or_default();
    TaskDefinition {
        family: format!("{}-{template}", ctx.cloud.name),
        task_role_arn: spec.task_role.clone(),
        execution_role_arn: spec.execution_role.clone(),
        network_mode: ctx.network_mode.clone(),
        container_definitions: vec![container(spec, ctx)],
        volumes: volumes(spec),
        requires_compatibilities: vec![ctx.compatibility.as_str().to_owned()],
        // Fargate sizes the task, not the container; EC2 tasks are left unsized.
        cpu: spec.cpu.filter(|_| fargate).map(|c| c.to_string()),
        memory: spec
            .memory
            .or(spec.memory_reservation)
            .filter(|_| fargate)
            .map(|m| m.to_string()),
        runtime_platform: spec.runtime_platform.as_ref().map(|p| RuntimePlatform {
            cpu_architecture: p
                .cpu_architecture
                .clone()
                .unwrap_or_else(|| "X86_64".into()),
            operating_system_family: p
                .operating_system_family
                .clone()
                .unwrap_or_else(|| "LINUX".into()),
        }),
        ephemeral_storage: spec
            .ephemeral_storage_gib
            .map(|size_in_gib| EphemeralStorage { size_in_gib }),
        tags: tags(spec, ctx.cloud),
    }
}

fn container(spec: &TemplateSpec, ctx: &RenderContext<'_>) -> ContainerDefinition {
    let mut environment: Vec<KeyValuePair> = spec
        .environment
        .iter()
        .flatten()
        .map(|(name, value)| KeyValuePair {
            name: name.clone(),
            value: value.clone(),
        })
        .collect();
    if let Some(jvm_args) = &spec.jvm_args {
        environment.push(KeyValuePair {
            name: "JAVA_OPTS".into(),
            value: jvm_args.clone(),
        });
        environment.sort_by(|a, b| a.name.cmp(&b.name));
    }
    ContainerDefinition {
        name: AGENT_CONTAINER.to_owned(),
        image: spec
            .image
            .clone()
            .unwrap_or_else(|| ctx.cloud.default_image.clone()),
        essential: true,
        cpu: spec.cpu,
        memory: spec.memory,
        memory_reservation: spec.memory_reservation,
        entry_point: spec.entrypoint.clone(),
        environment,
        secrets: spec
            .secrets
            .iter()
            .flatten()
            .map(|(name, from)| Secret {
                name: name.clone(),
                value_from: from.clone(),
            })
            .collect(),
        repository_credentials: spec
            .repository_credentials
            .clone()
            .map(|credentials_parameter| RepositoryCredentials {
                credentials_parameter,
            }),
        linux_parameters: (!ctx.windows).then(|| linux_parameters(spec)),
        privileged: spec.privileged,
        user: spec.user.clone(),
        ulimits: spec
            .ulimits
            .iter()
            .flatten()
            .map(|u| Ulimit {
                name: u.name.clone(),
                soft_limit: u.soft_limit,
                hard_limit: u.hard_limit,
            })
            .collect(),
        dns_search_domains: spec.dns_search_domains.clone().unwrap_or_default(),
        extra_hosts: spec
            .extra_hosts
            .iter()
            .flatten()
            .map(|h| HostEntry {
                hostname: h.hostname.clone(),
                ip_address: h.ip_address.clone(),
            })
            .collect(),
        port_mappings: spec
            .port_mappings
            .iter()
            .flatten()
            .map(|p| PortMapping {
                container_port: p.container_port,
                host_port: p.host_port,
                protocol: p.protocol.clone(),
            })
            .collect(),
        mount_points: mount_points(spec),
        log_configuration: spec.log_driver.clone().map(|log_driver| LogConfiguration {
            log_driver,
            options: spec.log_driver_options.clone().unwrap_or_default(),
        }),
    }
}

fn linux_parameters(spec: &TemplateSpec) -> LinuxParameters {
    LinuxParameters {
        // The inbound-agent image has no init of its own: without one, build
        // processes that fork leave zombies behind.
        init_process_enabled: Some(spec.init_process_enabled.unwrap_or(true)),
        shared_memory_size: spec.shared_memory_size,
        capabilities: spec
            .kernel_capabilities
            .as_ref()
            .map(|c| KernelCapabilities {
                add: c.add.clone(),
                drop: c.drop.clone(),
            }),
    }
}

fn mount_points(spec: &TemplateSpec) -> Vec<MountPoint> {
    let host = spec
        .mount_points
        .iter()
        .flatten()
        .map(|m| (&m.name, &m.container_path, m.read_only));
    let efs = spec
        .efs_volumes
        .iter()
        .flatten()
        .map(|v| (&v.name, &v.container_path, v.read_only));
    host.chain(efs)
        .map(|(name, path, read_only)| MountPoint {
            source_volume: name.clone(),
            container_path: path.clone(),
            read_only,
        })
        .collect()
}

fn volumes(spec: &TemplateSpec) -> Vec<Volume> {
    let host = spec.mount_points.iter().flatten().map(|m| Volume {
        name: m.name.clone(),
        host: m
            .source_path
            .clone()
            .map(|source_path| HostVolume { source_path }),
        efs_volume_configuration: None,
    });
    let enabled = |on: bool| if on { "ENABLED" } else { "DISABLED" }.to_owned();
    let efs = spec.efs_volumes.iter().flatten().map(|v| Volume {
        name: v.name.clone(),
        host: None,
        efs_volume_configuration: Some(EfsVolumeConfiguration {
            file_system_id: v.file_system_id.clone(),
            root_directory: v.root_directory.clone(),
            transit_encryption: enabled(v.transit_encryption),
            authorization_config: (v.iam || v.access_point_id.is_some()).then(|| {
                EfsAuthorization {
                    access_point_id: v.access_point_id.clone(),
                    iam: enabled(v.iam),
                }
            }),
        }),
    });
    host.chain(efs).collect()
}

fn tags(spec: &TemplateSpec, cloud: &Cloud) -> Vec<Tag> {
    let ours = [
        (CLOUD_TAG, cloud.name.clone()),
        (TEMPLATE_TAG, spec.name.clone().unwrap_or_default()),
    ];
    let user = spec
        .tags
        .iter()
        .flatten()
        .map(|(k, v)| (k.as_str(), v.clone()));
    ours.into_iter()
        .chain(user)
        .map(|(key, value)| Tag {
            key: key.to_owned(),
            value,
        })
        .collect()
}
