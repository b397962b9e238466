//! A controller restart (`safeRestart`, an upgrade, a crash and start), as far as
//! the functions can see it.
//!
//! What survives: the nodes (their configuration is saved), the queue (persisted and
//! restored, `Queue.load`, its items announced again as they re-enter buildable),
//! queue ids and build numbers. What does not: every agent's connection (its computer
//! is new: offline with no cause, as if it had never connected, and accepting tasks
//! again: `setAcceptingTasks` is not saved), the left items, and the builds in
//! progress: a freestyle build is aborted, while a Pipeline `node` block resumes by
//! re-queuing its placeholder task with the agent's own name as the label, so it waits
//! for that agent to reconnect (docs/jenkins-api.md §12, §17).

use crate::dispatch::maintain;
use crate::state::queue::{QueueItem, Stage, Task};
use crate::state::{State, now_ms};
use ecs_agents::labels::LabelExpr;

/// Restarts the controller in place.
pub fn restart(state: &mut State) {
    let now = now_ms();
    let mut resumed = Vec::new();
    for computer in state.agents.values_mut() {
        computer.connected = false;
        computer.offline_cause = None;
        computer.accepting_tasks = true;
        for executor in &mut computer.executors {
            if let Some(executable) = executor.current.take()
                && let Task::Placeholder { .. } = executable.task
            {
                resumed.push((computer.config.name.clone(), executable));
            }
        }
    }
    state.agents.retain(|_, c| !c.removed);
    for executor in &mut state.built_in.executors {
        executor.current = None;
    }
    state.left.clear();
    state.announced.clear();
    for (node, executable) in resumed {
        let id = state.next_queue_id;
        state.next_queue_id += 1;
        state.queue.push(QueueItem {
            id,
            task: executable.task,
            label: Some(LabelExpr::atom(&node)),
            params: Vec::new(),
            started_by: None,
            in_queue_since: now,
            stage: Stage::Buildable {
                buildable_start: now,
            },
            transient_causes: None,
        });
    }
    maintain(state, now);
}
