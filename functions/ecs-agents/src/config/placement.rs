//! Template checks for where a task runs: launch type, capacity providers,
//! network mode and awsvpc settings.

use super::error::Errors;
use super::spec::TemplateSpec;
use super::template::{AwsVpc, Capacity, LaunchType};

/// Where a template's tasks run, as far as validation needs to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Placement {
    pub capacity: Capacity,
    /// What the task definition must be compatible with.
    pub compatibility: LaunchType,
    /// `None` means the platform default (bridge on Linux EC2).
    pub network_mode: Option<String>,
}

const NETWORK_MODES: [&str; 5] = ["default", "bridge", "host", "awsvpc", "none"];
const PLACEMENT_TYPES: [&str; 3] = ["random", "spread", "binpack"];

/// Works out capacity, compatibility and network mode, recording conflicts.
pub(crate) fn placement(spec: &TemplateSpec, at: &str, errors: &mut Errors) -> Placement {
    let launch_type = spec.launch_type.as_deref().and_then(|text| {
        let parsed = LaunchType::parse(text);
        if parsed.is_none() {
            errors.at(
                at,
                "launchType",
                format!("`{text}` is not a launch type; allowed: EC2, FARGATE, EXTERNAL"),
            );
        }
        parsed
    });
    let capacity = capacity(spec, launch_type, at, errors);
    let compatibility = match &capacity {
        Capacity::LaunchType(t) => *t,
        // ECS itself treats a provider named like FARGATE* as Fargate.
        Capacity::Providers(items)
            if items
                .iter()
                .any(|i| i.capacity_provider.contains("FARGATE")) =>
        {
            LaunchType::Fargate
        }
        Capacity::Providers(_) => LaunchType::Ec2,
        Capacity::ClusterDefault => launch_type.unwrap_or(LaunchType::Ec2),
    };
    let network_mode = network_mode(spec, compatibility, at, errors);
    Placement {
        capacity,
        compatibility,
        network_mode,
    }
}

fn capacity(
    spec: &TemplateSpec,
    launch_type: Option<LaunchType>,
    at: &str,
    errors: &mut Errors,
) -> Capacity {
    let cluster_default = spec.default_capacity_provider.unwrap_or(false);
    match (&spec.capacity_provider_strategy, cluster_default) {
        (Some(_), true) => {
            errors.at(
                at,
                "capacityProviderStrategy",
                "cannot be combined with defaultCapacityProvider: true",
            );
            Capacity::ClusterDefault
        }
        (Some(_), false) if spec.launch_type.is_some() => {
            errors.at(
                at,
                "capacityProviderStrategy",
                "cannot be combined with launchType; RunTask takes one or the other",
            );
            Capacity::LaunchType(default_launch_type(spec, launch_type))
        }
        (Some(items), false) => {
            check_strategy(items, at, errors);
            Capacity::Providers(items.clone())
        }
        // launchType with the cluster default only says what the task
        // definition must be compatible with.
        (None, true) => Capacity::ClusterDefault,
        (None, false) => Capacity::LaunchType(default_launch_type(spec, launch_type)),
    }
}

fn check_strategy(items: &[super::spec::CapacityProviderItem], at: &str, errors: &mut Errors) {
    let field = "capacityProviderStrategy";
    if items.is_empty() || items.len() > 20 {
        errors.at(
            at,
            field,
            format!("needs 1 to 20 providers (it has {})", items.len()),
        );
    }
    if items.iter().filter(|i| i.base > 0).count() > 1 {
        errors.at(
            at,
            field,
            "only one provider may have a base greater than 0",
        );
    }
    for (index, item) in items.iter().enumerate() {
        if item.weight > 1000 || item.base > 100_000 {
            errors.at(
                at,
                &format!("{field}[{index}]"),
                "weight must be 0 to 1000 and base 0 to 100000",
            );
        }
    }
}

fn network_mode(
    spec: &TemplateSpec,
    compatibility: LaunchType,
    at: &str,
    errors: &mut Errors,
) -> Option<String> {
    let given = spec.network_mode.as_deref();
    if let Some(mode) = given.filter(|m| !NETWORK_MODES.contains(m)) {
        errors.at(
            at,
            "networkMode",
            format!(
                "`{mode}` is not a network mode; allowed: {}",
                NETWORK_MODES.join(", ")
            ),
        );
        return None;
    }
    match (compatibility, given) {
        (LaunchType::Fargate, None | Some("awsvpc")) => Some("awsvpc".to_owned()),
        (LaunchType::Fargate, Some(other)) => {
            errors.at(
                at,
                "networkMode",
                format!("Fargate tasks use awsvpc, not `{other}`"),
            );
            None
        }
        (LaunchType::External, Some("awsvpc")) => {
            errors.at(
                at,
                "networkMode",
                "EXTERNAL (ECS Anywhere) tasks cannot use awsvpc",
            );
            None
        }
        (_, None | Some("default")) => None,
        (_, Some(mode)) => Some(mode.to_owned()),
    }
}

