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

#[test]
fn a_503_is_retried_no_sooner_than_its_retry_after_asks_even_past_ten_seconds() {
    let (webhook, mut jenkins) = controller();
    webhook.plan([Answer::status(503).retry_after(11)]);
    jenkins.install();

    jenkins.queue("enter 1201 linux");

    let received = webhook.wait_for(2);
    let waited = received[1].at - received[0].at;
    assert!(waited >= Duration::from_secs(11), "{waited:?}");
}

#[test]
fn a_503_with_retry_after_zero_is_retried_at_once() {
    let (webhook, mut jenkins) = controller();
    let now = Answer::status(503).retry_after(0);
    webhook.plan([now.clone(), now]);
    jenkins.install();

    jenkins.queue("enter 1202 linux");

    // The backoff alone would wait at least 0.25 s and then 0.5 s.
    let received = webhook.wait_for(3);
    let waited = received[2].at - received[0].at;
    assert!(waited < Duration::from_millis(700), "{waited:?}");
}

#[test]
fn events_refused_by_a_full_backlog_are_counted_not_logged_one_by_one() {
    let (webhook, mut jenkins) = controller();
    // Stalled: both posting threads hang on their first event.
    webhook.otherwise(Answer::ok().after(Duration::from_secs(120)));
    jenkins.install();

    // Two being sent, a thousand queued, the rest refused.
    jenkins.flood(2001, 1100, "linux");
    jenkins.sweep();

    let backlog: Vec<_> = jenkins
        .emitter_logs()
        .into_iter()
        .filter(|l| l.message.contains("backlog full"))
        .map(|l| l.message)
        .collect();
    assert_eq!(backlog.len(), 2, "{backlog:#?}");
    assert!(backlog[0].contains("dropping events until it drains"));
    let count: u64 = backlog[1]
        .split_whitespace()
        .find_map(|w| w.parse().ok())
        .expect("a count");
    assert!((90..=98).contains(&count), "{}", backlog[1]);
}

#[test]
fn replacing_the_emitter_shuts_its_http_client_down_where_the_jdk_can() {
    let webhook = Webhook::start("emitter-test-secret-0123456789");
    let Some(jdk) = emitter_tests::Toolchain::jdk_21_or_later() else {
        // HttpClient.shutdownNow() is Java 21+; on 17 the script must simply not call it.
        eprintln!("no JDK 21 or later under /usr/lib/jvm: checked only that replacing works");
        let mut jenkins = Setup::new(&webhook).start();
        jenkins.install();
        jenkins.install();
        return;
    };
    let mut jenkins = Setup::new(&webhook).jdk(&jdk).start();
    jenkins.install();
    jenkins.queue("enter 1203 linux");
    webhook.wait_for(1);
    assert_eq!(
        jenkins.threads("-SelectorManager"),
        1,
        "one selector thread per HttpClient"
    );

    jenkins.install();

    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while jenkins.threads("-SelectorManager") > 1 && std::time::Instant::now() < deadline {
        jenkins.sleep(Duration::from_millis(100));
    }
    assert!(
        jenkins.threads("-SelectorManager") <= 1,
        "the old client's thread is still running"
    );
}

#[test]
fn an_announcement_that_could_not_be_delivered_is_sent_when_the_item_enters_buildable_again() {
    let (webhook, mut jenkins) = controller();
    webhook.plan([
        Answer::status(503).retry_after(0),
        Answer::status(503).retry_after(0),
        Answer::status(503).retry_after(0),
    ]);
    jenkins.install();
    jenkins.queue("enter 1204 linux");
    webhook.wait_for(3);
    jenkins.wait_for_log("queue.buildable item 1204 failed 3 times");

    jenkins.queue("block 1204");
    jenkins.queue("unblock 1204");

    assert_eq!(webhook.wait_for(4)[3].body["item"]["id"], 1204);
}
