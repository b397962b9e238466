//! Settings from the environment.

use super::*;
use std::collections::HashMap;

fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |name| map.get(name).cloned()
}

#[test]
fn settings_default_to_the_embedded_agents_file_and_the_cloud_url() {
    let settings = Settings::from_lookup(env(&[
        ("JENKINS_USER", "ci"),
        ("AGENT_ENVIRONMENT_BUCKET", "agent-env"),
        ("JENKINS_API_TOKEN_SECRET_ID", "jenkins/token"),
    ]))
    .unwrap();
    assert_eq!(settings.config.cloud.name, "ecs");
    assert_eq!(
        (settings.reconcile.dry_run, settings.reconcile.budget),
        (false, Duration::from_secs(40)),
        "reconcile acts, within forty seconds"
    );
    assert_eq!(settings.jenkins_api_url, "https://jenkins.example.com");
    assert_eq!(settings.event_bus, "default");
    assert_eq!(settings.launcher, LauncherOptions::default());
    assert_eq!(settings.reconcile, ReconcileOptions::default());
}

#[test]
fn reconcile_settings_are_read_with_the_others() {
    let settings = Settings::from_lookup(env(&[
        ("JENKINS_USER", "ci"),
        ("AGENT_ENVIRONMENT_BUCKET", "agent-env"),
        ("JENKINS_API_TOKEN_SECRET_ID", "t"),
        ("RECONCILE_DRY_RUN", "true"),
        ("RECONCILE_BUDGET_SECONDS", "25"),
    ]))
    .unwrap();
    assert!(settings.reconcile.dry_run);
    assert_eq!(settings.reconcile.budget, Duration::from_secs(25));
    let invalid = Settings::from_lookup(env(&[
        ("JENKINS_USER", "ci"),
        ("AGENT_ENVIRONMENT_BUCKET", "agent-env"),
        ("JENKINS_API_TOKEN_SECRET_ID", "t"),
        ("RECONCILE_DRY_RUN", "maybe"),
    ]))
    .unwrap_err();
    assert_eq!(
        invalid.to_string(),
        "environment variable RECONCILE_DRY_RUN: `maybe` is not true or false"
    );
}

#[test]
fn missing_and_invalid_settings_name_the_variable() {
    let missing = Settings::from_lookup(env(&[("JENKINS_USER", "ci")])).unwrap_err();
    assert_eq!(
        missing.to_string(),
        "environment variable JENKINS_API_TOKEN_SECRET_ID is required"
    );
    let invalid = Settings::from_lookup(env(&[
        ("JENKINS_USER", "ci"),
        ("AGENT_ENVIRONMENT_BUCKET", "agent-env"),
        ("JENKINS_API_TOKEN_SECRET_ID", "t"),
        ("LAUNCH_FRESHNESS_SECONDS", "soon"),
    ]))
    .unwrap_err();
    assert_eq!(
        invalid.to_string(),
        "environment variable LAUNCH_FRESHNESS_SECONDS: `soon` is not a number of seconds"
    );
}

