//! The AWS SDK's HTTP client over reqwest, so the SDK and the Jenkins client
//! are one HTTP/TLS stack with one parsed trust store (see [`super`]).
//!
//! The SDK's own client (`default-https-client`: aws-smithy-http-client's
//! hyper client) would load the trust store a second time and link HTTP/2,
//! which no AWS API the functions call needs. This one speaks HTTP/1.1 over
//! the shared TLS configuration and honours what the SDK asks of a client:
//! its connect and read timeouts (one reqwest client per distinct pair,
//! cached, each with its connection pool), no redirects (an S3 301 must reach
//! the SDK), and the proxy variables (`HTTPS_PROXY`, `NO_PROXY`: reqwest reads
//! them when a client is built, as the SDK's own client does; docs/aws.md §23).

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;

use super::Https;

/// The timeouts a client was built with: (connect, read).
type Timeouts = (Option<Duration>, Option<Duration>);

/// An `HttpClient` for the AWS SDK over reqwest; build it with
/// [`super::Https::sdk_http_client`]. Clones share the cached clients.
#[derive(Debug, Clone)]
pub struct SdkHttpClient {
    https: Https,
    clients: Arc<Mutex<Vec<(Timeouts, Connector)>>>,
}

impl SdkHttpClient {
    /// A client whose connections trust what `https` trusts.
    pub fn new(https: Https) -> Self {
        Self {
            https,
            clients: Arc::default(),
        }
    }

    fn connector(&self, timeouts: Timeouts) -> Connector {
        let (connect, read) = timeouts;
        let built = self
            .https
            .client_builder(&[])
            .map_err(|e| ClientUnavailable(e.to_string()))
            .and_then(|builder| {
                let mut builder = builder.redirect(reqwest::redirect::Policy::none());
                if let Some(connect) = connect {
                    builder = builder.connect_timeout(connect);
                }
                if let Some(read) = read {
                    builder = builder.read_timeout(read);
                }
                builder
                    .build()
                    .map_err(|e| ClientUnavailable(error_chain(&e)))
            });
        Connector { built }
    }
}

impl HttpClient for SdkHttpClient {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        _components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        let timeouts = (settings.connect_timeout(), settings.read_timeout());
        let mut clients = self.clients.lock().unwrap_or_else(PoisonError::into_inner);
        let connector = match clients.iter().find(|(t, _)| *t == timeouts) {
            Some((_, connector)) => connector.clone(),
            None => {
                let connector = self.connector(timeouts);
                clients.push((timeouts, connector.clone()));
                connector
            }
        };
        SharedHttpConnector::new(connector)
    }
}

/// One reqwest client, or why it could not be built (then every request
/// fails with that reason: an `HttpClient` cannot fail to hand out a
/// connector).
#[derive(Debug, Clone)]
struct Connector {
    built: Result<reqwest::Client, ClientUnavailable>,
}

impl HttpConnector for Connector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let built = self.built.clone();
        HttpConnectorFuture::new(async move {
            let built = built.map_err(|e| ConnectorError::user(Box::new(e)))?;
            let request = into_reqwest(request)?;
            let response = built.execute(request).await.map_err(classify)?;
            let response = http::Response::<reqwest::Body>::from(response);
            HttpResponse::try_from(response.map(SdkBody::from_body_1_x))
                .map_err(|e| ConnectorError::other(e.into(), None))
        })
    }
}

/// The SDK's request as reqwest's. An in-memory body (every request the
/// functions make) is copied, so reqwest knows its length; a streaming one is
/// passed through.
fn into_reqwest(request: HttpRequest) -> Result<reqwest::Request, ConnectorError> {
    let request = request
        .try_into_http1x()
        .map_err(|e| ConnectorError::user(e.into()))?;
    let (parts, body) = request.into_parts();
    let body = match body.bytes() {
        Some(bytes) => reqwest::Body::from(bytes.to_vec()),
        None => reqwest::Body::wrap(body),
    };
    reqwest::Request::try_from(http::Request::from_parts(parts, body))
        .map_err(|e| ConnectorError::user(e.into()))
}

/// A failed exchange as the SDK's retry classifier expects it: timeouts and
/// I/O failures (refused, reset, closed early) are transient and retried; a
/// request reqwest could not build is the caller's.
fn classify(error: reqwest::Error) -> ConnectorError {
    if error.is_timeout() {
        ConnectorError::timeout(error.into())
    } else if error.is_builder() {
        ConnectorError::user(error.into())
    } else {
        ConnectorError::io(error.into())
    }
}

/// The reqwest client could not be built: why, with its causes.
#[derive(Debug, Clone, thiserror::Error)]
#[error("the HTTP client for AWS could not be built: {0}")]
struct ClientUnavailable(String);

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests;
