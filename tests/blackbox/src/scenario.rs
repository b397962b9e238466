//! The local run's scenario, played through any [`Functions`]: builds queued
//! across templates; agents launched by the webhook, and by reconcile for a
//! build whose webhook was lost; each agent connected, given one build,
//! released, its task stopped and the STOPPED event delivered; one Pipeline
//! build that lives through a controller restart on the same agent; one
//! agent whose image does not exist, reported and not relaunched; the logs
//! of those two Pipeline builds as the emitter prints them while they wait
//! ([`build_log`]); an
//! operator's push of a changed agents file, and a build only the new
//! version serves, launched by the same warm functions; a last reconcile
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

pub mod build_log;
mod push;
mod report;
pub mod timing;

pub use push::{PUSHED_LABEL, PUSHED_TEMPLATE};
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

/// The cloud's name in [`AGENTS`]: our nodes are `bb-…`.
pub const CLOUD: &str = "bb";

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
    /// Its `queue.buildable` event reaches the webhook after an operator
    /// pushed the agents file that serves it.
    WebhookAfterPush,
}

/// What a build's agent is expected to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// Run the build.
    Build,
    /// Run a Pipeline `node` block while the controller restarts: the agent
    /// reconnects and the block resumes on it.
    BuildAcrossRestart,
    /// Fail to start (its image does not exist).
    FailToStart,
}

/// The builds queued, in order: label, how the agent is asked for, and
/// what its agent is expected to do.
pub const BUILDS: [(&str, Via, Plan); 5] = [
    ("linux", Via::Webhook, Plan::BuildAcrossRestart),
    ("solo", Via::Webhook, Plan::Build),
    ("linux && docker", Via::Webhook, Plan::Build),
    ("broken", Via::Webhook, Plan::FailToStart),
    ("linux", Via::Reconcile, Plan::Build),
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
    for (label, via, plan) in BUILDS {
        let item = match plan {
            Plan::BuildAcrossRestart | Plan::FailToStart => {
                backends.enqueue_pipeline(build_log::pipeline_job(plan).unwrap_or("job"), label)
            }
            Plan::Build => backends.enqueue(label),
        };
        say(&format!("queued build #{item} for label '{label}'"));
        report.rows.push(Row::queued(item, label, via, plan));
    }
    for row in report.rows.iter_mut().filter(|r| r.via == Via::Webhook) {
        launch_by_webhook(backends, functions, row).await?;
        build_log::relay(&backends.jenkins);
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
        check_secret_file(backends, row).await?;
    }
    for row in report.rows.iter_mut().filter(|r| !r.task_arn.is_empty()) {
        match row.plan {
            Plan::Build => run_one_build(backends, functions, row).await?,
            Plan::BuildAcrossRestart => build_across_restart(backends, functions, row).await?,
            Plan::FailToStart => fail_to_start(backends, functions, row).await?,
        }
        build_log::check(&backends.jenkins, row, &mut report.build_logs);
    }
    let pushed = push::push_then_build(backends, functions, &mut report.rows).await?;
    let tick = functions.reconcile().await?;
    say(&format!("last reconcile tick: {}", tick_summary(&tick)));
    if tick["configVersion"] != pushed.as_str() {
        report.problems.push(format!(
            "the last reconcile tick acted on agents file version {}, not the pushed {pushed}",
            tick["configVersion"]
        ));
    }
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
    let request = signed(&event.to_string(), Some(WEBHOOK_SECRET), now_secs());
    let answer = functions.webhook(&request).await?;
    // As the emitter: what Jenkins was told so far, then the answer's line,
    // which comes before launch-worker acts on the work the webhook recorded
    // (its notes are relayed after it).
    build_log::relay(&backends.jenkins);
    if let Some(line) = build_log::answer_line(answer.status, &answer.body) {
        build_log::print(&backends.jenkins, row.item, &line);
    }
    let drained = crate::work::drain(&backends.work, functions).await?;
    row.launch = Some(started.elapsed());
    say(&format!(
        "webhook for #{} answered {} {}; launch-worker took the work",
        row.item, answer.status, answer.body
    ));
    let body = &answer.body;
    if answer.status != 202 || body["outcome"] != "accepted" {
        row.fail(format!("webhook answered {} {body}", answer.status));
    } else if drained.len() != 1 || drained[0].failed {
        row.fail(format!(
            "launch-worker did not finish the work: {drained:?}"
        ));
    } else {
        let node = text(&body["node"]).to_owned();
        row.task_arn = backends.task_of(&node).await?.unwrap_or_default();
        row.launched(&node, text(&body["template"]));
        if row.task_arn.is_empty() {
            row.fail(format!(
                "no task runs for {node} after launch-worker's launch"
            ));
        }
    }
    Ok(())
}

/// Posts a signed event to the webhook, then lets launch-worker act on the
/// work it recorded: the webhook's answer and the work drained.
async fn post_and_work<F: Functions>(
    backends: &Backends,
    functions: &F,
    event: &Value,
) -> anyhow::Result<(crate::Answer, Vec<crate::Drained>)> {
    let request = signed(&event.to_string(), Some(WEBHOOK_SECRET), now_secs());
    let answer = functions.webhook(&request).await?;
    let drained = crate::work::drain(&backends.work, functions).await?;
    Ok((answer, drained))
}

/// Connect, one build, `agent.released`, the task's STOPPED event.
async fn run_one_build<F: Functions>(
    backends: &Backends,
    functions: &F,
    row: &mut Row,
) -> anyhow::Result<()> {
    let jenkins = &backends.jenkins;
    let secret = jenkins.secret(&row.node);
    if let Err(error) = jenkins.connect_agent(&row.node, Some(&secret)) {
        row.fail(format!("the agent could not connect: {error:?}"));
        return Ok(());
    }
    timing::report_start(backends, functions, row).await?;
    if let Err(error) = jenkins.finish_builds(&row.node, None) {
        row.fail(format!("the agent could not build: {error:?}"));
        return Ok(());
    }
    say(&format!(
        "agent {} connected and ran build #{}",
        row.node, row.item
    ));
    release(backends, functions, row, "built, released, stopped").await
}

