//! A failed start, written on the agent's node before task-stopped deletes
//! it, for the emitter to print into the waiting build's log.

use super::*;

/// The offline messages Jenkins took on `node` (the fake keeps one only while
/// the node exists: a note here was written before the deletion).
fn notes_on(handler: &Handler, node: &AgentName) -> Vec<String> {
    let messages = handler.launcher().deployment().jenkins.offline_messages();
    messages
        .into_iter()
        .filter(|(on, _)| on == node)
        .map(|(_, message)| message)
        .collect()
}

const PULL_ERROR: &str =
    "CannotPullContainerError: docker.io/jenkins/inbound-agent:no-such-tag: not found";

#[tokio::test]
async fn a_missing_image_is_noted_on_the_node_before_it_goes_with_what_to_fix() {
    let handler = handler();
    let node = launched(&handler, 7).await;
    let event = failed_to_start(&node, PULL_ERROR);
    let arn = event.task_arn.clone().unwrap();

    handler.handle(&event).await.unwrap();

    let link = crate::launch::console_link(&arn).unwrap();
    assert_eq!(
        notes_on(&handler, &node),
        [format!(
            "ecs-agents: queue item 7, agent ecs-linux-7: ECS task {arn} ({link}) failed to start: \
             {PULL_ERROR}. The image or its tag does not exist: fix the template's image and \
             publish the agents file (ecs-agents push). Not retried; while the build waits, one \
             more launch is tried each hour"
        )]
    );
    assert!(
        handler
            .launcher()
            .deployment()
            .jenkins
            .node_names()
            .is_empty()
    );
}

#[tokio::test]
async fn a_passing_cause_is_noted_with_the_attempt_that_follows() {
    let handler = handler();
    let node = launched(&handler, 7).await;

    handler
        .handle(&failed_to_start(
            &node,
            "Capacity is unavailable at this time",
        ))
        .await
        .unwrap();

    let notes = notes_on(&handler, &node);
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].ends_with(
            "failed to start: Capacity is unavailable at this time. A new agent is launched if \
             the build still waits (attempt 2 of 3)"
        ),
        "{notes:?}"
    );
}

#[tokio::test]
async fn the_last_failed_attempt_is_noted_as_given_up() {
    let handler = handler();
    let last = AgentName::new("ecs-linux-7-2");
    handler
        .launcher()
        .deployment()
        .jenkins
        .add_node(crate::jenkins::AgentNode {
            name: last.clone(),
            description: "ECS agent (template linux) for a queued build, queue item 7; created 1"
                .into(),
            num_executors: 1,
            remote_fs: "/home/jenkins/agent".into(),
            label_string: "linux".into(),
            web_socket: true,
        });

    handler
        .handle(&failed_to_start(
            &last,
            "Capacity is unavailable at this time",
        ))
        .await
        .unwrap();

    let notes = notes_on(&handler, &last);
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].ends_with(
            "Gave up after 3 attempts; while the build waits, one more launch is tried each hour"
        ),
        "{notes:?}"
    );
}

#[tokio::test]
async fn a_note_jenkins_cannot_take_does_not_keep_the_node_from_going() {
    let handler = handler();
    let node = launched(&handler, 7).await;
    let jenkins = &handler.launcher().deployment().jenkins;
    let refusal = JenkinsError::PermissionMissing {
        user: "ecs-agents".into(),
        permission: "Agent/Disconnect".into(),
    };
    jenkins.fail_next(Call::MarkOffline, refusal);

    let outcome = handler
        .handle(&failed_to_start(&node, PULL_ERROR))
        .await
        .unwrap();

    assert!(
        matches!(
            outcome,
            TaskChangeOutcome::Stopped {
                node_deleted: true,
                ..
            }
        ),
        "{outcome:?}"
    );
    assert!(notes_on(&handler, &node).is_empty());
}

#[tokio::test]
async fn a_task_that_ran_and_stopped_gets_no_note() {
    let handler = handler();
    let node = launched(&handler, 7).await;

    handler.handle(&stopped(&node, 6)).await.unwrap();

    assert!(notes_on(&handler, &node).is_empty());
}
