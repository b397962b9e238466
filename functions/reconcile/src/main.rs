//! The reconcile Lambda: wiring only. Settings, secrets and clients are
//! prepared once per cold start; each scheduled tick runs [`reconcile::handle`].

use ecs_agents::bootstrap::{self, Settings};
use ecs_agents::reconcile::Reconciler;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let settings = Settings::from_env()?;
    let sdk = bootstrap::sdk_config().await?;
    let launcher = bootstrap::launcher(&settings, &sdk).await?;
    let reconciler = Reconciler::new(launcher, settings.reconcile);
    lambda_runtime::run(service_fn(|_tick: LambdaEvent<Value>| {
        reconcile::handle(&reconciler)
    }))
    .await
}
