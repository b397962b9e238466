//! Deregistering the task definition revisions no template renders any more.
//!
//! Families `<cloud>-*` are listed (ACTIVE), then each family's ACTIVE
//! revisions oldest first, and each revision is described once for its tags.
//! A revision is stale when its [`CLOUD_TAG`] names this cloud and its
//! [`HASH_TAG`] is not kept; anything else (a user's `<cloud>-something`
//! family, a revision without our tags) is never touched, and neither is a
//! task definition this instance resolved for its launches.
//!
//! DeregisterTaskDefinition shares the 1-per-second bucket with
//! RegisterTaskDefinition (docs/aws.md §3), so one sweep deregisters at most
//! `max` revisions and describes at most [`DESCRIBES_PER_DEREGISTRATION`]
//! times as many. Tags once read are remembered for the adapter's life, so
//! successive sweeps of a warm instance reach revisions beyond the budget.

use std::collections::HashMap;
use std::ops::ControlFlow::{self, Break, Continue};
use std::sync::Mutex;

use aws_sdk_ecs::Client;
use aws_sdk_ecs::types::{SortOrder, TaskDefinitionFamilyStatus, TaskDefinitionStatus};

use super::errors::classify;
use super::taskdefs::{TaskDefinitionCache, describe_active, tag_value};
use crate::ecs::EcsError;
use crate::taskdef::HASH_TAG;

/// Tag naming the cloud that registered a revision (as `taskdef::render` sets it).
use crate::taskdef::CLOUD_TAG;

/// DescribeTaskDefinition calls one sweep may make per revision it may deregister.
pub const DESCRIBES_PER_DEREGISTRATION: usize = 4;

/// Revisions whose tags are remembered at most; beyond, the memory starts over.
const REMEMBERED: usize = 10_000;

/// The tags of ours a revision carries.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Ownership {
    cloud: Option<String>,
    hash: Option<String>,
}

impl Ownership {
    fn is_stale(&self, cloud: &str, keep: &[String]) -> bool {
        self.cloud.as_deref() == Some(cloud)
            && self.hash.as_ref().is_some_and(|h| !keep.contains(h))
    }
}

/// Tags of revisions described so far, by ARN. Our revisions are never
/// re-tagged, so an answer stays true while the revision is ACTIVE.
#[derive(Debug, Default)]
pub(super) struct DescribedRevisions(Mutex<HashMap<String, Ownership>>);

impl DescribedRevisions {
    fn get(&self, arn: &str) -> Option<Ownership> {
        self.lock().get(arn).cloned()
    }

    fn remember(&self, arn: &str, ownership: Ownership) {
        let mut known = self.lock();
        if known.len() >= REMEMBERED {
            known.clear();
        }
        known.insert(arn.to_owned(), ownership);
    }

    fn forget(&self, arn: &str) {
        self.lock().remove(arn);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Ownership>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// One bounded pass over the cloud's families.
pub(super) struct Sweep<'a> {
    pub(super) client: &'a Client,
    pub(super) in_use: &'a TaskDefinitionCache,
    pub(super) described: &'a DescribedRevisions,
    pub(super) cloud: &'a str,
    pub(super) keep: &'a [String],
    pub(super) max: usize,
}

/// What a sweep has done and may still do.
struct Progress {
    describes_left: usize,
    deregistered: Vec<String>,
}

impl Sweep<'_> {
    /// Deregisters up to `max` stale revisions, oldest first per family;
    /// returns their ARNs. An error ends the sweep (the revisions
    /// deregistered before it are logged and dropped from the cache).
    pub(super) async fn run(&self) -> Result<Vec<String>, EcsError> {
        let mut progress = Progress {
            describes_left: self.max.saturating_mul(DESCRIBES_PER_DEREGISTRATION),
            deregistered: Vec::new(),
        };
        if self.max == 0 {
            return Ok(progress.deregistered);
        }
        let prefix = format!("{}-", self.cloud);
        let mut next_token = None;
        loop {
            let page = self
                .client
                .list_task_definition_families()
                .family_prefix(&prefix)
                .status(TaskDefinitionFamilyStatus::Active)
                .max_results(100)
                .set_next_token(next_token)
                .send()
                .await
                .map_err(|e| classify("ListTaskDefinitionFamilies", e))?;
            for family in page.families() {
                if self.family(family, &mut progress).await?.is_break() {
                    return Ok(progress.deregistered);
                }
            }
            next_token = page.next_token().map(str::to_owned);
            if next_token.is_none() {
                return Ok(progress.deregistered);
            }
        }
    }

    /// The family's ACTIVE revisions, oldest first, a page at a time.
    async fn family(
        &self,
        family: &str,
        progress: &mut Progress,
    ) -> Result<ControlFlow<()>, EcsError> {
        let mut next_token = None;
        loop {
            let page = self
                .client
                .list_task_definitions()
                .family_prefix(family)
                .status(TaskDefinitionStatus::Active)
                .sort(SortOrder::Asc)
                .max_results(100)
                .set_next_token(next_token)
                .send()
                .await
                .map_err(|e| classify("ListTaskDefinitions", e))?;
            for arn in page.task_definition_arns() {
                if self.revision(arn, progress).await?.is_break() {
                    return Ok(Break(()));
                }
            }
            next_token = page.next_token().map(str::to_owned);
            if next_token.is_none() {
                return Ok(Continue(()));
            }
        }
    }

    /// Deregisters `arn` if it is stale; breaks when the sweep is done.
    async fn revision(
        &self,
        arn: &str,
        progress: &mut Progress,
    ) -> Result<ControlFlow<()>, EcsError> {
        if self.in_use.holds(arn) {
            return Ok(Continue(()));
        }
        let ownership = match self.described.get(arn) {
            Some(known) => known,
            None if progress.describes_left == 0 => return Ok(Break(())),
            None => {
                progress.describes_left -= 1;
                match ownership(self.client, arn).await? {
                    Some(read) => {
                        self.described.remember(arn, read.clone());
                        read
                    }
                    None => return Ok(Continue(())),
                }
            }
        };
        // Checked again: a launch may have resolved it while we described.
        if !ownership.is_stale(self.cloud, self.keep) || self.in_use.holds(arn) {
            return Ok(Continue(()));
        }
        self.client
            .deregister_task_definition()
            .task_definition(arn)
            .send()
            .await
            .map_err(|e| classify("DeregisterTaskDefinition", e))?;
        self.in_use.forget(arn);
        self.described.forget(arn);
        tracing::info!(task_definition = %arn, hash = ?ownership.hash, "deregistered stale task definition");
        progress.deregistered.push(arn.to_owned());
        Ok(if progress.deregistered.len() >= self.max {
            Break(())
        } else {
            Continue(())
        })
    }
}

/// Our tags on an ACTIVE revision; `None` if it is gone or no longer ACTIVE.
async fn ownership(client: &Client, arn: &str) -> Result<Option<Ownership>, EcsError> {
    let Some(output) = describe_active(client, arn).await? else {
        return Ok(None);
    };
    let tag = |key: &str| tag_value(&output, key).map(str::to_owned);
    Ok(Some(Ownership {
        cloud: tag(CLOUD_TAG),
        hash: tag(HASH_TAG),
    }))
}

#[cfg(test)]
mod account;
#[cfg(test)]
mod tests;
