//! Black-box tests of the `ecs-agents` binary: the shipped example, every
//! broken config under `tests/configs/broken/`, and each command's contract.

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

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn the_shipped_example_config_is_valid() {
    // Default path: infra/agents.yaml, relative to the repository root.
    let output = ecs_agents(&["check"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("valid; cloud `ecs`"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn every_broken_config_fails_with_exactly_the_intended_errors() {
    let dir = repo().join("tests/configs/broken");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(
        files.len() >= 10,
        "expected the broken-config corpus in {}",
        dir.display()
    );
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let expected: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("# expect: "))
            .collect();
        assert!(
            !expected.is_empty(),
            "{} states no expected error",
            file.display()
        );
        let output = ecs_agents(&["check", file.to_str().unwrap()]);
        let errors = stderr(&output);
        assert_eq!(
            output.status.code(),
            Some(1),
            "{}: {errors}",
            file.display()
        );
        for line in &expected {
            assert!(
                errors.contains(line),
                "{}: missing `{line}` in:\n{errors}",
                file.display()
            );
        }
        // Nothing beyond the intended errors: each reported error is expected.
        let reported = errors.lines().filter(|l| l.starts_with("  - ")).count();
        assert_eq!(
            reported,
            expected.len(),
            "{}: unexpected extra errors:\n{errors}",
            file.display()
        );
    }
}

#[test]
fn a_missing_file_is_reported_with_its_path() {
    let output = ecs_agents(&["check", "no/such/agents.yaml"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).starts_with("cannot read no/such/agents.yaml:"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn match_names_the_first_template_whose_labels_satisfy_the_expression() {
    let output = ecs_agents(&["match", "linux && arm64"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output).lines().next(), Some("linux-arm"));
    let plain = ecs_agents(&["match", "linux"]);
    assert_eq!(
        stdout(&plain).lines().next(),
        Some("linux"),
        "file order decides between matches"
    );
}

#[test]
fn match_says_no_template_serves_an_unknown_label_and_exits_2() {
    let output = ecs_agents(&["match", "windows||macos"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(stderr(&output).trim(), "no template serves windows||macos");
    assert!(stdout(&output).is_empty());
}

#[test]
fn match_resolves_a_job_label_laxly_as_jenkins_does() {
    // "linux arm64" is not an expression; Jenkins takes it as one label.
    let output = ecs_agents(&["match", "linux arm64"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(stderr(&output).trim(), "no template serves \"linux arm64\"");
}

#[test]
fn render_prints_the_task_definition_and_its_hash() {
    let output = ecs_agents(&["render", "linux-arm"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let definition = &json["taskDefinition"];
    assert_eq!(definition["family"], "ecs-linux-arm");
    assert_eq!(definition["runtimePlatform"]["cpuArchitecture"], "ARM64");
    assert_eq!(definition["cpu"], "2048");
    assert_eq!(json["hash"].as_str().map(str::len), Some(64));
    let hash_tag = definition["tags"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["key"] == "ecs-agents:hash");
    assert_eq!(hash_tag.unwrap()["value"], json["hash"]);
}

#[test]
fn render_of_an_existing_task_definition_names_it_and_its_container() {
    let output = ecs_agents(&["render", "integration"]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(
        json["existingTaskDefinition"],
        "jenkins-integration-agent:7"
    );
    assert_eq!(json["agentContainerName"], "agent");
}

#[test]
fn render_of_an_unknown_template_lists_the_known_ones() {
    let output = ecs_agents(&["render", "nope"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).starts_with("no template named `nope`; templates: linux, linux-arm"));
}

#[test]
fn labels_prints_whether_a_node_matches() {
    let yes = ecs_agents(&["labels", "linux && !windows", "linux", "docker"]);
    assert_eq!((yes.status.code(), stdout(&yes).trim()), (Some(0), "true"));
    let no = ecs_agents(&["labels", "linux && docker", "linux"]);
    assert_eq!((no.status.code(), stdout(&no).trim()), (Some(0), "false"));
}

#[test]
fn labels_reports_a_parse_error_and_exits_1() {
    let output = ecs_agents(&["labels", "foo bar", "foo"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr(&output).trim(),
        "invalid label expression: line 1:4: extraneous input 'bar' expecting <EOF>"
    );
}

#[test]
fn labels_lax_takes_unparsable_text_as_one_label() {
    let output = ecs_agents(&["labels", "--lax", "foo bar", "foo bar"]);
    assert_eq!(stdout(&output).trim(), "true");
}

#[test]
fn labels_canonical_prints_jenkins_canonical_form() {
    let output = ecs_agents(&["labels", "--canonical", "  ( foo || bar )  && zot"]);
    assert_eq!(stdout(&output).trim(), "(foo||bar)&&zot");
}
