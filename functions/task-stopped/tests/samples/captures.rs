//! The real captures, one by one.

use super::*;

#[test]
fn the_real_spot_warning_parses_without_time_or_region() {
    let event = capture("ecs-task-spot-interruption-warning.json");

    assert_eq!((event.time, event.region), (None, None));
    assert!(event.detail.is_spot_warning() && !event.detail.is_stopped());
    assert_eq!(event.detail.version, None);
    assert!(event.detail.containers.is_empty() && event.detail.overrides.is_none());
}

#[test]
fn the_real_running_fargate_task_is_running() {
    let event = capture("ecs-task-running-fargate.json");
    let change = &event.detail;

    assert_eq!(event.time, at("2020-01-23T17:57:58Z"));
    assert_eq!(change.last_status.as_deref(), Some("RUNNING"));
    assert!(!change.is_stopped() && !change.is_spot_warning());
    assert_eq!(change.version, Some(4));
    assert_eq!(exit_codes(change), [None]);
    assert_eq!(change.environment("JENKINS_AGENT_NAME"), None);
}

#[test]
fn the_real_deprovisioning_task_has_exited_but_is_not_stopped_yet() {
    let change = capture("ecs-task-deprovisioning-with-env-overrides.json").detail;

    assert_eq!(change.last_status.as_deref(), Some("DEPROVISIONING"));
    assert!(!change.is_stopped() && !change.is_spot_warning());
    assert_eq!(
        change.stop_code.as_deref(),
        Some("EssentialContainerExited")
    );
    assert_eq!(exit_codes(&change), [Some(0)]);
    assert_eq!(change.version, Some(4));
    assert_eq!(change.environment("VOTERINTAKE_STATE"), Some("OH"));
    assert_eq!(change.stopped_at, None);
}
