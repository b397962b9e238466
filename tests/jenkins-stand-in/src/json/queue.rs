//! `/queue/api/json` (`hudson.model.Queue`) and `/queue/item/ID/api/json`.

use serde_json::{Map, Value, json};

use super::computers::executable;
use crate::permissions::JobAccess;
use crate::state::State;
use crate::state::queue::{LeftItem, QueueItem, Stage, Task};
use crate::why::{label_is_offline, label_nodes, why};

const STUCK_AFTER_MS: i64 = 24 * 3_600_000;

/// The queue as `Queue.getItems()` lists it: waiting, blocked, then buildable items
/// newest first (so the item most likely to run next comes last), leaving out the items of
/// jobs the API users may not read. `getDiscoverableItems()` names those of jobs they may
/// discover, but only for jobs proper: a `node` block's task is not a job
/// (docs/jenkins-api.md §13).
pub fn queue(state: &State, now: i64) -> Value {
    let mut waiting: Vec<&QueueItem> = state
        .queue
        .iter()
        .filter(|i| matches!(i.stage, Stage::Waiting { .. }))
        .collect();
    waiting.sort_by_key(|i| (waiting_until(i), i.id));
    let blocked = state
        .queue
        .iter()
        .filter(|i| matches!(i.stage, Stage::Blocked { .. }));
    let buildable = state
        .queue
        .iter()
        .rev()
        .filter(|i| matches!(i.stage, Stage::Buildable { .. }));
    let listed: Vec<&QueueItem> = waiting
        .into_iter()
        .chain(blocked)
        .chain(buildable)
        .collect();
    let access = |i: &QueueItem| state.permissions.job_access(i.task.job());
    let items: Vec<Value> = listed
        .iter()
        .filter(|i| access(i) == JobAccess::Read)
        .map(|i| live_item(state, i, now))
        .collect();
    // `StubTask` exports `Task.getName()`: a job's own name, not its full name.
    let discoverable: Vec<Value> = listed
        .iter()
        .filter(|i| access(i) == JobAccess::Discover)
        .filter_map(|i| match &i.task {
            Task::Job { name } => Some(json!({ "task": { "name": short_name(name) } })),
            Task::Placeholder { .. } => None,
        })
        .collect();
    json!({ "_class": "hudson.model.Queue", "discoverableItems": discoverable, "items": items })
}

fn waiting_until(item: &QueueItem) -> i64 {
    match item.stage {
        Stage::Waiting { until } => until,
        _ => 0,
    }
}

/// A waiting, blocked or buildable item.
pub fn live_item(state: &State, item: &QueueItem, now: i64) -> Value {
    let (class, blocked, buildable) = match item.stage {
        Stage::Waiting { .. } => ("hudson.model.Queue$WaitingItem", false, false),
        Stage::Blocked { .. } => ("hudson.model.Queue$BlockedItem", true, false),
        Stage::Buildable { .. } => ("hudson.model.Queue$BuildableItem", false, true),
    };
    let mut out = common_fields(state, item, class);
    out.insert("blocked".into(), json!(blocked));
    out.insert("buildable".into(), json!(buildable));
    out.insert("stuck".into(), json!(is_stuck(state, item, now)));
    out.insert("why".into(), json!(why(state, item, now)));
    match item.stage {
        Stage::Waiting { until } => {
            out.insert("timestamp".into(), json!(until));
        }
        Stage::Blocked {
            buildable_start, ..
        } => {
            out.insert("buildableStartMilliseconds".into(), json!(buildable_start));
        }
        Stage::Buildable { buildable_start } => {
            out.insert("buildableStartMilliseconds".into(), json!(buildable_start));
            out.insert("pending".into(), json!(false));
        }
    }
    Value::Object(out)
}

