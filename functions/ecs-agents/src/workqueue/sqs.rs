//! The real [`WorkQueue`]: an SQS standard queue (docs/aws.md §27).
//!
//! `SendMessage` returns once SQS has stored the message redundantly, which
//! is what the webhook's 202 promises. `ChangeMessageVisibility` puts a
//! delivered message back for later: SQS delivers it again when the new
//! timeout runs out, counting the receive towards the dead-letter redrive.

use std::time::Duration;

use aws_sdk_sqs::Client;
use aws_sdk_sqs::error::DisplayErrorContext;

use super::{QueueError, Work, WorkQueue};

/// SQS holds a message's visibility timeout to 12 hours.
const MAX_VISIBILITY: Duration = Duration::from_secs(12 * 60 * 60);

/// One SQS queue, by URL.
#[derive(Debug, Clone)]
pub struct SqsWorkQueue {
    client: Client,
    queue_url: String,
}

impl SqsWorkQueue {
    /// The queue at `queue_url`.
    pub fn new(client: Client, queue_url: impl Into<String>) -> Self {
        Self {
            client,
            queue_url: queue_url.into(),
        }
    }
}

impl WorkQueue for SqsWorkQueue {
    async fn record(&self, work: &Work) -> Result<(), QueueError> {
        self.client
            .send_message()
            .queue_url(&self.queue_url)
            .message_body(work.to_body())
            .send()
            .await
            .map_err(|e| QueueError(format!("SendMessage: {}", DisplayErrorContext(&e))))?;
        Ok(())
    }

    async fn postpone(&self, receipt: &str, delay: Duration) -> Result<(), QueueError> {
        let seconds = delay.min(MAX_VISIBILITY).as_secs();
        self.client
            .change_message_visibility()
            .queue_url(&self.queue_url)
            .receipt_handle(receipt)
            .visibility_timeout(i32::try_from(seconds).unwrap_or(i32::MAX))
            .send()
            .await
            .map_err(|e| {
                QueueError(format!(
                    "ChangeMessageVisibility: {}",
                    DisplayErrorContext(&e)
                ))
            })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_sqs::operation::change_message_visibility::ChangeMessageVisibilityOutput;
    use aws_sdk_sqs::operation::send_message::{SendMessageError, SendMessageOutput};
    use aws_sdk_sqs::types::error::InvalidMessageContents;
    use aws_smithy_mocks::{RuleMode, mock, mock_client};
    use serde_json::json;

    use super::*;

    const URL: &str = "https://sqs.eu-west-1.amazonaws.com/1/ecs-agents-work";

    fn work() -> Work {
        Work {
            received_ms: 1_764_270_000_000,
            event: json!({"type": "queue.buildable", "item": {"id": 4, "label": "linux"}}),
        }
    }

    #[tokio::test]
    async fn work_is_sent_to_the_queue_as_its_json_body() {
        // GIVEN SQS stores what it is sent
        let expected = work().to_body();
        let send = mock!(Client::send_message)
            .match_requests(move |r| {
                r.queue_url() == Some(URL) && r.message_body() == Some(expected.as_str())
            })
            .then_output(|| SendMessageOutput::builder().message_id("m-1").build());
        let client = mock_client!(aws_sdk_sqs, RuleMode::MatchAny, [&send]);
        // WHEN work is recorded
        let result = SqsWorkQueue::new(client, URL).record(&work()).await;
        // THEN one message with the work's body went to the queue
        assert!(result.is_ok(), "{result:?}");
        assert_eq!(send.num_calls(), 1);
    }

    #[tokio::test]
    async fn a_refused_message_is_an_error_naming_the_call() {
        let send = mock!(Client::send_message).then_error(|| {
            SendMessageError::InvalidMessageContents(
                InvalidMessageContents::builder()
                    .message("bad characters")
                    .build(),
            )
        });
        let client = mock_client!(aws_sdk_sqs, [&send]);
        let error = SqsWorkQueue::new(client, URL)
            .record(&work())
            .await
            .unwrap_err();
        assert!(error.to_string().contains("SendMessage"), "{error}");
    }

    #[tokio::test]
    async fn postponing_sets_the_message_visibility_in_seconds() {
        let change = mock!(Client::change_message_visibility)
            .match_requests(|r| {
                r.queue_url() == Some(URL)
                    && r.receipt_handle() == Some("receipt-1")
                    && r.visibility_timeout() == Some(8)
            })
            .then_output(|| ChangeMessageVisibilityOutput::builder().build());
        let client = mock_client!(aws_sdk_sqs, RuleMode::MatchAny, [&change]);
        SqsWorkQueue::new(client, URL)
            .postpone("receipt-1", Duration::from_millis(8_400))
            .await
            .unwrap();
        assert_eq!(change.num_calls(), 1);
    }
}
