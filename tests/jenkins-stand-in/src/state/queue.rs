//! Queue items, the tasks they carry and the executables they become (docs/jenkins-api.md §5).

use std::time::Instant;

use ecs_agents::labels::LabelExpr;
use serde::Serialize;

/// What a queue item will run (`Queue.Task`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Task {
    /// A freestyle job (`hudson.model.FreeStyleProject`); each run gets the next build number.
    #[serde(rename_all = "camelCase")]
    Job {
        /// The job's full name.
        name: String,
    },
    /// A Pipeline `node('…')` block of run `job #run`
    /// (`ExecutorStepExecution$PlaceholderTask`), named "part of JOB #RUN".
    #[serde(rename_all = "camelCase")]
    Placeholder {
        /// The Pipeline job's full name.
        job: String,
        /// The number of the run whose `node` block this is.
        run: u32,
    },
}

impl Task {
    /// `Task.getName()`: the job name, or "part of JOB #N" for a `node` block.
    pub fn name(&self) -> String {
        match self {
            Task::Job { name } => name.clone(),
            Task::Placeholder { job, run } => format!("part of {job} #{run}"),
        }
    }

    /// The full name of the job whose permissions apply: a `node` block's are its run's,
    /// hence its job's (docs/jenkins-api.md §13).
    pub fn job(&self) -> &str {
        match self {
            Task::Job { name } => name,
            Task::Placeholder { job, .. } => job,
        }
    }

    /// `Task.getUrl()`, relative to the root URL: the job's, or a `node` block's run's.
    pub fn url(&self) -> String {
        match self {
            Task::Job { .. } => self.job_url(),
            Task::Placeholder { run, .. } => format!("{}{run}/", self.job_url()),
        }
    }

    /// The job's URL relative to the root URL (`job/a/job/b/` for folder `a/b`).
    pub fn job_url(&self) -> String {
        self.job()
            .split('/')
            .map(|part| format!("job/{}/", url_segment(part)))
            .collect()
    }
}

/// Percent-encodes one URL path segment like `Util.rawEncode`.
pub fn url_segment(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        let safe = byte.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@".contains(&byte);
        if safe {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// What an executor runs once an item is dispatched (`Queue.Executable`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Executable {
    /// The task it came from.
    pub task: Task,
    /// The build (or Pipeline run) number.
    pub number: u32,
    /// The queue item it came from.
    pub queue_id: u64,
}

impl Executable {
    /// The `_class` Jenkins exports for it.
    pub fn class(&self) -> &'static str {
        match self.task {
            Task::Job { .. } => "hudson.model.FreeStyleBuild",
            Task::Placeholder { .. } => {
                "org.jenkinsci.plugins.workflow.support.steps.\
                 ExecutorStepExecution$PlaceholderTask$PlaceholderExecutable"
            }
        }
    }

    /// The run's URL relative to the root URL (`job/NAME/N/`).
    pub fn relative_url(&self) -> String {
        format!("{}{}/", self.task.job_url(), self.number)
    }
}

/// Where a live item is in the queue (`WaitingItem`, `BlockedItem`, `BuildableItem`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Stage {
    /// In its quiet period until `until` (epoch ms).
    Waiting {
        /// When the quiet period ends, in epoch ms.
        until: i64,
    },
    /// Blocked, with the reason to show (e.g. `Build #9 is already in progress (ETA: 15 sec)`).
    #[serde(rename_all = "camelCase")]
    Blocked {
        /// When it left the waiting list, in epoch ms.
        buildable_start: i64,
        /// The `why` text.
        why: String,
    },
    /// Waiting for an executor.
    #[serde(rename_all = "camelCase")]
    Buildable {
        /// When it left the waiting list, in epoch ms.
        buildable_start: i64,
    },
}

/// An item in the queue.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueItem {
    /// Unique id, counting from 1 (`QueueIdStrategy`).
    pub id: u64,
    /// What to run.
    pub task: Task,
    /// `Item.getAssignedLabel()`; `None` = may run anywhere. Not exported by Jenkins.
    #[serde(serialize_with = "serialize_label")]
    pub label: Option<LabelExpr>,
    /// Build parameters (`ParametersAction`), in order.
    pub params: Vec<(String, String)>,
    /// The user whose `UserIdCause` started it; `None` for Pipeline `node` blocks.
    pub started_by: Option<String>,
    /// When it entered the queue, in epoch ms.
    pub in_queue_since: i64,
    /// Its stage.
    pub stage: Stage,
    /// Reasons the last dispatch pass found on idle executors that refused it
    /// (`BuildableItem.transientCausesOfBlockage`); `None` when there were none.
    pub transient_causes: Option<Vec<String>>,
}

fn serialize_label<S: serde::Serializer>(
    label: &Option<LabelExpr>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match label {
        Some(l) => serializer.serialize_some(&l.canonical()),
        None => serializer.serialize_none(),
    }
}

/// An item that left the queue, kept for lookups for a while (`Queue$LeftItem`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LeftItem {
    /// The item as it was when it left.
    pub item: QueueItem,
    /// What it became; `None` when it was cancelled.
    pub executable: Option<Executable>,
    /// When it left (for the 5-minute expiry).
    #[serde(skip)]
    pub left_at: Instant,
}

impl LeftItem {
    /// `LeftItem.isCancelled()`.
    pub fn cancelled(&self) -> bool {
        self.executable.is_none()
    }
}
