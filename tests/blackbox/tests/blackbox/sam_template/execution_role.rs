//! The execution role the stack creates may read what the templates' `secrets` and
//! `repositoryCredentials` reference (`AgentExecutionSecretArns`), and nothing when the list is
//! empty. ECS, not our code, calls these, so the needs are a table of their own.

use serde_json::Value;

use super::eval::Stack;
use super::operations::{EVERYTHING_ON, allow, allowed, document_statements, texts};
use super::{resources, template};

/// What ECS itself does with the execution role the stack creates, for the templates'
/// `secrets` and `repositoryCredentials` (docs/aws.md §14): one line per action.
const EXECUTION_ROLE_NEEDS: &[&str] = &[
    "secretsmanager:GetSecretValue",
    "ssm:GetParameters",
    "kms:Decrypt",
];

/// Every statement the role `id` gets: its own, its managed policies', and those of policy
/// resources that name it.
fn role_statements(t: &Value, stack: &Stack, id: &str) -> Vec<Value> {
    let Some(role) = stack.properties(id) else {
        return vec![];
    };
    let own = role["Policies"].as_array().cloned().unwrap_or_default();
    let mut statements: Vec<Value> = own
        .iter()
        .flat_map(|p| document_statements(stack, &p["PolicyDocument"]))
        .collect();
    for managed in role["ManagedPolicyArns"].as_array().into_iter().flatten() {
        statements.extend(document_statements(stack, managed));
    }
    let me = Value::String(format!("<{id}>"));
    for (policy_id, resource) in resources(t) {
        let is_policy = matches!(
            resource["Type"].as_str(),
            Some("AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy")
        );
        let names_me = is_policy
            && stack
                .properties(policy_id)
                .is_some_and(|p| p["Roles"].as_array().is_some_and(|r| r.contains(&me)));
        if names_me {
            statements.extend(document_statements(
                stack,
                &Value::String(format!("<{policy_id}>")),
            ));
        }
    }
    statements
}

#[test]
fn the_created_execution_role_may_read_what_the_templates_reference() {
    // Arrange
    let t = template();
    let stack = Stack::new(&t, EVERYTHING_ON);
    // Act
    let statements = role_statements(&t, &stack, "AgentExecutionRole");
    // Assert
    let missing: Vec<&str> = EXECUTION_ROLE_NEEDS
        .iter()
        .copied()
        .filter(|action| !allowed(&statements, &allow(action)))
        .collect();
    assert!(missing.is_empty(), "{missing:?} in {statements:#?}");
}

#[test]
fn the_created_execution_role_reads_only_the_listed_arns_and_nothing_when_none_are() {
    // Arrange
    let t = template();
    let listed = "arn:aws:secretsmanager:us-east-1:123456789012:secret:ci/npm-token-??????, \
                  arn:aws:kms:us-east-1:123456789012:key/1111aaaa-22bb-33cc-44dd-5555eeee6666";
    let with = Stack::new(
        &t,
        &[
            ("CreateAgentInfrastructure", "true"),
            ("AgentExecutionSecretArns", listed),
        ],
    );
    let without = Stack::new(&t, &[("CreateAgentInfrastructure", "true")]);
    let reads = |stack: &Stack| -> Vec<Value> {
        role_statements(&t, stack, "AgentExecutionRole")
            .into_iter()
            .filter(|s| {
                EXECUTION_ROLE_NEEDS
                    .iter()
                    .any(|a| texts(&s["Action"]).contains(a))
            })
            .map(|s| s["Resource"].clone())
            .collect()
    };
    // Act
    let (with, without) = (reads(&with), reads(&without));
    // Assert
    assert_eq!(without, Vec::<Value>::new());
    let expected: Vec<&str> = listed.split(',').map(str::trim).collect();
    assert!(!with.is_empty());
    for resource in with {
        assert_eq!(texts(&resource), expected);
    }
}
