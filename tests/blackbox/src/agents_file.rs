//! The published agents file of a test deployment: the versioned bucket the
//! stack would create, and the operator who publishes to it with the
//! `ecs-agents` CLI's own code (`ecs_agents_cli::publish`), or bypasses the
//! CLI as `aws s3 cp` would.

use anyhow::Context;
use ecs_agents_cli::publish::{self, AgentsBucket, Plan, Pushed};

use crate::Backends;

/// The bucket of the published agents file (the stack's `AgentsConfigBucket`).
pub const CONFIG_BUCKET: &str = "agents-config";
/// The file's key (the stack's `AgentsConfigKey`).
pub const CONFIG_KEY: &str = "agents.yaml";

impl Backends {
    /// Creates the agents-file bucket with versioning on, as the stack does.
    pub(crate) async fn create_agents_bucket(&self) -> anyhow::Result<()> {
        self.moto.create_bucket(CONFIG_BUCKET).await?;
        let status = aws_sdk_s3::types::BucketVersioningStatus::Enabled;
        self.operator_s3()
            .put_bucket_versioning()
            .bucket(CONFIG_BUCKET)
            .versioning_configuration(
                aws_sdk_s3::types::VersioningConfiguration::builder()
                    .status(status)
                    .build(),
            )
            .send()
            .await
            .context("turning versioning on")?;
        Ok(())
    }

    /// The agents file as the operator reaches it: moto directly, with the
    /// operator's (not the functions') client.
    pub fn agents_bucket(&self) -> AgentsBucket {
        AgentsBucket::new(self.operator_s3(), CONFIG_BUCKET, CONFIG_KEY)
    }

    /// `ecs-agents push`: validates `text`, compares it with what is
    /// published (or with `seed`, the file the functions started from), and
    /// publishes it; the plan it showed and the version published.
    pub async fn push_agents_file(
        &self,
        text: &str,
        seed: &str,
    ) -> anyhow::Result<(Plan, Option<Pushed>)> {
        Ok(publish::push(
            &self.agents_bucket(),
            text,
            Some(("the functions' file", seed)),
        )
        .await?)
    }

    /// Uploads `text` as the agents file without the CLI, as `aws s3 cp`
    /// would: nothing checks it before the functions read it. Its version.
    pub async fn upload_agents_file(&self, text: &str) -> anyhow::Result<String> {
        let put = self
            .operator_s3()
            .put_object()
            .bucket(CONFIG_BUCKET)
            .key(CONFIG_KEY)
            .body(text.as_bytes().to_vec().into())
            .send()
            .await
            .context("uploading the agents file")?;
        put.version_id().map(str::to_owned).context("a version id")
    }

    fn operator_s3(&self) -> aws_sdk_s3::Client {
        let config = aws_sdk_s3::config::Builder::from(&self.moto.sdk_config())
            .force_path_style(true)
            .build();
        aws_sdk_s3::Client::from_conf(config)
    }
}
