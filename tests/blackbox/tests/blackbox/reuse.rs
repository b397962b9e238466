//! Reusable agents and Jenkins' queue timing: Jenkins announces an item as
//! buildable before the same queue pass hands it to an idle executor
//! (docs/jenkins-api.md §11), so an emitter announces items a warm agent
//! takes at once. None of them may start a task.

use blackbox_tests::World;

#[tokio::test]
async fn a_warm_idle_agent_takes_twenty_builds_in_turn_and_no_surplus_task_is_started() {
    // Arrange: one reusable agent, launched for a first build, connected, idle again.
    let world = World::start().await.unwrap();
    let first = world.enqueue("warm");
    let launched = world.post_announced().await;
    assert_eq!(launched.len(), 1);
    assert_eq!(launched[0].1.status, 200, "{:?}", launched[0].1.body);
    let node = format!("bb-warm-{first}");
    world
        .jenkins
        .connect_agent(&node, Some(&world.jenkins.secret(&node)))
        .unwrap();
    assert_eq!(world.jenkins.finish_builds(&node, None).unwrap().len(), 1);
    world.jenkins.clear_requests();
    // Act: twenty builds, one after the other, each announced as the emitter hears it.
    for _ in 0..20 {
        let item = world.enqueue("warm");
        let answers = world.post_announced().await;
        assert_eq!(answers.len(), 1, "one announcement per build");
        let (announced, answer) = &answers[0];
        assert_eq!(*announced, item);
        assert_eq!(
            (answer.status, answer.body["outcome"].as_str()),
            (202, Some("ignored")),
            "{:?}",
            answer.body
        );
        assert_eq!(world.jenkins.finish_builds(&node, None).unwrap().len(), 1);
    }
    // Assert: the warm agent ran them all; one task, one node, none created since.
    let tasks = world.running_tasks().await.unwrap();
    assert_eq!(tasks.len(), 1, "no surplus task");
    assert_eq!(world.agent_names(), [node]);
    let creates = world
        .jenkins
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/doCreateItem"))
        .count();
    assert_eq!(creates, 0);
}

#[tokio::test]
async fn a_single_use_launch_still_costs_jenkins_three_calls_and_no_queue_check() {
    let world = World::start().await.unwrap();
    let item = world.enqueue("linux");
    world.jenkins.clear_requests();
    let answers = world.post_announced().await;
    assert_eq!(answers[0].1.status, 200, "{:?}", answers[0].1.body);
    let paths: Vec<String> = world
        .jenkins
        .requests()
        .iter()
        .map(|r| r.path.clone())
        .collect();
    assert_eq!(
        paths,
        [
            "/computer/doCreateItem".to_owned(),
            format!("/computer/bb-linux-{item}/jenkins-agent.jnlp"),
            // The note for the waiting build: its task started.
            "/computer/bb_placeholder/changeOfflineCause".to_owned(),
        ]
    );
}
