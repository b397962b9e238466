//! The domain of serverless Jenkins agents on Amazon ECS.
//!
//! Everything the Lambda functions and the `ecs-agents` CLI share lives here:
//! Jenkins label expressions ([`labels`]), agent templates and their
//! validation ([`config`]), the task definitions they render to
//! ([`taskdef`]), and the ports to Jenkins ([`jenkins`]), ECS ([`ecs`]) and
//! EventBridge ([`events`]) with their real adapters and in-memory fakes.

#[cfg(feature = "adapters")]
pub mod bootstrap;
pub mod config;
pub mod ecs;
pub mod events;
pub mod jenkins;
pub mod labels;
pub mod launch;
pub mod metrics;
pub mod naming;
pub mod reconcile;
pub mod secret;
#[cfg(feature = "adapters")]
pub mod secrets;
pub mod stopped;
pub mod taskdef;
pub mod webhook;
