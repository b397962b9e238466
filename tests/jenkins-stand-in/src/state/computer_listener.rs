//! What Jenkins tells its `ComputerListener`s: the callbacks an emitter such as
//! ecs-agents' `init.groovy.d` script turns into lines of a waiting build's log
//! (docs/jenkins-api.md §24).
//!
//! `onTemporarilyOffline` fires synchronously inside the request that set the
//! cause (`changeOfflineCause`, `toggleOffline` going offline), before Jenkins
//! answers it, so a listener sees a cause written just before the node is
//! deleted. `onOnline` fires when an agent's channel comes up.

use serde::Serialize;

/// One `ComputerListener` callback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "camelCase")]
pub enum ComputerEvent {
    /// `ComputerListener.onTemporarilyOffline(Computer, OfflineCause)`.
    TemporarilyOffline {
        /// The computer's name.
        computer: String,
        /// The cause's `toString()`: `Disconnected by USER : MESSAGE` for a `UserCause`.
        cause: String,
    },
    /// `ComputerListener.onOnline(Computer, TaskListener)`.
    Online {
        /// The computer's name.
        computer: String,
    },
}
