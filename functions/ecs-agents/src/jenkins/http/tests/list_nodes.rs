//! Listing the nodes (docs/jenkins-api.md §4).

use super::*;

const NODES_QUERY: &str = "computer[displayName,description,offline,temporarilyOffline,idle,\
                           idleStartMilliseconds,offlineCause[timestamp],assignedLabels[name],_class]";

/// `/computer/api/json?tree=…` of a current Jenkins: the built-in node, a
/// connected idle agent of ours, and a busy one.
fn current_computer_list() -> Value {
    serde_json::json!({
        "_class": "hudson.model.ComputerSet",
        "computer": [
            {
                "_class": "hudson.model.Hudson$MasterComputer",
                "assignedLabels": [{"name": "built-in"}],
                "description": "the Jenkins controller's built-in node",
                "displayName": "Built-In Node",
                "idle": true,
                "offline": false,
                "temporarilyOffline": false
            },
            {
                "_class": "hudson.slaves.SlaveComputer",
                "assignedLabels": [{"name": "ecs"}, {"name": "ecs-linux-123"}, {"name": "linux"}],
                "description": "ECS task for queue item 123",
                "displayName": "ecs-linux-123",
                "idle": true,
                "idleStartMilliseconds": 1_700_000_000_000_u64,
                "offline": false,
                "temporarilyOffline": false
            },
            {
                "_class": "hudson.slaves.SlaveComputer",
                "assignedLabels": [{"name": "ecs-linux-124"}, {"name": "linux"}],
                "description": "ECS task for queue item 124",
                "displayName": "ecs-linux-124",
                "idle": false,
                "idleStartMilliseconds": 1_700_000_900_000_u64,
                "offline": true,
                "temporarilyOffline": true
            },
            {
                "_class": "hudson.slaves.SlaveComputer",
                "assignedLabels": [{"name": "ecs-linux-125"}, {"name": "linux"}],
                "description": "ECS task for queue item 125",
                "displayName": "ecs-linux-125",
                "idle": true,
                "offline": true,
                "offlineCause": {
                    "_class": "hudson.slaves.OfflineCause$ChannelTermination",
                    "timestamp": 1_700_000_500_000_u64
                },
                "temporarilyOffline": false
            }
        ]
    })
}

async fn nodes_answering(response: ResponseTemplate) -> Result<Vec<NodeInfo>, JenkinsError> {
    let (server, jenkins) = jenkins().await;
    authenticated("GET", "/computer/api/json")
        .and(query_param("tree", NODES_QUERY))
        .respond_with(response)
        .expect(1)
        .mount(&server)
        .await;
    jenkins.list_nodes().await
}

#[tokio::test]
async fn listing_nodes_reads_the_computer_list_with_a_tree_and_leaves_out_the_built_in_node() {
    let response = ResponseTemplate::new(200).set_body_json(current_computer_list());

    let nodes = nodes_answering(response).await.unwrap();

    let names: Vec<&str> = nodes.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["ecs-linux-123", "ecs-linux-124", "ecs-linux-125"]);
}

#[tokio::test]
async fn a_listed_node_carries_its_description_state_idle_start_and_labels() {
    let response = ResponseTemplate::new(200).set_body_json(current_computer_list());

    let nodes = nodes_answering(response).await.unwrap();

    let expected = NodeInfo {
        name: AgentName::new("ecs-linux-123"),
        description: "ECS task for queue item 123".to_owned(),
        offline: false,
        temporarily_offline: false,
        idle: true,
        idle_since: Some(1_700_000_000_000),
        offline_since: None,
        labels: vec!["ecs".into(), "ecs-linux-123".into(), "linux".into()],
    };
    assert_eq!(nodes[0], expected);
    assert!(nodes[1].offline && nodes[1].temporarily_offline && !nodes[1].idle);
}

#[tokio::test]
async fn a_node_whose_connection_broke_says_since_when_and_one_never_connected_does_not() {
    let response = ResponseTemplate::new(200).set_body_json(current_computer_list());

    let nodes = nodes_answering(response).await.unwrap();

    assert_eq!(nodes[2].offline_since, Some(1_700_000_500_000));
    assert_eq!(nodes[0].offline_since, None, "online");
}

