//! The sample events of `events/ecs/` (ours, for `cargo lambda invoke` and
//! the handler tests) and the real captures of `tests/fixtures/aws-events/`
//! parse as the envelope the task-stopped Lambda receives,
//! `EventBridgeEvent<EcsTaskStateChange>`, and say what their names promise.
//! A sample may come wrapped as the failed-events queue keeps it (a Lambda
//! on-failure record): it is unwrapped as the function unwraps it.
//! Both directories are listed, so a new file is checked without a new test.
//! Here: what holds for every file; `ours`, `captures` and `failed_events`:
//! file by file.

use std::fs;
use std::path::{Path, PathBuf};

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use chrono::{DateTime, Utc};
use serde_json::Value;

use ecs_agents::stopped::EcsTaskStateChange;

type TaskEvent = EventBridgeEvent<EcsTaskStateChange>;

/// Our samples.
const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../events/ecs");
/// Real events, as AWS documents them.
const CAPTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/fixtures/aws-events"
);

const CLUSTER: &str = "arn:aws:ecs:eu-west-1:123456789012:cluster/jenkins-agents";
/// `startedBy` of deployment `ecs` (`infra/agents.yaml`).
const STARTED_BY: &str = "ecs-agents-ecs";
const PULL_FAILURE: &str = "CannotPullContainerError: pull image manifest has been retried 5 \
    time(s): failed to resolve ref docker.io/jenkins/inbound-agent:no-such-tag: \
    docker.io/jenkins/inbound-agent:no-such-tag: not found";

/// The `.json` files of `dir`, sorted.
fn json_files(dir: &str) -> Vec<PathBuf> {
    let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("{dir}: {e}"));
    let mut files: Vec<PathBuf> = entries
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    files
}

fn all_files() -> Vec<PathBuf> {
    let mut files = json_files(SAMPLES);
    files.extend(json_files(CAPTURES));
    files
}

fn file_name(path: &Path) -> &str {
    path.file_name().unwrap().to_str().unwrap()
}

fn raw(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Parses like the function does (unwrapping an on-failure record); a
/// failure names the field.
fn parse_text(path: &Path, text: &str) -> TaskEvent {
    let payload: Value =
        serde_json::from_str(text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let (event, _) = task_stopped::delivery::task_event(payload);
    serde_path_to_error::deserialize(event).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn parse(path: &Path) -> TaskEvent {
    parse_text(path, &raw(path))
}

fn sample(name: &str) -> TaskEvent {
    parse(&Path::new(SAMPLES).join(name))
}

fn capture(name: &str) -> TaskEvent {
    parse(&Path::new(CAPTURES).join(name))
}

/// The `detail` of one of our samples as plain JSON, for the fields
/// [`EcsTaskStateChange`] does not keep.
fn raw_detail(name: &str) -> Value {
    let text = raw(&Path::new(SAMPLES).join(name));
    let (mut event, _) = task_stopped::delivery::task_event(serde_json::from_str(&text).unwrap());
    event["detail"].take()
}

/// Every `JENKINS_SECRET` override in a raw event (wrapped or not).
fn secrets_in(text: &str) -> Vec<String> {
    let (event, _) = task_stopped::delivery::task_event(serde_json::from_str(text).unwrap());
    let overrides = event["detail"]["overrides"]["containerOverrides"].as_array();
    let environment = overrides
        .into_iter()
        .flatten()
        .filter_map(|o| o["environment"].as_array())
        .flatten();
    environment
        .filter(|e| e["name"] == "JENKINS_SECRET")
        .map(|e| e["value"].as_str().unwrap().to_owned())
        .collect()
}

fn exit_codes(change: &EcsTaskStateChange) -> Vec<Option<i64>> {
    change.containers.iter().map(|c| c.exit_code).collect()
}

fn at(text: &str) -> Option<DateTime<Utc>> {
    Some(text.parse().unwrap())
}

fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    let lengths: Vec<usize> = groups.iter().map(|g| g.len()).collect();
    lengths == [8, 4, 4, 4, 12]
        && groups
            .iter()
            .all(|g| g.chars().all(|c| c.is_ascii_hexdigit()))
}

mod captures;
mod failed_events;
mod ours;

#[test]
fn every_sample_and_capture_parses_as_an_eventbridge_task_state_change() {
    let files = all_files();
    assert!(files.len() >= 9, "{files:?}");
    for path in &files {
        let event = parse(path);
        assert_eq!(
            event.detail_type,
            "ECS Task State Change",
            "{}",
            path.display()
        );
        assert_eq!(event.source, "aws.ecs", "{}", path.display());
        let change = &event.detail;
        assert!(
            change.task_arn.is_some() && change.cluster_arn.is_some(),
            "{}",
            path.display()
        );
        assert!(
            change.last_status.is_some() && change.desired_status.is_some(),
            "{}",
            path.display()
        );
    }
}

#[test]
fn the_samples_named_by_the_handler_tests_all_exist() {
    let names: Vec<String> = json_files(SAMPLES)
        .iter()
        .map(|p| file_name(p).to_owned())
        .collect();
    for expected in [
        "task-running.json",
        "task-stopped-build-finished.json",
        "task-stopped-by-user.json",
        "task-spot-interruption-warning.json",
        "task-failed-to-start-image-pull.json",
        "task-of-another-deployment.json",
        "failed-event-on-failure-record.json",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} missing from {names:?}"
        );
    }
}

