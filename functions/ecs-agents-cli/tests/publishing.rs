//! The publishing commands of the `ecs-agents` binary, and the promise that
//! every other command works offline: no AWS credentials, no network.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs the binary with no AWS settings at all but an endpoint nothing
/// listens on: any AWS call would fail.
fn offline(args: &[&str]) -> Output {
    let home = std::env::temp_dir().join(format!("ecs-agents-offline-{}", std::process::id()));
    std::fs::create_dir_all(&home).unwrap();
    Command::new(env!("CARGO_BIN_EXE_ecs-agents"))
        .args(args)
        .current_dir(repo())
        .env_clear()
        .env("HOME", &home)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .output()
        .expect("the ecs-agents binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn check_match_render_labels_and_sign_work_without_aws() {
    for args in [
        vec!["check"],
        vec!["match", "linux"],
        vec!["render", "linux"],
        vec!["labels", "linux && !arm64", "linux"],
        vec![
            "sign",
            "events/webhook/queue-buildable.json",
            "--secret",
            "test-webhook-secret",
            "--at",
            "1764270000",
        ],
    ] {
        let output = offline(&args);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{args:?}: {}",
            text(&output.stderr)
        );
    }
}

#[test]
fn push_and_diff_of_an_invalid_file_say_what_check_says_and_reach_no_aws() {
    let file = "tests/configs/broken/typo-field.yaml";
    let check = offline(&["check", file]);
    assert_eq!(check.status.code(), Some(1));
    for command in ["push", "diff"] {
        let output = offline(&[command, file, "--bucket", "stack-agents"]);
        assert_eq!(output.status.code(), Some(1), "{command}");
        assert_eq!(
            text(&output.stderr),
            text(&check.stderr),
            "{command}: the same errors as check, and no AWS error after them"
        );
    }
}

#[test]
fn the_bucket_comes_from_a_flag_or_the_environment() {
    let missing = offline(&["push", "infra/agents.yaml"]);
    assert_eq!(missing.status.code(), Some(2), "a usage error");
    assert!(
        text(&missing.stderr).contains("--bucket <BUCKET>"),
        "{}",
        text(&missing.stderr)
    );
    let help = offline(&["push", "--help"]);
    assert!(
        text(&help.stdout).contains("[env: ECS_AGENTS_CONFIG_BUCKET=]"),
        "{}",
        text(&help.stdout)
    );
}

#[test]
fn an_unreachable_bucket_is_an_error_naming_it() {
    let output = offline(&[
        "push",
        "infra/agents.yaml",
        "--bucket",
        "stack-agents",
        "--region",
        "us-east-1",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(
        stderr.starts_with("error: GetObject s3://stack-agents/agents.yaml: "),
        "{stderr}"
    );
}
