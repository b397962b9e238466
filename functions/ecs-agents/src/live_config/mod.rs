//! The agents file as published in the stack's bucket, and the live
//! configuration of a function instance that follows it.
//!
//! The functions start from the file built into them (or `AGENTS_CONFIG_FILE`)
//! and, when the stack names a bucket, read the published file at cold start
//! and again at most once per refresh interval, with a conditional read that
//! costs nothing while the file is unchanged ([`LiveConfig`]). A published
//! version that does not load, or moves what the deployment fixed
//! ([`crate::config::Pinned`]), is refused: the instance keeps the version it
//! has, and says so once per version (log, metric, `AgentsConfigRejected`).
//! Publishing is the operator's, with the `ecs-agents` CLI; the functions
//! only read.

#[cfg(any(test, feature = "test-util"))]
pub mod fake;
mod live;
#[cfg(feature = "adapters")]
pub mod s3;
#[cfg(test)]
mod tests;

use std::fmt;
use std::future::Future;
use std::pin::Pin;

pub use live::{LiveConfig, READ_TIMEOUT};

use crate::config::ConfigVersion;

/// A future on the heap: [`AgentsFileStore`] is used as a trait object, so
/// that a deployment names no store type (it reads once per interval, where
/// an allocation costs nothing worth counting).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The published agents file, as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedFile {
    /// Its text.
    pub text: String,
    /// Its version (the S3 version id).
    pub version: ConfigVersion,
    /// Its ETag: the next read asks for the file only if it is another.
    pub etag: String,
    /// When it was published (epoch ms), if the store says.
    pub published_ms: Option<u64>,
}

/// What one read found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreRead {
    /// The file still has the ETag the reader knew.
    Unchanged,
    /// No file is published: none was yet, or its latest version was deleted.
    Missing,
    /// The file.
    File(PublishedFile),
}

/// The published file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct StoreError(pub String);

/// Where the agents file is published.
pub trait AgentsFileStore: Send + Sync + fmt::Debug {
    /// Where, for messages (`s3://bucket/key`).
    fn location(&self) -> String;

    /// The published file, or [`StoreRead::Unchanged`] while its ETag is
    /// still `known`.
    fn read<'a>(&'a self, known: Option<&'a str>) -> BoxFuture<'a, Result<StoreRead, StoreError>>;
}
