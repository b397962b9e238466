//! Nodes and their computers: the configuration Jenkins stores (`DumbSlave`) and the
//! runtime state it keeps beside it (`SlaveComputer`), as docs/jenkins-api.md §1, §3 and §4 describe.

use ecs_agents::labels::LabelSet;
use serde::Serialize;

pub use super::offline::OfflineCause;
use super::queue::Executable;

/// Display name of the built-in node (`Hudson$MasterComputer`), as Jenkins ≥ 2.307 shows it.
pub const BUILT_IN_DISPLAY_NAME: &str = "Built-In Node";
/// The built-in node's self label (`Jenkins.getSelfLabel()`).
pub const BUILT_IN_SELF_LABEL: &str = "built-in";

/// `Node.Mode`: whether a node takes any work or only work whose label it matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Mode {
    /// Use this node as much as possible.
    Normal,
    /// Only build jobs with label expressions matching this node (docs/jenkins-api.md §1).
    Exclusive,
}

impl Mode {
    /// Parses the enum constant as Stapler binds it (`NORMAL` / `EXCLUSIVE`).
    pub fn parse(text: &str) -> Option<Mode> {
        match text {
            "NORMAL" => Some(Mode::Normal),
            "EXCLUSIVE" => Some(Mode::Exclusive),
            _ => None,
        }
    }
}

/// `RemotingWorkDirSettings` of an inbound launcher; only affects the `.jnlp` file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkDirSettings {
    /// No `-workDir` arguments at all.
    pub disabled: bool,
    /// `-workDir` value; `None` means "use the node's remoteFS".
    pub work_dir_path: Option<String>,
    /// `-internalDir` value (Jenkins' default is `remoting`).
    pub internal_dir: String,
    /// Adds `-failIfWorkDirIsMissing`.
    pub fail_if_work_dir_is_missing: bool,
}

impl Default for WorkDirSettings {
    fn default() -> Self {
        WorkDirSettings {
            disabled: false,
            work_dir_path: None,
            internal_dir: "remoting".to_owned(),
            fail_if_work_dir_is_missing: false,
        }
    }
}

/// `hudson.slaves.JNLPLauncher`, the only launcher the stand-in binds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JnlpLauncher {
    /// Adds `-webSocket` to the `.jnlp` arguments; any inbound agent may connect either way.
    pub web_socket: bool,
    /// `-tunnel HOST:PORT`, when set.
    pub tunnel: Option<String>,
    /// Work directory arguments.
    pub work_dir_settings: WorkDirSettings,
}

/// What Jenkins stores for a permanent agent (`DumbSlave`), as bound from `doCreateItem`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeConfig {
    /// The node name (also its self label).
    pub name: String,
    /// `nodeDescription`.
    pub description: String,
    /// Executors; a node with 0 has no computer (docs/jenkins-api.md §4).
    pub num_executors: u32,
    /// `remoteFS`, trimmed.
    pub remote_fs: String,
    /// `labelString` as submitted.
    pub label_string: String,
    /// `NORMAL` or `EXCLUSIVE`.
    pub mode: Mode,
    /// The inbound launcher's settings.
    pub launcher: JnlpLauncher,
    /// `$class` of the retention strategy (default `hudson.slaves.RetentionStrategy$Always`).
    pub retention_strategy: String,
}

impl NodeConfig {
    /// A node as `doCreateItem` creates it with an empty form: Jenkins' defaults.
    pub fn new(name: impl Into<String>) -> NodeConfig {
        NodeConfig {
            name: name.into(),
            description: String::new(),
            num_executors: 1,
            remote_fs: String::new(),
            label_string: String::new(),
            mode: Mode::Normal,
            launcher: JnlpLauncher::default(),
            retention_strategy: "hudson.slaves.RetentionStrategy$Always".to_owned(),
        }
    }

