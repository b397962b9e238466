//! Publishing at the wire: aws-smithy-mocks rules answering S3.

use aws_sdk_s3::Client;
use aws_sdk_s3::config::Region;
use aws_sdk_s3::operation::get_object::GetObjectOutput;
use aws_sdk_s3::operation::list_object_versions::ListObjectVersionsOutput;
use aws_sdk_s3::operation::put_object::PutObjectOutput;
use aws_sdk_s3::primitives::{ByteStream, DateTime};
use aws_sdk_s3::types::{DeleteMarkerEntry, ObjectVersion};
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};

use super::*;

const FILE: &str = "
cloud: {name: ecs, cluster: agents, jenkinsUrl: 'https://ci.example.com'}
templates:
  - {name: linux, labels: linux, cpu: 512, memory: 1024, subnets: [s-1]}
";

fn with_gpu() -> String {
    format!("{FILE}  - {{name: gpu, labels: gpu, cpu: 512, memory: 1024, subnets: [s-1]}}\n")
}

fn bucket(rules: &[&Rule]) -> AgentsBucket {
    let client = mock_client!(aws_sdk_s3, RuleMode::MatchAny, rules, |config| config
        .region(Region::new("us-east-1"))
        .retry_config(aws_sdk_s3::config::retry::RetryConfig::disabled()));
    AgentsBucket::new(client, "stack-agents", "agents.yaml")
}

fn object(text: String, version: &str, etag: &str) -> GetObjectOutput {
    GetObjectOutput::builder()
        .body(ByteStream::from(text.into_bytes()))
        .version_id(version)
        .e_tag(etag)
        .build()
}

fn latest(text: &str, version: &str, etag: &str) -> Rule {
    let (text, version, etag) = (text.to_owned(), version.to_owned(), etag.to_owned());
    mock!(Client::get_object)
        .match_requests(|r| r.version_id().is_none())
        .then_output(move || object(text.clone(), &version, &etag))
}

fn nothing_published() -> Rule {
    let body =
        "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>";
    mock!(Client::get_object)
        .match_requests(|r| r.version_id().is_none())
        .sequence()
        .http_status(404, Some(body.into()))
        .build()
}

fn put_answering(version: &'static str) -> Rule {
    mock!(Client::put_object)
        .then_output(move || PutObjectOutput::builder().version_id(version).build())
}

#[tokio::test]
async fn an_invalid_file_is_refused_with_checks_errors_before_any_aws_call() {
    let get = nothing_published();
    let bucket = bucket(&[&get]);
    let error = plan(&bucket, &FILE.replace("cpu: 512", "cpu: lots"), None)
        .await
        .unwrap_err();
    let PublishError::Invalid(errors) = error else {
        panic!("{error}")
    };
    assert!(
        errors.to_string().contains("templates[0] (linux).cpu"),
        "{errors}"
    );
    assert_eq!(get.num_calls(), 0);
}

#[tokio::test]
async fn with_nothing_published_the_file_is_compared_with_the_seed_and_written_only_if_still_nothing()
 {
    let get = nothing_published();
    let put = mock!(Client::put_object)
        .match_requests(|r| r.if_none_match() == Some("*") && r.key() == Some("agents.yaml"))
        .then_output(|| PutObjectOutput::builder().version_id("v1").build());
    let bucket = bucket(&[&get, &put]);

    let (plan, pushed) = push(&bucket, &with_gpu(), Some(("infra/agents.yaml", FILE)))
        .await
        .unwrap();

    assert_eq!(
        plan.baseline,
        Baseline::Seed {
            path: "infra/agents.yaml".into()
        }
    );
    assert_eq!(plan.diff.unwrap().added, ["gpu"]);
    assert_eq!(
        pushed,
        Some(Pushed {
            version: "v1".into()
        })
    );
    assert_eq!(put.num_calls(), 1);
}

