//! The launch worker: acts on one piece of work the webhook recorded —
//! launch an agent for a waiting build, cancel it, release an agent — and
//! says whether the work is done or should come back later.
//!
//! Independent of Lambda and SQS: the function hands in the recorded
//! [`Work`] and turns [`Handled::retry_later`] into a postponed message.
//! What it did is said in the words the webhook used to answer with when it
//! launched by itself (docs/webhook-protocol.md, "What the launch did"):
//! 200 done, 202 nothing to do now (ignored, deferred at a cap, already
//! served), 400 not an event, 422 cannot succeed (reported, not retried),
//! 503 may succeed later (retried after a backoff).
//!
//! Work deferred at a cap is done here, not retried: the reconciler launches
//! it when room frees up, and retrying it every few seconds would only spend
//! ECS and Jenkins calls on a cap that is known to be full.

#[cfg(test)]
mod tests;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use tracing::{error, info};

use crate::launch::{
    LaunchError, LaunchOutcome, Launcher, QueuedBuild, RetireError, RetireOutcome,
};
use crate::naming::AgentName;
use crate::ports::Ports;
use crate::protocol::{self, Buildable, ParseError, WebhookEvent};
use crate::workqueue::Work;

/// What acting on one piece of work did.
#[derive(Debug, Clone, PartialEq)]
pub struct Handled {
    /// The outcome's class, as an HTTP status (see the module docs).
    pub status: u16,
    /// What was done, as JSON (`outcome`, and `node`, `task`, `reason`…).
    pub body: Value,
}

impl Handled {
    fn new(status: u16, body: Value) -> Self {
        Self { status, body }
    }

    /// Whether the work should be tried again later (it may then succeed).
    pub fn retry_later(&self) -> bool {
        self.status == 503
    }
}

/// The launch worker of one deployment.
#[derive(Debug)]
pub struct Worker<P: Ports> {
    launcher: Launcher<P>,
}

impl<P: Ports> Worker<P> {
    /// A worker launching through `launcher`.
    pub fn new(launcher: Launcher<P>) -> Self {
        Self { launcher }
    }

    /// The launcher, for tests and other entry points.
    pub fn launcher(&self) -> &Launcher<P> {
        &self.launcher
    }

    /// Acts on `work` at `now`.
    pub async fn handle(&self, work: &Work, now: SystemTime) -> Handled {
        let body = serde_json::to_vec(&work.event).unwrap_or_default();
        let handled = match protocol::parse(&body) {
            Ok(event) => self.dispatch(event, now).await,
            // The webhook recorded only events it parsed: this message did
            // not come from it. Retrying cannot help.
            Err(ParseError::Malformed(reason) | ParseError::UnknownType(reason)) => {
                error!(%reason, "work message is not an event; dropped");
                Handled::new(400, json!({ "outcome": "rejected", "reason": reason }))
            }
        };
        let waited_ms = millis(now).saturating_sub(work.received_ms);
        info!(status = handled.status, outcome = %handled.body["outcome"], waited_ms, "work handled");
        handled
    }

    async fn dispatch(&self, event: WebhookEvent, now: SystemTime) -> Handled {
        match event {
            WebhookEvent::QueueBuildable(event) => {
                launched(self.launcher.launch(&queued_build(&event, now)).await)
            }
            WebhookEvent::QueueLeft(event) if event.item.cancelled => {
                retired(self.launcher.cancel(event.item.id).await)
            }
            WebhookEvent::QueueLeft(event) => Handled::new(
                202,
                json!({ "outcome": "ignored", "reason": format!("queue item {} started", event.item.id) }),
            ),
            WebhookEvent::AgentReleased(event) => {
                retired(self.launcher.release(&AgentName::new(event.node)).await)
            }
            // The webhook counts these itself and never records them.
            WebhookEvent::AgentOnline(_) | WebhookEvent::BuildStarted(_) => Handled::new(
                202,
                json!({ "outcome": "ignored", "reason": "time to start is the webhook's to record" }),
            ),
        }
    }
}

fn millis(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis() as u64
}

fn queued_build(event: &Buildable, now: SystemTime) -> QueuedBuild {
    QueuedBuild {
        queue_item: event.item.id,
        label: event.item.label.clone(),
        job_name: event.item.task.as_ref().map(|t| t.name.clone()),
        in_queue_since: event.item.in_queue_since,
        // Counted from the emitter's event time, so time spent in the work
        // queue counts too: old news is checked against Jenkins first. An
        // event time in the future (clock skew) counts as brand new.
        age: Some(Duration::from_millis(
            millis(now).saturating_sub(event.event_time),
        )),
        verified_queued: false,
    }
}

fn launched(result: Result<LaunchOutcome, LaunchError>) -> Handled {
    match result {
        Ok(outcome) => {
            let status = match outcome {
                LaunchOutcome::Launched { .. } | LaunchOutcome::AlreadyLaunching { .. } => 200,
                LaunchOutcome::Deferred { .. } | LaunchOutcome::Ignored { .. } => 202,
            };
            Handled::new(status, serde_json::to_value(&outcome).unwrap_or_default())
        }
        Err(error) => failed(&error),
    }
}

fn retired(result: Result<RetireOutcome, RetireError>) -> Handled {
    match result {
        Ok(outcome @ RetireOutcome::Ignored { .. }) => {
            Handled::new(202, serde_json::to_value(&outcome).unwrap_or_default())
        }
        Ok(outcome) => Handled::new(200, serde_json::to_value(&outcome).unwrap_or_default()),
        Err(error) => unsuccessful(&error, error.is_retryable()),
    }
}

fn failed(error: &LaunchError) -> Handled {
    match error {
        LaunchError::AlreadyServed { .. } => Handled::new(
            202,
            json!({ "outcome": "already-launched", "reason": error.to_string() }),
        ),
        LaunchError::Retryable(_) => unsuccessful(error, true),
        LaunchError::Permanent(_) => unsuccessful(error, false),
    }
}

/// 503 for what may succeed later, else 422.
fn unsuccessful(error: &dyn std::fmt::Display, retryable: bool) -> Handled {
    let body = json!({ "outcome": "failed", "reason": error.to_string() });
    Handled::new(if retryable { 503 } else { 422 }, body)
}
