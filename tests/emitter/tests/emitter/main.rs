//! The emitter script under Groovy 2.4.21 with Jenkins stand-ins, against a loopback webhook
//! that verifies every request. One binary; see tests/emitter/README.md.

mod announce;
mod delivery;
mod install;
mod single_use;

use emitter_tests::{Controller, Setup, Webhook};

/// A webhook with a secret of its own, and a controller whose emitter posts to it.
fn controller() -> (Webhook, Controller) {
    let webhook = Webhook::start("emitter-test-secret-0123456789");
    let controller = Setup::new(&webhook).start();
    (webhook, controller)
}
