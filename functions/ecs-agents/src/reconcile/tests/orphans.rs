//! Orphan tasks and the reconciler's own reads: a task is an orphan only if
//! its node is gone when Jenkins is asked again.

use super::*;

#[tokio::test]
async fn an_agent_launched_while_the_reconciler_reads_is_not_taken_for_an_orphan() {
    // GIVEN a reconcile run that has read the nodes, not yet the tasks
    let r = reconciler(ReconcileOptions::default());
    r.run(now_ms()).await.unwrap(); // the placeholders
    let listed = jenkins(&r).hold_after_next(Call::ListNodes);
    let (summary, node) = tokio::join!(r.run(now_ms()), async {
        listed.reached().await;
        // WHEN the webhook launches an agent right then: node, then task
        let node = launched(&r, 7, "linux").await;
        listed.release();
        node
    });
    // THEN its task, listed without its node, is left running
    let summary = summary.unwrap();
    assert!(summary.orphan_tasks.is_empty(), "{summary:?}");
    assert_eq!(ecs(&r).running().len(), 1);
    assert!(jenkins(&r).node(&node).is_some());
    // and a later run sees node and task together
    let later = r.run(now_ms()).await.unwrap();
    assert!(later.orphan_tasks.is_empty(), "{later:?}");
}

#[tokio::test]
async fn a_task_whose_node_jenkins_cannot_confirm_gone_is_left_for_the_next_run() {
    let r = reconciler(ReconcileOptions::default());
    let node = launched(&r, 5, "linux").await;
    jenkins(&r).delete_agent(&node).await.unwrap();
    jenkins(&r).fail_next(Call::Status, JenkinsError::Unavailable("502".into()));
    let summary = r.run(now_ms()).await.unwrap();
    assert!(summary.orphan_tasks.is_empty(), "{summary:?}");
    assert_eq!(ecs(&r).running().len(), 1);
    assert_eq!(summary.errors.len(), 1, "{summary:?}");
    assert_eq!(r.run(now_ms()).await.unwrap().orphan_tasks.len(), 1);
}
