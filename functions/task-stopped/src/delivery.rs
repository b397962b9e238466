//! What task-stopped is invoked with. EventBridge hands it the "ECS Task
//! State Change" event itself. Events that failed end in the failed-events
//! queue in one of two shapes (docs/aws.md §16): the event unchanged (the
//! rule's dead-letter queue, when EventBridge could not deliver it) or a
//! Lambda on-failure record that wraps it in `requestPayload` (when every
//! attempt of the function failed). Both are accepted, so a message from
//! that queue can be sent back to the function as it is: redriving needs no
//! tool that knows the shapes (docs/deploy.md, "Redriving failed events").

use serde_json::Value;

use crate::TaskStateChangeEvent;

/// One invocation's payload: the task event, unwrapped if it came wrapped.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The EventBridge event.
    pub event: TaskStateChangeEvent,
    /// It came as a Lambda on-failure record (a redrive from the
    /// failed-events queue).
    pub from_failure_record: bool,
}

impl Delivery {
    /// Reads an invocation's payload. The error names what is missing or
    /// mistyped, never the payload, which carries the agent's secret.
    pub fn from_payload(payload: Value) -> Result<Self, serde_json::Error> {
        let (event, from_failure_record) = task_event(payload);
        Ok(Self {
            event: serde_json::from_value(event)?,
            from_failure_record,
        })
    }
}

/// The EventBridge event in an invocation `payload`, and whether it came
/// wrapped: the payload itself, or the `requestPayload` of a Lambda
/// on-failure destination record (an object with `requestPayload` and no
/// `detail-type`).
pub fn task_event(payload: Value) -> (Value, bool) {
    match payload {
        Value::Object(mut record)
            if record.contains_key("requestPayload") && !record.contains_key("detail-type") =>
        {
            let event = record.remove("requestPayload").unwrap_or_default();
            (event, true)
        }
        event => (event, false),
    }
}
