//! An in-memory [`EnvFiles`], for tests.

use std::collections::BTreeMap;
use std::sync::Mutex;

use super::{EnvFileError, EnvFiles, StoredFile};
use crate::naming::AgentName;
use crate::secret::Secret;

/// In-memory [`EnvFiles`]: files by agent, with a clock the test sets.
#[derive(Debug, Default)]
pub struct FakeEnvFiles {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    files: BTreeMap<AgentName, (Secret, u64)>,
    now_ms: u64,
    fail_next: Option<EnvFileError>,
}

impl FakeEnvFiles {
    /// No files.
    pub fn new() -> Self {
        Self::default()
    }

    /// The contents of `agent`'s file, if it exists.
    pub fn contents(&self, agent: &AgentName) -> Option<String> {
        let state = self.lock();
        state.files.get(agent).map(|(s, _)| s.expose().to_owned())
    }

    /// One variable of `agent`'s file.
    pub fn variable(&self, agent: &AgentName, name: &str) -> Option<String> {
        let contents = self.contents(agent)?;
        contents
            .lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix('='))
            .map(str::to_owned)
    }

    /// The agents that have a file.
    pub fn agents(&self) -> Vec<AgentName> {
        self.lock().files.keys().cloned().collect()
    }

    /// Sets the time files written from now on are stamped with.
    pub fn set_now(&self, now_ms: u64) {
        self.lock().now_ms = now_ms;
    }

    /// Makes the next call fail with `error`.
    pub fn fail_next(&self, error: EnvFileError) {
        self.lock().fail_next = Some(error);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn enter(&self) -> Result<std::sync::MutexGuard<'_, State>, EnvFileError> {
        let mut state = self.lock();
        match state.fail_next.take() {
            Some(error) => Err(error),
            None => Ok(state),
        }
    }
}

impl EnvFiles for FakeEnvFiles {
    async fn put(&self, agent: &AgentName, contents: &Secret) -> Result<String, EnvFileError> {
        let mut state = self.enter()?;
        let now = state.now_ms;
        state.files.insert(agent.clone(), (contents.clone(), now));
        Ok(format!("arn:aws:s3:::fake-bucket/agents/{agent}.env"))
    }

    async fn delete(&self, agent: &AgentName) -> Result<(), EnvFileError> {
        self.enter()?.files.remove(agent);
        Ok(())
    }

    async fn list(&self) -> Result<Vec<StoredFile>, EnvFileError> {
        let state = self.enter()?;
        let mut files: Vec<StoredFile> = state
            .files
            .iter()
            .map(|(agent, (_, written_ms))| StoredFile {
                agent: agent.clone(),
                written_ms: *written_ms,
            })
            .collect();
        files.sort_by_key(|f| f.written_ms);
        Ok(files)
    }
}
