//! Time to start in the local run: what the emitter posts when an agent
//! comes online and accepts its build (`agent.online`, `build.started`), and
//! the lifecycle times ECS puts in a STOPPED task event, with what the
//! functions recorded from them shown in the table.
//!
//! moto runs no container and keeps no task timestamps, so the scenario
//! plays ECS's and the agent's side on a fixed timeline from the moment the
//! function's launch returned (measured): [`PROVISIONING_MS`] until the pull
//! starts, [`PULL_MS`] to pull, [`START_MS`] until the container runs,
//! [`CONNECT_MS`] until the agent is online, [`ACCEPT_MS`] until it accepts
//! its build. The ECS parts are therefore the same on every run; the queue
//! figures add the measured time to launch.

use serde_json::{Value, json};

use super::{Row, say};
use crate::functions::Functions;
use crate::{Backends, WEBHOOK_SECRET, now_secs, signed};

/// `createdAt` → `pullStartedAt`.
pub const PROVISIONING_MS: u64 = 1_500;
/// `pullStartedAt` → `pullStoppedAt`.
pub const PULL_MS: u64 = 4_000;
/// `pullStoppedAt` → `startedAt`.
pub const START_MS: u64 = 500;
/// `startedAt` → the agent connected (`agent.online`).
pub const CONNECT_MS: u64 = 2_000;
/// Online → the build accepted (`build.started`).
pub const ACCEPT_MS: u64 = 100;

/// The task's lifecycle times, epoch ms: created, pull started, pull
/// stopped, started.
fn timeline(launched_at: u64) -> [u64; 4] {
    let pull = launched_at + PROVISIONING_MS;
    [launched_at, pull, pull + PULL_MS, pull + PULL_MS + START_MS]
}

fn iso(ms: u64) -> String {
    chrono::DateTime::from_timestamp_millis(ms as i64)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The STOPPED `event` of the row's task with ECS's lifecycle times: all
/// four for a task that ran, only `createdAt` and `pullStartedAt` for one
/// whose image could not be pulled.
pub(super) fn with_ecs_times(mut event: Value, row: &Row, pull_failed: bool) -> Value {
    let Some(launched_at) = row.launched_at else {
        return event;
    };
    let [created, pull, pulled, started] = timeline(launched_at);
    let detail = &mut event["detail"];
    detail["createdAt"] = json!(iso(created));
    detail["pullStartedAt"] = json!(iso(pull));
    if !pull_failed {
        detail["pullStoppedAt"] = json!(iso(pulled));
        detail["startedAt"] = json!(iso(started));
    }
    event
}

/// What the emitter posts once the row's agent connected and took its
/// build; the webhook's answers go into the row (or its problem).
pub(super) async fn report_start<F: Functions>(
    backends: &Backends,
    functions: &F,
    row: &mut Row,
) -> anyhow::Result<()> {
    let (Some(launched_at), Some(in_queue_since)) =
        (row.launched_at, in_queue_since(backends, row.item))
    else {
        row.fail("the agent's launch time or its item's inQueueSince is unknown".into());
        return Ok(());
    };
    let online_at = timeline(launched_at)[3] + CONNECT_MS;
    let item = json!({"id": row.item, "inQueueSince": in_queue_since});
    let online =
        json!({"type": "agent.online", "eventTime": online_at, "node": row.node, "item": item});
    row.online_ms = recorded(functions, &online, row).await?;
    let started = json!({"type": "build.started", "eventTime": online_at + ACCEPT_MS, "node": row.node, "item": item});
    row.build_start_ms = recorded(functions, &started, row).await?;
    say(&format!(
        "agent {} online after {} ms in the queue, its build started after {} ms",
        row.node,
        row.online_ms.unwrap_or_default(),
        row.build_start_ms.unwrap_or_default()
    ));
    Ok(())
}

/// `inQueueSince` of the item, waiting or recently left, as the emitter
/// reads it (`Queue.getItem`).
fn in_queue_since(backends: &Backends, id: u64) -> Option<u64> {
    let jenkins = &backends.jenkins;
    let waiting = jenkins
        .queue()
        .into_iter()
        .find(|q| q.id == id)
        .map(|q| q.in_queue_since);
    let since = waiting.or_else(|| jenkins.left_item(id).map(|l| l.item.in_queue_since))?;
    u64::try_from(since).ok()
}

/// Posts one milestone; the milliseconds the webhook recorded.
async fn recorded<F: Functions>(
    functions: &F,
    event: &Value,
    row: &mut Row,
) -> anyhow::Result<Option<u64>> {
    let request = signed(&event.to_string(), Some(WEBHOOK_SECRET), now_secs());
    let answer = functions.webhook(&request).await?;
    if answer.status != 200 || answer.body["outcome"] != "recorded" {
        row.fail(format!(
            "{} was answered {} {}",
            event["type"], answer.status, answer.body
        ));
        return Ok(None);
    }
    Ok(answer.body["ms"].as_u64())
}

/// The parts ECS spent, as task-stopped's answer gives them.
pub(super) fn ecs_parts(answer: &Value) -> Option<[Option<u64>; 3]> {
    let ecs = answer.get("ecs")?;
    Some(["provisioningMs", "imagePullMs", "startMs"].map(|k| ecs[k].as_u64()))
}
