//! A launcher on the in-memory fakes of every port, and access to the
//! ports for tests that arrange and inspect them.

use std::sync::Arc;

use super::{Launcher, LauncherOptions};
use crate::config::AgentsConfig;

/// A launcher on the in-memory fakes, for tests.
pub type FakeLauncher = Launcher<
    crate::jenkins::fake::FakeJenkins,
    crate::ecs::fake::FakeEcs,
    crate::events::fake::FakePublisher,
>;

impl FakeLauncher {
    /// A launcher for the agents file `yaml` on empty fakes, default options.
    pub fn with_fakes(yaml: &str) -> Self {
        let config =
            AgentsConfig::from_yaml(yaml).unwrap_or_else(|errors| panic!("test config: {errors}"));
        let fakes = (
            crate::jenkins::fake::FakeJenkins::new(),
            crate::ecs::fake::FakeEcs::new(),
            crate::events::fake::FakePublisher::new(),
        );
        Launcher::new(
            Arc::new(config),
            fakes.0,
            fakes.1,
            fakes.2,
            LauncherOptions::default(),
        )
    }
}

impl<J, E, P> Launcher<J, E, P> {
    /// The Jenkins port, to arrange and inspect fakes in tests.
    pub fn jenkins_for_tests(&self) -> &J {
        &self.jenkins
    }

    /// The ECS port, to arrange and inspect fakes in tests.
    pub fn ecs_for_tests(&self) -> &E {
        &self.ecs
    }

    /// The event port, to inspect fakes in tests.
    pub fn events_for_tests(&self) -> &P {
        &self.events
    }
}
