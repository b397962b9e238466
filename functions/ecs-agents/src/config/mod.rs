//! The agents file (`infra/agents.yaml`): a `cloud:` section and an ordered
//! list of `templates:`, loaded once and validated completely.
//!
//! Field names are camelCase, following the ECS API and the ECS plugin. Every
//! problem in the file is reported at once, each with the template and field
//! it concerns; a file that loads is safe to launch from.

mod build;
mod cloud;
mod container;
mod decode;
mod diff;
mod error;
mod fargate;
pub mod identity;
mod inherit;
mod metadata;
mod pinned;
mod placement;
mod render;
pub mod spec;
mod template;
mod version;

use std::collections::{HashMap, HashSet};

use serde_yaml_ng::{Mapping, Value};

pub use cloud::{
    Cloud, DEFAULT_IMAGE, DEFAULT_LAUNCH_TIMEOUT, DEFAULT_MAX_AGENTS, MAX_CLOUD_NAME,
    RegionMismatch, SecretDelivery,
};
pub use diff::{CloudChange, ConfigDiff, ServedChange, TaskChange};
pub use error::{ConfigError, ConfigErrors};
pub use pinned::Pinned;
pub use template::{
    AGENT_CONTAINER, AgentTemplate, AwsVpc, Capacity, DEFAULT_REMOTE_FS, LaunchSettings,
    LaunchType, Resources, Retention, TaskSource,
};
pub use version::{ConfigVersion, VersionedConfig};

use crate::labels::LabelExpr;
use error::Errors;
use spec::{CloudSpec, TemplateSpec};

/// Longest template name: leaves room in agent names for cloud and queue item.
pub const MAX_TEMPLATE_NAME: usize = 32;

/// A validated agents file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentsConfig {
    /// Settings shared by every template.
    pub cloud: Cloud,
    /// Templates in file order, which is the order they are tried in.
    pub templates: Vec<AgentTemplate>,
}

impl AgentsConfig {
    /// Parses and validates an agents file, reporting every error in it.
    pub fn from_yaml(text: &str) -> Result<Self, ConfigErrors> {
        let document: Value = serde_yaml_ng::from_str(text).map_err(|e| {
            ConfigErrors(vec![ConfigError::new("", format!("not valid YAML: {e}"))])
        })?;
        let mut errors = Errors::default();
        let (cloud_value, template_values) = sections(&document, &mut errors);
        let cloud = decode::decode::<CloudSpec>(&cloud_value, "cloud", &mut errors)
            .and_then(|spec| cloud::check(&spec, &mut errors));
        let templates = templates(&template_values, cloud.as_ref(), &mut errors);
        errors.into_result(|| ())?;
        // Every path that leaves the cloud unset records an error, so this
        // only guards against a future check forgetting to.
        let cloud =
            cloud.ok_or_else(|| ConfigErrors(vec![ConfigError::new("cloud", "is invalid")]))?;
        Ok(Self { cloud, templates })
    }

    /// The template that serves `expr`: the first in file order, as in the plugin.
    pub fn select(&self, expr: &LabelExpr) -> Option<&AgentTemplate> {
        self.templates.iter().find(|template| template.serves(expr))
    }

    /// The template for a job's label text, resolved the way Jenkins resolves
    /// it (see [`LabelExpr::parse_lax`]); `None` for unrestricted jobs too.
    pub fn select_for_job_label(&self, text: &str) -> Option<&AgentTemplate> {
        LabelExpr::parse_lax(text).and_then(|expr| self.select(&expr))
    }

    /// The template with this name.
    pub fn template(&self, name: &str) -> Option<&AgentTemplate> {
        self.templates.iter().find(|template| template.name == name)
    }
}

