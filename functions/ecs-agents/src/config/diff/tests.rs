//! What a diff between two agents files shows.

use super::*;

const CLOUD: &str = "cloud: {name: ecs, cluster: agents, jenkinsUrl: 'https://ci.example.com'}";

fn config(templates: &str) -> AgentsConfig {
    AgentsConfig::from_yaml(&format!("{CLOUD}\ntemplates:\n{templates}")).unwrap()
}

const LINUX: &str =
    "  - {name: linux, labels: linux docker, cpu: 512, memory: 1024, subnets: [s-1]}\n";

#[test]
fn the_same_file_changes_nothing() {
    let diff = ConfigDiff::between(&config(LINUX), &config(LINUX));
    assert!(diff.is_empty());
    assert_eq!(diff.to_string(), "no changes\n");
}

#[test]
fn a_new_template_is_added_and_serves_its_labels() {
    let after = config(&format!(
        "{LINUX}  - {{name: gpu, labels: gpu, cpu: 512, memory: 1024, subnets: [s-1]}}\n"
    ));
    let diff = ConfigDiff::between(&config(LINUX), &after);
    assert_eq!(diff.added, ["gpu"]);
    assert_eq!(
        diff.served,
        [ServedChange {
            label: "gpu".into(),
            before: None,
            after: Some("gpu".into())
        }]
    );
    assert!(diff.task_definitions.is_empty() && diff.removed.is_empty());
}

#[test]
fn a_new_image_changes_the_task_definition_hash() {
    let after =
        config(&LINUX.replace("cpu: 512", "image: 'jenkins/inbound-agent:jdk21', cpu: 512"));
    let diff = ConfigDiff::between(&config(LINUX), &after);
    assert_eq!(diff.task_definitions.len(), 1, "{diff}");
    let change = &diff.task_definitions[0];
    assert_eq!(change.template, "linux");
    assert!(
        change.before.starts_with("hash ") && change.before != change.after,
        "{change:?}"
    );
    assert!(diff.launch_settings.is_empty() && diff.served.is_empty());
}

#[test]
fn settings_outside_the_task_definition_are_named_apart() {
    let after = config(&LINUX.replace("subnets: [s-1]", "subnets: [s-2], maxAgents: 3"));
    let diff = ConfigDiff::between(&config(LINUX), &after);
    assert_eq!(diff.launch_settings, ["linux"]);
    assert!(diff.task_definitions.is_empty());
}

#[test]
fn a_template_moved_ahead_takes_over_the_labels_it_shares() {
    let big = "  - {name: big, labels: linux big, cpu: 4096, memory: 8192, subnets: [s-1]}\n";
    let diff = ConfigDiff::between(
        &config(&format!("{LINUX}{big}")),
        &config(&format!("{big}{LINUX}")),
    );
    assert_eq!(diff.served.len(), 1, "{diff}");
    assert_eq!(
        diff.to_string(),
        "labels served differently:\n  linux: linux -> big\n"
    );
}

#[test]
fn a_removed_template_leaves_its_labels_unserved_and_cloud_changes_are_listed() {
    let before = config(&format!(
        "{LINUX}  - {{name: gpu, labels: gpu, cpu: 512, memory: 1024, subnets: [s-1]}}\n"
    ));
    let after = AgentsConfig::from_yaml(&format!(
        "{}\ntemplates:\n{LINUX}",
        CLOUD.replace("agents,", "agents, maxAgents: 5,")
    ))
    .unwrap();
    let text = ConfigDiff::between(&before, &after).to_string();
    assert_eq!(
        text,
        "templates removed: gpu\n\
         labels served differently:\n  gpu: gpu -> no template\n\
         cloud settings:\n  maxAgents: 20 -> 5\n"
    );
}
