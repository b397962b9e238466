//! Launch and retire behaviour against the in-memory fakes.

use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::config::AgentsConfig;
use crate::ecs::{AgentEnvironment, EcsError, LaunchFailure, RunOutcome, SECRET_VARIABLE};
use crate::events::AgentEventKind;
use crate::jenkins::JenkinsError;
use crate::jenkins::fake::{Call, FakeJenkins};
use crate::naming::AgentName;
use crate::ports::Fakes;

const CONFIG: &str = "
cloud: {name: ecs, cluster: agents, jenkinsUrl: 'https://jenkins.example.com/', maxAgents: 3}
templates:
  - {name: linux, labels: linux, cpu: 512, memory: 1024, subnets: [s-1], maxAgents: 2}
  - {name: big, labels: big, cpu: 4096, memory: 8192, subnets: [s-1]}
  - {name: warm, labels: warm, cpu: 512, memory: 1024, subnets: [s-1], idleMinutes: 30}
";

type TestLauncher = Launcher<Fakes>;

fn launcher() -> TestLauncher {
    Launcher::with_fakes(CONFIG)
}

fn build(item: u64, label: &str) -> QueuedBuild {
    QueuedBuild {
        queue_item: item,
        label: Some(label.to_owned()),
        job_name: Some("app » main #12".to_owned()),
        in_queue_since: 1_764_270_000_000,
        age: Some(Duration::from_secs(1)),
        verified_queued: false,
    }
}

fn node(name: &str) -> AgentName {
    AgentName::new(name)
}

/// A variable the agent container starts with: from its overrides, or
/// from the environment file its launch names.
fn env(launcher: &TestLauncher, launch: &crate::ecs::TaskLaunch, key: &str) -> Option<String> {
    match &launch.environment {
        AgentEnvironment::Overrides { variables, secret } => match key {
            SECRET_VARIABLE => Some(secret.expose().to_owned()),
            _ => variables
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone()),
        },
        AgentEnvironment::File { .. } => {
            let agent = AgentName::from_group(&launch.group)?;
            launcher.deployment.files.variable(&agent, key)
        }
    }
}

#[tokio::test]
async fn a_queued_build_gets_one_node_and_one_task_with_the_agent_settings() {
    let launcher = launcher();
    let outcome = launcher.launch(&build(7, "linux")).await.unwrap();
    let LaunchOutcome::Launched {
        node: name,
        template,
        task_arn,
    } = outcome
    else {
        panic!("{outcome:?}")
    };
    assert_eq!((name.as_str(), template.as_str()), ("ecs-linux-7", "linux"));
    let created = launcher.deployment.jenkins.node(&name).unwrap();
    assert_eq!(
        (
            created.label_string.as_str(),
            created.web_socket,
            created.num_executors
        ),
        ("linux", true, 1)
    );
    let tasks = launcher.deployment.ecs.tasks();
    assert_eq!(tasks.len(), 1);
    let launch = &tasks[0].launch;
    assert_eq!(tasks[0].arn, task_arn);
    assert_eq!(
        env(&launcher, launch, "JENKINS_URL").as_deref(),
        Some("https://jenkins.example.com/")
    );
    assert_eq!(
        env(&launcher, launch, "JENKINS_AGENT_NAME").as_deref(),
        Some("ecs-linux-7")
    );
    assert_eq!(
        env(&launcher, launch, "JENKINS_WEB_SOCKET").as_deref(),
        Some("true")
    );
    assert_eq!(
        env(&launcher, launch, "JENKINS_AGENT_WORKDIR").as_deref(),
        Some("/home/jenkins/agent")
    );
    assert_eq!(
        env(&launcher, launch, "REMOTING_OPTS").as_deref(),
        Some("-noReconnectAfter 10m")
    );
    assert_eq!(
        env(&launcher, launch, SECRET_VARIABLE),
        Some(FakeJenkins::secret_for(&name).expose().to_owned())
    );
    assert!(
        matches!(&launch.environment, AgentEnvironment::File { arn } if arn.ends_with("/ecs-linux-7.env")),
        "the secret travels in a file, not in the overrides: {:?}",
        launch.environment
    );
    assert_eq!(launch.group, "jenkins-agent:ecs-linux-7");
    assert!(
        launch
            .tags
            .contains(&("ecs-agents:job".into(), "app _ main _12".into())),
        "{:?}",
        launch.tags
    );
    let events = launcher.deployment.events.published();
    assert_eq!(events.len(), 1);
    assert_eq!(
        (events[0].kind, events[0].task_arn.as_deref()),
        (AgentEventKind::AgentLaunched, Some(task_arn.as_str()))
    );
}