#[test]
fn a_broken_agents_file_fails_the_cold_start_with_every_error() {
    let dir = std::env::temp_dir().join(format!("ecs-agents-bootstrap-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("agents.yaml");
    std::fs::write(&file, "cloud: {name: ecs}\ntemplates: []\n").unwrap();
    let error =
        Settings::from_lookup(env(&[("AGENTS_CONFIG_FILE", file.to_str().unwrap())])).unwrap_err();
    assert!(
        error.to_string().contains("cloud.cluster: is required"),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .contains("templates: needs at least one template"),
        "{error}"
    );
}

/// `yaml` as an agents file in a fresh temporary directory.
fn agents_file(name: &str, yaml: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("ecs-agents-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("agents.yaml");
    std::fs::write(&file, yaml).unwrap();
    file
}

#[test]
fn the_shipped_agents_file_starts_in_any_region() {
    // The example is compiled in: naming a region would fail every other region's cold start.
    let settings = Settings::from_lookup(env(&[
        ("JENKINS_USER", "ci"),
        ("AGENT_ENVIRONMENT_BUCKET", "agent-env"),
        ("JENKINS_API_TOKEN_SECRET_ID", "t"),
        ("AWS_REGION", "ap-southeast-2"),
    ]));
    assert!(settings.is_ok(), "{:?}", settings.err());
}

#[test]
fn an_agents_file_for_another_region_fails_the_cold_start_naming_both() {
    // Arrange
    let file = agents_file(
        "region",
        "cloud: {name: ecs, cluster: agents, region: eu-west-1, jenkinsUrl: 'https://ci.example.com'}\n\
         templates: [{name: linux, labels: linux, cpu: 512, memory: 1024, subnets: [s-1]}]\n",
    );
    // Act
    let error = Settings::from_lookup(env(&[
        ("AGENTS_CONFIG_FILE", file.to_str().unwrap()),
        ("JENKINS_USER", "ci"),
        ("AGENT_ENVIRONMENT_BUCKET", "agent-env"),
        ("JENKINS_API_TOKEN_SECRET_ID", "t"),
        ("AWS_REGION", "us-east-1"),
    ]))
    .unwrap_err();
    // Assert
    let text = error.to_string();
    assert!(
        text.starts_with(
            "cloud.region is in eu-west-1, but the functions run in us-east-1 (AWS_REGION)"
        ),
        "{text}"
    );
}

#[test]
fn a_ca_bundle_is_read_from_the_secret_or_parameter_its_arn_names() {
    let arn = "arn:aws:ssm:us-east-1:123456789012:parameter/corp/ca-bundle";
    let settings = Settings::from_lookup(env(&[
        ("JENKINS_USER", "ci"),
        ("AGENT_ENVIRONMENT_BUCKET", "agent-env"),
        ("JENKINS_API_TOKEN_SECRET_ID", "t"),
        ("JENKINS_CA_BUNDLE_ARN", arn),
    ]))
    .unwrap();
    assert_eq!(
        settings.jenkins_ca_bundle,
        Some(CaBundleSource::Parameter(arn.to_owned()))
    );
    let invalid = Settings::from_lookup(env(&[
        ("JENKINS_USER", "ci"),
        ("AGENT_ENVIRONMENT_BUCKET", "agent-env"),
        ("JENKINS_API_TOKEN_SECRET_ID", "t"),
        ("JENKINS_CA_BUNDLE_ARN", "corp-ca"),
    ]))
    .unwrap_err();
    assert!(
        invalid
            .to_string()
            .starts_with("environment variable JENKINS_CA_BUNDLE_ARN: `corp-ca` is neither"),
        "{invalid}"
    );
}

#[test]
fn agents_reading_their_secret_from_a_file_need_the_bucket() {
    let missing = Settings::from_lookup(env(&[
        ("JENKINS_USER", "ci"),
        ("JENKINS_API_TOKEN_SECRET_ID", "t"),
    ]))
    .unwrap_err();
    assert!(
        missing
            .to_string()
            .starts_with("environment variable AGENT_ENVIRONMENT_BUCKET: is required"),
        "{missing}"
    );
}

#[test]
fn the_launch_deadline_is_read_and_never_zero() {
    let base = [
        ("JENKINS_USER", "ci"),
        ("AGENT_ENVIRONMENT_BUCKET", "agent-env"),
        ("JENKINS_API_TOKEN_SECRET_ID", "t"),
    ];
    let settings = Settings::from_lookup(env(&base)).unwrap();
    assert_eq!(settings.launcher.deadline, Duration::from_secs(25));
    let set = [base[0], base[1], base[2], ("LAUNCH_DEADLINE_SECONDS", "12")];
    let settings = Settings::from_lookup(env(&set)).unwrap();
    assert_eq!(settings.launcher.deadline, Duration::from_secs(12));
    let zero = [base[0], base[1], base[2], ("LAUNCH_DEADLINE_SECONDS", "0")];
    let error = Settings::from_lookup(env(&zero)).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("environment variable LAUNCH_DEADLINE_SECONDS: a launch needs"),
        "{error}"
    );
}

const BASE: [(&str, &str); 3] = [
    ("JENKINS_USER", "ci"),
    ("AGENT_ENVIRONMENT_BUCKET", "agent-env"),
    ("JENKINS_API_TOKEN_SECRET_ID", "t"),
];

#[test]
fn without_a_bucket_the_built_in_agents_file_is_used_throughout() {
    let settings = Settings::from_lookup(env(&BASE)).unwrap();
    assert_eq!(settings.agents_file, None);
    assert_eq!(
        settings.config.version(),
        &crate::config::ConfigVersion::built_in(EMBEDDED_AGENTS)
    );
}

#[test]
fn the_published_file_is_followed_every_thirty_seconds_by_default() {
    let set = [
        BASE[0],
        BASE[1],
        BASE[2],
        ("AGENTS_CONFIG_BUCKET", "stack-agents"),
    ];
    let settings = Settings::from_lookup(env(&set)).unwrap();
    assert_eq!(
        settings.agents_file,
        Some(AgentsFileSettings {
            bucket: "stack-agents".into(),
            key: "agents.yaml".into(),
            refresh: Duration::from_secs(30),
        })
    );
}

#[test]
fn the_key_and_refresh_interval_are_read_and_zero_reads_every_time() {
    let set = [
        BASE[0],
        BASE[1],
        BASE[2],
        ("AGENTS_CONFIG_BUCKET", "b"),
        ("AGENTS_CONFIG_KEY", "ci/agents.yaml"),
        ("AGENTS_CONFIG_REFRESH_SECONDS", "0"),
    ];
    let file = Settings::from_lookup(env(&set))
        .unwrap()
        .agents_file
        .unwrap();
    assert_eq!(
        (file.key.as_str(), file.refresh),
        ("ci/agents.yaml", Duration::ZERO)
    );
    let bad = [
        BASE[0],
        BASE[1],
        BASE[2],
        ("AGENTS_CONFIG_BUCKET", "b"),
        ("AGENTS_CONFIG_REFRESH_SECONDS", "1m"),
    ];
    assert_eq!(
        Settings::from_lookup(env(&bad)).unwrap_err().to_string(),
        "environment variable AGENTS_CONFIG_REFRESH_SECONDS: `1m` is not a number of seconds"
    );
}

#[test]
fn a_local_agents_file_is_known_by_its_content() {
    let text = "cloud: {name: ecs, cluster: agents, jenkinsUrl: 'https://ci.example.com'}\n\
                templates: [{name: linux, labels: linux, cpu: 512, memory: 1024, subnets: [s-1]}]\n";
    let file = agents_file("version", text);
    let set = [
        BASE[0],
        BASE[1],
        BASE[2],
        ("AGENTS_CONFIG_FILE", file.to_str().unwrap()),
    ];
    let settings = Settings::from_lookup(env(&set)).unwrap();
    assert_eq!(
        settings.config.version(),
        &crate::config::ConfigVersion::local_file(text)
    );
}

mod cold_start;
