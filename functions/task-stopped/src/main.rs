//! The task-stopped Lambda: wiring only. Settings, secrets and clients are
//! prepared once per cold start; each event goes to [`task_stopped::handle_payload`].

use ecs_agents::bootstrap::{self, Settings};
use ecs_agents::stopped::{RelaunchOptions, TaskStopped};
use lambda_runtime::{Error, LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let settings = Settings::from_env()?;
    let sdk = bootstrap::sdk_config().await?;
    let handler = TaskStopped::new(
        bootstrap::launcher(&settings, &sdk).await?,
        RelaunchOptions::default(),
    );
    // The payload is read as JSON first: a redriven on-failure record wraps
    // the event (task_stopped::delivery).
    lambda_runtime::run(service_fn(|event: LambdaEvent<serde_json::Value>| {
        task_stopped::handle_payload(&handler, event.payload)
    }))
    .await
}
