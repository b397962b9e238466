//! Translates a batch of SQS messages into calls to `ecs_agents::worker`,
//! and their outcomes into a partial batch response: work to retry later is
//! put back with a backoff (`ChangeMessageVisibility`) and reported in
//! `batchItemFailures`, so SQS delivers it again when the backoff has passed
//! and the rest of the batch is deleted (docs/aws.md §27). A message that is
//! not recorded work is reported too, without a backoff: after the queue's
//! receive limit it lands in the dead-letter queue for an operator to read,
//! rather than being dropped.

use std::time::{SystemTime, UNIX_EPOCH};

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use ecs_agents::ports::Ports;
use ecs_agents::worker::{Handled, Worker};
use ecs_agents::workqueue::{Work, WorkQueue, backoff, seed_of};
use lambda_runtime::Diagnostic;
use tracing::{error, warn};

/// Handles one batch; the partial batch response is the function's result.
pub async fn handle<P: Ports, Q: WorkQueue>(
    worker: &Worker<P>,
    queue: &Q,
    event: SqsEvent,
) -> Result<SqsBatchResponse, Diagnostic> {
    Ok(handle_at(worker, queue, event, SystemTime::now()).await.0)
}

/// [`handle`] at `now`, with what each message's work did (`None` for a
/// message that is not work), for tests and the local run.
pub async fn handle_at<P: Ports, Q: WorkQueue>(
    worker: &Worker<P>,
    queue: &Q,
    event: SqsEvent,
    now: SystemTime,
) -> (SqsBatchResponse, Vec<Option<Handled>>) {
    let mut response = SqsBatchResponse::default();
    let mut outcomes = Vec::with_capacity(event.records.len());
    for message in &event.records {
        let id = message.message_id.clone().unwrap_or_default();
        let handled = match message.body.as_deref().map(Work::from_body) {
            Some(Ok(work)) => Some(worker.handle(&work, now).await),
            Some(Err(problem)) => {
                error!(message_id = %id, %problem, "message kept for the dead-letter queue");
                None
            }
            None => {
                error!(message_id = %id, "message without a body kept for the dead-letter queue");
                None
            }
        };
        let unreadable = handled.as_ref().is_none_or(|h| h.status == 400);
        if unreadable {
            response.batch_item_failures.push(failure(id));
        } else if handled.as_ref().is_some_and(Handled::retry_later) {
            postpone(queue, message, &id, now).await;
            response.batch_item_failures.push(failure(id));
        }
        outcomes.push(handled);
    }
    (response, outcomes)
}

/// Hides the message for the backoff its delivery count calls for. If that
/// fails, SQS still delivers it again after the queue's visibility timeout.
async fn postpone<Q: WorkQueue>(queue: &Q, message: &SqsMessage, id: &str, now: SystemTime) {
    let receives = message
        .attributes
        .get("ApproximateReceiveCount")
        .and_then(|n| n.parse().ok())
        .unwrap_or(1);
    let seed = seed_of(id) ^ now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
    let delay = backoff(receives, seed);
    let Some(receipt) = message.receipt_handle.as_deref() else {
        warn!(message_id = %id, "no receipt handle: retried after the queue's visibility timeout");
        return;
    };
    match queue.postpone(receipt, delay).await {
        Ok(()) => {
            tracing::info!(message_id = %id, receives, delay_s = delay.as_secs(), "work put back")
        }
        Err(error) => {
            warn!(message_id = %id, %error, "work not put back; retried after the queue's visibility timeout")
        }
    }
}

fn failure(id: String) -> BatchItemFailure {
    let mut failure = BatchItemFailure::default();
    failure.item_identifier = id;
    failure
}

#[cfg(test)]
mod tests;