    /// `Node.getAssignedLabels()`: the `labelString` atoms plus the node's own name.
    pub fn labels(&self) -> LabelSet {
        LabelSet::from_label_string(&self.label_string).with(self.name.clone())
    }
}

/// One executor slot of a computer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Executor {
    /// `Executor.getNumber()`, 0-based.
    pub number: u32,
    /// What it is running, if anything.
    pub current: Option<Executable>,
}

/// Which kind of node a computer belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ComputerKind {
    /// The controller itself (`Hudson$MasterComputer`), never an "agent node".
    BuiltIn,
    /// An inbound agent (`SlaveComputer` of a `DumbSlave`).
    Agent,
}

/// A node's configuration together with its computer's runtime state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Computer {
    /// Built-in or agent.
    pub kind: ComputerKind,
    /// The node as configured (for the built-in node: name "", its executors and labels).
    pub config: NodeConfig,
    /// Whether an agent channel is open; the built-in node is always connected.
    pub connected: bool,
    /// `SlaveComputer.isAcceptingTasks()` (transient, set by `setAcceptingTasks`).
    pub accepting_tasks: bool,
    /// The node's temporary offline cause (toggleOffline / changeOfflineCause).
    pub temporary_offline: Option<OfflineCause>,
    /// The computer's own offline cause (disconnect, removal).
    pub offline_cause: Option<OfflineCause>,
    /// `true` once the node was deleted while a build still held an executor: the
    /// computer lingers with 0 executors until its work ends (docs/jenkins-api.md §3).
    pub removed: bool,
    /// The executor slots (only the busy ones once `removed`).
    pub executors: Vec<Executor>,
}

impl Computer {
    /// A new computer for `config`: never connected, accepting tasks, all executors idle.
    pub fn new(kind: ComputerKind, config: NodeConfig) -> Computer {
        let executors = (0..config.num_executors)
            .map(|number| Executor {
                number,
                current: None,
            })
            .collect();
        Computer {
            kind,
            connected: kind == ComputerKind::BuiltIn,
            accepting_tasks: true,
            temporary_offline: None,
            offline_cause: None,
            removed: false,
            executors,
            config,
        }
    }

    /// The name used in URLs and texts: the node name, or "Built-In Node".
    pub fn display_name(&self) -> &str {
        match self.kind {
            ComputerKind::BuiltIn => BUILT_IN_DISPLAY_NAME,
            ComputerKind::Agent => &self.config.name,
        }
    }

    /// `Node.getAssignedLabels()`, including the self label.
    pub fn labels(&self) -> LabelSet {
        match self.kind {
            ComputerKind::BuiltIn => {
                LabelSet::from_label_string(&self.config.label_string).with(BUILT_IN_SELF_LABEL)
            }
            ComputerKind::Agent => self.config.labels(),
        }
    }

    /// `Computer.isOffline()`: temporarily offline, or no channel.
    pub fn is_offline(&self) -> bool {
        self.temporary_offline.is_some() || !self.connected
    }

    /// `Computer.getOfflineCause()`: the temporary cause wins over the channel's.
    pub fn effective_offline_cause(&self) -> Option<&OfflineCause> {
        self.temporary_offline
            .as_ref()
            .or(self.offline_cause.as_ref())
    }

    /// How many executors are idle.
    pub fn count_idle(&self) -> usize {
        self.executors
            .iter()
            .filter(|e| e.current.is_none())
            .count()
    }

    /// How many executors are busy.
    pub fn count_busy(&self) -> usize {
        self.executors.len() - self.count_idle()
    }

    /// Resizes the executor list to the configured count, keeping busy slots.
    pub fn resize_executors(&mut self) {
        let wanted = self.config.num_executors;
        self.executors
            .retain(|e| e.number < wanted || e.current.is_some());
        for number in 0..wanted {
            if !self.executors.iter().any(|e| e.number == number) {
                self.executors.push(Executor {
                    number,
                    current: None,
                });
            }
        }
        self.executors.sort_by_key(|e| e.number);
    }
}
