//! State changes shared by the Jenkins API handlers and the test controls. Each ends with
//! a queue maintenance pass, as Jenkins schedules one after every such change.

use std::time::Instant;

use ecs_agents::labels::LabelExpr;
use serde::{Deserialize, Serialize};

use crate::dispatch::maintain;
use crate::state::computer::{Computer, ComputerKind, NodeConfig, OfflineCause};
use crate::state::computer_listener::ComputerEvent;
use crate::state::queue::{Executable, LeftItem, QueueItem, Stage, Task};
use crate::state::{State, now_ms};

/// Why a control operation could not be carried out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "error", content = "message")]
pub enum ControlError {
    /// No such agent (or queue item).
    NotFound(String),
    /// The agent is already connected (Jenkins refuses a second connection).
    AlreadyConnected(String),
    /// The secret does not match the agent's.
    BadSecret(String),
    /// The request cannot be understood (e.g. an empty label expression).
    BadRequest(String),
}

impl std::fmt::Display for ControlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ControlError::NotFound(m)
            | ControlError::AlreadyConnected(m)
            | ControlError::BadSecret(m)
            | ControlError::BadRequest(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for ControlError {}

/// `Nodes.addNode`: adds the node, or replaces a same-named one, which keeps its
/// computer (connection, builds) as Jenkins does.
pub fn add_node(state: &mut State, config: NodeConfig) {
    match state.agents.get_mut(&config.name) {
        Some(existing) => {
            existing.config = config;
            existing.removed = false;
            existing.resize_executors();
        }
        None => {
            let name = config.name.clone();
            state
                .agents
                .insert(name, Computer::new(ComputerKind::Agent, config));
        }
    }
    maintain(state, now_ms());
}

/// Reconfigures the controller's own node (executors, labels, mode).
pub fn configure_built_in(state: &mut State, config: NodeConfig) {
    state.built_in.config = config;
    state.built_in.resize_executors();
    maintain(state, now_ms());
}

/// `Computer.doDoDelete`: removes the node. A computer still running a build lingers,
/// disconnected and with only its busy executors, until the build ends (docs/jenkins-api.md §3);
/// deleting a lingering computer removes it for good.
pub fn delete_node(state: &mut State, name: &str) -> Result<(), ControlError> {
    let computer = state.agents.get_mut(name).ok_or_else(|| not_found(name))?;
    if computer.removed || computer.count_busy() == 0 {
        state.agents.remove(name);
    } else {
        computer.removed = true;
        computer.connected = false;
        computer.temporary_offline = None;
        computer.offline_cause = Some(OfflineCause::NodeRemoved {
            timestamp: now_ms(),
        });
        computer.executors.retain(|e| e.current.is_some());
    }
    maintain(state, now_ms());
    Ok(())
}

fn not_found(name: &str) -> ControlError {
    ControlError::NotFound(format!("no such agent: {name}"))
}

/// The computer named in a URL, mutable (`(built-in)` is the controller).
pub fn computer_mut<'a>(state: &'a mut State, name: &str) -> Option<&'a mut Computer> {
    match name {
        "(built-in)" | "(master)" => Some(&mut state.built_in),
        _ => state
            .agents
            .get_mut(name)
            .filter(|c| !c.removed && c.config.num_executors > 0),
    }
}

/// `Computer.doToggleOffline`: back online if temporarily offline, else offline with a
/// `UserCause` carrying the trimmed message.
pub fn toggle_offline(state: &mut State, name: &str, user: &str, message: Option<&str>) -> bool {
    let Some(computer) = computer_mut(state, name) else {
        return false;
    };
    if computer.temporary_offline.is_some() {
        computer.temporary_offline = None;
    } else {
        let cause = user_cause(user, message);
        computer.temporary_offline = Some(cause.clone());
        told_offline(state, name, &cause);
    }
    maintain(state, now_ms());
    true
}

/// `Computer.doChangeOfflineCause`: (stays or goes) temporarily offline with a new cause.
pub fn change_offline_cause(
    state: &mut State,
    name: &str,
    user: &str,
    message: Option<&str>,
) -> bool {
    let Some(computer) = computer_mut(state, name) else {
        return false;
    };
    let cause = user_cause(user, message);
    computer.temporary_offline = Some(cause.clone());
    told_offline(state, name, &cause);
    maintain(state, now_ms());
    true
}

/// `Node.setTemporaryOfflineCause` tells every `ComputerListener`, before the
/// request that set the cause is answered (docs/jenkins-api.md §24).
fn told_offline(state: &mut State, name: &str, cause: &OfflineCause) {
    state
        .computer_events
        .push(ComputerEvent::TemporarilyOffline {
            computer: name.to_owned(),
            cause: cause.description(),
        });
}

fn user_cause(user: &str, message: Option<&str>) -> OfflineCause {
    let message = message
        .map(crate::names::java_trim)
        .filter(|m| !m.is_empty());
    OfflineCause::User {
        user: user.to_owned(),
        message: message.map(str::to_owned),
        timestamp: now_ms(),
    }
}