#[tokio::test]
async fn a_busy_node_has_no_idle_start_although_jenkins_would_send_its_expected_end() {
    let response = ResponseTemplate::new(200).set_body_json(current_computer_list());

    let nodes = nodes_answering(response).await.unwrap();

    assert_eq!(nodes[1].idle_since, None);
}

#[tokio::test]
async fn an_idle_start_of_zero_or_below_or_none_at_all_is_no_idle_start() {
    let mut list = current_computer_list();
    list["computer"][1]["idleStartMilliseconds"] = serde_json::json!(0);
    list["computer"][2] = list["computer"][1].clone();
    list["computer"][2]["idleStartMilliseconds"] = serde_json::json!(i64::MIN);
    list["computer"].as_array_mut().unwrap().truncate(3);
    let mut absent = list["computer"][1].clone();
    absent
        .as_object_mut()
        .unwrap()
        .remove("idleStartMilliseconds");
    list["computer"].as_array_mut().unwrap().push(absent);

    let nodes = nodes_answering(ResponseTemplate::new(200).set_body_json(list))
        .await
        .unwrap();

    let idle_since: Vec<Option<u64>> = nodes.iter().map(|n| n.idle_since).collect();
    assert_eq!(idle_since, [None, None, None]);
}

#[tokio::test]
async fn the_old_format_computer_list_is_read_and_its_master_left_out_by_name() {
    let nodes = nodes_answering(json_body(fixture!("jenkins-rest-computer.json")))
        .await
        .unwrap();

    let names: Vec<&str> = nodes.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "alpine-i686",
            "arm-greg",
            "i686-epian533-greg",
            "macos-giles",
            "osx-ppc-greg",
            "solaris-greg",
            "thomas-armv7",
            "thomas-armv8",
            "thomas-mips",
        ]
    );
    // Neither `description` nor `assignedLabels` existed then.
    let expected = NodeInfo {
        name: AgentName::new("alpine-i686"),
        description: String::new(),
        offline: true,
        temporarily_offline: false,
        idle: true,
        idle_since: None,
        offline_since: None,
        labels: Vec::new(),
    };
    assert_eq!(nodes[0], expected);
    assert!(!nodes[6].offline);
}

#[tokio::test]
async fn an_agent_named_like_the_old_built_in_node_is_kept_when_its_class_says_agent() {
    let mut list = current_computer_list();
    list["computer"][1]["displayName"] = serde_json::json!("master");

    let nodes = nodes_answering(ResponseTemplate::new(200).set_body_json(list))
        .await
        .unwrap();

    assert_eq!(nodes[0].name.as_str(), "master");
}

#[tokio::test]
async fn a_controller_with_only_its_built_in_node_lists_no_nodes() {
    let body = r#"{"_class":"hudson.model.ComputerSet","computer":[
        {"_class":"hudson.model.Hudson$MasterComputer","displayName":"Built-In Node",
         "idle":true,"offline":false,"temporarilyOffline":false}]}"#;

    let nodes = nodes_answering(json_body(body)).await.unwrap();

    assert!(nodes.is_empty());
}

#[tokio::test]
async fn a_server_error_while_listing_nodes_is_unavailable() {
    let error = nodes_answering(ResponseTemplate::new(503))
        .await
        .unwrap_err();

    assert!(matches!(error, JenkinsError::Unavailable(_)), "{error:?}");
    assert!(error.is_retryable());
}

#[tokio::test]
async fn listing_nodes_without_permission_is_rejected() {
    let error = nodes_answering(ResponseTemplate::new(403))
        .await
        .unwrap_err();

    assert!(
        matches!(error, JenkinsError::Rejected { status: 403, .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_computer_list_of_another_shape_is_a_protocol_error() {
    let error = nodes_answering(json_body(r#"{"computer":[{"displayName":"x"}]}"#))
        .await
        .unwrap_err();

    assert!(matches!(error, JenkinsError::Protocol(_)), "{error:?}");
}
