//! What became of each queued build, the API calls it took, and what went
//! wrong, printed as the local run's closing table.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use serde_json::Value;

use super::{Plan, Via, short};
use crate::Backends;

/// The operations the functions call, in the order the totals list them.
const AWS_OPERATIONS: [&str; 8] = [
    "RunTask",
    "StopTask",
    "ListTasks",
    "DescribeTasks",
    "DescribeTaskDefinition",
    "RegisterTaskDefinition",
    "PutEvents",
    "GetSecretValue",
];

/// One queued build and what became of it.
#[derive(Debug, Clone)]
pub struct Row {
    /// Its queue item id.
    pub item: u64,
    /// The label it waits for.
    pub label: String,
    /// How its agent was asked for.
    pub via: Via,
    /// What its agent is expected to do.
    pub plan: Plan,
    /// The template that served it (`-` if none).
    pub template: String,
    /// Its agent's node (`-` if none).
    pub node: String,
    /// Its agent's task (empty if none).
    pub task_arn: String,
    /// How long the function took to launch its agent, cold starts included.
    pub launch: Option<Duration>,
    /// When that launch returned, epoch ms: where ECS's part begins.
    pub launched_at: Option<u64>,
    /// `QueueToOnlineMs` as the webhook recorded it.
    pub online_ms: Option<u64>,
    /// `QueueToBuildStartMs` as the webhook recorded it.
    pub build_start_ms: Option<u64>,
    /// Provisioning, image pull and start, as task-stopped measured them.
    pub ecs: Option<[Option<u64>; 3]>,
    /// What happened, in words.
    pub outcome: String,
    /// What went wrong, if anything.
    pub problem: Option<String>,
}

impl Row {
    pub(super) fn queued(item: u64, label: &str, via: Via, plan: Plan) -> Self {
        Self {
            item,
            label: label.to_owned(),
            via,
            plan,
            template: "-".into(),
            node: "-".into(),
            task_arn: String::new(),
            launch: None,
            launched_at: None,
            online_ms: None,
            build_start_ms: None,
            ecs: None,
            outcome: "no agent launched".into(),
            problem: Some("no agent was launched for it".into()),
        }
    }

    pub(super) fn launched(&mut self, node: &str, template: &str) {
        self.node = node.to_owned();
        self.template = template.to_owned();
        self.launched_at = Some(crate::now_millis());
        self.outcome = "launched".into();
        self.problem = None;
    }

    pub(super) fn fail(&mut self, problem: String) {
        self.outcome = format!("FAILED: {problem}");
        self.problem = Some(problem);
    }

    /// Records task-stopped's answer: the node must be gone from Jenkins.
    pub(super) fn stopped(
        &mut self,
        answer: Result<Value, String>,
        backends: &Backends,
        what: &str,
    ) {
        let answer = match answer {
            Ok(answer) => answer,
            Err(message) => return self.fail(format!("task-stopped failed: {message}")),
        };
        if answer["outcome"] != "stopped" {
            return self.fail(format!("task-stopped answered {answer}"));
        }
        if backends.jenkins.node(&self.node).is_some() {
            return self.fail(format!("node {} is still in Jenkins", self.node));
        }
        self.ecs = super::timing::ecs_parts(&answer);
        let summary = answer["summary"].as_str().unwrap_or_default();
        self.outcome = format!("{what} ({summary})");
    }

    /// The table's cells, in column order.
    pub fn cells(&self) -> [String; COLUMNS] {
        let via = match self.via {
            Via::Webhook => "webhook",
            Via::Reconcile => "reconcile (webhook lost)",
            Via::WebhookAfterPush => "webhook (after a push)",
        };
        [
            format!("#{}", self.item),
            self.label.clone(),
            via.to_owned(),
            self.template.clone(),
            self.node.clone(),
            short(&self.task_arn),
            self.launch
                .map_or("-".into(), |d| format!("{} ms", d.as_millis())),
            milliseconds(self.online_ms),
            milliseconds(self.build_start_ms),
            self.ecs.map_or("-".into(), |parts| {
                let parts = parts.map(|p| p.map_or("-".into(), |ms| ms.to_string()));
                format!("{} ms", parts.join("/"))
            }),
        ]
    }
}

