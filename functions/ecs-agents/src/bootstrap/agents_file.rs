//! Which agents file the functions start from, and where they follow the
//! published one: the settings read at cold start, and the live
//! configuration built from them.
//!
//! The seed is the file built into the functions (`infra/agents.yaml` at
//! build time), or `AGENTS_CONFIG_FILE` for local runs and tests. With
//! `AGENTS_CONFIG_BUCKET` (the stack sets it), the functions read the file
//! published there at cold start and at most once per
//! `AGENTS_CONFIG_REFRESH_SECONDS` after, and act on the seed while none is
//! published (docs/deploy.md, "Changing templates").

use std::time::Duration;

use aws_config::SdkConfig;

use super::{EMBEDDED_AGENTS, Settings, SettingsError};
use crate::config::{AgentsConfig, ConfigVersion, Pinned, VersionedConfig};
use crate::live_config::LiveConfig;
use crate::live_config::s3::S3AgentsFile;

/// The key of the published file when `AGENTS_CONFIG_KEY` names none.
pub const DEFAULT_KEY: &str = "agents.yaml";
/// How often a warm function reads the published file, at most, by default:
/// a new version is in use everywhere within a minute of its publication.
pub const DEFAULT_REFRESH: Duration = Duration::from_secs(30);

/// Where the published agents file is, and how often to read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentsFileSettings {
    /// The stack's bucket (`AGENTS_CONFIG_BUCKET`).
    pub bucket: String,
    /// The object's key (`AGENTS_CONFIG_KEY`, default [`DEFAULT_KEY`]).
    pub key: String,
    /// Reads at most this often (`AGENTS_CONFIG_REFRESH_SECONDS`, default
    /// [`DEFAULT_REFRESH`]; 0 reads before every invocation: local runs).
    pub refresh: Duration,
}

/// The seed: `AGENTS_CONFIG_FILE` if set, else the built-in file.
pub(super) fn seed(
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<VersionedConfig, SettingsError> {
    Ok(match lookup("AGENTS_CONFIG_FILE") {
        Some(path) => {
            let text = std::fs::read_to_string(&path)
                .map_err(|source| SettingsError::AgentsFile { path, source })?;
            VersionedConfig::new(
                AgentsConfig::from_yaml(&text)?,
                ConfigVersion::local_file(&text),
            )
        }
        None => VersionedConfig::new(
            AgentsConfig::from_yaml(EMBEDDED_AGENTS)?,
            ConfigVersion::built_in(EMBEDDED_AGENTS),
        ),
    })
}

/// Where to follow the published file; `None` without `AGENTS_CONFIG_BUCKET`.
pub(super) fn settings(
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<Option<AgentsFileSettings>, SettingsError> {
    const REFRESH: &str = "AGENTS_CONFIG_REFRESH_SECONDS";
    let Some(bucket) = lookup("AGENTS_CONFIG_BUCKET").filter(|b| !b.trim().is_empty()) else {
        return Ok(None);
    };
    let refresh = match lookup(REFRESH) {
        None => DEFAULT_REFRESH,
        Some(text) => {
            text.parse()
                .map(Duration::from_secs)
                .map_err(|_| SettingsError::Invalid {
                    name: REFRESH,
                    problem: format!("`{text}` is not a number of seconds"),
                })?
        }
    };
    Ok(Some(AgentsFileSettings {
        bucket,
        key: lookup("AGENTS_CONFIG_KEY")
            .filter(|k| !k.is_empty())
            .unwrap_or_else(|| DEFAULT_KEY.to_owned()),
        refresh,
    }))
}

/// The agents file the deployment acts on: the seed alone, or the seed
/// following the published file, which may not move what this cold start
/// fixed (see [`Pinned`]).
pub(super) fn live_config(settings: &Settings, sdk: &SdkConfig) -> LiveConfig {
    let seed = (*settings.config).clone();
    let Some(file) = &settings.agents_file else {
        return LiveConfig::fixed(seed);
    };
    let mut pinned =
        Pinned::new(&seed).with_environment_bucket(settings.environment_bucket.is_some());
    if settings.jenkins_api_url == seed.cloud.jenkins_url {
        pinned = pinned.with_jenkins_url(&seed.cloud.jenkins_url);
    }
    if let Some(region) = sdk.region() {
        pinned = pinned.with_region(region.to_string());
    }
    let store = S3AgentsFile::new(super::s3_client(sdk), &file.bucket, &file.key);
    LiveConfig::following(seed, Box::new(store), pinned, file.refresh)
}
