//! A reverse proxy in front of moto that honours RunTask's `clientToken`.
//!
//! ECS returns the original result for a RunTask repeated with the same token on
//! the same cluster, and a `ConflictException` when the parameters changed;
//! moto launches again. The proxy adds that, refuses a ListTasks that
//! combines `startedBy` with another filter as ECS documents (`list_tasks`),
//! and counts calls per operation.

mod forward;
mod list_tasks;

use forward::Forward;
pub use list_tasks::STARTED_BY_ALONE;

use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex},
};

use anyhow::Context;
use aws_config::SdkConfig;
use axum::{
    body::Bytes,
    extract::{Request, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};
use tokio::{net::TcpListener, task::JoinHandle};

const RUN_TASK: &str = "AmazonEC2ContainerServiceV20141113.RunTask";
/// Far above any AWS request the functions send (RunTask overrides ≤ 8 KiB).
const MAX_BODY: usize = 16 * 1024 * 1024;

/// A reverse proxy that forwards everything to moto, giving RunTask ECS's
/// clientToken idempotency; stopped when dropped.
pub struct ClientTokenProxy {
    endpoint: String,
    state: Arc<Proxy>,
    server: JoinHandle<()>,
}

/// (cluster, clientToken): ECS scopes a token to its cluster.
type TokenKey = (String, String);

struct Proxy {
    upstream: String,
    http: reqwest::Client,
    calls: Mutex<HashMap<String, usize>>,
    // Every request body per operation, as sent: what CloudTrail would record.
    bodies: Mutex<HashMap<String, Vec<String>>>,
    forwarded: Mutex<HashMap<String, usize>>,
    // One async lock per key: a duplicate waits while the first is in flight.
    tokens: Mutex<HashMap<TokenKey, Arc<tokio::sync::Mutex<Option<Launched>>>>>,
    // Canned answers per operation, used before anything is forwarded.
    canned: Mutex<HashMap<String, VecDeque<Answer>>>,
}

/// The first successful RunTask of a token: its request, to detect changed
/// parameters, and moto's answer, to replay.
struct Launched {
    request: Value,
    answer: Answer,
}

/// An upstream response, read whole so that it can be replayed.
#[derive(Clone)]
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl ClientTokenProxy {
    /// Starts the proxy on a free loopback port, forwarding to `upstream`
    /// (moto's endpoint, e.g. [`crate::Moto::endpoint`]).
    pub async fn start(upstream: &str) -> anyhow::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .context("binding the proxy to a free loopback port")?;
        let endpoint = format!("http://{}", listener.local_addr()?);
        let http = reqwest::Client::builder().no_proxy().build()?;
        let state = Arc::new(Proxy {
            upstream: upstream.trim_end_matches('/').to_owned(),
            http,
            calls: Mutex::default(),
            bodies: Mutex::default(),
            forwarded: Mutex::default(),
            tokens: Mutex::default(),
            canned: Mutex::default(),
        });
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(state.clone());
        let server = tokio::spawn(async move {
            // Ends only when the task is aborted on drop.
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self {
            endpoint,
            state,
            server,
        })
    }

    /// The proxy's base URL, `http://127.0.0.1:PORT`: give it to the code under test.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// An SDK configuration pointing at the proxy (see [`crate::sdk_config`]).
    pub fn sdk_config(&self) -> SdkConfig {
        crate::sdk_config(&self.endpoint)
    }

    /// How many requests for `operation` (the part of `X-Amz-Target` after the
    /// dot, e.g. `"RunTask"`) the proxy received, replayed and refused included:
    /// the number of remote calls the code under test made.
    pub fn calls(&self, operation: &str) -> usize {
        count(&self.state.calls, operation)
    }

    /// The bodies of the requests for `operation`, as the code under test
    /// sent them (what CloudTrail records of a call's parameters).
    pub fn bodies(&self, operation: &str) -> Vec<String> {
        let bodies = self.state.bodies.lock().expect("proxy bodies");
        bodies.get(operation).cloned().unwrap_or_default()
    }

    /// Answers the next `times` requests for `operation` with `status` and a
    /// JSON `body` instead of forwarding them: ECS behaviour moto cannot show
    /// (throttling, `failures[]` for capacity).
    pub fn answer_next(&self, operation: &str, times: usize, status: u16, body: Value) {
        let answer = Answer {
            status: StatusCode::from_u16(status).expect("a valid HTTP status"),
            headers: HeaderMap::from_iter([(
                header::CONTENT_TYPE,
                header::HeaderValue::from_static("application/x-amz-json-1.1"),
            )]),
            body: Bytes::from(body.to_string()),
        };
        let mut canned = self.state.canned.lock().expect("proxy canned answers");
        let queue = canned.entry(operation.to_owned()).or_default();
        queue.extend(std::iter::repeat_n(answer, times));
    }

    /// How many requests for `operation` reached moto: replayed RunTasks and
    /// conflicts do not.
    pub fn forwarded(&self, operation: &str) -> usize {
        count(&self.state.forwarded, operation)
    }
}

impl Drop for ClientTokenProxy {
    fn drop(&mut self) {
        self.server.abort();
    }
}

fn count(counts: &Mutex<HashMap<String, usize>>, operation: &str) -> usize {
    let counts = counts.lock().expect("proxy counters");
    counts.get(operation).copied().unwrap_or(0)
}

fn bump(counts: &Mutex<HashMap<String, usize>>, operation: &str) {
    let mut counts = counts.lock().expect("proxy counters");
    *counts.entry(operation.to_owned()).or_default() += 1;
}

async fn handle(State(proxy): State<Arc<Proxy>>, request: Request) -> Response {
    match route(&proxy, request).await {
        Ok(response) => response,
        Err(error) => (StatusCode::BAD_GATEWAY, format!("proxy: {error:#}")).into_response(),
    }
}

async fn route(proxy: &Proxy, request: Request) -> anyhow::Result<Response> {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, MAX_BODY).await?;
    let target = parts
        .headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok());
    let operation = target.map(|t| t.rsplit('.').next().unwrap_or(t).to_owned());
    if let Some(operation) = &operation {
        bump(&proxy.calls, operation);
        proxy
            .bodies
            .lock()
            .expect("proxy bodies")
            .entry(operation.clone())
            .or_default()
            .push(String::from_utf8_lossy(&body).into_owned());
        let canned = proxy
            .canned
            .lock()
            .expect("proxy canned answers")
            .get_mut(operation)
            .and_then(VecDeque::pop_front);
        if let Some(answer) = canned {
            return Ok(answer.into_response());
        }
    }
    if target == Some(list_tasks::LIST_TASKS)
        && let Ok(request) = serde_json::from_slice::<Value>(&body)
        && let Some(refusal) = list_tasks::refusal(&request)
    {
        return Ok(refusal);
    }
    let run_task = (target == Some(RUN_TASK))
        .then(|| serde_json::from_slice::<Value>(&body).ok())
        .flatten();
    let key = run_task.as_ref().and_then(token_key);
    let forward = Forward {
        proxy,
        parts: &parts,
        body,
        operation: operation.as_deref(),
    };
    match (run_task, key) {
        (Some(request), Some(key)) => run_task_once(forward, request, key).await,
        _ => Ok(forward.send().await?.into_response()),
    }
}

