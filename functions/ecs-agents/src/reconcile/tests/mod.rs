//! Reconcile rules against the in-memory fakes.

use std::time::Duration;

use super::*;
use crate::clock::now_ms;
use crate::ecs::fake::FakeEcs;
use crate::envfiles::EnvFiles;
use crate::events::AgentEventKind;
use crate::jenkins::fake::{Call, FakeJenkins};
use crate::jenkins::{AgentNode, JenkinsError};
use crate::launch::QueuedBuild;
use crate::ports::Fakes;

pub(super) const CONFIG: &str = "
cloud: {name: ecs, cluster: agents, jenkinsUrl: 'https://jenkins.example.com/', agentLaunchTimeoutSeconds: 300}
templates:
  - {name: linux, labels: linux, cpu: 512, memory: 1024, subnets: [s-1]}
  - {name: warm, labels: warm, cpu: 512, memory: 1024, subnets: [s-1], idleMinutes: 30}
";
pub(super) const MINUTE: u64 = 60_000;

pub(super) type TestReconciler = Reconciler<Fakes>;

pub(super) fn reconciler(options: ReconcileOptions) -> TestReconciler {
    let launcher = Launcher::with_fakes(CONFIG);
    Reconciler::new(launcher, options)
}

pub(super) fn jenkins(r: &TestReconciler) -> &FakeJenkins {
    &r.deployment().jenkins
}

pub(super) fn ecs(r: &TestReconciler) -> &FakeEcs {
    &r.deployment().ecs
}

pub(super) fn waiting(id: u64, why: &str) -> QueueEntry {
    QueueEntry {
        id,
        why: Some(why.into()),
        // Jenkins' `inQueueSince`: the item has waited a few seconds.
        in_queue_since: now_ms() - 5_000 + id,
        task_name: Some("app".into()),
        buildable: true,
    }
}

pub(super) async fn launched(r: &TestReconciler, item: u64, label: &str) -> AgentName {
    let build = QueuedBuild {
        queue_item: item,
        label: Some(label.into()),
        job_name: None,
        in_queue_since: 1,
        age: Some(Duration::ZERO),
        verified_queued: false,
    };
    match r.launcher().launch(&build).await.unwrap() {
        crate::launch::LaunchOutcome::Launched { node, .. } => node,
        other => panic!("{other:?}"),
    }
}

pub(super) fn names(list: &[AgentName]) -> Vec<&str> {
    list.iter().map(AgentName::as_str).collect()
}

#[tokio::test]
async fn a_buildable_item_for_a_served_label_gets_an_agent() {
    let r = reconciler(ReconcileOptions::default());
    jenkins(&r).enqueue(waiting(
        41,
        "There are no nodes with the label \u{2018}linux\u{2019}",
    ));
    let summary = r.run(now_ms()).await.unwrap();
    assert_eq!(names(&summary.launched), ["ecs-linux-41"]);
    assert_eq!(ecs(&r).running().len(), 1);
    // Run again: the item is served by the agent launched for it.
    let again = r.run(now_ms()).await.unwrap();
    assert!(again.launched.is_empty(), "{again:?}");
    assert_eq!(ecs(&r).tasks().len(), 1);
}

#[tokio::test]
async fn items_for_labels_no_template_serves_or_without_a_label_are_left_alone() {
    let r = reconciler(ReconcileOptions::default());
    jenkins(&r).enqueue(waiting(
        1,
        "There are no nodes with the label \u{2018}windows\u{2019}",
    ));
    jenkins(&r).enqueue(waiting(2, "Waiting for next available executor"));
    jenkins(&r).enqueue(waiting(3, "In the quiet period. Expires in 4.9 sec"));
    let summary = r.run(now_ms()).await.unwrap();
    assert!(summary.launched.is_empty());
    assert!(ecs(&r).tasks().is_empty());
}

#[tokio::test]
async fn the_placeholder_nodes_are_created_once() {
    let r = reconciler(ReconcileOptions::default());
    assert!(r.run(now_ms()).await.unwrap().placeholder_created);
    assert_eq!(
        names(&jenkins(&r).node_names()),
        ["ecs_placeholder", "ecs_placeholder_2"]
    );
    for name in ["ecs_placeholder", "ecs_placeholder_2"] {
        let placeholder = jenkins(&r).node(&AgentName::new(name)).unwrap();
        assert_eq!(placeholder.label_string, "", "it must never serve a build");
    }
    assert!(!r.run(now_ms()).await.unwrap().placeholder_created);
    assert_eq!(jenkins(&r).calls(Call::Create), 2);
}

