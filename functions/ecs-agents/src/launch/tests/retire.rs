//! Retiring agents (agent.released, cancelled items), and names and tokens.

use super::*;

#[tokio::test]
async fn release_deletes_the_node_and_stops_the_task_and_is_idempotent() {
    let launcher = launcher();
    launcher.launch(&build(7, "linux")).await.unwrap();
    let released = launcher.release(&node("ecs-linux-7")).await.unwrap();
    let task = launcher.deployment.ecs.tasks()[0].clone();
    assert_eq!(
        released,
        RetireOutcome::Released {
            node: node("ecs-linux-7"),
            task_arn: Some(task.arn.clone())
        }
    );
    assert_eq!(task.desired_status, "STOPPED");
    assert!(launcher.deployment.jenkins.node_names().is_empty());
    let again = launcher.release(&node("ecs-linux-7")).await.unwrap();
    assert_eq!(
        again,
        RetireOutcome::Released {
            node: node("ecs-linux-7"),
            task_arn: None
        }
    );
}

#[tokio::test]
async fn release_ignores_nodes_that_are_not_ours() {
    let launcher = launcher();
    let outcome = launcher.release(&node("build-server-1")).await.unwrap();
    assert!(matches!(outcome, RetireOutcome::Ignored { .. }));
    assert_eq!(launcher.deployment.jenkins.calls(Call::Delete), 0);
}

#[tokio::test]
async fn cancelling_an_item_retires_its_unconnected_agent_but_not_a_connected_one() {
    let launcher = launcher();
    launcher.launch(&build(7, "linux")).await.unwrap();
    launcher.launch(&build(8, "linux")).await.unwrap();
    launcher
        .deployment
        .jenkins
        .set_connected(&node("ecs-linux-8"), true);
    let outcome = launcher.cancel(7).await.unwrap();
    assert_eq!(
        outcome,
        RetireOutcome::Cancelled {
            nodes: vec![node("ecs-linux-7")]
        }
    );
    let kept = launcher.cancel(8).await.unwrap();
    assert!(matches!(kept, RetireOutcome::Ignored { .. }));
    assert_eq!(
        launcher.deployment.jenkins.node_names(),
        [node("ecs-linux-8")]
    );
    assert_eq!(launcher.deployment.ecs.running().len(), 1);
}

#[test]
fn agent_names_map_back_to_their_template_and_queue_item() {
    let config = AgentsConfig::from_yaml(CONFIG).unwrap();
    assert_eq!(
        config.template_of("ecs-linux-7").map(|t| t.name.as_str()),
        Some("linux")
    );
    assert_eq!(
        config
            .agent_parts(&node("ecs-big-42-2"))
            .map(|p| p.queue_item),
        Some(42)
    );
    assert_eq!(config.template_of("other-linux-7"), None);
}

#[test]
fn client_tokens_are_deterministic_and_fit_ecs() {
    let a = client_token("ecs-agents-ecs", &node("ecs-linux-7"), 1);
    assert_eq!(a, client_token("ecs-agents-ecs", &node("ecs-linux-7"), 1));
    assert_ne!(
        a,
        client_token("ecs-agents-ecs", &node("ecs-linux-7"), 2),
        "a new queue entry is a new launch"
    );
    assert!(a.len() <= 64 && a.is_ascii());
}
