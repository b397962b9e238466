//! One build per agent: `taskAccepted` switches our agents off, the sweep releases them.

use std::time::Duration;

use emitter_tests::Answer;
use serde_json::json;

use crate::controller;

#[test]
fn our_agent_stops_accepting_tasks_once_it_takes_a_build_and_is_released_when_idle() {
    let (webhook, mut jenkins) = controller();
    jenkins.install();
    jenkins.our_agent("ecs-linux-7");

    jenkins.accept("ecs-linux-7");
    assert!(!jenkins.accepting("ecs-linux-7"));
    assert_eq!(jenkins.sweep(), "periodic 1 every 10000 ms");
    jenkins.finish("ecs-linux-7");
    jenkins.sweep();
    let released = &webhook.wait_for(1)[0].body;
    // Released once: later sweeps find it released already.
    jenkins.sweep();
    jenkins.sleep(Duration::from_millis(300));

    assert_eq!(released["type"], "agent.released");
    assert_eq!(released["node"], "ecs-linux-7");
    assert_eq!(webhook.received().len(), 1);
    assert!(jenkins.emitter_logs().iter().any(|l| {
        l.message
            .contains("ecs-linux-7 took its build; it accepts no further tasks")
    }));
}

#[test]
fn agents_of_a_reusable_template_keep_accepting_tasks_and_are_never_released() {
    let webhook = emitter_tests::Webhook::start("emitter-test-secret-0123456789");
    let mut jenkins = emitter_tests::Setup::new(&webhook)
        .env(
            "ECS_AGENTS_REUSABLE_PREFIXES",
            "ecs-linux-cached-, ecs-big-",
        )
        .start();
    jenkins.install();
    jenkins.our_agent("ecs-linux-cached-3");

    jenkins.accept("ecs-linux-cached-3");
    jenkins.finish("ecs-linux-cached-3");
    jenkins.sweep();
    jenkins.sleep(Duration::from_millis(300));

    assert!(jenkins.accepting("ecs-linux-cached-3"));
    assert_eq!(webhook.received().len(), 0);
}

#[test]
fn a_pipeline_run_on_a_one_off_executor_leaves_the_agent_accepting_tasks() {
    let (_webhook, mut jenkins) = controller();
    jenkins.install();
    jenkins.our_agent("ecs-linux-8");

    jenkins.send("accept ecs-linux-8 oneoff");

    assert!(jenkins.accepting("ecs-linux-8"));
    assert_eq!(json!(jenkins.listeners()), json!([1, 1]));
}

#[test]
fn a_release_the_webhook_could_not_take_is_sent_again_by_the_next_sweep() {
    let (webhook, mut jenkins) = controller();
    webhook.plan([
        Answer::status(503).retry_after(0),
        Answer::status(503).retry_after(0),
        Answer::status(503).retry_after(0),
    ]);
    jenkins.install();
    jenkins.our_agent("ecs-linux-10");
    jenkins.accept("ecs-linux-10");
    jenkins.finish("ecs-linux-10");

    jenkins.sweep();
    webhook.wait_for(3);
    jenkins.wait_for_log("agent.released ecs-linux-10 failed 3 times");
    jenkins.sweep();

    let received = webhook.wait_for(4);
    assert_eq!(received[3].body["node"], "ecs-linux-10");
    // Delivered now: not sent a third time.
    jenkins.sweep();
    jenkins.sleep(Duration::from_millis(300));
    assert_eq!(webhook.received().len(), 4);
}

#[test]
fn a_node_named_like_ours_but_not_described_as_ours_is_left_alone() {
    let (webhook, mut jenkins) = controller();
    jenkins.install();
    jenkins.node("ecs-static-1", "a build box someone made by hand");

    jenkins.accept("ecs-static-1");
    assert!(jenkins.accepting("ecs-static-1"));
    jenkins.finish("ecs-static-1");
    jenkins.sweep();
    jenkins.sleep(Duration::from_millis(300));

    assert_eq!(webhook.received().len(), 0);
}

#[test]
fn the_agent_prefix_comes_from_the_cloud_name() {
    let webhook = emitter_tests::Webhook::start("emitter-test-secret-0123456789");
    let mut jenkins = emitter_tests::Setup::new(&webhook)
        .env("ECS_AGENTS_CLOUD", "prod")
        .start();
    let result = jenkins.install();
    // Another deployment's agent, with the default cloud name: not ours.
    jenkins.our_agent("ecs-linux-6");
    jenkins.our_agent("prod-linux-5");

    jenkins.accept("ecs-linux-6");
    jenkins.accept("prod-linux-5");

    assert!(result.contains("cloud prod (agents prod-*)"), "{result}");
    assert!(jenkins.accepting("ecs-linux-6"));
    assert!(!jenkins.accepting("prod-linux-5"));
}

#[test]
fn the_old_node_prefix_setting_is_refused_rather_than_ignored() {
    let webhook = emitter_tests::Webhook::start("emitter-test-secret-0123456789");
    let mut jenkins = emitter_tests::Setup::new(&webhook)
        .env("ECS_AGENTS_NODE_PREFIX", "prod-")
        .start();

    let outcome = jenkins.run_script();

    assert_eq!(
        outcome,
        emitter_tests::Outcome::Returned(
            "ecs-agents emitter NOT installed: ECS_AGENTS_NODE_PREFIX is no longer read: \
             set ECS_AGENTS_CLOUD to cloud.name instead"
                .into()
        )
    );
}