#[tokio::test]
async fn a_missing_second_placeholder_is_added_to_an_existing_deployment() {
    let r = reconciler(ReconcileOptions::default());
    r.run(now_ms()).await.unwrap();
    jenkins(&r)
        .delete_agent(&AgentName::new("ecs_placeholder_2"))
        .await
        .unwrap();
    assert!(r.run(now_ms()).await.unwrap().placeholder_created);
    assert_eq!(jenkins(&r).calls(Call::Create), 3);
}

#[tokio::test]
async fn a_ghost_node_is_deleted_after_the_grace_period_only() {
    let r = reconciler(ReconcileOptions::default());
    let created = now_ms();
    let ghost = AgentNode {
        name: AgentName::new("ecs-linux-9"),
        description: format!("ECS agent (template linux) for app, queue item 9; created {created}"),
        num_executors: 1,
        remote_fs: "/home/jenkins/agent".into(),
        label_string: "linux".into(),
        web_socket: true,
    };
    jenkins(&r).add_node(ghost);
    assert!(
        r.run(created + MINUTE)
            .await
            .unwrap()
            .ghost_nodes
            .is_empty(),
        "a launch may be in flight"
    );
    let summary = r.run(created + 3 * MINUTE).await.unwrap();
    assert_eq!(names(&summary.ghost_nodes), ["ecs-linux-9"]);
    assert_eq!(
        names(&jenkins(&r).node_names()),
        ["ecs_placeholder", "ecs_placeholder_2"]
    );
}

#[tokio::test]
async fn an_orphan_task_is_stopped() {
    let r = reconciler(ReconcileOptions::default());
    let node = launched(&r, 5, "linux").await;
    jenkins(&r).delete_agent(&node).await.unwrap();
    let summary = r.run(now_ms()).await.unwrap();
    assert_eq!(summary.orphan_tasks.len(), 1);
    assert!(ecs(&r).running().is_empty());
}

#[tokio::test]
async fn an_agent_that_never_connects_is_retired_and_reported() {
    let r = reconciler(ReconcileOptions::default());
    let node = launched(&r, 5, "linux").await;
    assert!(
        r.run(now_ms() + MINUTE)
            .await
            .unwrap()
            .never_connected
            .is_empty(),
        "still within the launch timeout"
    );
    let summary = r.run(now_ms() + 6 * MINUTE).await.unwrap();
    assert_eq!(summary.never_connected, std::slice::from_ref(&node));
    assert!(jenkins(&r).node(&node).is_none());
    assert!(ecs(&r).running().is_empty());
    let failed = r
        .launcher()
        .deployment()
        .events
        .first(AgentEventKind::AgentLaunchFailed)
        .unwrap();
    assert_eq!(
        failed.reason.as_deref(),
        Some("agent did not connect within 300 s")
    );
}

#[tokio::test]
async fn a_single_use_agent_idle_after_its_build_is_retired() {
    let r = reconciler(ReconcileOptions::default());
    let node = launched(&r, 5, "linux").await;
    jenkins(&r).set_connected(&node, true);
    jenkins(&r).set_idle_since(&node, now_ms());
    assert!(
        r.run(now_ms() + MINUTE)
            .await
            .unwrap()
            .idle_retired
            .is_empty()
    );
    let summary = r.run(now_ms() + 3 * MINUTE).await.unwrap();
    assert_eq!(summary.idle_retired, std::slice::from_ref(&node));
    assert!(ecs(&r).running().is_empty());
}

#[tokio::test]
async fn a_reusable_agent_is_kept_until_its_idle_retention_passes() {
    let r = reconciler(ReconcileOptions::default());
    let node = launched(&r, 6, "warm").await;
    jenkins(&r).set_connected(&node, true);
    jenkins(&r).set_idle_since(&node, now_ms());
    assert!(
        r.run(now_ms() + 20 * MINUTE)
            .await
            .unwrap()
            .idle_retired
            .is_empty()
    );
    assert_eq!(
        r.run(now_ms() + 31 * MINUTE).await.unwrap().idle_retired,
        [node]
    );
}

