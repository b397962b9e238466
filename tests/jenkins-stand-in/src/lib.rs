//! A Jenkins stand-in for the black-box tests and the local run.
//!
//! A real Jenkins cannot be installed here, so this crate serves the part of Jenkins'
//! HTTP API the functions use, as faithfully as `docs/jenkins-api.md` and Jenkins' sources
//! allow: creating inbound agents (`POST /computer/doCreateItem`), their `.jnlp` secret,
//! deleting them, marking them offline, listing computers and the queue (with `tree=`),
//! cancelling queue items, and Jenkins' own dispatch of queued work to idle executors,
//! including the exact `why` texts.
//!
//! # Rust API
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use jenkins_stand_in::{Enqueue, StandIn};
//! let jenkins = StandIn::builder().user("admin", "token").start().await?;
//! let id = jenkins.enqueue(Enqueue { label: Some("linux".into()), ..Enqueue::default() });
//! println!("{} has item {id}", jenkins.base_url());
//! # Ok(()) }
//! ```
//!
//! # HTTP controls
//!
//! Under `/_stand-in/` (JSON, no authentication, not recorded):
//!
//! | request | effect |
//! |---|---|
//! | `GET nodes` | every node with its runtime state |
//! | `GET queue` | `{"items": [...], "left": [...]}` |
//! | `POST queue` [`Enqueue`] | enqueue; `201 {"id": N}` |
//! | `POST queue/ID/cancel` | cancel like Jenkins; `{"cancelled": bool}` |
//! | `POST queue/ID/unblock` | a blocked item becomes buildable |
//! | `DELETE queue/ID` | remove without a left item |
//! | `POST agents/NAME/connect` `{"secret"?}` | the agent connects (409 if already, 403 bad secret) |
//! | `POST agents/NAME/disconnect` | the agent's channel closes |
//! | `POST agents/NAME/accepting-tasks` `{"accepting": bool}` | `setAcceptingTasks` |
//! | `POST agents/NAME/finish` `{"executor"?}` | builds end; `{"finished": [...]}` |
//! | `GET agents/NAME/secret` | `{"secret": "…"}` |
//! | `GET`/`POST`/`DELETE faults` [`Fault`] | list, arm, clear faults |
//! | `GET`/`PUT`/`DELETE permissions` [`Denials`] | what the API users are denied: read, replace, grant all |
//! | `GET`/`DELETE requests` | the request log ([`RecordedRequest`]), or clear it |
//! | `POST reset` | forget nodes, queue, builds, requests, faults, denials |
//! | `PUT language` `{"language": "en"|"de"}` | the language of queue reasons, forced as the Locale plugin can |
//! | `POST restart` | restart the controller: agents disconnected, queue kept, Pipeline `node` blocks resumed ([`restart`]) |
//! | `GET`/`DELETE queue-events` | the queue-listener callbacks (`onEnterBuildable`, `onLeft`) so far, or clear them |
//! | `GET`/`DELETE computer-events` | the computer-listener callbacks (`onTemporarilyOffline`, `onOnline`) so far, or clear them |
//! | `GET`/`POST queue/ID/log` `{"line"}` | the log of item ID's Pipeline run, or print a line to it (400 for a freestyle build: no log while it waits) |
//! | `PUT create-race-window` `{"ms"?}` | set or clear the create race window |
//! | `PUT built-in` `{"numExecutors", "labelString"?, "mode"?}` | reconfigure the controller's node |

pub mod agents;
pub mod auth;
pub mod bind;
pub mod build_log;
mod builder;
pub mod cli;
pub mod computers;
pub mod control;
pub mod create;
pub mod dispatch;
pub mod http_util;
pub mod jnlp;
pub mod json;
pub mod language;
pub mod names;
pub mod ops;
pub mod permissions;
pub mod queue_http;
pub mod restart;
pub mod router;
mod running;
pub mod state;
pub mod timespan;
pub mod traffic;
pub mod tree;
pub mod why;

pub use builder::{StandIn, StandInBuilder};
pub use http_util::{jetty_header_bytes, x_error_as_received};
pub use ops::{ControlError, Enqueue};
pub use permissions::Denials;
pub use running::RunningStandIn;
pub use state::computer::{Computer, ComputerKind, Mode, NodeConfig, OfflineCause};
pub use state::computer_listener::ComputerEvent;
pub use state::listener::QueueEvent;
pub use state::queue::{Executable, LeftItem, QueueItem, Stage, Task};
pub use traffic::{Fault, RecordedRequest};
