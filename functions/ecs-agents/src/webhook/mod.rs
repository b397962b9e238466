//! The queue webhook: authenticate, parse, decide what needs no remote call,
//! and record the rest on the work queue for the launch worker.
//!
//! Independent of Lambda: the function's handler passes headers and body in
//! and turns the [`WebhookResponse`] into HTTP. It answers within
//! milliseconds whatever the burst: nothing it does waits for Jenkins or
//! ECS (docs/how-it-works.md, "Intake and pacing"). Status codes: 202
//! accepted (recorded) or ignored (nothing to do, with the reason), 400
//! malformed, 401 not authentic, 413 too large, 503 (with `Retry-After`)
//! the work could not be recorded, so the emitter sends it again.

mod milestone;
pub mod signature;
#[cfg(test)]
mod tests;

/// The events the emitter sends (kept here too: it is the webhook's protocol).
pub use crate::protocol;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use tracing::{info, warn};

use crate::config::VersionedConfig;
use crate::events::EventPublisher;
use crate::labels::LabelExpr;
use crate::live_config::LiveConfig;
use crate::secret::Secret;
use crate::timing::{Milestone, Milestones};
use crate::workqueue::{Work, WorkQueue};
use protocol::{ParseError, WebhookEvent};

/// Largest body accepted: queue events are a few hundred bytes.
pub const MAX_BODY: usize = 64 * 1024;
/// What a 503 asks the emitter to wait before retrying: recording failed,
/// which SQS recovers from in seconds.
pub const RETRY_AFTER: Duration = Duration::from_secs(5);

/// One webhook request, as far as the webhook cares.
#[derive(Debug, Clone, Copy)]
pub struct WebhookRequest<'a> {
    /// The timestamp header.
    pub timestamp: Option<&'a str>,
    /// The signature header.
    pub signature: Option<&'a str>,
    /// The raw body.
    pub body: &'a [u8],
}

/// The answer: status, a small JSON body, and `Retry-After` seconds for 503.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookResponse {
    /// HTTP status.
    pub status: u16,
    /// What was done, as JSON.
    pub body: Value,
    /// Seconds for the `Retry-After` header.
    pub retry_after: Option<u64>,
}

impl WebhookResponse {
    fn new(status: u16, body: Value) -> Self {
        Self {
            status,
            body,
            retry_after: None,
        }
    }

    fn rejected(status: u16, reason: impl std::fmt::Display) -> Self {
        Self::new(
            status,
            json!({ "outcome": "rejected", "reason": reason.to_string() }),
        )
    }
}

/// The webhook: the shared secret, the agents file it matches labels
/// against, the queue it records work on, and where it reports a published
/// agents file it refuses.
#[derive(Debug)]
pub struct Webhook<Q: WorkQueue, E: EventPublisher> {
    secret: Secret,
    agents: LiveConfig,
    queue: Q,
    events: E,
    /// The agents' start milestones this instance counted (`milestone`).
    milestones: Milestones,
}

impl<Q: WorkQueue, E: EventPublisher> Webhook<Q, E> {
    /// A webhook verifying requests with `secret`, matching labels against
    /// `agents` and recording work on `queue`.
    pub fn new(secret: Secret, agents: LiveConfig, queue: Q, events: E) -> Self {
        Self {
            secret,
            agents,
            queue,
            events,
            milestones: Milestones::default(),
        }
    }

    /// The work queue, for tests and the local run.
    pub fn queue(&self) -> &Q {
        &self.queue
    }

    /// The agents file version one request acts on: the published file is
    /// read first when a read is due (`live_config`).
    pub async fn config_for_request(&self) -> std::sync::Arc<VersionedConfig> {
        self.agents.refresh(&self.events).await;
        self.agents.current()
    }