#[tokio::test]
async fn without_an_idle_since_time_idleness_is_measured_across_runs() {
    let r = reconciler(ReconcileOptions::default());
    let node = launched(&r, 5, "linux").await;
    jenkins(&r).set_connected(&node, true);
    let start = now_ms();
    assert!(
        r.run(start).await.unwrap().idle_retired.is_empty(),
        "first seen idle now"
    );
    assert!(r.run(start + MINUTE).await.unwrap().idle_retired.is_empty());
    jenkins(&r).set_busy(&node, true);
    r.run(start + 2 * MINUTE).await.unwrap();
    jenkins(&r).set_busy(&node, false);
    assert!(
        r.run(start + 3 * MINUTE)
            .await
            .unwrap()
            .idle_retired
            .is_empty(),
        "busy in between restarts the measure"
    );
    assert_eq!(
        r.run(start + 6 * MINUTE).await.unwrap().idle_retired,
        [node]
    );
}

#[tokio::test]
async fn a_busy_agent_is_never_touched() {
    let r = reconciler(ReconcileOptions::default());
    let node = launched(&r, 5, "linux").await;
    jenkins(&r).set_connected(&node, true);
    jenkins(&r).set_busy(&node, true);
    let summary = r.run(now_ms() + 60 * MINUTE).await.unwrap();
    assert!(
        summary.idle_retired.is_empty()
            && summary.never_connected.is_empty()
            && summary.ghost_nodes.is_empty()
    );
    assert_eq!(ecs(&r).running().len(), 1);
}

#[tokio::test]
async fn a_dry_run_reports_and_changes_nothing() {
    let r = reconciler(ReconcileOptions {
        dry_run: true,
        ..ReconcileOptions::default()
    });
    jenkins(&r).enqueue(waiting(
        41,
        "There are no nodes with the label \u{2018}linux\u{2019}",
    ));
    let node = launched(&r, 5, "linux").await;
    jenkins(&r).delete_agent(&node).await.unwrap();
    let summary = r.run(now_ms()).await.unwrap();
    assert!(summary.dry_run && summary.placeholder_created);
    assert_eq!((summary.launched.len(), summary.orphan_tasks.len()), (1, 1));
    assert!(jenkins(&r).node_names().is_empty());
    assert_eq!(ecs(&r).running().len(), 1);
}

#[tokio::test]
async fn jenkins_or_ecs_unreadable_means_nothing_is_done() {
    let r = reconciler(ReconcileOptions::default());
    jenkins(&r).fail_next(Call::ListNodes, JenkinsError::Unavailable("502".into()));
    assert!(r.run(now_ms()).await.is_err());
    assert_eq!(jenkins(&r).calls(Call::Create), 0);
    ecs(&r).fail_listing(crate::ecs::EcsError::Unavailable("timeout".into()));
    assert!(r.run(now_ms()).await.is_err());
    assert_eq!(jenkins(&r).calls(Call::Create), 0);
}

#[tokio::test]
async fn a_settled_world_needs_nothing_on_later_runs() {
    let r = reconciler(ReconcileOptions::default());
    jenkins(&r).enqueue(waiting(
        41,
        "All nodes of label \u{2018}linux\u{2019} are offline",
    ));
    r.run(now_ms()).await.unwrap();
    for _ in 0..2 {
        let summary = r.run(now_ms()).await.unwrap();
        let acted = summary.launched.len()
            + summary.ghost_nodes.len()
            + summary.orphan_tasks.len()
            + summary.never_connected.len()
            + summary.idle_retired.len();
        assert_eq!(
            (acted, summary.placeholder_created),
            (0, false),
            "{summary:?}"
        );
    }
}

