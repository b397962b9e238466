//! The three ports of a deployment bundled into one type parameter, and the
//! [`Deployment`] every use case acts through.
//!
//! A use case is generic over one `P: Ports` instead of three port types, so
//! a signature reads `Launcher<P>` and a new port costs one associated type.
//! The ports' methods return `impl Future`, which is not dyn-compatible;
//! generics keep them zero-cost (the hot paths run in microseconds).
//! [`Live`](crate::bootstrap::Live) names the real adapters; [`Fakes`] the
//! in-memory ones (feature `test-util`).

use std::fmt;
use std::sync::Arc;

use crate::config::AgentsConfig;
use crate::ecs::AgentTasks;
use crate::envfiles::EnvFiles;
use crate::events::EventPublisher;
use crate::jenkins::JenkinsNodes;

/// Which adapter serves each port.
pub trait Ports: 'static {
    /// The Jenkins API.
    type Jenkins: JenkinsNodes;
    /// ECS.
    type Ecs: AgentTasks;
    /// Where agent events go.
    type Events: EventPublisher;
    /// Where agents' environment files are kept.
    type Files: EnvFiles;
}

/// One deployment: its agents file, its ports, and the `startedBy` that
/// marks its tasks. Built once per cold start and shared by the use cases.
pub struct Deployment<P: Ports> {
    /// The validated agents file.
    pub config: Arc<AgentsConfig>,
    /// The Jenkins port.
    pub jenkins: P::Jenkins,
    /// The ECS port.
    pub ecs: P::Ecs,
    /// The agent-event port.
    pub events: P::Events,
    /// The agent-environment port.
    pub files: P::Files,
    started_by: String,
}

impl<P: Ports> Deployment<P> {
    /// A deployment of `config` acting through these adapters.
    pub fn new(
        config: Arc<AgentsConfig>,
        jenkins: P::Jenkins,
        ecs: P::Ecs,
        events: P::Events,
        files: P::Files,
    ) -> Self {
        let started_by = config.cloud.started_by();
        Self {
            config,
            jenkins,
            ecs,
            events,
            files,
            started_by,
        }
    }

    /// The ECS `startedBy` of this deployment's tasks (computed once).
    pub fn started_by(&self) -> &str {
        &self.started_by
    }
}

impl<P: Ports> fmt::Debug for Deployment<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Deployment")
            .field("cloud", &self.config.cloud.name)
            .field("templates", &self.config.templates.len())
            .field("started_by", &self.started_by)
            .finish_non_exhaustive()
    }
}

/// The in-memory fakes of every port, for tests in this and other crates.
#[cfg(any(test, feature = "test-util"))]
#[derive(Debug, Clone, Copy)]
pub struct Fakes;

#[cfg(any(test, feature = "test-util"))]
impl Ports for Fakes {
    type Jenkins = crate::jenkins::fake::FakeJenkins;
    type Ecs = crate::ecs::fake::FakeEcs;
    type Events = crate::events::fake::FakePublisher;
    type Files = crate::envfiles::fake::FakeEnvFiles;
}

#[cfg(any(test, feature = "test-util"))]
impl Deployment<Fakes> {
    /// A deployment of the agents file `yaml` on empty fakes.
    pub fn with_fakes(yaml: &str) -> Self {
        let config =
            AgentsConfig::from_yaml(yaml).unwrap_or_else(|errors| panic!("test config: {errors}"));
        Self::new(
            Arc::new(config),
            crate::jenkins::fake::FakeJenkins::new(),
            crate::ecs::fake::FakeEcs::new(),
            crate::events::fake::FakePublisher::new(),
            crate::envfiles::fake::FakeEnvFiles::new(),
        )
    }
}
