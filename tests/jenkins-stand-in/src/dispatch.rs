//! Queue maintenance (`Queue.maintain()`): waiting items become buildable, and each
//! buildable item is offered to the idle executors ("job offers") in turn.
//!
//! Jenkins runs this every 5 seconds and on every relevant change; the stand-in runs it
//! synchronously after each change and before each read, so tests see a settled state.
//! Candidate executors are tried in computer order (built-in first, then by name) instead
//! of Jenkins' consistent-hash load balancer.

use std::time::Instant;

use crate::state::State;
use crate::state::computer::{Computer, ComputerKind, Mode};
use crate::state::listener::QueueEvent;
use crate::state::queue::{Executable, LeftItem, QueueItem, Stage, Task};

/// Runs one maintenance pass at time `now` (epoch ms).
pub fn maintain(state: &mut State, now: i64) {
    state.expire_left_items();
    for item in &mut state.queue {
        if let Stage::Waiting { until } = item.stage
            && until <= now
        {
            item.stage = Stage::Buildable {
                buildable_start: now,
            };
        }
    }
    let buildable: Vec<u64> = state
        .queue
        .iter()
        .filter(|i| matches!(i.stage, Stage::Buildable { .. }))
        .map(|i| i.id)
        .collect();
    // Every item entering buildable is announced before any is offered:
    // Jenkins makes items buildable, then runs its allocation loop.
    announce(state, &buildable);
    for id in buildable {
        offer(state, id);
    }
}

/// `QueueListener.onEnterBuildable` for the items that have just entered.
fn announce(state: &mut State, buildable: &[u64]) {
    for item in state.queue.iter().filter(|i| buildable.contains(&i.id)) {
        if state.announced.insert(item.id) {
            state.queue_events.push(QueueEvent::EnterBuildable {
                id: item.id,
                label: item.label.as_ref().map(|l| l.canonical()),
                task: item.task.name(),
                in_queue_since: item.in_queue_since,
            });
        }
    }
}

/// `QueueListener.onLeft`.
pub(crate) fn left(state: &mut State, id: u64, cancelled: bool) {
    state.announced.remove(&id);
    state.queue_events.push(QueueEvent::Left { id, cancelled });
}

/// Offers item `id` to every computer with an idle executor; assigns it to the first one
/// that accepts, or records the refusals as its transient causes of blockage.
fn offer(state: &mut State, id: u64) {
    let Some(index) = state.queue.iter().position(|i| i.id == id) else {
        return;
    };
    let item = &state.queue[index];
    let mut causes = Vec::new();
    let mut target = None;
    for computer in state.computers().filter(|c| c.count_idle() > 0) {
        match refusal(computer, item) {
            Some(reason) => causes.push(reason),
            None if target.is_none() => {
                target = Some((computer.kind, computer.config.name.clone()))
            }
            None => {}
        }
    }
    match target {
        Some((kind, name)) => start(state, index, kind, &name),
        None => state.queue[index].transient_causes = (!causes.is_empty()).then_some(causes),
    }
}

/// `JobOffer.getCauseOfBlockage()`: why this computer's idle executor cannot take the item.
fn refusal(computer: &Computer, item: &QueueItem) -> Option<String> {
    // Node.canTake words its reasons with Node.getDisplayName(), which is "Jenkins" for
    // the controller; the offline and accepting checks use the computer's display name.
    let node_name = match computer.kind {
        ComputerKind::BuiltIn => "Jenkins",
        ComputerKind::Agent => computer.config.name.as_str(),
    };
    match &item.label {
        Some(label) if !label.matches(&computer.labels()) => {
            return Some(format!(
                "‘{node_name}’ doesn’t have label ‘{}’",
                label.canonical()
            ));
        }
        None if computer.config.mode == Mode::Exclusive => {
            return Some(format!(
                "‘{node_name}’ is reserved for jobs with matching label expression"
            ));
        }
        _ => {}
    }
    if computer.is_offline() {
        return Some(format!("‘{}’ is offline", computer.display_name()));
    }
    if !computer.accepting_tasks {
        return Some(format!(
            "‘{}’ is not accepting tasks",
            computer.display_name()
        ));
    }
    None
}

/// Takes item `index` out of the queue, starts it on the computer's first idle executor
/// and leaves a `LeftItem` pointing at the new executable.
fn start(state: &mut State, index: usize, kind: ComputerKind, name: &str) {
    let item = state.queue.remove(index);
    let number = match &item.task {
        Task::Job { name } => {
            let next = state.next_build.entry(name.clone()).or_insert(1);
            *next += 1;
            *next - 1
        }
        Task::Placeholder { run, .. } => *run,
    };
    let executable = Executable {
        task: item.task.clone(),
        number,
        queue_id: item.id,
    };
    let computer = match kind {
        ComputerKind::BuiltIn => Some(&mut state.built_in),
        ComputerKind::Agent => state.agents.get_mut(name),
    };
    if let Some(slot) = computer.and_then(|c| c.executors.iter_mut().find(|e| e.current.is_none()))
    {
        slot.current = Some(executable.clone());
    }
    let id = item.id;
    let left_item = LeftItem {
        item,
        executable: Some(executable),
        left_at: Instant::now(),
    };
    state.left.insert(id, left_item);
    left(state, id, false);
}
