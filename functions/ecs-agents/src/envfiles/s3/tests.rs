//! The S3 adapter at its wire: aws-smithy-mocks rules answering the SDK.

use aws_sdk_s3::config::Region;
use aws_sdk_s3::operation::delete_object::DeleteObjectOutput;
use aws_sdk_s3::operation::list_objects_v2::ListObjectsV2Output;
use aws_sdk_s3::operation::put_object::PutObjectOutput;
use aws_sdk_s3::primitives::DateTime;
use aws_sdk_s3::types::Object;
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};

use super::*;

fn files(rules: &[&Rule], region: &str, bucket: Option<&str>) -> S3EnvFiles {
    let client = mock_client!(aws_sdk_s3, RuleMode::MatchAny, rules, move |config| config
        .region(Region::new("us-east-1"))
        .retry_config(aws_sdk_s3::config::retry::RetryConfig::disabled()));
    S3EnvFiles::new(client, bucket.map(str::to_owned), "ecs", region)
}

#[tokio::test]
async fn a_file_is_put_under_the_deployment_prefix_and_named_by_its_arn() {
    let put = mock!(aws_sdk_s3::Client::put_object)
        .match_requests(|r| {
            r.bucket() == Some("agent-env") && r.key() == Some("agents/ecs/ecs-linux-7.env")
        })
        .then_output(|| PutObjectOutput::builder().build());
    let files = files(&[&put], "eu-west-1", Some("agent-env"));

    let arn = files
        .put(
            &AgentName::new("ecs-linux-7"),
            &Secret::new("JENKINS_SECRET=s\n"),
        )
        .await
        .unwrap();

    assert_eq!(arn, "arn:aws:s3:::agent-env/agents/ecs/ecs-linux-7.env");
    assert_eq!(put.num_calls(), 1);
}

#[tokio::test]
async fn arns_carry_the_partition_of_the_region() {
    let put =
        mock!(aws_sdk_s3::Client::put_object).then_output(|| PutObjectOutput::builder().build());
    let files = files(&[&put], "cn-north-1", Some("b"));
    let arn = files
        .put(&AgentName::new("a"), &Secret::new("x"))
        .await
        .unwrap();
    assert!(arn.starts_with("arn:aws-cn:s3:::b/"), "{arn}");
}

#[tokio::test]
async fn a_file_is_deleted_by_its_key() {
    let delete = mock!(aws_sdk_s3::Client::delete_object)
        .match_requests(|r| r.key() == Some("agents/ecs/ecs-linux-7.env"))
        .then_output(|| DeleteObjectOutput::builder().build());
    let files = files(&[&delete], "us-east-1", Some("b"));
    files.delete(&AgentName::new("ecs-linux-7")).await.unwrap();
    assert_eq!(delete.num_calls(), 1);
}

#[tokio::test]
async fn listing_reads_the_agents_and_times_of_the_deployment_files_only() {
    let object = |key: &str, secs: i64| {
        Object::builder()
            .key(key)
            .last_modified(DateTime::from_secs(secs))
            .build()
    };
    let list = mock!(aws_sdk_s3::Client::list_objects_v2)
        .match_requests(|r| r.prefix() == Some("agents/ecs/"))
        .then_output(move || {
            ListObjectsV2Output::builder()
                .contents(object("agents/ecs/ecs-linux-8.env", 1_764_270_100))
                .contents(object("agents/ecs/ecs-linux-7.env", 1_764_270_000))
                .contents(object("agents/ecs/notes.txt", 1_764_270_000))
                .contents(object("agents/ecs/sub/x.env", 1_764_270_000))
                .build()
        });
    let files = files(&[&list], "us-east-1", Some("b"));

    let listed = files.list().await.unwrap();

    assert_eq!(
        listed,
        [
            StoredFile {
                agent: AgentName::new("ecs-linux-7"),
                written_ms: 1_764_270_000_000
            },
            StoredFile {
                agent: AgentName::new("ecs-linux-8"),
                written_ms: 1_764_270_100_000
            },
        ]
    );
}

#[tokio::test]
async fn access_denied_is_a_refusal_and_a_server_fault_retryable() {
    let xml = |code: &str| {
        Some(format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>m</Message></Error>"
        ))
    };
    let denied = mock!(aws_sdk_s3::Client::put_object)
        .sequence()
        .http_status(403, xml("AccessDenied"))
        .build();
    let error = files(&[&denied], "us-east-1", Some("b"))
        .put(
            &AgentName::new("a"),
            &Secret::new("JENKINS_SECRET=topsecret"),
        )
        .await
        .unwrap_err();
    assert!(!error.is_retryable(), "{error}");
    assert!(!error.to_string().contains("topsecret"));
    let busy = mock!(aws_sdk_s3::Client::delete_object)
        .sequence()
        .http_status(503, xml("SlowDown"))
        .build();
    let files_busy = files(&[&busy], "us-east-1", Some("b"));
    let error = files_busy.delete(&AgentName::new("a")).await.unwrap_err();
    assert!(error.is_retryable(), "{error}");
}

#[tokio::test]
async fn without_a_bucket_every_call_is_refused_without_a_request() {
    let files = files(&[], "us-east-1", None);
    let error = files.delete(&AgentName::new("a")).await.unwrap_err();
    assert_eq!(
        error,
        EnvFileError::Rejected("no bucket is configured".into())
    );
}
