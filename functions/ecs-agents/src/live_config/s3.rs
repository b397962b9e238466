//! The real [`AgentsFileStore`]: one object in the versioned bucket the stack
//! creates, read with `GetObject` and `If-None-Match` on the ETag last seen,
//! so an unchanged file is a `304 Not Modified` without a body
//! (docs/aws.md §26).
//!
//! A missing object (none published yet, or its latest version is a delete
//! marker) is `404 NoSuchKey`, not `403`, only because the functions may also
//! list the bucket (`s3:ListBucket`): without it S3 hides whether a key
//! exists (docs/aws.md §26).

use aws_sdk_s3::Client;
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{DisplayErrorContext, SdkError};
use aws_sdk_s3::operation::get_object::{GetObjectError, GetObjectOutput};

use super::{AgentsFileStore, BoxFuture, PublishedFile, StoreError, StoreRead};
use crate::config::ConfigVersion;

/// The largest agents file read: real ones are a few KiB, and a mistaken
/// upload must not fill a 128 MB function.
pub const MAX_FILE_BYTES: i64 = 1024 * 1024;

/// What S3 calls the version of an object put while versioning was never on.
const UNVERSIONED: &str = "null";

/// The agents file at `s3://bucket/key`.
#[derive(Debug, Clone)]
pub struct S3AgentsFile {
    client: Client,
    bucket: String,
    key: String,
}

impl S3AgentsFile {
    /// The file at `key` in `bucket`.
    pub fn new(client: Client, bucket: impl Into<String>, key: impl Into<String>) -> Self {
        Self {
            client,
            bucket: bucket.into(),
            key: key.into(),
        }
    }

    async fn get(&self, known: Option<&str>) -> Result<StoreRead, StoreError> {
        let answer = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(&self.key)
            .set_if_none_match(known.map(str::to_owned))
            .send()
            .await;
        match answer {
            Ok(output) => self.file(output).await.map(StoreRead::File),
            Err(error) if status(&error) == Some(304) => Ok(StoreRead::Unchanged),
            Err(error) if is_missing(&error) => Ok(StoreRead::Missing),
            Err(error) => Err(StoreError(format!(
                "GetObject: {}",
                DisplayErrorContext(&error)
            ))),
        }
    }

    async fn file(&self, output: GetObjectOutput) -> Result<PublishedFile, StoreError> {
        if output.content_length().is_some_and(|n| n > MAX_FILE_BYTES) {
            return Err(StoreError(format!(
                "the object is larger than {MAX_FILE_BYTES} bytes: not an agents file"
            )));
        }
        let etag = output.e_tag().unwrap_or_default().to_owned();
        // A bucket without versioning has no version ids; its ETag names the content.
        let version = output
            .version_id()
            .filter(|id| *id != UNVERSIONED)
            .unwrap_or(&etag)
            .to_owned();
        let published_ms = output
            .last_modified()
            .and_then(|t| t.to_millis().ok())
            .and_then(|ms| u64::try_from(ms).ok());
        let bytes = output
            .body
            .collect()
            .await
            .map_err(|e| StoreError(format!("reading the object's body: {e}")))?
            .into_bytes();
        let text = String::from_utf8(bytes.to_vec())
            .map_err(|_| StoreError("the object is not UTF-8 text".into()))?;
        Ok(PublishedFile {
            text,
            version: ConfigVersion::published(version),
            etag,
            published_ms,
        })
    }
}

impl AgentsFileStore for S3AgentsFile {
    fn location(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.key)
    }

    fn read<'a>(&'a self, known: Option<&'a str>) -> BoxFuture<'a, Result<StoreRead, StoreError>> {
        Box::pin(self.get(known))
    }
}

/// The HTTP status S3 answered with, if it answered.
fn status(error: &SdkError<GetObjectError, HttpResponse>) -> Option<u16> {
    error.raw_response().map(|r| r.status().as_u16())
}

/// `NoSuchKey` (no object, or a delete marker as its latest version).
fn is_missing(error: &SdkError<GetObjectError, HttpResponse>) -> bool {
    error
        .as_service_error()
        .is_some_and(GetObjectError::is_no_such_key)
}

#[cfg(test)]
mod tests;
