//! The RegisterTaskDefinition input ([`TaskDefinition`]) and its content hash.
//! [`crate::config`] renders one from each template; this module depends on
//! nothing else in the crate.
//!
//! The hash covers the *entire* RegisterTaskDefinition input — containers,
//! volumes, roles, compatibilities, runtime platform, task size, storage and
//! tags — so the launcher can reuse a registered revision exactly while
//! nothing changed, and register a new one as soon as anything does. (The
//! ECS plugin compared only part of it and registered revisions per launch.)

mod model;

pub use model::{
    ContainerDefinition, EfsAuthorization, EfsVolumeConfiguration, EphemeralStorage, HostEntry,
    HostVolume, KernelCapabilities, KeyValuePair, LinuxParameters, LogConfiguration, MountPoint,
    PortMapping, RepositoryCredentials, RuntimePlatform, Secret, Tag, TaskDefinition, Ulimit,
    Volume,
};

use sha2::{Digest, Sha256};

/// Tag on each registered revision naming the deployment (cloud) it belongs to.
pub const CLOUD_TAG: &str = "ecs-agents:cloud";
/// Tag on revisions and tasks naming the template.
pub const TEMPLATE_TAG: &str = "ecs-agents:template";
/// Tag on each registered revision holding the hash it was rendered from.
pub const HASH_TAG: &str = "ecs-agents:hash";

/// SHA-256 (hex) of the definition's canonical JSON: keys sorted, no spaces.
pub fn content_hash(definition: &TaskDefinition) -> String {
    // serde_json's Value keeps object keys in sorted order (no
    // `preserve_order` feature), so equal definitions give equal bytes.
    let canonical = serde_json::to_value(definition)
        .map(|v| v.to_string())
        .unwrap_or_default();
    hex::encode(Sha256::digest(canonical.as_bytes()))
}

/// Adds the hash tag to a rendered definition and returns the hash.
pub(crate) fn seal(definition: &mut TaskDefinition) -> String {
    definition.tags.retain(|tag| tag.key != HASH_TAG);
    let hash = content_hash(definition);
    definition.tags.push(Tag {
        key: HASH_TAG.to_owned(),
        value: hash.clone(),
    });
    hash
}
