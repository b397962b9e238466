//! An SQS queue in moto read the way Lambda's SQS event source reads it, for
//! playing the launch worker's trigger: receive what is visible, delete what
//! the function did not report as failed.

use anyhow::Context;
use serde_json::{Value, json};

use crate::Moto;
use crate::events::{sqs, string_field};

/// One queue, by URL.
pub struct SqsQueue {
    http: reqwest::Client,
    endpoint: String,
    url: String,
}

impl Moto {
    /// Creates the standard queue `name` with a visibility timeout of
    /// `visibility_s` seconds.
    pub async fn create_queue(&self, name: &str, visibility_s: u32) -> anyhow::Result<SqsQueue> {
        let http = self.http.clone();
        let endpoint = self.endpoint();
        let created = sqs(
            &http,
            &endpoint,
            "CreateQueue",
            json!({"QueueName": name, "Attributes": {"VisibilityTimeout": visibility_s.to_string()}}),
        )
        .await?;
        let url = string_field(&created, "QueueUrl")?;
        Ok(SqsQueue {
            http,
            endpoint,
            url,
        })
    }
}

impl SqsQueue {
    /// The queue's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    async fn call(&self, action: &str, body: Value) -> anyhow::Result<Value> {
        sqs(&self.http, &self.endpoint, action, body).await
    }

    /// Up to ten visible messages, as the event source receives them: each
    /// with its receipt handle and `ApproximateReceiveCount`, hidden for the
    /// queue's visibility timeout.
    pub async fn receive(&self) -> anyhow::Result<Vec<Value>> {
        let answer = self
            .call(
                "ReceiveMessage",
                json!({"QueueUrl": self.url, "MaxNumberOfMessages": 10, "MessageSystemAttributeNames": ["All"], "AttributeNames": ["All"]}),
            )
            .await?;
        Ok(answer["Messages"].as_array().cloned().unwrap_or_default())
    }

    /// Deletes a received message (the event source does so for each message
    /// the function did not report as failed).
    pub async fn delete(&self, receipt: &str) -> anyhow::Result<()> {
        self.call(
            "DeleteMessage",
            json!({"QueueUrl": self.url, "ReceiptHandle": receipt}),
        )
        .await
        .map(drop)
    }

    /// Makes a received (or put back) message visible again at once, as if
    /// its visibility timeout had run out.
    pub async fn make_visible(&self, receipt: &str) -> anyhow::Result<()> {
        self.call(
            "ChangeMessageVisibility",
            json!({"QueueUrl": self.url, "ReceiptHandle": receipt, "VisibilityTimeout": 0}),
        )
        .await
        .map(drop)
    }

    /// Messages in the queue, visible or not.
    pub async fn depth(&self) -> anyhow::Result<u64> {
        let answer = self
            .call(
                "GetQueueAttributes",
                json!({"QueueUrl": self.url, "AttributeNames": ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]}),
            )
            .await?;
        let count = |name: &str| -> anyhow::Result<u64> {
            answer["Attributes"][name]
                .as_str()
                .context("a count")?
                .parse()
                .with_context(|| format!("{name} is a number"))
        };
        Ok(count("ApproximateNumberOfMessages")? + count("ApproximateNumberOfMessagesNotVisible")?)
    }
}