#[tokio::test]
async fn revisions_no_template_renders_any_more_are_deregistered_a_few_per_run() {
    let r = reconciler(ReconcileOptions {
        max_deregistrations: 2,
        ..ReconcileOptions::default()
    });
    let current = match &r.launcher().config().templates[0].task {
        crate::config::TaskSource::Register { hash, .. } => hash.clone(),
        crate::config::TaskSource::Existing { .. } => unreachable!(),
    };
    ecs(&r).add_registered(
        "arn:aws:ecs:us-east-1:1:task-definition/ecs-linux:1",
        "old-1",
    );
    ecs(&r).add_registered(
        "arn:aws:ecs:us-east-1:1:task-definition/ecs-linux:2",
        "old-2",
    );
    ecs(&r).add_registered(
        "arn:aws:ecs:us-east-1:1:task-definition/ecs-linux:3",
        "old-3",
    );
    ecs(&r).add_registered(
        "arn:aws:ecs:us-east-1:1:task-definition/ecs-linux:4",
        &current,
    );
    assert_eq!(r.run(now_ms()).await.unwrap().deregistered.len(), 2);
    assert_eq!(r.run(now_ms()).await.unwrap().deregistered.len(), 1);
    assert_eq!(
        ecs(&r).active_definitions(),
        ["arn:aws:ecs:us-east-1:1:task-definition/ecs-linux:4"]
    );
    let dry = reconciler(ReconcileOptions {
        dry_run: true,
        ..ReconcileOptions::default()
    });
    ecs(&dry).add_registered(
        "arn:aws:ecs:us-east-1:1:task-definition/ecs-linux:1",
        "old-1",
    );
    assert!(dry.run(now_ms()).await.unwrap().deregistered.is_empty());
    assert_eq!(ecs(&dry).active_definitions().len(), 1);
}

#[tokio::test]
async fn an_item_waiting_on_one_of_our_agents_by_node_name_gets_its_own_agent() {
    let r = reconciler(ReconcileOptions::default());
    let other = launched(&r, 5, "linux").await;
    // Exactly one node has the label, so Jenkins names the node, not the label.
    jenkins(&r).enqueue(waiting(6, &format!("\u{2018}{other}\u{2019} is offline")));
    let summary = r.run(now_ms()).await.unwrap();
    assert_eq!(names(&summary.launched), ["ecs-linux-6"]);
}

#[tokio::test]
async fn an_item_waiting_on_a_node_that_is_not_ours_is_left_alone() {
    let r = reconciler(ReconcileOptions::default());
    jenkins(&r).add_node(AgentNode {
        name: AgentName::new("windows-box"),
        description: String::new(),
        num_executors: 1,
        remote_fs: "C:/jenkins".into(),
        label_string: "windows".into(),
        web_socket: false,
    });
    jenkins(&r).enqueue(waiting(6, "\u{2018}windows-box\u{2019} is offline"));
    assert!(r.run(now_ms()).await.unwrap().launched.is_empty());
}

mod orphans;
mod reconnect;
mod refusals;
mod relaunch;
mod versions;

#[tokio::test]
async fn queue_reasons_in_another_language_are_counted_and_launch_nothing() {
    let r = reconciler(ReconcileOptions::default());
    // Jenkins' German text for "There are no nodes with the label ‘linux’".
    jenkins(&r).enqueue(waiting(
        5,
        "Es gibt keine Knoten mit dem Label \u{201e}linux\u{201c}",
    ));
    jenkins(&r).enqueue(waiting(6, "Waiting for next available executor"));
    let summary = r.run(now_ms()).await.unwrap();
    assert_eq!(summary.unreadable_reasons, 1);
    assert!(summary.launched.is_empty());
}

#[tokio::test]
async fn an_environment_file_without_a_live_task_is_deleted_after_the_grace() {
    let r = reconciler(ReconcileOptions::default());
    let node = launched(&r, 5, "linux").await;
    let start = now_ms();
    r.deployment().files.set_now(start);
    let stray = AgentName::new("ecs-linux-77");
    r.deployment()
        .files
        .put(&stray, &crate::secret::Secret::new("JENKINS_SECRET=x\n"))
        .await
        .unwrap();
    assert!(
        r.run(start + 30_000)
            .await
            .unwrap()
            .stray_env_files
            .is_empty(),
        "a launch may be in flight"
    );
    let summary = r.run(start + 3 * MINUTE).await.unwrap();
    assert_eq!(summary.stray_env_files, [stray]);
    assert_eq!(
        r.deployment().files.agents(),
        [node],
        "the live agent keeps its file"
    );
}
