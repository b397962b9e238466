//! Records what is published to an EventBridge bus, so tests can assert on it.
//!
//! moto delivers matched events to SQS targets synchronously inside PutEvents,
//! so an event is readable as soon as the publisher's call returns.

use std::sync::Mutex;

use anyhow::{Context, anyhow};
use serde_json::{Value, json};

use crate::{Moto, resources::fake_authorization};

/// The events published to one bus, collected through a rule with an SQS target.
pub struct EventCapture {
    http: reqwest::Client,
    endpoint: String,
    queue_url: String,
    received: Mutex<Vec<Value>>,
}

impl Moto {
    /// Starts recording every event published to `bus`, creating the bus when it
    /// is not `default` and does not exist yet.
    ///
    /// A rule on the bus matches every event (`source` prefix `""`) and targets a
    /// fresh SQS queue that [`EventCapture::captured_events`] reads back.
    pub async fn create_event_bus_capture(&self, bus: &str) -> anyhow::Result<EventCapture> {
        let events = aws_sdk_eventbridge::Client::new(&self.sdk_config());
        if bus != "default" {
            create_bus_if_missing(&events, bus).await?;
        }
        let name = format!("capture-{}", sanitize(bus));
        let http = self.http.clone();
        let endpoint = self.endpoint();
        let created = sqs(&http, &endpoint, "CreateQueue", json!({"QueueName": name})).await?;
        let queue_url = string_field(&created, "QueueUrl")?;
        let attributes = json!({"QueueUrl": queue_url, "AttributeNames": ["QueueArn"]});
        let attributes = sqs(&http, &endpoint, "GetQueueAttributes", attributes).await?;
        let queue_arn = string_field(&attributes["Attributes"], "QueueArn")?;

        events
            .put_rule()
            .name(&name)
            .event_bus_name(bus)
            .event_pattern(json!({"source": [{"prefix": ""}]}).to_string())
            .send()
            .await
            .with_context(|| format!("creating rule {name} on bus {bus}"))?;
        let target = aws_sdk_eventbridge::types::Target::builder()
            .id("capture")
            .arn(queue_arn)
            .build()?;
        events
            .put_targets()
            .rule(&name)
            .event_bus_name(bus)
            .targets(target)
            .send()
            .await
            .with_context(|| format!("targeting rule {name} at its queue"))?;
        Ok(EventCapture {
            http,
            endpoint,
            queue_url,
            received: Mutex::new(Vec::new()),
        })
    }
}

impl EventCapture {
    /// Every event captured so far, oldest first, as the JSON envelope EventBridge
    /// delivers (`source`, `detail-type`, `detail`, …; moto omits `account`).
    pub async fn captured_events(&self) -> anyhow::Result<Vec<Value>> {
        loop {
            let batch = json!({"QueueUrl": self.queue_url, "MaxNumberOfMessages": 10});
            let batch = self.sqs("ReceiveMessage", batch).await?;
            let messages = batch["Messages"].as_array().cloned().unwrap_or_default();
            if messages.is_empty() {
                break;
            }
            self.keep(&messages)?;
            // Deleted once kept, so the next call reads only newer events.
            let entries: Vec<Value> = messages
                .iter()
                .enumerate()
                .map(|(i, m)| json!({"Id": i.to_string(), "ReceiptHandle": m["ReceiptHandle"]}))
                .collect();
            let delete = json!({"QueueUrl": self.queue_url, "Entries": entries});
            self.sqs("DeleteMessageBatch", delete).await?;
        }
        Ok(self.received.lock().expect("capture lock").clone())
    }

    fn keep(&self, messages: &[Value]) -> anyhow::Result<()> {
        let mut received = self.received.lock().expect("capture lock");
        for message in messages {
            let body = string_field(message, "Body")?;
            received.push(serde_json::from_str(&body).context("captured event is not JSON")?);
        }
        Ok(())
    }

    async fn sqs(&self, action: &str, body: Value) -> anyhow::Result<Value> {
        sqs(&self.http, &self.endpoint, action, body).await
    }
}

async fn create_bus_if_missing(
    events: &aws_sdk_eventbridge::Client,
    bus: &str,
) -> anyhow::Result<()> {
    match events.create_event_bus().name(bus).send().await {
        Ok(_) => Ok(()),
        Err(error)
            if error
                .as_service_error()
                .is_some_and(|e| e.is_resource_already_exists_exception()) =>
        {
            Ok(())
        }
        Err(error) => Err(error).with_context(|| format!("creating event bus {bus}")),
    }
}

/// Calls SQS's JSON protocol directly: a handful of calls do not justify
/// aws-sdk-sqs in the harness.
pub(crate) async fn sqs(
    http: &reqwest::Client,
    endpoint: &str,
    action: &str,
    body: Value,
) -> anyhow::Result<Value> {
    let response = http
        .post(endpoint)
        .header("Authorization", fake_authorization("sqs"))
        .header("X-Amz-Target", format!("AmazonSQS.{action}"))
        .header("Content-Type", "application/x-amz-json-1.0")
        .body(body.to_string())
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .with_context(|| format!("SQS {action}"))?;
    response
        .json()
        .await
        .with_context(|| format!("SQS {action} answer"))
}

pub(crate) fn string_field(value: &Value, field: &str) -> anyhow::Result<String> {
    value[field]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| anyhow!("no string {field} in {value}"))
}

/// Queue names allow letters, digits, `-` and `_`; bus names also allow `.` and `/`.
fn sanitize(bus: &str) -> String {
    bus.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}
