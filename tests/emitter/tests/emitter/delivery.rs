//! Posting: signed, retried when the webhook asks for it, dropped when retrying cannot help.

use std::time::Duration;

use emitter_tests::Answer;

use crate::controller;

#[test]
fn a_503_is_retried_with_a_new_signature_and_the_same_event_time() {
    let (webhook, mut jenkins) = controller();
    webhook.plan([Answer::status(503).retry_after(1)]);
    jenkins.install();

    jenkins.queue("enter 501 linux");

    // `received` has checked both signatures with the project's verifier.
    let received = webhook.wait_for(2);
    assert_eq!(received[0].body, received[1].body);
    assert!(received[1].at - received[0].at >= Duration::from_millis(950));
}

#[test]
fn an_event_the_webhook_refuses_is_dropped_without_retrying() {
    let (webhook, mut jenkins) = controller();
    webhook.plan([Answer::status(422)]);
    jenkins.install();

    jenkins.queue("enter 601 linux");

    webhook.wait_for(1);
    let warning = jenkins.wait_for_log("rejected with 422");
    jenkins.sleep(Duration::from_millis(1500));
    assert_eq!(webhook.received().len(), 1);
    assert_eq!(warning.level, "WARNING");
}
