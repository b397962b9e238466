//! The moto lifecycle and the resource helpers, against a real `moto_server`.
//!
//! These tests need `scripts/python-env` to have been run: without moto they
//! fail with a message that says so.

use std::{path::Path, time::Duration};

use serde_json::json;
use test_harness::Moto;

#[tokio::test]
async fn moto_answers_on_its_endpoint_once_started() -> anyhow::Result<()> {
    // Act
    let moto = Moto::start().await?;

    // Assert
    let response = reqwest::get(format!("{}/moto-api/", moto.endpoint())).await?;
    assert!(response.status().is_success());
    assert!(moto.endpoint().starts_with("http://127.0.0.1:"));
    Ok(())
}

#[tokio::test]
async fn moto_is_stopped_when_dropped() -> anyhow::Result<()> {
    // Arrange
    let moto = Moto::start().await?;
    let (pid, endpoint) = (moto.pid(), moto.endpoint());

    // Act
    drop(moto);

    // Assert: the process is reaped, and nothing answers on its port.
    assert!(
        !Path::new(&format!("/proc/{pid}")).exists(),
        "moto {pid} still exists"
    );
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()?;
    assert!(
        client
            .get(format!("{endpoint}/moto-api/"))
            .send()
            .await
            .is_err()
    );
    Ok(())
}

#[tokio::test]
async fn two_motos_run_side_by_side_on_different_ports() -> anyhow::Result<()> {
    let first = Moto::start().await?;
    let second = Moto::start().await?;

    assert_ne!(first.endpoint(), second.endpoint());
    Ok(())
}

#[tokio::test]
async fn reset_forgets_created_clusters() -> anyhow::Result<()> {
    // Arrange
    let moto = Moto::start().await?;
    moto.create_cluster("agents").await?;
    let ecs = aws_sdk_ecs::Client::new(&moto.sdk_config());

    // Act
    moto.reset().await?;

    // Assert
    let clusters = ecs.list_clusters().send().await?;
    assert_eq!(clusters.cluster_arns(), [] as [String; 0]);
    Ok(())
}

#[tokio::test]
async fn create_cluster_returns_the_cluster_arn() -> anyhow::Result<()> {
    let moto = Moto::start().await?;

    let arn = moto.create_cluster("agents").await?;

    assert_eq!(arn, "arn:aws:ecs:us-east-1:123456789012:cluster/agents");
    Ok(())
}

#[tokio::test]
async fn default_network_is_a_subnet_and_security_group_of_one_vpc() -> anyhow::Result<()> {
    let moto = Moto::start().await?;

    let subnet = moto.default_subnet().await?;
    let security_group = moto.default_security_group().await?;

    assert!(subnet.starts_with("subnet-"), "{subnet}");
    assert!(security_group.starts_with("sg-"), "{security_group}");
    Ok(())
}

#[tokio::test]
async fn a_created_secret_reads_back_with_its_value() -> anyhow::Result<()> {
    // Arrange
    let moto = Moto::start().await?;

    // Act
    let arn = moto.create_secret("jenkins/agent-secret", "s3cr3t").await?;

    // Assert
    let secrets = aws_sdk_secretsmanager::Client::new(&moto.sdk_config());
    let value = secrets.get_secret_value().secret_id(&arn).send().await?;
    assert_eq!(value.secret_string(), Some("s3cr3t"));
    assert!(arn.starts_with("arn:aws:secretsmanager:us-east-1:123456789012:secret:jenkins/"));
    Ok(())
}

#[tokio::test]
async fn an_event_put_on_a_captured_bus_is_captured() -> anyhow::Result<()> {
    // Arrange
    let moto = Moto::start().await?;
    let capture = moto.create_event_bus_capture("agents").await?;
    let events = aws_sdk_eventbridge::Client::new(&moto.sdk_config());

    // Act
    put_event(&events, "agents", json!({"node": "agent-1"})).await?;

    // Assert
    let captured = capture.captured_events().await?;
    assert_eq!(captured.len(), 1, "{captured:?}");
    assert_eq!(captured[0]["source"], "ecs-agents.test");
    assert_eq!(captured[0]["detail-type"], "Agent Launched");
    assert_eq!(captured[0]["detail"], json!({"node": "agent-1"}));
    Ok(())
}

#[tokio::test]
async fn captured_events_accumulate_across_reads() -> anyhow::Result<()> {
    // Arrange
    let moto = Moto::start().await?;
    let capture = moto.create_event_bus_capture("default").await?;
    let events = aws_sdk_eventbridge::Client::new(&moto.sdk_config());
    put_event(&events, "default", json!({"n": 1})).await?;
    capture.captured_events().await?;

    // Act
    put_event(&events, "default", json!({"n": 2})).await?;

    // Assert
    let details: Vec<_> = capture
        .captured_events()
        .await?
        .into_iter()
        .map(|e| e["detail"].clone())
        .collect();
    assert_eq!(details, [json!({"n": 1}), json!({"n": 2})]);
    Ok(())
}

#[tokio::test]
async fn events_on_another_bus_are_not_captured() -> anyhow::Result<()> {
    let moto = Moto::start().await?;
    let capture = moto.create_event_bus_capture("agents").await?;
    moto.create_event_bus_capture("other").await?;
    let events = aws_sdk_eventbridge::Client::new(&moto.sdk_config());

    put_event(&events, "other", json!({})).await?;

    assert!(capture.captured_events().await?.is_empty());
    Ok(())
}

async fn put_event(
    events: &aws_sdk_eventbridge::Client,
    bus: &str,
    detail: serde_json::Value,
) -> anyhow::Result<()> {
    let entry = aws_sdk_eventbridge::types::PutEventsRequestEntry::builder()
        .event_bus_name(bus)
        .source("ecs-agents.test")
        .detail_type("Agent Launched")
        .detail(detail.to_string())
        .build();
    let output = events.put_events().entries(entry).send().await?;
    assert_eq!(output.failed_entry_count(), 0);
    Ok(())
}