/// Splits the document into its two sections.
fn sections(document: &Value, errors: &mut Errors) -> (Value, Vec<Value>) {
    let Some(top) = document.as_mapping() else {
        errors.at(
            "",
            "",
            "the file must be a mapping with `cloud:` and `templates:`",
        );
        return (Value::Null, Vec::new());
    };
    for key in top.keys() {
        if !matches!(key.as_str(), Some("cloud" | "templates")) {
            errors.at(
                "",
                "",
                format!(
                    "unknown section `{}`; allowed: cloud, templates",
                    yaml_text(key)
                ),
            );
        }
    }
    let cloud = top
        .get("cloud")
        .cloned()
        .unwrap_or_else(|| Value::Mapping(Mapping::new()));
    let templates = match top.get("templates") {
        Some(Value::Sequence(list)) if !list.is_empty() => list.clone(),
        Some(Value::Sequence(_)) | None => {
            errors.at("templates", "", "needs at least one template");
            Vec::new()
        }
        Some(_) => {
            errors.at("templates", "", "must be a list of templates");
            Vec::new()
        }
    };
    (cloud, templates)
}

/// Names, duplicates, inheritance and every template's own rules.
fn templates(values: &[Value], cloud: Option<&Cloud>, errors: &mut Errors) -> Vec<AgentTemplate> {
    // With a broken cloud section the templates are still checked (every
    // error is reported), against a stand-in cloud; nothing is returned then.
    let stand_in = Cloud::stand_in();
    let cloud = cloud.unwrap_or(&stand_in);
    let raw = named_templates(values, errors);
    let by_name: HashMap<&str, &Mapping> =
        raw.iter().map(|t| (t.name.as_str(), t.fields)).collect();
    let parent_of = |name: &str| {
        by_name
            .get(name)?
            .get("inheritFrom")?
            .as_str()
            .map(str::to_owned)
    };
    let mut built = Vec::new();
    for template in raw.iter().filter(|t| t.usable) {
        let merged = match inherit::resolve(&template.name, &by_name, parent_of) {
            Ok(merged) => merged,
            Err(problem) => {
                errors.at(&template.at, "inheritFrom", problem.message());
                continue;
            }
        };
        let ancestors_ok = ancestors(&template.name, &parent_of)
            .all(|a| raw.iter().any(|t| t.name == a && t.usable));
        if !ancestors_ok {
            continue;
        }
        let spec =
            decode::decode::<TemplateSpec>(&Value::Mapping(merged.clone()), &template.at, errors);
        if let Some(t) =
            spec.and_then(|spec| build::build(&spec, &merged, cloud, &template.at, errors))
        {
            built.push(t);
        }
    }
    built
}

struct RawTemplate<'a> {
    name: String,
    at: String,
    fields: &'a Mapping,
    /// Decoded without errors on its own, so it can be built or inherited from.
    usable: bool,
}

fn named_templates<'a>(values: &'a [Value], errors: &mut Errors) -> Vec<RawTemplate<'a>> {
    let mut seen = HashSet::new();
    let mut raw = Vec::new();
    for (index, value) in values.iter().enumerate() {
        let Some(fields) = value.as_mapping() else {
            errors.at(
                &format!("templates[{index}]"),
                "",
                "must be a mapping of template fields",
            );
            continue;
        };
        let name = fields
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        let at = format!("templates[{index}] ({name})");
        let before = errors.len();
        if name.is_empty() {
            errors.at(&format!("templates[{index}]"), "name", "is required");
        } else if let Err(problem) = crate::naming::check_name(&name, MAX_TEMPLATE_NAME) {
            errors.at(&at, "name", problem);
        } else if !seen.insert(name.clone()) {
            errors.at(
                &at,
                "name",
                format!("`{name}` is used by an earlier template; names must be unique"),
            );
            continue;
        }
        decode::decode::<TemplateSpec>(value, &at, errors);
        let usable = errors.len() == before;
        raw.push(RawTemplate {
            name,
            at,
            fields,
            usable,
        });
    }
    raw
}

fn ancestors<'a>(
    name: &str,
    parent_of: &'a impl Fn(&str) -> Option<String>,
) -> impl Iterator<Item = String> + 'a {
    std::iter::successors(parent_of(name), move |current| parent_of(current)).take(64)
}

fn yaml_text(value: &Value) -> String {
    value
        .as_str()
        .map_or_else(|| format!("{value:?}"), str::to_owned)
}

#[cfg(test)]
mod tests;
