//! [`JenkinsNodes`] call by call: the URL, and what each status Jenkins answers
//! means (§N: docs/jenkins-api.md).

use reqwest::{Method, Response, StatusCode, Url, header};
use serde::de::DeserializeOwned;

use super::{JenkinsHttp, jnlp, unavailable, wire};
use crate::jenkins::{
    AgentNode, AgentStatus, Created, Deleted, JenkinsError, JenkinsNodes, NodeInfo, QueueEntry,
    QueueItemState,
};
use crate::naming::AgentName;
use crate::secret::Secret;

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
    idle,idleStartMilliseconds,offlineCause[timestamp],assignedLabels[name],_class]";

/// The fields of `/queue/api/json` that [`QueueEntry`] needs (§5).
const QUEUE_TREE: &str = "tree=items[id,why,inQueueSince,buildable,task[name]]";

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

impl JenkinsHttp {
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

/// Reads a JSON body; a shape other than §4/§5 describe is a protocol error.
async fn json<T: DeserializeOwned>(response: Response) -> Result<T, JenkinsError> {
    let path = response.url().path().to_owned();
    let body = response.bytes().await.map_err(unavailable)?;
    serde_json::from_slice(&body).map_err(|e| JenkinsError::Protocol(format!("{path}: {e}")))
}
