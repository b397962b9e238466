//! Base URLs and paths.

use super::*;

#[tokio::test]
async fn a_base_url_with_a_path_prefix_keeps_the_prefix() {
    let server = MockServer::start().await;
    let jenkins = JenkinsHttp::new(
        &format!("{}/jenkins", server.uri()),
        USER,
        Secret::new(TOKEN),
    )
    .unwrap();
    authenticated("POST", "/jenkins/computer/doCreateItem")
        .respond_with(redirect_to("/jenkins/computer/"))
        .expect(1)
        .mount(&server)
        .await;

    assert_eq!(
        jenkins.create_agent(&node(true)).await.unwrap(),
        Created::New
    );
}

#[tokio::test]
async fn a_trailing_slash_on_the_base_url_adds_no_empty_segment() {
    let server = MockServer::start().await;
    let jenkins = JenkinsHttp::new(
        &format!("{}/jenkins/", server.uri()),
        USER,
        Secret::new(TOKEN),
    )
    .unwrap();
    authenticated("GET", "/jenkins/queue/item/7/api/json")
        .respond_with(ResponseTemplate::new(404))
        .expect(1)
        .mount(&server)
        .await;

    assert_eq!(jenkins.queue_item(7).await.unwrap(), QueueItemState::Gone);
}

#[tokio::test]
async fn node_names_are_percent_encoded_in_paths() {
    let (server, jenkins) = jenkins().await;
    authenticated("GET", "/computer/a%20b%2Fc%3F/api/json")
        .respond_with(ResponseTemplate::new(404))
        .expect(1)
        .mount(&server)
        .await;

    assert_eq!(
        jenkins
            .agent_status(&AgentName::new("a b/c?"))
            .await
            .unwrap(),
        None
    );
}

#[test]
fn a_base_url_with_credentials_is_refused_without_repeating_them() {
    let error = JenkinsHttp::new(
        "https://admin:hunter2@ci.example.com/",
        USER,
        Secret::new(TOKEN),
    )
    .unwrap_err();

    assert!(matches!(error, SetupError::BaseUrl(_)), "{error:?}");
    assert!(!format!("{error:?} {error}").contains("hunter2"));
}

#[test]
fn a_base_url_that_is_not_http_is_refused() {
    let error =
        JenkinsHttp::new("mailto:jenkins@example.com", USER, Secret::new(TOKEN)).unwrap_err();
    assert!(matches!(error, SetupError::BaseUrl(_)), "{error:?}");
}
