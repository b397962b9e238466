//! The launch path end to end: the real webhook handler and adapters against
//! moto (with ECS's client-token semantics) and the Jenkins stand-in.

use std::sync::Arc;
use std::time::Duration;

use blackbox_tests::{WEBHOOK_SECRET, World, buildable, now_secs, task_env};
use jenkins_stand_in::{Fault, Mode};
use serde_json::json;

#[tokio::test]
async fn a_queued_build_gets_one_exclusive_websocket_node_and_one_task_carrying_its_secret() {
    // Arrange
    let world = World::start().await.unwrap();
    let item = world.enqueue("linux");
    // Act
    let answer = world.post(&buildable(item, "linux")).await;
    // Assert
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    let node_name = format!("bb-linux-{item}");
    assert_eq!(answer.body["node"], node_name.as_str());
    let node = world
        .jenkins
        .node(&node_name)
        .expect("the node exists in Jenkins");
    assert_eq!(
        (node.config.mode, node.config.label_string.as_str()),
        (Mode::Exclusive, "linux")
    );
    assert!(
        node.config.launcher.web_socket,
        "{:?}",
        node.config.launcher
    );
    let tasks = world.running_tasks().await.unwrap();
    assert_eq!(tasks.len(), 1);
    let task = &tasks[0];
    assert_eq!(answer.body["task"].as_str(), task.task_arn());
    assert_eq!(
        task.group(),
        Some(format!("jenkins-agent:{node_name}").as_str())
    );
    // The agent's variables, its secret included, are in its environment
    // file; the task's overrides name the file and hold no variable.
    let secret = world.jenkins.secret(&node_name);
    let file = world.environment_file(task).await.unwrap().expect("a file");
    let variable = |name: &str| {
        file.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix('='))
            .map(str::to_owned)
    };
    assert_eq!(variable("JENKINS_SECRET"), Some(secret.clone()));
    assert_eq!(
        variable("JENKINS_AGENT_NAME").as_deref(),
        Some(node_name.as_str())
    );
    assert_eq!(
        variable("REMOTING_OPTS").as_deref(),
        Some("-noReconnectAfter 10m")
    );
    assert_eq!(task_env(task, "JENKINS_SECRET"), None);
    assert!(
        !format!("{task:?}").contains(&secret),
        "DescribeTasks shows no secret"
    );
    let published = world.published().await.unwrap();
    assert_eq!(published.len(), 1, "{published:?}");
    assert_eq!(
        (published[0].0.as_str(), published[0].1["node"].as_str()),
        ("AgentLaunched", Some(node_name.as_str()))
    );
}

#[tokio::test]
async fn ten_concurrent_deliveries_of_one_event_yield_one_node_and_one_task() {
    let world = Arc::new(World::start().await.unwrap());
    // Real Jenkins lets two concurrent creates of one name both succeed.
    world
        .jenkins
        .set_create_race_window(Some(Duration::from_millis(50)));
    let item = world.enqueue("linux");
    let event = buildable(item, "linux");
    // Ten deliveries reach the webhook at once, and each is recorded…
    let deliveries: Vec<_> = (0..10)
        .map(|_| {
            let (world, event) = (Arc::clone(&world), event.clone());
            tokio::spawn(async move { world.post_intake(&event).await })
        })
        .collect();
    for delivery in deliveries {
        let answer = delivery.await.unwrap();
        assert_eq!(answer.status, 202, "{:?}", answer.body);
    }
    // …and the launch worker takes all ten at once, in ten concurrent invocations.
    let messages = world.work.receive().await.unwrap();
    assert_eq!(messages.len(), 10);
    let invocations: Vec<_> = messages
        .into_iter()
        .map(|message| {
            let world = Arc::clone(&world);
            tokio::spawn(async move { world.deliver_work(&message).await })
        })
        .collect();
    for invocation in invocations {
        assert!(!invocation.await.unwrap().failed);
    }
    for worked in world.functions.take_worked() {
        let handled = worked.handled.expect("work");
        assert_eq!(handled.status, 200, "{:?}", handled.body);
    }
    assert_eq!(world.agent_names(), [format!("bb-linux-{item}")]);
    assert_eq!(world.running_tasks().await.unwrap().len(), 1);
    assert_eq!(world.ecs.forwarded("RunTask"), 1, "one task reached ECS");
}

