//! The agents file in the stack's versioned bucket, as the operator reaches
//! it with their own credentials: the latest version, any earlier one, the
//! list of versions, and a conditional write (docs/aws.md §26). The functions
//! only read the latest version; everything that writes is here.

use aws_sdk_s3::Client;
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_s3::operation::get_object::GetObjectOutput;
use aws_sdk_s3::primitives::{ByteStream, DateTime, DateTimeFormat as Format};
use ecs_agents::https::Https;

/// Metadata naming the version a rollback restored.
pub const RESTORED_FROM: &str = "restored-from";

/// What S3 calls the version of an object put while versioning was never on.
const UNVERSIONED: &str = "null";

/// One version of the agents file, as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// Its S3 version id (its ETag in a bucket without versioning): the
    /// `configVersion` the functions report while they act on it.
    pub version: String,
    /// Its ETag, which the next write must still find.
    pub etag: String,
    /// Its text.
    pub text: String,
}

/// One entry of the file's history, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionInfo {
    /// The S3 version id.
    pub version: String,
    /// When it was published (UTC, ISO 8601).
    pub published: String,
    /// Its size in bytes (0 for a deletion).
    pub size: i64,
    /// Whether it is the latest: the one the functions use.
    pub latest: bool,
    /// A delete marker: the file was deleted here (the functions then use
    /// their built-in file).
    pub deleted: bool,
}

/// What a write expects to replace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect<'a> {
    /// No published file.
    Nothing,
    /// The version with this ETag.
    Etag(&'a str),
}

/// The bucket could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BucketError {
    /// Another version was published since this one was compared with.
    #[error(
        "{0} changed since it was compared: another version was published meanwhile; run the \
         command again to see what it changed"
    )]
    Conflict(String),
    /// No such version of the file.
    #[error("{location} has no version {version} (ecs-agents versions lists them)")]
    NoSuchVersion {
        /// Where.
        location: String,
        /// The version asked for.
        version: String,
    },
    /// S3 failed or refused; its words.
    #[error("{0}")]
    S3(String),
}

/// The agents file at `s3://bucket/key`.
#[derive(Debug, Clone)]
pub struct AgentsBucket {
    client: Client,
    bucket: String,
    key: String,
}

impl AgentsBucket {
    /// The file at `key` in `bucket`, through `client`.
    pub fn new(client: Client, bucket: impl Into<String>, key: impl Into<String>) -> Self {
        Self {
            client,
            bucket: bucket.into(),
            key: key.into(),
        }
    }

    /// The file at `key` in `bucket` with the operator's credentials and
    /// region (the AWS CLI's: environment, profile, SSO…; `region` wins).
    /// Path-style addressing when an endpoint is configured (a local
    /// emulator has no per-bucket host names). The HTTP client is the
    /// functions' (`ecs_agents::https`); it fails when the system's trust
    /// store cannot be read.
    pub async fn connect(
        bucket: &str,
        key: &str,
        region: Option<String>,
    ) -> Result<Self, BucketError> {
        let https = Https::system().map_err(|e| BucketError::S3(e.to_string()))?;
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .http_client(https.sdk_http_client());
        if let Some(region) = region {
            loader = loader.region(aws_config::Region::new(region));
        }
        let sdk = loader.load().await;
        let config = aws_sdk_s3::config::Builder::from(&sdk)
            .force_path_style(sdk.endpoint_url().is_some())
            .build();
        Ok(Self::new(Client::from_conf(config), bucket, key))
    }

