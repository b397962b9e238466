//! The cold start of a function that calls Jenkins, against an in-memory
//! Secrets Manager that answers no GetSecretValue before every expected
//! request has arrived: read one after the other, the first read would wait
//! for ever, which the paused clock turns into an instant timeout instead of
//! a hung test. The two reads are the Jenkins token and the CA bundle to
//! trust for Jenkins (the webhook, which calls neither, reads one secret).

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
use crate::bootstrap::{BootstrapError, Settings, deployment};

const TOKEN_ID: &str = "jenkins/api-token";
const CA_ID: &str = "arn:aws:secretsmanager:us-east-1:123456789012:secret:jenkins-ca";

/// Secrets Manager in memory: GetSecretValue requests wait at a barrier
/// until two of them are in flight, then each gets `value of {id}` (a CA
/// certificate for the CA bundle), or ResourceNotFound for the id `missing`.
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
            } else if id == CA_ID {
                (200, json!({"Name": id, "SecretString": ca_pem()}))
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
        ("JENKINS_CA_BUNDLE_ARN", CA_ID),
    ]))
    .unwrap()
}

/// A self-signed CA certificate as PEM.
fn ca_pem() -> String {
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let key = rcgen::KeyPair::generate().unwrap();
    params.self_signed(&key).unwrap().pem()
}

/// The deployment's cold start, failed if it has not finished within a
/// minute of the paused (virtual) clock.
async fn cold_start(secrets: &SecretsManager) -> Result<(), BootstrapError> {
    let (settings, sdk) = (settings(), secrets.sdk_config());
    tokio::time::timeout(Duration::from_secs(60), deployment(&settings, &sdk))
        .await
        .expect("both secrets requested before either was answered")
        .map(drop)
}

#[tokio::test(start_paused = true)]
async fn the_jenkins_token_and_ca_bundle_are_read_at_the_same_time() {
    let secrets = SecretsManager::answering_once_both_arrived(None);
    cold_start(&secrets).await.unwrap();
    assert_eq!(secrets.requested(), [CA_ID, TOKEN_ID]);
}

#[tokio::test(start_paused = true)]
async fn a_secret_the_cold_start_cannot_read_fails_it_naming_the_secret() {
    for id in [TOKEN_ID, CA_ID] {
        let secrets = SecretsManager::answering_once_both_arrived(Some(id));
        let error = cold_start(&secrets).await.map(|()| "started").unwrap_err();
        let text = error.to_string();
        // The CA bundle's error also names the setting that points at it.
        let setting = if id == CA_ID {
            "JENKINS_CA_BUNDLE_ARN: "
        } else {
            ""
        };
        assert!(
            text.starts_with(&format!("{setting}could not read secret `{id}`")),
            "{text}"
        );
        assert!(text.contains("can't find the specified secret"), "{text}");
    }
}
