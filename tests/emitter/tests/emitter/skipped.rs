//! What is never posted: items no agent of ours can serve, and items that started.

use serde_json::json;

use crate::{announced_until, controller};

#[test]
fn an_item_that_starts_is_not_posted_as_left_and_a_cancelled_one_is() {
    let (webhook, mut jenkins) = controller();
    jenkins.install();
    jenkins.queue("enter 801 linux ; enter 802 linux");
    webhook.wait_for(2);

    jenkins.queue("take 801 ; start 801");
    jenkins.queue("cancel 802");

    let left = webhook.wait_until("a queue.left", |r| r.len() >= 3);
    jenkins.sleep(std::time::Duration::from_millis(300));
    assert_eq!(left[2].body["item"], json!({"id": 802, "cancelled": true}));
    assert_eq!(webhook.received().len(), 3);
}

#[test]
fn a_resumed_pipeline_waiting_for_its_agent_by_name_is_not_announced() {
    let (webhook, mut jenkins) = controller();
    jenkins.install();
    jenkins.our_agent("ecs-linux-9");

    // After a restart a running node block is queued again with its agent's name as label.
    jenkins.queue("enter 811 ecs-linux-9");
    jenkins.queue("enter 812 linux");

    assert_eq!(announced_until(812, &webhook, &mut jenkins), [812]);
}

#[test]
fn work_for_the_built_in_node_is_not_announced() {
    let (webhook, mut jenkins) = controller();
    jenkins.install();

    jenkins.queue("enter 813 built-in");
    jenkins.queue("enter 814 linux");

    assert_eq!(announced_until(814, &webhook, &mut jenkins), [814]);
}

#[test]
fn a_flyweight_task_is_not_announced() {
    let (webhook, mut jenkins) = controller();
    jenkins.install();

    // A Pipeline's own run: it runs on a one-off executor of the controller.
    jenkins.queue("enter 815 linux flyweight");
    jenkins.queue("enter 816 linux");

    assert_eq!(announced_until(816, &webhook, &mut jenkins), [816]);
}
