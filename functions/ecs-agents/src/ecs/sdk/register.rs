//! The rendered [`TaskDefinition`](model::TaskDefinition) as a
//! `RegisterTaskDefinition` call, field for field.
//!
//! The model already holds the exact API input (the same JSON `ecs-agents
//! render` prints), so this is pure translation: nothing is defaulted or
//! dropped here, and empty lists stay unset as they are absent in the JSON.

use std::collections::HashMap;

use aws_sdk_ecs::Client;
use aws_sdk_ecs::error::BuildError;
use aws_sdk_ecs::operation::register_task_definition::builders::RegisterTaskDefinitionFluentBuilder;
use aws_sdk_ecs::types as sdk;

use super::errors::incomplete;
use crate::ecs::EcsError;
use crate::taskdef as model;

/// The RegisterTaskDefinition request for `definition`.
pub(super) fn request(
    client: &Client,
    definition: &model::TaskDefinition,
) -> Result<RegisterTaskDefinitionFluentBuilder, EcsError> {
    let d = definition;
    Ok(client
        .register_task_definition()
        .family(&d.family)
        .set_task_role_arn(d.task_role_arn.clone())
        .set_execution_role_arn(d.execution_role_arn.clone())
        .set_network_mode(d.network_mode.as_deref().map(sdk::NetworkMode::from))
        .set_container_definitions(list(&d.container_definitions, container)?)
        .set_volumes(list(&d.volumes, volume)?)
        .set_requires_compatibilities(list(&d.requires_compatibilities, |c| {
            Ok(sdk::Compatibility::from(c.as_str()))
        })?)
        .set_cpu(d.cpu.clone())
        .set_memory(d.memory.clone())
        .set_runtime_platform(d.runtime_platform.as_ref().map(|p| {
            sdk::RuntimePlatform::builder()
                .cpu_architecture(sdk::CpuArchitecture::from(p.cpu_architecture.as_str()))
                .operating_system_family(sdk::OsFamily::from(p.operating_system_family.as_str()))
                .build()
        }))
        .set_ephemeral_storage(d.ephemeral_storage.as_ref().map(|e| {
            sdk::EphemeralStorage::builder()
                .size_in_gib(int(e.size_in_gib))
                .build()
        }))
        .set_tags(list(&d.tags, |t| {
            Ok(sdk::Tag::builder().key(&t.key).value(&t.value).build())
        })?))
}

fn container(c: &model::ContainerDefinition) -> Result<sdk::ContainerDefinition, BuildError> {
    let credentials = c.repository_credentials.as_ref().map(|r| {
        sdk::RepositoryCredentials::builder()
            .credentials_parameter(&r.credentials_parameter)
            .build()
    });
    Ok(sdk::ContainerDefinition::builder()
        .name(&c.name)
        .image(&c.image)
        .essential(c.essential)
        .set_cpu(c.cpu.map(int))
        .set_memory(c.memory.map(int))
        .set_memory_reservation(c.memory_reservation.map(int))
        .set_entry_point(c.entry_point.clone())
        .set_environment(some(c.environment.iter().map(|kv| {
            sdk::KeyValuePair::builder()
                .name(&kv.name)
                .value(&kv.value)
                .build()
        })))
        .set_secrets(fallible(&c.secrets, secret)?)
        .set_repository_credentials(credentials.transpose()?)
        .set_linux_parameters(c.linux_parameters.as_ref().map(linux_parameters))
        .set_privileged(c.privileged)
        .set_user(c.user.clone())
        .set_ulimits(fallible(&c.ulimits, ulimit)?)
        .set_dns_search_domains(some(c.dns_search_domains.iter().cloned()))
        .set_extra_hosts(fallible(&c.extra_hosts, host_entry)?)
        .set_port_mappings(some(c.port_mappings.iter().map(port_mapping)))
        .set_mount_points(some(c.mount_points.iter().map(mount_point)))
        .set_log_configuration(c.log_configuration.as_ref().map(log).transpose()?)
        .build())
}

fn secret(s: &model::Secret) -> Result<sdk::Secret, BuildError> {
    sdk::Secret::builder()
        .name(&s.name)
        .value_from(&s.value_from)
        .build()
}

