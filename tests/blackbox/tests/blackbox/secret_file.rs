//! The agent's secret reaches its container through an S3 environment file,
//! never through the task's overrides, so no reader of the task, its events
//! or RunTask's CloudTrail record sees it (docs/aws.md §12, §13); the file
//! lives only as long as the task.

use blackbox_tests::{World, buildable, events};

#[tokio::test]
async fn no_task_view_holds_the_secret_and_the_file_goes_when_the_task_stops() {
    // Arrange: an agent launched through the webhook.
    let world = World::start().await.unwrap();
    let item = world.enqueue("linux");
    let answer = world.post(&buildable(item, "linux")).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    let node = format!("bb-linux-{item}");
    let secret = world.jenkins.secret(&node);
    let task_arn = answer.body["task"].as_str().unwrap().to_owned();
    // Assert: the file holds it; RunTask's input, DescribeTasks and the
    // task's events do not.
    let run_tasks = world.ecs.bodies("RunTask");
    assert_eq!(run_tasks.len(), 1);
    assert!(!run_tasks[0].contains(&secret), "{}", run_tasks[0]);
    assert!(
        run_tasks[0].contains("environmentFiles"),
        "{}",
        run_tasks[0]
    );
    let task = world.describe(&task_arn).await.unwrap();
    let file = world.environment_file(&task).await.unwrap().unwrap();
    assert!(file.contains(&format!("JENKINS_SECRET={secret}\n")));
    assert!(!format!("{task:?}").contains(&secret));
    assert!(!events::stopped_event(&task).to_string().contains(&secret));
    // Act: the task stops and its event reaches task-stopped.
    let event = world
        .stop_task(&task_arn, "Stopped by an operator")
        .await
        .unwrap();
    assert!(!event.to_string().contains(&secret), "the STOPPED event");
    world.deliver(&event).await.unwrap();
    // Assert: the file is gone.
    assert_eq!(
        world.environment_files().await.unwrap(),
        Vec::<String>::new()
    );
}

#[tokio::test]
async fn a_launch_whose_run_task_is_refused_leaves_no_file() {
    // GIVEN ECS refusing the RunTask that follows the file's writing
    let world = World::start().await.unwrap();
    let refusal = serde_json::json!({
        "__type": "AccessDeniedException",
        "message": "User is not authorized to perform: iam:PassRole"
    });
    world.ecs.answer_next("RunTask", 1, 400, refusal);
    // WHEN a build's agent is launched
    let item = world.enqueue("linux");
    let answer = world.post(&buildable(item, "linux")).await;
    // THEN the launch failed for good, and neither node nor file is left
    assert_eq!(answer.status, 422, "{:?}", answer.body);
    assert_eq!(world.ecs.calls("RunTask"), 1);
    assert!(world.jenkins.node(&format!("bb-linux-{item}")).is_none());
    assert_eq!(
        world.environment_files().await.unwrap(),
        Vec::<String>::new()
    );
}
