//! An in-memory published agents file, for tests: publish, delete, fail or
//! hang reads, and count them.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::{AgentsFileStore, BoxFuture, LiveConfig, PublishedFile, StoreError, StoreRead};
use crate::config::{AgentsConfig, ConfigVersion, Pinned, VersionedConfig};

/// In-memory [`AgentsFileStore`]; clones share one file.
#[derive(Debug, Clone, Default)]
pub struct FakeAgentsFile {
    state: Arc<Mutex<State>>,
}

#[derive(Debug, Default)]
struct State {
    file: Option<PublishedFile>,
    published: usize,
    reads: usize,
    known: Vec<Option<String>>,
    failure: Option<String>,
    delay: Option<Duration>,
}

impl FakeAgentsFile {
    /// No file published yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// A live configuration that starts from the agents file `seed` (its
    /// version `built-in-…`) and follows this file every `interval`; the
    /// seed's name and cluster are pinned.
    pub fn follow(&self, seed: &str, interval: Duration) -> LiveConfig {
        let config = AgentsConfig::from_yaml(seed).unwrap_or_else(|e| panic!("seed: {e}"));
        let pinned = Pinned::new(&config);
        let seed = VersionedConfig::new(config, ConfigVersion::built_in(seed));
        LiveConfig::following(seed, Box::new(self.clone()), pinned, interval)
    }

    /// Publishes `text` as the next version (`v1`, `v2`, …; ETag `etag-1`, …),
    /// published at `published_ms`; returns its version.
    pub fn publish_at(&self, text: &str, published_ms: u64) -> ConfigVersion {
        let mut state = self.lock();
        state.published += 1;
        let version = ConfigVersion::published(format!("v{}", state.published));
        state.file = Some(PublishedFile {
            text: text.to_owned(),
            version: version.clone(),
            etag: format!("etag-{}", state.published),
            published_ms: Some(published_ms),
        });
        version
    }

    /// Publishes `text` as the next version, published long ago.
    pub fn publish(&self, text: &str) -> ConfigVersion {
        self.publish_at(text, 0)
    }

    /// Deletes the file (its latest version becomes a delete marker).
    pub fn delete(&self) {
        self.lock().file = None;
    }

    /// Every read fails with `reason` until [`FakeAgentsFile::heal`].
    pub fn fail_reads(&self, reason: &str) {
        self.lock().failure = Some(reason.to_owned());
    }

    /// Reads succeed again.
    pub fn heal(&self) {
        let mut state = self.lock();
        state.failure = None;
        state.delay = None;
    }

    /// Every read takes `delay` (tokio time: a paused clock does not wait).
    pub fn delay_reads(&self, delay: Duration) {
        self.lock().delay = Some(delay);
    }

    /// How many reads were made.
    pub fn reads(&self) -> usize {
        self.lock().reads
    }

    /// The ETag each read said it knew, in order.
    pub fn known_etags(&self) -> Vec<Option<String>> {
        self.lock().known.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl AgentsFileStore for FakeAgentsFile {
    fn location(&self) -> String {
        "fake://agents.yaml".into()
    }

    fn read<'a>(&'a self, known: Option<&'a str>) -> BoxFuture<'a, Result<StoreRead, StoreError>> {
        Box::pin(async move {
            let delay = {
                let mut state = self.lock();
                state.reads += 1;
                state.known.push(known.map(str::to_owned));
                state.delay
            };
            if let Some(delay) = delay {
                tokio::time::sleep(delay).await;
            }
            let state = self.lock();
            if let Some(reason) = &state.failure {
                return Err(StoreError(reason.clone()));
            }
            Ok(match &state.file {
                None => StoreRead::Missing,
                Some(file) if Some(file.etag.as_str()) == known => StoreRead::Unchanged,
                Some(file) => StoreRead::File(file.clone()),
            })
        })
    }
}
