//! The launch-worker Lambda: wiring only. Settings, secrets and clients are
//! prepared once per cold start; each batch of work goes to
//! [`launch_worker::handle`].

use aws_lambda_events::event::sqs::SqsEvent;
use ecs_agents::bootstrap::{self, Settings};
use lambda_runtime::{Error, LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let settings = Settings::from_env()?;
    let sdk = bootstrap::sdk_config().await?;
    let queue = bootstrap::work_queue(&settings, &sdk)?;
    let worker = bootstrap::worker(&settings, &sdk).await?;
    lambda_runtime::run(service_fn(|event: LambdaEvent<SqsEvent>| {
        launch_worker::handle(&worker, &queue, event.payload)
    }))
    .await
}
