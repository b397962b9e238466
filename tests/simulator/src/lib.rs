//! A deterministic simulation of the whole system (issue 13 §2): the
//! library's real decision code — `launch::Launcher` (launch, cancel,
//! release), `stopped::TaskStopped`, `reconcile::Reconciler` — acting
//! through its ports on models of ECS, Jenkins, Lambda, SQS, EventBridge
//! and the emitter, in virtual time (tokio's paused clock).
//!
//! - [`ecs`]: the cluster's API buckets, the SDK's retries, client tokens;
//! - [`jenkins`]: the controller: serialised node creation, the queue and
//!   its `why` texts, agents, restarts;
//! - [`sqs`] and [`worker`]: the work queue, its event source and the
//!   launch worker;
//! - [`world`]: the processes between them (emitter, webhook, task lives,
//!   builds, EventBridge, the reconciler's schedule);
//! - [`faults`]: what goes wrong, drawn from the seed;
//! - [`invariants`]: what must hold once a run settles;
//! - [`run`]: one run and its report; [`bench`]: the burst benchmark.
//!
//! Uses: `cargo run -p simulator --release -- burst` (or `scripts/bench
//! burst`), and the property tests in `tests/properties.rs`, which CI runs.
//! How to read and replay them: tests/simulator/README.md.

pub mod bench;
pub mod bucket;
pub mod ecs;
pub mod faults;
pub mod invariants;
pub mod jenkins;
pub mod logs;
pub mod rng;
pub mod run;
pub mod sqs;
pub mod worker;
pub mod world;
