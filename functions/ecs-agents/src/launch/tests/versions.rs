//! Launching while the agents file changes under a warm instance: each
//! launch acts on one version and says which.

use super::*;
use crate::live_config::fake::FakeAgentsFile;
use crate::ports::Deployment;

const INTERVAL: Duration = Duration::from_secs(1);

/// CONFIG with one more template, `gpu`.
fn with_gpu() -> String {
    format!("{CONFIG}  - {{name: gpu, labels: gpu, cpu: 512, memory: 1024, subnets: [s-1]}}\n")
}

fn following(store: &FakeAgentsFile) -> TestLauncher {
    let deployment = Deployment::with_fakes(CONFIG).following(store.follow(CONFIG, INTERVAL));
    Launcher::new(Arc::new(deployment), LauncherOptions::default())
}

#[tokio::test]
async fn every_launch_event_names_the_version_of_the_agents_file_it_came_from() {
    let launcher = launcher();
    launcher.launch(&build(7, "linux")).await.unwrap();
    launcher
        .deployment
        .ecs
        .answer_next_run(Err(EcsError::Rejected("AccessDeniedException".into())));
    launcher.launch(&build(8, "linux")).await.unwrap_err();

    let events = launcher.deployment.events.published();
    let built_in = crate::config::ConfigVersion::built_in(CONFIG).to_string();
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(events[0].kind, AgentEventKind::AgentLaunched);
    assert_eq!(events[1].kind, AgentEventKind::AgentLaunchFailed);
    assert!(
        events.iter().all(|e| e.config_version == built_in),
        "{events:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_warm_launcher_launches_from_a_version_published_after_it_started() {
    let store = FakeAgentsFile::new();
    let launcher = following(&store);
    let before = launcher.launch(&build(7, "gpu")).await.unwrap();
    assert_eq!(before, LaunchOutcome::ignored("no template serves gpu"));

    store.publish(&with_gpu());
    tokio::time::advance(INTERVAL).await;
    let after = launcher.launch(&build(8, "gpu")).await.unwrap();

    assert!(
        matches!(&after, LaunchOutcome::Launched { template, .. } if template == "gpu"),
        "{after:?}"
    );
    let launched = launcher
        .deployment
        .events
        .first(AgentEventKind::AgentLaunched)
        .unwrap();
    assert_eq!(launched.config_version, "v1");
}

#[tokio::test(start_paused = true)]
async fn agents_are_counted_again_under_a_new_version() {
    // The count is kept 10 s; the new version arrives within them.
    let store = FakeAgentsFile::new();
    let launcher = following(&store);
    launcher.launch(&build(7, "linux")).await.unwrap();
    assert_eq!(launcher.deployment.ecs.list_calls(), 1);

    store.publish(&with_gpu());
    tokio::time::advance(INTERVAL).await;
    launcher.launch(&build(8, "linux")).await.unwrap();

    assert_eq!(
        launcher.deployment.ecs.list_calls(),
        2,
        "which template an agent counts for comes from the file"
    );
}

#[tokio::test(start_paused = true)]
async fn a_new_version_makes_the_ecs_adapter_keep_only_what_it_renders() {
    let store = FakeAgentsFile::new();
    let launcher = following(&store);
    launcher.launch(&build(7, "linux")).await.unwrap();
    assert_eq!(
        launcher.deployment.ecs.retained(),
        Vec::<Vec<String>>::new()
    );

    store.publish(&CONFIG.replace(
        "  - {name: big, labels: big, cpu: 4096, memory: 8192, subnets: [s-1]}\n",
        "",
    ));
    tokio::time::advance(INTERVAL).await;
    launcher.launch(&build(8, "linux")).await.unwrap();

    assert_eq!(launcher.deployment.ecs.retained(), [["linux", "warm"]]);
}
