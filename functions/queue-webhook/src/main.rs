//! The queue webhook Lambda: wiring only. Settings, secrets and clients are
//! prepared once per cold start; each request goes to [`queue_webhook::handle`].

use ecs_agents::bootstrap::{self, Settings};
use lambda_http::{Error, Request, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_http::tracing::init_default_subscriber();
    let settings = Settings::from_env()?;
    let sdk = bootstrap::sdk_config().await?;
    let webhook = bootstrap::webhook(&settings, &sdk).await?;
    lambda_http::run(service_fn(|request: Request| {
        queue_webhook::handle(&webhook, request)
    }))
    .await
}
