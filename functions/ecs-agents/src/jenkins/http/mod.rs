//! The Jenkins adapter: [`JenkinsNodes`] over Jenkins' HTTP API, one
//! `reqwest::Client` built at cold start. Section numbers (§N) in this
//! adapter and its tests are those of docs/jenkins-api.md.
//!
//! Every request carries HTTP Basic `user:API token` and no crumb (token
//! authenticated POSTs need none since 2.96, §6), and `Accept-Language: en`
//! so the texts we match are English (§5). Redirects are never followed: a
//! 302 is how `doCreateItem` and `doDelete` say they succeeded (§1, §3).
//!
//! The client trusts the system's certificate authorities plus an optional
//! [`CaBundle`] (a private CA), and goes through the proxy that
//! `HTTPS_PROXY` / `HTTP_PROXY` name unless `NO_PROXY` exempts the host: reqwest
//! reads them when the client is built, at cold start (docs/aws.md §23). The
//! functions build it on their shared [`Https`] stack ([`JenkinsHttp::over`]),
//! whose system roots the AWS SDK's client uses too.

mod jnlp;
mod nodes;
mod refusal;
#[cfg(test)]
mod tests;
mod tls;
mod wire;

use std::time::Duration;

use reqwest::{Client, Method, Response, Url, header, redirect};
use tracing::debug;

use super::JenkinsError;
use crate::https::{Https, TrustStoreError};
use crate::secret::Secret;

pub use tls::{CaBundle, CaBundleError};

/// A TCP (and TLS) connection to a healthy controller takes milliseconds;
/// after 3 s Jenkins is down or unreachable, and failing fast leaves the
/// Lambda time to report a retryable error instead of being killed.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// Whole request, body included. `doDelete` waits for Jenkins' queue lock
/// (§3), which a busy controller can hold for seconds;
/// 10 s tolerates that yet stays well inside a Lambda timeout, so a slow
/// call becomes [`JenkinsError::Unavailable`] and is retried later.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a [`JenkinsHttp`] could not be built. Never shows the base URL, which
/// might hold credentials.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// The Jenkins base URL is unusable.
    #[error("invalid jenkins base url: {0}")]
    BaseUrl(String),
    /// The HTTP client (its TLS backend) could not be initialised.
    #[error("cannot build the http client")]
    Client(#[source] reqwest::Error),
    /// The system's trust store could not be read.
    #[error(transparent)]
    TrustStore(#[from] TrustStoreError),
    /// The TLS configuration with the extra roots could not be built.
    #[error("cannot build the tls configuration")]
    Tls(#[source] rustls::Error),
}

/// [`JenkinsNodes`] over HTTP: a client, the Jenkins root URL (which may
/// have a path prefix, `https://ci.example.com/jenkins`), a user and its API
/// token. `Debug` redacts the token.
#[derive(Debug, Clone)]
pub struct JenkinsHttp {
    client: Client,
    base: Url,
    user: String,
    token: Secret,
}

impl JenkinsHttp {
    /// Builds the adapter and its client on the process's HTTPS stack
    /// ([`Https::system`]); call once per cold start.
    pub fn new(base_url: &str, user: &str, token: Secret) -> Result<Self, SetupError> {
        Self::trusting(base_url, user, token, &CaBundle::default())
    }

    /// Like [`JenkinsHttp::new`], trusting the certificate authorities of
    /// `extra_roots` as well as the system's.
    pub fn trusting(
        base_url: &str,
        user: &str,
        token: Secret,
        extra_roots: &CaBundle,
    ) -> Result<Self, SetupError> {
        Self::over(Https::system()?, base_url, user, token, extra_roots)
    }

    /// Like [`JenkinsHttp::trusting`], on `https`, whose system roots are
    /// already parsed (the functions' cold start shares them with the SDK).
    pub fn over(
        https: &Https,
        base_url: &str,
        user: &str,
        token: Secret,
        extra_roots: &CaBundle,
    ) -> Result<Self, SetupError> {
        let base = parse_base(base_url)?;
        let client = https
            .client_builder(extra_roots.certificates())
            .map_err(SetupError::Tls)?
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .redirect(redirect::Policy::none())
            .build()
            .map_err(SetupError::Client)?;
        Ok(Self {
            client,
            base,
            user: user.to_owned(),
            token,
        })
    }

    /// `{base}/{segments…}?{query}`, each segment percent-encoded: agent
    /// names are `[A-Za-z0-9_-]` (naming.rs), but names read back from
    /// Jenkins or ECS are not ours to trust.
    fn endpoint(&self, segments: &[&str], query: Option<&str>) -> Url {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .expect("parse_base accepts only URLs that can be a base")
            .pop_if_empty()
            .extend(segments);
        url.set_query(query);
        url
    }

    /// Sends a request with the credentials and headers every call needs
    /// (§5, §6), and logs the outcome (path and status, never a body).
    async fn send(
        &self,
        method: Method,
        url: Url,
        form: Option<&[(&str, String)]>,
    ) -> Result<Response, JenkinsError> {
        let path = url.path().to_owned();
        let mut request = self
            .client
            .request(method.clone(), url)
            .basic_auth(&self.user, Some(self.token.expose()))
            .header(header::ACCEPT_LANGUAGE, "en");
        if let Some(form) = form {
            request = request.form(form);
        }
        let result = request.send().await;
        match &result {
            Ok(response) => {
                let status = response.status().as_u16();
                debug!(%method, %path, status, "jenkins answered");
            }
            Err(error) => debug!(%method, %path, %error, "jenkins unreachable"),
        }
        result.map_err(unavailable)
    }

    /// A status the call does not expect, as an error (see [`refusal`]).
    async fn unexpected(&self, response: Response) -> JenkinsError {
        refusal::unexpected(response, &self.user).await
    }
}

/// Accepts an `http(s)` URL without credentials, query or fragment. Errors
/// describe the problem without repeating the URL.
fn parse_base(text: &str) -> Result<Url, SetupError> {
    let url = Url::parse(text).map_err(|e| SetupError::BaseUrl(e.to_string()))?;
    let problem = if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
        Some("it must be an http or https url")
    } else if !url.username().is_empty() || url.password().is_some() {
        Some("it must not hold credentials: pass the user and api token separately")
    } else if url.query().is_some() || url.fragment().is_some() {
        Some("it must not have a query or a fragment")
    } else {
        None
    };
    match problem {
        Some(problem) => Err(SetupError::BaseUrl(problem.to_owned())),
        None => Ok(url),
    }
}

/// A failed exchange: connect error, timeout, or a body cut short. The
/// message holds reqwest's chain of causes and the URL (never credentials:
/// they travel in a header reqwest marks sensitive).
fn unavailable(error: reqwest::Error) -> JenkinsError {
    let mut message = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    JenkinsError::Unavailable(message)
}
