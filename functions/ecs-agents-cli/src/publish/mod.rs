//! Publishing agents files to the stack's bucket, where the functions pick
//! them up within their refresh interval: compare a file with what is
//! published ([`plan`]), publish it ([`publish`]), list the versions S3 keeps
//! ([`AgentsBucket::versions`]) and restore one ([`plan_rollback`]). The CLI's
//! `diff`, `push`, `versions` and `rollback` are these, and so is the local
//! run's operator.
//!
//! A file is validated before anything is read from AWS, with the errors
//! `check` gives. It is compared with the latest published version or, while
//! none is, with the file built into the functions (the seed). A version the
//! functions would refuse because it moves what the stack fixed
//! ([`Pinned`]) is refused here too. The write is conditional on the version
//! compared with, so two operators cannot overwrite each other unseen.

pub mod bucket;
#[cfg(test)]
mod tests;

use std::fmt;

use ecs_agents::config::{AgentsConfig, ConfigDiff, ConfigErrors, Pinned};

pub use bucket::{AgentsBucket, BucketError, Expect, Published, VersionInfo};

/// What a file is compared with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Baseline {
    /// The latest published version.
    Published {
        /// Its version id.
        version: String,
        /// Its ETag: the write expects it.
        etag: String,
    },
    /// Nothing is published: the functions act on their built-in file, and
    /// this is the copy of it given (usually `infra/agents.yaml`).
    Seed {
        /// Where it was read.
        path: String,
    },
    /// Nothing is published and no built-in file was given to compare with.
    Nothing,
}

/// What publishing a file would change, and whether it may be published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Where it would be published.
    pub location: String,
    /// What it is compared with.
    pub baseline: Baseline,
    /// What changes; `None` with nothing to compare with.
    pub diff: Option<ConfigDiff>,
    /// Why the functions would refuse it; then it is not published.
    pub refusal: Option<ConfigErrors>,
    /// What the operator should know before publishing it.
    pub warnings: Vec<String>,
}

impl Plan {
    /// Whether publishing would change nothing: the same file is published.
    pub fn unchanged(&self) -> bool {
        matches!(self.baseline, Baseline::Published { .. })
            && self.diff.as_ref().is_some_and(ConfigDiff::is_empty)
    }
}

/// Publishing failed or was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PublishError {
    /// The file is not a valid agents file: `check`'s errors.
    #[error("{0}")]
    Invalid(ConfigErrors),
    /// The functions would refuse the file.
    #[error("the functions would refuse this file, so it is not published:\n{0}")]
    Refused(ConfigErrors),
    /// There is no earlier version to roll back to.
    #[error("{0} has no earlier version to roll back to (ecs-agents versions lists them)")]
    NothingEarlier(String),
    /// The bucket could not be read or written.
    #[error(transparent)]
    Bucket(#[from] BucketError),
}

/// A version that was published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pushed {
    /// Its version id: the functions' `configVersion` once they use it.
    pub version: String,
}

/// Validates `text` and compares it with what is published in `bucket`, or
/// with `seed` (the built-in file's text and where it was read) while
/// nothing is. Nothing is read from AWS for an invalid file.
pub async fn plan(
    bucket: &AgentsBucket,
    text: &str,
    seed: Option<(&str, &str)>,
) -> Result<Plan, PublishError> {
    let candidate = AgentsConfig::from_yaml(text).map_err(PublishError::Invalid)?;
    let (baseline, before) = match bucket.latest().await? {
        Some(published) => {
            let before = AgentsConfig::from_yaml(&published.text).ok();
            let baseline = Baseline::Published {
                version: published.version,
                etag: published.etag,
            };
            (baseline, before)
        }
        None => match seed.map(|(path, text)| (path, AgentsConfig::from_yaml(text))) {
            Some((path, Ok(before))) => {
                let path = path.to_owned();
                (Baseline::Seed { path }, Some(before))
            }
            // An old copy that no longer loads cannot be what the functions run.
            Some((path, Err(_))) => {
                let mut plan = compare(bucket.location(), Baseline::Nothing, None, &candidate);
                plan.warnings.push(format!(
                    "{path} does not load, so nothing was compared: run `check` on it"
                ));
                return Ok(plan);
            }
            None => (Baseline::Nothing, None),
        },
    };
    Ok(compare(
        bucket.location(),
        baseline,
        before.as_ref(),
        &candidate,
    ))
}