#[tokio::test]
async fn a_new_version_replaces_the_one_it_was_compared_with_and_no_other() {
    let get = latest(FILE, "v1", "\"e1\"");
    let put = mock!(Client::put_object)
        .match_requests(|r| {
            r.if_match() == Some("\"e1\"") && r.content_type() == Some("application/yaml")
        })
        .then_output(|| PutObjectOutput::builder().version_id("v2").build());
    let bucket = bucket(&[&get, &put]);

    let (plan, pushed) = push(&bucket, &with_gpu(), None).await.unwrap();

    assert_eq!(
        plan.baseline,
        Baseline::Published {
            version: "v1".into(),
            etag: "\"e1\"".into()
        }
    );
    assert_eq!(pushed.unwrap().version, "v2");
}

#[tokio::test]
async fn the_file_published_already_is_not_published_again() {
    let (get, put) = (latest(FILE, "v1", "\"e1\""), put_answering("v2"));
    let bucket = bucket(&[&get, &put]);
    let (plan, pushed) = push(&bucket, FILE, None).await.unwrap();
    assert!(plan.unchanged());
    assert_eq!((pushed, put.num_calls()), (None, 0));
}

#[tokio::test]
async fn a_file_the_functions_would_refuse_is_not_published() {
    let (get, put) = (latest(FILE, "v1", "\"e1\""), put_answering("v2"));
    let bucket = bucket(&[&get, &put]);
    let error = push(&bucket, &FILE.replace("name: ecs", "name: other"), None)
        .await
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("cloud.name: is `other`, but this deployment is `ecs`"),
        "{error}"
    );
    assert_eq!(put.num_calls(), 0);
}

#[tokio::test]
async fn a_version_published_meanwhile_is_a_conflict_not_overwritten() {
    let get = latest(FILE, "v1", "\"e1\"");
    let put = mock!(Client::put_object)
        .sequence()
        .http_status(412, Some("<Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message></Error>".into()))
        .build();
    let bucket = bucket(&[&get, &put]);
    let error = push(&bucket, &with_gpu(), None).await.unwrap_err();
    assert_eq!(
        error,
        PublishError::Bucket(BucketError::Conflict(
            "s3://stack-agents/agents.yaml".into()
        ))
    );
}

fn version(id: &str, secs: i64, latest: bool) -> ObjectVersion {
    ObjectVersion::builder()
        .key("agents.yaml")
        .version_id(id)
        .is_latest(latest)
        .size(120)
        .last_modified(DateTime::from_secs(secs))
        .build()
}

fn listing(versions: Vec<ObjectVersion>, markers: Vec<DeleteMarkerEntry>) -> Rule {
    mock!(Client::list_object_versions)
        .match_requests(|r| r.prefix() == Some("agents.yaml"))
        .then_output(move || {
            ListObjectVersionsOutput::builder()
                .set_versions(Some(versions.clone()))
                .set_delete_markers(Some(markers.clone()))
                .build()
        })
}

#[tokio::test]
async fn rollback_restores_the_version_before_the_latest_and_says_so() {
    let list = listing(
        vec![version("v2", 200, true), version("v1", 100, false)],
        vec![],
    );
    let old = mock!(Client::get_object)
        .match_requests(|r| r.version_id() == Some("v1"))
        .then_output(|| object(FILE.to_owned(), "v1", "\"e1\""));
    let current = latest(&with_gpu(), "v2", "\"e2\"");
    let put = mock!(Client::put_object)
        .match_requests(|r| {
            r.if_match() == Some("\"e2\"")
                && r.metadata()
                    .and_then(|m| m.get(bucket::RESTORED_FROM))
                    .map(String::as_str)
                    == Some("v1")
        })
        .then_output(|| PutObjectOutput::builder().version_id("v3").build());
    let bucket = bucket(&[&list, &old, &current, &put]);

    let restore = plan_rollback(&bucket, None).await.unwrap();
    let pushed = publish(&bucket, &restore.plan, &restore.text, Some(&restore.from))
        .await
        .unwrap();

    assert_eq!(restore.from, "v1");
    assert_eq!(restore.plan.diff.as_ref().unwrap().removed, ["gpu"]);
    assert_eq!(pushed.version, "v3");
}

