//! The queue webhook: authenticate, parse, and act on one Jenkins event.
//!
//! Independent of Lambda: the function's handler passes headers and body in
//! and turns the [`WebhookResponse`] into HTTP. Status codes: 200 done,
//! 202 accepted but nothing done now (ignored, deferred, unknown type),
//! 400 malformed, 401 not authentic, 413 too large, 422 a launch that cannot
//! succeed, 503 (with `Retry-After`) a launch to retry later.

mod milestone;
pub mod protocol;
pub mod signature;
#[cfg(test)]
mod tests;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use tracing::{info, warn};

use crate::launch::{
    LaunchError, LaunchOutcome, Launcher, QueuedBuild, RetireError, RetireOutcome,
};
use crate::naming::AgentName;
use crate::ports::Ports;
use crate::secret::Secret;
use crate::timing::{Milestone, Milestones};
use protocol::{Buildable, ParseError, WebhookEvent};

/// Largest body accepted: queue events are a few hundred bytes.
pub const MAX_BODY: usize = 64 * 1024;
/// What a 503 asks the emitter to wait before retrying.
pub const RETRY_AFTER: Duration = Duration::from_secs(30);

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

/// The webhook: the shared secret and a launcher.
#[derive(Debug)]
pub struct Webhook<P: Ports> {
    secret: Secret,
    launcher: Launcher<P>,
    /// The agents' start milestones this instance counted (`milestone`).
    milestones: Milestones,
}

impl<P: Ports> Webhook<P> {
    /// A webhook verifying requests with `secret`.
    pub fn new(secret: Secret, launcher: Launcher<P>) -> Self {
        Self {
            secret,
            launcher,
            milestones: Milestones::default(),
        }
    }

    /// The launcher, for tests and other entry points.
    pub fn launcher(&self) -> &Launcher<P> {
        &self.launcher
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
            Ok(event) => self.dispatch(event, now).await,
            Err(ParseError::Malformed(reason)) => WebhookResponse::rejected(400, reason),
            Err(ParseError::UnknownType(kind)) => {
                info!(event_type = %kind, "unknown event type ignored");
                WebhookResponse::new(
                    202,
                    json!({ "outcome": "ignored", "reason": format!("unknown event type {kind}") }),
                )
            }
        }
    }

    async fn dispatch(&self, event: WebhookEvent, now: SystemTime) -> WebhookResponse {
        match event {
            WebhookEvent::QueueBuildable(event) => {
                launched(self.launcher.launch(&queued_build(&event, now)).await)
            }
            WebhookEvent::QueueLeft(event) if event.item.cancelled => {
                retired(self.launcher.cancel(event.item.id).await)
            }
            WebhookEvent::QueueLeft(event) => WebhookResponse::new(
                202,
                json!({ "outcome": "ignored", "reason": format!("queue item {} started", event.item.id) }),
            ),
            WebhookEvent::AgentReleased(event) => {
                retired(self.launcher.release(&AgentName::new(event.node)).await)
            }
            WebhookEvent::AgentOnline(event) => self.reached(Milestone::Online, &event),
            WebhookEvent::BuildStarted(event) => self.reached(Milestone::BuildStart, &event),
        }
    }
}

fn queued_build(event: &Buildable, now: SystemTime) -> QueuedBuild {
    let now_ms = now
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis() as u64;
    QueuedBuild {
        queue_item: event.item.id,
        label: event.item.label.clone(),
        job_name: event.item.task.as_ref().map(|t| t.name.clone()),
        in_queue_since: event.item.in_queue_since,
        // An event time in the future (clock skew) counts as brand new.
        age: Some(Duration::from_millis(
            now_ms.saturating_sub(event.event_time),
        )),
        verified_queued: false,
    }
}

fn launched(result: Result<LaunchOutcome, LaunchError>) -> WebhookResponse {
    match result {
        Ok(outcome) => {
            let status = match outcome {
                LaunchOutcome::Launched { .. } | LaunchOutcome::AlreadyLaunching { .. } => 200,
                LaunchOutcome::Deferred { .. } | LaunchOutcome::Ignored { .. } => 202,
            };
            WebhookResponse::new(status, serde_json::to_value(&outcome).unwrap_or_default())
        }
        Err(error) => failed(&error),
    }
}

fn retired(result: Result<RetireOutcome, RetireError>) -> WebhookResponse {
    match result {
        Ok(outcome @ RetireOutcome::Ignored { .. }) => {
            WebhookResponse::new(202, serde_json::to_value(&outcome).unwrap_or_default())
        }
        Ok(outcome) => {
            WebhookResponse::new(200, serde_json::to_value(&outcome).unwrap_or_default())
        }
        Err(error) => unsuccessful(&error, error.is_retryable()),
    }
}

fn failed(error: &LaunchError) -> WebhookResponse {
    match error {
        LaunchError::AlreadyServed { .. } => WebhookResponse::new(
            202,
            json!({ "outcome": "already-launched", "reason": error.to_string() }),
        ),
        LaunchError::Retryable(_) => unsuccessful(error, true),
        LaunchError::Permanent(_) => unsuccessful(error, false),
    }
}

/// 503 with `Retry-After` for what may succeed later, else 422.
fn unsuccessful(error: &dyn std::fmt::Display, retryable: bool) -> WebhookResponse {
    let body = json!({ "outcome": "failed", "reason": error.to_string() });
    match retryable {
        true => WebhookResponse {
            status: 503,
            body,
            retry_after: Some(RETRY_AFTER.as_secs()),
        },
        false => WebhookResponse::new(422, body),
    }
}
