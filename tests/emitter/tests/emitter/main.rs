//! The emitter script under Groovy 2.4.21 with Jenkins stand-ins, against a loopback webhook
//! that verifies every request. One binary; see tests/emitter/README.md.

mod announce;
mod build_log;
mod delivery;
mod install;
mod secret;
mod single_use;
mod skipped;
mod start;
mod time_to_start;

use std::time::Duration;

use emitter_tests::{Controller, Setup, Webhook};

/// A webhook with a secret of its own, and a controller whose emitter posts to it.
fn controller() -> (Webhook, Controller) {
    let webhook = Webhook::start("emitter-test-secret-0123456789");
    let controller = Setup::new(&webhook).start();
    (webhook, controller)
}

/// The ids announced, sorted, once item `last` has been: two threads post in the order items
/// entered, so whatever would have been posted for earlier items arrives by then or just after.
fn announced_until(last: u64, webhook: &Webhook, jenkins: &mut Controller) -> Vec<u64> {
    webhook.wait_until(&format!("item {last}'s announcement"), |r| {
        r.iter().any(|r| r.body["item"]["id"] == last)
    });
    jenkins.sleep(Duration::from_millis(300));
    let mut ids: Vec<u64> = webhook
        .events("queue.buildable")
        .iter()
        .filter_map(|e| e["item"]["id"].as_u64())
        .collect();
    ids.sort_unstable();
    ids
}