#[test]
fn every_sample_is_a_complete_envelope_about_one_task_in_eu_west_1() {
    for path in json_files(SAMPLES) {
        let event = parse(&path);
        let name = path.display();
        assert_eq!(event.version.as_deref(), Some("0"), "{name}");
        assert!(event.id.as_deref().is_some_and(is_uuid), "{name}");
        assert_eq!(event.account.as_deref(), Some("123456789012"), "{name}");
        assert_eq!(event.region.as_deref(), Some("eu-west-1"), "{name}");
        assert!(event.time.is_some(), "{name}");
        let task_arn = event.detail.task_arn.clone().unwrap();
        assert_eq!(event.resources, Some(vec![task_arn]), "{name}");
        assert_eq!(event.detail.cluster_arn.as_deref(), Some(CLUSTER), "{name}");
        assert!(event.detail.version.is_some(), "{name}");
        assert!(event.detail.created_at.is_some(), "{name}");
    }
}

#[test]
fn every_agent_sample_names_its_node_in_the_group_and_the_environment() {
    let ours = json_files(SAMPLES).into_iter().map(|p| parse(&p).detail);
    for change in ours.filter(|c| c.started_by.as_deref() == Some(STARTED_BY)) {
        let node = change.environment("JENKINS_AGENT_NAME").unwrap();
        assert_eq!(change.group, Some(format!("jenkins-agent:{node}")));
        assert!(node.starts_with("ecs-linux-"), "{node}");
        assert_eq!(change.environment("JENKINS_WEB_SOCKET"), Some("true"));
        assert_eq!(
            change.environment("JENKINS_AGENT_WORKDIR"),
            Some("/home/jenkins/agent")
        );
        assert_eq!(
            change.environment("REMOTING_OPTS"),
            Some("-noReconnectAfter 10m")
        );
        assert_eq!(change.containers.len(), 1);
        let container = &change.containers[0];
        assert_eq!(container.name.as_deref(), Some("jenkins-agent"));
        assert_eq!(
            container.image.as_deref(),
            Some("jenkins/inbound-agent:latest-jdk21")
        );
        let family = change.task_definition_arn.as_deref().unwrap();
        assert!(family.contains(":task-definition/ecs-linux"), "{family}");
    }
}

#[test]
fn only_the_two_spot_warnings_are_spot_warnings() {
    let warnings: Vec<String> = all_files()
        .iter()
        .filter(|path| parse(path).detail.is_spot_warning())
        .map(|path| file_name(path).to_owned())
        .collect();
    assert_eq!(
        warnings,
        [
            "task-spot-interruption-warning.json",
            "ecs-task-spot-interruption-warning.json"
        ]
    );
}

#[test]
fn formatting_an_event_never_shows_the_agent_secret_its_file_holds() {
    let mut checked = 0;
    for path in all_files() {
        let text = raw(&path);
        let event = parse_text(&path, &text);
        let shown = format!("{event:?} {event:#?}");
        let serialized = serde_json::to_string(&event).unwrap();
        for secret in secrets_in(&text) {
            assert!(text.contains(&secret));
            assert_eq!(
                event.detail.environment("JENKINS_SECRET"),
                Some(secret.as_str())
            );
            assert!(
                !shown.contains(&secret),
                "{} shows its secret",
                path.display()
            );
            assert!(
                !serialized.contains(&secret),
                "{} serializes its secret",
                path.display()
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 6, "one secret per agent sample");
}

#[test]
fn every_agent_secret_looks_like_a_real_one() {
    let secrets = json_files(SAMPLES)
        .into_iter()
        .flat_map(|p| secrets_in(&raw(&p)));
    for secret in secrets {
        assert_eq!(secret.len(), 64, "{secret}");
        assert!(
            secret.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')),
            "{secret}"
        );
    }
}
