//! The agent-environment port: one file per agent holding the variables its
//! container starts with, the secret included, which ECS reads into the
//! container itself (RunTask `containerOverrides[].environmentFiles`). Only
//! the file's ARN travels in RunTask, so the secret is in no task override,
//! task event, DescribeTasks answer or CloudTrail record (docs/aws.md §12,
//! §13). The real adapter keeps the files in the stack's S3 bucket ([`s3`]);
//! tests use the in-memory fake ([`fake`]).
//!
//! A file lives from just before its agent's RunTask until its task stops:
//! task-stopped deletes it, a failed launch deletes it, and the reconciler
//! deletes any it finds without a live task (the bucket's lifecycle rule
//! removes what all of them miss, after a day).

#[cfg(any(test, feature = "test-util"))]
pub mod fake;
#[cfg(feature = "adapters")]
pub mod s3;

use std::future::Future;

use crate::naming::AgentName;
use crate::secret::Secret;

/// One agent's file, as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    /// The agent it is for.
    pub agent: AgentName,
    /// When it was written, epoch milliseconds.
    pub written_ms: u64,
}

/// Why a file operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvFileError {
    /// The store or the network failed; worth retrying later.
    #[error("the agent environment store is unavailable: {0}")]
    Unavailable(String),
    /// The store refused (no bucket, access denied…); retrying will not help.
    #[error("the agent environment store refused: {0}")]
    Rejected(String),
}

impl EnvFileError {
    /// Whether the same call may succeed later.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }
}

/// An environment file's contents: `NAME=value` lines, in order. ECS reads
/// each line literally (no quoting, no expansion), so values hold no line
/// breaks; ours never do (names, URLs, options).
pub fn contents(variables: &[(String, String)], secret_name: &str, secret: &Secret) -> Secret {
    let mut text = String::new();
    for (name, value) in variables {
        text.push_str(&format!("{name}={value}\n"));
    }
    text.push_str(&format!("{secret_name}={}\n", secret.expose()));
    Secret::new(text)
}

/// Where agents' environment files are kept.
pub trait EnvFiles: Send + Sync {
    /// Writes `agent`'s file (replacing any); returns the ARN RunTask names.
    fn put(
        &self,
        agent: &AgentName,
        contents: &Secret,
    ) -> impl Future<Output = Result<String, EnvFileError>> + Send;

    /// Deletes `agent`'s file; a missing file is not an error.
    fn delete(&self, agent: &AgentName) -> impl Future<Output = Result<(), EnvFileError>> + Send;

    /// This deployment's files, oldest first.
    fn list(&self) -> impl Future<Output = Result<Vec<StoredFile>, EnvFileError>> + Send;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_holds_one_line_per_variable_and_the_secret_last() {
        let variables = vec![
            (
                "JENKINS_URL".to_owned(),
                "https://jenkins.example.com/".to_owned(),
            ),
            (
                "REMOTING_OPTS".to_owned(),
                "-noReconnectAfter 10m".to_owned(),
            ),
        ];
        let file = contents(&variables, "JENKINS_SECRET", &Secret::new("c0ffee"));
        assert_eq!(
            file.expose(),
            "JENKINS_URL=https://jenkins.example.com/\nREMOTING_OPTS=-noReconnectAfter 10m\nJENKINS_SECRET=c0ffee\n"
        );
        assert!(!format!("{file:?}").contains("c0ffee"));
    }
}
