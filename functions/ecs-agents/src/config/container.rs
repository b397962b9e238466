//! Template checks for the agent container and the task around it: sizes,
//! Linux settings, volumes and roles.

use std::collections::BTreeSet;

use super::error::Errors;
use super::fargate;
use super::placement::Placement;
use super::spec::TemplateSpec;
use super::template::{LaunchType, Resources};

/// Fields that describe a container or task we would register; meaningless
/// next to `taskDefinition`, where the plugin silently ignored them.
pub(crate) const CONTAINER_FIELDS: [&str; 26] = [
    "image",
    "repositoryCredentials",
    "memory",
    "memoryReservation",
    "cpu",
    "sharedMemorySize",
    "entrypoint",
    "jvmArgs",
    "environment",
    "secrets",
    "networkMode",
    "runtimePlatform",
    "ephemeralStorageGib",
    "privileged",
    "user",
    "kernelCapabilities",
    "ulimits",
    "dnsSearchDomains",
    "extraHosts",
    "portMappings",
    "mountPoints",
    "efsVolumes",
    "logDriver",
    "logDriverOptions",
    "taskRole",
    "executionRole",
];

/// Container memory and CPU, and Fargate's task-size rules.
pub(crate) fn resources(
    spec: &TemplateSpec,
    placement: &Placement,
    at: &str,
    errors: &mut Errors,
) -> Resources {
    let (memory, reservation) = (spec.memory, spec.memory_reservation);
    match (memory, reservation) {
        (None, None) => errors.at(at, "memory", "is required (or memoryReservation): MiB for the agent container"),
        (Some(hard), Some(soft)) if hard < soft => errors.at(
            at,
            "memory",
            format!("{hard} MiB is below memoryReservation {soft} MiB; the hard limit must be at least the reservation"),
        ),
        _ => {}
    }
    let task_memory = memory.or(reservation).unwrap_or(0);
    if placement.compatibility == LaunchType::Fargate {
        match spec.cpu {
            None => errors.at(
                at,
                "cpu",
                "is required on Fargate: 256, 512, 1024, 2048, 4096, 8192 or 16384",
            ),
            Some(cpu) if task_memory > 0 => {
                if let Err(problem) = fargate::check_size(cpu, task_memory) {
                    errors.at(at, "cpu", problem);
                }
            }
            Some(_) => {}
        }
    }
    Resources {
        cpu: spec.cpu.unwrap_or(0),
        memory: task_memory,
    }
}

/// Linux-only settings, ulimits and ports.
pub(crate) fn check_container(
    spec: &TemplateSpec,
    placement: &Placement,
    windows: bool,
    at: &str,
    errors: &mut Errors,
) {
    if windows {
        let linux_only = [
            (
                "initProcessEnabled",
                spec.init_process_enabled == Some(true),
            ),
            ("sharedMemorySize", spec.shared_memory_size.is_some()),
            ("kernelCapabilities", spec.kernel_capabilities.is_some()),
        ];
        for (field, _) in linux_only.into_iter().filter(|(_, set)| *set) {
            errors.at(
                at,
                field,
                format!(
                    "applies only to Linux containers, and `{field}` was set on a Windows template"
                ),
            );
        }
    }
    for (index, limit) in spec.ulimits.iter().flatten().enumerate() {
        if limit.soft_limit > limit.hard_limit {
            errors.at(
                at,
                &format!("ulimits[{index}]"),
                format!(
                    "softLimit {} is above hardLimit {}",
                    limit.soft_limit, limit.hard_limit
                ),
            );
        }
    }
    let awsvpc = placement.network_mode.as_deref() == Some("awsvpc");
    for (index, port) in spec.port_mappings.iter().flatten().enumerate() {
        if awsvpc
            && port
                .host_port
                .is_some_and(|host| host != port.container_port)
        {
            errors.at(
                at,
                &format!("portMappings[{index}].hostPort"),
                "must equal containerPort (or be left out) with awsvpc",
            );
        }
        if let Some(protocol) = port
            .protocol
            .as_deref()
            .filter(|p| !["tcp", "udp"].contains(p))
        {
            errors.at(
                at,
                &format!("portMappings[{index}].protocol"),
                format!("`{protocol}` is not tcp or udp"),
            );
        }
    }
}

/// Volume names unique; EFS authorisation needs encryption in transit.
pub(crate) fn check_volumes(
    spec: &TemplateSpec,
    placement: &Placement,
    at: &str,
    errors: &mut Errors,
) {
    let mut names = BTreeSet::new();
    let host = spec
        .mount_points
        .iter()
        .flatten()
        .map(|m| ("mountPoints", &m.name));
    let efs = spec
        .efs_volumes
        .iter()
        .flatten()
        .map(|v| ("efsVolumes", &v.name));
    for (index, (field, name)) in host.chain(efs).enumerate() {
        if !names.insert(name) {
            errors.at(
                at,
                field,
                format!("volume name `{name}` is used twice (entry {index})"),
            );
        }
    }
    let fargate = placement.compatibility == LaunchType::Fargate;
    for (index, mount) in spec.mount_points.iter().flatten().enumerate() {
        if fargate && mount.source_path.is_some() {
            errors.at(
                at,
                &format!("mountPoints[{index}].sourcePath"),
                "Fargate has no host paths; leave sourcePath out for scratch space",
            );
        }
    }
    for (index, volume) in spec.efs_volumes.iter().flatten().enumerate() {
        if (volume.iam || volume.access_point_id.is_some()) && !volume.transit_encryption {
            errors.at(
                at,
                &format!("efsVolumes[{index}].transitEncryption"),
                "must be true when iam or accessPointId is used",
            );
        }
    }
}

/// Roles that other settings depend on.
pub(crate) fn check_roles(
    spec: &TemplateSpec,
    placement: &Placement,
    at: &str,
    errors: &mut Errors,
) {
    let fargate = placement.compatibility == LaunchType::Fargate;
    let needs_execution_role = [
        (
            "secrets",
            spec.secrets.as_ref().is_some_and(|s| !s.is_empty()),
        ),
        (
            "repositoryCredentials",
            spec.repository_credentials.is_some(),
        ),
        (
            "logDriver",
            fargate && spec.log_driver.as_deref() == Some("awslogs"),
        ),
    ];
    if spec.execution_role.is_none() {
        for (field, _) in needs_execution_role.into_iter().filter(|(_, needs)| *needs) {
            errors.at(
                at,
                "executionRole",
                format!("is required because `{field}` is set: ECS uses it to fetch that"),
            );
        }
    }
    if spec.enable_execute_command == Some(true) && spec.task_role.is_none() {
        errors.at(
            at,
            "taskRole",
            "is required for enableExecuteCommand (ECS Exec's agent uses the task role)",
        );
    }
    if let Some(log_driver) = spec
        .log_driver
        .as_deref()
        .filter(|d| fargate && !["awslogs", "splunk", "awsfirelens"].contains(d))
    {
        errors.at(
            at,
            "logDriver",
            format!(
                "`{log_driver}` is not available on Fargate; allowed: awslogs, splunk, awsfirelens"
            ),
        );
    }
}
