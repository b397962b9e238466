//! The local run's scenario, played through any [`Functions`]: builds queued
//! across templates; agents launched by the webhook, and by reconcile for a
//! build whose webhook was lost; each agent connected, given one build,
//! released, its task stopped and the STOPPED event delivered; one agent
//! whose image does not exist, reported and not relaunched; a last reconcile
//! tick that must find nothing to repair. Every step is checked, and what
//! went wrong is in the [`Report`]: `scripts/run` plays it through the real
//! binaries, a black-box test through the real handlers in process.

use std::time::Instant;

use anyhow::Context;
use ecs_agents::config::AgentsConfig;
use serde_json::{Value, json};

use crate::events::failed_start_event;
use crate::functions::Functions;
use crate::{Backends, WEBHOOK_SECRET, buildable, now_millis, now_secs, signed};

mod report;

pub use report::{Report, Row};

/// The scenario's agent templates; `{subnet}`, `{sg}`, `{jenkins}` filled in
/// by [`Backends::agents`]. The launch timeout is longer than a function's
/// cold start under the local runtime, so that a tick of reconcile does not
/// retire an agent that is still starting as never connected.
pub const AGENTS: &str = "
cloud: {name: bb, cluster: jenkins-agents, region: us-east-1, jenkinsUrl: '{jenkins}', maxAgents: 10, agentLaunchTimeoutSeconds: 300}
templates:
  - {name: linux, labels: linux docker, cpu: 512, memory: 1024, subnets: ['{subnet}'], securityGroups: ['{sg}']}
  - {name: solo, labels: solo, cpu: 1024, memory: 2048, subnets: ['{subnet}'], securityGroups: ['{sg}'], maxAgents: 1}
  - {name: broken, labels: broken, image: 'jenkins/inbound-agent:no-such-tag', cpu: 512, memory: 1024, subnets: ['{subnet}'], securityGroups: ['{sg}']}
";

/// What ECS reports when the broken template's image cannot be pulled.
pub const PULL_ERROR: &str =
    "CannotPullContainerError: docker.io/jenkins/inbound-agent:no-such-tag: not found";

/// How a build reaches its agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// Its `queue.buildable` event reaches the webhook.
    Webhook,
    /// Its event was lost; reconcile finds it waiting.
    Reconcile,
}

/// The builds queued, in order: label, how the agent is asked for, and
/// whether its agent is expected to run it.
pub const BUILDS: [(&str, Via, bool); 5] = [
    ("linux", Via::Webhook, true),
    ("solo", Via::Webhook, true),
    ("linux && docker", Via::Webhook, true),
    ("broken", Via::Webhook, false),
    ("linux", Via::Reconcile, true),
];

/// Plays the scenario against `backends` through `functions`, printing
/// progress; the report says what happened and what went wrong.
pub async fn play<F: Functions>(backends: &Backends, functions: &F) -> anyhow::Result<Report> {
    // The deployment's templates, to name the template of an agent reconcile launched.
    let config = AgentsConfig::from_yaml(&backends.agents(AGENTS).await?)?;
    let mut report = Report::default();
    let tick = functions.reconcile().await?;
    say(&format!(
        "reconcile tick: placeholder node created: {}",
        tick["placeholderCreated"]
    ));
    let baseline = backends.agent_names();
    for (label, via, expect_build) in BUILDS {
        let item = backends.enqueue(label);
        say(&format!("queued build #{item} for label '{label}'"));
        report
            .rows
            .push(Row::queued(item, label, via, expect_build));
    }
    for row in report.rows.iter_mut().filter(|r| r.via == Via::Webhook) {
        launch_by_webhook(backends, functions, row).await?;
    }
    let started = Instant::now();
    let tick = functions.reconcile().await?;
    let launched = names(&tick["launched"]);
    say(&format!(
        "reconcile tick: launched {launched:?} for missed demand"
    ));
    for row in report.rows.iter_mut().filter(|r| r.via == Via::Reconcile) {
        row.launch = Some(started.elapsed());
        if let Some(node) = launched
            .iter()
            .find(|n| n.ends_with(&format!("-{}", row.item)))
        {
            let template = config.template_of(node).map_or("-", |t| t.name.as_str());
            row.launched(node, template);
            row.task_arn = backends.task_of(node).await?.unwrap_or_default();
        }
    }
    for row in report.rows.iter_mut().filter(|r| !r.task_arn.is_empty()) {
        if row.expect_build {
            run_one_build(backends, functions, row).await?;
        } else {
            fail_to_start(backends, functions, row).await?;
        }
    }
    let tick = functions.reconcile().await?;
    say(&format!("last reconcile tick: {}", tick_summary(&tick)));
    for held in names(&tick["heldBack"]) {
        say(&format!("  held back: {held}"));
    }
    report.check_quiet(&tick);
    report.check_left(backends, &baseline).await?;
    report.count(backends).await?;
    Ok(report)
}

