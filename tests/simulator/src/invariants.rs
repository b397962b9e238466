//! What must hold once a run has settled (quiescence: faults over, the
//! reconciler has had its minutes). Each check says what it found in one
//! line; no line means the invariant holds.
//!
//! 1. Every waiting build has exactly one live agent (its node, and a task
//!    ECS still wants running), or a stated reason: no template serves its
//!    label, the reconciler holds it back, or its launch failed for good
//!    (`AgentLaunchFailed`).
//! 2. No ghost node: every agent node has a live task.
//! 3. No orphan task: every live task has its node.
//! 4. No task runs for a build that left: a live task's queue item still
//!    waits, or runs on that very agent.
//! 5. No duplicate agent: ECS never started a second task for an agent name
//!    (what the client token guarantees), and no agent has two live tasks.
//! 6. No work lost on the way: nothing dead-lettered, nothing left queued.
//! 7. No secret in any log line or agent event.

use std::collections::BTreeMap;

use ecs_agents::events::AgentEventKind;
use ecs_agents::naming::AgentName;

use crate::jenkins::BuildState;
use crate::world::World;

/// The violations found in `world`, given its captured `logs`.
pub fn check(world: &World, logs: &str) -> Vec<String> {
    let mut found = Vec::new();
    let config = &world.config;
    let jenkins = world.jenkins.lock();
    let cluster = world.ecs.lock();
    let started_by = config.cloud.started_by();
    let mut live: BTreeMap<&AgentName, Vec<&str>> = BTreeMap::new();
    for task in cluster.live(&started_by) {
        live.entry(&task.agent).or_default().push(&task.arn);
    }
    let item_of = |name: &AgentName| config.agent_parts(name).map(|p| p.queue_item);
    let ours: Vec<&AgentName> = jenkins
        .nodes
        .keys()
        .filter(|n| item_of(n).is_some())
        .collect();

    let held_back = world
        .last_reconcile
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .as_ref()
        .map(|s| s.held_back.clone())
        .unwrap_or_default();
    // What the webhook answers for a label no template serves, whether or
    // not the emitter's event reached it.
    let no_template = |label: Option<&str>| {
        label
            .and_then(ecs_agents::labels::LabelExpr::parse_lax)
            .is_none_or(|expr| config.select(&expr).is_none())
    };
    let events = world
        .events
        .0
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    let failed_for_good = |id: u64| {
        events
            .iter()
            .any(|e| e.kind == AgentEventKind::AgentLaunchFailed && e.queue_item == Some(id))
    };
    for build in jenkins.builds.values() {
        if build.state != BuildState::Waiting {
            continue;
        }
        let id = build.id;
        let agents = ours
            .iter()
            .filter(|n| item_of(n) == Some(id) && live.contains_key(*n))
            .count();
        let stated = no_template(build.label.as_deref())
            || held_back
                .iter()
                .any(|h| h.starts_with(&format!("queue item {id}:")))
            || failed_for_good(id);
        if agents != 1 && !stated {
            found.push(format!(
                "queue item {id} waits with {agents} live agents and no stated reason"
            ));
        }
    }
    for node in &ours {
        if !live.contains_key(*node) {
            found.push(format!("ghost node {node}: no live task"));
        }
    }
    for (agent, tasks) in &live {
        if !jenkins.nodes.contains_key(*agent) {
            found.push(format!(
                "orphan task {} of {agent}: its node is gone",
                tasks[0]
            ));
        }
        if tasks.len() > 1 {
            found.push(format!("agent {agent} has {} live tasks", tasks.len()));
        }
        let Some(id) = item_of(agent) else { continue };
        let state = jenkins.builds.get(&id).map(|b| &b.state);
        let serves = match state {
            Some(BuildState::Waiting) => true,
            Some(BuildState::Running { node }) => node == *agent,
            _ => false,
        };
        if !serves {
            found.push(format!(
                "task of {agent} runs for queue item {id}, which is {state:?}"
            ));
        }
    }
    for agent in &cluster.counts.duplicate_agents {
        found.push(format!("a second task was started for agent {agent}"));
    }
    let queue = world.queue.lock().unwrap_or_else(|p| p.into_inner());
    if !queue.dead.is_empty() {
        found.push(format!(
            "{} messages dead-lettered: {:?}",
            queue.dead.len(),
            queue.dead.iter().map(|m| &m.work).collect::<Vec<_>>()
        ));
    }
    if !queue.messages.is_empty() {
        found.push(format!(
            "{} messages still queued at the end",
            queue.messages.len()
        ));
    }
    let events_text = format!("{events:?}");
    for (line, secret) in logs
        .lines()
        .chain(std::iter::once(events_text.as_str()))
        .flat_map(|line| secrets_in(line, &jenkins.secrets).map(move |s| (line, s)))
    {
        found.push(format!(
            "a secret in a log line or agent event: {}",
            line.replace(secret, "<the secret>")
        ));
    }
    found
}

/// The secrets of `known` that `line` holds. Agent secrets are 64 hex
/// digits (docs/jenkins-api.md §2), so only such runs are looked up: one
/// pass over the log, however many secrets there are.
fn secrets_in<'a>(
    line: &'a str,
    known: &'a std::collections::BTreeSet<String>,
) -> impl Iterator<Item = &'a str> {
    line.split(|c: char| !c.is_ascii_hexdigit())
        .filter(|run| run.len() >= 64)
        .flat_map(|run| (0..=run.len() - 64).map(move |at| &run[at..at + 64]))
        .filter(move |candidate| known.contains(*candidate))
}
