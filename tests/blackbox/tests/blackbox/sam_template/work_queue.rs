//! The work queue between the webhook and the launch worker: durable, paced, never dropping
//! work silently, and watched (docs/how-it-works.md, "Intake and pacing"; docs/aws.md §27).

use serde_json::{Value, json};

use super::eval::Stack;
use super::{function, resources, template};

fn queue<'t>(t: &'t Value, id: &str) -> &'t Value {
    let queue = &t["Resources"][id];
    assert_eq!(queue["Type"], "AWS::SQS::Queue", "{id}");
    &queue["Properties"]
}

/// The launch worker's SQS event source.
fn work_event(t: &Value) -> &Value {
    let events = function(t, "launch-worker")["Properties"]["Events"]
        .as_object()
        .expect("the launch worker has events");
    let sqs: Vec<&Value> = events.values().filter(|e| e["Type"] == "SQS").collect();
    assert_eq!(sqs.len(), 1, "{events:?}");
    &sqs[0]["Properties"]
}

#[test]
fn work_that_keeps_failing_is_set_aside_in_a_dead_letter_queue_not_dropped() {
    let t = template();
    let work = queue(&t, "WorkQueue");
    let redrive = &work["RedrivePolicy"];
    assert_eq!(
        redrive["deadLetterTargetArn"],
        json!({"Fn::GetAtt": ["WorkDeadLetters", "Arn"]})
    );
    assert_eq!(redrive["maxReceiveCount"], 20);
    // The dead letters outlive the work queue's own retention: 14 days, the maximum.
    let dead = queue(&t, "WorkDeadLetters");
    assert_eq!(dead["MessageRetentionPeriod"], 1_209_600);
    for properties in [work, dead] {
        assert_eq!(properties["SqsManagedSseEnabled"], true);
    }
}

#[test]
fn work_in_flight_is_hidden_for_six_times_the_launch_workers_timeout() {
    // AWS' advice for an event source: no second delivery while an invocation still works.
    let t = template();
    let timeout = function(&t, "launch-worker")["Properties"]["Timeout"]
        .as_u64()
        .or_else(|| t["Globals"]["Function"]["Timeout"].as_u64())
        .expect("a timeout");
    assert_eq!(queue(&t, "WorkQueue")["VisibilityTimeout"], 6 * timeout);
}

#[test]
fn the_launch_worker_takes_one_message_at_a_time_at_a_bounded_concurrency() {
    let t = template();
    let event = work_event(&t);
    assert_eq!(event["Queue"], json!({"Fn::GetAtt": ["WorkQueue", "Arn"]}));
    assert_eq!(event["BatchSize"], 1);
    assert_eq!(
        event["FunctionResponseTypes"],
        json!(["ReportBatchItemFailures"])
    );
    assert_eq!(
        event["ScalingConfig"]["MaximumConcurrency"],
        json!({"Ref": "LaunchConcurrency"})
    );
    let parameter = &t["Parameters"]["LaunchConcurrency"];
    // The event source's own bounds start at 2.
    assert_eq!(
        (&parameter["Default"], &parameter["MinValue"]),
        (&json!(10), &json!(2))
    );
}

#[test]
fn the_webhook_and_the_launch_worker_are_told_the_queue() {
    let t = template();
    let stack = Stack::new(&t, &[]);
    for binary in ["queue-webhook", "launch-worker"] {
        let variables = stack
            .resolve(&function(&t, binary)["Properties"]["Environment"]["Variables"])
            .expect("variables");
        assert_eq!(variables["WORK_QUEUE_URL"], "<WorkQueue>", "{binary}");
    }
}

#[test]
fn old_work_and_set_aside_work_raise_alarms() {
    let t = template();
    let watched: Vec<(String, String)> = resources(&t)
        .filter(|(_, r)| r["Type"] == "AWS::CloudWatch::Alarm")
        .filter(|(_, r)| r["Properties"]["Namespace"] == "AWS/SQS")
        .map(|(_, r)| {
            let p = &r["Properties"];
            (
                p["MetricName"].as_str().unwrap_or_default().to_owned(),
                p["Dimensions"][0]["Value"]["Fn::GetAtt"][0]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect();
    for expected in [
        ("ApproximateAgeOfOldestMessage", "WorkQueue"),
        ("ApproximateNumberOfMessagesVisible", "WorkDeadLetters"),
    ] {
        assert!(
            watched.contains(&(expected.0.to_owned(), expected.1.to_owned())),
            "{expected:?} not in {watched:?}"
        );
    }
}