    /// Handles one request received at `now`.
    pub async fn handle(&self, request: WebhookRequest<'_>, now: SystemTime) -> WebhookResponse {
        if request.body.len() > MAX_BODY {
            return WebhookResponse::rejected(
                413,
                format!("body of {} bytes exceeds {MAX_BODY}", request.body.len()),
            );
        }
        if let Err(error) = signature::verify(
            &self.secret,
            request.timestamp,
            request.signature,
            request.body,
            now,
        ) {
            warn!(%error, "webhook request rejected");
            return WebhookResponse::rejected(401, error);
        }
        match protocol::parse(request.body) {
            Ok(event) => self.decide(event, request.body, now).await,
            Err(ParseError::Malformed(reason)) => WebhookResponse::rejected(400, reason),
            Err(ParseError::UnknownType(kind)) => {
                info!(event_type = %kind, "unknown event type ignored");
                ignored(format!("unknown event type {kind}"))
            }
        }
    }

    /// What needs no remote call is answered here; the rest is recorded.
    async fn decide(&self, event: WebhookEvent, body: &[u8], now: SystemTime) -> WebhookResponse {
        let accepted = match &event {
            WebhookEvent::QueueBuildable(buildable) => {
                let item = &buildable.item;
                let Some(expr) = item.label.as_deref().and_then(LabelExpr::parse_lax) else {
                    return ignored(
                        "unrestricted item: no label, so no template of ours serves it",
                    );
                };
                let config = self.config_for_request().await;
                let Some(template) = config.select(&expr) else {
                    return ignored(format!("no template serves {}", expr.expression()));
                };
                json!({
                    "outcome": "accepted",
                    "queueItem": item.id,
                    "template": template.name,
                    "node": config.cloud.agent_name(&template.name, item.id, 0),
                })
            }
            WebhookEvent::QueueLeft(left) if !left.item.cancelled => {
                return ignored(format!("queue item {} started", left.item.id));
            }
            WebhookEvent::QueueLeft(left) => {
                json!({ "outcome": "accepted", "queueItem": left.item.id })
            }
            WebhookEvent::AgentReleased(released) => {
                json!({ "outcome": "accepted", "node": released.node })
            }
            // Time to start: counted here, nothing to record (`milestone`).
            WebhookEvent::AgentOnline(reached) => {
                return self.reached(Milestone::Online, reached);
            }
            WebhookEvent::BuildStarted(reached) => {
                return self.reached(Milestone::BuildStart, reached);
            }
        };
        // The body parsed as an event, so it is JSON.
        let event: Value = serde_json::from_slice(body).unwrap_or_default();
        let work = Work {
            received_ms: now
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .as_millis() as u64,
            event,
        };
        match self.queue.record(&work).await {
            Ok(()) => WebhookResponse::new(202, accepted),
            Err(error) => {
                warn!(%error, "work not recorded; the emitter will send it again");
                WebhookResponse {
                    status: 503,
                    body: json!({ "outcome": "failed", "reason": error.to_string() }),
                    retry_after: Some(RETRY_AFTER.as_secs()),
                }
            }
        }
    }
}

fn ignored(reason: impl Into<String>) -> WebhookResponse {
    WebhookResponse::new(
        202,
        json!({ "outcome": "ignored", "reason": reason.into() }),
    )
}

#[cfg(any(test, feature = "test-util"))]
impl Webhook<crate::workqueue::fake::FakeWorkQueue, crate::events::fake::FakePublisher> {
    /// A webhook for the agents file `yaml` on an empty fake queue.
    pub fn with_fakes(secret: &str, yaml: &str) -> Self {
        let config = crate::config::AgentsConfig::from_yaml(yaml)
            .unwrap_or_else(|errors| panic!("test config: {errors}"));
        let version = crate::config::ConfigVersion::built_in(yaml);
        Self::new(
            Secret::new(secret),
            LiveConfig::fixed(VersionedConfig::new(config, version)),
            crate::workqueue::fake::FakeWorkQueue::new(),
            crate::events::fake::FakePublisher::new(),
        )
    }
}
