use aws_sdk_ecs::Client;
use aws_sdk_ecs::types as sdk;
use aws_smithy_mocks::{Rule, mock};
use serde_json::json;

use super::super::testing::*;
use super::account::*;
use super::*;
use crate::config::{AgentTemplate, TaskSource};
use crate::ecs::AgentTasks;

/// The ARNs DeregisterTaskDefinition was called with, in order.
fn deregistered(wire: &Wire) -> Vec<String> {
    let bodies = wire.bodies("DeregisterTaskDefinition");
    bodies
        .iter()
        .map(|b| b["taskDefinition"].as_str().unwrap().to_owned())
        .collect()
}

fn keep(hashes: &[&str]) -> Vec<String> {
    hashes.iter().map(|h| (*h).to_owned()).collect()
}

#[tokio::test]
async fn a_stale_revision_of_ours_is_deregistered_and_the_current_one_kept() {
    // GIVEN a template whose definition changed from `old` to `new`
    let (stale, current) = (ours("ecs-linux", 1, "old"), ours("ecs-linux", 2, "new"));
    let account = Account::new(&[stale, current]);
    let (ecs, wire) = account.adapter(&[]);
    // WHEN only `new` is still rendered
    let done = ecs
        .deregister_stale(CLOUD, &keep(&["new"]), 5)
        .await
        .unwrap();
    // THEN the `old` revision alone is deregistered
    assert_eq!(done, [stale.arn()]);
    assert_eq!(deregistered(&wire), [stale.arn()]);
    let families = wire.body("ListTaskDefinitionFamilies");
    assert_eq!(
        (&families["familyPrefix"], &families["status"]),
        (&json!("ecs-"), &json!("ACTIVE"))
    );
    let listing = wire.body("ListTaskDefinitions");
    assert_eq!(listing["familyPrefix"], "ecs-linux");
    assert_eq!(
        (&listing["status"], &listing["sort"]),
        (&json!("ACTIVE"), &json!("ASC"))
    );
}

#[tokio::test]
async fn revisions_without_our_tags_for_this_cloud_are_never_touched() {
    // GIVEN families matching `ecs-` that this cloud did not register: a
    // user's, one of cloud `ecs-prod`, and one tagged without a hash
    let mut no_hash = ours("ecs-linux", 3, "unused");
    no_hash.hash = None;
    let other_cloud = Revision {
        cloud: Some("ecs-prod"),
        ..ours("ecs-prod-linux", 1, "old")
    };
    let foreign = [
        untagged("ecs-something", 1),
        untagged("ecs-something", 2),
        other_cloud,
        no_hash,
    ];
    let account = Account::new(&foreign);
    let (ecs, wire) = account.adapter(&[]);
    // WHEN no hash is kept at all
    let done = ecs.deregister_stale(CLOUD, &[], 5).await.unwrap();
    // THEN each was described and none deregistered
    assert_eq!(done, Vec::<String>::new());
    assert_eq!(account.describe.num_calls(), 4);
    assert_eq!(account.deregister.num_calls(), 0);
    assert_eq!(wire.bodies("ListTaskDefinitionFamilies").len(), 2, "paged");
}

#[tokio::test]
async fn at_most_max_revisions_are_deregistered_oldest_first() {
    let stale = [1, 2, 3].map(|n| ours("ecs-linux", n, "old"));
    let account = Account::new(&[stale[0], stale[1], stale[2], ours("ecs-linux", 4, "new")]);
    let (ecs, wire) = account.adapter(&[]);
    let done = ecs
        .deregister_stale(CLOUD, &keep(&["new"]), 2)
        .await
        .unwrap();
    assert_eq!(done, [stale[0].arn(), stale[1].arn()]);
    assert_eq!(deregistered(&wire), done);
    assert_eq!(account.describe.num_calls(), 2, "stops once max is reached");
}

#[tokio::test]
async fn one_sweep_describes_at_most_four_revisions_per_deregistration_allowed() {
    // GIVEN six current revisions listed before a stale one
    let mut revisions: Vec<Revision> = (1..=6).map(|n| ours("ecs-linux", n, "new")).collect();
    let stale = ours("ecs-windows", 1, "old");
    revisions.push(stale);
    let account = Account::new(&revisions);
    let (ecs, _) = account.adapter(&[]);
    // WHEN a sweep may deregister one revision
    let first = ecs
        .deregister_stale(CLOUD, &keep(&["new"]), 1)
        .await
        .unwrap();
    // THEN it stops after four describes
    assert_eq!(first, Vec::<String>::new());
    assert_eq!(account.describe.num_calls(), DESCRIBES_PER_DEREGISTRATION);
    // AND the next sweep of the warm adapter goes on where it stopped
    let second = ecs
        .deregister_stale(CLOUD, &keep(&["new"]), 1)
        .await
        .unwrap();
    assert_eq!(second, [stale.arn()]);
    assert_eq!(
        account.describe.num_calls(),
        7,
        "each revision described once"
    );
}

