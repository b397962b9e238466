//! Where the stack reaches and how its parameters are read: the functions' network, the
//! event bus, and list parameters as operators type them.

use serde_json::{Value, json};

use super::eval::Stack;
use super::{resources, template};

/// The functions' `VpcConfig` as deployed with `overrides`: the global one, which every
/// function inherits because none sets its own.
fn vpc_config(t: &Value, overrides: &[(&str, &str)]) -> Option<Value> {
    for (id, resource) in resources(t) {
        if resource["Type"] == "AWS::Serverless::Function" {
            assert!(
                resource["Properties"].get("VpcConfig").is_none(),
                "{id} sets its own VpcConfig: all three functions reach Jenkins the same way"
            );
        }
    }
    let global = t["Globals"]["Function"].get("VpcConfig")?;
    Stack::new(t, overrides).resolve(global)
}

#[test]
fn without_function_subnets_the_functions_are_in_no_vpc() {
    // Outside a VPC the functions need no NAT gateway or endpoint, which bill while idle.
    let t = template();
    assert_eq!(vpc_config(&t, &[]), None);
}

#[test]
fn with_function_subnets_all_three_functions_join_that_vpc() {
    // Arrange: a Jenkins on a private network (docs/aws.md §17).
    let t = template();
    let overrides = [
        ("FunctionSubnetIds", "subnet-0a1, subnet-0b2"),
        ("FunctionSecurityGroupIds", "sg-0c3"),
    ];
    // Act
    let config = vpc_config(&t, &overrides);
    // Assert
    assert_eq!(
        config,
        Some(json!({"SubnetIds": ["subnet-0a1", "subnet-0b2"], "SecurityGroupIds": ["sg-0c3"]}))
    );
}

#[test]
fn list_parameters_are_comma_delimited_lists_which_cloudformation_trims() {
    // "arn1, arn2" split on "," keeps the space: an ARN IAM never matches. A
    // CommaDelimitedList trims each member (docs/aws.md §21).
    let t = template();
    let mut violations = vec![];
    for (name, declaration) in t["Parameters"].as_object().expect("Parameters") {
        let is_list = name.ends_with("Arns") || name.ends_with("Ids");
        if is_list && declaration["Type"] != "CommaDelimitedList" {
            violations.push(format!("{name}: {}", declaration["Type"]));
        }
    }
    let text = t["Resources"].to_string();
    for (name, _) in t["Parameters"].as_object().expect("Parameters") {
        let split = json!({"Fn::Split": [",", {"Ref": name}]}).to_string();
        if text.contains(&split) {
            violations.push(format!("!Split of {name} is not trimmed"));
        }
    }
    assert!(violations.is_empty(), "{violations:#?}");
}

#[test]
fn role_arns_typed_with_spaces_after_the_commas_reach_iam_without_them() {
    // Arrange
    let t = template();
    let stack = Stack::new(
        &t,
        &[(
            "AgentTaskRoleArns",
            "arn:aws:iam::123456789012:role/a, arn:aws:iam::123456789012:role/b",
        )],
    );
    // Act
    let policy = stack
        .properties("AgentLaunchPolicy")
        .expect("always created");
    let statements = policy["PolicyDocument"]["Statement"].as_array().unwrap();
    let pass = statements
        .iter()
        .find(|s| s["Sid"] == "PassTaskRoles")
        .expect("PassTaskRoles when task roles are given");
    // Assert
    assert_eq!(
        pass["Resource"],
        json!([
            "arn:aws:iam::123456789012:role/a",
            "arn:aws:iam::123456789012:role/b"
        ])
    );
}

