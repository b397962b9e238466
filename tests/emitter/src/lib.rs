//! The emitter (`infra/jenkins/ecs-agents-emitter.groovy`) under test, without a Jenkins.
//!
//! - [`toolchain`]: finds Debian's `groovy` (2.4.21, the Groovy Jenkins bundles) and a JDK, and
//!   compiles, once per test binary, the Jenkins stand-in classes (`stubs/`, signatures as in
//!   docs/jenkins-api.md §19) and the driver (`driver/Driver.groovy`).
//! - [`Controller`]: one Groovy process that plays a Jenkins controller around the script:
//!   loads it as `init.groovy.d` does, and plays queue and executor callbacks on command.
//! - [`Webhook`]: a loopback queue webhook that checks every request with the project's own
//!   signature verifier and protocol parser, and answers what a test planned.
//!
//! `tests/emitter/README.md` says how to run it and how to aim it at another version of the
//! script.

mod controller;
mod toolchain;
mod webhook;

pub use controller::{Controller, LogLine, Outcome, Setup};
pub use toolchain::{Toolchain, toolchain};
pub use webhook::{Answer, Received, Webhook};
