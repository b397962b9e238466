//! The ECS model keeps ECS's contract: buckets, the SDK's retries, client tokens.

use std::sync::Arc;

use ecs_agents::config::AgentsConfig;
use ecs_agents::ecs::{AgentEnvironment, AgentTasks, EcsError, RunOutcome, TaskLaunch};
use ecs_agents::naming::AgentName;
use ecs_agents::secret::Secret;
use tokio::sync::mpsc::unbounded_channel;

use super::*;
use crate::world::AGENTS_FILE;

fn client(limits: EcsLimits) -> (Arc<SharedCluster>, SimEcs) {
    let (news, _inbox) = unbounded_channel();
    let cluster = Cluster::new("agents", limits, EcsFaults::default(), Rng::new(1));
    let shared = Arc::new(SharedCluster::new(cluster, EcsLatency::default(), news));
    let ecs = SimEcs::new(Arc::clone(&shared), "ecs-agents-sim", Rng::new(2));
    (shared, ecs)
}

async fn launch(ecs: &SimEcs, agent: &str, secret: &str) -> TaskLaunch {
    let config = AgentsConfig::from_yaml(AGENTS_FILE).expect("the simulator's agents file");
    let definition = ecs
        .task_definition(&config.templates[0])
        .await
        .expect("registered");
    TaskLaunch {
        task_definition: definition,
        client_token: format!("token-{agent}"),
        group: AgentName::new(agent).to_group(),
        environment: AgentEnvironment::Overrides {
            variables: Vec::new(),
            secret: Secret::new(secret),
        },
        capacity: config.templates[0].launch.capacity.clone(),
        network: None,
        platform_version: None,
        placement_strategies: Vec::new(),
        enable_execute_command: false,
        propagate_task_definition_tags: true,
        tags: Vec::new(),
    }
}

#[tokio::test(start_paused = true)]
async fn a_repeated_client_token_returns_the_first_task_and_other_parameters_conflict() {
    let (shared, ecs) = client(EcsLimits::default());
    let first = launch(&ecs, "sim-linux-1", "s3cret").await;
    let started = ecs.run(&first).await.expect("started");
    assert_eq!(ecs.run(&first).await.expect("repeated"), started);
    assert_eq!(shared.lock().counts.tasks_created, 1);
    let other = launch(&ecs, "sim-linux-1", "another").await;
    assert!(matches!(
        ecs.run(&other).await,
        Err(EcsError::TokenConflict(_))
    ));
}

#[tokio::test(start_paused = true)]
async fn an_empty_bucket_is_retried_by_the_sdk_then_classified_as_throttling() {
    let limits = EcsLimits {
        fargate_run_task: (1, 1),
        ..EcsLimits::default()
    };
    let (shared, ecs) = client(limits);
    let first = launch(&ecs, "sim-linux-1", "a").await;
    ecs.run(&first).await.expect("the bucket's one token");
    // The next token comes a second later: the SDK's backoff waits for it.
    let second = launch(&ecs, "sim-linux-2", "b").await;
    let started = ecs.run(&second).await;
    assert!(
        matches!(started, Ok(RunOutcome::Started { .. })),
        "{started:?}"
    );
    assert!(shared.lock().counts.throttled["RunTask"] >= 1);

    let limits = EcsLimits {
        fargate_run_task: (1, 0),
        ..EcsLimits::default()
    };
    let (shared, ecs) = client(limits);
    ecs.run(&launch(&ecs, "sim-linux-1", "a").await)
        .await
        .expect("first");
    let refused = ecs.run(&launch(&ecs, "sim-linux-2", "b").await).await;
    assert!(
        matches!(&refused, Err(EcsError::Throttled(text)) if text.contains("Rate exceeded")),
        "{refused:?}"
    );
    let attempts = ecs_agents::ecs::sdk::MAX_ATTEMPTS as u64;
    assert_eq!(shared.lock().counts.throttled["RunTask"], attempts);
}
