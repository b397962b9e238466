//! The burst benchmark: N builds queued at once, the virtual time until
//! every one has its agent (the N-th agent task created: agents of one
//! template are interchangeable, Jenkins hands each to the first build in
//! the queue), against the floor the same model's limits set. The run goes
//! on until every build has started, to count builds left without an agent
//! (dropped) and agents beyond one per build (duplicates).
//!
//! The floor is the latest of three bounds on when the last RunTask can be
//! admitted, all from the model's own parameters:
//!
//! - each ECS bucket RunTask draws from, full at the start: `(N − burst) /
//!   refill` — Fargate's RunTask bucket (20, 20 per s) and the cluster's
//!   modify bucket (100, 40 per s) (docs/aws.md §3);
//! - Jenkins creates nodes one at a time (docs/jenkins-api.md §22): the last
//!   node exists `N × create` after the first event reaches the worker, and
//!   its launch still reads the secret and calls RunTask;
//! - nothing starts before the emitter's first post (1 s after the item
//!   is buildable) has gone through the webhook and the queue.
//!
//! `floor = max((N − 20)/20, (N − 100)/40, intake + N × create + secret + RunTask)`.

use std::time::Duration;

use crate::run::simulate;
use crate::world::Scenario;

/// The seed of every benchmark run: it is one deterministic measurement.
pub const SEED: u64 = 1;

/// One row of the table.
#[derive(Debug, Clone, PartialEq)]
pub struct BurstRow {
    /// Builds queued at once.
    pub builds: usize,
    /// Until every build had its agent's task (virtual time).
    pub time: Duration,
    /// Until 99 % of the builds had their agent's task.
    pub p99: Duration,
    /// Until every build had started on its agent.
    pub started: Duration,
    /// The floor of the model's limits.
    pub floor: Duration,
    /// Builds that never got a task.
    pub dropped: usize,
    /// Second tasks for one agent name, plus agent tasks beyond one per build.
    pub duplicates: u64,
    /// ECS calls refused by a bucket, per agent.
    pub throttled_per_agent: f64,
    /// RunTask calls per agent (retries included).
    pub run_task_calls_per_agent: f64,
    /// Refused calls per ECS operation.
    pub throttled: std::collections::BTreeMap<&'static str, u64>,
}

impl BurstRow {
    /// Time over floor.
    pub fn ratio(&self) -> f64 {
        self.time.as_secs_f64() / self.floor.as_secs_f64()
    }
}

/// The floor for `scenario` (see the module docs).
pub fn floor(scenario: &Scenario) -> Duration {
    let n = scenario.arrivals.len() as f64;
    let bucket = |(burst, refill): (u32, u32)| {
        Duration::from_secs_f64(((n - f64::from(burst)) / f64::from(refill)).max(0.0))
    };
    let limits = &scenario.ecs_limits;
    let intake = Duration::from_secs(1) + Duration::from_millis(30) + scenario.sqs.delivery_latency;
    let jenkins = intake
        + scenario.jenkins_latency.create.mul_f64(n)
        + scenario.jenkins_latency.other
        + scenario.ecs_latency.run_task;
    bucket(limits.fargate_run_task)
        .max(bucket(limits.cluster_modify))
        .max(jenkins)
}

/// Runs the burst of `n` builds.
pub fn burst(n: usize) -> BurstRow {
    let scenario = Scenario::burst(n);
    let floor = floor(&scenario);
    let report = simulate(scenario, SEED);
    let created = &report.stats.tasks_created;
    let time = created
        .get(n.saturating_sub(1))
        .copied()
        .unwrap_or(report.elapsed);
    let p99 = created
        .get((n * 99).div_ceil(100).saturating_sub(1))
        .copied()
        .unwrap_or(report.elapsed);
    let started = report
        .stats
        .build_started
        .values()
        .max()
        .copied()
        .unwrap_or(report.elapsed);
    let throttled: u64 = report.ecs.throttled.values().sum();
    let surplus = (created.len() as u64).saturating_sub(n as u64);
    BurstRow {
        builds: n,
        time,
        p99,
        started,
        floor,
        dropped: n - report.stats.build_started.len(),
        duplicates: report.ecs.duplicate_agents.len() as u64 + surplus,
        throttled_per_agent: throttled as f64 / n as f64,
        run_task_calls_per_agent: report.ecs.calls.get("RunTask").copied().unwrap_or(0) as f64
            / n as f64,
        throttled: report.ecs.throttled.clone(),
    }
}

/// The rows as a Markdown table.
pub fn table(rows: &[BurstRow]) -> String {
    let mut out = String::from(
        "| builds | every build has its agent | floor | ratio | 99 % have theirs | every build started | duplicate agents | dropped builds | throttled calls per agent | RunTask calls per agent |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for row in rows {
        out.push_str(&format!(
            "| {} | {:.1} s | {:.1} s | {:.2}× | {:.1} s | {:.1} s | {} | {} | {:.2} | {:.2} |\n",
            row.builds,
            row.time.as_secs_f64(),
            row.floor.as_secs_f64(),
            row.ratio(),
            row.p99.as_secs_f64(),
            row.started.as_secs_f64(),
            row.duplicates,
            row.dropped,
            row.throttled_per_agent,
            row.run_task_calls_per_agent,
        ));
    }
    out
}
