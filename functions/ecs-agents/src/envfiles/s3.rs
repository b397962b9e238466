//! The real [`EnvFiles`]: one S3 object per agent,
//! `agents/<cloud>/<agent>.env`, in the bucket the stack creates (encrypted,
//! public access blocked, leftovers expired after a day; infra/template.yaml).
//!
//! ECS reads the object with the task's execution role (`s3:GetObject`),
//! so only the functions write and delete, and only the execution role reads.

use aws_sdk_s3::Client;
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;

use super::{EnvFileError, EnvFiles, StoredFile};
use crate::naming::AgentName;
use crate::secret::Secret;

/// What marks a key as an agent's file.
const SUFFIX: &str = ".env";
/// Keys listed per ListObjectsV2 call, at most (S3's own maximum).
const PAGE: i32 = 1000;

/// Agents' environment files in one bucket, under one deployment's prefix.
#[derive(Debug, Clone)]
pub struct S3EnvFiles {
    client: Client,
    bucket: Option<String>,
    prefix: String,
    partition: &'static str,
}

impl S3EnvFiles {
    /// Files of deployment `cloud` in `bucket` (`None`: the deployment
    /// delivers secrets otherwise, and every call is refused), in `region`
    /// (which names the ARN partition).
    pub fn new(client: Client, bucket: Option<String>, cloud: &str, region: &str) -> Self {
        Self {
            client,
            bucket,
            prefix: format!("agents/{cloud}/"),
            partition: partition(region),
        }
    }

    fn bucket(&self) -> Result<&str, EnvFileError> {
        self.bucket
            .as_deref()
            .ok_or_else(|| EnvFileError::Rejected("no bucket is configured".into()))
    }

    fn key(&self, agent: &AgentName) -> String {
        format!("{}{agent}{SUFFIX}", self.prefix)
    }
}

impl EnvFiles for S3EnvFiles {
    async fn put(&self, agent: &AgentName, contents: &Secret) -> Result<String, EnvFileError> {
        let bucket = self.bucket()?;
        let key = self.key(agent);
        self.client
            .put_object()
            .bucket(bucket)
            .key(&key)
            .content_type("text/plain")
            .body(ByteStream::from(contents.expose().as_bytes().to_vec()))
            .send()
            .await
            .map_err(|e| classify("PutObject", e))?;
        Ok(format!("arn:{}:s3:::{bucket}/{key}", self.partition))
    }

    async fn delete(&self, agent: &AgentName) -> Result<(), EnvFileError> {
        // DeleteObject answers 204 whether or not the key exists.
        self.client
            .delete_object()
            .bucket(self.bucket()?)
            .key(self.key(agent))
            .send()
            .await
            .map_err(|e| classify("DeleteObject", e))?;
        Ok(())
    }

    async fn list(&self) -> Result<Vec<StoredFile>, EnvFileError> {
        let mut files = Vec::new();
        let mut pages = self
            .client
            .list_objects_v2()
            .bucket(self.bucket()?)
            .prefix(&self.prefix)
            .max_keys(PAGE)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| classify("ListObjectsV2", e))?;
            for object in page.contents() {
                let agent = object
                    .key()
                    .and_then(|k| k.strip_prefix(&self.prefix))
                    .and_then(|k| k.strip_suffix(SUFFIX))
                    .filter(|name| !name.is_empty() && !name.contains('/'));
                let Some(agent) = agent else { continue };
                let written_ms = object
                    .last_modified()
                    .and_then(|t| t.to_millis().ok())
                    .and_then(|ms| u64::try_from(ms).ok())
                    .unwrap_or(0);
                files.push(StoredFile {
                    agent: AgentName::new(agent),
                    written_ms,
                });
            }
        }
        files.sort_by_key(|f| f.written_ms);
        Ok(files)
    }
}

/// The ARN partition of `region` (S3 object ARNs carry no region).
fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// Maps a failed S3 call: outages and throttling are retryable, refusals not.
fn classify<E>(operation: &str, error: SdkError<E, HttpResponse>) -> EnvFileError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let detail = format!("{operation}: {}", DisplayErrorContext(&error));
    match &error {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            EnvFileError::Unavailable(detail)
        }
        SdkError::ServiceError(context) => {
            let status = context.raw().status().as_u16();
            let code = error.code().unwrap_or_default();
            if status >= 500 || status == 429 || code == "SlowDown" {
                EnvFileError::Unavailable(detail)
            } else {
                EnvFileError::Rejected(detail)
            }
        }
        _ => EnvFileError::Rejected(detail),
    }
}

#[cfg(test)]
mod tests;
