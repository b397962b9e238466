//! Notes for the waiting build, written as offline causes Jenkins tells its
//! `ComputerListener`s of (see `launch::note`).

use super::*;
use crate::jenkins::AgentNode;

/// A launcher whose Jenkins has the cloud's placeholder node, as the
/// reconciler keeps it.
fn with_placeholder() -> TestLauncher {
    let launcher = launcher();
    launcher.deployment.jenkins.add_node(AgentNode {
        name: node("ecs_placeholder"),
        description: "Placeholder managed by ecs-agents".into(),
        num_executors: 1,
        remote_fs: "/home/jenkins/placeholder".into(),
        label_string: String::new(),
        web_socket: true,
    });
    launcher
}

/// The notes Jenkins took on the placeholder node.
fn placeholder_notes(launcher: &TestLauncher) -> Vec<String> {
    let messages = launcher.deployment.jenkins.offline_messages();
    messages
        .into_iter()
        .filter(|(on, _)| on.as_str() == "ecs_placeholder")
        .map(|(_, message)| message)
        .collect()
}

#[tokio::test]
async fn a_started_task_is_noted_on_the_placeholder_with_its_ecs_console_link() {
    let launcher = with_placeholder();

    let outcome = launcher.launch(&build(42, "linux")).await.unwrap();

    let LaunchOutcome::Launched { task_arn, .. } = outcome else {
        panic!("not launched: {outcome:?}");
    };
    let link = console_link(&task_arn).expect("the fake's ARNs name region and cluster");
    assert_eq!(
        placeholder_notes(&launcher),
        [format!(
            "ecs-agents: queue item 42, agent ecs-linux-42: ECS task {task_arn} ({link}) started \
             from template linux; waiting for the agent to connect"
        )]
    );
}

#[tokio::test]
async fn a_launch_waiting_at_a_cap_is_noted_on_the_placeholder() {
    let launcher = with_placeholder();
    launcher.launch(&build(1, "linux")).await.unwrap();
    launcher.launch(&build(2, "linux")).await.unwrap();

    launcher.launch(&build(3, "linux")).await.unwrap();

    assert_eq!(
        placeholder_notes(&launcher).last().map(String::as_str),
        Some(
            "ecs-agents: queue item 3, agent ecs-linux-3: waiting at a cap: 2 of 2 `linux` agents \
             running (template maxAgents); an agent is launched when room frees up"
        )
    );
}

#[tokio::test]
async fn a_launch_that_cannot_succeed_is_noted_with_its_reason_and_not_retried() {
    let launcher = with_placeholder();
    let refusal = EcsError::Rejected(
        "AccessDeniedException: User is not authorized to perform: iam:PassRole".into(),
    );
    launcher.deployment.ecs.answer_next_run(Err(refusal));

    launcher.launch(&build(5, "linux")).await.unwrap_err();

    let notes = placeholder_notes(&launcher);
    assert_eq!(notes.len(), 1, "{notes:?}");
    let note = &notes[0];
    assert!(
        note.starts_with("ecs-agents: queue item 5, agent ecs-linux-5: launch failed: "),
        "{note}"
    );
    assert!(note.contains("iam:PassRole"), "{note}");
    assert!(
        note.contains("Access was denied: check the role it names"),
        "{note}"
    );
    assert!(note.ends_with("Not retried"), "{note}");
}

#[tokio::test]
async fn without_a_placeholder_node_a_launch_goes_ahead_without_its_note() {
    let launcher = launcher();

    let outcome = launcher.launch(&build(6, "linux")).await.unwrap();

    assert!(
        matches!(outcome, LaunchOutcome::Launched { .. }),
        "{outcome:?}"
    );
    assert!(launcher.deployment.jenkins.offline_messages().is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_jenkins_slow_to_take_a_note_holds_the_launch_up_for_one_second_at_most() {
    let launcher = with_placeholder();
    let jenkins = &launcher.deployment.jenkins;
    jenkins.delay_next(Call::MarkOffline, Duration::from_secs(20));
    let started = tokio::time::Instant::now();

    let outcome = launcher.launch(&build(7, "linux")).await.unwrap();

    assert!(
        matches!(outcome, LaunchOutcome::Launched { .. }),
        "{outcome:?}"
    );
    assert!(started.elapsed() <= NOTE_TIMEOUT, "{:?}", started.elapsed());
}

#[tokio::test]
async fn notes_jenkins_refuses_for_a_missing_permission_change_nothing_else() {
    let launcher = with_placeholder();
    let refusal = JenkinsError::PermissionMissing {
        user: "ecs-agents".into(),
        permission: "Agent/Disconnect".into(),
    };
    launcher
        .deployment
        .jenkins
        .fail_next(Call::MarkOffline, refusal);

    let outcome = launcher.launch(&build(8, "linux")).await.unwrap();

    assert!(
        matches!(outcome, LaunchOutcome::Launched { .. }),
        "{outcome:?}"
    );
    assert!(placeholder_notes(&launcher).is_empty());
}