#[tokio::test]
async fn a_steady_state_launch_makes_four_remote_calls_and_one_publish() {
    let world = World::start().await.unwrap();
    let first = world.enqueue("linux");
    assert_eq!(world.post(&buildable(first, "linux")).await.status, 200);
    world.jenkins.clear_requests();
    let before = |op: &str| world.ecs.calls(op);
    let counts_before: Vec<usize> = [
        "RunTask",
        "PutEvents",
        "DescribeTaskDefinition",
        "RegisterTaskDefinition",
        "ListTasks",
        "DescribeTasks",
    ]
    .iter()
    .map(|op| before(op))
    .collect();
    // Act: a second launch of the same template on a warm function.
    let second = world.enqueue("linux");
    assert_eq!(world.post(&buildable(second, "linux")).await.status, 200);
    // Assert
    let jenkins_calls: Vec<String> = world
        .jenkins
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(
        jenkins_calls,
        [
            "POST /computer/doCreateItem".to_owned(),
            format!("GET /computer/bb-linux-{second}/jenkins-agent.jnlp"),
            // The note for the waiting build: its task started.
            "POST /computer/bb_placeholder/changeOfflineCause".to_owned(),
        ]
    );
    let counts_after: Vec<usize> = [
        "RunTask",
        "PutEvents",
        "DescribeTaskDefinition",
        "RegisterTaskDefinition",
        "ListTasks",
        "DescribeTasks",
    ]
    .iter()
    .map(|op| before(op))
    .collect();
    let delta: Vec<usize> = counts_after
        .iter()
        .zip(&counts_before)
        .map(|(a, b)| a - b)
        .collect();
    assert_eq!(
        delta,
        [1, 1, 0, 0, 0, 0],
        "RunTask, PutEvents, and no describe/register/list"
    );
}

#[tokio::test]
async fn jenkins_failing_to_create_the_node_is_503_and_leaves_nothing() {
    let world = World::start().await.unwrap();
    world
        .jenkins
        .inject_fault(Fault::status("/computer/doCreateItem", 502));
    let item = world.enqueue("linux");
    let answer = world.post(&buildable(item, "linux")).await;
    assert_eq!(
        (answer.status, answer.retry_after.as_deref()),
        (503, Some("2")),
        "{:?}",
        answer.body
    );
    assert!(world.agent_names().is_empty());
    assert!(world.running_tasks().await.unwrap().is_empty());
}

#[tokio::test]
async fn jenkins_failing_after_the_node_exists_deletes_the_node() {
    let world = World::start().await.unwrap();
    world
        .jenkins
        .inject_fault(Fault::status("/computer/bb-linux-", 500).method("GET"));
    let item = world.enqueue("linux");
    let answer = world.post(&buildable(item, "linux")).await;
    assert_eq!(answer.status, 503, "{:?}", answer.body);
    assert!(world.agent_names().is_empty(), "no node without a task");
    assert_eq!(world.ecs.calls("RunTask"), 0);
}

#[tokio::test]
async fn no_capacity_in_ecs_is_503_and_the_node_is_deleted() {
    let world = World::start().await.unwrap();
    let failure = json!({"tasks": [], "failures": [{"arn": "arn:aws:ecs:us-east-1:123456789012:container-instance/x", "reason": "RESOURCE:MEMORY"}]});
    world.ecs.answer_next("RunTask", 1, 200, failure);
    let item = world.enqueue("linux");
    let answer = world.post(&buildable(item, "linux")).await;
    assert_eq!(answer.status, 503, "{:?}", answer.body);
    assert!(
        answer.body["reason"]
            .as_str()
            .unwrap()
            .contains("RESOURCE:MEMORY")
    );
    assert!(world.agent_names().is_empty());
    assert!(world.running_tasks().await.unwrap().is_empty());
}

#[tokio::test]
async fn ecs_throttling_beyond_the_sdk_retries_is_503_and_the_node_is_deleted() {
    let world = World::start().await.unwrap();
    let throttled = json!({"__type": "ThrottlingException", "message": "Rate exceeded"});
    world.ecs.answer_next("RunTask", 5, 400, throttled);
    let item = world.enqueue("linux");
    let answer = world.post(&buildable(item, "linux")).await;
    assert_eq!(answer.status, 503, "{:?}", answer.body);
    assert_eq!(
        world.ecs.calls("RunTask"),
        5,
        "the SDK retried throttling, then gave up"
    );
    assert!(world.agent_names().is_empty());
}

#[tokio::test]
async fn a_launch_that_cannot_succeed_is_422_deletes_the_node_and_reports_it() {
    let world = World::start().await.unwrap();
    let item = world.enqueue("gone");
    let answer = world.post(&buildable(item, "gone")).await;
    assert_eq!(answer.status, 422, "{:?}", answer.body);
    assert!(
        answer.body["reason"]
            .as_str()
            .unwrap()
            .contains("no-such-family:1"),
        "{:?}",
        answer.body
    );
    assert!(world.agent_names().is_empty());
    let published = world.published().await.unwrap();
    assert_eq!(
        published
            .iter()
            .map(|(kind, _)| kind.as_str())
            .collect::<Vec<_>>(),
        ["AgentLaunchFailed"]
    );
}

