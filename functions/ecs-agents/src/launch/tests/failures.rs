//! Launches that fail: what is cleaned up, what is reported, what is retried.

use super::*;

#[tokio::test]
async fn jenkins_unavailable_before_the_node_exists_is_transient_and_leaves_nothing() {
    let launcher = launcher();
    launcher
        .deployment
        .jenkins
        .fail_next(Call::Create, JenkinsError::Unavailable("503".into()));
    let error = launcher.launch(&build(3, "linux")).await.unwrap_err();
    assert!(error.is_retryable(), "{error:?}");
    assert!(launcher.deployment.jenkins.node_names().is_empty());
    assert!(launcher.deployment.ecs.tasks().is_empty());
}

#[tokio::test]
async fn a_failure_after_the_node_was_created_deletes_the_node() {
    let launcher = launcher();
    launcher
        .deployment
        .jenkins
        .fail_next(Call::Secret, JenkinsError::Unavailable("timed out".into()));
    let error = launcher.launch(&build(3, "linux")).await.unwrap_err();
    assert!(error.is_retryable());
    assert!(
        launcher.deployment.jenkins.node_names().is_empty(),
        "no node without a task"
    );
    assert_eq!(launcher.deployment.ecs.run_calls(), 0);
}

#[tokio::test]
async fn capacity_failures_delete_the_node_and_are_retried_later() {
    let launcher = launcher();
    let failure = LaunchFailure {
        reason: "RESOURCE:MEMORY".into(),
        retryable: true,
    };
    launcher
        .deployment
        .ecs
        .answer_next_run(Ok(RunOutcome::Failed(failure)));
    let error = launcher.launch(&build(3, "linux")).await.unwrap_err();
    assert!(
        error.is_retryable() && error.to_string().contains("RESOURCE:MEMORY"),
        "{error:?}"
    );
    assert!(launcher.deployment.jenkins.node_names().is_empty());
    assert!(
        launcher.deployment.events.published().is_empty(),
        "transient failures are retried, not reported"
    );
}

#[tokio::test]
async fn throttling_after_the_sdk_retries_is_transient() {
    let launcher = launcher();
    launcher
        .deployment
        .ecs
        .answer_next_run(Err(EcsError::Throttled("Rate exceeded".into())));
    let error = launcher.launch(&build(3, "linux")).await.unwrap_err();
    assert!(error.is_retryable());
    assert!(launcher.deployment.jenkins.node_names().is_empty());
}

#[tokio::test]
async fn permanent_failures_delete_the_node_and_report_agent_launch_failed() {
    let launcher = launcher();
    let failure = LaunchFailure {
        reason: "MISSING".into(),
        retryable: false,
    };
    launcher
        .deployment
        .ecs
        .answer_next_run(Ok(RunOutcome::Failed(failure)));
    let error = launcher.launch(&build(3, "linux")).await.unwrap_err();
    assert!(!error.is_retryable());
    assert!(launcher.deployment.jenkins.node_names().is_empty());
    let events = launcher.deployment.events.published();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].kind, AgentEventKind::AgentLaunchFailed);
    assert!(events[0].reason.as_deref().unwrap().contains("MISSING"));
}

#[tokio::test]
async fn a_publishing_failure_never_fails_the_launch() {
    let launcher = launcher();
    launcher.deployment.events.fail();
    assert!(matches!(
        launcher.launch(&build(3, "linux")).await.unwrap(),
        LaunchOutcome::Launched { .. }
    ));
}

#[tokio::test]
async fn the_template_cap_defers_without_creating_anything() {
    let launcher = launcher();
    launcher.launch(&build(1, "linux")).await.unwrap();
    launcher.launch(&build(2, "linux")).await.unwrap();
    let outcome = launcher.launch(&build(3, "linux")).await.unwrap();
    assert_eq!(
        outcome,
        LaunchOutcome::Deferred {
            template: "linux".into(),
            reason: "2 of 2 `linux` agents running (template maxAgents)".into()
        }
    );
    assert_eq!(launcher.deployment.jenkins.node_names().len(), 2);
}

#[tokio::test]
async fn the_cloud_cap_counts_every_template() {
    let launcher = launcher();
    for (item, label) in [(1, "linux"), (2, "big"), (3, "big")] {
        launcher.launch(&build(item, label)).await.unwrap();
    }
    let outcome = launcher.launch(&build(4, "big")).await.unwrap();
    assert!(
        matches!(&outcome, LaunchOutcome::Deferred { reason, .. } if reason.contains("cloud maxAgents")),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn ecs_unavailable_for_counting_fails_the_launch_transiently_before_any_node() {
    let launcher = launcher();
    launcher
        .deployment
        .ecs
        .fail_listing(EcsError::Unavailable("timeout".into()));
    let error = launcher.launch(&build(1, "linux")).await.unwrap_err();
    assert!(error.is_retryable());
    assert!(launcher.deployment.jenkins.node_names().is_empty());
}

#[tokio::test]
async fn a_token_conflict_on_a_fresh_node_means_a_late_duplicate_and_leaves_nothing() {
    let launcher = launcher();
    launcher
        .deployment
        .ecs
        .answer_next_run(Err(EcsError::TokenConflict("params differ".into())));
    let error = launcher.launch(&build(3, "linux")).await.unwrap_err();
    assert!(
        matches!(error, LaunchError::AlreadyServed { .. }) && !error.is_retryable(),
        "{error:?}"
    );
    assert!(launcher.deployment.jenkins.node_names().is_empty());
    assert!(launcher.deployment.events.published().is_empty());
}

fn missing(permission: &str) -> JenkinsError {
    JenkinsError::PermissionMissing {
        user: "ecs-agents".into(),
        permission: permission.into(),
    }
}

#[tokio::test]
async fn a_create_refused_for_agent_create_is_permanent_reported_and_names_the_permission() {
    // GIVEN Jenkins refuses to create nodes
    let launcher = launcher();
    let jenkins = &launcher.deployment.jenkins;
    jenkins.fail_next(Call::Create, missing("Agent/Create"));
    // WHEN a build is launched
    let error = launcher.launch(&build(3, "linux")).await.unwrap_err();
    // THEN the failure names the permission, is not retried, and is reported
    assert!(!error.is_retryable());
    assert_eq!(
        error.to_string(),
        "agent ecs-linux-3: jenkins refused: ecs-agents is missing the Agent/Create permission"
    );
    let failed = launcher
        .deployment
        .events
        .first(AgentEventKind::AgentLaunchFailed);
    assert_eq!(failed.unwrap().reason, Some(error.to_string()));
    assert!(jenkins.node_names().is_empty());
    assert!(launcher.deployment.ecs.tasks().is_empty());
}

#[tokio::test]
async fn a_late_event_for_an_item_the_user_cannot_read_launches_as_if_jenkins_could_not_say() {
    // GIVEN a queue item the user may discover but not read (docs/jenkins-api.md §13)
    let launcher = launcher();
    let jenkins = &launcher.deployment.jenkins;
    jenkins.fail_next(Call::QueueItem, missing("Job/Read"));
    let mut late = build(5, "linux");
    late.age = Some(Duration::from_secs(120));
    // WHEN its late event is launched
    let outcome = launcher.launch(&late).await.unwrap();
    // THEN it is not taken for an item that left: the check fails open
    assert!(
        matches!(outcome, LaunchOutcome::Launched { .. }),
        "{outcome:?}"
    );
}
