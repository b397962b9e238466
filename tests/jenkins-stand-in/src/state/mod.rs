//! The stand-in's in-memory Jenkins: nodes, computers, the queue, and the traffic record.
//!
//! Everything lives in one [`State`] behind a mutex ([`Shared`]); HTTP handlers and the
//! Rust control API lock it briefly and never across an `.await`, except where a test
//! asks for Jenkins' non-atomic node creation (see [`Settings::create_race_window`]).

pub mod computer;
pub mod computer_listener;
pub mod listener;
pub mod offline;
pub mod queue;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::permissions::Denials;
use crate::traffic::{Fault, RecordedRequest};
use computer::{Computer, ComputerKind, NodeConfig};
use queue::{LeftItem, QueueItem};

/// Settings fixed at start (some can be changed later through the controls).
#[derive(Debug, Clone)]
pub struct Settings {
    /// `user → API token` pairs accepted by HTTP Basic auth.
    pub users: Vec<(String, String)>,
    /// When set, `doCreateItem` waits this long between its duplicate check and the
    /// insert, reproducing Jenkins' non-atomic create (docs/jenkins-api.md §1 "Name race").
    pub create_race_window: Option<Duration>,
    /// Jenkins' root URL, with a trailing slash (used in `-url`, task and build URLs).
    pub root_url: String,
    /// The per-controller key of the agent secrets (`SlaveComputer.getJnlpMac()`).
    pub jnlp_key: Vec<u8>,
    /// How long left items stay visible (Jenkins: 5 minutes).
    pub left_item_ttl: Duration,
    /// Print one line per request to stderr.
    pub log_requests: bool,
    /// The `X-Jenkins` version header.
    pub jenkins_version: String,
    /// The language queue reasons are answered in (English unless forced).
    pub language: crate::language::Language,
}

/// The whole simulated controller.
#[derive(Debug)]
pub struct State {
    /// Start-up settings.
    pub settings: Settings,
    /// The controller's own node.
    pub built_in: Computer,
    /// Agent computers by name (including ones lingering after deletion).
    pub agents: BTreeMap<String, Computer>,
    /// Live queue items in the order they entered.
    pub queue: Vec<QueueItem>,
    /// Items that left the queue, by id.
    pub left: BTreeMap<u64, LeftItem>,
    /// The next queue item id.
    pub next_queue_id: u64,
    /// The next build number per job.
    pub next_build: HashMap<String, u32>,
    /// Every Jenkins API request served, oldest first.
    pub requests: Vec<RecordedRequest>,
    /// Pending fault injections.
    pub faults: Vec<Fault>,
    /// The queue-listener callbacks so far, oldest first.
    pub queue_events: Vec<listener::QueueEvent>,
    /// The `ComputerListener` callbacks so far, oldest first.
    pub computer_events: Vec<computer_listener::ComputerEvent>,
    /// The logs of Pipeline runs, by `job #N` ([`crate::build_log`]).
    pub build_logs: BTreeMap<String, Vec<String>>,
    /// Items whose `onEnterBuildable` has fired since they last entered.
    pub announced: HashSet<u64>,
    /// The permissions withheld from the API users (ids, checked).
    pub permissions: Denials,
}

impl State {
    /// A fresh controller with the given built-in node configuration.
    pub fn new(settings: Settings, built_in: NodeConfig) -> State {
        State {
            settings,
            built_in: Computer::new(ComputerKind::BuiltIn, built_in),
            agents: BTreeMap::new(),
            queue: Vec::new(),
            left: BTreeMap::new(),
            next_queue_id: 1,
            next_build: HashMap::new(),
            requests: Vec::new(),
            faults: Vec::new(),
            queue_events: Vec::new(),
            computer_events: Vec::new(),
            build_logs: BTreeMap::new(),
            announced: HashSet::new(),
            permissions: Denials::none(),
        }
    }

    /// All computers as `Jenkins.getComputers()` orders them: built-in first, then by name.
    /// Agents configured with 0 executors have no computer and are skipped.
    pub fn computers(&self) -> impl Iterator<Item = &Computer> {
        std::iter::once(&self.built_in).chain(self.agents.values().filter(|c| has_computer(c)))
    }

    /// The computer behind `/computer/NAME/` (`(built-in)` and `(master)` name the controller).
    pub fn computer(&self, name: &str) -> Option<&Computer> {
        match name {
            "(built-in)" | "(master)" => Some(&self.built_in),
            _ => self.agents.get(name).filter(|c| has_computer(c)),
        }
    }

    /// `Jenkins.getNodes()`: configured agent nodes (not the controller, not lingering ones).
    pub fn agent_nodes(&self) -> impl Iterator<Item = &Computer> {
        self.agents.values().filter(|c| !c.removed)
    }

    /// Forgets left items older than the configured time to live.
    pub fn expire_left_items(&mut self) {
        let ttl = self.settings.left_item_ttl;
        self.left.retain(|_, item| item.left_at.elapsed() < ttl);
    }

    /// Removes nodes, queue, builds, traffic record, faults and denied permissions; keeps
    /// settings and the built-in node's configuration.
    pub fn reset(&mut self) {
        let built_in = self.built_in.config.clone();
        *self = State::new(self.settings.clone(), built_in);
    }
}

fn has_computer(c: &Computer) -> bool {
    c.config.num_executors > 0 || !c.executors.is_empty()
}

/// The state shared by the server's handlers and the Rust control API.
#[derive(Debug, Clone)]
pub struct Shared(Arc<Mutex<State>>);

impl Shared {
    /// Wraps a state.
    pub fn new(state: State) -> Shared {
        Shared(Arc::new(Mutex::new(state)))
    }

    /// Locks the state; a panic in another holder does not poison it for tests.
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Wall-clock time in epoch milliseconds, as Jenkins exports timestamps.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