#[tokio::test]
async fn with_one_version_there_is_nothing_to_roll_back_to() {
    let list = listing(vec![version("v1", 100, true)], vec![]);
    let error = plan_rollback(&bucket(&[&list]), None).await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "s3://stack-agents/agents.yaml has no earlier version to roll back to (ecs-agents versions lists them)"
    );
}

#[tokio::test]
async fn versions_are_the_files_own_newest_first_with_deletions() {
    let other = ObjectVersion::builder()
        .key("agents.yaml.bak")
        .version_id("x")
        .last_modified(DateTime::from_secs(400))
        .build();
    let deleted = DeleteMarkerEntry::builder()
        .key("agents.yaml")
        .version_id("d1")
        .is_latest(true)
        .last_modified(DateTime::from_secs(300))
        .build();
    let list = listing(
        vec![version("v2", 200, false), version("v1", 100, false), other],
        vec![deleted],
    );

    let versions = bucket(&[&list]).versions().await.unwrap();

    let seen: Vec<(&str, bool, bool)> = versions
        .iter()
        .map(|v| (v.version.as_str(), v.latest, v.deleted))
        .collect();
    assert_eq!(
        seen,
        [
            ("d1", true, true),
            ("v2", false, false),
            ("v1", false, false)
        ]
    );
    assert_eq!(versions[1].published, "1970-01-01T00:03:20Z");
}

#[tokio::test]
async fn after_a_deletion_rollback_restores_the_last_file_there_was() {
    let deleted = DeleteMarkerEntry::builder()
        .key("agents.yaml")
        .version_id("d1")
        .is_latest(true)
        .last_modified(DateTime::from_secs(300))
        .build();
    let list = listing(
        vec![version("v2", 200, false), version("v1", 100, false)],
        vec![deleted],
    );
    let old = mock!(Client::get_object)
        .match_requests(|r| r.version_id() == Some("v2"))
        .then_output(|| object(FILE.to_owned(), "v2", "\"e2\""));
    let none = nothing_published();
    let restore = plan_rollback(&bucket(&[&list, &old, &none]), None)
        .await
        .unwrap();
    assert_eq!(restore.from, "v2");
    assert_eq!(restore.plan.baseline, Baseline::Nothing);
}

#[tokio::test]
async fn an_unknown_version_is_named() {
    let get = mock!(Client::get_object)
        .sequence()
        .http_status(404, Some("<Error><Code>NoSuchVersion</Code><Message>The specified version does not exist.</Message></Error>".into()))
        .build();
    let error = plan_rollback(&bucket(&[&get]), Some("nope"))
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "s3://stack-agents/agents.yaml has no version nope (ecs-agents versions lists them)"
    );
}

#[test]
fn a_plan_says_what_it_compares_with_and_warns_before_a_template_is_removed() {
    let before = AgentsConfig::from_yaml(&with_gpu()).unwrap();
    let after =
        AgentsConfig::from_yaml(&FILE.replace("https://ci.example.com", "https://new.example.com"))
            .unwrap();
    let plan = compare(
        "s3://stack-agents/agents.yaml".into(),
        Baseline::Published {
            version: "v7".into(),
            etag: "e".into(),
        },
        Some(&before),
        &after,
    );
    let text = plan.to_string();
    assert!(
        text.starts_with(
            "compared with version v7 of s3://stack-agents/agents.yaml:\ntemplates removed: gpu\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("warning: cloud.jenkinsUrl changes to https://new.example.com"),
        "{text}"
    );
    assert!(
        text.contains("warning: agents of gpu that still run are no longer retired"),
        "{text}"
    );
    assert_eq!(
        plan.refusal, None,
        "the functions decide about the URL: they know JENKINS_API_URL"
    );
}

#[tokio::test]
async fn a_seed_that_does_not_load_is_not_compared_with_and_says_so() {
    let get = nothing_published();
    let bucket = bucket(&[&get]);
    let plan = plan(&bucket, FILE, Some(("old/agents.yaml", "cloud: [")))
        .await
        .unwrap();
    assert_eq!((plan.baseline, plan.diff), (Baseline::Nothing, None));
    assert_eq!(
        plan.warnings,
        ["old/agents.yaml does not load, so nothing was compared: run `check` on it"]
    );
}
