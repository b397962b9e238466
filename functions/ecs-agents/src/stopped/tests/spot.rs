//! Spot warnings Jenkins refuses to act on for want of Agent/Disconnect.

use super::log_capture::LogCapture;
use super::*;
use crate::jenkins::JenkinsError;

fn spot_warning(node: &AgentName) -> EcsTaskStateChange {
    let mut warning = stopped(node, 4);
    warning.last_status = Some("RUNNING".into());
    warning.stop_code = Some("SpotInterruption".into());
    warning
}

fn disconnect_missing() -> JenkinsError {
    JenkinsError::PermissionMissing {
        user: "ecs-agents".into(),
        permission: "Agent/Disconnect".into(),
    }
}

#[tokio::test]
async fn a_spot_warning_without_agent_disconnect_is_done_and_the_final_stop_still_deletes_the_node()
{
    // GIVEN an agent, and Jenkins refusing to mark it offline
    let handler = handler();
    let node = launched(&handler, 7).await;
    let jenkins = &handler.launcher().deployment().jenkins;
    jenkins.fail_next(Call::MarkOffline, disconnect_missing());
    // WHEN its Spot warning arrives
    let outcome = handler.handle(&spot_warning(&node)).await;
    // THEN the event is done, saying why the node stays online
    let Ok(TaskChangeOutcome::NotMarkedOffline { reason, .. }) = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(
        reason,
        "jenkins refused: ecs-agents is missing the Agent/Disconnect permission"
    );
    // AND the STOPPED event that follows deletes the node
    handler.handle(&stopped(&node, 6)).await.unwrap();
    assert!(jenkins.node_names().is_empty());
}

#[tokio::test]
async fn the_missing_permission_is_logged_once_per_instance() {
    let captured = LogCapture::start();
    let handler = handler();
    let jenkins = &handler.launcher().deployment().jenkins;
    for item in [7, 8] {
        let node = launched(&handler, item).await;
        jenkins.fail_next(Call::MarkOffline, disconnect_missing());
        handler.handle(&spot_warning(&node)).await.unwrap();
    }
    let log = captured.text();
    // Said once at a level operators see; the debug lines may repeat it.
    let said = log
        .lines()
        .filter(|l| !l.contains("DEBUG") && l.contains("Agent/Disconnect"))
        .count();
    assert_eq!(said, 1, "{log}");
}

#[tokio::test]
async fn jenkins_unavailable_on_a_spot_warning_still_fails_the_event_for_a_retry() {
    let handler = handler();
    let node = launched(&handler, 7).await;
    handler
        .launcher()
        .deployment()
        .jenkins
        .fail_next(Call::MarkOffline, JenkinsError::Unavailable("502".into()));
    let error = handler.handle(&spot_warning(&node)).await.unwrap_err();
    assert!(error.source.is_retryable());
}
