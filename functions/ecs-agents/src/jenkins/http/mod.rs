//! The Jenkins adapter: [`JenkinsNodes`] over Jenkins' HTTP API, one
//! `reqwest::Client` built at cold start. Section numbers (§N) in this
//! adapter and its tests are those of docs/jenkins-api.md.
//!
//! Every request carries HTTP Basic `user:API token` and no crumb (token
//! authenticated POSTs need none since 2.96, §6), and `Accept-Language: en`
//! so the texts we match are English (§5). Redirects are never followed: a
//! 302 is how `doCreateItem` and `doDelete` say they succeeded (§1, §3).

mod jnlp;
mod refusal;
#[cfg(test)]
mod tests;
mod wire;

use std::time::Duration;

use reqwest::{Client, Method, Response, StatusCode, Url, header, redirect};
use serde::de::DeserializeOwned;
use tracing::debug;

use super::{
    AgentNode, AgentStatus, Created, Deleted, JenkinsError, JenkinsNodes, NodeInfo, QueueEntry,
    QueueItemState,
};
use crate::naming::AgentName;
use crate::secret::Secret;

/// A TCP (and TLS) connection to a healthy controller takes milliseconds;
/// after 3 s Jenkins is down or unreachable, and failing fast leaves the
/// Lambda time to report a retryable error instead of being killed.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// Whole request, body included. `doDelete` waits for Jenkins' queue lock
/// (§3), which a busy controller can hold for seconds;
/// 10 s tolerates that yet stays well inside a Lambda timeout, so a slow
/// call becomes [`JenkinsError::Unavailable`] and is retried later.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// The fields of `/computer/NAME/api/json` that [`AgentStatus`] needs (§4).
const STATUS_TREE: &str = "tree=displayName,offline,temporarilyOffline,idle";

/// `_class` tells a left item from a queued one; `cancelled` exists only on
/// left items, which also identifies them on Jenkins without `_class` (§5).
/// `inQueueSince` dates a queued item.
const QUEUE_ITEM_TREE: &str = "tree=id,cancelled,inQueueSince";

/// The fields of `/computer/api/json` that [`NodeInfo`] needs (§4), plus
/// `_class` to tell the built-in node. Jenkins exports `description` since
/// it added `Computer.getDescription()`; no Jenkins so far exports
/// `idleStartMilliseconds` (`Computer.getIdleStartMilliseconds()` is not
/// `@Exported`), and `tree=` skips names it does not know, so asking costs
/// nothing and it is read if a version ever sends it.
const NODES_TREE: &str = "tree=computer[displayName,description,offline,temporarilyOffline,\
    idle,idleStartMilliseconds,assignedLabels[name],_class]";

/// The fields of `/queue/api/json` that [`QueueEntry`] needs (§5).
const QUEUE_TREE: &str = "tree=items[id,why,inQueueSince,buildable,task[name]]";

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
    /// Builds the adapter and its client; call once per cold start.
    pub fn new(base_url: &str, user: &str, token: Secret) -> Result<Self, SetupError> {
        let base = parse_base(base_url)?;
        let client = Client::builder()
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

    /// `doCreateItem` answered 400 without `X-Error`, which a proxy may drop (§15).
    /// Jenkins checks the name, duplicates included, before anything else it answers 400
    /// for (§1), so if a node of that name exists now, this 400 was the duplicate: a
    /// redelivered launch, not a failed one.
    async fn bare_bad_request(
        &self,
        node: &AgentNode,
        response: Response,
    ) -> Result<Created, JenkinsError> {
        let error = self.unexpected(response).await;
        match self.agent_status(&node.name).await? {
            Some(_) => Ok(Created::AlreadyExists),
            None => Err(error),
        }
    }
}

impl JenkinsNodes for JenkinsHttp {
    async fn create_agent(&self, node: &AgentNode) -> Result<Created, JenkinsError> {
        let url = self.endpoint(&["computer", "doCreateItem"], None);
        let form = wire::create_form(node);
        let response = self.send(Method::POST, url.clone(), Some(&form)).await?;
        match response.status() {
            StatusCode::FOUND | StatusCode::SEE_OTHER => created(&url, &response),
            StatusCode::BAD_REQUEST => match wire::x_error(&response) {
                Some(text) if wire::names_duplicate(&text, node.name.as_str()) => {
                    Ok(Created::AlreadyExists)
                }
                Some(_) => Err(self.unexpected(response).await),
                None => self.bare_bad_request(node, response).await,
            },
            _ => Err(self.unexpected(response).await),
        }
    }

    async fn agent_secret(&self, name: &AgentName) -> Result<Secret, JenkinsError> {
        let url = self.endpoint(&["computer", name.as_str(), "jenkins-agent.jnlp"], None);
        let response = self.send(Method::GET, url, None).await?;
        match response.status() {
            StatusCode::OK => {
                let body = response.text().await.map_err(unavailable)?;
                jnlp::secret(&body).map_err(|problem| {
                    JenkinsError::Protocol(format!("jenkins-agent.jnlp of {name}: {problem}"))
                })
            }
            StatusCode::NOT_FOUND => Err(no_such_node(name)),
            _ => Err(self.unexpected(response).await),
        }
    }

