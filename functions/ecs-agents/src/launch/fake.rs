//! A launcher on the in-memory fakes of every port, for tests.

use std::sync::Arc;

use super::{Launcher, LauncherOptions};
use crate::ports::{Deployment, Fakes};

impl Launcher<Fakes> {
    /// A launcher for the agents file `yaml` on empty fakes, default options.
    pub fn with_fakes(yaml: &str) -> Self {
        Launcher::new(
            Arc::new(Deployment::with_fakes(yaml)),
            LauncherOptions::default(),
        )
    }
}
