//! Notes for whoever looks at a waiting build in Jenkins: what became of its
//! agent, in words, written into Jenkins with a call the functions already
//! make and a permission they already hold (`changeOfflineCause`,
//! Agent/Disconnect). Jenkins tells its `ComputerListener`s of each at once
//! (docs/jenkins-api.md §24), and the emitter writes it into the waiting
//! build's log (docs/emitter.md, "What a waiting build shows").
//!
//! A note about a node that is about to be deleted (its task failed to
//! start) goes on that node, just before the deletion. A note about a launch
//! that goes on (its task started, it waits at a cap) or never had a node
//! (refused outright) cannot go on the agent's own node, since a node marked
//! offline takes no build: it goes on the cloud's first placeholder node,
//! which never takes a build anyway (docs/how-it-works.md, "Why a build
//! waits, inside Jenkins").
//!
//! Notes are best effort: each is one call bounded by [`NOTE_TIMEOUT`], and a
//! note Jenkins refuses or cannot take is logged and changes nothing else.

use std::sync::atomic::Ordering;
use std::time::Duration;

use tracing::{debug, warn};

use super::Launcher;
use crate::config::Cloud;
use crate::jenkins::JenkinsNodes;
use crate::naming::AgentName;
use crate::ports::Ports;

/// How every note begins, so that the emitter tells ours from a person's
/// offline message: `ecs-agents: queue item 42, agent ecs-linux-42: …`.
pub const NOTE_PREFIX: &str = "ecs-agents: ";

/// A note takes one call; a Jenkins slower than this is not waited for.
pub const NOTE_TIMEOUT: Duration = Duration::from_secs(1);

/// What became of the agent of one queued build, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildNote {
    /// The Jenkins queue item the agent is for.
    pub queue_item: u64,
    /// The agent.
    pub node: AgentName,
    /// What happened, as a sentence.
    pub text: String,
}

impl BuildNote {
    /// The offline message Jenkins keeps: `ecs-agents: queue item 42, agent
    /// ecs-linux-42: ECS task … started`.
    pub fn message(&self) -> String {
        format!(
            "{NOTE_PREFIX}queue item {}, agent {}: {}",
            self.queue_item, self.node, self.text
        )
    }

    /// A task of ours started.
    pub fn task_started(queue_item: u64, node: &AgentName, template: &str, task_arn: &str) -> Self {
        let text = format!(
            "ECS task {} started from template {template}; waiting for the agent to connect",
            task_words(task_arn)
        );
        Self::new(queue_item, node, text)
    }

    /// The launch waits at a cap.
    pub fn deferred(queue_item: u64, node: &AgentName, reason: &str) -> Self {
        let text = format!("waiting at a cap: {reason}; an agent is launched when room frees up");
        Self::new(queue_item, node, text)
    }

    /// The launch failed and is not tried again as things stand.
    pub fn launch_refused(queue_item: u64, node: &AgentName, reason: &str) -> Self {
        let reason = reason.trim_end_matches('.');
        let text = format!(
            "launch failed: {reason}.{} Not retried",
            advice_words(reason)
        );
        Self::new(queue_item, node, text)
    }

    /// The task never started; `next` says what follows (a relaunch, or none).
    pub fn start_failed(
        queue_item: u64,
        node: &AgentName,
        task_arn: Option<&str>,
        reason: &str,
        next: &str,
    ) -> Self {
        let task = match task_arn {
            Some(arn) => format!("task {}", task_words(arn)),
            None => "task".to_owned(),
        };
        let reason = reason.trim_end_matches('.');
        let text = format!(
            "ECS {task} failed to start: {reason}.{} {next}",
            advice_words(reason)
        );
        Self::new(queue_item, node, text)
    }

    fn new(queue_item: u64, node: &AgentName, text: String) -> Self {
        Self {
            queue_item,
            node: node.clone(),
            text,
        }
    }
}

/// What to fix, for the failures whose words say it: a missing image, a
/// refused access. Other reasons speak for themselves.
pub fn advice(reason: &str) -> Option<&'static str> {
    let lower = reason.to_lowercase();
    let image_missing = lower.contains("cannotpullcontainer")
        && ["not found", "manifest unknown", "does not exist"]
            .iter()
            .any(|w| lower.contains(w));
    let denied = [
        "accessdenied",
        "access denied",
        "not authorized",
        "unauthorized",
    ]
    .iter()
    .any(|w| lower.contains(w));
    if image_missing {
        Some(
            "The image or its tag does not exist: fix the template's image and publish the \
             agents file (ecs-agents push)",
        )
    } else if denied {
        Some(
            "Access was denied: check the role it names (the task execution role pulls the \
             image and reads the environment file; the functions' role runs the task)",
        )
    } else {
        None
    }
}

fn advice_words(reason: &str) -> String {
    advice(reason).map_or_else(String::new, |a| format!(" {a}."))
}

/// The task's ARN and, where the ARN names its region and cluster, its page
/// in the ECS console (partition `aws` only: the console of China and
/// GovCloud lives elsewhere).
fn task_words(task_arn: &str) -> String {
    match console_link(task_arn) {
        Some(link) => format!("{task_arn} ({link})"),
        None => task_arn.to_owned(),
    }
}