/// Connect and start the build; a reconcile tick sees the agent online; the
/// controller restarts; what the emitter would post for the resumed block
/// and a reconcile tick must launch or retire nothing; the agent reconnects,
/// the block resumes on it and finishes; then as [`run_one_build`].
async fn build_across_restart<F: Functions>(
    backends: &Backends,
    functions: &F,
    row: &mut Row,
) -> anyhow::Result<()> {
    let jenkins = &backends.jenkins;
    let secret = jenkins.secret(&row.node);
    if let Err(error) = jenkins.connect_agent(&row.node, Some(&secret)) {
        row.fail(format!("the agent could not connect: {error:?}"));
        return Ok(());
    }
    timing::report_start(backends, functions, row).await?;
    build_log::relay(jenkins);
    functions.reconcile().await?;
    jenkins.clear_queue_events();
    jenkins.restart();
    say(&format!(
        "controller restarted while agent {} ran build #{}",
        row.node, row.item
    ));
    // The restored items are announced again (their agents answer for them,
    // or a cap defers them); the resumed block waits for this agent by name,
    // which no template serves.
    for (label, answer) in emit_buildable(backends, functions).await? {
        let fine = match label == row.node {
            true => answer.status == 202 && answer.body["outcome"] == "ignored",
            false => answer.status == 202,
        };
        if !fine {
            row.fail(format!(
                "after the restart, the event for '{label}' was answered {} {}",
                answer.status, answer.body
            ));
            return Ok(());
        }
    }
    // The work recorded for them: agents that exist answer for their items.
    let drained = crate::work::drain(&backends.work, functions).await?;
    if drained.iter().any(|d| d.failed) {
        row.fail(format!(
            "after the restart, launch-worker put work back: {drained:?}"
        ));
        return Ok(());
    }
    let tick = functions.reconcile().await?;
    let summary = tick_summary(&tick);
    if summary != "nothing to repair" {
        row.fail(format!("reconcile acted during the restart: {summary}"));
        return Ok(());
    }
    let resumed = jenkins
        .connect_agent(&row.node, Some(&secret))
        .and_then(|()| jenkins.finish_builds(&row.node, None));
    match resumed {
        Ok(finished) if finished.len() == 1 => {}
        other => {
            row.fail(format!("the block did not resume on its agent: {other:?}"));
            return Ok(());
        }
    }
    say(&format!(
        "agent {} reconnected and finished build #{}",
        row.node, row.item
    ));
    let what = "built across a controller restart, released, stopped";
    release(backends, functions, row, what).await
}

/// The agent's secret must reach it through its environment file, never
/// through the task's overrides (which DescribeTasks, task events and
/// CloudTrail show).
async fn check_secret_file(backends: &Backends, row: &mut Row) -> anyhow::Result<()> {
    let task = backends.describe(&row.task_arn).await?;
    let secret = backends.jenkins.secret(&row.node);
    let file = backends.environment_file(&task).await?.unwrap_or_default();
    if format!("{task:?}").contains(&secret) {
        row.fail("the agent's secret is in its task's overrides".into());
    } else if !file.contains(&format!("JENKINS_SECRET={secret}")) {
        row.fail("the agent's environment file does not hold its secret".into());
    }
    Ok(())
}

/// What the emitter posts for every item Jenkins announced as buildable:
/// each label with the webhook's answer.
async fn emit_buildable<F: Functions>(
    backends: &Backends,
    functions: &F,
) -> anyhow::Result<Vec<(String, crate::Answer)>> {
    let mut answers = Vec::new();
    for event in backends.jenkins.queue_events() {
        if let jenkins_stand_in::QueueEvent::EnterBuildable {
            id,
            label: Some(label),
            in_queue_since,
            ..
        } = event
        {
            let mut body = buildable(id, &label);
            body["item"]["inQueueSince"] = json!(in_queue_since);
            let request = signed(&body.to_string(), Some(WEBHOOK_SECRET), now_secs());
            answers.push((label, functions.webhook(&request).await?));
        }
    }
    Ok(answers)
}

/// `agent.released`, the task stopped, its STOPPED event delivered.
async fn release<F: Functions>(
    backends: &Backends,
    functions: &F,
    row: &mut Row,
    what: &str,
) -> anyhow::Result<()> {
    say(&format!("posting agent.released for {}", row.node));
    let release = json!({"type": "agent.released", "eventTime": now_millis(), "node": row.node});
    let (answer, drained) = post_and_work(backends, functions, &release).await?;
    let task = backends.describe(&row.task_arn).await?;
    let done = drained.len() == 1 && !drained[0].failed;
    if answer.status != 202 || !done || task.last_status() != Some("STOPPED") {
        row.fail(format!(
            "after agent.released ({} {}; work {drained:?}) the task is {}",
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
    let event = timing::with_ecs_times(crate::events::stopped_event(&task), row, false);
    let outcome = functions.task_stopped(&event).await?;
    row.stopped(outcome, backends, what);
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
    let event = timing::with_ecs_times(event, row, true);
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
    const ACTIONS: [&str; 7] = [
        "launched",
        "ghostNodes",
        "orphanTasks",
        "neverConnected",
        "disconnected",
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
        for key in backends.environment_files().await? {
            self.problems
                .push(format!("environment file {key} is left in the bucket"));
        }
        Ok(())
    }
}