    async fn delete_agent(&self, name: &AgentName) -> Result<Deleted, JenkinsError> {
        let url = self.endpoint(&["computer", name.as_str(), "doDelete"], None);
        let response = self.send(Method::POST, url, None).await?;
        // Unlike doCreateItem's, this redirect's target is not documented
        // (§3), so any 302 counts.
        match response.status() {
            StatusCode::FOUND | StatusCode::SEE_OTHER | StatusCode::OK => Ok(Deleted::Deleted),
            StatusCode::NOT_FOUND => Ok(Deleted::AlreadyGone),
            _ => Err(self.unexpected(response).await),
        }
    }

    async fn agent_status(&self, name: &AgentName) -> Result<Option<AgentStatus>, JenkinsError> {
        let url = self.endpoint(
            &["computer", name.as_str(), "api", "json"],
            Some(STATUS_TREE),
        );
        let response = self.send(Method::GET, url, None).await?;
        match response.status() {
            StatusCode::OK => Ok(Some(json::<wire::Computer>(response).await?.into_status())),
            StatusCode::NOT_FOUND => Ok(None),
            _ => Err(self.unexpected(response).await),
        }
    }

    async fn mark_offline(&self, name: &AgentName, reason: &str) -> Result<bool, JenkinsError> {
        // `doChangeOfflineCause` sets the node temporarily offline whatever
        // its state (`toggleOffline` would flip it back online on a retry)
        // and answers with a redirect to the computer page.
        let url = self.endpoint(&["computer", name.as_str(), "changeOfflineCause"], None);
        let form = [("offlineMessage", reason.to_owned())];
        let response = self.send(Method::POST, url, Some(&form)).await?;
        match response.status() {
            StatusCode::FOUND | StatusCode::SEE_OTHER | StatusCode::OK => Ok(true),
            StatusCode::NOT_FOUND => Ok(false),
            _ => Err(self.unexpected(response).await),
        }
    }

    async fn queue_item(&self, id: u64) -> Result<QueueItemState, JenkinsError> {
        let id_segment = id.to_string();
        let segments = ["queue", "item", id_segment.as_str(), "api", "json"];
        let url = self.endpoint(&segments, Some(QUEUE_ITEM_TREE));
        let response = self.send(Method::GET, url, None).await?;
        match response.status() {
            StatusCode::OK => Ok(json::<wire::QueueItem>(response).await?.state()),
            // Left items stay for 5 minutes, then 404 like unknown ids, or items of
            // jobs the user may not discover (§5, §13).
            StatusCode::NOT_FOUND => Ok(QueueItemState::Gone),
            // Discover without Read: a plain 403 that names no permission (§13).
            StatusCode::FORBIDDEN => Err(match self.unexpected(response).await {
                missing @ JenkinsError::PermissionMissing { .. } => missing,
                _ => JenkinsError::PermissionMissing {
                    user: self.user.clone(),
                    permission: "Job/Read".to_owned(),
                },
            }),
            _ => Err(self.unexpected(response).await),
        }
    }

    async fn list_nodes(&self) -> Result<Vec<NodeInfo>, JenkinsError> {
        let url = self.endpoint(&["computer", "api", "json"], Some(NODES_TREE));
        let response = self.send(Method::GET, url, None).await?;
        match response.status() {
            StatusCode::OK => Ok(json::<wire::ComputerSet>(response).await?.into_nodes()),
            _ => Err(self.unexpected(response).await),
        }
    }

    async fn list_queue(&self) -> Result<Vec<QueueEntry>, JenkinsError> {
        let url = self.endpoint(&["queue", "api", "json"], Some(QUEUE_TREE));
        let response = self.send(Method::GET, url, None).await?;
        match response.status() {
            StatusCode::OK => Ok(json::<wire::Queue>(response).await?.into_entries()),
            _ => Err(self.unexpected(response).await),
        }
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

/// `doCreateItem` succeeded if it redirects to the computer list (§1). A
/// redirect elsewhere is a login page (an SSO proxy in front of Jenkins), not
/// a created node.
fn created(request_url: &Url, response: &Response) -> Result<Created, JenkinsError> {
    let location = response
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok());
    let Some(target) = location.and_then(|l| request_url.join(l).ok()) else {
        return Err(JenkinsError::Protocol(format!(
            "doCreateItem answered {} without a usable Location",
            response.status()
        )));
    };
    if target.path().trim_end_matches('/').ends_with("/computer") {
        return Ok(Created::New);
    }
    Err(JenkinsError::Rejected {
        status: response.status().as_u16(),
        reason: format!(
            "redirected to {} instead of computer/: a login page?",
            target.path()
        ),
    })
}

fn no_such_node(name: &AgentName) -> JenkinsError {
    JenkinsError::Rejected {
        status: StatusCode::NOT_FOUND.as_u16(),
        reason: format!("there is no node named {name}"),
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

/// Reads a JSON body; a shape other than §4/§5 describe is a protocol error.
async fn json<T: DeserializeOwned>(response: Response) -> Result<T, JenkinsError> {
    let path = response.url().path().to_owned();
    let body = response.bytes().await.map_err(unavailable)?;
    serde_json::from_slice(&body).map_err(|e| JenkinsError::Protocol(format!("{path}: {e}")))
}
