//! ListTasks through the [`ClientTokenProxy`]: `startedBy` must be the only
//! filter of a call (docs/aws.md §8). moto accepts any combination, so the
//! proxy refuses what ECS documents as refused, and a combination cannot
//! creep back into the functions unnoticed.

use aws_sdk_ecs::Client;
use aws_sdk_ecs::types::{DesiredStatus, LaunchType};
use test_harness::{ClientTokenProxy, Moto, STARTED_BY_ALONE};

const CLUSTER: &str = "agents";

async fn ecs() -> anyhow::Result<(Moto, ClientTokenProxy, Client)> {
    let moto = Moto::start().await?;
    let proxy = ClientTokenProxy::start(&moto.endpoint()).await?;
    let client = Client::new(&proxy.sdk_config());
    moto.create_cluster(CLUSTER).await?;
    Ok((moto, proxy, client))
}

#[tokio::test]
async fn started_by_with_desired_status_is_refused_as_ecs_documents() -> anyhow::Result<()> {
    // Arrange
    let (_moto, proxy, client) = ecs().await?;

    // Act
    let result = client
        .list_tasks()
        .cluster(CLUSTER)
        .started_by("ecs-agents-bb")
        .desired_status(DesiredStatus::Running)
        .send()
        .await;

    // Assert: ECS's code for a refused parameter, the reference's words.
    let error = result.expect_err("startedBy must be the only filter");
    let service = error.as_service_error().expect("a service error");
    assert!(service.is_invalid_parameter_exception(), "{service:?}");
    let message = aws_sdk_ecs::error::ProvideErrorMetadata::message(service).unwrap_or_default();
    assert!(message.starts_with(STARTED_BY_ALONE), "{message}");
    assert!(message.contains("desiredStatus"), "{message}");
    assert_eq!(
        (proxy.calls("ListTasks"), proxy.forwarded("ListTasks")),
        (1, 0)
    );
    Ok(())
}

#[tokio::test]
async fn started_by_with_a_launch_type_is_refused_too() -> anyhow::Result<()> {
    let (_moto, _proxy, client) = ecs().await?;
    let result = client
        .list_tasks()
        .cluster(CLUSTER)
        .started_by("ecs-agents-bb")
        .launch_type(LaunchType::Fargate)
        .send()
        .await;
    assert!(result.is_err(), "{result:?}");
    Ok(())
}

#[tokio::test]
async fn started_by_alone_and_a_status_alone_reach_moto() -> anyhow::Result<()> {
    // Arrange
    let (_moto, proxy, client) = ecs().await?;

    // Act
    let by_deployment = client
        .list_tasks()
        .cluster(CLUSTER)
        .started_by("ecs-agents-bb")
        .max_results(100)
        .send()
        .await;
    let stopped = client
        .list_tasks()
        .cluster(CLUSTER)
        .desired_status(DesiredStatus::Stopped)
        .send()
        .await;

    // Assert
    assert!(by_deployment.is_ok(), "{by_deployment:?}");
    assert!(stopped.is_ok(), "{stopped:?}");
    assert_eq!(proxy.forwarded("ListTasks"), 2);
    Ok(())
}