fn host_entry(h: &model::HostEntry) -> Result<sdk::HostEntry, BuildError> {
    sdk::HostEntry::builder()
        .hostname(&h.hostname)
        .ip_address(&h.ip_address)
        .build()
}

fn linux_parameters(p: &model::LinuxParameters) -> sdk::LinuxParameters {
    sdk::LinuxParameters::builder()
        .set_init_process_enabled(p.init_process_enabled)
        .set_shared_memory_size(p.shared_memory_size.map(int))
        .set_capabilities(p.capabilities.as_ref().map(|k| {
            sdk::KernelCapabilities::builder()
                .set_add(some(k.add.iter().cloned()))
                .set_drop(some(k.drop.iter().cloned()))
                .build()
        }))
        .build()
}

fn ulimit(u: &model::Ulimit) -> Result<sdk::Ulimit, BuildError> {
    // The API's limits are 32-bit; a larger value saturates and ECS rejects it
    // with its own message rather than us wrapping it around silently.
    let bounded = |v: i64| i32::try_from(v).unwrap_or(if v < 0 { i32::MIN } else { i32::MAX });
    sdk::Ulimit::builder()
        .name(sdk::UlimitName::from(u.name.as_str()))
        .soft_limit(bounded(u.soft_limit))
        .hard_limit(bounded(u.hard_limit))
        .build()
}

fn port_mapping(p: &model::PortMapping) -> sdk::PortMapping {
    sdk::PortMapping::builder()
        .container_port(i32::from(p.container_port))
        .set_host_port(p.host_port.map(i32::from))
        .set_protocol(p.protocol.as_deref().map(sdk::TransportProtocol::from))
        .build()
}

fn mount_point(m: &model::MountPoint) -> sdk::MountPoint {
    sdk::MountPoint::builder()
        .source_volume(&m.source_volume)
        .container_path(&m.container_path)
        .read_only(m.read_only)
        .build()
}

fn log(l: &model::LogConfiguration) -> Result<sdk::LogConfiguration, BuildError> {
    let options: HashMap<String, String> = l.options.clone().into_iter().collect();
    sdk::LogConfiguration::builder()
        .log_driver(sdk::LogDriver::from(l.log_driver.as_str()))
        .set_options((!options.is_empty()).then_some(options))
        .build()
}

fn volume(v: &model::Volume) -> Result<sdk::Volume, BuildError> {
    let host = v.host.as_ref().map(|h| {
        sdk::HostVolumeProperties::builder()
            .source_path(&h.source_path)
            .build()
    });
    let efs = v.efs_volume_configuration.as_ref().map(|e| {
        sdk::EfsVolumeConfiguration::builder()
            .file_system_id(&e.file_system_id)
            .set_root_directory(e.root_directory.clone())
            .transit_encryption(sdk::EfsTransitEncryption::from(
                e.transit_encryption.as_str(),
            ))
            .set_authorization_config(e.authorization_config.as_ref().map(|a| {
                sdk::EfsAuthorizationConfig::builder()
                    .set_access_point_id(a.access_point_id.clone())
                    .iam(sdk::EfsAuthorizationConfigIam::from(a.iam.as_str()))
                    .build()
            }))
            .build()
    });
    Ok(sdk::Volume::builder()
        .name(&v.name)
        .set_host(host)
        .set_efs_volume_configuration(efs.transpose()?)
        .build())
}

/// Config values are validated far below `i32::MAX`; saturate rather than wrap.
fn int(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

/// `None` for an empty list, as the JSON model omits empty lists.
fn some<T>(items: impl Iterator<Item = T>) -> Option<Vec<T>> {
    let items: Vec<T> = items.collect();
    (!items.is_empty()).then_some(items)
}

fn fallible<T, U>(
    items: &[T],
    map: impl FnMut(&T) -> Result<U, BuildError>,
) -> Result<Option<Vec<U>>, BuildError> {
    let items = items.iter().map(map).collect::<Result<Vec<U>, _>>()?;
    Ok((!items.is_empty()).then_some(items))
}

/// [`fallible`] with the build error turned into [`EcsError::Rejected`].
fn list<T, U>(
    items: &[T],
    map: impl FnMut(&T) -> Result<U, BuildError>,
) -> Result<Option<Vec<U>>, EcsError> {
    fallible(items, map).map_err(incomplete)
}
