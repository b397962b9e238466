//! One agent's status from its computer (docs/jenkins-api.md §4).

use super::*;

#[tokio::test]
async fn the_status_of_a_connected_idle_agent_is_read_from_its_computer() {
    let (server, jenkins) = jenkins().await;
    authenticated("GET", "/computer/thomas-armv7/api/json")
        .and(query_param(
            "tree",
            "displayName,offline,temporarilyOffline,idle",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(computer("thomas-armv7")))
        .mount(&server)
        .await;

    let status = jenkins
        .agent_status(&AgentName::new("thomas-armv7"))
        .await
        .unwrap();

    let expected = AgentStatus {
        name: AgentName::new("thomas-armv7"),
        offline: false,
        temporarily_offline: false,
        idle: true,
    };
    assert_eq!(status, Some(expected));
}

#[tokio::test]
async fn a_busy_agent_is_not_idle() {
    let (server, jenkins) = jenkins().await;
    let mut busy = computer("thomas-armv7");
    busy["idle"] = Value::Bool(false);
    authenticated("GET", "/computer/thomas-armv7/api/json")
        .respond_with(ResponseTemplate::new(200).set_body_json(busy))
        .mount(&server)
        .await;

    let status = jenkins
        .agent_status(&AgentName::new("thomas-armv7"))
        .await
        .unwrap();

    assert!(!status.unwrap().idle);
}

#[tokio::test]
async fn an_agent_without_a_channel_is_offline() {
    let (server, jenkins) = jenkins().await;
    authenticated("GET", "/computer/alpine-i686/api/json")
        .respond_with(ResponseTemplate::new(200).set_body_json(computer("alpine-i686")))
        .mount(&server)
        .await;

    let status = jenkins
        .agent_status(&AgentName::new("alpine-i686"))
        .await
        .unwrap();

    assert!(status.unwrap().offline);
}

#[tokio::test]
async fn the_status_of_a_missing_node_is_none() {
    let (server, jenkins) = jenkins().await;
    authenticated("GET", "/computer/gone/api/json")
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;

    let status = jenkins.agent_status(&AgentName::new("gone")).await;

    assert_eq!(status.unwrap(), None);
}

#[tokio::test]
async fn a_computer_answer_of_another_shape_is_a_protocol_error() {
    let (server, jenkins) = jenkins().await;
    authenticated("GET", "/computer/x/api/json")
        .respond_with(json_body(r#"{"displayName":"x"}"#))
        .mount(&server)
        .await;

    let error = jenkins
        .agent_status(&AgentName::new("x"))
        .await
        .unwrap_err();

    assert!(matches!(error, JenkinsError::Protocol(_)), "{error:?}");
}