/// A request to put work in the queue.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Enqueue {
    /// The label expression, read like Jenkins reads a job's label (lax: unparsable text
    /// becomes one atom); `None` or blank = may run anywhere.
    pub label: Option<String>,
    /// The job's full name (default `job`).
    pub job: Option<String>,
    /// `Some(N)`: a Pipeline `node` block of run `job #N`; `None`: a freestyle build.
    pub pipeline_run: Option<u32>,
    /// Build parameters.
    pub params: Vec<(String, String)>,
    /// The user shown in the freestyle item's `UserIdCause` (default: the first user).
    pub started_by: Option<String>,
    /// A quiet period: the item waits this long as a `WaitingItem` first.
    pub quiet_period_ms: Option<u64>,
    /// Enter as a `BlockedItem` with this `why` until unblocked.
    pub blocked_by: Option<String>,
}

/// Schedules an item and returns its id.
pub fn enqueue(state: &mut State, request: Enqueue) -> u64 {
    let now = now_ms();
    let job = request.job.unwrap_or_else(|| "job".to_owned());
    let (task, started_by) = match request.pipeline_run {
        Some(run) => (Task::Placeholder { job, run }, None),
        None => {
            let user = request
                .started_by
                .or_else(|| state.settings.users.first().map(|u| u.0.clone()));
            (Task::Job { name: job }, user)
        }
    };
    let stage = initial_stage(request.blocked_by, request.quiet_period_ms, now);
    let id = state.next_queue_id;
    state.next_queue_id += 1;
    let label = request.label.as_deref().and_then(LabelExpr::parse_lax);
    state.queue.push(QueueItem {
        id,
        task,
        label,
        params: request.params,
        started_by,
        in_queue_since: now,
        stage,
        transient_causes: None,
    });
    maintain(state, now);
    id
}

/// Blocked if a reason is given, else waiting during a quiet period, else buildable.
fn initial_stage(blocked_by: Option<String>, quiet_period_ms: Option<u64>, now: i64) -> Stage {
    match (blocked_by, quiet_period_ms) {
        (Some(why), _) => Stage::Blocked {
            buildable_start: now,
            why,
        },
        (None, Some(ms)) if ms > 0 => Stage::Waiting {
            until: now.saturating_add(i64::try_from(ms).unwrap_or(i64::MAX)),
        },
        _ => Stage::Buildable {
            buildable_start: now,
        },
    }
}

/// `Queue.cancel(item)`: a live item leaves as a cancelled `LeftItem`. Returns `None` for
/// an unknown id, `Some(false)` for an item that already left (not cancellable).
pub fn cancel(state: &mut State, id: u64) -> Option<bool> {
    if let Some(index) = state.queue.iter().position(|i| i.id == id) {
        let item = state.queue.remove(index);
        state.left.insert(
            id,
            LeftItem {
                item,
                executable: None,
                left_at: Instant::now(),
            },
        );
        crate::dispatch::left(state, id, true);
        maintain(state, now_ms());
        return Some(true);
    }
    state.expire_left_items();
    state.left.contains_key(&id).then_some(false)
}

/// Moves a blocked item to the buildable stage.
pub fn unblock(state: &mut State, id: u64) -> Result<(), ControlError> {
    let now = now_ms();
    let item = state.queue.iter_mut().find(|i| i.id == id);
    let item = item.ok_or_else(|| ControlError::NotFound(format!("no queue item {id}")))?;
    if let Stage::Blocked {
        buildable_start, ..
    } = item.stage
    {
        item.stage = Stage::Buildable { buildable_start };
    }
    maintain(state, now);
    Ok(())
}

/// Removes an item without trace (neither queue nor left items), unlike [`cancel`].
pub fn remove_item(state: &mut State, id: u64) -> bool {
    let before = state.queue.len() + state.left.len();
    state.queue.retain(|i| i.id != id);
    state.left.remove(&id);
    state.announced.remove(&id);
    maintain(state, now_ms());
    before != state.queue.len() + state.left.len()
}

/// Ends the builds running on an agent (all of them, or the one on `executor`), making
/// the executors idle again; a lingering deleted computer goes away with its last build.
pub fn finish_builds(
    state: &mut State,
    name: &str,
    executor: Option<u32>,
) -> Result<Vec<Executable>, ControlError> {
    let computer = match name {
        "(built-in)" | "(master)" => Some(&mut state.built_in),
        _ => state.agents.get_mut(name),
    };
    let computer = computer.ok_or_else(|| not_found(name))?;
    let finished: Vec<Executable> = computer
        .executors
        .iter_mut()
        .filter(|e| executor.is_none_or(|n| n == e.number))
        .filter_map(|e| e.current.take())
        .collect();
    if computer.removed {
        computer.executors.retain(|e| e.current.is_some());
        if computer.executors.is_empty() {
            state.agents.remove(name);
        }
    }
    maintain(state, now_ms());
    Ok(finished)
}
