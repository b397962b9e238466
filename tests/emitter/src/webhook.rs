//! A loopback queue webhook: checks every request as the real one does (the project's own
//! `signature::verify` and `protocol::parse`), records it, and answers what the test planned.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Request, Response, Version};
use ecs_agents::secret::Secret;
use ecs_agents::webhook::protocol::{self, ParseError, WebhookEvent};
use ecs_agents::webhook::signature::{self, AuthError, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use serde_json::{Value, json};

/// How long [`Webhook::wait_for`] waits by default: a JVM on a busy 2-core machine is slow.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// What the webhook answers one request.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    status: u16,
    retry_after: Option<u64>,
    delay: Duration,
    body: Option<Value>,
}

impl Answer {
    /// `200 {"outcome":"launched"}` at once: what the real webhook answers a launch.
    pub fn ok() -> Self {
        Self::status(200)
    }

    /// This status at once, with a JSON body as the real webhook's.
    pub fn status(status: u16) -> Self {
        Self {
            status,
            retry_after: None,
            delay: Duration::ZERO,
            body: None,
        }
    }

    /// This status with this JSON body, such as the webhook's
    /// `202 {"outcome":"accepted","template":…,"node":…}`.
    pub fn json(status: u16, body: Value) -> Self {
        Self {
            body: Some(body),
            ..Self::status(status)
        }
    }

    /// With a `Retry-After` header of this many seconds.
    pub fn retry_after(self, seconds: u64) -> Self {
        Self {
            retry_after: Some(seconds),
            ..self
        }
    }

    /// Answered only after this long (a slow or stalled webhook).
    pub fn after(self, delay: Duration) -> Self {
        Self { delay, ..self }
    }

    fn body(&self) -> Value {
        if let Some(body) = &self.body {
            return body.clone();
        }
        match self.status {
            200 => json!({ "outcome": "launched" }),
            202 => json!({ "outcome": "ignored" }),
            503 => json!({ "outcome": "failed", "reason": "planned by the test" }),
            _ => json!({ "outcome": "rejected", "reason": "planned by the test" }),
        }
    }
}

/// One request as the webhook received it.
#[derive(Debug, Clone)]
pub struct Received {
    /// When it arrived.
    pub at: Instant,
    /// The request target as sent: `/` directly, `http://host:port/` through a proxy.
    pub target: String,
    /// The HTTP version of the request.
    pub version: Version,
    /// Its headers.
    pub headers: HeaderMap,
    /// The body as JSON (`Null` if it is not JSON).
    pub body: Value,
    /// The verdict of `ecs_agents::webhook::signature::verify`.
    pub signature: Result<(), AuthError>,
    /// The verdict of `ecs_agents::webhook::protocol::parse`.
    pub event: Result<WebhookEvent, ParseError>,
}

impl Received {
    /// The event's `type`.
    pub fn kind(&self) -> &str {
        self.body["type"].as_str().unwrap_or_default()
    }
}

#[derive(Debug)]
struct Shared {
    secret: Secret,
    received: Mutex<Vec<Received>>,
    planned: Mutex<VecDeque<Answer>>,
    otherwise: Mutex<Answer>,
}

/// The loopback webhook, on a free port of 127.0.0.1, with a runtime of its own so that the
/// tests themselves can stay synchronous.
#[derive(Debug)]
pub struct Webhook {
    addr: SocketAddr,
    secret: String,
    shared: Arc<Shared>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Webhook {
    /// Starts a webhook that verifies requests with `secret`.
    pub fn start(secret: &str) -> Self {
        let shared = Arc::new(Shared {
            secret: Secret::new(secret),
            received: Mutex::default(),
            planned: Mutex::default(),
            otherwise: Mutex::new(Answer::ok()),
        });
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a tokio runtime for the webhook");
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("a free loopback port");
        let addr = listener.local_addr().expect("the bound address");
        let app = Router::new().fallback(answer).with_state(shared.clone());
        runtime.spawn(async move { axum::serve(listener, app).await });
        Self {
            addr,
            secret: secret.to_owned(),
            shared,
            runtime: Some(runtime),
        }
    }

    /// `http://127.0.0.1:<port>/`.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The shared secret.
    pub fn secret(&self) -> &str {
        &self.secret
    }

    /// The answers to the next requests, in order; after them, [`Webhook::otherwise`].
    pub fn plan(&self, answers: impl IntoIterator<Item = Answer>) {
        self.shared.planned.lock().unwrap().extend(answers);
    }

    /// The answer once the planned ones are used up (200 unless set).
    pub fn otherwise(&self, answer: Answer) {
        *self.shared.otherwise.lock().unwrap() = answer;
    }

    /// Every request so far. Panics unless each was signed with the shared secret and is an
    /// event the real webhook understands: every test checks that, whatever else it checks.
    pub fn received(&self) -> Vec<Received> {
        let received = self.shared.received.lock().unwrap().clone();
        for r in &received {
            assert_eq!(
                r.signature,
                Ok(()),
                "a request failed signature verification: {r:?}"
            );
            assert!(r.event.is_ok(), "the webhook cannot parse a request: {r:?}");
        }
        received
    }

    /// The bodies of the requests of one event type, in order of arrival.
    pub fn events(&self, kind: &str) -> Vec<Value> {
        self.received()
            .into_iter()
            .filter(|r| r.kind() == kind)
            .map(|r| r.body)
            .collect()
    }

    /// Waits until at least `count` requests have arrived and returns them all.
    pub fn wait_for(&self, count: usize) -> Vec<Received> {
        self.wait_until(&format!("{count} request(s)"), |r| r.len() >= count)
    }

    /// Waits until the requests so far satisfy `done` and returns them.
    pub fn wait_until(&self, what: &str, done: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let received = self.received();
            if done(&received) {
                return received;
            }
            assert!(
                Instant::now() < deadline,
                "the webhook waited {PATIENCE:?} for {what}; it received: {:#?}",
                received.iter().map(|r| &r.body).collect::<Vec<_>>()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Webhook {
    fn drop(&mut self) {
        // Stalled answers may still be sleeping: don't wait for them.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

async fn answer(State(shared): State<Arc<Shared>>, request: Request<Body>) -> Response<Body> {
    let at = Instant::now();
    let (parts, body) = request.into_parts();
    let body = to_bytes(body, 1 << 20).await.unwrap_or_default();
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
    let verdict = signature::verify(
        &shared.secret,
        header(TIMESTAMP_HEADER),
        header(SIGNATURE_HEADER),
        &body,
        SystemTime::now(),
    );
    let event = protocol::parse(&body);
    let planned = {
        let next = shared.planned.lock().unwrap().pop_front();
        next.unwrap_or_else(|| shared.otherwise.lock().unwrap().clone())
    };
    // As the real webhook: not authentic is 401, not understood is 400, whatever was planned.
    let answer = match (&verdict, &event) {
        (Err(_), _) => Answer::status(401),
        (_, Err(ParseError::Malformed(_))) => Answer::status(400),
        _ => planned,
    };
    shared.received.lock().unwrap().push(Received {
        at,
        target: parts.uri.to_string(),
        version: parts.version,
        headers: parts.headers.clone(),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        signature: verdict,
        event,
    });
    tokio::time::sleep(answer.delay).await;
    let mut response = Response::builder()
        .status(answer.status)
        .header("content-type", "application/json");
    if let Some(seconds) = answer.retry_after {
        response = response.header("retry-after", seconds.to_string());
    }
    response
        .body(Body::from(answer.body().to_string()))
        .expect("a valid response")
}
