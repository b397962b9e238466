//! Loading the script as `init.groovy.d` does, and loading it again.

use emitter_tests::{Outcome, Setup, Webhook};

use crate::controller;

#[test]
fn the_script_registers_one_listener_of_each_kind_and_a_rerun_replaces_them() {
    let (_webhook, mut jenkins) = controller();
    assert_eq!(jenkins.listeners(), (0, 0));

    let first = jenkins.install();
    assert_eq!(jenkins.listeners(), (1, 1));
    let second = jenkins.install();

    assert_eq!(jenkins.listeners(), (1, 1));
    assert!(!first.contains("replaced"), "{first}");
    assert!(
        second.ends_with("replaced 1 previous instance(s)"),
        "{second}"
    );
}

#[test]
fn without_a_webhook_url_nothing_is_installed_and_jenkins_starts() {
    let webhook = Webhook::start("emitter-test-secret-0123456789");
    let mut jenkins = Setup::new(&webhook)
        .without("ECS_AGENTS_WEBHOOK_URL")
        .start();

    let outcome = jenkins.run_script();

    assert!(
        matches!(&outcome, Outcome::Returned(text) if text.starts_with("ecs-agents emitter NOT installed: no webhook URL")),
        "{outcome:?}"
    );
    assert_eq!(jenkins.listeners(), (0, 0));
    assert!(jenkins.emitter_logs().iter().any(|l| l.level == "SEVERE"));
}

#[test]
fn a_rerun_that_fails_its_configuration_check_leaves_no_emitter_running() {
    let webhook = Webhook::start("emitter-test-secret-0123456789");
    let mut jenkins = Setup::new(&webhook)
        .env("ECS_AGENTS_WEBHOOK_SECRET_FILE", "/nonexistent/secret")
        .start();

    let outcome = jenkins.run_script();

    assert!(
        matches!(&outcome, Outcome::Returned(text) if text.contains("cannot read the webhook secret file")),
        "{outcome:?}"
    );
    assert_eq!(jenkins.listeners(), (0, 0));
}

#[test]
fn an_error_while_installing_is_logged_and_never_stops_jenkins_from_starting() {
    let (_webhook, mut jenkins) = controller();
    jenkins.break_timer();

    let outcome = jenkins.run_script();

    // GroovyHookScript would let an Error through, and Jenkins would not start.
    assert_eq!(
        outcome,
        Outcome::Returned(
            "ecs-agents emitter NOT installed: java.lang.NoClassDefFoundError: \
             jenkins/util/Timer (a fault the harness injected)"
                .into()
        )
    );
    assert_eq!(
        jenkins.listeners(),
        (0, 0),
        "the half-started emitter is closed"
    );
    let severe = jenkins.wait_for_log("emitter NOT installed: java.lang.NoClassDefFoundError");
    assert!(
        severe.thrown.starts_with("java.lang.NoClassDefFoundError"),
        "{severe:?}"
    );
    jenkins.install();
}

#[test]
fn log_records_carry_their_message_and_no_format_parameters() {
    let (webhook, mut jenkins) = controller();
    jenkins.install();
    jenkins.our_agent("ecs-linux-11");
    jenkins.accept("ecs-linux-11");
    jenkins.queue("enter 1301 linux");
    webhook.wait_for(1);
    jenkins.wait_for_log("queue.buildable item 1301 -> 200");

    let logs = jenkins.emitter_logs();
    assert!(logs.len() >= 3, "{logs:#?}");
    // A parameter, even [null], makes formatters read the message as a MessageFormat pattern.
    for line in logs {
        assert_eq!(line.params, "none", "{line:?}");
    }
}
