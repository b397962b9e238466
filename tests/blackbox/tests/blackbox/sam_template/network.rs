//! Where the stack reaches and how its parameters are read: the functions' network, the
//! event bus, and list parameters as operators type them.

use serde_json::{Value, json};

use super::eval::Stack;
use super::{resources, template};

/// The functions that call Jenkins, which must reach it wherever it is; the webhook calls only
/// AWS (it records work on SQS).
const CALL_JENKINS: [&str; 3] = ["LaunchWorker", "TaskStopped", "Reconcile"];

/// Each function's `VpcConfig` as deployed with `overrides` (`None`: in no VPC).
fn vpc_configs(t: &Value, overrides: &[(&str, &str)]) -> Vec<(String, Option<Value>)> {
    assert!(
        t["Globals"]["Function"].get("VpcConfig").is_none(),
        "a global VpcConfig would put the webhook in the VPC too"
    );
    let stack = Stack::new(t, overrides);
    resources(t)
        .filter(|(_, r)| r["Type"] == "AWS::Serverless::Function")
        .map(|(id, r)| {
            let config = r["Properties"]
                .get("VpcConfig")
                .and_then(|c| stack.resolve(c));
            (id.clone(), config)
        })
        .collect()
}

#[test]
fn without_function_subnets_the_functions_are_in_no_vpc() {
    // Outside a VPC the functions need no NAT gateway or endpoint, which bill while idle.
    let t = template();
    for (id, config) in vpc_configs(&t, &[]) {
        assert_eq!(config, None, "{id}");
    }
}

#[test]
fn with_function_subnets_the_functions_that_call_jenkins_join_that_vpc() {
    // Arrange: a Jenkins on a private network (docs/aws.md §17).
    let t = template();
    let overrides = [
        ("FunctionSubnetIds", "subnet-0a1, subnet-0b2"),
        ("FunctionSecurityGroupIds", "sg-0c3"),
    ];
    // Act
    let configs = vpc_configs(&t, &overrides);
    // Assert
    let expected =
        json!({"SubnetIds": ["subnet-0a1", "subnet-0b2"], "SecurityGroupIds": ["sg-0c3"]});
    assert_eq!(configs.len(), 4);
    for (id, config) in configs {
        match CALL_JENKINS.contains(&id.as_str()) {
            true => assert_eq!(config.as_ref(), Some(&expected), "{id}"),
            false => assert_eq!(config, None, "{id} calls only AWS: no VPC, no endpoints"),
        }
    }
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
        .properties("FollowAgentsFilePolicy")
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

/// What the functions get with `overrides`: the CA bundle variable, and for each function that
/// calls Jenkins the resources the CA bundle read policy lets it read.
fn ca_bundle_access(t: &Value, overrides: &[(&str, &str)]) -> (Value, Vec<Value>) {
    let stack = Stack::new(t, overrides);
    let variable = stack
        .resolve(&t["Globals"]["Function"]["Environment"]["Variables"])
        .expect("global variables")["JENKINS_CA_BUNDLE_ARN"]
        .clone();
    let readable = resources(t)
        .filter(|(id, r)| {
            r["Type"] == "AWS::Serverless::Function" && CALL_JENKINS.contains(&id.as_str())
        })
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
fn every_function_that_calls_jenkins_gets_the_ca_bundle_arn_and_may_read_that_one_only() {
    // Arrange: the bundle in an SSM parameter.
    let t = template();
    let arn = "arn:aws:ssm:us-east-1:123456789012:parameter/corp/ca-bundle";
    // Act
    let (variable, readable) = ca_bundle_access(&t, &[("JenkinsCaBundleArn", arn)]);
    // Assert
    assert_eq!(variable, arn);
    assert_eq!(readable.len(), 3);
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
