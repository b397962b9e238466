//! One run: a paused current-thread runtime, the epoch clock following it,
//! the log captured, the world run to its end, and the checks.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::ecs::EcsCounts;
use crate::invariants;
use crate::logs::LogBuffer;
use crate::world::{Scenario, Stats, World};

/// The virtual epoch every run starts at (2026-01-01T00:00:00Z).
pub const EPOCH_MS: u64 = 1_767_225_600_000;

/// What a run did and found.
#[derive(Debug, Clone)]
pub struct Report {
    /// The seed.
    pub seed: u64,
    /// Invariants that did not hold, one line each.
    pub violations: Vec<String>,
    /// What happened.
    pub stats: Stats,
    /// ECS's counters.
    pub ecs: EcsCounts,
    /// Jenkins calls per call.
    pub jenkins_calls: BTreeMap<&'static str, u64>,
    /// Virtual time the run lasted.
    pub elapsed: Duration,
    /// Builds queued.
    pub builds: usize,
    /// The captured log.
    pub log: String,
}

impl Report {
    /// The command that replays this run's seed.
    pub fn replay_command(&self) -> String {
        format!(
            "SIM_SEED={} cargo test -p simulator --test properties -- replay --nocapture",
            self.seed
        )
    }
}

/// Runs `scenario` with `seed` and checks the invariants at its end.
pub fn simulate(scenario: Scenario, seed: u64) -> Report {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap_or_else(|e| panic!("a runtime: {e}"));
    let logs = LogBuffer::default();
    let _capture = logs.capture();
    runtime.block_on(async {
        let _clock = ecs_agents::clock::follow_tokio_clock(EPOCH_MS);
        let builds = scenario.arrivals.len();
        let world = World::new(scenario, seed);
        world.run().await;
        let log = logs.text();
        let violations = invariants::check(&world, &log);
        let stats = world
            .stats
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let ecs = world.ecs.lock().counts.clone();
        let jenkins_calls = world.jenkins.lock().calls.clone();
        Report {
            seed,
            violations,
            stats,
            ecs,
            jenkins_calls,
            elapsed: world.elapsed(),
            builds,
            log,
        }
    })
}