/// An item that left the queue: started (`executable`) or cancelled.
pub fn left_item(state: &State, left: &LeftItem) -> Value {
    let mut out = common_fields(state, &left.item, "hudson.model.Queue$LeftItem");
    out.insert("blocked".into(), json!(false));
    out.insert("buildable".into(), json!(false));
    out.insert("stuck".into(), json!(false));
    out.insert("why".into(), Value::Null);
    out.insert("cancelled".into(), json!(left.cancelled()));
    let exe = left.executable.as_ref().map(|x| executable(state, x));
    out.insert("executable".into(), exe.unwrap_or(Value::Null));
    Value::Object(out)
}

fn common_fields(state: &State, item: &QueueItem, class: &str) -> Map<String, Value> {
    let params: String = item
        .params
        .iter()
        .map(|(k, v)| format!("\n{k}={v}"))
        .collect();
    let mut out = Map::new();
    out.insert("_class".into(), json!(class));
    out.insert("actions".into(), actions(item));
    out.insert("id".into(), json!(item.id));
    out.insert("inQueueSince".into(), json!(item.in_queue_since));
    out.insert("params".into(), json!(params));
    out.insert("task".into(), task(state, &item.task));
    out.insert("url".into(), json!(format!("queue/item/{}/", item.id)));
    out
}

/// `BuildableItem.isStuck()`: at once when the label is offline, else after 24 hours
/// (the stand-in's tasks have no duration estimate).
fn is_stuck(state: &State, item: &QueueItem, now: i64) -> bool {
    let Stage::Buildable { buildable_start } = item.stage else {
        return false;
    };
    let offline = item
        .label
        .as_ref()
        .is_some_and(|l| label_is_offline(&label_nodes(state, l)));
    offline || now - buildable_start > STUCK_AFTER_MS
}

fn actions(item: &QueueItem) -> Value {
    let mut actions = Vec::new();
    if !item.params.is_empty() {
        let parameters: Vec<Value> = item
            .params
            .iter()
            .map(|(name, value)| {
                json!({ "_class": "hudson.model.StringParameterValue", "name": name, "value": value })
            })
            .collect();
        actions
            .push(json!({ "_class": "hudson.model.ParametersAction", "parameters": parameters }));
    }
    if let Some(user) = &item.started_by {
        let cause = json!({
            "_class": "hudson.model.Cause$UserIdCause",
            "shortDescription": format!("Started by user {user}"),
            "userId": user,
            "userName": user,
        });
        actions.push(json!({ "_class": "hudson.model.CauseAction", "causes": [cause] }));
    }
    Value::Array(actions)
}

/// The task: a freestyle job (absolute URL) or a Pipeline `node` block (relative run URL).
pub fn task(state: &State, task: &Task) -> Value {
    match task {
        Task::Job { name } => json!({
            "_class": "hudson.model.FreeStyleProject",
            "name": short_name(name),
            "url": format!("{}{}", state.settings.root_url, task.job_url()),
            "color": job_color(state, task),
        }),
        Task::Placeholder { .. } => json!({
            "_class": "org.jenkinsci.plugins.workflow.support.steps.ExecutorStepExecution$PlaceholderTask",
            "fullDisplayName": task.name(),
            "name": task.name(),
            "url": task.url(),
        }),
    }
}

/// A job's own name: the last part of its full name.
fn short_name(full_name: &str) -> &str {
    full_name.rsplit('/').next().unwrap_or(full_name)
}

/// `Job.getIconColor()`: `notbuilt` before the first build, `blue` after, `_anime` while
/// one runs (the stand-in's builds always succeed).
fn job_color(state: &State, task: &Task) -> String {
    let Task::Job { name } = task else {
        return "notbuilt".to_owned();
    };
    let base = if state.next_build.contains_key(name) {
        "blue"
    } else {
        "notbuilt"
    };
    let running = state
        .computers()
        .flat_map(|c| &c.executors)
        .filter_map(|e| e.current.as_ref())
        .any(|x| &x.task == task);
    if running {
        format!("{base}_anime")
    } else {
        base.to_owned()
    }
}
