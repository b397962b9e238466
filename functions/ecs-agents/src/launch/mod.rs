//! Launching one agent for one queued build, exactly once, and retiring
//! agents on Jenkins' word. How it works, and why: docs/how-it-works.md.
//!
//! Everything a retry needs is derived from the build itself: the agent name
//! from the queue item, the RunTask `clientToken` from the name and the time
//! the item entered the queue, the secret from the name (Jenkins derives it
//! by HMAC). A redelivered or concurrent launch therefore converges on the
//! first one. On failure the node we created is deleted again, so nothing is
//! left half-done.

mod agent;
mod caps;
mod deadline;
mod error;
mod failure;
#[cfg(any(test, feature = "test-util"))]
mod fake;
mod note;
mod outcome;
mod request;
mod retire;
#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use tracing::{info, warn};

pub use deadline::CLEANUP_GRACE;
pub use error::{CallError, LaunchError, RetireError};
pub use failure::{MAX_START_ATTEMPTS, StartFailure};
pub use note::{BuildNote, NOTE_PREFIX, NOTE_TIMEOUT, advice, console_link};
pub use outcome::LaunchOutcome;
pub use request::client_token;
pub use retire::RetireOutcome;

use crate::config::{AgentTemplate, Retention, VersionedConfig};
use crate::jenkins::{JenkinsNodes, QueueItemState};
use crate::labels::LabelExpr;
use crate::ports::{Deployment, Ports};
use caps::UsageCache;

/// A build waiting in the Jenkins queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedBuild {
    /// Jenkins queue item id.
    pub queue_item: u64,
    /// The item's label expression as Jenkins holds it; `None` = unrestricted.
    pub label: Option<String>,
    /// Display name of the task (job) waiting.
    pub job_name: Option<String>,
    /// When the item entered the queue, epoch milliseconds.
    pub in_queue_since: u64,
    /// How old the news is; `None` when unknown.
    pub age: Option<Duration>,
    /// The caller has just seen the item in the queue (the reconciler has).
    pub verified_queued: bool,
}

/// Tunables of the launcher.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LauncherOptions {
    /// Events younger than this skip the "still queued?" check.
    pub freshness: Duration,
    /// How long a counted agent total is reused for caps.
    pub usage_ttl: Duration,
    /// How long a launch may take before it gives up, deletes the node it
    /// created and answers as a transient failure: a few seconds under the
    /// function's timeout, so the function answers instead of being killed
    /// (see `deadline`).
    pub deadline: Duration,
}

impl Default for LauncherOptions {
    fn default() -> Self {
        Self {
            freshness: Duration::from_secs(30),
            usage_ttl: Duration::from_secs(10),
            // The functions' Timeout is 30 s (infra/template.yaml): 25 s plus
            // CLEANUP_GRACE leaves 2 s to answer.
            deadline: Duration::from_secs(25),
        }
    }
}

/// Launches and retires agents of one deployment.
#[derive(Debug)]
pub struct Launcher<P: Ports> {
    deployment: Arc<Deployment<P>>,
    options: LauncherOptions,
    usage: UsageCache,
    /// Whether this instance has said that Jenkins refuses notes for waiting
    /// builds (see `note`): every note would say the same.
    note_refusal_said: AtomicBool,
}

impl<P: Ports> Launcher<P> {
    /// A launcher acting for `deployment`.
    pub fn new(deployment: Arc<Deployment<P>>, options: LauncherOptions) -> Self {
        Self {
            deployment,
            options,
            usage: UsageCache::new(options.usage_ttl),
            note_refusal_said: AtomicBool::new(false),
        }
    }

    /// The deployment it acts for: configuration and ports.
    pub fn deployment(&self) -> &Arc<Deployment<P>> {
        &self.deployment
    }

    /// The agents file version in use now (a launch takes its own when it starts).
    pub fn config(&self) -> Arc<VersionedConfig> {
        self.deployment.config()
    }

