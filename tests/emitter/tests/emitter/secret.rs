//! The webhook secret: read from a file or the environment, never shown.

use emitter_tests::{Setup, Webhook};

#[test]
fn a_secret_from_the_environment_leaves_jenkins_copy_of_the_environment() {
    let webhook = Webhook::start("emitter-test-secret-from-the-environment");
    let mut jenkins = Setup::new(&webhook)
        .without("ECS_AGENTS_WEBHOOK_SECRET_FILE")
        .env("ECS_AGENTS_WEBHOOK_SECRET", webhook.secret())
        .start();
    assert!(jenkins.jenkins_environment_has("ECS_AGENTS_WEBHOOK_SECRET"));

    jenkins.install();

    // Not on System Information, not in builds on the built-in node (EnvVars.masterEnvVars).
    assert!(!jenkins.jenkins_environment_has("ECS_AGENTS_WEBHOOK_SECRET"));
    assert!(jenkins.jenkins_environment_has("ECS_AGENTS_WEBHOOK_URL"));
    // Still in the process environment, so a re-run finds it; posts are signed with it.
    jenkins.install();
    jenkins.queue("enter 1001 linux");
    webhook.wait_for(1);
}

#[test]
fn a_secret_file_wins_and_the_variable_still_leaves_jenkins_environment() {
    let webhook = Webhook::start("emitter-test-secret-from-the-file");
    let mut jenkins = Setup::new(&webhook)
        .env(
            "ECS_AGENTS_WEBHOOK_SECRET",
            "a-stale-secret-nobody-should-use",
        )
        .start();

    jenkins.install();
    jenkins.queue("enter 1002 linux");

    // `received` checks the signature with the file's secret.
    webhook.wait_for(1);
    assert!(!jenkins.jenkins_environment_has("ECS_AGENTS_WEBHOOK_SECRET"));
}
