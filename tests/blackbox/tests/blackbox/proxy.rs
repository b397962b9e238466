//! A reverse proxy in front of Jenkins that drops headers it does not know,
//! `X-Error` among them (docs/jenkins-api.md §15).

use blackbox_tests::{World, buildable};
use jenkins_stand_in::Fault;

#[tokio::test]
async fn a_duplicate_delivery_through_a_proxy_that_drops_x_error_gives_one_node_one_task_and_no_failure()
 {
    // Arrange: a launched agent, and a proxy about to strip the duplicate's X-Error.
    let world = World::start().await.unwrap();
    let item = world.enqueue("linux");
    let event = buildable(item, "linux");
    assert_eq!(world.post(&event).await.status, 200);
    world
        .jenkins
        .inject_fault(Fault::strip_header("/computer/doCreateItem", "X-Error"));
    // Act: the emitter delivers the same event again.
    let again = world.post(&event).await;
    // Assert
    assert_eq!(
        (again.status, again.body["outcome"].as_str()),
        (200, Some("already-launching")),
        "{:?}",
        again.body
    );
    assert_eq!(world.agent_names(), [format!("bb-linux-{item}")]);
    assert_eq!(world.running_tasks().await.unwrap().len(), 1);
    let kinds: Vec<String> = world
        .published()
        .await
        .unwrap()
        .into_iter()
        .map(|(kind, _)| kind)
        .collect();
    assert_eq!(kinds, ["AgentLaunched"]);
}
