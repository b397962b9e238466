//! Static checks of the SAM stack (`infra/template.yaml`): least privilege, nothing that bills
//! while idle, bounded log retention, and the wiring the functions rely on. No AWS involved.
//!
//! `SAM_TEMPLATE=/some/copy.yaml` checks another file; that is how each check was shown to fail
//! on a deliberately broken copy.

mod agents_file;
mod eval;
mod execution_role;
mod network;
mod operations;
mod time_to_start;
mod work_queue;

use serde_json::{Value, json};
use serde_yaml_ng::Value as Yaml;

/// Mutating actions IAM accepts only on `Resource: "*"` (the Service Authorization Reference
/// lists no resource type for them). Keep this list minimal: every entry is a hole.
/// - `ecs:DeregisterTaskDefinition`: the functions retire old revisions of their own families.
const UNSCOPABLE_WRITES: &[&str] = &["ecs:DeregisterTaskDefinition"];

/// Services whose writes must name their resources.
const GUARDED_SERVICES: &[&str] = &["ecs", "iam", "events", "secretsmanager", "sqs"];

/// Resource types that cost money while no build runs.
const IDLE_BILLING_TYPES: &[&str] = &[
    "AWS::EC2::NatGateway",
    "AWS::EC2::Instance",
    "AWS::ElasticLoadBalancingV2::LoadBalancer",
    "AWS::ElasticLoadBalancing::LoadBalancer",
    "AWS::ECS::Service",
    "AWS::AutoScaling::AutoScalingGroup",
    // Interface endpoints bill by the hour; the functions in a VPC use the operator's own.
    "AWS::EC2::VPCEndpoint",
];

pub(crate) fn template() -> Value {
    let path = std::env::var("SAM_TEMPLATE").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../infra/template.yaml").to_owned()
    });
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let yaml: Yaml = serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    to_json(yaml)
}

/// YAML to the JSON form CloudFormation reads: `!Ref X` → `{"Ref": "X"}`,
/// `!GetAtt A.B` → `{"Fn::GetAtt": ["A", "B"]}`, `!Sub …` → `{"Fn::Sub": …}`, and so on.
fn to_json(yaml: Yaml) -> Value {
    match yaml {
        Yaml::Null => Value::Null,
        Yaml::Bool(b) => Value::Bool(b),
        Yaml::Number(n) => serde_json::to_value(n).expect("a YAML number is a JSON number"),
        Yaml::String(s) => Value::String(s),
        Yaml::Sequence(items) => Value::Array(items.into_iter().map(to_json).collect()),
        Yaml::Mapping(map) => {
            Value::Object(map.into_iter().map(|(k, v)| (key(k), to_json(v))).collect())
        }
        Yaml::Tagged(tagged) => {
            let name = tagged.tag.to_string().trim_start_matches('!').to_owned();
            intrinsic(&name, to_json(tagged.value))
        }
    }
}

fn key(yaml: Yaml) -> String {
    match yaml {
        Yaml::String(s) => s,
        other => serde_yaml_ng::to_string(&other)
            .expect("a scalar key")
            .trim()
            .to_owned(),
    }
}

fn intrinsic(name: &str, value: Value) -> Value {
    match (name, value) {
        ("Ref" | "Condition", value) => json!({ name: value }),
        ("GetAtt", Value::String(dotted)) => {
            let (resource, attribute) = dotted.split_once('.').expect("!GetAtt Resource.Attribute");
            json!({ "Fn::GetAtt": [resource, attribute] })
        }
        (name, value) => json!({ format!("Fn::{name}"): value }),
    }
}

fn resources(t: &Value) -> impl Iterator<Item = (&String, &Value)> {
    t["Resources"].as_object().expect("Resources").iter()
}

fn as_list(value: &Value) -> Vec<&Value> {
    match value {
        Value::Array(items) => items.iter().collect(),
        Value::Null => vec![],
        single => vec![single],
    }
}

/// Both branches of a conditional statement, without `AWS::NoValue`.
fn branches(value: &Value) -> Vec<&Value> {
    match value.get("Fn::If").and_then(Value::as_array) {
        Some(parts) => parts[1..].iter().flat_map(branches).collect(),
        None if value == &json!({"Ref": "AWS::NoValue"}) => vec![],
        None => vec![value],
    }
}

