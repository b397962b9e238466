//! One template spec (inheritance applied) → a validated [`AgentTemplate`].

use serde_yaml_ng::Mapping;

use super::cloud::Cloud;
use super::container::{self, CONTAINER_FIELDS};
use super::error::Errors;
use super::metadata;
use super::placement::{self, Placement};
use super::render::{self, RenderContext};
use super::spec::TemplateSpec;
use super::template::{
    AgentTemplate, DEFAULT_REMOTE_FS, LaunchSettings, Resources, Retention, TaskSource,
};
use crate::labels::LabelSet;
use crate::taskdef;

/// Checks every rule for one template; `None` if any failed (all recorded).
pub(crate) fn build(
    spec: &TemplateSpec,
    fields: &Mapping,
    cloud: &Cloud,
    at: &str,
    errors: &mut Errors,
) -> Option<AgentTemplate> {
    let before = errors.len();
    let labels = labels(spec, at, errors);
    let placement = placement::placement(spec, at, errors);
    let network = placement::aws_vpc(spec, &placement, at, errors);
    placement::check_platform_fields(spec, &placement, at, errors);
    check_environment_files(spec, cloud, at, errors);
    metadata::check_tags(spec, at, errors);
    for (field, value) in [
        ("maxAgents", spec.max_agents),
        ("idleMinutes", spec.idle_minutes),
    ] {
        if value == Some(0) {
            errors.at(
                at,
                field,
                "must be at least 1 (leave it out for the default)",
            );
        }
    }
    let (task, resources) = match &spec.task_definition {
        Some(reference) => (existing(spec, reference, fields, at, errors), None),
        None => {
            let (task, resources) = register(spec, cloud, &placement, at, errors);
            (task, Some(resources))
        }
    };
    if errors.len() > before {
        return None;
    }
    Some(AgentTemplate {
        name: spec.name.clone()?,
        labels: labels?,
        retention: match spec.idle_minutes.or(cloud.idle_minutes) {
            Some(minutes) => Retention::Idle { minutes },
            None => Retention::SingleUse,
        },
        max_agents: spec.max_agents,
        remote_fs: spec
            .remote_fs
            .clone()
            .unwrap_or_else(|| DEFAULT_REMOTE_FS.to_owned()),
        unique_remote_fs: spec.unique_remote_fs.unwrap_or(false),
        resources,
        launch: LaunchSettings {
            capacity: placement.capacity,
            network,
            platform_version: spec.platform_version.clone(),
            placement_strategies: spec.placement_strategies.clone().unwrap_or_default(),
            enable_execute_command: spec.enable_execute_command.unwrap_or(false),
            tags: spec.tags.clone().unwrap_or_default(),
        },
        task,
    })
}

/// Fargate reads environment files from platform version 1.4.0 on
/// (docs/aws.md §12); an older pinned version cannot start agents whose
/// secret travels in one.
fn check_environment_files(spec: &TemplateSpec, cloud: &Cloud, at: &str, errors: &mut Errors) {
    let Some(version) = spec.platform_version.as_deref() else {
        return;
    };
    let old = ["1.0.0", "1.1.0", "1.2.0", "1.3.0"].contains(&version);
    if old && cloud.secret_delivery == super::SecretDelivery::EnvironmentFile {
        errors.at(
            at,
            "platformVersion",
            format!(
                "`{version}` cannot read environment files, which cloud.secretDelivery \
                 `environmentFile` needs: use 1.4.0 or LATEST, or set secretDelivery: taskOverride"
            ),
        );
    }
}

/// The template's label set; labels are what makes a template reachable.
fn labels(spec: &TemplateSpec, at: &str, errors: &mut Errors) -> Option<LabelSet> {
    let text = spec.labels.as_deref().unwrap_or("").trim();
    if text.is_empty() {
        errors.at(
            at,
            "labels",
            "is required: the space-separated Jenkins labels this template serves",
        );
        return None;
    }
    if text.chars().filter(|c| *c == '"').count() % 2 == 1 {
        errors.at(
            at,
            "labels",
            format!(
                "`{text}` has an unclosed `\"`; quote a label that contains spaces as \"my label\""
            ),
        );
        return None;
    }
    Some(LabelSet::from_label_string(text))
}

/// A template that points at a task definition the user manages.
fn existing(
    spec: &TemplateSpec,
    reference: &str,
    fields: &Mapping,
    at: &str,
    errors: &mut Errors,
) -> TaskSource {
    for field in CONTAINER_FIELDS.iter().filter(|f| fields.contains_key(**f)) {
        errors.at(at, field, format!("has no effect with taskDefinition `{reference}`; set it in that task definition (or null it if inherited)"));
    }
    if reference.trim().is_empty() {
        errors.at(
            at,
            "taskDefinition",
            "is empty; give a family, family:revision or ARN",
        );
    }
    TaskSource::Existing {
        reference: reference.to_owned(),
        container: spec.agent_container_name.clone(),
    }
}

/// A template whose task definition we render and register.
fn register(
    spec: &TemplateSpec,
    cloud: &Cloud,
    placement: &Placement,
    at: &str,
    errors: &mut Errors,
) -> (TaskSource, Resources) {
    if spec.agent_container_name.is_some() {
        errors.at(at, "agentContainerName", "applies only with taskDefinition");
    }
    let windows = runtime_platform_is_windows(spec, at, errors);
    let resources = container::resources(spec, placement, at, errors);
    metadata::check_environment(spec, at, errors);
    container::check_container(spec, placement, windows, at, errors);
    container::check_volumes(spec, placement, at, errors);
    container::check_roles(spec, placement, at, errors);
    let ctx = RenderContext {
        cloud,
        compatibility: placement.compatibility,
        network_mode: placement.network_mode.clone(),
        windows,
    };
    let mut definition = render::render(spec, &ctx);
    let hash = taskdef::seal(&mut definition);
    (
        TaskSource::Register {
            definition: Box::new(definition),
            hash,
        },
        resources,
    )
}

fn runtime_platform_is_windows(spec: &TemplateSpec, at: &str, errors: &mut Errors) -> bool {
    let Some(platform) = &spec.runtime_platform else {
        return false;
    };
    if let Some(arch) = platform
        .cpu_architecture
        .as_deref()
        .filter(|a| !["X86_64", "ARM64"].contains(a))
    {
        errors.at(
            at,
            "runtimePlatform.cpuArchitecture",
            format!("`{arch}` is not X86_64 or ARM64"),
        );
    }
    let os = platform
        .operating_system_family
        .as_deref()
        .unwrap_or("LINUX");
    let windows = os.starts_with("WINDOWS_SERVER_");
    if os != "LINUX" && !windows {
        errors.at(
            at,
            "runtimePlatform.operatingSystemFamily",
            format!("`{os}` is not LINUX or a WINDOWS_SERVER_* family"),
        );
    }
    windows
}