#[tokio::test]
async fn a_template_at_its_cap_defers_the_second_build() {
    let world = World::start().await.unwrap();
    let first = world.enqueue("solo");
    assert_eq!(world.post(&buildable(first, "solo")).await.status, 200);
    let second = world.enqueue("solo");
    let answer = world.post(&buildable(second, "solo")).await;
    assert_eq!(
        (answer.status, answer.body["outcome"].as_str()),
        (202, Some("deferred")),
        "{:?}",
        answer.body
    );
    assert_eq!(world.agent_names(), [format!("bb-solo-{first}")]);
    assert_eq!(world.running_tasks().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_late_event_for_an_item_that_left_the_queue_launches_nothing() {
    let world = World::start().await.unwrap();
    let item = world.enqueue("linux");
    world.jenkins.cancel_item(item);
    let mut late = buildable(item, "linux");
    late["eventTime"] = json!(late["eventTime"].as_u64().unwrap() - 120_000);
    let answer = world.post(&late).await;
    assert_eq!(
        (answer.status, answer.body["outcome"].as_str()),
        (202, Some("ignored")),
        "{:?}",
        answer.body
    );
    assert!(world.agent_names().is_empty());
    assert_eq!(world.ecs.calls("RunTask"), 0);
}

#[tokio::test]
async fn bad_input_gets_a_precise_status_and_launches_nothing() {
    let world = World::start().await.unwrap();
    let item = world.enqueue("linux");
    let body = buildable(item, "linux").to_string();
    let cases = [
        (world.post_raw(&body, None, now_secs()).await, 401),
        (
            world
                .post_raw(&body, Some("not-the-secret"), now_secs())
                .await,
            401,
        ),
        (
            world
                .post_raw(&body, Some(WEBHOOK_SECRET), now_secs() - 600)
                .await,
            401,
        ),
        (
            world
                .post_raw(&" ".repeat(70_000), Some(WEBHOOK_SECRET), now_secs())
                .await,
            413,
        ),
        (
            world
                .post_raw(
                    "{\"type\": \"queue.buildable\"",
                    Some(WEBHOOK_SECRET),
                    now_secs(),
                )
                .await,
            400,
        ),
        (
            world
                .post_raw(
                    "{\"type\": \"queue.buildable\", \"eventTime\": 1}",
                    Some(WEBHOOK_SECRET),
                    now_secs(),
                )
                .await,
            400,
        ),
        (
            world
                .post(&json!({"type": "node.renamed", "eventTime": 1}))
                .await,
            202,
        ),
        (world.post(&buildable(item, "windows")).await, 202),
    ];
    for (index, (answer, status)) in cases.iter().enumerate() {
        assert_eq!(answer.status, *status, "case {index}: {:?}", answer.body);
        assert!(
            answer.body["reason"].is_string(),
            "case {index} says why: {:?}",
            answer.body
        );
    }
    assert!(
        world.jenkins.requests().is_empty(),
        "nothing reached Jenkins"
    );
    assert_eq!(
        (world.ecs.calls("RunTask"), world.ecs.calls("ListTasks")),
        (0, 0)
    );
}

#[tokio::test]
async fn a_released_agent_loses_its_node_and_its_task() {
    let world = World::start().await.unwrap();
    let item = world.enqueue("linux");
    assert_eq!(world.post(&buildable(item, "linux")).await.status, 200);
    let release = json!({"type": "agent.released", "eventTime": blackbox_tests::now_millis(), "node": format!("bb-linux-{item}")});
    let answer = world.post(&release).await;
    assert_eq!(
        (answer.status, answer.body["outcome"].as_str()),
        (200, Some("released")),
        "{:?}",
        answer.body
    );
    assert!(world.agent_names().is_empty());
    assert!(world.running_tasks().await.unwrap().is_empty());
    assert_eq!(
        world.post(&release).await.status,
        200,
        "releasing twice is fine"
    );
}

#[tokio::test]
async fn a_cancelled_item_retires_its_unconnected_agent() {
    let world = World::start().await.unwrap();
    let item = world.enqueue("linux");
    assert_eq!(world.post(&buildable(item, "linux")).await.status, 200);
    world.jenkins.cancel_item(item);
    let left = json!({"type": "queue.left", "eventTime": blackbox_tests::now_millis(), "item": {"id": item, "cancelled": true}});
    let answer = world.post(&left).await;
    assert_eq!(
        (answer.status, answer.body["outcome"].as_str()),
        (200, Some("cancelled")),
        "{:?}",
        answer.body
    );
    assert!(world.agent_names().is_empty());
    assert!(world.running_tasks().await.unwrap().is_empty());
}
