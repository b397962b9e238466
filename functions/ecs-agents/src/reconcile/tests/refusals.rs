//! Launches ECS or Jenkins refuse outright leave no stopped task behind: the
//! reconciler remembers them and holds the item back as it would after a
//! permanent failed start, instead of trying again every minute.

use super::*;
use crate::ecs::EcsError;

const NO_NODES: &str = "There are no nodes with the label \u{2018}linux\u{2019}";
/// What ECS answers a RunTask whose caller may not pass the task role.
const PASS_ROLE: &str = "RunTask: AccessDeniedException: User: \
    arn:aws:sts::123456789012:assumed-role/reconcile/fn is not authorized to perform: \
    iam:PassRole on resource: arn:aws:iam::123456789012:role/agent";

fn launch_failures(r: &TestReconciler) -> usize {
    let published = r.launcher().deployment().events.published();
    published
        .iter()
        .filter(|e| e.kind == AgentEventKind::AgentLaunchFailed)
        .count()
}

/// A reconciler with build 41 waiting, whose next RunTask ECS refuses.
fn refused_run_task() -> TestReconciler {
    let r = reconciler(ReconcileOptions::default());
    jenkins(&r).enqueue(waiting(41, NO_NODES));
    ecs(&r).answer_next_run(Err(EcsError::Rejected(PASS_ROLE.into())));
    r
}

#[tokio::test]
async fn a_run_task_ecs_refuses_outright_holds_the_item_back_instead_of_retrying_every_minute() {
    // GIVEN a waiting build whose RunTask ECS refuses (no task is created)
    let r = refused_run_task();
    // WHEN the reconciler runs, then again minute after minute
    let first = r.run(now_ms()).await.unwrap();
    // THEN the refusal is reported once, and the item is held back after it
    assert!(first.launched.is_empty(), "{first:?}");
    assert_eq!(first.errors.len(), 1, "{first:?}");
    for minutes in 1..=3 {
        let summary = r.run(now_ms() + minutes * MINUTE).await.unwrap();
        assert!(summary.launched.is_empty(), "{summary:?}");
        assert_eq!(summary.held_back.len(), 1, "{summary:?}");
        let why = &summary.held_back[0];
        assert!(
            why.starts_with("queue item 41: launch refused: agent ecs-linux-41: ")
                && why.contains("iam:PassRole")
                && why.ends_with("; not relaunched within the hour"),
            "{why}"
        );
    }
    assert_eq!(ecs(&r).run_calls(), 1, "one RunTask, not one a minute");
    assert_eq!(launch_failures(&r), 1, "one AgentLaunchFailed");
    assert_eq!(
        jenkins(&r).calls(Call::Create),
        3,
        "two placeholders and one agent node"
    );
}

#[tokio::test]
async fn a_refused_item_is_tried_again_in_its_next_hour_under_a_new_name() {
    let r = refused_run_task();
    r.run(now_ms()).await.unwrap();
    assert_eq!(r.run(now_ms() + MINUTE).await.unwrap().held_back.len(), 1);
    // An hour on (the IAM policy fixed meanwhile), the window moves on.
    let summary = r.run(now_ms() + 61 * MINUTE).await.unwrap();
    assert_eq!(names(&summary.launched), ["ecs-linux-41-3"], "{summary:?}");
    assert!(summary.held_back.is_empty());
}

#[tokio::test]
async fn a_launch_jenkins_refuses_is_held_back_too() {
    let r = reconciler(ReconcileOptions::default());
    r.run(now_ms()).await.unwrap(); // the placeholders
    jenkins(&r).enqueue(waiting(41, NO_NODES));
    let missing = JenkinsError::PermissionMissing {
        user: "ecs-agents".into(),
        permission: "Agent/Create".into(),
    };
    jenkins(&r).fail_next(Call::Create, missing);
    r.run(now_ms()).await.unwrap();
    let summary = r.run(now_ms() + MINUTE).await.unwrap();
    assert_eq!(summary.held_back.len(), 1, "{summary:?}");
    assert!(summary.held_back[0].contains("Agent/Create"), "{summary:?}");
    assert_eq!(jenkins(&r).calls(Call::Create), 3, "no second attempt");
}

#[tokio::test]
async fn a_transient_launch_failure_is_tried_again_on_the_next_run() {
    let r = reconciler(ReconcileOptions::default());
    jenkins(&r).enqueue(waiting(41, NO_NODES));
    ecs(&r).answer_next_run(Err(EcsError::Throttled("Rate exceeded".into())));
    r.run(now_ms()).await.unwrap();
    let summary = r.run(now_ms() + MINUTE).await.unwrap();
    assert_eq!(names(&summary.launched), ["ecs-linux-41"], "{summary:?}");
}

#[tokio::test]
async fn a_refusal_is_forgotten_once_its_item_leaves_the_queue() {
    let r = refused_run_task();
    r.run(now_ms()).await.unwrap();
    jenkins(&r).dequeue(41);
    r.run(now_ms() + MINUTE).await.unwrap();
    // The same item id waiting again (a restored queue) is launched afresh.
    jenkins(&r).enqueue(waiting(41, NO_NODES));
    let summary = r.run(now_ms() + 2 * MINUTE).await.unwrap();
    assert_eq!(names(&summary.launched), ["ecs-linux-41"], "{summary:?}");
}
