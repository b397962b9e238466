//! The operator's step between builds: a changed agents file pushed with the
//! CLI's own code while the functions run, and a build only the new version
//! can serve, launched by the same warm functions, which are neither rebuilt
//! nor restarted.

use anyhow::Context;
use serde_json::Value;

use super::{Plan, Row, Via, check_secret_file, launch_by_webhook, run_one_build, say};
use crate::Backends;
use crate::functions::Functions;

/// The template the pushed file adds, with an image of its own.
pub const PUSHED_TEMPLATE: &str = "  - {name: jdk21, labels: jdk21, image: 'jenkins/inbound-agent:latest-jdk21', cpu: 512, memory: 1024, subnets: ['{subnet}'], securityGroups: ['{sg}']}\n";

/// The label of the build that follows the push.
pub const PUSHED_LABEL: &str = "jdk21";

/// Pushes the scenario's file plus [`PUSHED_TEMPLATE`], then queues a build
/// for [`PUSHED_LABEL`] and plays it like the others; the version pushed.
pub(super) async fn push_then_build<F: Functions>(
    backends: &Backends,
    functions: &F,
    rows: &mut Vec<Row>,
) -> anyhow::Result<String> {
    let seed = backends.agents(super::AGENTS).await?;
    let file = format!("{seed}{}", backends.agents(PUSHED_TEMPLATE).await?);
    let (plan, pushed) = backends
        .push_agents_file(&file, &seed)
        .await
        .context("ecs-agents push")?;
    let version = pushed.context("the pushed file differs")?.version;
    let changes = plan.diff.map(|d| d.to_string()).unwrap_or_default();
    say(&format!(
        "operator pushed the agents file, version {version}: {}",
        changes
            .trim_end()
            .replace(":\n  ", ": ")
            .replace('\n', "; ")
    ));
    let item = backends.enqueue(PUSHED_LABEL);
    say(&format!("queued build #{item} for label '{PUSHED_LABEL}'"));
    let mut row = Row::queued(item, PUSHED_LABEL, Via::WebhookAfterPush, Plan::Build);
    launch_by_webhook(backends, functions, &mut row).await?;
    if !row.task_arn.is_empty() {
        check_launched_from(backends, &mut row, &version).await?;
        check_secret_file(backends, &mut row).await?;
        run_one_build(backends, functions, &mut row).await?;
    }
    rows.push(row);
    Ok(version)
}

/// The agent must come from the pushed version: its event says so.
async fn check_launched_from(
    backends: &Backends,
    row: &mut Row,
    version: &str,
) -> anyhow::Result<()> {
    let published = backends.published().await?;
    let launched = published
        .iter()
        .find(|(kind, detail)| kind == "AgentLaunched" && detail["node"] == row.node.as_str());
    let from = launched.map_or(&Value::Null, |(_, detail)| &detail["configVersion"]);
    if from != version {
        row.fail(format!(
            "launched from agents file version {from}, not the pushed {version}"
        ));
    }
    Ok(())
}
