//! `ecs-agents check --execution-secret-arns`: the templates' secrets and registry credentials
//! against what the execution role the stack creates may read (`AgentExecutionSecretArns`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn ecs_agents(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ecs-agents"))
        .args(args)
        .current_dir(repo())
        .output()
        .expect("the ecs-agents binary runs")
}

/// An agents file with two secrets and registry credentials, in a temporary directory of the
/// test's own (`test` names it: tests run in parallel).
fn agents_file(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ecs-agents-cli-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("agents.yaml");
    std::fs::write(
        &file,
        "cloud: {name: ecs, cluster: agents, jenkinsUrl: 'https://ci.example.com'}
templates:
  - name: linux
    labels: linux
    cpu: 512
    memory: 1024
    subnets: [subnet-1]
    executionRole: arn:aws:iam::123456789012:role/exec
    repositoryCredentials: arn:aws:secretsmanager:eu-west-1:123456789012:secret:ci/registry
    secrets:
      NPM_TOKEN: arn:aws:secretsmanager:eu-west-1:123456789012:secret:ci/npm-token
      MAVEN_SETTINGS: /ci/maven-settings
",
    )
    .unwrap();
    file
}

fn warnings(output: &Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter(|l| l.starts_with("warning: "))
        .map(str::to_owned)
        .collect()
}

#[test]
fn check_warns_about_each_reference_outside_the_listed_arns_and_still_passes() {
    // Arrange: the npm token and the SSM path are listed, the registry secret is not.
    let file = agents_file("listed");
    let listed = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ci/npm-token-??????, \
                  arn:aws:ssm:eu-west-1:123456789012:parameter/ci/*";
    // Act
    let output = ecs_agents(&[
        "check",
        file.to_str().unwrap(),
        "--execution-secret-arns",
        listed,
    ]);
    // Assert
    assert_eq!(output.status.code(), Some(0));
    let warnings = warnings(&output);
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert!(
        warnings[0].starts_with(
            "warning: templates (linux).repositoryCredentials: \
             `arn:aws:secretsmanager:eu-west-1:123456789012:secret:ci/registry` is not in \
             --execution-secret-arns"
        ),
        "{}",
        warnings[0]
    );
}

#[test]
fn check_without_the_list_says_nothing_about_secrets() {
    let output = ecs_agents(&["check", agents_file("unlisted").to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(warnings(&output), Vec::<String>::new());
}

#[test]
fn an_empty_list_grants_nothing_so_every_reference_is_named() {
    let output = ecs_agents(&[
        "check",
        agents_file("empty").to_str().unwrap(),
        "--execution-secret-arns",
        "",
    ]);
    let fields: Vec<String> = warnings(&output)
        .iter()
        .filter_map(|w| w.split(": ").nth(1).map(str::to_owned))
        .collect();
    assert_eq!(
        fields,
        [
            "templates (linux).secrets.MAVEN_SETTINGS",
            "templates (linux).secrets.NPM_TOKEN",
            "templates (linux).repositoryCredentials"
        ]
    );
}