/// The cluster (by name: ECS accepts a name or an ARN) and token of a RunTask.
fn token_key(request: &Value) -> Option<TokenKey> {
    let token = request["clientToken"].as_str()?;
    let cluster = request["cluster"].as_str().unwrap_or("default");
    let cluster = cluster.rsplit('/').next().unwrap_or(cluster);
    Some((cluster.to_owned(), token.to_owned()))
}

async fn run_task_once(
    forward: Forward<'_>,
    request: Value,
    key: TokenKey,
) -> anyhow::Result<Response> {
    let slot = {
        let mut tokens = forward.proxy.tokens.lock().expect("proxy tokens");
        tokens.entry(key.clone()).or_default().clone()
    };
    let mut launched = slot.lock().await;
    if let Some(first) = launched.as_ref() {
        if first.request != request {
            return Ok(conflict(&key.1));
        }
        return Ok(first.answer.clone().into_response());
    }
    let answer = forward.send().await?;
    // Only a success binds the token: a failed launch may be retried with it.
    if answer.status.is_success() {
        let answer = answer.clone();
        *launched = Some(Launched { request, answer });
    }
    Ok(answer.into_response())
}

/// ECS's answer to a reused token whose parameters differ from the first use.
fn conflict(token: &str) -> Response {
    let body = json!({
        "__type": "ConflictException",
        "message": format!("clientToken {token} was already used with different parameters"),
    });
    let content_type = [(header::CONTENT_TYPE, "application/x-amz-json-1.1")];
    (StatusCode::BAD_REQUEST, content_type, body.to_string()).into_response()
}
