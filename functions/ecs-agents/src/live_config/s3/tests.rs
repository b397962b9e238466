//! The S3 adapter at its wire: aws-smithy-mocks rules answering GetObject.

use aws_sdk_s3::config::Region;
use aws_sdk_s3::primitives::{ByteStream, DateTime};
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};

use super::*;

fn store(rules: &[&Rule]) -> S3AgentsFile {
    let client = mock_client!(aws_sdk_s3, RuleMode::MatchAny, rules, |config| config
        .region(Region::new("us-east-1"))
        .retry_config(aws_sdk_s3::config::retry::RetryConfig::disabled()));
    S3AgentsFile::new(client, "agents-config", "agents.yaml")
}

fn object(text: &'static str, version: &str) -> GetObjectOutput {
    GetObjectOutput::builder()
        .body(ByteStream::from_static(text.as_bytes()))
        .content_length(text.len() as i64)
        .e_tag("\"5d41402abc4b2a76\"")
        .version_id(version)
        .last_modified(DateTime::from_secs(1_764_270_000))
        .build()
}

#[tokio::test]
async fn the_first_read_asks_for_the_object_unconditionally_and_keeps_its_version_and_etag() {
    let get = mock!(aws_sdk_s3::Client::get_object)
        .match_requests(|r| {
            r.bucket() == Some("agents-config")
                && r.key() == Some("agents.yaml")
                && r.if_none_match().is_none()
        })
        .then_output(|| object("cloud: {}\n", "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY"));
    let read = store(&[&get]).read(None).await.unwrap();
    assert_eq!(
        read,
        StoreRead::File(PublishedFile {
            text: "cloud: {}\n".into(),
            version: ConfigVersion::published("3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY"),
            etag: "\"5d41402abc4b2a76\"".into(),
            published_ms: Some(1_764_270_000_000),
        })
    );
}

#[tokio::test]
async fn a_known_etag_is_sent_and_not_modified_means_unchanged() {
    let get = mock!(aws_sdk_s3::Client::get_object)
        .match_requests(|r| r.if_none_match() == Some("\"5d41402abc4b2a76\""))
        .sequence()
        .http_status(304, None)
        .build();
    let read = store(&[&get])
        .read(Some("\"5d41402abc4b2a76\""))
        .await
        .unwrap();
    assert_eq!(read, StoreRead::Unchanged);
    assert_eq!(get.num_calls(), 1);
}

#[tokio::test]
async fn no_such_key_means_nothing_is_published() {
    let body =
        "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>";
    let get = mock!(aws_sdk_s3::Client::get_object)
        .sequence()
        .http_status(404, Some(body.into()))
        .build();
    assert_eq!(store(&[&get]).read(None).await.unwrap(), StoreRead::Missing);
}

#[tokio::test]
async fn in_a_bucket_without_versioning_the_etag_names_the_version() {
    let get = mock!(aws_sdk_s3::Client::get_object).then_output(|| object("x: 1\n", "null"));
    let StoreRead::File(file) = store(&[&get]).read(None).await.unwrap() else {
        panic!("a file")
    };
    assert_eq!(file.version.as_str(), "\"5d41402abc4b2a76\"");
}

#[tokio::test]
async fn access_denied_is_an_error_that_keeps_s3s_words() {
    let body = "<Error><Code>AccessDenied</Code><Message>User: arn:aws:sts::1:assumed-role/fn is not authorized to perform: s3:GetObject</Message></Error>";
    let get = mock!(aws_sdk_s3::Client::get_object)
        .sequence()
        .http_status(403, Some(body.into()))
        .build();
    let error = store(&[&get]).read(None).await.unwrap_err();
    assert!(
        error.0.starts_with("GetObject: ")
            && error.0.contains("not authorized to perform: s3:GetObject"),
        "{error}"
    );
}

#[tokio::test]
async fn an_object_too_large_for_an_agents_file_is_not_read() {
    let get = mock!(aws_sdk_s3::Client::get_object).then_output(|| {
        GetObjectOutput::builder()
            .body(ByteStream::from_static(b""))
            .content_length(MAX_FILE_BYTES + 1)
            .e_tag("\"big\"")
            .build()
    });
    let error = store(&[&get]).read(None).await.unwrap_err();
    assert!(error.0.contains("larger than"), "{error}");
}
