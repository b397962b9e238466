//! Loading whole files: defaults, inheritance, rendering, hashing, selection.

use super::*;
use crate::taskdef::TaskDefinition;

const CLOUD: &str =
    "cloud: {name: ecs, cluster: agents, jenkinsUrl: 'https://jenkins.example.com'}\n";

fn load(templates: &str) -> AgentsConfig {
    AgentsConfig::from_yaml(&format!("{CLOUD}templates:\n{templates}"))
        .unwrap_or_else(|e| panic!("{e}"))
}

fn errors(templates: &str) -> Vec<String> {
    let errors = AgentsConfig::from_yaml(&format!("{CLOUD}templates:\n{templates}")).unwrap_err();
    errors.errors().iter().map(ToString::to_string).collect()
}

fn definition(template: &AgentTemplate) -> &TaskDefinition {
    match &template.task {
        TaskSource::Register { definition, .. } => definition,
        TaskSource::Existing { .. } => panic!("{} uses an existing task definition", template.name),
    }
}

fn hash(template: &AgentTemplate) -> &str {
    match &template.task {
        TaskSource::Register { hash, .. } => hash,
        TaskSource::Existing { .. } => panic!("no hash for existing task definitions"),
    }
}

const FARGATE: &str = "  - {name: linux, labels: linux, cpu: 512, memory: 1024, subnets: [s-1]}\n";

#[test]
fn the_shipped_example_loads() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../infra/agents.yaml"
    ))
    .unwrap();
    let config = AgentsConfig::from_yaml(&text).unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<_> = config.templates.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        names,
        ["linux", "linux-arm", "linux-spot", "docker", "integration"]
    );
}

#[test]
fn a_template_without_launch_settings_runs_on_fargate_with_awsvpc() {
    let config = load(FARGATE);
    let template = &config.templates[0];
    assert_eq!(
        template.launch.capacity,
        Capacity::LaunchType(LaunchType::Fargate)
    );
    let definition = definition(template);
    assert_eq!(definition.requires_compatibilities, ["FARGATE"]);
    assert_eq!(definition.network_mode.as_deref(), Some("awsvpc"));
    assert_eq!(
        (definition.cpu.as_deref(), definition.memory.as_deref()),
        (Some("512"), Some("1024"))
    );
    assert_eq!(template.launch.network.as_ref().unwrap().subnets, ["s-1"]);
    assert_eq!(template.retention, Retention::SingleUse);
    assert_eq!(
        template.resources,
        Some(Resources {
            cpu: 512,
            memory: 1024
        })
    );
}

#[test]
fn the_agent_container_runs_an_init_process_unless_switched_off() {
    let config = load(&format!(
        "{FARGATE}  - {{name: no-init, inheritFrom: linux, labels: x, initProcessEnabled: false}}\n"
    ));
    let init = |t: &AgentTemplate| {
        definition(t).container_definitions[0]
            .linux_parameters
            .as_ref()
            .unwrap()
            .init_process_enabled
    };
    assert_eq!(init(&config.templates[0]), Some(true));
    assert_eq!(
        init(&config.templates[1]),
        Some(false),
        "a child switches off what defaults to on"
    );
}

#[test]
fn a_child_switches_off_a_boolean_its_parent_switched_on() {
    let config = load(
        "  - {name: base, labels: b, launchType: EC2, memory: 512, privileged: true}\n  - {name: kid, inheritFrom: base, labels: k, privileged: false}\n",
    );
    let privileged = |t: &AgentTemplate| definition(t).container_definitions[0].privileged;
    assert_eq!(privileged(&config.templates[0]), Some(true));
    assert_eq!(privileged(&config.templates[1]), Some(false));
}

#[test]
fn windows_templates_get_no_linux_parameters() {
    let config = load(&format!(
        "{FARGATE}  - {{name: win, inheritFrom: linux, labels: windows, cpu: 1024, memory: 2048, runtimePlatform: {{operatingSystemFamily: WINDOWS_SERVER_2022_CORE}}}}\n"
    ));
    let windows = definition(&config.templates[1]);
    assert_eq!(windows.container_definitions[0].linux_parameters, None);
    assert_eq!(
        windows.runtime_platform.as_ref().unwrap().cpu_architecture,
        "X86_64"
    );
}

#[test]
fn jvm_args_become_java_opts() {
    let config = load(
        "  - {name: linux, labels: linux, cpu: 512, memory: 1024, subnets: [s-1], jvmArgs: -Xmx512m, environment: {A: b}}\n",
    );
    let env = &definition(&config.templates[0]).container_definitions[0].environment;
    let pairs: Vec<_> = env
        .iter()
        .map(|kv| (kv.name.as_str(), kv.value.as_str()))
        .collect();
    assert_eq!(pairs, [("A", "b"), ("JAVA_OPTS", "-Xmx512m")]);
}

#[test]
fn fargate_spot_via_providers_is_fargate_compatible() {
    let config = load(
        "  - {name: spot, labels: spot, cpu: 512, memory: 1024, subnets: [s-1], capacityProviderStrategy: [{capacityProvider: FARGATE_SPOT, weight: 3}, {capacityProvider: FARGATE, base: 1}]}\n",
    );
    let template = &config.templates[0];
    assert_eq!(definition(template).requires_compatibilities, ["FARGATE"]);
    let Capacity::Providers(items) = &template.launch.capacity else {
        panic!("expected providers")
    };
    assert_eq!((items[0].weight, items[1].base, items[1].weight), (3, 1, 1));
}

