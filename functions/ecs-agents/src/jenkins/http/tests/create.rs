//! Creating an agent node (docs/jenkins-api.md §1).

use super::*;

#[tokio::test]
async fn creating_an_agent_posts_its_name_and_the_dumb_slave_type_as_a_form() {
    // GIVEN
    let (server, jenkins) = jenkins().await;
    authenticated("POST", "/computer/doCreateItem")
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .respond_with(redirect_to(&format!("{}/computer/", server.uri())))
        .expect(1)
        .mount(&server)
        .await;
    // WHEN
    jenkins.create_agent(&node(true)).await.unwrap();
    // THEN
    let form = form_of_only_request(&server).await;
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(field("name"), Some("ecs-linux-123"));
    assert_eq!(field("type"), Some("hudson.slaves.DumbSlave"));
}

#[tokio::test]
async fn the_json_field_describes_an_exclusive_inbound_agent() {
    let (server, jenkins) = jenkins().await;
    authenticated("POST", "/computer/doCreateItem")
        .respond_with(redirect_to("/computer/"))
        .mount(&server)
        .await;

    jenkins.create_agent(&node(true)).await.unwrap();

    let json = submitted_json(&server).await;
    assert_eq!(json["mode"], "EXCLUSIVE");
    assert_eq!(json["labelString"], "ecs linux");
    assert_eq!(json["numExecutors"], 1);
    assert_eq!(json["remoteFS"], "/home/jenkins/agent");
    assert_eq!(json["nodeDescription"], "ECS task for queue item 123");
    assert_eq!(json["launcher"]["$class"], "hudson.slaves.JNLPLauncher");
    assert_eq!(json["launcher"]["webSocket"], true);
    assert_eq!(
        json["launcher"]["workDirSettings"]["internalDir"],
        "remoting"
    );
    assert_eq!(
        json["retentionStrategy"]["$class"],
        "hudson.slaves.RetentionStrategy$Always"
    );
    assert_eq!(json["nodeProperties"]["stapler-class-bag"], "true");
}

#[tokio::test]
async fn an_agent_without_web_socket_says_so_in_its_launcher() {
    let (server, jenkins) = jenkins().await;
    authenticated("POST", "/computer/doCreateItem")
        .respond_with(redirect_to("/computer/"))
        .mount(&server)
        .await;

    jenkins.create_agent(&node(false)).await.unwrap();

    assert_eq!(
        submitted_json(&server).await["launcher"]["webSocket"],
        false
    );
}

#[tokio::test]
async fn a_redirect_to_the_computer_list_means_created_and_is_not_followed() {
    // GIVEN Jenkins redirects to /computer/, which must never be fetched
    let (server, jenkins) = jenkins().await;
    authenticated("POST", "/computer/doCreateItem")
        .respond_with(redirect_to(&format!("{}/computer/", server.uri())))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/computer/"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    // WHEN
    let created = jenkins.create_agent(&node(true)).await;
    // THEN
    assert_eq!(created.unwrap(), Created::New);
    server.verify().await;
}

