//! What reconcile reads from Jenkins' queue reasons in the corner cases of a
//! real controller: an expression only label-less nodes match, and a
//! controller forced to answer in another language (docs/jenkins-api.md §14,
//! §16).

use blackbox_tests::World;
use jenkins_stand_in::language::Language;

fn count(summary: &serde_json::Value, key: &str) -> usize {
    summary[key].as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn a_build_for_a_negated_expression_gets_its_agent_from_reconcile() {
    // GIVEN no agent nodes yet, the placeholders in place
    let world = World::start().await.unwrap();
    world.reconcile().await;
    // WHEN a build waits for `!built-in` (any node but the controller), its webhook lost
    let item = world.enqueue("!built-in");
    let tick = world.reconcile().await;
    // THEN Jenkins names the label, not a placeholder, and an agent is launched
    assert_eq!(
        tick["launched"],
        serde_json::json!([format!("bb-linux-{item}")]),
        "{tick}"
    );
}

#[tokio::test]
async fn a_controller_answering_in_german_is_detected_and_nothing_is_guessed() {
    let world = World::start().await.unwrap();
    world.reconcile().await;
    world.jenkins.set_language(Language::German);
    world.enqueue("linux");
    let tick = world.reconcile().await;
    assert_eq!(tick["unreadableReasons"], 1, "{tick}");
    assert_eq!(count(&tick, "launched"), 0, "{tick}");
}
