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

use crate::config::{AgentsConfig, ConfigVersion, VersionedConfig};
use crate::ecs::AgentTasks;
use crate::envfiles::EnvFiles;
use crate::events::EventPublisher;
use crate::jenkins::JenkinsNodes;
use crate::live_config::LiveConfig;

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
///
/// The agents file may change while the instance lives (`live_config`): each
/// invocation takes one version with [`Deployment::config_for_invocation`]
/// and acts on it throughout.
pub struct Deployment<P: Ports> {
    agents: LiveConfig,
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
    /// A deployment of `config`, which never changes, acting through these
    /// adapters; [`Deployment::following`] makes it follow a published file.
    pub fn new(
        config: Arc<AgentsConfig>,
        jenkins: P::Jenkins,
        ecs: P::Ecs,
        events: P::Events,
        files: P::Files,
    ) -> Self {
        let started_by = config.cloud.started_by();
        let unversioned = VersionedConfig::new(config, ConfigVersion::published("unversioned"));
        Self {
            agents: LiveConfig::fixed(unversioned),
            jenkins,
            ecs,
            events,
            files,
            started_by,
        }
    }

    /// The same deployment acting on `agents` instead: a fixed version, or
    /// one that follows the published file. Its cloud name and cluster must
    /// be this deployment's (a followed file's are pinned to its seed's).
    pub fn following(mut self, agents: LiveConfig) -> Self {
        self.started_by = agents.current().cloud.started_by();
        self.agents = agents;
        self
    }

    /// The ECS `startedBy` of this deployment's tasks (computed once).
    pub fn started_by(&self) -> &str {
        &self.started_by
    }

    /// The agents file version in use now, without reading anything.
    pub fn config(&self) -> Arc<VersionedConfig> {
        self.agents.current()
    }

    /// The agents file version one invocation acts on: the published file is
    /// read first when a read is due. Ask once per invocation, launch or run,
    /// and keep the answer.
    pub async fn config_for_invocation(&self) -> Arc<VersionedConfig> {
        if let Some(next) = self.agents.refresh(&self.events).await {
            // A template that comes back later (a rollback) is resolved
            // afresh: its old revision may have been deregistered meanwhile.
            self.ecs.retain_task_definitions(&next);
        }
        self.agents.current()
    }

    /// How this deployment follows the published agents file.
    pub fn agents_file(&self) -> &LiveConfig {
        &self.agents
    }
}

impl<P: Ports> fmt::Debug for Deployment<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let config = self.config();
        f.debug_struct("Deployment")
            .field("cloud", &config.cloud.name)
            .field("config_version", config.version())
            .field("templates", &config.templates.len())
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
        let version = ConfigVersion::built_in(yaml);
        Self::new(
            Arc::new(config.clone()),
            crate::jenkins::fake::FakeJenkins::new(),
            crate::ecs::fake::FakeEcs::new(),
            crate::events::fake::FakePublisher::new(),
            crate::envfiles::fake::FakeEnvFiles::new(),
        )
        .following(LiveConfig::fixed(VersionedConfig::new(config, version)))
    }
}
