//! What a waiting build shows: the webhook's answer, the functions' notes (offline causes
//! Jenkins tells its `ComputerListener`s of) and our agent coming online, printed to the log of
//! a waiting Pipeline run, or for a freestyle build to Jenkins' own log (docs/emitter.md).

use emitter_tests::{Answer, LogLine};
use serde_json::json;

use crate::controller;

const TASK: &str =
    "arn:aws:ecs:us-east-1:123456789012:task/agents/0f1e2d3c4b5a69788796a5b4c3d2e1f0";

/// How the functions describe the node they create for queue item `id`
/// (functions/ecs-agents/src/launch/request.rs, `agent_node`).
fn described(id: u64) -> String {
    format!(
        "ECS agent (template linux) for part of pipeline #3, queue item {id}; created 1764270000000"
    )
}

fn accepted(id: u64, node: &str) -> Answer {
    Answer::json(
        202,
        json!({"outcome": "accepted", "template": "linux", "queueItem": id, "node": node}),
    )
}

#[test]
fn a_waiting_pipeline_build_shows_its_template_its_task_and_its_agent_connecting() {
    let (webhook, mut jenkins) = controller();
    webhook.plan([accepted(801, "ecs-linux-801")]);
    jenkins.node("ecs_placeholder", "Placeholder managed by ecs-agents");
    jenkins.install();

    jenkins.queue("enter 801 linux pipeline");
    jenkins.wait_for_build_log(801, 1);
    // The functions' note once the task runs, on the placeholder; then the agent connects.
    jenkins.offline_cause(
        "ecs_placeholder",
        &format!(
            "ecs-agents: queue item 801, agent ecs-linux-801: ECS task {TASK} started from \
             template linux; waiting for the agent to connect"
        ),
    );
    jenkins.node("ecs-linux-801", &described(801));
    jenkins.online("ecs-linux-801");

    assert_eq!(
        jenkins.build_log(801),
        [
            "[ecs-agents] template linux serves this build; launching agent ecs-linux-801"
                .to_owned(),
            format!(
                "[ecs-agents] agent ecs-linux-801: ECS task {TASK} started from template linux; \
                 waiting for the agent to connect"
            ),
            "[ecs-agents] agent ecs-linux-801 connected".to_owned(),
        ]
    );
}

#[test]
fn a_start_failure_noted_on_the_node_before_its_deletion_is_in_the_build_log() {
    let (_webhook, mut jenkins) = controller();
    jenkins.install();
    jenkins.queue("enter 802 broken pipeline");
    jenkins.node("ecs-broken-802", &described(802));
    let failure = "ECS task failed to start: CannotPullContainerError: \
                   docker.io/jenkins/inbound-agent:no-such-tag: not found. The image or its tag \
                   does not exist: fix the template's image and publish the agents file \
                   (ecs-agents push). Not retried; while the build waits, one more launch is \
                   tried each hour";

    jenkins.offline_cause(
        "ecs-broken-802",
        &format!("ecs-agents: queue item 802, agent ecs-broken-802: {failure}"),
    );

    assert_eq!(
        jenkins.build_log(802),
        [format!("[ecs-agents] agent ecs-broken-802: {failure}")]
    );
}

#[test]
fn a_label_no_template_serves_and_a_cap_are_said_in_the_build_log() {
    let (webhook, mut jenkins) = controller();
    webhook.plan([
        Answer::json(202, json!({"outcome": "ignored", "reason": "no template serves gpu"})),
        Answer::json(
            202,
            json!({"outcome": "accepted", "template": "solo", "queueItem": 804, "node": "ecs-solo-804"}),
        ),
    ]);
    jenkins.node("ecs_placeholder", "Placeholder managed by ecs-agents");
    jenkins.install();

    jenkins.queue("enter 803 gpu pipeline");
    webhook.wait_for(1);
    jenkins.queue("enter 804 solo pipeline");
    jenkins.wait_for_build_log(804, 1);
    // The webhook only records the work: the launch worker finds the template at its cap and
    // says so on the placeholder.
    jenkins.offline_cause(
        "ecs_placeholder",
        "ecs-agents: queue item 804, agent ecs-solo-804: waiting at a cap: 1 of 1 `solo` agents \
         running (template maxAgents); an agent is launched when room frees up",
    );

    assert_eq!(
        jenkins.wait_for_build_log(803, 1),
        ["[ecs-agents] no template serves gpu: no agent is launched for this build"]
    );
    assert_eq!(
        jenkins.build_log(804),
        [
            "[ecs-agents] template solo serves this build; launching agent ecs-solo-804",
            "[ecs-agents] agent ecs-solo-804: waiting at a cap: 1 of 1 `solo` agents running \
             (template maxAgents); an agent is launched when room frees up"
        ]
    );
}

#[test]
fn a_waiting_freestyle_build_has_no_log_so_its_news_goes_to_jenkins_log() {
    let (webhook, mut jenkins) = controller();
    webhook.plan([accepted(805, "ecs-linux-805")]);
    jenkins.install();

    jenkins.queue("enter 805 linux");

    let line: LogLine = jenkins.wait_for_log("queue item 805");
    assert_eq!(line.level, "INFO");
    assert_eq!(
        line.message,
        "ecs-agents: queue item 805 (app \u{bb} job-805): template linux serves this build; \
         launching agent ecs-linux-805"
    );
}

#[test]
fn offline_causes_of_people_and_of_other_clouds_print_nothing() {
    let (_webhook, mut jenkins) = controller();
    jenkins.install();
    jenkins.queue("enter 806 linux pipeline");
    jenkins.node("ecs-linux-806", &described(806));
    jenkins.node("other-linux-806", &described(806));

    jenkins.offline_cause("ecs-linux-806", "draining for maintenance");
    jenkins.offline_cause(
        "other-linux-806",
        "ecs-agents: queue item 806, agent other-linux-806: ECS task started",
    );
    jenkins.offline_cause(
        "ecs-linux-806",
        "ecs-agents: queue item 806, agent other-linux-806: ECS task started",
    );

    assert_eq!(jenkins.build_log(806), Vec::<String>::new());
}

#[test]
fn the_same_news_twice_in_a_row_is_printed_once() {
    let (_webhook, mut jenkins) = controller();
    jenkins.install();
    jenkins.queue("enter 807 linux pipeline");
    jenkins.node("ecs_placeholder", "Placeholder managed by ecs-agents");
    let cap = "ecs-agents: queue item 807, agent ecs-linux-807: waiting at a cap: 2 of 2 `linux` \
               agents running (template maxAgents); an agent is launched when room frees up";

    // The reconciler retries a deferred launch every minute, noting it each time.
    jenkins.offline_cause("ecs_placeholder", cap);
    jenkins.offline_cause("ecs_placeholder", cap);

    assert_eq!(jenkins.build_log(807).len(), 1);
}

#[test]
fn the_one_computer_listener_posts_agent_online_and_prints_the_connection() {
    let (webhook, mut jenkins) = controller();
    jenkins.install();
    assert_eq!(jenkins.computer_listeners(), 1);
    jenkins.queue("enter 808 linux pipeline");
    jenkins.node("ecs-linux-808", &described(808));

    jenkins.online("ecs-linux-808");

    webhook.wait_until("agent.online", |r| {
        r.iter().any(|r| r.kind() == "agent.online")
    });
    let online = webhook.events("agent.online");
    assert_eq!(
        (&online[0]["node"], &online[0]["item"]["id"]),
        (&json!("ecs-linux-808"), &json!(808))
    );
    assert_eq!(
        jenkins.build_log(808),
        ["[ecs-agents] agent ecs-linux-808 connected"]
    );
}
