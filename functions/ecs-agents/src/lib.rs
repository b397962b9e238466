//! The domain of serverless Jenkins agents on Amazon ECS: everything the
//! Lambda functions and the `ecs-agents` CLI share.
//!
//! The modules form layers; each uses only the layers below it (checked by
//! `tests/layers.rs`, described in CONTRIBUTING.md):
//!
//! 1. values: [`labels`], [`naming`], [`secret`], [`clock`], [`taskdef`],
//!    [`metrics`], [`protocol`] (the events Jenkins' emitter sends), [`timing`]
//!    (time to start), and [`events`] (the agent-event port, with its adapter);
//!    `https` (feature `https`): the one HTTPS stack, trust store read once;
//! 2. [`config`]: the agents file, and what makes a node or task ours;
//! 3. ports and their adapters: [`jenkins`], [`ecs`], [`envfiles`],
//!    [`live_config`] (the published agents file a running function follows),
//!    and [`workqueue`] (the work the webhook accepted, waiting to be launched);
//! 4. [`ports`]: the three ports as one type parameter, and the deployment;
//! 5. [`launch`]: one agent for one queued build, and retiring agents;
//! 6. the use cases behind the functions: [`webhook`] (accept and record),
//!    [`worker`] (launch what was recorded), [`stopped`], [`reconcile`];
//! 7. wiring: `bootstrap` (feature `adapters`): settings, secrets, real adapters.

// 1. Values.
pub mod clock;
pub mod events;
#[cfg(feature = "https")]
pub mod https;
pub mod labels;
pub mod metrics;
pub mod naming;
pub mod protocol;
pub mod secret;
pub mod taskdef;
pub mod timing;

// 2. The agents file.
pub mod config;

// 3. Ports to Jenkins, ECS and the agents' environment files, with their
//    adapters and fakes.
pub mod ecs;
pub mod envfiles;
pub mod jenkins;
pub mod live_config;
pub mod workqueue;

// 4. The ports as one type parameter.
pub mod ports;

// 5. Launching and retiring agents.
pub mod launch;

// 6. The use cases behind the four functions.
pub mod reconcile;
pub mod stopped;
pub mod webhook;
pub mod worker;

// 7. Cold-start wiring with the real adapters.
#[cfg(feature = "adapters")]
pub mod bootstrap;