async fn launch_by_webhook<F: Functions>(
    backends: &Backends,
    functions: &F,
    row: &mut Row,
) -> anyhow::Result<()> {
    let mut event = buildable(row.item, &row.label);
    // What the emitter sends: the item's own time of entering the queue.
    let queued = backends
        .jenkins
        .queue()
        .into_iter()
        .find(|q| q.id == row.item);
    event["item"]["inQueueSince"] = json!(queued.context("the item is queued")?.in_queue_since);
    let started = Instant::now();
    let answer = functions
        .webhook(&signed(
            &event.to_string(),
            Some(WEBHOOK_SECRET),
            now_secs(),
        ))
        .await?;
    row.launch = Some(started.elapsed());
    say(&format!(
        "webhook for #{} answered {} {}",
        row.item, answer.status, answer.body
    ));
    let body = &answer.body;
    if answer.status == 200 && body["outcome"] == "launched" {
        row.launched(text(&body["node"]), text(&body["template"]));
        row.task_arn = text(&body["task"]).to_owned();
    } else {
        row.fail(format!("webhook answered {} {body}", answer.status));
    }
    Ok(())
}

/// Connect, one build, `agent.released`, the task's STOPPED event.
async fn run_one_build<F: Functions>(
    backends: &Backends,
    functions: &F,
    row: &mut Row,
) -> anyhow::Result<()> {
    let jenkins = &backends.jenkins;
    let secret = jenkins.secret(&row.node);
    if let Err(error) = jenkins
        .connect_agent(&row.node, Some(&secret))
        .and_then(|()| jenkins.finish_builds(&row.node, None))
    {
        row.fail(format!("the agent could not connect and build: {error:?}"));
        return Ok(());
    }
    say(&format!(
        "agent {} connected and ran build #{}; posting agent.released",
        row.node, row.item
    ));
    let release = json!({"type": "agent.released", "eventTime": now_millis(), "node": row.node});
    let answer = functions
        .webhook(&signed(
            &release.to_string(),
            Some(WEBHOOK_SECRET),
            now_secs(),
        ))
        .await?;
    let task = backends.describe(&row.task_arn).await?;
    if answer.status != 200 || task.last_status() != Some("STOPPED") {
        row.fail(format!(
            "after agent.released ({} {}) the task is {}",
            answer.status,
            answer.body,
            task.last_status().unwrap_or("?")
        ));
        return Ok(());
    }
    say(&format!(
        "task {} stopped; delivering its STOPPED event to task-stopped",
        short(&row.task_arn)
    ));
    let outcome = functions
        .task_stopped(&crate::events::stopped_event(&task))
        .await?;
    row.stopped(outcome, backends, "built, released, stopped");
    Ok(())
}

/// ECS cannot pull the image: the task stops as `TaskFailedToStart`.
async fn fail_to_start<F: Functions>(
    backends: &Backends,
    functions: &F,
    row: &mut Row,
) -> anyhow::Result<()> {
    backends.stop_task(&row.task_arn, PULL_ERROR).await?;
    let event = failed_start_event(&backends.describe(&row.task_arn).await?, PULL_ERROR);
    say(&format!(
        "agent {} failed to start; delivering its STOPPED event to task-stopped",
        row.node
    ));
    let outcome = functions.task_stopped(&event).await?;
    let replacement = outcome
        .as_ref()
        .ok()
        .and_then(|o| o.get("relaunched"))
        .cloned();
    row.stopped(outcome, backends, "failed to start, not relaunched");
    if let Some(replacement) = replacement {
        row.fail(format!(
            "a permanent failure was relaunched as {replacement}"
        ));
    }
    Ok(())
}

fn names(list: &Value) -> Vec<String> {
    list.as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| n.as_str().map(str::to_owned))
        .collect()
}

/// What a reconcile tick did: its non-empty action lists, and what it held back.
fn tick_summary(tick: &Value) -> String {
    const ACTIONS: [&str; 6] = [
        "launched",
        "ghostNodes",
        "orphanTasks",
        "neverConnected",
        "idleRetired",
        "errors",
    ];
    let acted = ACTIONS
        .iter()
        .filter(|k| tick[**k].as_array().is_some_and(|a| !a.is_empty()))
        .map(|k| format!("{k} {}", tick[*k]));
    let flags = ["placeholderCreated", "outOfTime"]
        .into_iter()
        .filter(|k| tick[*k] == true)
        .map(str::to_owned);
    let done: Vec<String> = acted.chain(flags).collect();
    if done.is_empty() {
        "nothing to repair".into()
    } else {
        done.join(", ")
    }
}

fn text(value: &Value) -> &str {
    value.as_str().unwrap_or("-")
}

/// The first 8 characters of a task's id.
pub fn short(arn: &str) -> String {
    let id: String = arn
        .rsplit('/')
        .next()
        .unwrap_or(arn)
        .chars()
        .take(8)
        .collect();
    if id.is_empty() { "-".into() } else { id }
}

fn say(line: &str) {
    println!("==> {line}");
}

impl Report {
    /// The last tick must have found nothing to launch, retire or delete.
    fn check_quiet(&mut self, tick: &Value) {
        let summary = tick_summary(tick);
        if summary != "nothing to repair" {
            self.problems
                .push(format!("the last reconcile tick still acted: {summary}"));
        }
    }

    /// Nothing of ours may be left: no agent node beyond `baseline`, no task.
    async fn check_left(&mut self, backends: &Backends, baseline: &[String]) -> anyhow::Result<()> {
        for node in backends.agent_names() {
            if !baseline.contains(&node) {
                self.problems
                    .push(format!("node {node} is left in Jenkins"));
            }
        }
        for task in backends.running_tasks().await.context("listing tasks")? {
            let id = short(task.task_arn().unwrap_or_default());
            self.problems.push(format!("task {id} is left running"));
        }
        Ok(())
    }
}