/// The awsvpc settings, which are required with awsvpc and refused without it.
pub(crate) fn aws_vpc(
    spec: &TemplateSpec,
    placement: &Placement,
    at: &str,
    errors: &mut Errors,
) -> Option<AwsVpc> {
    let subnets = spec.subnets.clone().unwrap_or_default();
    let security_groups = spec.security_groups.clone().unwrap_or_default();
    if placement.network_mode.as_deref() != Some("awsvpc") {
        for (field, set) in [
            ("subnets", spec.subnets.is_some()),
            ("securityGroups", spec.security_groups.is_some()),
            ("assignPublicIp", spec.assign_public_ip.is_some()),
        ] {
            if set {
                errors.at(at, field, "applies only to the awsvpc network mode");
            }
        }
        return None;
    }
    if subnets.is_empty() || subnets.len() > 16 {
        errors.at(
            at,
            "subnets",
            format!("awsvpc needs 1 to 16 subnets (it has {})", subnets.len()),
        );
    }
    if security_groups.len() > 5 {
        errors.at(
            at,
            "securityGroups",
            format!(
                "awsvpc allows at most 5 security groups (it has {})",
                security_groups.len()
            ),
        );
    }
    Some(AwsVpc {
        subnets,
        security_groups,
        assign_public_ip: spec.assign_public_ip.unwrap_or(false),
    })
}

/// Fields that only some launch types or network modes accept.
pub(crate) fn check_platform_fields(
    spec: &TemplateSpec,
    placement: &Placement,
    at: &str,
    errors: &mut Errors,
) {
    let fargate = placement.compatibility == LaunchType::Fargate;
    let awsvpc = placement.network_mode.as_deref() == Some("awsvpc");
    let only_fargate = [
        ("platformVersion", spec.platform_version.is_some()),
        ("ephemeralStorageGib", spec.ephemeral_storage_gib.is_some()),
    ];
    for (field, set) in only_fargate {
        if set && !fargate {
            errors.at(at, field, "applies only to Fargate");
        }
    }
    let not_fargate = [
        ("privileged", spec.privileged == Some(true)),
        ("sharedMemorySize", spec.shared_memory_size.is_some()),
        ("placementStrategies", spec.placement_strategies.is_some()),
    ];
    for (field, set) in not_fargate {
        if set && fargate {
            errors.at(at, field, "is not supported on Fargate");
        }
    }
    for (field, set) in [
        ("dnsSearchDomains", spec.dns_search_domains.is_some()),
        ("extraHosts", spec.extra_hosts.is_some()),
    ] {
        if set && awsvpc {
            errors.at(at, field, "is not supported with the awsvpc network mode");
        }
    }
    if let Some(size) = spec
        .ephemeral_storage_gib
        .filter(|s| !(21..=200).contains(s))
    {
        errors.at(
            at,
            "ephemeralStorageGib",
            format!("{size} GiB is outside Fargate's 21 to 200 GiB"),
        );
    }
    for (index, strategy) in spec.placement_strategies.iter().flatten().enumerate() {
        let needs_field = strategy.kind != "random";
        if !PLACEMENT_TYPES.contains(&strategy.kind.as_str()) {
            errors.at(
                at,
                &format!("placementStrategies[{index}].type"),
                format!("`{}` is not one of random, spread, binpack", strategy.kind),
            );
        } else if needs_field && strategy.field.is_none() {
            errors.at(
                at,
                &format!("placementStrategies[{index}].field"),
                format!(
                    "{} needs a field (e.g. memory, attribute:ecs.availability-zone)",
                    strategy.kind
                ),
            );
        }
    }
}

/// Fargate unless told otherwise; after an invalid `launchType` (already
/// reported), EC2, whose rules are the loosest, so one typo gives one error.
fn default_launch_type(spec: &TemplateSpec, parsed: Option<LaunchType>) -> LaunchType {
    match (parsed, &spec.launch_type) {
        (Some(launch_type), _) => launch_type,
        (None, Some(_)) => LaunchType::Ec2,
        (None, None) => LaunchType::Fargate,
    }
}
