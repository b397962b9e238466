//! The work queue between the webhook and launch-worker, played as Lambda's
//! SQS event source plays it (docs/aws.md §27): receive what is visible,
//! invoke the function with one message per batch (the stack's BatchSize is
//! 1), delete each message the function did not report in
//! `batchItemFailures`. A reported message stays, hidden for the backoff the
//! function set; [`due_now`] plays the backoff passing.

use serde_json::Value;
use test_harness::SqsQueue;

use crate::events::sqs_event;
use crate::functions::Functions;

/// The queue's ARN as the event source names it.
const QUEUE_ARN: &str = "arn:aws:sqs:us-east-1:123456789012:ecs-agents-work";

/// One message delivered to launch-worker and what became of it.
#[derive(Debug, Clone)]
pub struct Drained {
    /// The message's receipt handle from this delivery.
    pub receipt: String,
    /// The work it carried (the message body as JSON).
    pub body: Value,
    /// launch-worker reported it: it will be delivered again later.
    pub failed: bool,
}

/// Delivers every visible message to launch-worker until none is visible.
pub async fn drain<F: Functions>(work: &SqsQueue, functions: &F) -> anyhow::Result<Vec<Drained>> {
    let mut drained = Vec::new();
    loop {
        let messages = work.receive().await?;
        if messages.is_empty() {
            return Ok(drained);
        }
        for message in messages {
            drained.push(deliver(work, functions, &message).await?);
        }
    }
}

/// Makes every message in `drained` that was put back visible at once, as
/// if its backoff had passed; how many there were.
pub async fn due_now(work: &SqsQueue, drained: &[Drained]) -> anyhow::Result<usize> {
    let mut due = 0;
    for message in drained.iter().filter(|d| d.failed) {
        work.make_visible(&message.receipt).await?;
        due += 1;
    }
    Ok(due)
}

/// Delivers one received message to launch-worker and deletes it unless
/// the function reported it.
pub async fn deliver<F: Functions>(
    work: &SqsQueue,
    functions: &F,
    message: &Value,
) -> anyhow::Result<Drained> {
    let receipt = message["ReceiptHandle"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let response = functions
        .launch_worker(&sqs_event(message, QUEUE_ARN))
        .await?
        .map_err(|error| anyhow::anyhow!("launch-worker failed the batch: {error}"))?;
    let failed = response["batchItemFailures"]
        .as_array()
        .is_some_and(|failures| !failures.is_empty());
    if !failed {
        work.delete(&receipt).await?;
    }
    Ok(Drained {
        receipt,
        body: serde_json::from_str(message["Body"].as_str().unwrap_or("null"))
            .unwrap_or(Value::Null),
        failed,
    })
}
