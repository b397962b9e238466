//! The launch deadline, in virtual time: tokio's clock is paused, so a call
//! that "takes a minute" costs nothing and the answer's time is exact.

use tokio::time::Instant;

use super::*;
use crate::launch::CLEANUP_GRACE;

const DEADLINE: Duration = Duration::from_secs(25);
const A_MINUTE: Duration = Duration::from_secs(60);

#[tokio::test(start_paused = true)]
async fn a_run_task_slower_than_the_deadline_answers_at_the_deadline_and_deletes_the_node() {
    // GIVEN ECS takes a minute to answer RunTask
    let launcher = launcher();
    launcher.deployment.ecs.delay_next_run(A_MINUTE);
    // WHEN a build is launched
    let started = Instant::now();
    let error = launcher.launch(&build(3, "linux")).await.unwrap_err();
    // THEN the launch gives up at its deadline, transiently, leaving nothing
    assert_eq!(started.elapsed(), DEADLINE);
    assert!(error.is_retryable(), "{error:?}");
    assert_eq!(
        error.to_string(),
        "agent ecs-linux-3: the launch deadline of 25 s passed while starting its task"
    );
    assert!(
        launcher.deployment.jenkins.node_names().is_empty(),
        "node deleted"
    );
    assert!(launcher.deployment.ecs.tasks().is_empty());
    assert!(
        launcher.deployment.events.published().is_empty(),
        "a transient failure publishes no AgentLaunchFailed"
    );
}

#[tokio::test(start_paused = true)]
async fn a_node_creation_slower_than_the_deadline_answers_at_the_deadline() {
    let launcher = launcher();
    let jenkins = &launcher.deployment.jenkins;
    jenkins.delay_next(Call::Create, A_MINUTE);
    let started = Instant::now();
    let error = launcher.launch(&build(3, "linux")).await.unwrap_err();
    assert_eq!(started.elapsed(), DEADLINE);
    assert!(
        error.is_retryable() && error.to_string().ends_with("while creating its node"),
        "{error}"
    );
    assert_eq!(launcher.deployment.ecs.run_calls(), 0);
}

#[tokio::test(start_paused = true)]
async fn the_deadline_counts_from_the_start_of_the_launch_not_of_each_call() {
    // GIVEN Jenkins answers the queue check after 20 s, then ECS takes 20 s
    let launcher = launcher();
    launcher
        .deployment
        .jenkins
        .delay_next(Call::QueueItem, Duration::from_secs(20));
    launcher
        .deployment
        .ecs
        .delay_next_run(Duration::from_secs(20));
    let mut late = build(3, "linux");
    late.age = Some(Duration::from_secs(120)); // so the queue is asked
    // WHEN the late event is launched
    let started = Instant::now();
    let error = launcher.launch(&late).await.unwrap_err();
    // THEN 25 s after the start, not 40, it gives up
    assert_eq!(started.elapsed(), DEADLINE);
    assert!(
        error.to_string().ends_with("while starting its task"),
        "{error}"
    );
    assert!(launcher.deployment.jenkins.node_names().is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_deletion_that_hangs_is_cut_short_so_the_answer_still_comes_in_time() {
    // GIVEN ECS and then Jenkins' delete both take a minute
    let launcher = launcher();
    launcher.deployment.ecs.delay_next_run(A_MINUTE);
    launcher
        .deployment
        .jenkins
        .delay_next(Call::Delete, A_MINUTE);
    // WHEN a build is launched
    let started = Instant::now();
    let error = launcher.launch(&build(3, "linux")).await.unwrap_err();
    // THEN the answer comes at the deadline plus the grace for cleaning up;
    // the node is left to the reconciler's ghost rule
    assert_eq!(started.elapsed(), DEADLINE + CLEANUP_GRACE);
    assert!(error.is_retryable(), "{error:?}");
    assert_eq!(launcher.deployment.jenkins.node_names().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_launch_within_the_deadline_is_untouched() {
    let launcher = launcher();
    launcher
        .deployment
        .ecs
        .delay_next_run(Duration::from_secs(24));
    let outcome = launcher.launch(&build(3, "linux")).await.unwrap();
    assert!(
        matches!(outcome, LaunchOutcome::Launched { .. }),
        "{outcome:?}"
    );
}
