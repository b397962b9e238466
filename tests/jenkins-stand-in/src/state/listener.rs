//! What Jenkins tells its `QueueListener`s, in order: the callbacks an emitter
//! such as ecs-agents' `init.groovy.d` script turns into webhook events
//! (docs/jenkins-api.md §10, §11).
//!
//! `onEnterBuildable` fires when an item becomes buildable, *before* the same
//! `Queue.maintain()` pass offers it to idle executors; an item an idle
//! executor takes at once therefore enters buildable and leaves in one pass.
//! Tests read this log to play an emitter's part.

use serde::Serialize;

/// One queue-listener callback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "camelCase")]
pub enum QueueEvent {
    /// `QueueListener.onEnterBuildable`.
    #[serde(rename_all = "camelCase")]
    EnterBuildable {
        /// The queue item id.
        id: u64,
        /// `Item.getAssignedLabel()`, canonical; `None` for unrestricted items.
        label: Option<String>,
        /// `Task.getFullDisplayName()`.
        task: String,
        /// When the item entered the queue, epoch ms.
        in_queue_since: i64,
    },
    /// `QueueListener.onLeft`.
    #[serde(rename_all = "camelCase")]
    Left {
        /// The queue item id.
        id: u64,
        /// `LeftItem.isCancelled()`.
        cancelled: bool,
    },
}
