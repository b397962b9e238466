//! The webhook's cold start against an in-memory Secrets Manager that
//! answers no GetSecretValue before every expected request has arrived: read
//! one after the other, the first read would wait for ever, which the paused
//! clock turns into an instant timeout instead of a hung test.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_secretsmanager::config::{Credentials, SharedCredentialsProvider};
use aws_smithy_runtime_api::client::http::{
    HttpConnector, HttpConnectorFuture, SharedHttpConnector, http_client_fn,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::http::{Response, StatusCode};
use aws_smithy_types::body::SdkBody;
use serde_json::{Value, json};
use tokio::sync::Barrier;

use super::env;
use crate::bootstrap::{BootstrapError, Settings, webhook};

const TOKEN_ID: &str = "jenkins/api-token";
const WEBHOOK_KEY_ID: &str = "webhook/key";

/// Secrets Manager in memory: GetSecretValue requests wait at a barrier
/// until `parties` of them are in flight, then each gets `value of {id}`, or
/// ResourceNotFound for the id `missing`.
#[derive(Debug, Clone)]
struct SecretsManager {
    in_flight: Arc<Barrier>,
    requested: Arc<Mutex<Vec<String>>>,
    missing: Option<&'static str>,
}

impl SecretsManager {
    fn answering_once_both_arrived(missing: Option<&'static str>) -> Self {
        Self {
            in_flight: Arc::new(Barrier::new(2)),
            requested: Arc::default(),
            missing,
        }
    }

    fn sdk_config(&self) -> SdkConfig {
        let this = self.clone();
        let credentials = Credentials::new("testing", "testing", None, None, "cold-start-test");
        SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(SharedCredentialsProvider::new(credentials))
            .http_client(http_client_fn(move |_, _| {
                SharedHttpConnector::new(this.clone())
            }))
            .build()
    }

    fn requested(&self) -> Vec<String> {
        let mut ids = self.requested.lock().unwrap().clone();
        ids.sort();
        ids
    }
}

impl HttpConnector for SecretsManager {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let body: Value = serde_json::from_slice(request.body().bytes().unwrap_or_default())
            .expect("GetSecretValue sends JSON");
        let id = body["SecretId"].as_str().expect("a SecretId").to_owned();
        self.requested.lock().unwrap().push(id.clone());
        let (in_flight, missing) = (Arc::clone(&self.in_flight), self.missing);
        HttpConnectorFuture::new(async move {
            in_flight.wait().await;
            let (status, body) = if missing == Some(id.as_str()) {
                let message = "Secrets Manager can't find the specified secret.";
                (
                    400,
                    json!({"__type": "ResourceNotFoundException", "message": message}),
                )
            } else {
                (
                    200,
                    json!({"Name": id, "SecretString": format!("value of {id}")}),
                )
            };
            let status = StatusCode::try_from(status).expect("a valid status");
            Ok(Response::new(status, SdkBody::from(body.to_string())))
        })
    }
}

fn settings() -> Settings {
    Settings::from_lookup(env(&[
        ("JENKINS_USER", "ci"),
        ("AGENT_ENVIRONMENT_BUCKET", "agent-env"),
        ("JENKINS_API_TOKEN_SECRET_ID", TOKEN_ID),
        ("WEBHOOK_SECRET_ID", WEBHOOK_KEY_ID),
    ]))
    .unwrap()
}

/// The webhook's cold start, failed if it has not finished within a minute
/// of the paused (virtual) clock.
async fn cold_start(secrets: &SecretsManager) -> Result<(), BootstrapError> {
    let (settings, sdk) = (settings(), secrets.sdk_config());
    tokio::time::timeout(Duration::from_secs(60), webhook(&settings, &sdk))
        .await
        .expect("both secrets requested before either was answered")
        .map(drop)
}

#[tokio::test(start_paused = true)]
async fn the_webhook_reads_its_two_secrets_at_the_same_time() {
    let secrets = SecretsManager::answering_once_both_arrived(None);
    cold_start(&secrets).await.unwrap();
    assert_eq!(secrets.requested(), [TOKEN_ID, WEBHOOK_KEY_ID]);
}

#[tokio::test(start_paused = true)]
async fn a_secret_the_webhook_cannot_read_fails_its_cold_start_naming_it() {
    for id in [TOKEN_ID, WEBHOOK_KEY_ID] {
        let secrets = SecretsManager::answering_once_both_arrived(Some(id));
        let error = cold_start(&secrets).await.map(|()| "started").unwrap_err();
        let text = error.to_string();
        assert!(
            text.starts_with(&format!("could not read secret `{id}`")),
            "{text}"
        );
        assert!(text.contains("can't find the specified secret"), "{text}");
    }
}
