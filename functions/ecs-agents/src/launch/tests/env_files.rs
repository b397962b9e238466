//! The agent's environment file: written before its task runs, gone with a
//! failed launch, and not written at all when the cloud puts the secret in
//! the task's overrides.

use super::*;
use crate::envfiles::EnvFileError;

#[tokio::test]
async fn a_launch_writes_one_file_holding_the_secret_and_no_override_holds_it() {
    let launcher = launcher();
    launcher.launch(&build(7, "linux")).await.unwrap();
    let name = node("ecs-linux-7");
    assert_eq!(
        launcher.deployment.files.agents(),
        std::slice::from_ref(&name)
    );
    let secret = FakeJenkins::secret_for(&name);
    let file = launcher.deployment.files.contents(&name).unwrap();
    assert!(file.contains(&format!("JENKINS_SECRET={}\n", secret.expose())));
    let launch = &launcher.deployment.ecs.tasks()[0].launch;
    assert!(!format!("{launch:?}").contains(secret.expose()));
}

#[tokio::test]
async fn a_failed_launch_leaves_no_file() {
    let launcher = launcher();
    let failure = LaunchFailure {
        reason: "MISSING".into(),
        retryable: false,
    };
    launcher
        .deployment
        .ecs
        .answer_next_run(Ok(RunOutcome::Failed(failure)));
    launcher.launch(&build(3, "linux")).await.unwrap_err();
    assert!(launcher.deployment.files.agents().is_empty());
    assert!(launcher.deployment.jenkins.node_names().is_empty());
}

#[tokio::test]
async fn a_duplicate_whose_run_task_fails_leaves_the_first_launch_file_alone() {
    let launcher = launcher();
    launcher.launch(&build(3, "linux")).await.unwrap();
    launcher
        .deployment
        .ecs
        .answer_next_run(Err(EcsError::Throttled("Rate exceeded".into())));
    launcher.launch(&build(3, "linux")).await.unwrap_err();
    assert_eq!(launcher.deployment.files.agents(), [node("ecs-linux-3")]);
}

#[tokio::test]
async fn a_store_that_cannot_take_the_file_fails_the_launch_retryably_and_leaves_nothing() {
    let launcher = launcher();
    launcher
        .deployment
        .files
        .fail_next(EnvFileError::Unavailable("503 SlowDown".into()));
    let error = launcher.launch(&build(3, "linux")).await.unwrap_err();
    assert!(error.is_retryable(), "{error}");
    assert!(error.to_string().contains("SlowDown"), "{error}");
    assert!(launcher.deployment.jenkins.node_names().is_empty());
    assert_eq!(launcher.deployment.ecs.run_calls(), 0);
}

#[tokio::test]
async fn a_cloud_delivering_secrets_in_overrides_writes_no_file() {
    let launcher = Launcher::with_fakes(&CONFIG.replace(
        "maxAgents: 3}",
        "maxAgents: 3, secretDelivery: taskOverride}",
    ));
    launcher.launch(&build(7, "linux")).await.unwrap();
    assert!(launcher.deployment.files.agents().is_empty());
    let launch = &launcher.deployment.ecs.tasks()[0].launch;
    let AgentEnvironment::Overrides { secret, .. } = &launch.environment else {
        panic!("{:?}", launch.environment)
    };
    assert_eq!(*secret, FakeJenkins::secret_for(&node("ecs-linux-7")));
}
