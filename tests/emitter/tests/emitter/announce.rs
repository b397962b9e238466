//! `queue.buildable` and `queue.left`: what the queue's callbacks make the emitter post.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::{announced_until, controller};

#[test]
fn a_waiting_item_is_announced_once_with_its_exact_label_and_task() {
    let (webhook, mut jenkins) = controller();
    jenkins.install();

    jenkins.queue("enter 101 linux&&arm64");
    webhook.wait_for(1);
    // Blocked and buildable again: the same item enters buildable a second time.
    jenkins.queue("block 101");
    jenkins.queue("unblock 101 ; enter 102 linux");
    webhook.wait_for(2);

    let posted = webhook.events("queue.buildable");
    assert_eq!(posted.len(), 2, "{posted:#?}");
    let first = &posted[0];
    assert_eq!(first["controller"], "https://jenkins.example.com/");
    assert_eq!(
        first["item"],
        json!({
            "id": 101,
            "label": "linux&&arm64",
            "task": {"name": "app \u{bb} job-101", "url": "https://jenkins.example.com/job/app/job/job-101/"},
            "inQueueSince": 1_764_270_000_101u64,
        })
    );
    assert_eq!(posted[1]["item"]["id"], 102);
}

#[test]
fn items_without_a_label_are_never_announced() {
    let (webhook, mut jenkins) = controller();
    jenkins.install();

    jenkins.queue("enter 201 - ; enter 202 linux");

    webhook.wait_for(1);
    jenkins.sleep(std::time::Duration::from_millis(300));
    let ids: Vec<_> = webhook
        .received()
        .iter()
        .map(|r| r.body["item"]["id"].clone())
        .collect();
    assert_eq!(ids, [json!(202)]);
}

#[test]
fn without_a_jenkins_url_the_event_carries_no_controller_and_no_task_url() {
    let webhook = emitter_tests::Webhook::start("emitter-test-secret-0123456789");
    let mut jenkins = emitter_tests::Setup::new(&webhook).root_url(None).start();
    jenkins.install();

    jenkins.queue("enter 301 linux");

    let posted = &webhook.wait_for(1)[0].body;
    assert_eq!(posted["controller"], json!(null));
    assert_eq!(
        posted["item"]["task"],
        json!({"name": "app \u{bb} job-301", "url": null})
    );
}

#[test]
fn an_announced_item_that_is_cancelled_is_posted_as_left() {
    let (webhook, mut jenkins) = controller();
    jenkins.install();
    jenkins.queue("enter 401 linux");
    webhook.wait_for(1);

    jenkins.queue("cancel 401");

    let left = &webhook.wait_for(2)[1].body;
    assert_eq!(left["type"], "queue.left");
    assert_eq!(left["item"], json!({"id": 401, "cancelled": true}));
}

#[test]
fn an_item_an_idle_executor_takes_in_the_same_queue_pass_is_not_announced() {
    let (webhook, mut jenkins) = controller();
    jenkins.install();

    // One Queue.maintain() pass: the item enters buildable, then an idle agent takes it.
    jenkins.queue("enter 701 linux ; take 701");
    jenkins.queue("enter 702 linux");

    assert_eq!(announced_until(702, &webhook, &mut jenkins), [702]);
}

#[test]
fn an_item_that_starts_before_it_is_announced_is_neither_announced_nor_posted_as_left() {
    let (webhook, mut jenkins) = controller();
    jenkins.install();

    jenkins.queue("enter 703 linux ; take 703");
    jenkins.queue("start 703");
    jenkins.queue("enter 704 linux");

    assert_eq!(announced_until(704, &webhook, &mut jenkins), [704]);
    assert_eq!(webhook.received().len(), 1);
}

#[test]
fn an_item_is_announced_only_once_it_has_waited_a_second() {
    let webhook = emitter_tests::Webhook::start("emitter-test-secret-0123456789");
    let mut jenkins = emitter_tests::Setup::new(&webhook)
        .without("ECS_AGENTS_BUILDABLE_DELAY_MS")
        .start();
    jenkins.install();

    let before = Instant::now();
    jenkins.queue("enter 705 linux");

    let arrived = webhook.wait_for(1)[0].at;
    assert!(
        arrived - before >= Duration::from_secs(1),
        "{:?}",
        arrived - before
    );
}

#[test]
fn an_item_blocked_before_it_is_announced_is_announced_once_it_is_buildable_again() {
    let (webhook, mut jenkins) = controller();
    jenkins.install();

    jenkins.queue("enter 706 linux");
    jenkins.queue("block 706");
    jenkins.sleep(Duration::from_millis(400));
    assert!(webhook.received().is_empty());
    jenkins.queue("unblock 706");

    assert_eq!(webhook.wait_for(1)[0].body["item"]["id"], 706);
}

#[test]
fn the_task_name_and_url_are_read_off_the_queue_lock() {
    let (webhook, mut jenkins) = controller();
    jenkins.install();

    jenkins.queue("enter 707 linux");
    webhook.wait_for(1);

    // A Pipeline's task may load its run from disk to answer: not under the queue lock.
    assert_eq!(jenkins.task_calls(707), (0, 2));
}
