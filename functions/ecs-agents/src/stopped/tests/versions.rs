//! Task events while the agents file follows the published one.

use std::sync::Arc;

use super::*;
use crate::config::ConfigVersion;
use crate::launch::LauncherOptions;
use crate::live_config::fake::FakeAgentsFile;
use crate::ports::Deployment;

fn following(store: &FakeAgentsFile) -> Handler {
    let deployment =
        Deployment::with_fakes(CONFIG).following(store.follow(CONFIG, Duration::from_secs(30)));
    let launcher = Launcher::new(Arc::new(deployment), LauncherOptions::default());
    TaskStopped::new(launcher, RelaunchOptions::default())
}

#[tokio::test]
async fn agent_stopped_names_the_agents_file_version() {
    let handler = handler();
    let node = launched(&handler, 3).await;
    handler.handle(&stopped(&node, 4)).await.unwrap();
    let event = handler
        .deployment()
        .events
        .first(crate::events::AgentEventKind::AgentStopped)
        .unwrap();
    assert_eq!(
        event.config_version,
        ConfigVersion::built_in(CONFIG).to_string()
    );
}

#[tokio::test]
async fn events_of_other_deployments_read_no_agents_file() {
    let store = FakeAgentsFile::new();
    let handler = following(&store);
    let mut foreign = stopped(&AgentName::new("ecs-linux-1"), 5);
    foreign.started_by = Some("ecs-svc/123".into());
    assert_eq!(
        handler.handle(&foreign).await.unwrap(),
        TaskChangeOutcome::NotOurs
    );
    assert_eq!(store.reads(), 0);
    handler
        .handle(&stopped(&AgentName::new("ecs-linux-1"), 5))
        .await
        .unwrap();
    assert_eq!(store.reads(), 1, "a task of ours reads it when due");
}
