//! The task-stopped Lambda: wiring only. Settings, secrets and clients are
//! prepared once per cold start; each event goes to [`task_stopped::handle`].

use ecs_agents::bootstrap::{self, Settings};
use ecs_agents::stopped::{RelaunchOptions, TaskStopped};
use lambda_runtime::{Error, LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let settings = Settings::from_env()?;
    let sdk = bootstrap::sdk_config().await;
    let handler = TaskStopped::new(
        bootstrap::launcher(&settings, &sdk).await?,
        RelaunchOptions::default(),
    );
    lambda_runtime::run(service_fn(|event: LambdaEvent<_>| {
        task_stopped::handle(&handler, event.payload)
    }))
    .await
}