#[tokio::test]
async fn a_throttled_describe_ends_the_sweep_with_nothing_deregistered_after_it() {
    let stale = [1, 2, 3].map(|n| ours("ecs-linux", n, "old"));
    let throttled_arn = stale[1].arn();
    let throttled = mock!(Client::describe_task_definition)
        .match_requests(move |r| r.task_definition() == Some(throttled_arn.as_str()))
        .sequence()
        .http_status(400, error_body("ThrottlingException", "Rate exceeded"))
        .build();
    let account = Account::new(&stale);
    let (ecs, wire) = account.adapter(&[&throttled]);
    let error = ecs.deregister_stale(CLOUD, &[], 5).await.unwrap_err();
    assert!(matches!(error, EcsError::Throttled(_)), "{error}");
    assert_eq!(deregistered(&wire), [stale[0].arn()], "only the one before");
    assert_eq!(
        account.describe.num_calls(),
        1,
        "the third is not described"
    );
}

/// The template's hash, and a describe of its family answering with
/// [`TASK_DEF_ARN`] registered for that hash.
fn resolved_family() -> (AgentTemplate, Rule) {
    let template = template(FARGATE);
    let TaskSource::Register { hash, .. } = &template.task else {
        panic!("a rendered template")
    };
    let hash = hash.clone();
    let rule = mock!(Client::describe_task_definition)
        .match_requests(|r| r.task_definition() == Some("ecs-linux"))
        .then_output(move || {
            let mut output = described(&[ours("ecs-linux", 7, "")], TASK_DEF_ARN);
            output.tags = Some(vec![sdk::Tag::builder().key(HASH_TAG).value(&hash).build()]);
            output
        });
    (template, rule)
}

#[tokio::test]
async fn a_task_definition_this_instance_runs_is_never_deregistered() {
    // GIVEN this instance launches from revision 7
    let (template, resolve) = resolved_family();
    let account = Account::new(&[ours("ecs-linux", 7, "old")]);
    let (ecs, _) = account.adapter(&[&resolve]);
    assert_eq!(
        ecs.task_definition(&template).await.unwrap().arn,
        TASK_DEF_ARN
    );
    // WHEN its hash is not kept
    let done = ecs.deregister_stale(CLOUD, &[], 5).await.unwrap();
    // THEN it is neither described nor deregistered
    assert_eq!(done, Vec::<String>::new());
    assert_eq!(
        (account.describe.num_calls(), account.deregister.num_calls()),
        (0, 0)
    );
}

#[tokio::test]
async fn a_forgotten_task_definition_is_no_longer_held() {
    let (template, resolve) = resolved_family();
    let (ecs, _) = adapter(&[&resolve]);
    ecs.task_definition(&template).await.unwrap();
    assert!(ecs.definitions.holds(TASK_DEF_ARN));
    ecs.definitions.forget(TASK_DEF_ARN);
    assert!(!ecs.definitions.holds(TASK_DEF_ARN));
}

#[tokio::test]
async fn a_revision_gone_since_the_listing_is_skipped() {
    let (gone, stale) = (ours("ecs-linux", 1, "old"), ours("ecs-linux", 2, "old"));
    let gone_arn = gone.arn();
    let unknown = mock!(Client::describe_task_definition)
        .match_requests(move |r| r.task_definition() == Some(gone_arn.as_str()))
        .sequence()
        .http_status(
            400,
            error_body("ClientException", "Unable to describe task definition."),
        )
        .build();
    let account = Account::new(&[gone, stale]);
    let (ecs, _) = account.adapter(&[&unknown]);
    let done = ecs.deregister_stale(CLOUD, &[], 5).await.unwrap();
    assert_eq!(done, [stale.arn()]);
}

#[tokio::test]
async fn a_sweep_allowed_no_deregistration_makes_no_call() {
    // Any call would find no rule and fail the test.
    let (ecs, _) = adapter(&[]);
    assert_eq!(ecs.deregister_stale(CLOUD, &[], 0).await, Ok(vec![]));
}