    /// Forgets the counted agents, so the next launch counts again.
    pub(crate) fn forget_usage(&self) {
        self.usage.invalidate();
    }

    /// Launches one agent for `build`, or says why not.
    #[tracing::instrument(skip_all, fields(queue_item = build.queue_item, label = build.label.as_deref()))]
    pub async fn launch(&self, build: &QueuedBuild) -> Result<LaunchOutcome, LaunchError> {
        let Some(expr) = build.label.as_deref().and_then(LabelExpr::parse_lax) else {
            return Ok(LaunchOutcome::ignored(
                "unrestricted item: no label, so no template of ours serves it",
            ));
        };
        let config = self.deployment.config_for_invocation().await;
        let Some(template) = config.select(&expr) else {
            return Ok(LaunchOutcome::ignored(format!(
                "no template serves {}",
                expr.expression()
            )));
        };
        self.launch_for(&config, build, template, 0).await
    }

    /// [`Launcher::launch`] once the template of `config` is known (the
    /// reconciler may know it from the node a queue item waits for), as
    /// launch `attempt` for the item (0 for the first; the attempt names the
    /// agent, and so its client token).
    pub(crate) async fn launch_for(
        &self,
        config: &VersionedConfig,
        build: &QueuedBuild,
        template: &AgentTemplate,
        attempt: u32,
    ) -> Result<LaunchOutcome, LaunchError> {
        let deadline = self.deadline();
        let name = config
            .cloud
            .agent_name(&template.name, build.queue_item, attempt);
        let still_queued = self.still_queued(build, template);
        let still_queued = self
            .in_time(
                deadline,
                &name,
                "asking whether the build waits",
                still_queued,
            )
            .await;
        match still_queued {
            Ok(true) => {}
            Ok(false) => {
                return Ok(LaunchOutcome::ignored(format!(
                    "queue item {} has left the queue",
                    build.queue_item
                )));
            }
            Err(late) => {
                return Err(self
                    .report_failure(config, late, build, template, &name)
                    .await);
            }
        }
        let usage = self.usage.current(config, &self.deployment.ecs);
        let usage = match self
            .in_time(deadline, &name, "counting agents", usage)
            .await
        {
            Ok(usage) => usage.map_err(|e| LaunchError::ecs(None, e))?,
            Err(late) => {
                return Err(self
                    .report_failure(config, late, build, template, &name)
                    .await);
            }
        };
        if let Some(reason) = usage.refusal(config, template) {
            info!(template = %template.name, %reason, "launch deferred at cap");
            let note = BuildNote::deferred(build.queue_item, &name, &reason);
            self.post_placeholder_note(&config.cloud, &note).await;
            return Ok(LaunchOutcome::Deferred {
                template: template.name.clone(),
                reason,
            });
        }
        self.launch_agent_until(config, build, template, name, deadline)
            .await
    }

    /// Whether to go ahead: fresh news, or Jenkins says the item still waits.
    /// Fails open: if Jenkins cannot say, launching beats a stuck build.
    ///
    /// Fresh news is not enough for a reusable template: Jenkins announces
    /// an item as buildable before the same queue pass hands it to an idle
    /// executor (docs/jenkins-api.md §11), and where agents are kept for
    /// reuse an idle one is the normal case. One extra call there saves a
    /// surplus task per build.
    async fn still_queued(&self, build: &QueuedBuild, template: &AgentTemplate) -> bool {
        let fresh = build.age.is_some_and(|age| age <= self.options.freshness);
        let reusable = matches!(template.retention, Retention::Idle { .. });
        if build.verified_queued || (fresh && !reusable) {
            return true;
        }
        match self.deployment.jenkins.queue_item(build.queue_item).await {
            Ok(QueueItemState::Queued { .. }) => true,
            Ok(QueueItemState::Left { .. } | QueueItemState::Gone) => false,
            Err(error) => {
                warn!(%error, "could not check the queue item; launching anyway");
                true
            }
        }
    }
}
