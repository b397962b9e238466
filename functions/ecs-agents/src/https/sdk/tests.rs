//! The SDK over reqwest at its wire: a wiremock server plays the AWS API,
//! reached over plain HTTP as the black-box tests reach moto.

use aws_sdk_secretsmanager::config::retry::RetryConfig;
use aws_sdk_secretsmanager::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_secretsmanager::error::SdkError;
use wiremock::matchers::{header, header_exists, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::super::Https;

fn secrets_client(endpoint: &str) -> aws_sdk_secretsmanager::Client {
    let config = aws_sdk_secretsmanager::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("AKID", "secret", None, None, "test"))
        .endpoint_url(endpoint)
        .retry_config(RetryConfig::disabled())
        .http_client(Https::system().unwrap().sdk_http_client())
        .build();
    aws_sdk_secretsmanager::Client::from_conf(config)
}

#[tokio::test]
async fn the_sdk_sends_its_signed_request_and_parses_the_answer_through_it() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(header("x-amz-target", "secretsmanager.GetSecretValue"))
        .and(header_exists("authorization"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "application/x-amz-json-1.1")
                .set_body_string(r#"{"Name":"jenkins/api-token","SecretString":"t0ken"}"#),
        )
        .expect(1)
        .mount(&server)
        .await;
    let output = secrets_client(&server.uri())
        .get_secret_value()
        .secret_id("jenkins/api-token")
        .send()
        .await
        .unwrap();
    assert_eq!(output.secret_string(), Some("t0ken"));
}

#[tokio::test]
async fn a_redirect_reaches_the_sdk_unfollowed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(301).insert_header("location", "http://127.0.0.1:9/"))
        .expect(1)
        .mount(&server)
        .await;
    let error = secrets_client(&server.uri())
        .get_secret_value()
        .secret_id("x")
        .send()
        .await
        .unwrap_err();
    let status = error.raw_response().map(|r| r.status().as_u16());
    assert_eq!(status, Some(301), "{error:?}");
}

#[tokio::test]
async fn a_refused_connection_is_an_io_failure_which_the_sdk_retries() {
    // A port nothing listens on: bind one, then free it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let error = secrets_client(&format!("http://127.0.0.1:{port}"))
        .get_secret_value()
        .secret_id("x")
        .send()
        .await
        .unwrap_err();
    match error {
        SdkError::DispatchFailure(failure) => assert!(failure.is_io(), "{failure:?}"),
        other => panic!("expected a dispatch failure, got {other:?}"),
    }
}
