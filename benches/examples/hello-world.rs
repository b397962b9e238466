//! The baseline of `scripts/bench cold-start`: a hello-world Lambda on
//! `lambda_runtime` (`cargo lambda new`'s shape: the default tracing
//! subscriber, an echo handler), built with the functions' release profile.

use lambda_runtime::{Error, LambdaEvent, service_fn, tracing};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing::init_default_subscriber();
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| async {
        Ok::<_, Error>(event.payload)
    }))
    .await
}
