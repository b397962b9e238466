//! The failed-events queue's two shapes (docs/aws.md §16): the event as the
//! rule's dead-letter queue keeps it (unchanged, like every other sample),
//! and Lambda's on-failure record, which wraps it in `requestPayload`.

use super::*;

const RECORD: &str = "failed-event-on-failure-record.json";

fn record() -> Value {
    serde_json::from_str(&raw(&Path::new(SAMPLES).join(RECORD))).unwrap()
}

#[test]
fn the_on_failure_record_is_lambdas_invocation_record_of_failed_attempts() {
    let record = record();
    // Sorted: whether serde_json keeps the file's order depends on features.
    let mut fields: Vec<&str> = record
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "requestContext",
            "requestPayload",
            "responseContext",
            "responsePayload",
            "timestamp",
            "version"
        ]
    );
    let context = &record["requestContext"];
    assert_eq!(context["condition"], "RetriesExhausted");
    assert_eq!(
        context["approximateInvokeCount"], 3,
        "the first attempt and two retries"
    );
    assert!(
        context["functionArn"]
            .as_str()
            .unwrap()
            .contains(":function:ecs-agents-task-stopped")
    );
    assert_eq!(record["responseContext"]["functionError"], "Unhandled");
    assert_eq!(record["responsePayload"]["errorType"], "Retryable");
}

#[test]
fn as_it_comes_the_record_is_no_eventbridge_event() {
    // What a redrive would hit without unwrapping: no `detail-type`, no `source`.
    let text = raw(&Path::new(SAMPLES).join(RECORD));
    let parsed = serde_json::from_str::<TaskEvent>(&text);
    assert!(parsed.is_err());
}

#[test]
fn unwrapped_the_record_is_the_stopped_event_that_failed() {
    let (event, wrapped) = task_stopped::delivery::task_event(record());
    assert!(wrapped);
    let original: Value = serde_json::from_str(&raw(
        &Path::new(SAMPLES).join("task-stopped-build-finished.json")
    ))
    .unwrap();
    assert_eq!(event, original);
    assert!(sample(RECORD).detail.is_stopped());
}

#[test]
fn an_event_as_the_rule_dead_letters_it_is_taken_as_it_is() {
    let text = raw(&Path::new(SAMPLES).join("task-stopped-build-finished.json"));
    let (event, wrapped) = task_stopped::delivery::task_event(serde_json::from_str(&text).unwrap());
    assert!(!wrapped);
    assert_eq!(event, serde_json::from_str::<Value>(&text).unwrap());
}