/// The resource of the statement that lets the functions publish agent events.
fn published_bus(t: &Value, event_bus: &str) -> Value {
    let stack = Stack::new(t, &[("EventBusName", event_bus)]);
    let policy = stack
        .properties("AgentLaunchPolicy")
        .expect("always created");
    policy["PolicyDocument"]["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["Action"] == "events:PutEvents")
        .expect("a statement allows events:PutEvents")["Resource"]
        .clone()
}

#[test]
fn an_event_bus_given_by_name_is_allowed_by_its_arn_in_the_stacks_region() {
    let t = template();
    assert_eq!(
        published_bus(&t, "agent-events"),
        "arn:aws:events:us-east-1:123456789012:event-bus/agent-events"
    );
}

#[test]
fn an_event_bus_given_by_arn_is_allowed_as_it_is() {
    // PutEvents takes a bus name or ARN (docs/aws.md §22); the policy must name the bus,
    // not `event-bus/arn:aws:…`.
    let t = template();
    let arn = "arn:aws:events:us-east-1:210987654321:event-bus/shared-agent-events";
    assert_eq!(published_bus(&t, arn), arn);
}

/// What the functions get with `overrides`: the CA bundle variable, and for each function
/// the resources the CA bundle read policy lets it read.
fn ca_bundle_access(t: &Value, overrides: &[(&str, &str)]) -> (Value, Vec<Value>) {
    let stack = Stack::new(t, overrides);
    let variable = stack
        .resolve(&t["Globals"]["Function"]["Environment"]["Variables"])
        .expect("global variables")["JENKINS_CA_BUNDLE_ARN"]
        .clone();
    let readable = resources(t)
        .filter(|(_, r)| r["Type"] == "AWS::Serverless::Function")
        .map(|(id, _)| {
            let policies =
                stack.properties(id).expect("functions are unconditional")["Policies"].clone();
            let reads_bundle = policies
                .as_array()
                .unwrap()
                .contains(&json!("<JenkinsCaBundleReadPolicy>"));
            match (reads_bundle, stack.properties("JenkinsCaBundleReadPolicy")) {
                (true, Some(policy)) => policy["PolicyDocument"]["Statement"][0].clone(),
                _ => Value::Null,
            }
        })
        .collect();
    (variable, readable)
}

#[test]
fn without_a_ca_bundle_the_functions_neither_get_nor_may_read_one() {
    let t = template();
    let (variable, readable) = ca_bundle_access(&t, &[]);
    assert_eq!(variable, Value::Null);
    assert_eq!(readable, [Value::Null, Value::Null, Value::Null]);
}

#[test]
fn every_function_gets_the_ca_bundle_arn_and_may_read_that_one_only() {
    // Arrange: the bundle in an SSM parameter.
    let t = template();
    let arn = "arn:aws:ssm:us-east-1:123456789012:parameter/corp/ca-bundle";
    // Act
    let (variable, readable) = ca_bundle_access(&t, &[("JenkinsCaBundleArn", arn)]);
    // Assert
    assert_eq!(variable, arn);
    for statement in readable {
        assert_eq!(statement["Resource"], arn, "{statement}");
        let actions = statement["Action"].as_array().cloned().unwrap_or_default();
        assert!(actions.contains(&json!("ssm:GetParameter")), "{statement}");
    }
}

#[test]
fn a_proxy_reaches_the_functions_as_https_proxy_and_no_proxy_and_is_unset_by_default() {
    // Arrange
    let t = template();
    let variables = |overrides: &[(&str, &str)]| {
        let all = Stack::new(&t, overrides)
            .resolve(&t["Globals"]["Function"]["Environment"]["Variables"])
            .expect("global variables");
        (all["HTTPS_PROXY"].clone(), all["NO_PROXY"].clone())
    };
    // Act
    let unset = variables(&[]);
    let set = variables(&[
        ("HttpsProxy", "http://proxy.corp.example:3128"),
        ("NoProxy", ".corp.example"),
    ]);
    // Assert
    assert_eq!(unset, (Value::Null, Value::Null));
    assert_eq!(
        set,
        (
            json!("http://proxy.corp.example:3128"),
            json!(".corp.example")
        )
    );
}
