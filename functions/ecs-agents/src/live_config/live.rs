//! One function instance's agents file: the version it acts on now, and how
//! it follows the published file.
//!
//! Each invocation asks for the current version once ([`LiveConfig::current`])
//! and acts on that one throughout, so one invocation never mixes two files.
//! Before that, [`LiveConfig::refresh`] reads the published file if the
//! refresh interval has passed since the last read: a conditional read (the
//! ETag last seen), so an unchanged file costs one small request per interval
//! and no request at all in between. Nothing here fails an invocation: a file
//! that cannot be read, does not load, or moves what the deployment fixed
//! leaves the current version in place and is reported once (a warning, the
//! `AgentsConfigRejected` metric and event), then quietly retried.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use tokio::time::{Instant, timeout};
use tracing::{info, warn};

use super::{AgentsFileStore, PublishedFile, StoreRead};
use crate::config::{AgentsConfig, ConfigDiff, ConfigVersion, Pinned, VersionedConfig};
use crate::events::{ConfigRejected, EventPublisher};
use crate::metrics::Record;

/// How long one read of the published file may take, the SDK's retries
/// included, before the invocation goes on with the version it has: a read
/// stands in front of a launch, and S3 answers in milliseconds when well.
pub const READ_TIMEOUT: Duration = Duration::from_secs(2);

/// The agents file of one function instance.
#[derive(Debug)]
pub struct LiveConfig {
    current: RwLock<Arc<VersionedConfig>>,
    seed: Arc<VersionedConfig>,
    follow: Option<Follow>,
}

/// How the instance follows the published file.
#[derive(Debug)]
struct Follow {
    store: Box<dyn AgentsFileStore>,
    pinned: Pinned,
    interval: Duration,
    state: tokio::sync::Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// When the next read is due.
    due: Instant,
    /// The ETag of the last file read, good or refused: while it stays, a
    /// read answers "unchanged", so a refused version is said once.
    etag: Option<String>,
    /// The last read failure said, once until a read succeeds.
    unreadable: Option<String>,
}

impl LiveConfig {
    /// Always `config`: nothing is published to follow.
    pub fn fixed(config: VersionedConfig) -> Self {
        let config = Arc::new(config);
        Self {
            current: RwLock::new(Arc::clone(&config)),
            seed: config,
            follow: None,
        }
    }

    /// `seed` until the file published in `store` is read (the first
    /// [`LiveConfig::refresh`] reads it), then that file, read again at most
    /// once per `interval`. A version that moves what `pinned` fixes is
    /// refused; with none published, `seed` is used.
    pub fn following(
        seed: VersionedConfig,
        store: Box<dyn AgentsFileStore>,
        pinned: Pinned,
        interval: Duration,
    ) -> Self {
        let seed = Arc::new(seed);
        Self {
            current: RwLock::new(Arc::clone(&seed)),
            seed,
            follow: Some(Follow {
                store,
                pinned,
                interval,
                state: tokio::sync::Mutex::new(State {
                    due: Instant::now(),
                    etag: None,
                    unreadable: None,
                }),
            }),
        }
    }

    /// The version to act on now. An invocation asks once and keeps it.
    pub fn current(&self) -> Arc<VersionedConfig> {
        Arc::clone(&self.current.read().unwrap_or_else(|p| p.into_inner()))
    }

