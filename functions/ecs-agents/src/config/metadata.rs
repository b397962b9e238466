//! Template checks for names users choose: environment variables, secrets
//! and tags, which share ECS's limits and our reserved names.

use std::collections::BTreeSet;

use super::error::Errors;
use super::spec::TemplateSpec;

/// Variables the launcher sets for the `jenkins/inbound-agent` image itself.
pub(crate) const RESERVED_ENV: [&str; 7] = [
    "JENKINS_URL",
    "JENKINS_SECRET",
    "JENKINS_AGENT_NAME",
    "JENKINS_WEB_SOCKET",
    "JENKINS_TUNNEL",
    "JENKINS_AGENT_WORKDIR",
    "REMOTING_OPTS",
];

/// Tags the launcher adds to every task definition.
pub(crate) const RESERVED_TAG_PREFIX: &str = "ecs-agents:";
// A task carries its definition's tags (3 ours) plus 4 launch tags of ours.
const MAX_USER_TAGS: usize = 50 - 7;

/// Environment and secret names: valid, unique, and not ours.
pub(crate) fn check_environment(spec: &TemplateSpec, at: &str, errors: &mut Errors) {
    let plain = spec
        .environment
        .iter()
        .flatten()
        .map(|(k, _)| ("environment", k));
    let secret = spec.secrets.iter().flatten().map(|(k, _)| ("secrets", k));
    let mut seen = BTreeSet::new();
    for (field, name) in plain.chain(secret) {
        let path = format!("{field}.{name}");
        if !is_env_name(name) {
            errors.at(
                at,
                &path,
                "is not a valid variable name (letters, digits and _, not starting with a digit)",
            );
        } else if RESERVED_ENV.contains(&name.as_str())
            || (name == "JAVA_OPTS" && spec.jvm_args.is_some())
        {
            errors.at(
                at,
                &path,
                "is set by the launcher for the inbound-agent image; remove it",
            );
        } else if !seen.insert(name) {
            errors.at(at, &path, "is both a plain variable and a secret");
        }
    }
    for (name, value_from) in spec.secrets.iter().flatten() {
        if value_from.trim().is_empty() {
            errors.at(
                at,
                &format!("secrets.{name}"),
                "needs a Secrets Manager ARN or SSM parameter",
            );
        }
    }
}

fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Tag count and size limits, leaving room for ours.
pub(crate) fn check_tags(spec: &TemplateSpec, at: &str, errors: &mut Errors) {
    let tags = spec.tags.iter().flatten();
    if spec.tags.as_ref().is_some_and(|t| t.len() > MAX_USER_TAGS) {
        errors.at(
            at,
            "tags",
            format!("at most {MAX_USER_TAGS} tags (ECS allows 50 per task; 7 are ours)"),
        );
    }
    for (key, value) in tags {
        let lower = key.to_lowercase();
        if lower.starts_with("aws:") || lower.starts_with(RESERVED_TAG_PREFIX) {
            errors.at(
                at,
                &format!("tags.{key}"),
                format!("keys starting with aws: or {RESERVED_TAG_PREFIX} are reserved"),
            );
        } else if key.is_empty() || key.chars().count() > 128 || value.chars().count() > 256 {
            errors.at(
                at,
                &format!("tags.{key}"),
                "keys must be 1 to 128 characters and values at most 256",
            );
        }
    }
}