    /// `s3://bucket/key`.
    pub fn location(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.key)
    }

    /// The latest version; `None` when nothing is published (or the latest
    /// version is a deletion).
    pub async fn latest(&self) -> Result<Option<Published>, BucketError> {
        let got = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(&self.key)
            .send()
            .await;
        match got {
            Ok(output) => Ok(Some(read(output).await?)),
            Err(error) if error.as_service_error().is_some_and(|e| e.is_no_such_key()) => Ok(None),
            Err(error) => Err(self.s3("GetObject", &error)),
        }
    }

    /// Version `version`.
    pub async fn version(&self, version: &str) -> Result<Published, BucketError> {
        let got = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(&self.key)
            .version_id(version)
            .send()
            .await;
        match got {
            Ok(output) => read(output).await,
            Err(error) if is_unknown_version(&error) => Err(BucketError::NoSuchVersion {
                location: self.location(),
                version: version.to_owned(),
            }),
            Err(error) => Err(self.s3("GetObject", &error)),
        }
    }

    /// Writes `text` as the new latest version if the latest is still what
    /// `expect` says; its version. `restored_from` marks a rollback.
    pub async fn put(
        &self,
        text: &str,
        expect: Expect<'_>,
        restored_from: Option<&str>,
    ) -> Result<String, BucketError> {
        let mut put = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(&self.key)
            .content_type("application/yaml")
            .body(ByteStream::from(text.as_bytes().to_vec()));
        put = match expect {
            Expect::Nothing => put.if_none_match("*"),
            Expect::Etag(etag) => put.if_match(etag),
        };
        if let Some(version) = restored_from {
            put = put.metadata(RESTORED_FROM, version);
        }
        match put.send().await {
            Ok(output) => Ok(output
                .version_id()
                .filter(|v| *v != UNVERSIONED)
                .or(output.e_tag())
                .unwrap_or_default()
                .to_owned()),
            Err(error)
                if error
                    .raw_response()
                    .is_some_and(|r| r.status().as_u16() == 412) =>
            {
                Err(BucketError::Conflict(self.location()))
            }
            Err(error) => Err(self.s3("PutObject", &error)),
        }
    }

    /// Every version of the file, newest first, deletions included.
    pub async fn versions(&self) -> Result<Vec<VersionInfo>, BucketError> {
        let mut found = Vec::new();
        let (mut key_marker, mut version_marker) = (None, None);
        loop {
            let page = self
                .client
                .list_object_versions()
                .bucket(&self.bucket)
                .prefix(&self.key)
                .set_key_marker(key_marker)
                .set_version_id_marker(version_marker)
                .send()
                .await
                .map_err(|e| self.s3("ListObjectVersions", &e))?;
            // The prefix also matches longer keys (`agents.yaml.bak`): only ours count.
            let ours = |key: Option<&str>| key == Some(self.key.as_str());
            for v in page.versions().iter().filter(|v| ours(v.key())) {
                let info = VersionInfo {
                    version: v.version_id().unwrap_or(UNVERSIONED).to_owned(),
                    published: iso(v.last_modified()),
                    size: v.size().unwrap_or_default(),
                    latest: v.is_latest().unwrap_or(false),
                    deleted: false,
                };
                found.push((when(v.last_modified()), info));
            }
            for m in page.delete_markers().iter().filter(|m| ours(m.key())) {
                let info = VersionInfo {
                    version: m.version_id().unwrap_or(UNVERSIONED).to_owned(),
                    published: iso(m.last_modified()),
                    size: 0,
                    latest: m.is_latest().unwrap_or(false),
                    deleted: true,
                };
                found.push((when(m.last_modified()), info));
            }
            if !page.is_truncated().unwrap_or(false) {
                break;
            }
            key_marker = page.next_key_marker().map(str::to_owned);
            version_marker = page.next_version_id_marker().map(str::to_owned);
        }
        // S3 lists versions and deletions apart, each newest first; the sort
        // is stable, so equal times keep that order.
        found.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
        Ok(found.into_iter().map(|(_, info)| info).collect())
    }

    fn s3<E: ProvideErrorMetadata + std::error::Error + 'static, R: std::fmt::Debug>(
        &self,
        operation: &str,
        error: &SdkError<E, R>,
    ) -> BucketError {
        BucketError::S3(format!(
            "{operation} {}: {}",
            self.location(),
            DisplayErrorContext(error)
        ))
    }
}

/// A time as ISO 8601 (UTC).
fn iso(time: Option<&DateTime>) -> String {
    time.and_then(|t| t.fmt(Format::DateTime).ok())
        .unwrap_or_default()
}

/// A time as a sort key.
fn when(time: Option<&DateTime>) -> (i64, u32) {
    time.map_or((0, 0), |t| (t.secs(), t.subsec_nanos()))
}

/// A version's text, version id and ETag.
async fn read(output: GetObjectOutput) -> Result<Published, BucketError> {
    let etag = output.e_tag().unwrap_or_default().to_owned();
    let version = output
        .version_id()
        .filter(|v| *v != UNVERSIONED)
        .unwrap_or(&etag)
        .to_owned();
    let bytes = output
        .body
        .collect()
        .await
        .map_err(|e| BucketError::S3(format!("reading the object: {e}")))?
        .into_bytes();
    let text = String::from_utf8(bytes.to_vec())
        .map_err(|_| BucketError::S3("the object is not UTF-8 text".into()))?;
    Ok(Published {
        version,
        etag,
        text,
    })
}

/// S3's answer to an unknown `versionId`: `NoSuchVersion`, or a 400 for an
/// id that is not one at all.
fn is_unknown_version<E: ProvideErrorMetadata, R>(error: &SdkError<E, R>) -> bool {
    error
        .as_service_error()
        .and_then(ProvideErrorMetadata::code)
        .is_some_and(|code| matches!(code, "NoSuchVersion" | "InvalidArgument" | "NoSuchKey"))
}
