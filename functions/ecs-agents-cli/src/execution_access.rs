//! `check --execution-secret-arns`: can the execution role the stack creates read what the
//! templates reference? ECS reads each `secrets` value and the `repositoryCredentials` secret
//! with the execution role when it starts a task; one the role may not read stops the task
//! before the agent starts, with `ResourceInitializationError: unable to pull secrets or
//! registry auth` (docs/aws.md §14). The stack lets that role read the ARNs of its
//! `AgentExecutionSecretArns` parameter; this compares the templates with that list, matching
//! as IAM does (`*` and `?` wildcards, docs/aws.md §24).

use ecs_agents::config::{AgentsConfig, TaskSource};

/// A value a template makes ECS read with the execution role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// The template's name.
    pub template: String,
    /// `secrets.NAME` or `repositoryCredentials`.
    pub field: String,
    /// The ARN or parameter name, as written.
    pub value: String,
}

/// The references of every template that registers its own task definition (one given by
/// `taskDefinition:` is not ours to read).
pub fn references(config: &AgentsConfig) -> Vec<Reference> {
    let mut found = vec![];
    for template in &config.templates {
        let TaskSource::Register { definition, .. } = &template.task else {
            continue;
        };
        for container in &definition.container_definitions {
            let reference = |field: String, value: &str| Reference {
                template: template.name.clone(),
                field,
                value: value.to_owned(),
            };
            for secret in &container.secrets {
                found.push(reference(
                    format!("secrets.{}", secret.name),
                    &secret.value_from,
                ));
            }
            if let Some(credentials) = &container.repository_credentials {
                found.push(reference(
                    "repositoryCredentials".to_owned(),
                    &credentials.credentials_parameter,
                ));
            }
        }
    }
    found
}

/// The references no pattern of `allowed` covers, each as a warning.
pub fn warnings(config: &AgentsConfig, allowed: &[String]) -> Vec<String> {
    let allowed: Vec<&str> = allowed
        .iter()
        .map(|a| a.trim())
        .filter(|a| !a.is_empty())
        .collect();
    references(config)
        .into_iter()
        .filter(|r| !covered(&r.value, &allowed))
        .map(|r| {
            let hint = if r.value.contains(":secretsmanager:") {
                " (a secret ARN without its 6-character suffix is covered by `NAME-??????` or `NAME-*`)"
            } else {
                ""
            };
            format!(
                "templates ({}).{}: `{}` is not in --execution-secret-arns, so the execution role \
                 the stack creates cannot read it and the task stops before the agent starts; \
                 add it to AgentExecutionSecretArns{hint}",
                r.template, r.field, r.value
            )
        })
        .collect()
}

/// Whether a pattern of `allowed` lets IAM read `value` (a secret or parameter ARN, or a
/// parameter name).
pub fn covered(value: &str, allowed: &[&str]) -> bool {
    candidates(value).iter().any(|candidate| {
        allowed
            .iter()
            .any(|pattern| matches_arn(pattern, candidate))
    })
}

/// The ARNs IAM may evaluate for `value`; `None` fields are unknown (a parameter named
/// without its region and account).
fn candidates(value: &str) -> Vec<[Option<String>; 6]> {
    let fields: Vec<&str> = value.splitn(7, ':').collect();
    match fields.as_slice() {
        // A secret's ARN ends with `-` and six random characters; templates may leave them out,
        // and may add `:json-key:version-stage:version-id` after the name, which IAM ignores.
        [
            "arn",
            partition,
            "secretsmanager",
            region,
            account,
            "secret",
            rest @ ..,
        ] => {
            let name = rest
                .first()
                .and_then(|r| r.split(':').next())
                .unwrap_or_default();
            let arn = |resource: String| {
                [
                    Some("arn".to_owned()),
                    Some((*partition).to_owned()),
                    Some("secretsmanager".to_owned()),
                    Some((*region).to_owned()),
                    Some((*account).to_owned()),
                    Some(format!("secret:{resource}")),
                ]
            };
            vec![arn(name.to_owned()), arn(format!("{name}-??????"))]
        }
        ["arn", ..] => {
            let fields: Vec<&str> = value.splitn(6, ':').collect();
            let mut arn: [Option<String>; 6] = Default::default();
            for (slot, field) in arn.iter_mut().zip(fields) {
                *slot = Some(field.to_owned());
            }
            vec![arn]
        }
        // ECS takes a parameter's name for one in the task's region (docs/aws.md §24).
        _ => vec![[
            Some("arn".to_owned()),
            None,
            Some("ssm".to_owned()),
            None,
            None,
            Some(format!("parameter/{}", value.trim_start_matches('/'))),
        ]],
    }
}

/// IAM's match of a resource pattern against an ARN: unknown fields take the pattern's.
fn matches_arn(pattern: &str, arn: &[Option<String>; 6]) -> bool {
    let pattern_fields: Vec<&str> = pattern.splitn(6, ':').collect();
    let text: Vec<String> = arn
        .iter()
        .enumerate()
        .map(|(i, field)| match field {
            Some(field) => field.clone(),
            None => pattern_fields.get(i).copied().unwrap_or("*").to_owned(),
        })
        .collect();
    glob(pattern, &text.join(":"))
}

/// `*` matches any run of characters, `?` one; anything else itself.
fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    // Dynamic programming over (pattern, text) prefixes: no exponential backtracking.
    let mut row = vec![false; t.len() + 1];
    row[0] = true;
    for pc in &p {
        let mut next = vec![false; t.len() + 1];
        next[0] = *pc == '*' && row[0];
        for j in 1..=t.len() {
            next[j] = match pc {
                '*' => row[j] || next[j - 1],
                '?' => row[j - 1],
                c => row[j - 1] && *c == t[j - 1],
            };
        }
        row = next;
    }
    row[t.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    const NPM: &str = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ci/npm-token";

    #[test]
    fn a_secret_named_without_its_suffix_is_covered_by_a_suffix_wildcard() {
        let allowed = ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:ci/npm-token-??????"];
        assert!(covered(NPM, &allowed));
        assert!(covered(&format!("{NPM}-AbCdEf"), &allowed));
        assert!(!covered(&format!("{NPM}-other"), &allowed));
    }

    #[test]
    fn a_json_key_after_the_secret_name_is_not_part_of_its_arn() {
        let allowed = ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:ci/*"];
        assert!(covered(&format!("{NPM}:token::"), &allowed));
    }

    #[test]
    fn a_secret_in_another_account_or_region_is_not_covered() {
        let allowed = ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:ci/*"];
        let other = NPM.replace("eu-west-1", "us-east-1");
        assert!(!covered(&other, &allowed));
        assert!(!covered(
            &NPM.replace("123456789012", "210987654321"),
            &allowed
        ));
        assert!(covered(&other, &["*"]));
    }

    #[test]
    fn a_parameter_named_without_its_arn_matches_by_path() {
        let allowed = ["arn:aws:ssm:eu-west-1:123456789012:parameter/ci/*"];
        assert!(covered("/ci/maven-settings", &allowed));
        assert!(covered(
            "arn:aws:ssm:eu-west-1:123456789012:parameter/ci/maven-settings",
            &allowed
        ));
        assert!(!covered("/team/maven-settings", &allowed));
    }

    #[test]
    fn an_empty_list_covers_nothing() {
        assert!(!covered(NPM, &[]));
    }
}