    /// Reads the published file if a read is due, and makes a good new
    /// version current; the new version, if it changed. A read another
    /// invocation has under way is not waited for: this one acts on the
    /// version it has. Problems are reported through `events` once each.
    pub async fn refresh(&self, events: &impl EventPublisher) -> Option<Arc<VersionedConfig>> {
        let follow = self.follow.as_ref()?;
        let mut state = follow.state.try_lock().ok()?;
        if Instant::now() < state.due {
            return None;
        }
        let read = timeout(READ_TIMEOUT, follow.store.read(state.etag.as_deref())).await;
        state.due = Instant::now() + follow.interval;
        let read = match read {
            Ok(Ok(read)) => read,
            Ok(Err(error)) => {
                let problem = format!("cannot read {}: {error}", follow.store.location());
                self.unreadable(&mut state, problem, events).await;
                return None;
            }
            Err(_) => {
                let problem = format!(
                    "cannot read {}: no answer within {} s",
                    follow.store.location(),
                    READ_TIMEOUT.as_secs()
                );
                self.unreadable(&mut state, problem, events).await;
                return None;
            }
        };
        state.unreadable = None;
        match read {
            StoreRead::Unchanged => None,
            StoreRead::Missing => {
                state.etag = None;
                self.swap(Arc::clone(&self.seed), "no agents file is published")
            }
            StoreRead::File(file) => {
                state.etag = Some(file.etag.clone());
                match self.accept(follow, &file) {
                    Ok(config) => {
                        let from = format!("published at {}", follow.store.location());
                        self.swap(Arc::new(config), &from)
                    }
                    Err(reason) => {
                        self.report(Some(file.version), reason, events).await;
                        None
                    }
                }
            }
        }
    }

    /// Whether every instance following the file has read `config` by
    /// `now_ms`: each reads at least once per interval once invoked (give or
    /// take a read under way), so twice that after its publication.
    pub fn settled(&self, config: &VersionedConfig, now_ms: u64) -> bool {
        let (Some(follow), Some(published)) = (&self.follow, config.published_ms()) else {
            return true;
        };
        let settle = 2 * follow.interval + READ_TIMEOUT;
        now_ms >= published.saturating_add(settle.as_millis() as u64)
    }

    /// The published file as a version to act on, or why not.
    fn accept(&self, follow: &Follow, file: &PublishedFile) -> Result<VersionedConfig, String> {
        let config = AgentsConfig::from_yaml(&file.text).map_err(|e| e.to_string())?;
        follow.pinned.check(&config).map_err(|e| e.to_string())?;
        let versioned = VersionedConfig::new(config, file.version.clone());
        Ok(match file.published_ms {
            Some(ms) => versioned.published_at(ms),
            None => versioned,
        })
    }

    /// Makes `next` current unless it already is; logs what changed.
    fn swap(&self, next: Arc<VersionedConfig>, from: &str) -> Option<Arc<VersionedConfig>> {
        let mut current = self.current.write().unwrap_or_else(|p| p.into_inner());
        if current.version() == next.version() {
            return None;
        }
        let changes = ConfigDiff::between(&current, &next);
        info!(
            config_version = %next.version(),
            previous_version = %current.version(),
            changes = %changes.to_string().trim_end(),
            "agents file version {} in use ({from})",
            next.version()
        );
        *current = Arc::clone(&next);
        Some(next)
    }

    async fn unreadable(&self, state: &mut State, problem: String, events: &impl EventPublisher) {
        if state.unreadable.as_ref() == Some(&problem) {
            return;
        }
        state.unreadable = Some(problem.clone());
        self.report(None, problem, events).await;
    }

    /// Says once that the published file is not used: a warning, the
    /// `AgentsConfigRejected` metric (the stack alarms on it) and event.
    async fn report(
        &self,
        refused: Option<ConfigVersion>,
        reason: String,
        events: &impl EventPublisher,
    ) {
        let current = self.current();
        warn!(
            config_version = %current.version(),
            rejected_version = refused.as_ref().map(ConfigVersion::as_str),
            %reason,
            "published agents file not used; keeping version {}",
            current.version()
        );
        Record::new(std::iter::empty())
            .metric("AgentsConfigRejected", "Count", 1.0)
            .emit();
        let event = ConfigRejected {
            config_version: current.version().to_string(),
            rejected_version: refused.map(|v| v.to_string()),
            reason,
        };
        if let Err(error) = events.publish_rejected_config(&event).await {
            warn!(%error, "AgentsConfigRejected not published");
        }
    }
}