/// The plan for `candidate` against `before` (`None`: nothing to compare
/// with, or a published version that no longer loads).
fn compare(
    location: String,
    baseline: Baseline,
    before: Option<&AgentsConfig>,
    candidate: &AgentsConfig,
) -> Plan {
    let mut warnings = Vec::new();
    let Some(before) = before else {
        return Plan {
            location,
            baseline,
            diff: None,
            refusal: None,
            warnings,
        };
    };
    let diff = ConfigDiff::between(before, candidate);
    if before.cloud.jenkins_url != candidate.cloud.jenkins_url {
        warnings.push(format!(
            "cloud.jenkinsUrl changes to {}: the functions refuse this version unless the stack \
             sets JenkinsApiUrl (they reach Jenkins at the URL they started with)",
            candidate.cloud.jenkins_url
        ));
    }
    if !diff.removed.is_empty() {
        warnings.push(format!(
            "agents of {} that still run are no longer retired by the functions: remove a \
             template once none of its agents runs",
            diff.removed.join(", ")
        ));
    }
    Plan {
        location,
        baseline,
        refusal: Pinned::new(before).check(candidate).err(),
        diff: Some(diff),
        warnings,
    }
}

/// Publishes `text` as `plan` found it: refused if the functions would
/// refuse it; conditional on the version it was compared with still being
/// the latest. `restored_from` marks a rollback.
pub async fn publish(
    bucket: &AgentsBucket,
    plan: &Plan,
    text: &str,
    restored_from: Option<&str>,
) -> Result<Pushed, PublishError> {
    if let Some(refusal) = &plan.refusal {
        return Err(PublishError::Refused(refusal.clone()));
    }
    let expect = match &plan.baseline {
        Baseline::Published { etag, .. } => Expect::Etag(etag),
        Baseline::Seed { .. } | Baseline::Nothing => Expect::Nothing,
    };
    let version = bucket.put(text, expect, restored_from).await?;
    Ok(Pushed { version })
}

/// [`plan`] then, unless nothing changes, [`publish`]: what `ecs-agents
/// push` does, for callers that print nothing in between. `None` when the
/// same file is published already.
pub async fn push(
    bucket: &AgentsBucket,
    text: &str,
    seed: Option<(&str, &str)>,
) -> Result<(Plan, Option<Pushed>), PublishError> {
    let plan = plan(bucket, text, seed).await?;
    if plan.unchanged() {
        return Ok((plan, None));
    }
    let pushed = publish(bucket, &plan, text, None).await?;
    Ok((plan, Some(pushed)))
}

/// An earlier version to publish again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restore {
    /// The version restored.
    pub from: String,
    /// Its text.
    pub text: String,
    /// What publishing it again changes.
    pub plan: Plan,
}

/// What restoring `version` (by default the one before the latest) would
/// change; publish it with [`publish`] and `restored_from`.
pub async fn plan_rollback(
    bucket: &AgentsBucket,
    version: Option<&str>,
) -> Result<Restore, PublishError> {
    let from = match version {
        Some(version) => version.to_owned(),
        None => {
            let versions = bucket.versions().await?;
            let mut files = versions.iter().filter(|v| !v.deleted);
            // With a file published, "previous" is the one before it; after a
            // deletion, the last one there was.
            let skip_latest = versions.first().is_some_and(|v| v.latest && !v.deleted);
            if skip_latest {
                files.next();
            }
            files
                .next()
                .map(|v| v.version.clone())
                .ok_or_else(|| PublishError::NothingEarlier(bucket.location()))?
        }
    };
    let text = bucket.version(&from).await?.text;
    let plan = plan(bucket, &text, None).await?;
    Ok(Restore { from, text, plan })
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.baseline {
            Baseline::Published { version, .. } => {
                writeln!(f, "compared with version {version} of {}:", self.location)?
            }
            Baseline::Seed { path } => writeln!(
                f,
                "nothing is published at {} yet: the functions use their built-in file; compared with {path}:",
                self.location
            )?,
            Baseline::Nothing => writeln!(
                f,
                "nothing is published at {} yet, and no built-in file was given to compare with",
                self.location
            )?,
        }
        match &self.diff {
            Some(diff) => write!(f, "{diff}")?,
            None if matches!(self.baseline, Baseline::Published { .. }) => writeln!(
                f,
                "the published version does not load any more: everything changes"
            )?,
            None => {}
        }
        // The refusal, if any, is the caller's to say: it is an error.
        for warning in &self.warnings {
            writeln!(f, "warning: {warning}")?;
        }
        Ok(())
    }
}
