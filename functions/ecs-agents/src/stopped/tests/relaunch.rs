//! Failed starts (relaunched, reported, or left to the reconciler), Jenkins
//! unavailable, and what is never logged.

use super::log_capture::LogCapture;
use super::*;

#[tokio::test]
async fn a_transient_start_failure_is_relaunched_for_the_same_queue_item() {
    let handler = handler();
    let node = launched(&handler, 7).await;
    let outcome = handler
        .handle(&failed_to_start(
            &node,
            "Capacity is unavailable at this time",
        ))
        .await
        .unwrap();
    let TaskChangeOutcome::Stopped { relaunched, .. } = outcome else {
        panic!("{outcome:?}")
    };
    let replacement = AgentName::new("ecs-linux-7-1");
    assert_eq!(relaunched, Some(replacement.clone()));
    assert_eq!(
        handler.launcher().deployment().jenkins.node_names(),
        [replacement]
    );
    let tasks = handler.launcher().deployment().ecs.tasks();
    assert_eq!(tasks.len(), 2);
    assert_ne!(
        tasks[0].launch.client_token, tasks[1].launch.client_token,
        "a new attempt is a new launch"
    );
    // The duplicate of the same failure converges on the same replacement.
    handler
        .handle(&failed_to_start(
            &node,
            "Capacity is unavailable at this time",
        ))
        .await
        .unwrap();
    assert_eq!(handler.launcher().deployment().ecs.tasks().len(), 2);
}

#[tokio::test]
async fn relaunching_stops_after_the_last_attempt() {
    let handler = handler();
    let last = AgentName::new("ecs-linux-7-2");
    let outcome = handler
        .handle(&failed_to_start(
            &last,
            "Capacity is unavailable at this time",
        ))
        .await
        .unwrap();
    assert!(
        matches!(
            outcome,
            TaskChangeOutcome::Stopped {
                relaunched: None,
                ..
            }
        ),
        "{outcome:?}"
    );
    assert!(handler.launcher().deployment().ecs.tasks().is_empty());
    let failed = handler
        .launcher()
        .deployment()
        .events
        .first(AgentEventKind::AgentLaunchFailed)
        .unwrap();
    assert!(
        failed
            .reason
            .unwrap()
            .starts_with("gave up after 3 attempts: Capacity is unavailable")
    );
}

#[tokio::test]
async fn a_later_hours_first_attempt_is_relaunched_within_its_window() {
    // The reconciler numbers the second hour's launches from 3 (3 per hour).
    let handler = handler();
    let later = AgentName::new("ecs-linux-7-3");
    let outcome = handler
        .handle(&failed_to_start(
            &later,
            "Capacity is unavailable at this time",
        ))
        .await
        .unwrap();
    let TaskChangeOutcome::Stopped { relaunched, .. } = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(relaunched, Some(AgentName::new("ecs-linux-7-4")));
}

#[tokio::test]
async fn a_missing_image_is_reported_and_never_relaunched() {
    let handler = handler();
    let node = launched(&handler, 7).await;
    let reason = "CannotPullContainerError: docker.io/jenkins/inbound-agent:nope: not found";
    let outcome = handler
        .handle(&failed_to_start(&node, reason))
        .await
        .unwrap();
    assert!(
        matches!(
            outcome,
            TaskChangeOutcome::Stopped {
                relaunched: None,
                ..
            }
        ),
        "{outcome:?}"
    );
    assert_eq!(
        handler.launcher().deployment().ecs.tasks().len(),
        1,
        "no new task"
    );
    let kinds: Vec<_> = handler
        .launcher()
        .deployment()
        .events
        .published()
        .iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(
        kinds,
        [
            AgentEventKind::AgentLaunched,
            AgentEventKind::AgentLaunchFailed,
            AgentEventKind::AgentStopped
        ]
    );
}

#[tokio::test]
async fn no_relaunch_when_the_build_no_longer_waits() {
    let handler = handler();
    let node = launched(&handler, 7).await;
    handler
        .launcher()
        .deployment()
        .jenkins
        .set_queue_item(7, QueueItemState::Left { cancelled: true });
    let outcome = handler
        .handle(&failed_to_start(
            &node,
            "Capacity is unavailable at this time",
        ))
        .await
        .unwrap();
    assert!(
        matches!(
            outcome,
            TaskChangeOutcome::Stopped {
                relaunched: None,
                ..
            }
        ),
        "{outcome:?}"
    );
    assert_eq!(handler.launcher().deployment().ecs.tasks().len(), 1);
}

#[tokio::test]
async fn jenkins_unavailable_fails_the_event_so_lambda_retries_it() {
    let handler = handler();
    let node = launched(&handler, 7).await;
    handler.launcher().deployment().jenkins.fail_next(
        Call::Delete,
        crate::jenkins::JenkinsError::Unavailable("502".into()),
    );
    let error = handler.handle(&stopped(&node, 6)).await.unwrap_err();
    assert!(error.source.is_retryable());
    let stops = handler
        .launcher()
        .deployment()
        .events
        .published()
        .into_iter()
        .filter(|e| e.kind == AgentEventKind::AgentStopped)
        .count();
    assert_eq!(stops, 0, "never report a deletion that did not happen");
    handler.handle(&stopped(&node, 6)).await.unwrap();
    assert!(
        handler
            .launcher()
            .deployment()
            .jenkins
            .node_names()
            .is_empty(),
        "the retry deletes it"
    );
}

#[tokio::test]
async fn the_log_of_a_whole_run_never_contains_the_agent_secret() {
    let captured = LogCapture::start();
    let handler = handler();
    let node = launched(&handler, 7).await;
    handler.handle(&stopped(&node, 6)).await.unwrap();
    handler
        .handle(&failed_to_start(
            &node,
            "CannotPullContainerError: not found",
        ))
        .await
        .unwrap();
    let log = captured.text();
    assert!(
        log.contains("agent ecs-linux-7 stopped: Essential container in task exited"),
        "{log}"
    );
    assert!(!log.contains(SECRET));
    assert!(!format!("{:?}", stopped(&node, 6)).contains(SECRET));
}

#[tokio::test]
async fn a_failed_start_whose_queue_item_the_user_cannot_read_is_still_relaunched() {
    // GIVEN a failed start, and Jenkins refusing to show the item (Job/Read missing)
    let handler = handler();
    let node = launched(&handler, 7).await;
    let jenkins = &handler.launcher().deployment().jenkins;
    let unreadable = || crate::jenkins::JenkinsError::PermissionMissing {
        user: "ecs-agents".into(),
        permission: "Job/Read".into(),
    };
    jenkins.fail_next(Call::QueueItem, unreadable());
    let failure = failed_to_start(&node, "Capacity is unavailable at this time");
    // WHEN the event is handled
    let outcome = handler.handle(&failure).await.unwrap();
    // THEN the item is not taken for gone: a replacement is launched
    let TaskChangeOutcome::Stopped { relaunched, .. } = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(relaunched, Some(AgentName::new("ecs-linux-7-1")));
    // AND a duplicate of the event converges on the same task
    jenkins.fail_next(Call::QueueItem, unreadable());
    handler.handle(&failure).await.unwrap();
    assert_eq!(handler.launcher().deployment().ecs.tasks().len(), 2);
}
