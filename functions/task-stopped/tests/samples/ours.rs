//! Our samples, one by one.

use super::*;

#[test]
fn a_running_agent_is_neither_stopped_nor_warned() {
    let change = sample("task-running.json").detail;

    assert_eq!(change.last_status.as_deref(), Some("RUNNING"));
    assert_eq!(change.desired_status.as_deref(), Some("RUNNING"));
    assert_eq!(change.version, Some(3));
    assert!(!change.is_stopped() && !change.is_spot_warning());
    assert_eq!((&change.stop_code, &change.stopped_reason), (&None, &None));
    assert_eq!((change.stopping_at, change.stopped_at), (None, None));
    assert!(change.started_at.is_some());
    assert_eq!(exit_codes(&change), [None]);
    assert_eq!(
        change.environment("JENKINS_AGENT_NAME"),
        Some("ecs-linux-123")
    );
    assert_eq!(change.launch_type.as_deref(), Some("FARGATE"));
}

#[test]
fn a_finished_build_stops_the_task_with_exit_code_zero_and_every_timestamp() {
    // GIVEN
    let change = sample("task-stopped-build-finished.json").detail;
    let detail = raw_detail("task-stopped-build-finished.json");
    // THEN
    assert!(change.is_stopped() && !change.is_spot_warning());
    assert_eq!(change.desired_status.as_deref(), Some("STOPPED"));
    assert_eq!(
        change.stop_code.as_deref(),
        Some("EssentialContainerExited")
    );
    assert_eq!(
        change.stopped_reason.as_deref(),
        Some("Essential container in task exited")
    );
    assert_eq!(exit_codes(&change), [Some(0)]);
    assert_eq!(change.version, Some(6));
    assert_eq!(
        change.environment("JENKINS_AGENT_NAME"),
        Some("ecs-linux-123")
    );
    for field in [
        "createdAt",
        "pullStartedAt",
        "pullStoppedAt",
        "startedAt",
        "stoppingAt",
        "executionStoppedAt",
        "stoppedAt",
    ] {
        let text = detail[field]
            .as_str()
            .unwrap_or_else(|| panic!("{field} missing"));
        assert!(at(text).is_some() && text.ends_with('Z'), "{field}: {text}");
    }
    let times = [
        change.created_at,
        change.started_at,
        change.stopping_at,
        change.stopped_at,
    ];
    assert!(times.iter().all(Option::is_some));
    assert!(times.is_sorted(), "{times:?}");
}

#[test]
fn the_running_and_stopped_samples_are_one_task_whose_version_grew() {
    let running = sample("task-running.json").detail;
    let stopped = sample("task-stopped-build-finished.json").detail;

    assert_eq!(running.task_arn, stopped.task_arn);
    assert_eq!(running.created_at, stopped.created_at);
    assert!(running.version < stopped.version);
}

#[test]
fn an_agent_stopped_by_us_says_user_initiated_and_exits_143() {
    let change = sample("task-stopped-by-user.json").detail;

    assert!(change.is_stopped() && !change.is_spot_warning());
    assert_eq!(change.stop_code.as_deref(), Some("UserInitiated"));
    assert_eq!(
        change.stopped_reason.as_deref(),
        Some("Jenkins agent finished its build")
    );
    assert_eq!(exit_codes(&change), [Some(143)]);
    assert!(change.started_at.is_some() && change.stopped_at.is_some());
    assert_eq!(
        change.environment("JENKINS_AGENT_NAME"),
        Some("ecs-linux-125")
    );
}

#[test]
fn a_spot_warning_is_a_running_task_told_to_stop() {
    let change = sample("task-spot-interruption-warning.json").detail;

    assert!(change.is_spot_warning() && !change.is_stopped());
    assert_eq!(change.last_status.as_deref(), Some("RUNNING"));
    assert_eq!(change.desired_status.as_deref(), Some("STOPPED"));
    assert_eq!(change.stop_code.as_deref(), Some("SpotInterruption"));
    assert_eq!(
        change.stopped_reason.as_deref(),
        Some("Your Spot Task was interrupted.")
    );
    assert_eq!(
        change.capacity_provider_name.as_deref(),
        Some("FARGATE_SPOT")
    );
    assert!(change.stopping_at.is_some());
    assert_eq!(change.stopped_at, None);
    assert_eq!(exit_codes(&change), [None]);
    assert_eq!(
        change.environment("JENKINS_AGENT_NAME"),
        Some("ecs-linux-spot-124")
    );
}

#[test]
fn a_task_whose_image_cannot_be_pulled_never_started_and_has_no_exit_code() {
    // GIVEN
    let change = sample("task-failed-to-start-image-pull.json").detail;
    let detail = raw_detail("task-failed-to-start-image-pull.json");
    // THEN
    assert!(change.is_stopped() && !change.is_spot_warning());
    assert_eq!(change.stop_code.as_deref(), Some("TaskFailedToStart"));
    assert_eq!(change.stopped_reason.as_deref(), Some(PULL_FAILURE));
    assert_eq!(change.started_at, None);
    assert!(detail.get("startedAt").is_none());
    assert!(detail["pullStartedAt"].is_string());
    assert_eq!(exit_codes(&change), [None]);
    assert!(detail["containers"][0].get("exitCode").is_none());
    assert_eq!(change.containers[0].reason.as_deref(), Some(PULL_FAILURE));
    assert_eq!(
        change.environment("JENKINS_AGENT_NAME"),
        Some("ecs-linux-126")
    );
}

#[test]
fn a_service_task_in_our_cluster_carries_no_agent() {
    let change = sample("task-of-another-deployment.json").detail;

    assert!(change.is_stopped() && !change.is_spot_warning());
    assert_eq!(
        change.started_by.as_deref(),
        Some("ecs-svc/1234567890123456789")
    );
    assert_eq!(change.group.as_deref(), Some("service:web"));
    assert_eq!(change.cluster_arn.as_deref(), Some(CLUSTER));
    assert_eq!(change.environment("JENKINS_AGENT_NAME"), None);
    assert_eq!(change.environment("JENKINS_SECRET"), None);
}
