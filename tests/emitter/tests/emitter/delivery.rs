//! Posting: signed, retried when the webhook asks for it, dropped when retrying cannot help.

use std::time::Duration;

use emitter_tests::{Answer, Setup, Webhook};

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

#[test]
fn posts_go_through_the_proxy_configured_in_jenkins() {
    let webhook = Webhook::start("emitter-test-secret-0123456789");
    // A host no resolver knows: only the proxy can reach it.
    let url = format!("http://webhook.invalid:{}/", webhook.addr().port());
    let mut jenkins = Setup::new(&webhook)
        .env("ECS_AGENTS_WEBHOOK_URL", &url)
        .start();
    jenkins.jenkins_proxy(webhook.addr());
    jenkins.install();

    jenkins.queue("enter 1101 linux");

    // A request to a proxy names the whole URL.
    assert_eq!(webhook.wait_for(1)[0].target, url);
}

#[test]
fn posts_are_plain_http_1_1_without_an_h2c_upgrade() {
    let (webhook, mut jenkins) = controller();
    jenkins.install();

    jenkins.queue("enter 1102 linux");

    let request = &webhook.wait_for(1)[0];
    assert_eq!(request.version, axum::http::Version::HTTP_11);
    assert_eq!(
        request.headers.get("upgrade"),
        None,
        "{:?}",
        request.headers
    );
    assert_eq!(request.headers.get("http2-settings"), None);
}