/// Every IAM statement, named by the resource holding it.
fn statements(t: &Value) -> Vec<(String, &Value)> {
    let mut found = vec![];
    for (id, resource) in resources(t) {
        let properties = &resource["Properties"];
        let documents: Vec<&Value> = match resource["Type"].as_str().unwrap_or_default() {
            "AWS::IAM::ManagedPolicy" | "AWS::IAM::Policy" => vec![&properties["PolicyDocument"]],
            "AWS::IAM::Role" => as_list(&properties["Policies"])
                .into_iter()
                .map(|p| &p["PolicyDocument"])
                .collect(),
            "AWS::Serverless::Function" => as_list(&properties["Policies"])
                .into_iter()
                .filter(|p| p.get("Statement").is_some())
                .collect(),
            _ => vec![],
        };
        for document in documents {
            for statement in as_list(&document["Statement"])
                .into_iter()
                .flat_map(branches)
            {
                found.push((id.clone(), statement));
            }
        }
    }
    found
}

fn strings(value: &Value) -> Vec<&str> {
    as_list(value)
        .into_iter()
        .filter_map(Value::as_str)
        .collect()
}

/// A write (or a wildcard that includes writes) of a guarded service.
fn is_guarded_write(action: &str) -> bool {
    let Some((service, verb)) = action.split_once(':') else {
        return action == "*";
    };
    let reads = ["Describe", "List", "Get"];
    GUARDED_SERVICES.contains(&service.to_ascii_lowercase().as_str())
        && (verb.contains('*') || !reads.iter().any(|r| verb.starts_with(r)))
}

/// The function built from `binary` (`Metadata.BuildProperties.Binary`).
pub(crate) fn function<'t>(t: &'t Value, binary: &str) -> &'t Value {
    resources(t)
        .map(|(_, r)| r)
        .find(|r| r["Metadata"]["BuildProperties"]["Binary"] == binary)
        .unwrap_or_else(|| panic!("no function builds the {binary} binary"))
}

#[test]
fn no_statement_allows_a_scopable_write_on_every_resource() {
    // Arrange
    let t = template();
    // Act
    let mut violations = vec![];
    for (holder, statement) in statements(&t) {
        if statement["Effect"] != "Allow" || !strings(&statement["Resource"]).contains(&"*") {
            continue;
        }
        for action in strings(&statement["Action"]) {
            if is_guarded_write(action) && !UNSCOPABLE_WRITES.contains(&action) {
                violations.push(format!("{holder}: {action} on \"*\""));
            }
        }
    }
    // Assert
    assert!(violations.is_empty(), "{violations:#?}");
}

#[test]
fn pass_role_is_limited_to_ecs_tasks() {
    let t = template();
    let mut violations = vec![];
    for (holder, statement) in statements(&t) {
        let passes = strings(&statement["Action"])
            .iter()
            .any(|a| a.eq_ignore_ascii_case("iam:PassRole"));
        let to_ecs = &statement["Condition"]["StringEquals"]["iam:PassedToService"];
        if passes && *to_ecs != "ecs-tasks.amazonaws.com" {
            violations.push(format!(
                "{holder}: iam:PassRole without iam:PassedToService"
            ));
        }
    }
    assert!(violations.is_empty(), "{violations:#?}");
}

#[test]
fn nothing_in_the_stack_bills_while_idle() {
    let t = template();
    let mut violations = vec![];
    for (id, resource) in resources(&t) {
        let kind = resource["Type"].as_str().unwrap_or_default();
        if IDLE_BILLING_TYPES.contains(&kind) || kind.starts_with("AWS::RDS::") {
            violations.push(format!("{id}: {kind}"));
        }
        if resource["Properties"]
            .get("ProvisionedConcurrencyConfig")
            .is_some()
        {
            violations.push(format!("{id}: ProvisionedConcurrencyConfig"));
        }
    }
    if t["Globals"]["Function"]
        .get("ProvisionedConcurrencyConfig")
        .is_some()
    {
        violations.push("Globals: ProvisionedConcurrencyConfig".to_owned());
    }
    assert!(violations.is_empty(), "{violations:#?}");
}

