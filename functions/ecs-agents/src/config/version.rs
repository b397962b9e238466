//! Which agents file a function acts on: the validated file together with the
//! version it was read as, so every event and log line can say which file a
//! decision came from, and a running function can swap one file for the next.

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::AgentsConfig;

/// Hex characters of the content hash in a built-in or local file's version:
/// enough to tell files apart in a log, short enough to read.
const HASH_CHARS: usize = 12;

/// An agents file's version, as events (`configVersion`) and logs show it.
///
/// A published file (the stack's bucket) is known by its S3 version id: the
/// handle `ecs-agents versions` lists and `ecs-agents rollback` takes. The
/// file built into the functions and a local `AGENTS_CONFIG_FILE` have no
/// such id, so theirs is a short content hash with where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ConfigVersion(String);

impl ConfigVersion {
    /// A published file's version: its S3 version id (or, in a bucket
    /// without versioning, its ETag).
    pub fn published(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    /// The file built into the functions (`infra/agents.yaml` at build time).
    pub fn built_in(text: &str) -> Self {
        Self(format!("built-in-{}", short_hash(text)))
    }

    /// A file read from the local disk (`AGENTS_CONFIG_FILE`).
    pub fn local_file(text: &str) -> Self {
        Self(format!("file-{}", short_hash(text)))
    }

    /// The version as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ConfigVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn short_hash(text: &str) -> String {
    let mut hex = hex::encode(Sha256::digest(text.as_bytes()));
    hex.truncate(HASH_CHARS);
    hex
}

/// A validated agents file and its version. Dereferences to the file, so a
/// use case reads `config.templates` whichever version it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionedConfig {
    config: Arc<AgentsConfig>,
    version: ConfigVersion,
    published_ms: Option<u64>,
}

impl VersionedConfig {
    /// `config` known as `version`.
    pub fn new(config: impl Into<Arc<AgentsConfig>>, version: ConfigVersion) -> Self {
        Self {
            config: config.into(),
            version,
            published_ms: None,
        }
    }

    /// The same, published at `epoch_ms` (S3's `LastModified`).
    pub fn published_at(mut self, epoch_ms: u64) -> Self {
        self.published_ms = Some(epoch_ms);
        self
    }

    /// The version.
    pub fn version(&self) -> &ConfigVersion {
        &self.version
    }

    /// When this version was published (epoch ms); `None` for a file that was
    /// never published (built in, or local).
    pub fn published_ms(&self) -> Option<u64> {
        self.published_ms
    }

    /// The file itself.
    pub fn config(&self) -> &Arc<AgentsConfig> {
        &self.config
    }
}

impl Deref for VersionedConfig {
    type Target = AgentsConfig;

    fn deref(&self) -> &AgentsConfig {
        &self.config
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_and_local_files_are_known_by_a_short_hash_of_their_text() {
        let built_in = ConfigVersion::built_in("cloud: {}\n");
        assert!(built_in.as_str().starts_with("built-in-"), "{built_in}");
        assert_eq!(built_in.as_str().len(), "built-in-".len() + HASH_CHARS);
        assert_eq!(built_in, ConfigVersion::built_in("cloud: {}\n"));
        assert_ne!(built_in, ConfigVersion::built_in("cloud: {name: x}\n"));
        assert!(
            ConfigVersion::local_file("cloud: {}\n")
                .as_str()
                .starts_with("file-")
        );
    }

    #[test]
    fn a_published_file_is_known_by_its_s3_version_id() {
        let version = ConfigVersion::published("3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY");
        assert_eq!(version.to_string(), "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY");
    }
}