#[test]
fn the_cluster_default_sends_no_launch_type_but_keeps_compatibility() {
    let config = load(
        "  - {name: d, labels: d, defaultCapacityProvider: true, launchType: FARGATE, cpu: 512, memory: 1024, subnets: [s-1]}\n",
    );
    assert_eq!(
        config.templates[0].launch.capacity,
        Capacity::ClusterDefault
    );
    assert_eq!(
        definition(&config.templates[0]).requires_compatibilities,
        ["FARGATE"]
    );
}

#[test]
fn an_existing_task_definition_is_run_as_is() {
    let config = load(
        "  - {name: ext, labels: ext, taskDefinition: 'arn:aws:ecs:eu-west-1:1:task-definition/x:3', agentContainerName: agent, subnets: [s-1]}\n",
    );
    let template = &config.templates[0];
    assert_eq!(template.agent_container(), Some("agent"));
    assert_eq!(template.resources, None);
    assert!(
        matches!(&template.task, TaskSource::Existing { reference, .. } if reference.ends_with("x:3"))
    );
}

#[test]
fn idle_minutes_on_a_template_override_the_cloud() {
    let text = "cloud: {name: ecs, cluster: c, jenkinsUrl: 'http://j', idleMinutes: 5}\ntemplates:\n  - {name: a, labels: a, launchType: EC2, memory: 512}\n  - {name: b, labels: b, launchType: EC2, memory: 512, idleMinutes: 30}\n";
    let config = AgentsConfig::from_yaml(text).unwrap();
    assert_eq!(
        config.templates[0].retention,
        Retention::Idle { minutes: 5 }
    );
    assert_eq!(
        config.templates[1].retention,
        Retention::Idle { minutes: 30 }
    );
}

#[test]
fn the_hash_is_stable_across_loads() {
    assert_eq!(
        hash(&load(FARGATE).templates[0]),
        hash(&load(FARGATE).templates[0])
    );
}

#[test]
fn the_hash_changes_when_anything_in_the_task_definition_changes() {
    let base = load(FARGATE);
    let variants = [
        "  - {name: linux, labels: linux, cpu: 1024, memory: 2048, subnets: [s-1]}\n",
        "  - {name: linux, labels: linux, cpu: 512, memory: 1024, subnets: [s-1], runtimePlatform: {cpuArchitecture: ARM64}}\n",
        "  - {name: linux, labels: linux, cpu: 512, memory: 1024, subnets: [s-1], ephemeralStorageGib: 30}\n",
        "  - {name: linux, labels: linux, cpu: 512, memory: 1024, subnets: [s-1], tags: {team: a}}\n",
        "  - {name: linux, labels: linux, cpu: 512, memory: 1024, subnets: [s-1], image: 'jenkins/inbound-agent:3309.v27b_9314fd1a_4-1'}\n",
        "  - {name: linux, labels: linux, launchType: EC2, networkMode: awsvpc, cpu: 512, memory: 1024, subnets: [s-1]}\n",
        "  - {name: linux, labels: linux, cpu: 512, memory: 1024, subnets: [s-1], initProcessEnabled: false}\n",
    ];
    for variant in variants {
        assert_ne!(
            hash(&base.templates[0]),
            hash(&load(variant).templates[0]),
            "{variant}"
        );
    }
}

#[test]
fn run_task_settings_and_labels_do_not_change_the_hash() {
    let other = load(
        "  - {name: linux, labels: linux other, cpu: 512, memory: 1024, subnets: [s-2], assignPublicIp: true, maxAgents: 3}\n",
    );
    assert_eq!(hash(&load(FARGATE).templates[0]), hash(&other.templates[0]));
}

#[test]
fn selection_takes_the_first_template_in_file_order() {
    let config = load(&format!(
        "{FARGATE}  - {{name: big, inheritFrom: linux, labels: linux big}}\n"
    ));
    assert_eq!(config.select_for_job_label("linux").unwrap().name, "linux");
    assert_eq!(
        config.select_for_job_label("linux&&big").unwrap().name,
        "big"
    );
    assert!(config.select_for_job_label("windows").is_none());
    assert!(
        config.select_for_job_label("").is_none(),
        "unrestricted jobs are not ours"
    );
}

#[test]
fn every_error_in_every_template_is_reported() {
    let found = errors(
        "  - {name: a, labels: a, cpu: 512, memory: 100, subnets: [s-1], memoryReservation: 200}\n  - {name: b, labels: b, launchType: MOON, memory: 512}\n  - {name: c, labels: c, cpu: 256, memory: 512, subnets: [s-1], privileged: true, placementStrategies: [{type: spread}]}\n",
    );
    assert_eq!(found.len(), 6, "{found:#?}");
    assert!(
        found[0].starts_with("templates[0] (a).memory: 100 MiB is below memoryReservation 200 MiB")
    );
    assert!(
        found[1].starts_with(
            "templates[0] (a).cpu: Fargate does not offer memory 100 MiB with cpu 512"
        )
    );
    assert_eq!(
        found[2],
        "templates[1] (b).launchType: `MOON` is not a launch type; allowed: EC2, FARGATE, EXTERNAL"
    );
    assert_eq!(
        found[3],
        "templates[2] (c).privileged: is not supported on Fargate"
    );
    assert_eq!(
        found[4],
        "templates[2] (c).placementStrategies: is not supported on Fargate"
    );
    assert!(
        found[5].starts_with("templates[2] (c).placementStrategies[0].field: spread needs a field")
    );
}

#[test]
fn a_child_of_a_broken_parent_is_not_reported_twice() {
    let found = errors(
        "  - {name: a, labels: a, cpu: lots, memory: 512, subnets: [s-1]}\n  - {name: b, inheritFrom: a, labels: b}\n",
    );
    assert_eq!(
        found,
        ["templates[0] (a).cpu: invalid type: string \"lots\", expected u32"]
    );
}
