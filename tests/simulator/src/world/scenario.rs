//! What a run simulates: the agents file, the builds, the models'
//! parameters, the faults, and for the checks' own tests a deliberately
//! broken step.

use std::time::Duration;

use crate::ecs::{EcsLatency, EcsLimits};
use crate::faults::Faults;
use crate::jenkins::JenkinsLatency;
use crate::rng::Rng;
use crate::sqs::SqsSettings;

/// The agents file of every run: one Fargate template for `linux`;
/// builds asking for `windows` have no template. The launch timeout is
/// shortened so a run settles within its horizon.
pub const AGENTS_FILE: &str = "
cloud: {name: sim, cluster: agents, jenkinsUrl: 'https://jenkins.example.com/', maxAgents: 5000, agentLaunchTimeoutSeconds: 300}
templates:
  - {name: linux, labels: linux, cpu: 512, memory: 1024, subnets: [subnet-1], launchType: FARGATE}
";

/// One build entering the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arrival {
    /// When, since the start.
    pub at: Duration,
    /// Its label.
    pub label: String,
    /// Cancelled this long after it entered the queue, if still waiting.
    pub cancel_after: Option<Duration>,
}

/// How long things take in a task's life and a build's: model parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskTimes {
    /// From RunTask to RUNNING (capacity, network interface, image pull).
    pub provisioning: (Duration, Duration),
    /// From RUNNING to the agent connected.
    pub connect: (Duration, Duration),
    /// A build's run.
    pub build: (Duration, Duration),
    /// From StopTask to STOPPED.
    pub stop: (Duration, Duration),
}

impl Default for TaskTimes {
    fn default() -> Self {
        let s = Duration::from_secs;
        Self {
            provisioning: (s(15), s(45)),
            connect: (s(2), s(6)),
            build: (s(20), s(120)),
            stop: (s(2), s(30)),
        }
    }
}

/// A step broken on purpose, to show that the checks catch it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sabotage {
    /// Nothing broken.
    None,
    /// ECS forgets client tokens: a repeated launch starts a second task.
    IgnoreClientTokens,
    /// StopTask answers but the task keeps running.
    IgnoreStops,
    /// Jenkins' secret read logs the secret.
    LogSecrets,
    /// The worker deletes launch work without launching.
    SkipLaunches,
}

/// One run's setup.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// The agents file.
    pub agents_file: String,
    /// Builds entering the queue.
    pub arrivals: Vec<Arrival>,
    /// How long the run lasts (virtual time).
    pub horizon: Duration,
    /// End the run once every build has started (the burst benchmark).
    pub stop_when_started: bool,
    /// The reconciler's schedule, if it runs.
    pub reconcile_every: Option<Duration>,
    /// ECS's limits.
    pub ecs_limits: EcsLimits,
    /// ECS's answer times.
    pub ecs_latency: EcsLatency,
    /// Jenkins' answer times.
    pub jenkins_latency: JenkinsLatency,
    /// The work queue and its event source.
    pub sqs: SqsSettings,
    /// The worker function's timeout.
    pub worker_timeout: Duration,
    /// Task and build times.
    pub times: TaskTimes,
    /// Faults.
    pub faults: Faults,
    /// A step broken on purpose.
    pub sabotage: Sabotage,
}

impl Scenario {
    /// The defaults around `arrivals`, with no faults.
    pub fn new(arrivals: Vec<Arrival>) -> Self {
        Self {
            agents_file: AGENTS_FILE.to_owned(),
            arrivals,
            horizon: Duration::from_secs(3600),
            stop_when_started: false,
            // The stack's default schedule (infra/template.yaml).
            reconcile_every: Some(Duration::from_secs(60)),
            ecs_limits: EcsLimits::default(),
            ecs_latency: EcsLatency::default(),
            jenkins_latency: JenkinsLatency::default(),
            sqs: SqsSettings::default(),
            worker_timeout: Duration::from_secs(30),
            times: TaskTimes::default(),
            faults: Faults::none(),
            sabotage: Sabotage::None,
        }
    }

    /// `n` builds of `linux` queued at once.
    pub fn burst(n: usize) -> Self {
        let arrivals = (0..n)
            .map(|_| Arrival {
                at: Duration::ZERO,
                label: "linux".into(),
                cancel_after: None,
            })
            .collect();
        Self {
            stop_when_started: true,
            ..Self::new(arrivals)
        }
    }

    /// The property tests' run for `seed`: a dozen to forty builds over
    /// five minutes (some without a template, some cancelled), random
    /// faults for the first ten minutes, then quiet until the horizon.
    pub fn random(seed: u64) -> Self {
        let mut rng = Rng::stream(seed, "scenario");
        let count = 12 + rng.below(29) as usize;
        let arrivals = (0..count)
            .map(|_| Arrival {
                at: rng.between(Duration::ZERO, Duration::from_secs(300)),
                label: if rng.chance(0.05) { "windows" } else { "linux" }.into(),
                cancel_after: rng
                    .chance(0.1)
                    .then(|| rng.between(Duration::ZERO, Duration::from_secs(90))),
            })
            .collect();
        let fault_window = Duration::from_secs(600);
        Self {
            horizon: Duration::from_secs(45 * 60),
            faults: Faults::random(seed, fault_window),
            ..Self::new(arrivals)
        }
    }
}
