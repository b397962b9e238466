//! The domain of serverless Jenkins agents on Amazon ECS.
//!
//! Everything the Lambda functions and the `ecs-agents` CLI share lives here:
//! Jenkins label expressions ([`labels`]), agent templates and their
//! validation ([`config`]), and the task definitions they render to.

pub mod config;
pub mod labels;
pub mod naming;
pub mod taskdef;
