//! Builds the EventBridge "ECS Task State Change" event ECS emits for a
//! task, in the documented shape (docs/aws.md §1; ISO-8601 timestamps, the
//! overrides repeated), from what DescribeTasks reports about it.

use aws_sdk_ecs::types::Task;
use serde_json::{Value, json};

/// The STOPPED event of `task`. moto leaves `stopCode` and the stop times
/// empty, so a task stopped through StopTask gets what ECS sets then:
/// `UserInitiated` and now.
pub fn stopped_event(task: &Task) -> Value {
    let now = chrono_now();
    let environment = |o: &aws_sdk_ecs::types::ContainerOverride| -> Vec<Value> {
        o.environment()
            .iter()
            .map(|kv| json!({"name": kv.name(), "value": kv.value()}))
            .collect()
    };
    let overrides = task.overrides().map(|o| {
        let containers: Vec<Value> = o
            .container_overrides()
            .iter()
            .map(|c| json!({"name": c.name(), "environment": environment(c)}))
            .collect();
        json!({"containerOverrides": containers})
    });
    let containers: Vec<Value> = task
        .containers()
        .iter()
        .map(|c| json!({"containerArn": c.container_arn(), "name": c.name(), "lastStatus": "STOPPED", "exitCode": c.exit_code().or(Some(143)), "taskArn": task.task_arn()}))
        .collect();
    json!({
        "version": "0",
        "id": format!("bb-{}", task.task_arn().unwrap_or_default().rsplit('/').next().unwrap_or_default()),
        "detail-type": "ECS Task State Change",
        "source": "aws.ecs",
        "account": "123456789012",
        "time": now,
        "region": "us-east-1",
        "resources": [task.task_arn()],
        "detail": {
            "taskArn": task.task_arn(),
            "clusterArn": task.cluster_arn(),
            "taskDefinitionArn": task.task_definition_arn(),
            "lastStatus": "STOPPED",
            "desiredStatus": "STOPPED",
            "version": task.version().max(2),
            "startedBy": task.started_by(),
            "group": task.group(),
            "launchType": task.launch_type().map(|l| l.as_str()),
            "stopCode": task.stop_code().map_or("UserInitiated", |c| c.as_str()),
            "stoppedReason": task.stopped_reason(),
            "createdAt": now,
            "startedAt": now,
            "stoppingAt": now,
            "stoppedAt": now,
            "containers": containers,
            "overrides": overrides,
        }
    })
}

fn chrono_now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The event of `task` failing to start for `reason` (e.g. an image pull
/// error): STOPPED, `TaskFailedToStart`, no `startedAt`, no exit codes —
/// the shape docs/aws.md §1 documents for failed starts.
pub fn failed_start_event(task: &Task, reason: &str) -> Value {
    let mut event = stopped_event(task);
    let detail = &mut event["detail"];
    detail["stopCode"] = json!("TaskFailedToStart");
    detail["stoppedReason"] = json!(reason);
    detail.as_object_mut().map(|d| d.remove("startedAt"));
    for container in detail["containers"].as_array_mut().into_iter().flatten() {
        container.as_object_mut().map(|c| c.remove("exitCode"));
        container["reason"] = json!(reason);
    }
    event
}

/// The Fargate Spot interruption warning of a running `task`: still
/// RUNNING, desired STOPPED, `stopCode` `SpotInterruption`, stopping but not
/// stopped (docs/aws.md §1, `events/ecs/task-spot-interruption-warning.json`).
pub fn spot_warning_event(task: &Task) -> Value {
    let mut event = stopped_event(task);
    let detail = &mut event["detail"];
    detail["lastStatus"] = json!("RUNNING");
    detail["stopCode"] = json!("SpotInterruption");
    detail["stoppedReason"] = json!("Your Spot Task was interrupted.");
    detail["capacityProviderName"] = json!("FARGATE_SPOT");
    detail.as_object_mut().map(|d| d.remove("stoppedAt"));
    for container in detail["containers"].as_array_mut().into_iter().flatten() {
        container["lastStatus"] = json!("RUNNING");
        container.as_object_mut().map(|c| c.remove("exitCode"));
    }
    event
}

/// The SQS event Lambda's event source delivers for one message received
/// from the queue `queue_arn` (SQS' ReceiveMessage answer, JSON protocol).
pub fn sqs_event(message: &Value, queue_arn: &str) -> Value {
    let attributes = &message["Attributes"];
    serde_json::json!({
        "Records": [{
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": {
                "ApproximateReceiveCount": attributes["ApproximateReceiveCount"].as_str().unwrap_or("1"),
                "SentTimestamp": attributes["SentTimestamp"].as_str().unwrap_or("0"),
                "SenderId": attributes["SenderId"].as_str().unwrap_or("AIDAEXAMPLE"),
                "ApproximateFirstReceiveTimestamp": attributes["ApproximateFirstReceiveTimestamp"].as_str().unwrap_or("0"),
            },
            "messageAttributes": {},
            "md5OfBody": message["MD5OfBody"],
            "eventSource": "aws:sqs",
            "eventSourceARN": queue_arn,
            "awsRegion": "us-east-1",
        }]
    })
}
