//! The bucket of the published agents file: every version kept, private and encrypted, read by
//! the functions and written by nobody the stack creates; an alarm when a version is refused.

use serde_json::{Value, json};

use super::{statements, strings, template};

fn bucket(t: &Value) -> &Value {
    &t["Resources"]["AgentsConfigBucket"]
}

#[test]
fn every_published_version_is_kept_private_and_encrypted() {
    let t = template();
    let properties = &bucket(&t)["Properties"];
    assert_eq!(properties["VersioningConfiguration"]["Status"], "Enabled");
    for setting in [
        "BlockPublicAcls",
        "BlockPublicPolicy",
        "IgnorePublicAcls",
        "RestrictPublicBuckets",
    ] {
        assert_eq!(
            properties["PublicAccessBlockConfiguration"][setting], true,
            "{setting}"
        );
    }
    let encryption = &properties["BucketEncryption"]["ServerSideEncryptionConfiguration"][0];
    assert!(encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"].is_string());
    let policy = &t["Resources"]["AgentsConfigBucketPolicy"]["Properties"]["PolicyDocument"];
    assert_eq!(
        policy["Statement"][0]["Condition"]["Bool"]["aws:SecureTransport"], "false",
        "TLS only"
    );
}

#[test]
fn the_current_version_never_expires_and_the_last_replaced_ones_are_kept_for_rollback() {
    let t = template();
    let rules = bucket(&t)["Properties"]["LifecycleConfiguration"]["Rules"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for rule in &rules {
        for current in [
            "ExpirationInDays",
            "ExpirationDate",
            "ExpiredObjectDeleteMarker",
        ] {
            assert!(rule.get(current).is_none(), "{rule}");
        }
        let noncurrent = &rule["NoncurrentVersionExpiration"];
        assert!(
            noncurrent["NewerNoncurrentVersions"].as_u64() >= Some(1),
            "{rule}"
        );
    }
    assert_eq!(
        bucket(&t)["DeletionPolicy"],
        "Retain",
        "the history outlives the stack"
    );
}

#[test]
fn the_functions_may_only_read_the_agents_file() {
    let t = template();
    let on_bucket: Vec<(String, &Value)> = statements(&t)
        .into_iter()
        .filter(|(_, s)| s["Effect"] == "Allow")
        .filter(|(_, s)| s["Resource"].to_string().contains("AgentsConfigBucket"))
        .collect();
    let actions: Vec<&str> = on_bucket
        .iter()
        .flat_map(|(_, s)| strings(&s["Action"]))
        .collect();
    assert_eq!(actions, ["s3:GetObject", "s3:ListBucket"], "{on_bucket:#?}");
    let read = on_bucket
        .iter()
        .find(|(_, s)| s["Action"] == "s3:GetObject")
        .expect("a read statement");
    assert_eq!(
        read.0, "FollowAgentsFilePolicy",
        "the policy every function has"
    );
    assert_eq!(
        read.1["Resource"],
        json!({"Fn::Sub": "${AgentsConfigBucket.Arn}/agents.yaml"}),
        "the one object"
    );
}

#[test]
fn every_function_and_the_outputs_name_the_same_bucket_and_key() {
    let t = template();
    let variables = &t["Globals"]["Function"]["Environment"]["Variables"];
    assert_eq!(
        variables["AGENTS_CONFIG_BUCKET"],
        json!({"Ref": "AgentsConfigBucket"})
    );
    assert_eq!(variables["AGENTS_CONFIG_KEY"], "agents.yaml");
    assert_eq!(
        t["Outputs"]["AgentsConfigBucket"]["Value"],
        json!({"Ref": "AgentsConfigBucket"})
    );
    assert_eq!(t["Outputs"]["AgentsConfigKey"]["Value"], "agents.yaml");
}

#[test]
fn a_refused_agents_file_raises_an_alarm() {
    let t = template();
    let alarm = t["Resources"]
        .as_object()
        .unwrap()
        .values()
        .find(|r| r["Properties"]["MetricName"] == "AgentsConfigRejected")
        .expect("an alarm on AgentsConfigRejected");
    let properties = &alarm["Properties"];
    assert_eq!(properties["Namespace"], "EcsAgents");
    assert_eq!(
        (&properties["Threshold"], &properties["ComparisonOperator"]),
        (&json!(0), &json!("GreaterThanThreshold"))
    );
}
