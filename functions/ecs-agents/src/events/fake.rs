//! An in-memory event publisher that records what was published.

use std::sync::Mutex;

use super::*;

/// In-memory [`EventPublisher`].
#[derive(Debug, Default)]
pub struct FakePublisher {
    published: Mutex<Vec<AgentEvent>>,
    rejected_configs: Mutex<Vec<ConfigRejected>>,
    failing: Mutex<bool>,
}

impl FakePublisher {
    /// A publisher that accepts everything.
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes every publish fail from now on.
    pub fn fail(&self) {
        *self.failing.lock().unwrap_or_else(|p| p.into_inner()) = true;
    }

    /// Everything published so far.
    pub fn published(&self) -> Vec<AgentEvent> {
        self.published
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Every `AgentsConfigRejected` published so far.
    pub fn rejected_configs(&self) -> Vec<ConfigRejected> {
        self.rejected_configs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The first event of `kind` published so far.
    pub fn first(&self, kind: AgentEventKind) -> Option<AgentEvent> {
        self.published().into_iter().find(|e| e.kind == kind)
    }
}

impl EventPublisher for FakePublisher {
    async fn publish(&self, event: &AgentEvent) -> Result<(), PublishError> {
        if *self.failing.lock().unwrap_or_else(|p| p.into_inner()) {
            return Err(PublishError("event bus unavailable".into()));
        }
        self.published
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(event.clone());
        Ok(())
    }

    async fn publish_rejected_config(&self, event: &ConfigRejected) -> Result<(), PublishError> {
        if *self.failing.lock().unwrap_or_else(|p| p.into_inner()) {
            return Err(PublishError("event bus unavailable".into()));
        }
        self.rejected_configs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(event.clone());
        Ok(())
    }
}
