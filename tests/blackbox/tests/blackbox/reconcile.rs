//! The reconciler end to end: lost webhooks and lost task events repaired
//! from what Jenkins and ECS say, through the real handler and adapters.

use blackbox_tests::{World, buildable};
use ecs_agents::jenkins::JenkinsNodes;
use ecs_agents::naming::AgentName;

fn count(summary: &serde_json::Value, key: &str) -> usize {
    summary[key].as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn builds_queued_without_any_webhook_get_one_agent_each() {
    let world = World::start().await.unwrap();
    let items: Vec<u64> = (0..3).map(|_| world.enqueue("linux")).collect();
    // A controller without agent nodes names no label; the first run adds
    // the placeholder so the next one can read the labels.
    let first = world.reconcile().await;
    assert_eq!(first["placeholderCreated"], true, "{first}");
    let second = world.reconcile().await;
    assert_eq!(count(&second, "launched"), 3, "{second}");
    let mut agents = world.agent_names();
    agents.retain(|n| n.starts_with("bb-"));
    agents.sort();
    let mut expected: Vec<String> = items.iter().map(|i| format!("bb-linux-{i}")).collect();
    expected.sort();
    assert_eq!(agents, expected);
    assert_eq!(world.running_tasks().await.unwrap().len(), 3);
    for _ in 0..2 {
        let again = world.reconcile().await;
        assert_eq!(count(&again, "launched"), 0, "{again}");
    }
    assert_eq!(world.running_tasks().await.unwrap().len(), 3);
}

#[tokio::test]
async fn a_ghost_node_an_orphan_task_and_a_silent_agent_are_repaired_and_nothing_else() {
    let world = World::start().await.unwrap();
    world.reconcile().await; // the placeholder
    let mut launched = Vec::new();
    for _ in 0..4 {
        let item = world.enqueue("linux");
        let answer = world.post(&buildable(item, "linux")).await;
        assert_eq!(answer.status, 200, "{:?}", answer.body);
        launched.push((
            item,
            answer.body["node"].as_str().unwrap().to_owned(),
            answer.body["task"].as_str().unwrap().to_owned(),
        ));
    }
    let [healthy, ghost, orphan, silent] = [&launched[0], &launched[1], &launched[2], &launched[3]];
    // The healthy agent connects and takes its build.
    world
        .jenkins
        .connect_agent(&healthy.1, Some(&world.jenkins.secret(&healthy.1)))
        .unwrap();
    // Ghost: its task stopped and the event was lost.
    world
        .moto_ecs
        .stop_task()
        .cluster(blackbox_tests::CLUSTER)
        .task(&ghost.2)
        .send()
        .await
        .unwrap();
    // Orphan: its node was deleted by hand.
    world
        .jenkins_client()
        .delete_agent(&AgentName::new(&orphan.1))
        .await
        .unwrap();
    // None of these items needs an agent any more.
    for (item, ..) in [ghost, orphan, silent] {
        world.jenkins.cancel_item(*item);
    }
    // Two ticks, the second 3 s later in the reconciler's time: past
    // agentLaunchTimeoutSeconds (2 s) without waiting for it.
    let now = blackbox_tests::now_millis();
    let summary = world.functions.reconcile_at(now).await.unwrap();
    assert_eq!(
        summary["ghostNodes"],
        serde_json::json!([ghost.1]),
        "{summary}"
    );
    assert_eq!(
        summary["orphanTasks"],
        serde_json::json!([orphan.2]),
        "{summary}"
    );
    let later = world.functions.reconcile_at(now + 3_000).await.unwrap();
    assert_eq!(
        later["neverConnected"],
        serde_json::json!([silent.1]),
        "{later}"
    );
    for tick in [&summary, &later] {
        assert_eq!(
            (count(tick, "idleRetired"), count(tick, "launched")),
            (0, 0),
            "{tick}"
        );
    }
    let mut agents = world.agent_names();
    agents.retain(|n| n.starts_with("bb-"));
    assert_eq!(
        agents,
        std::slice::from_ref(&healthy.1),
        "only the healthy agent is left"
    );
    let tasks = world.running_tasks().await.unwrap();
    assert_eq!(
        tasks
            .iter()
            .map(|t| t.task_arn().unwrap().to_owned())
            .collect::<Vec<_>>(),
        std::slice::from_ref(&healthy.2)
    );
    for _ in 0..2 {
        let again = world.reconcile().await;
        let acted = [
            "launched",
            "ghostNodes",
            "orphanTasks",
            "neverConnected",
            "idleRetired",
        ]
        .iter()
        .map(|k| count(&again, k))
        .sum::<usize>();
        assert_eq!(acted, 0, "{again}");
    }
    assert!(world.jenkins.node(&healthy.1).is_some());
}
