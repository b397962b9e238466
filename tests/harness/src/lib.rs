//! Black-box test harness: moto as the local AWS, and a proxy that completes it.
//!
//! [`Moto`] starts `moto_server` (installed into `.venv/` by `scripts/python-env`)
//! on a free loopback port, stops it on drop, and has helpers for the resources
//! the tests need: ECS clusters, the default VPC's network, secrets, and an
//! [`EventCapture`] that records what was published to an EventBridge bus.
//!
//! [`SqsQueue`] reads a queue as Lambda's SQS event source does.
//!
//! [`ClientTokenProxy`] sits between the code under test and moto. It exists only
//! because moto 5.2.5 ignores RunTask's `clientToken` (every call launches
//! again), while real ECS returns the original result for a repeated token; the
//! launch path relies on that to absorb redeliveries. The proxy replays the first
//! successful response per (cluster, clientToken), makes concurrent duplicates
//! wait for it, answers a reused token with a changed request with ECS's
//! `ConflictException`, and counts calls per operation. It also refuses a
//! ListTasks that combines `startedBy` with another filter, which ECS's API
//! reference forbids and moto allows. It does NOT emulate the token's expiry
//! (up to 24 h on ECS: here a token lives as long as the proxy), nor the
//! 64-character limit on tokens, nor any other ECS validation.
//!
//! [`TlsFront`] serves the Jenkins stand-in over TLS with a certificate from a
//! CA made up for the test, as a controller behind a corporate CA, and
//! [`ConnectProxy`] is an HTTPS forward proxy that remembers its tunnels.
//!
//! All clients built from [`sdk_config`] use region `us-east-1` and fixed test
//! credentials: moto accepts any signature.

mod connect_proxy;
mod events;
mod moto;
mod proxy;
mod queue;
mod resources;
mod tls;

pub use connect_proxy::ConnectProxy;
pub use events::EventCapture;
pub use moto::Moto;
pub use proxy::{ClientTokenProxy, STARTED_BY_ALONE};
pub use queue::SqsQueue;
pub use tls::TlsFront;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::{Credentials, provider::SharedCredentialsProvider};

/// The region every harness client and every moto resource lives in.
pub const REGION: &str = "us-east-1";

/// The account moto puts into every ARN.
pub const ACCOUNT_ID: &str = "123456789012";

/// An SDK configuration for `endpoint` (moto or a [`ClientTokenProxy`]): region
/// [`REGION`], test credentials, latest behavior version, the functions' HTTP
/// client.
///
/// Built field by field rather than with `aws_config::defaults` so that nothing
/// from the environment or `~/.aws` (a profile, `AWS_ENDPOINT_URL_*`) can point
/// a test at real AWS.
pub fn sdk_config(endpoint: &str) -> SdkConfig {
    let credentials = Credentials::new("testing", "testing", None, None, "test-harness");
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .credentials_provider(SharedCredentialsProvider::new(credentials))
        .endpoint_url(endpoint)
        .http_client(
            ecs_agents::https::Https::system()
                .expect("a trust store")
                .sdk_http_client(),
        )
        .build()
}
