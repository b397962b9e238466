//! Pure construction of what a launch sends: the Jenkins node and the RunTask
//! request. Everything here is derived from the queued build, so a retried
//! or redelivered launch produces exactly the same values.

use sha2::{Digest, Sha256};

use super::QueuedBuild;
use crate::config::identity::CREATED_MARK;
use crate::config::{AgentTemplate, Cloud, TaskSource};
use crate::ecs::{AgentEnvironment, TaskDefinitionRef, TaskLaunch};
use crate::jenkins::AgentNode;
use crate::naming::AgentName;

/// ECS tag values: at most 256 characters.
const MAX_TAG_VALUE: usize = 256;

/// The node to create in Jenkins for `build`.
pub(crate) fn agent_node(
    cloud: &Cloud,
    template: &AgentTemplate,
    name: &AgentName,
    build: &QueuedBuild,
    created_ms: u64,
) -> AgentNode {
    let job = build.job_name.as_deref().unwrap_or("a queued build");
    AgentNode {
        name: name.clone(),
        description: format!(
            "ECS agent (template {}) for {job}, queue item {}; {CREATED_MARK}{created_ms}",
            template.name, build.queue_item
        ),
        num_executors: cloud.num_executors,
        remote_fs: template.work_dir(name.as_str()),
        label_string: template.labels.to_label_string(),
        web_socket: cloud.web_socket,
    }
}

/// The idempotency key of one launch: the same agent for the same queue
/// entry always gets the same token (≤ 64 ASCII characters, docs/aws.md §2).
pub fn client_token(started_by: &str, name: &AgentName, in_queue_since: u64) -> String {
    let digest = Sha256::digest(format!("{started_by}/{name}/{in_queue_since}").as_bytes());
    hex::encode(&digest[..24])
}

/// The RunTask request for one agent.
pub(crate) fn task_launch(
    template: &AgentTemplate,
    definition: TaskDefinitionRef,
    name: &AgentName,
    environment: AgentEnvironment,
    build: &QueuedBuild,
    started_by: &str,
) -> TaskLaunch {
    let registered = matches!(template.task, TaskSource::Register { .. });
    TaskLaunch {
        task_definition: definition,
        client_token: client_token(started_by, name, build.in_queue_since),
        group: name.to_group(),
        environment,
        capacity: template.launch.capacity.clone(),
        network: template.launch.network.clone(),
        platform_version: template.launch.platform_version.clone(),
        placement_strategies: template.launch.placement_strategies.clone(),
        enable_execute_command: template.launch.enable_execute_command,
        // Our task definitions carry the template's tags; an existing one's
        // tags are its owner's business, so the template's go on the task.
        propagate_task_definition_tags: registered,
        tags: tags(template, name, build, !registered),
    }
}

/// What the `jenkins/inbound-agent` entrypoint reads (docs/jenkins-api.md §8).
pub(crate) fn environment(
    cloud: &Cloud,
    template: &AgentTemplate,
    name: &AgentName,
) -> Vec<(String, String)> {
    let mut env = vec![
        ("JENKINS_URL".to_owned(), format!("{}/", cloud.jenkins_url)),
        ("JENKINS_AGENT_NAME".to_owned(), name.to_string()),
        (
            "JENKINS_AGENT_WORKDIR".to_owned(),
            template.work_dir(name.as_str()),
        ),
        // Reconnect after a controller restart or a dropped WebSocket, so a
        // running build survives it, but give up after the cloud's window
        // (docs/jenkins-api.md §12). Nothing relies on the agent exiting by
        // itself: whoever retires an agent stops its task.
        (
            "REMOTING_OPTS".to_owned(),
            reconnect_option(cloud.agent_reconnect_window),
        ),
    ];
    if cloud.web_socket {
        env.push(("JENKINS_WEB_SOCKET".to_owned(), "true".to_owned()));
    }
    if let Some(tunnel) = &cloud.tunnel {
        env.push(("JENKINS_TUNNEL".to_owned(), tunnel.clone()));
    }
    env
}

/// remoting's `-noReconnectAfter`, in whole minutes (its `10m` syntax).
fn reconnect_option(window: std::time::Duration) -> String {
    format!(
        "-noReconnectAfter {}m",
        window.as_secs().div_ceil(60).max(1)
    )
}

fn tags(
    template: &AgentTemplate,
    name: &AgentName,
    build: &QueuedBuild,
    with_template_tags: bool,
) -> Vec<(String, String)> {
    let mut tags = vec![
        ("ecs-agents:node".to_owned(), name.to_string()),
        (
            crate::taskdef::TEMPLATE_TAG.to_owned(),
            template.name.clone(),
        ),
        (
            "ecs-agents:queue-item".to_owned(),
            build.queue_item.to_string(),
        ),
    ];
    if let Some(job) = &build.job_name {
        tags.push(("ecs-agents:job".to_owned(), tag_value(job)));
    }
    if with_template_tags {
        tags.extend(
            template
                .launch
                .tags
                .iter()
                .map(|(k, v)| (k.clone(), v.clone())),
        );
    }
    tags
}

/// A job name as a tag value: ECS allows letters, digits, spaces and
/// `+ - = . _ : / @`, up to 256 characters.
pub(crate) fn tag_value(text: &str) -> String {
    let allowed = |c: char| c.is_alphanumeric() || c == ' ' || "+-=._:/@".contains(c);
    text.chars()
        .map(|c| if allowed(c) { c } else { '_' })
        .take(MAX_TAG_VALUE)
        .collect()
}
