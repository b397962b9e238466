//! `GET /computer/api/json` and `GET /computer/NAME/api/json`.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::helpers::spawn;

const FIXTURE: &str = include_str!("../../../fixtures/jenkins/jenkins-rest-computer.json");

fn keys(value: &Value) -> BTreeSet<String> {
    value
        .as_object()
        .expect("an object")
        .keys()
        .cloned()
        .collect()
}

#[tokio::test]
async fn the_computer_list_has_every_field_of_the_fixture() {
    // GIVEN one agent
    let app = spawn().await;
    app.create_agent("agent-1", "linux", "NORMAL").await;
    let fixture: Value = serde_json::from_str(FIXTURE).unwrap();
    // WHEN the computer list is read
    let list = app.json("/computer/api/json").await;
    // THEN the set and every computer carry the fixture's field names
    assert!(
        keys(&list).is_superset(&keys(&fixture)),
        "{:?}",
        keys(&list)
    );
    for computer in list["computer"].as_array().unwrap() {
        let missing: Vec<_> = keys(&fixture["computer"][0])
            .difference(&keys(computer))
            .cloned()
            .collect();
        assert!(missing.is_empty(), "missing {missing:?}");
    }
    assert_eq!(list["_class"], "hudson.model.ComputerSet");
}

#[tokio::test]
async fn the_built_in_node_comes_first_with_no_executors() {
    let app = spawn().await;
    let list = app.json("/computer/api/json").await;
    let built_in = &list["computer"][0];
    assert_eq!(built_in["_class"], "hudson.model.Hudson$MasterComputer");
    assert_eq!(built_in["displayName"], "Built-In Node");
    assert_eq!(built_in["numExecutors"], 0);
    assert_eq!(
        (
            list["busyExecutors"].clone(),
            list["totalExecutors"].clone()
        ),
        (json!(0), json!(0))
    );
}

#[tokio::test]
async fn a_never_connected_inbound_agent_is_offline_without_a_reason() {
    let app = spawn().await;
    app.create_agent("agent-1", "linux", "NORMAL").await;
    let computer = app.json("/computer/agent-1/api/json").await;
    assert_eq!(computer["_class"], "hudson.slaves.SlaveComputer");
    assert_eq!(computer["jnlpAgent"], true);
    assert_eq!(computer["launchSupported"], false);
    assert_eq!(computer["offline"], true);
    assert_eq!(computer["offlineCauseReason"], "");
    assert_eq!(computer["offlineCause"], Value::Null);
}

#[tokio::test]
async fn assigned_labels_include_the_node_name() {
    let app = spawn().await;
    app.create_agent("agent-1", "linux ecs", "NORMAL").await;
    let computer = app.json("/computer/agent-1/api/json").await;
    assert_eq!(
        computer["assignedLabels"],
        json!([{"name": "agent-1"}, {"name": "ecs"}, {"name": "linux"}])
    );
}

#[tokio::test]
async fn executors_show_no_detail_at_the_default_depth() {
    let app = spawn().await;
    app.create_agent("agent-1", "linux", "NORMAL").await;
    let computer = app.json("/computer/agent-1/api/json").await;
    assert_eq!(computer["executors"], json!([{}]));
}

#[tokio::test]
async fn the_tree_parameter_keeps_only_the_requested_fields() {
    let app = spawn().await;
    app.online_agent("agent-1", "linux", "NORMAL").await;
    let tree = "computer[displayName,offline,executors[idle,currentExecutable[url]]],busyExecutors";
    let list = app.json(&format!("/computer/api/json?tree={tree}")).await;
    assert_eq!(
        list,
        json!({"_class": "hudson.model.ComputerSet", "busyExecutors": 0, "computer": [
            {"_class": "hudson.model.Hudson$MasterComputer", "displayName": "Built-In Node",
                "offline": false, "executors": []},
            {"_class": "hudson.slaves.SlaveComputer", "displayName": "agent-1", "offline": false,
                "executors": [{"idle": true, "currentExecutable": null}]}]})
    );
}

#[tokio::test]
async fn an_unknown_computer_is_not_found() {
    let app = spawn().await;
    assert_eq!(
        app.get("/computer/nope/api/json")
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

#[tokio::test]
async fn the_computer_list_exports_descriptions_but_no_idle_start_like_jenkins() {
    // GIVEN an agent created with the documented form
    let app = spawn().await;
    app.create_agent("agent-1", "linux", "NORMAL").await;
    // WHEN the list is read with the tree the ecs-agents adapter asks for
    let tree = "computer[displayName,description,offline,temporarilyOffline,idle,\
                idleStartMilliseconds,assignedLabels[name],_class]";
    let list = app.json(&format!("/computer/api/json?tree={tree}")).await;
    // THEN each computer has its node's description; idleStartMilliseconds,
    // which Computer does not export, is simply left out
    let computers = list["computer"].as_array().unwrap();
    assert_eq!(
        computers[0]["description"],
        "the Jenkins controller's built-in node"
    );
    assert_eq!(computers[1]["description"], "ECS task for queue item 123");
    for computer in computers {
        assert!(
            computer.get("idleStartMilliseconds").is_none(),
            "{computer}"
        );
    }
}

#[tokio::test]
async fn a_deleted_node_still_running_a_build_has_an_empty_description() {
    use jenkins_stand_in::Enqueue;
    // GIVEN an agent running a build, then deleted
    let app = spawn().await;
    app.online_agent("agent-1", "linux", "NORMAL").await;
    app.jenkins.enqueue(Enqueue {
        label: Some("linux".into()),
        ..Enqueue::default()
    });
    app.post("/computer/agent-1/doDelete").send().await.unwrap();
    // WHEN its lingering computer is read
    let computer = app.json("/computer/agent-1/api/json").await;
    // THEN Computer.getDescription() has no node to ask and answers ""
    assert_eq!(computer["numExecutors"], 0);
    assert_eq!(computer["description"], "");
}
