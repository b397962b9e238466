//! Turning YAML values into spec types while collecting *every* error.
//!
//! serde stops at the first problem. To report all of them, a section that
//! fails as a whole is decoded again one key at a time (every spec field is
//! optional, so a one-key mapping is a valid section), which finds each bad
//! key separately, with its path inside the section.

use serde::de::DeserializeOwned;
use serde_yaml_ng::{Mapping, Value};

use super::error::Errors;

/// Decodes `value` as `T`, recording each problem under `at`.
pub(crate) fn decode<T: DeserializeOwned>(
    value: &Value,
    at: &str,
    errors: &mut Errors,
) -> Option<T> {
    match try_decode::<T>(value.clone()) {
        Ok(decoded) => return Some(decoded),
        Err((path, message)) => {
            let before = errors.len();
            if let Value::Mapping(mapping) = value {
                for (key, field) in mapping {
                    let single = Mapping::from_iter([(key.clone(), field.clone())]);
                    if let Err((path, message)) = try_decode::<T>(Value::Mapping(single)) {
                        errors.at(at, &path, message);
                    }
                }
            }
            // Not a mapping, or only the combination failed (a missing
            // required nested value): report the whole-section error.
            if errors.len() == before {
                errors.at(at, &path, message);
            }
        }
    }
    None
}

fn try_decode<T: DeserializeOwned>(value: Value) -> Result<T, (String, String)> {
    serde_path_to_error::deserialize(value).map_err(|error| {
        let path = error.path().to_string();
        let path = if path == "." { String::new() } else { path };
        (path, explain(&error.into_inner().to_string()))
    })
}

/// Rewrites serde's "unknown field" message into a short suggestion.
fn explain(message: &str) -> String {
    let Some((unknown, expected)) = parse_unknown_field(message) else {
        return message.to_owned();
    };
    match closest(&unknown, &expected) {
        Some(near) => format!("unknown field; did you mean `{near}`?"),
        None => format!("unknown field; allowed fields: {}", expected.join(", ")),
    }
}

/// Splits "unknown field `x`, expected one of `a`, `b`" into its names.
fn parse_unknown_field(message: &str) -> Option<(String, Vec<String>)> {
    let rest = message.strip_prefix("unknown field `")?;
    let (unknown, rest) = rest.split_once('`')?;
    let expected = rest
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect::<Vec<_>>();
    Some((unknown.to_owned(), expected))
}

/// The allowed name closest to a typo, if it is close enough to be one.
fn closest<'a>(typo: &str, candidates: &'a [String]) -> Option<&'a str> {
    let lower = typo.to_lowercase();
    candidates
        .iter()
        .map(|candidate| (edit_distance(&lower, &candidate.to_lowercase()), candidate))
        .filter(|(distance, candidate)| *distance <= (candidate.len() / 3).max(1))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate.as_str())
}

/// Levenshtein distance, for typo suggestions on short field names.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::spec::TemplateSpec;

    fn errors_of(yaml: &str) -> Vec<String> {
        let value: Value = serde_yaml_ng::from_str(yaml).unwrap();
        let mut errors = Errors::default();
        let decoded = decode::<TemplateSpec>(&value, "t", &mut errors);
        assert!(decoded.is_none(), "expected {yaml:?} to fail");
        errors.messages()
    }

    #[test]
    fn a_typo_is_reported_with_the_field_it_probably_meant() {
        let errors = errors_of("memroy: 512");
        assert_eq!(errors, ["t.memroy: unknown field; did you mean `memory`?"]);
    }

    #[test]
    fn every_bad_key_of_a_section_is_reported_not_just_the_first() {
        let errors = errors_of("cpu: lots\nmemory: -1\nlabels: linux\nfoo: 1");
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(
            errors[0].starts_with("t.cpu: invalid type: string \"lots\""),
            "{errors:?}"
        );
        assert!(
            errors[1].starts_with("t.memory: invalid value: integer `-1`"),
            "{errors:?}"
        );
        assert!(
            errors[2].starts_with("t.foo: unknown field; allowed fields: name,"),
            "{errors:?}"
        );
    }

    #[test]
    fn errors_inside_nested_lists_carry_their_index() {
        let errors = errors_of("ulimits:\n  - name: nofile\n    softLimit: 1\n    hardLimt: 2");
        assert_eq!(
            errors,
            ["t.ulimits[0].hardLimt: unknown field; did you mean `hardLimit`?"]
        );
    }

    #[test]
    fn a_section_that_is_not_a_mapping_is_reported_once() {
        let errors = errors_of("- a\n- b");
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].starts_with("t: invalid type: sequence"),
            "{errors:?}"
        );
    }
}