#[test]
fn every_function_logs_to_a_group_with_a_retention() {
    let t = template();
    let mut violations = vec![];
    for (id, resource) in resources(&t) {
        if resource["Type"] != "AWS::Serverless::Function" {
            continue;
        }
        let group = resource["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
            .as_str()
            .map(|group| &t["Resources"][group]);
        match group {
            Some(g) if g["Type"] == "AWS::Logs::LogGroup" => {
                if g["Properties"].get("RetentionInDays").is_none() {
                    violations.push(format!("{id}: its log group keeps logs forever"));
                }
            }
            _ => violations.push(format!(
                "{id}: LoggingConfig.LogGroup is not a log group here"
            )),
        }
    }
    assert!(violations.is_empty(), "{violations:#?}");
}

#[test]
fn the_webhook_is_a_function_url_that_authenticates_callers_itself() {
    let t = template();
    let webhook = function(&t, "queue-webhook");
    assert_eq!(
        webhook["Properties"]["FunctionUrlConfig"]["AuthType"],
        "NONE"
    );
}

#[test]
fn the_reconciler_never_runs_twice_at_once() {
    let t = template();
    let reconcile = function(&t, "reconcile");
    assert_eq!(reconcile["Properties"]["ReservedConcurrentExecutions"], 1);
}

#[test]
fn a_reconcile_tick_that_cannot_run_within_a_minute_is_dropped_not_replayed_later() {
    // A throttled asynchronous invoke is retried for up to six hours whatever
    // MaximumRetryAttempts says; only the event age ends it (docs/aws.md §15).
    let t = template();
    let config = &function(&t, "reconcile")["Properties"]["EventInvokeConfig"];
    assert_eq!(config["MaximumRetryAttempts"], 0, "{config}");
    assert_eq!(config["MaximumEventAgeInSeconds"], 60, "{config}");
}

#[test]
fn undeliverable_task_events_are_retried_and_then_kept() {
    // Arrange
    let t = template();
    let events = function(&t, "task-stopped")["Properties"]["Events"]
        .as_object()
        .expect("task-stopped has events");
    // Act
    let rules: Vec<&Value> = events
        .values()
        .filter(|e| e["Type"] == "EventBridgeRule")
        .collect();
    // Assert
    assert!(!rules.is_empty(), "task-stopped has no EventBridgeRule");
    for rule in rules {
        assert!(rule["Properties"]["DeadLetterConfig"].is_object(), "{rule}");
        assert!(rule["Properties"]["RetryPolicy"].is_object(), "{rule}");
    }
}

#[test]
fn the_stack_defaults_name_the_cluster_and_cloud_of_the_embedded_agents_file() {
    // Arrange
    let t = template();
    let agents = include_str!("../../../../infra/agents.yaml");
    let agents = to_json(serde_yaml_ng::from_str(agents).expect("infra/agents.yaml"));
    // Assert
    assert_eq!(
        t["Parameters"]["ClusterName"]["Default"],
        agents["cloud"]["cluster"]
    );
    assert_eq!(
        t["Parameters"]["DeploymentName"]["Default"],
        agents["cloud"]["name"]
    );
}

#[test]
fn the_agent_environment_bucket_is_private_encrypted_and_forgets_within_a_day() {
    let t = template();
    let bucket = &t["Resources"]["AgentEnvironmentBucket"]["Properties"];
    let block = &bucket["PublicAccessBlockConfiguration"];
    for setting in [
        "BlockPublicAcls",
        "BlockPublicPolicy",
        "IgnorePublicAcls",
        "RestrictPublicBuckets",
    ] {
        assert_eq!(block[setting], true, "{setting}");
    }
    let encryption = &bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0];
    assert!(encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"].is_string());
    let rules = bucket["LifecycleConfiguration"]["Rules"]
        .as_array()
        .unwrap();
    assert!(
        rules
            .iter()
            .any(|r| r["Status"] == "Enabled" && r["ExpirationInDays"] == 1),
        "{rules:?}"
    );
    let functions = &t["Globals"]["Function"]["Environment"]["Variables"];
    assert!(functions.get("AGENT_ENVIRONMENT_BUCKET").is_some());
}

#[test]
fn only_the_functions_write_agent_environment_files_and_only_the_execution_role_reads_them() {
    let t = template();
    let writers: Vec<String> = statements(&t)
        .into_iter()
        .filter(|(_, s)| s["Resource"].to_string().contains("AgentEnvironmentBucket"))
        .filter(|(_, s)| {
            strings(&s["Action"])
                .iter()
                .any(|a| *a == "s3:PutObject" || *a == "s3:GetObject")
        })
        .map(|(owner, s)| format!("{owner}: {:?}", strings(&s["Action"])))
        .collect();
    assert_eq!(writers.len(), 2, "{writers:#?}");
    assert!(
        writers
            .iter()
            .any(|w| w.starts_with("AgentLaunchPolicy") && w.contains("s3:PutObject")),
        "{writers:#?}"
    );
    assert!(
        writers
            .iter()
            .any(|w| w.starts_with("AgentExecutionRole") && w.contains("s3:GetObject")),
        "{writers:#?}"
    );
}
