//! `inheritFrom`: a template starts from another template's values.
//!
//! Merging happens on the YAML mappings, before typing, so the rules hold for
//! every field alike: the child's value wins, including `false` (the ECS
//! plugin cannot switch a parent's `true` off); an explicit `null` removes
//! the parent's value; lists replace; the maps below merge key by key.

use std::collections::HashMap;

use serde_yaml_ng::{Mapping, Value};

/// Fields whose mappings merge key by key instead of being replaced.
const MERGED_MAPS: [&str; 4] = ["tags", "environment", "secrets", "logDriverOptions"];

/// Fields that belong to one template and are never inherited.
const OWN_FIELDS: [&str; 2] = ["name", "inheritFrom"];

/// Why a template's ancestry cannot be resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum InheritError {
    /// `inheritFrom` names no template.
    UnknownParent(String),
    /// Following `inheritFrom` comes back to where it started.
    Cycle(Vec<String>),
}

impl InheritError {
    pub(crate) fn message(&self) -> String {
        match self {
            Self::UnknownParent(parent) => {
                format!("inherits from `{parent}`, but no template has that name")
            }
            Self::Cycle(chain) => format!("inheritance cycle: {}", chain.join(" -> ")),
        }
    }
}

/// The template at `index` with all its ancestors' values merged in.
///
/// `templates` are the raw mappings by name; `parent_of` gives each
/// template's `inheritFrom`, if any.
pub(crate) fn resolve(
    name: &str,
    templates: &HashMap<&str, &Mapping>,
    parent_of: impl Fn(&str) -> Option<String>,
) -> Result<Mapping, InheritError> {
    let chain = ancestry(name, templates, parent_of)?;
    let mut merged = Mapping::new();
    // Oldest ancestor first, so each descendant overrides what came before.
    for ancestor in chain.iter().rev() {
        merge_into(&mut merged, templates[ancestor.as_str()]);
    }
    for own in OWN_FIELDS {
        match templates[name].get(own) {
            Some(value) => merged.insert(Value::from(own), value.clone()),
            None => merged.remove(own),
        };
    }
    Ok(merged)
}

/// `name` followed by its parent, grandparent, …
fn ancestry(
    name: &str,
    templates: &HashMap<&str, &Mapping>,
    parent_of: impl Fn(&str) -> Option<String>,
) -> Result<Vec<String>, InheritError> {
    let mut chain = vec![name.to_owned()];
    let mut current = name.to_owned();
    while let Some(parent) = parent_of(&current) {
        if !templates.contains_key(parent.as_str()) {
            return Err(InheritError::UnknownParent(parent));
        }
        if chain.contains(&parent) {
            chain.push(parent);
            return Err(InheritError::Cycle(chain));
        }
        chain.push(parent.clone());
        current = parent;
    }
    Ok(chain)
}

fn merge_into(base: &mut Mapping, child: &Mapping) {
    for (key, value) in child {
        let merged_map = key.as_str().is_some_and(|k| MERGED_MAPS.contains(&k));
        match (value, base.get_mut(key)) {
            (Value::Null, _) => {
                base.remove(key);
            }
            (Value::Mapping(child_map), Some(Value::Mapping(base_map))) if merged_map => {
                merge_into(base_map, child_map);
            }
            _ => {
                base.insert(key.clone(), value.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn templates(yaml: &str) -> Vec<Mapping> {
        serde_yaml_ng::from_str(yaml).unwrap()
    }

    fn resolve_in(list: &[Mapping], name: &str) -> Result<Mapping, InheritError> {
        let by_name: HashMap<&str, &Mapping> = list
            .iter()
            .map(|t| (t["name"].as_str().unwrap(), t))
            .collect();
        let parent_of = |n: &str| {
            by_name[n]
                .get("inheritFrom")
                .and_then(Value::as_str)
                .map(String::from)
        };
        resolve(name, &by_name, parent_of)
    }

    #[test]
    fn a_child_can_switch_off_a_boolean_its_parent_switched_on() {
        let list = templates(
            "- {name: base, privileged: true, cpu: 512}\n- {name: kid, inheritFrom: base, privileged: false}",
        );
        let kid = resolve_in(&list, "kid").unwrap();
        assert_eq!(kid["privileged"], Value::Bool(false));
        assert_eq!(kid["cpu"], Value::from(512));
    }

    #[test]
    fn lists_replace_and_tags_merge() {
        let list = templates(
            "- {name: base, subnets: [a, b], tags: {team: ci, cost: x}}\n\
             - {name: kid, inheritFrom: base, subnets: [c], tags: {cost: y}}",
        );
        let kid = resolve_in(&list, "kid").unwrap();
        let only_c: Value = serde_yaml_ng::from_str("[c]").unwrap();
        assert_eq!(kid["subnets"], only_c);
        let tags = kid["tags"].as_mapping().unwrap();
        assert_eq!(tags["team"], Value::from("ci"));
        assert_eq!(tags["cost"], Value::from("y"));
    }

    #[test]
    fn null_removes_an_inherited_value() {
        let list = templates(
            "- {name: base, taskRole: arn}\n- {name: kid, inheritFrom: base, taskRole: null}",
        );
        assert!(resolve_in(&list, "kid").unwrap().get("taskRole").is_none());
    }

    #[test]
    fn grandchildren_see_the_nearest_ancestor_first() {
        let list = templates(
            "- {name: a, cpu: 1, memory: 1}\n- {name: b, inheritFrom: a, cpu: 2}\n- {name: c, inheritFrom: b}",
        );
        let c = resolve_in(&list, "c").unwrap();
        assert_eq!(
            (c["cpu"].as_u64(), c["memory"].as_u64()),
            (Some(2), Some(1))
        );
        assert_eq!(c["name"], Value::from("c"));
        assert_eq!(c["inheritFrom"], Value::from("b"));
    }

    #[test]
    fn cycles_and_unknown_parents_are_errors() {
        let list = templates(
            "- {name: a, inheritFrom: b}\n- {name: b, inheritFrom: a}\n- {name: c, inheritFrom: nope}",
        );
        assert_eq!(
            resolve_in(&list, "a"),
            Err(InheritError::Cycle(vec![
                "a".into(),
                "b".into(),
                "a".into()
            ]))
        );
        assert_eq!(
            resolve_in(&list, "c"),
            Err(InheritError::UnknownParent("nope".into()))
        );
    }
}