/// The scenario's outcome.
#[derive(Debug, Default)]
pub struct Report {
    /// One row per queued build, in queue order.
    pub rows: Vec<Row>,
    /// What went wrong beyond single builds.
    pub problems: Vec<String>,
    /// HTTP requests the functions made to Jenkins.
    pub jenkins_calls: usize,
    /// AWS calls the functions made, by operation.
    pub aws_calls: Vec<(&'static str, usize)>,
    /// The reasons of the `AgentLaunchFailed` events published, with how
    /// many times each was reported.
    pub launch_failures: BTreeMap<String, usize>,
    /// The logs of the Pipeline runs, by queue item: what the emitter
    /// printed while they waited.
    pub build_logs: Vec<(u64, Vec<String>)>,
}

impl Report {
    /// Everything that went wrong; empty when the scenario went as planned.
    pub fn all_problems(&self) -> Vec<String> {
        let rows = self
            .rows
            .iter()
            .filter_map(|r| Some(format!("build #{}: {}", r.item, r.problem.as_ref()?)));
        rows.chain(self.problems.iter().cloned()).collect()
    }

    pub(super) async fn count(&mut self, backends: &Backends) -> anyhow::Result<()> {
        self.jenkins_calls = backends.jenkins.requests().len();
        self.aws_calls = AWS_OPERATIONS
            .iter()
            .map(|op| (*op, backends.ecs.calls(op)))
            .collect();
        for (kind, detail) in backends.published().await? {
            if kind == "AgentLaunchFailed" {
                let reason = detail["reason"].as_str().unwrap_or_default().to_owned();
                *self.launch_failures.entry(reason).or_default() += 1;
            }
        }
        Ok(())
    }

    fn agents(&self) -> usize {
        self.rows.iter().filter(|r| r.node != "-").count()
    }
}

fn milliseconds(ms: Option<u64>) -> String {
    ms.map_or("-".into(), |ms| format!("{ms} ms"))
}

/// How many columns come before the outcome.
const COLUMNS: usize = 10;

/// Column headers; cells are separated by two spaces at least, so that
/// labels and outcomes may hold single spaces. `online` and `started` are
/// `QueueToOnlineMs` and `QueueToBuildStartMs`; `ecs` the task's
/// provisioning, image pull and start (docs/how-it-works.md, "Time to start").
const HEADERS: [&str; COLUMNS] = [
    "build",
    "label",
    "via",
    "template",
    "node",
    "task",
    "launch",
    "online",
    "started",
    "ecs (provision/pull/start)",
];

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cells: Vec<[String; COLUMNS]> = self.rows.iter().map(Row::cells).collect();
        let width = |i: usize| {
            cells
                .iter()
                .map(|c| c[i].len())
                .chain([HEADERS[i].len()])
                .max()
                .unwrap_or(0)
        };
        let widths: Vec<usize> = (0..COLUMNS).map(width).collect();
        let line = |f: &mut fmt::Formatter<'_>, cells: &[&str], last: &str| {
            for (i, cell) in cells.iter().enumerate() {
                write!(f, "{cell:<w$}  ", w = widths[i])?;
            }
            writeln!(f, "{last}")
        };
        line(f, &HEADERS, "outcome")?;
        for (row, cells) in self.rows.iter().zip(&cells) {
            let cells: Vec<&str> = cells.iter().map(String::as_str).collect();
            line(f, &cells, &row.outcome)?;
        }
        let agents = self.agents().max(1) as f64;
        let aws: usize = self.aws_calls.iter().map(|(_, n)| n).sum();
        writeln!(
            f,
            "\ntotals: {} agents; Jenkins API calls {} ({:.1}/agent); AWS calls {aws} ({:.1}/agent)",
            self.agents(),
            self.jenkins_calls,
            self.jenkins_calls as f64 / agents,
            aws as f64 / agents
        )?;
        let by_op: Vec<String> = self
            .aws_calls
            .iter()
            .map(|(op, n)| format!("{op} {n}"))
            .collect();
        writeln!(f, "        AWS by operation: {}", by_op.join(", "))?;
        let failures = if self.launch_failures.is_empty() {
            "none".to_owned()
        } else {
            let counts = self
                .launch_failures
                .iter()
                .map(|(reason, n)| format!("{reason} ({n})"));
            counts.collect::<Vec<_>>().join("; ")
        };
        write!(f, "        launch failures by reason: {failures}")?;
        for (item, lines) in &self.build_logs {
            write!(f, "\n\nbuild log of #{item} while it waited:")?;
            for line in lines {
                write!(f, "\n  {line}")?;
            }
        }
        Ok(())
    }
}
