//! A started stand-in: its address, state accessors and test controls.

use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::dispatch::maintain;
use crate::ops::{ControlError, Enqueue};
use crate::state::computer::Computer;
use crate::state::computer_listener::ComputerEvent;
use crate::state::listener::QueueEvent;
use crate::state::queue::{Executable, LeftItem, QueueItem};
use crate::state::{Shared, State, now_ms};
use crate::traffic::{Fault, RecordedRequest};
use crate::{agents, jnlp, ops};

/// A running stand-in. Dropping it stops the server; [`RunningStandIn::shutdown`] also
/// waits for it to finish.
#[derive(Debug)]
pub struct RunningStandIn {
    shared: Shared,
    base_url: String,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl RunningStandIn {
    pub(crate) fn new(
        shared: Shared,
        base_url: String,
        stop: oneshot::Sender<()>,
        task: JoinHandle<()>,
    ) -> Self {
        RunningStandIn {
            shared,
            base_url,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The root URL Jenkins reports (with a trailing slash).
    pub fn root_url(&self) -> String {
        self.shared.lock().settings.root_url.clone()
    }

    /// The state, for controls defined beside what they control.
    pub(crate) fn shared(&self) -> &Shared {
        &self.shared
    }

    /// Runs `f` on the state after a queue maintenance pass.
    fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        let mut state = self.shared.lock();
        maintain(&mut state, now_ms());
        f(&mut state)
    }

    /// Every node: the built-in node first, then agents by name (lingering ones included).
    pub fn nodes(&self) -> Vec<Computer> {
        self.with(|s| {
            std::iter::once(&s.built_in)
                .chain(s.agents.values())
                .cloned()
                .collect()
        })
    }

    /// One agent by name.
    pub fn node(&self, name: &str) -> Option<Computer> {
        self.with(|s| s.agents.get(name).cloned())
    }

    /// The live queue items, in the order they entered.
    pub fn queue(&self) -> Vec<QueueItem> {
        self.with(|s| s.queue.clone())
    }

    /// An item that left the queue (started or cancelled), while it is remembered.
    pub fn left_item(&self, id: u64) -> Option<LeftItem> {
        self.with(|s| s.left.get(&id).cloned())
    }

    /// The Jenkins API requests served so far, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.lock().requests.clone()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        self.shared.lock().requests.clear();
    }

    /// The secret Jenkins hands the agent `name` (whether or not the node exists).
    pub fn secret(&self, name: &str) -> String {
        jnlp::secret(&self.shared.lock().settings.jnlp_key, name)
    }

    /// Puts an item in the queue and returns its id.
    pub fn enqueue(&self, request: Enqueue) -> u64 {
        ops::enqueue(&mut self.shared.lock(), request)
    }

    /// Cancels a queue item like `POST /queue/cancelItem`: `None` for an unknown id,
    /// `Some(false)` when it already left the queue.
    pub fn cancel_item(&self, id: u64) -> Option<bool> {
        ops::cancel(&mut self.shared.lock(), id)
    }

    /// Removes an item without leaving a `LeftItem`; `false` if it was unknown.
    pub fn remove_item(&self, id: u64) -> bool {
        ops::remove_item(&mut self.shared.lock(), id)
    }

    /// Moves a blocked item to the buildable stage.
    pub fn unblock_item(&self, id: u64) -> Result<(), ControlError> {
        ops::unblock(&mut self.shared.lock(), id)
    }

    /// Connects the agent as `agent.jar` would (checking `secret` if given).
    pub fn connect_agent(&self, name: &str, secret: Option<&str>) -> Result<(), ControlError> {
        agents::connect(&mut self.shared.lock(), name, secret)
    }

    /// Drops the agent's connection.
    pub fn disconnect_agent(&self, name: &str) -> Result<(), ControlError> {
        agents::disconnect(&mut self.shared.lock(), name)
    }

    /// `SlaveComputer.setAcceptingTasks`.
    pub fn set_accepting_tasks(&self, name: &str, accepting: bool) -> Result<(), ControlError> {
        agents::set_accepting_tasks(&mut self.shared.lock(), name, accepting)
    }

    /// Ends the builds on an agent (or on one executor), freeing its executors.
    pub fn finish_builds(
        &self,
        name: &str,
        executor: Option<u32>,
    ) -> Result<Vec<Executable>, ControlError> {
        ops::finish_builds(&mut self.shared.lock(), name, executor)
    }

    /// Arms a fault for upcoming Jenkins API requests.
    pub fn inject_fault(&self, fault: Fault) {
        self.shared.lock().faults.push(fault);
    }

    /// Disarms all faults.
    pub fn clear_faults(&self) {
        self.shared.lock().faults.clear();
    }

    /// Changes the `doCreateItem` race window (see the builder).
    pub fn set_create_race_window(&self, window: Option<Duration>) {
        self.shared.lock().settings.create_race_window = window;
    }

    /// The queue-listener callbacks so far, oldest first: what an emitter hears.
    pub fn queue_events(&self) -> Vec<QueueEvent> {
        self.with(|s| s.queue_events.clone())
    }

    /// Forgets the queue-listener callbacks seen so far.
    pub fn clear_queue_events(&self) {
        self.shared.lock().queue_events.clear();
    }

    /// The computer-listener callbacks so far, oldest first: what an emitter hears.
    pub fn computer_events(&self) -> Vec<ComputerEvent> {
        self.with(|s| s.computer_events.clone())
    }

    /// Forgets the computer-listener callbacks seen so far.
    pub fn clear_computer_events(&self) {
        self.shared.lock().computer_events.clear();
    }

    /// Prints `line` to the log of queue item `id`'s Pipeline run, as code
    /// inside Jenkins (the emitter) does ([`crate::build_log`]).
    pub fn print_to_build_log(&self, id: u64, line: &str) -> Result<(), ControlError> {
        crate::build_log::append(&mut self.shared.lock(), id, line)
    }

    /// The log of queue item `id`'s Pipeline run so far.
    pub fn build_log(&self, id: u64) -> Result<Vec<String>, ControlError> {
        crate::build_log::lines(&self.shared.lock(), id)
    }

    /// The log of run `run` of Pipeline job `job` so far, found by the run
    /// (after a restart its first queue item is forgotten).
    pub fn run_log(&self, job: &str, run: u32) -> Vec<String> {
        crate::build_log::run_lines(&self.shared.lock(), job, run)
    }

    /// Restarts the controller: agents disconnected, queue restored, running
    /// freestyle builds lost and Pipeline `node` blocks waiting for their agent
    /// ([`crate::restart`]).
    pub fn restart(&self) {
        crate::restart::restart(&mut self.shared.lock());
    }

    /// Forces the language of queue reasons, as Jenkins' Locale plugin can.
    pub fn set_language(&self, language: crate::language::Language) {
        self.shared.lock().settings.language = language;
    }

    /// Forgets nodes, queue, builds, requests and faults.
    pub fn reset(&self) {
        self.shared.lock().reset();
    }

    /// Stops accepting connections and waits (up to 5 s) for the server to finish.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            stop.send(()).ok();
        }
        if let Some(task) = self.task.take() {
            let abort = task.abort_handle();
            if tokio::time::timeout(Duration::from_secs(5), task)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }
}

impl Drop for RunningStandIn {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            stop.send(()).ok();
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