#[tokio::test]
async fn the_node_description_has_the_shape_the_emitter_recognises_as_ours() {
    // infra/jenkins/ecs-agents-emitter.groovy (OUR_NODES) treats only nodes described so as ours.
    let launcher = launcher();
    launcher.launch(&build(7, "linux")).await.unwrap();
    let created = launcher
        .deployment
        .jenkins
        .node(&node("ecs-linux-7"))
        .unwrap();
    let description = created.description.as_str();
    assert!(
        description.starts_with("ECS agent (template linux) "),
        "{description}"
    );
    let created_ms = description.rsplit_once("; created ").map(|(_, ms)| ms);
    assert!(
        created_ms.is_some_and(|ms| ms.parse::<u64>().is_ok()),
        "{description}"
    );
}

#[tokio::test]
async fn the_task_launch_never_shows_the_secret_when_formatted() {
    let launcher = launcher();
    launcher.launch(&build(7, "linux")).await.unwrap();
    let launch = &launcher.deployment.ecs.tasks()[0].launch;
    let secret = FakeJenkins::secret_for(&node("ecs-linux-7"));
    assert!(!format!("{launch:?}").contains(secret.expose()));
}

#[tokio::test]
async fn a_redelivered_build_converges_on_the_first_launch() {
    let launcher = launcher();
    let first = launcher.launch(&build(7, "linux")).await.unwrap();
    let second = launcher.launch(&build(7, "linux")).await.unwrap();
    let LaunchOutcome::Launched { task_arn, .. } = first else {
        panic!("{first:?}")
    };
    assert_eq!(
        second,
        LaunchOutcome::AlreadyLaunching {
            node: node("ecs-linux-7"),
            task_arn: Some(task_arn)
        }
    );
    assert_eq!(
        (
            launcher.deployment.jenkins.node_names().len(),
            launcher.deployment.ecs.tasks().len()
        ),
        (1, 1)
    );
    assert_eq!(
        launcher.deployment.events.published().len(),
        1,
        "one AgentLaunched per agent"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_concurrent_deliveries_yield_one_node_and_one_task() {
    let launcher = Arc::new(launcher());
    let deliveries: Vec<_> = (0..10)
        .map(|_| {
            let launcher = Arc::clone(&launcher);
            tokio::spawn(async move { launcher.launch(&build(9, "linux")).await })
        })
        .collect();
    for delivery in deliveries {
        let outcome = delivery.await.unwrap().unwrap();
        assert!(
            matches!(
                outcome,
                LaunchOutcome::Launched { .. } | LaunchOutcome::AlreadyLaunching { .. }
            ),
            "{outcome:?}"
        );
    }
    assert_eq!(
        (
            launcher.deployment.jenkins.node_names().len(),
            launcher.deployment.ecs.running().len()
        ),
        (1, 1)
    );
}

#[tokio::test]
async fn unrestricted_items_and_labels_no_template_serves_are_ignored_without_remote_calls() {
    let launcher = launcher();
    let mut unrestricted = build(1, "linux");
    unrestricted.label = None;
    let outcome = launcher.launch(&unrestricted).await.unwrap();
    assert!(
        matches!(outcome, LaunchOutcome::Ignored { .. }),
        "{outcome:?}"
    );
    let outcome = launcher.launch(&build(2, "windows && x64")).await.unwrap();
    assert_eq!(
        outcome,
        LaunchOutcome::Ignored {
            reason: "no template serves windows&&x64".into()
        }
    );
    assert_eq!(
        (
            launcher.deployment.jenkins.calls(Call::Create),
            launcher.deployment.ecs.list_calls()
        ),
        (0, 0)
    );
}

#[tokio::test]
async fn a_late_event_for_an_item_that_left_the_queue_launches_nothing() {
    let launcher = launcher();
    launcher
        .deployment
        .jenkins
        .set_queue_item(5, crate::jenkins::QueueItemState::Left { cancelled: false });
    let mut late = build(5, "linux");
    late.age = Some(Duration::from_secs(120));
    let outcome = launcher.launch(&late).await.unwrap();
    assert_eq!(
        outcome,
        LaunchOutcome::Ignored {
            reason: "queue item 5 has left the queue".into()
        }
    );
    assert!(launcher.deployment.jenkins.node_names().is_empty());
    assert!(launcher.deployment.ecs.tasks().is_empty());
}

#[tokio::test]
async fn a_fresh_event_for_a_single_use_template_launches_without_asking_the_queue() {
    let launcher = launcher();
    launcher.launch(&build(5, "linux")).await.unwrap();
    assert_eq!(launcher.deployment.jenkins.calls(Call::QueueItem), 0);
}

#[tokio::test]
async fn a_fresh_event_for_a_reusable_template_launches_nothing_once_an_idle_agent_took_the_item() {
    // Jenkins announces the item, then hands it to a warm agent in the same pass.
    let launcher = launcher();
    launcher
        .deployment
        .jenkins
        .set_queue_item(6, crate::jenkins::QueueItemState::Left { cancelled: false });
    let outcome = launcher.launch(&build(6, "warm")).await.unwrap();
    assert_eq!(
        outcome,
        LaunchOutcome::Ignored {
            reason: "queue item 6 has left the queue".into()
        }
    );
    assert_eq!(launcher.deployment.jenkins.calls(Call::QueueItem), 1);
    assert!(launcher.deployment.ecs.tasks().is_empty());
}

#[tokio::test]
async fn a_fresh_event_for_a_reusable_template_still_waiting_launches() {
    let launcher = launcher();
    launcher.deployment.jenkins.set_queue_item(
        7,
        crate::jenkins::QueueItemState::Queued {
            in_queue_since: 1_764_270_000_000,
        },
    );
    let outcome = launcher.launch(&build(7, "warm")).await.unwrap();
    assert!(
        matches!(outcome, LaunchOutcome::Launched { .. }),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn a_late_event_for_an_item_still_queued_launches() {
    let launcher = launcher();
    let mut late = build(5, "linux");
    late.age = Some(Duration::from_secs(120));
    assert!(matches!(
        launcher.launch(&late).await.unwrap(),
        LaunchOutcome::Launched { .. }
    ));
    assert_eq!(launcher.deployment.jenkins.calls(Call::QueueItem), 1);
}

#[tokio::test]
async fn fresh_events_skip_the_queue_check() {
    let launcher = launcher();
    launcher.launch(&build(5, "linux")).await.unwrap();
    assert_eq!(launcher.deployment.jenkins.calls(Call::QueueItem), 0);
}

#[tokio::test]
async fn steady_state_launches_make_three_remote_calls_and_one_publish() {
    let launcher = launcher();
    launcher.launch(&build(1, "big")).await.unwrap();
    let before = (
        launcher.deployment.jenkins.calls(Call::Create),
        launcher.deployment.jenkins.calls(Call::Secret),
        launcher.deployment.ecs.run_calls(),
        launcher.deployment.ecs.list_calls(),
    );
    launcher.launch(&build(2, "big")).await.unwrap();
    let after = (
        launcher.deployment.jenkins.calls(Call::Create),
        launcher.deployment.jenkins.calls(Call::Secret),
        launcher.deployment.ecs.run_calls(),
        launcher.deployment.ecs.list_calls(),
    );
    assert_eq!(
        (
            after.0 - before.0,
            after.1 - before.1,
            after.2 - before.2,
            after.3 - before.3
        ),
        (1, 1, 1, 0)
    );
    assert_eq!(launcher.deployment.events.published().len(), 2);
}

mod deadline;
mod env_files;
mod failures;
mod notes;
mod retire;
mod versions;
