//! The logs of Pipeline runs whose `node` block waits in the queue: what a
//! user sees in the build's console while it waits.
//!
//! A Pipeline run exists, and has a log, before its `node` block gets an
//! agent: the block waits in the queue as a `PlaceholderTask` whose run can be
//! reached (`SubTask.getOwnerExecutable`, docs/jenkins-api.md §25), and code
//! inside Jenkins, such as ecs-agents' emitter, may print to that log. A
//! freestyle build does not exist until it leaves the queue: it has no log to
//! write to while it waits. The stand-in keeps the lines written for each run;
//! tests write the emitter's lines with [`append`] and read them back.

use crate::ops::ControlError;
use crate::state::State;
use crate::state::queue::Task;

/// The run of queue item `id` (live, or left within the last 5 minutes), as
/// `job #N`, if it is a Pipeline `node` block.
fn run_of(state: &State, id: u64) -> Result<String, ControlError> {
    let task = state
        .queue
        .iter()
        .find(|i| i.id == id)
        .map(|i| &i.task)
        .or_else(|| state.left.get(&id).map(|l| &l.item.task))
        .ok_or_else(|| ControlError::NotFound(format!("no queue item {id}")))?;
    match task {
        Task::Placeholder { job, run } => Ok(format!("{job} #{run}")),
        Task::Job { name } => Err(ControlError::BadRequest(format!(
            "queue item {id} is a build of {name} that has not started: it has no log yet"
        ))),
    }
}

/// Prints `line` to the log of queue item `id`'s run, as
/// `TaskListener.getLogger().println` does.
pub fn append(state: &mut State, id: u64, line: &str) -> Result<(), ControlError> {
    let run = run_of(state, id)?;
    state
        .build_logs
        .entry(run)
        .or_default()
        .push(line.to_owned());
    Ok(())
}

/// The lines of queue item `id`'s run so far.
pub fn lines(state: &State, id: u64) -> Result<Vec<String>, ControlError> {
    let run = run_of(state, id)?;
    Ok(state.build_logs.get(&run).cloned().unwrap_or_default())
}

/// The lines of run `run` of Pipeline job `job` so far, whatever became of its
/// queue items (a restart forgets left items; the run keeps its log).
pub fn run_lines(state: &State, job: &str, run: u32) -> Vec<String> {
    let key = format!("{job} #{run}");
    state.build_logs.get(&key).cloned().unwrap_or_default()
}
