//! Launches refused outright, remembered so that the reconciler does not
//! try them again every minute.
//!
//! A RunTask that ECS refuses for a misconfiguration (access denied, a
//! missing `iam:PassRole`, a subnet of another VPC, a task definition the
//! policy does not allow) creates no task (docs/aws.md §9), so the stopped
//! tasks [`super::attempts`] reads show nothing of it. Without a memory,
//! each run would create a node, call RunTask, delete the node and publish
//! `AgentLaunchFailed` again, for every waiting build. The same holds for a
//! launch Jenkins refuses (a permission the user lacks).
//!
//! So a permanent launch failure holds its queue item back exactly as a
//! permanent failed start does: for the rest of the item's hour window, after
//! which it is tried again under a new name. Nothing stateless records the
//! refusal, so it lives in the reconciler instance, which is the only one
//! (reserved concurrency 1). A cold start forgets: a new instance tries a
//! refused item once more, then holds it back again.

use std::collections::HashMap;
use std::sync::Mutex;

use super::attempts::window_floor;
use super::{Run, World};
use crate::jenkins::QueueEntry;
use crate::launch::LaunchError;
use crate::ports::Ports;

/// The last refused launch per queue item.
#[derive(Debug, Default)]
pub(crate) struct Refusals(Mutex<HashMap<u64, Refusal>>);

#[derive(Debug, Clone)]
struct Refusal {
    attempt: u32,
    why: String,
}

impl Refusals {
    /// Forgets the items that are no longer queued, so the memory stays as
    /// small as the queue.
    pub(crate) fn forget_gone(&self, world: &World) {
        self.lock()
            .retain(|item, _| world.queue.iter().any(|e| e.id == *item));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Refusal>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl<P: Ports> Run<'_, P> {
    /// Why `entry` is held back, if a launch for it was refused outright
    /// within its current hour window.
    pub(super) fn refused(&self, entry: &QueueEntry, waited_ms: u64) -> Option<String> {
        let floor = window_floor(waited_ms, self.reconciler.options.max_attempts);
        let refusals = self.reconciler.refusals.lock();
        let refusal = refusals.get(&entry.id).filter(|r| r.attempt >= floor)?;
        Some(format!("{}; not relaunched within the hour", refusal.why))
    }

    /// Remembers a launch for `entry` (its attempt `attempt`) that failed for
    /// good; a transient failure is simply tried again next run.
    pub(super) fn remember_refusal(&self, entry: &QueueEntry, attempt: u32, error: &LaunchError) {
        if !matches!(error, LaunchError::Permanent(_)) {
            return;
        }
        let refusal = Refusal {
            attempt,
            why: format!("launch refused: {error}"),
        };
        self.reconciler.refusals.lock().insert(entry.id, refusal);
    }
}