#[tokio::test]
async fn a_redirect_to_a_login_page_is_not_taken_for_a_created_agent() {
    let (server, jenkins) = jenkins().await;
    authenticated("POST", "/computer/doCreateItem")
        .respond_with(redirect_to("https://sso.example.com/login?next=/computer/"))
        .mount(&server)
        .await;

    let error = jenkins.create_agent(&node(true)).await.unwrap_err();

    assert!(
        matches!(error, JenkinsError::Rejected { status: 302, .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_duplicate_name_as_jetty_sends_it_means_already_exists() {
    // GIVEN the X-Error with Jenkins' ‘ ’ turned into spaces by Jetty
    let (server, jenkins) = jenkins().await;
    authenticated("POST", "/computer/doCreateItem")
        .respond_with(failure(b"Agent called  ecs-linux-123  already exists"))
        .mount(&server)
        .await;

    let created = jenkins.create_agent(&node(true)).await;

    assert_eq!(created.unwrap(), Created::AlreadyExists);
}

#[tokio::test]
async fn a_duplicate_name_with_curly_quotes_means_already_exists() {
    let (server, jenkins) = jenkins().await;
    let x_error = "Agent called ‘ecs-linux-123’ already exists";
    authenticated("POST", "/computer/doCreateItem")
        .respond_with(failure(x_error.as_bytes()))
        .mount(&server)
        .await;

    let created = jenkins.create_agent(&node(true)).await;

    assert_eq!(created.unwrap(), Created::AlreadyExists);
}

#[tokio::test]
async fn a_duplicate_of_another_name_is_not_taken_for_ours() {
    let (server, jenkins) = jenkins().await;
    authenticated("POST", "/computer/doCreateItem")
        .respond_with(failure(
            "Agent called ‘ecs-linux-1234’ already exists".as_bytes(),
        ))
        .mount(&server)
        .await;

    let error = jenkins.create_agent(&node(true)).await.unwrap_err();

    assert!(
        matches!(error, JenkinsError::Rejected { status: 400, .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn an_unsafe_name_is_rejected_with_the_x_error_text() {
    let (server, jenkins) = jenkins().await;
    authenticated("POST", "/computer/doCreateItem")
        .respond_with(failure("‘/’ is an unsafe character".as_bytes()))
        .mount(&server)
        .await;

    let error = jenkins.create_agent(&node(true)).await.unwrap_err();

    let JenkinsError::Rejected { status, reason } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(
        (*status, reason.as_str()),
        (400, "‘/’ is an unsafe character")
    );
    assert!(!error.is_retryable());
}

#[tokio::test]
async fn a_server_error_is_unavailable_and_worth_retrying() {
    let (server, jenkins) = jenkins().await;
    authenticated("POST", "/computer/doCreateItem")
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;

    let error = jenkins.create_agent(&node(true)).await.unwrap_err();

    assert!(matches!(error, JenkinsError::Unavailable(_)), "{error:?}");
    assert!(error.is_retryable());
}

#[tokio::test]
async fn a_refused_connection_is_unavailable() {
    let jenkins = JenkinsHttp::new(&closed_port_url(), USER, Secret::new(TOKEN)).unwrap();

    let error = jenkins.create_agent(&node(true)).await.unwrap_err();

    assert!(matches!(error, JenkinsError::Unavailable(_)), "{error:?}");
    assert!(error.is_retryable());
}

#[tokio::test]
async fn a_wrong_token_is_rejected_as_unauthorized() {
    let (server, jenkins) = jenkins().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;

    let error = jenkins.create_agent(&node(true)).await.unwrap_err();

    assert!(
        matches!(error, JenkinsError::Rejected { status: 401, .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_missing_permission_is_rejected_as_forbidden() {
    let (server, jenkins) = jenkins().await;
    authenticated("POST", "/computer/doCreateItem")
        .respond_with(ResponseTemplate::new(403))
        .mount(&server)
        .await;

    let error = jenkins.create_agent(&node(true)).await.unwrap_err();

    assert!(
        matches!(error, JenkinsError::Rejected { status: 403, .. }),
        "{error:?}"
    );
}

/// doCreateItem answers a bare 400 (a proxy dropped `X-Error`, §15) and the node
/// lookup answers `lookup`.
async fn create_after_bare_400(lookup: ResponseTemplate) -> Result<Created, JenkinsError> {
    let (server, jenkins) = jenkins().await;
    authenticated("POST", "/computer/doCreateItem")
        .respond_with(ResponseTemplate::new(400).set_body_string("<html>Error</html>"))
        .expect(1)
        .mount(&server)
        .await;
    authenticated("GET", "/computer/ecs-linux-123/api/json")
        .respond_with(lookup)
        .expect(1)
        .mount(&server)
        .await;
    jenkins.create_agent(&node(true)).await
}

#[tokio::test]
async fn a_400_without_x_error_for_a_node_that_exists_means_already_exists() {
    let exists = json_body(
        r#"{"displayName":"ecs-linux-123","offline":true,"temporarilyOffline":false,"idle":true}"#,
    );
    assert_eq!(
        create_after_bare_400(exists).await,
        Ok(Created::AlreadyExists)
    );
}

#[tokio::test]
async fn a_400_without_x_error_for_a_node_that_does_not_exist_is_rejected() {
    let error = create_after_bare_400(ResponseTemplate::new(404))
        .await
        .unwrap_err();
    assert!(
        matches!(error, JenkinsError::Rejected { status: 400, .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_400_without_x_error_while_the_lookup_fails_is_worth_retrying() {
    let error = create_after_bare_400(ResponseTemplate::new(503))
        .await
        .unwrap_err();
    assert!(error.is_retryable(), "{error:?}");
}