/// `https://REGION.console.aws.amazon.com/ecs/v2/clusters/CLUSTER/tasks/ID/configuration?region=REGION`
/// for `arn:aws:ecs:REGION:ACCOUNT:task/CLUSTER/ID`; `None` for other shapes.
pub fn console_link(task_arn: &str) -> Option<String> {
    let mut fields = task_arn.splitn(6, ':');
    let (arn, partition, service, region, _account, resource) = (
        fields.next()?,
        fields.next()?,
        fields.next()?,
        fields.next()?,
        fields.next()?,
        fields.next()?,
    );
    if arn != "arn" || partition != "aws" || service != "ecs" || region.is_empty() {
        return None;
    }
    let mut path = resource.split('/');
    let (kind, cluster, id) = (path.next()?, path.next()?, path.next()?);
    if kind != "task" || cluster.is_empty() || id.is_empty() || path.next().is_some() {
        return None;
    }
    Some(format!(
        "https://{region}.console.aws.amazon.com/ecs/v2/clusters/{cluster}/tasks/{id}/configuration?region={region}"
    ))
}

impl<P: Ports> Launcher<P> {
    /// Writes `note` as the offline cause of node `on`. Best effort: a
    /// refusal for a missing permission is said once per function instance,
    /// anything else at debug level.
    pub(crate) async fn post_note(&self, on: &AgentName, note: &BuildNote) {
        let message = note.message();
        let call = self.deployment.jenkins.mark_offline(on, &message);
        let error = match tokio::time::timeout(NOTE_TIMEOUT, call).await {
            Ok(Ok(true)) => return,
            Ok(Ok(false)) => format!("there is no node {on}"),
            Ok(Err(error)) if error.missing_permission().is_some() => {
                if !self.note_refusal_said.swap(true, Ordering::Relaxed) {
                    warn!(node = %on, %error, "waiting builds get no notes in Jenkins until the Jenkins user is granted the permission");
                }
                return;
            }
            Ok(Err(error)) => error.to_string(),
            Err(_) => format!("no answer within {NOTE_TIMEOUT:?}"),
        };
        debug!(node = %on, queue_item = note.queue_item, %error, "note for the waiting build not written");
    }

    /// Posts `note` on the first placeholder node of `cloud` (see the module docs).
    pub(crate) async fn post_placeholder_note(&self, cloud: &Cloud, note: &BuildNote) {
        let [placeholder, _] = cloud.placeholder_nodes();
        self.post_note(&placeholder, note).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str =
        "arn:aws:ecs:eu-west-1:123456789012:task/agents/0f1e2d3c4b5a69788796a5b4c3d2e1f0";

    #[test]
    fn a_note_names_its_queue_item_and_agent_after_the_prefix() {
        let note = BuildNote::deferred(
            42,
            &AgentName::new("ecs-linux-42"),
            "cloud maxAgents 2 reached",
        );
        assert_eq!(
            note.message(),
            "ecs-agents: queue item 42, agent ecs-linux-42: waiting at a cap: cloud maxAgents 2 \
             reached; an agent is launched when room frees up"
        );
    }

    #[test]
    fn a_task_arn_links_to_the_task_in_the_ecs_console() {
        assert_eq!(
            console_link(ARN).as_deref(),
            Some(
                "https://eu-west-1.console.aws.amazon.com/ecs/v2/clusters/agents/tasks/\
                 0f1e2d3c4b5a69788796a5b4c3d2e1f0/configuration?region=eu-west-1"
            )
        );
    }

    #[test]
    fn arns_without_a_cluster_or_outside_the_aws_partition_get_no_link() {
        for arn in [
            "arn:aws:ecs:eu-west-1:123456789012:task/0f1e2d3c",
            "arn:aws-cn:ecs:cn-north-1:123456789012:task/agents/0f1e2d3c",
            "arn:aws:ecs:eu-west-1:123456789012:container-instance/agents/0f1e2d3c",
            "not an arn",
        ] {
            assert_eq!(console_link(arn), None, "{arn}");
        }
    }

    #[test]
    fn a_missing_image_says_what_to_fix_and_that_it_is_not_retried() {
        let note = BuildNote::start_failed(
            7,
            &AgentName::new("ecs-broken-7"),
            Some(ARN),
            "CannotPullContainerError: docker.io/jenkins/inbound-agent:nope: not found",
            "Not retried",
        );
        assert!(
            note.text
                .contains("failed to start: CannotPullContainerError"),
            "{}",
            note.text
        );
        assert!(
            note.text.contains("fix the template's image"),
            "{}",
            note.text
        );
        assert!(
            note.text.contains("console.aws.amazon.com"),
            "{}",
            note.text
        );
        assert!(note.text.ends_with("Not retried"), "{}", note.text);
    }

    #[test]
    fn a_denied_access_points_at_the_roles() {
        let reason = "ResourceInitializationError: unable to pull secrets or registry auth: \
                      AccessDeniedException: User is not authorized";
        assert!(advice(reason).is_some_and(|a| a.contains("task execution role")));
    }

    #[test]
    fn other_reasons_get_no_advice() {
        assert_eq!(advice("Essential container in task exited"), None);
        assert_eq!(
            advice("CannotPullContainerError: dial tcp: i/o timeout"),
            None
        );
    }
}
