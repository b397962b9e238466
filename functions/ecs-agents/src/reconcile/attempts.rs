//! Which launch comes next for a queue item that waits with no agent, from
//! what became of its earlier launches. Nothing is stored: ECS lists stopped
//! tasks for at least an hour, and each task's `group` names its agent, whose
//! name carries the item and the attempt.
//!
//! - An earlier agent that failed to start for a permanent cause (image not
//!   found, access denied…) holds the item back: relaunching cannot help, and
//!   task-stopped has reported it. So do `max_attempts` failed starts.
//! - Otherwise the next attempt follows the highest one seen, so its name and
//!   client token are fresh (a repeated token would return the old task).
//! - Each hour the item waits opens a new window of attempts, numbered from
//!   `hours waited × max_attempts`: once ECS has forgotten the earlier tasks,
//!   the reconciler tries again (one failed task an hour at most for a build
//!   nobody cancels) under names and tokens not used before.

use crate::config::AgentsConfig;
use crate::ecs::StoppedAgentTask;
use crate::launch::StartFailure;

/// How long ECS lists a stopped task, at least.
pub(crate) const STOPPED_TASKS_LISTED_MS: u64 = 60 * 60 * 1000;

/// What to do for a waiting item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Next {
    /// Launch this attempt.
    Launch(u32),
    /// Do not launch now, for this reason.
    HoldBack(String),
}

/// The first attempt number of the hour window an item that has waited
/// `waited_ms` is in: `hours waited × max_attempts`.
pub(crate) fn window_floor(waited_ms: u64, max_attempts: u32) -> u32 {
    let window = u32::try_from(waited_ms / STOPPED_TASKS_LISTED_MS).unwrap_or(u32::MAX);
    window.saturating_mul(max_attempts.max(1))
}

/// The next launch for queue item `item`, which has waited `waited_ms`.
pub(crate) fn next_launch(
    config: &AgentsConfig,
    item: u64,
    waited_ms: u64,
    stopped: &[StoppedAgentTask],
    max_attempts: u32,
) -> Next {
    let floor = window_floor(waited_ms, max_attempts);
    let earlier: Vec<(u32, &StoppedAgentTask)> = stopped
        .iter()
        .filter_map(|task| {
            let parts = config.agent_parts(task.agent.as_ref()?)?;
            (parts.queue_item == item).then_some((parts.attempt, task))
        })
        .collect();
    let failed: Vec<(&StoppedAgentTask, StartFailure)> = earlier
        .iter()
        .filter(|(attempt, _)| *attempt >= floor)
        .filter_map(|(_, task)| Some((*task, StartFailure::of_stopped_task(task)?)))
        .collect();
    if let Some((task, failure)) = failed.iter().find(|(_, f)| !f.retryable) {
        let agent = task.agent.as_ref().map_or("", |a| a.as_str());
        return Next::HoldBack(format!(
            "{agent} failed to start: {}; not relaunched within the hour",
            failure.reason
        ));
    }
    if failed.len() >= max_attempts as usize {
        let last = failed
            .last()
            .map(|(_, f)| f.reason.as_str())
            .unwrap_or_default();
        return Next::HoldBack(format!(
            "{} failed starts this hour, the last: {last}",
            failed.len()
        ));
    }
    let after_earlier = earlier.iter().map(|(attempt, _)| attempt + 1).max();
    Next::Launch(after_earlier.unwrap_or(0).max(floor))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::naming::AgentName;

    const CONFIG: &str = "
cloud: {name: ecs, cluster: agents, jenkinsUrl: 'https://jenkins.example.com/'}
templates:
  - {name: linux, labels: linux, cpu: 512, memory: 1024, subnets: [s-1]}
";
    const MINUTE: u64 = 60_000;

    fn config() -> AgentsConfig {
        AgentsConfig::from_yaml(CONFIG).unwrap()
    }

    fn stopped(agent: &str, failed_to_start: bool, reason: &str) -> StoppedAgentTask {
        StoppedAgentTask {
            task_arn: format!("arn:{agent}"),
            agent: Some(AgentName::new(agent)),
            stop_code: Some(
                if failed_to_start {
                    "TaskFailedToStart"
                } else {
                    "SpotInterruption"
                }
                .into(),
            ),
            started: !failed_to_start,
            reason: Some(reason.into()),
        }
    }

    fn next(waited_ms: u64, history: &[StoppedAgentTask]) -> Next {
        next_launch(&config(), 7, waited_ms, history, 3)
    }

    #[test]
    fn an_item_without_earlier_launches_gets_the_first_attempt() {
        assert_eq!(next(MINUTE, &[]), Next::Launch(0));
    }

    #[test]
    fn other_items_tasks_do_not_count() {
        let others = [stopped(
            "ecs-linux-8",
            true,
            "CannotPullContainerError: not found",
        )];
        assert_eq!(next(MINUTE, &others), Next::Launch(0));
    }

    #[test]
    fn an_agent_that_could_not_pull_its_image_holds_the_item_back() {
        let history = [stopped(
            "ecs-linux-7",
            true,
            "CannotPullContainerError: manifest unknown",
        )];
        let Next::HoldBack(why) = next(5 * MINUTE, &history) else {
            panic!("relaunched a permanent failure")
        };
        assert!(
            why.contains("ecs-linux-7") && why.contains("manifest unknown"),
            "{why}"
        );
    }

    #[test]
    fn a_transient_failure_gets_the_next_attempt_with_a_fresh_name() {
        let history = [stopped("ecs-linux-7-1", true, "RESOURCE:MEMORY")];
        assert_eq!(next(MINUTE, &history), Next::Launch(2));
    }

    #[test]
    fn an_agent_stopped_after_it_started_is_followed_by_the_next_attempt() {
        let history = [stopped("ecs-linux-7", false, "Spot interruption")];
        assert_eq!(next(MINUTE, &history), Next::Launch(1));
    }

    #[test]
    fn three_failed_starts_in_an_hour_hold_the_item_back() {
        let history = [
            stopped("ecs-linux-7", true, "RESOURCE:MEMORY"),
            stopped("ecs-linux-7-1", true, "RESOURCE:MEMORY"),
            stopped(
                "ecs-linux-7-2",
                true,
                "Timeout waiting for network interface provisioning",
            ),
        ];
        let Next::HoldBack(why) = next(10 * MINUTE, &history) else {
            panic!("relaunched past the limit")
        };
        assert!(why.starts_with("3 failed starts this hour"), "{why}");
    }

    #[test]
    fn after_an_hour_the_item_is_tried_again_under_a_name_not_used_before() {
        let history = [stopped(
            "ecs-linux-7",
            true,
            "CannotPullContainerError: not found",
        )];
        assert_eq!(next(61 * MINUTE, &history), Next::Launch(3));
        // ECS has forgotten the earlier tasks: the window still moves the name on.
        assert_eq!(next(125 * MINUTE, &[]), Next::Launch(6));
    }

    #[test]
    fn a_permanent_failure_in_the_new_hour_holds_the_item_back_again() {
        let history = [
            stopped("ecs-linux-7", true, "CannotPullContainerError: not found"),
            stopped("ecs-linux-7-3", true, "CannotPullContainerError: not found"),
        ];
        assert!(matches!(next(70 * MINUTE, &history), Next::HoldBack(_)));
    }
}
