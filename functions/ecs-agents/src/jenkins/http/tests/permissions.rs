//! 403s for a missing permission name it (docs/jenkins-api.md §13).

use super::*;

/// Jenkins' `AccessDeniedException3` answer for permission `id`, titled `title`.
fn denied(id: &str, title: &str) -> ResponseTemplate {
    ResponseTemplate::new(403)
        .insert_header("X-You-Are-Authenticated-As", USER)
        .insert_header("X-Required-Permission", id)
        .insert_header("X-Permission-Implied-By", "hudson.model.Hudson.Administer")
        .set_body_string(page(&format!("{USER} is missing the {title} permission")))
}

fn page(message: &str) -> String {
    format!("<html><body><h1>Access Denied</h1><p class=\"error\">{message}</p></body></html>")
}

fn missing(permission: &str) -> JenkinsError {
    JenkinsError::PermissionMissing {
        user: USER.to_owned(),
        permission: permission.to_owned(),
    }
}

#[tokio::test]
async fn creating_without_agent_create_names_the_permission_and_is_not_retryable() {
    // GIVEN Jenkins refuses doCreateItem for want of Agent/Create
    let (server, jenkins) = jenkins().await;
    authenticated("POST", "/computer/doCreateItem")
        .respond_with(denied("hudson.model.Computer.Create", "Agent/Create"))
        .mount(&server)
        .await;
    // WHEN
    let error = jenkins.create_agent(&node(true)).await.unwrap_err();
    // THEN the error says so in Jenkins' words
    assert_eq!(error, missing("Agent/Create"));
    assert_eq!(
        error.to_string(),
        "jenkins refused: ecs-agents is missing the Agent/Create permission"
    );
    assert!(!error.is_retryable());
}

#[tokio::test]
async fn each_call_names_the_permission_jenkins_says_is_missing() {
    let name = AgentName::new("ecs-linux-123");
    let cases = [
        ("hudson.model.Computer.Connect", "Agent/Connect"),
        ("hudson.model.Computer.Delete", "Agent/Delete"),
        ("hudson.model.Computer.Disconnect", "Agent/Disconnect"),
        ("hudson.model.Hudson.Read", "Overall/Read"),
    ];
    for (id, title) in cases {
        let (server, jenkins) = jenkins().await;
        Mock::given(wiremock::matchers::any())
            .respond_with(denied(id, title))
            .mount(&server)
            .await;
        let errors = [
            jenkins.agent_secret(&name).await.unwrap_err(),
            jenkins.delete_agent(&name).await.unwrap_err(),
            jenkins.mark_offline(&name, "spot").await.unwrap_err(),
            jenkins.agent_status(&name).await.unwrap_err(),
            jenkins.list_nodes().await.unwrap_err(),
            jenkins.list_queue().await.unwrap_err(),
            jenkins.queue_item(7).await.unwrap_err(),
        ];
        for error in errors {
            assert_eq!(error, missing(title), "{id}");
        }
    }
}

#[tokio::test]
async fn a_403_whose_headers_a_proxy_dropped_is_named_from_jenkins_page() {
    let (server, jenkins) = jenkins().await;
    authenticated("POST", "/computer/ecs-linux-123/changeOfflineCause")
        .respond_with(ResponseTemplate::new(403).set_body_string(page(
            "ecs-agents is missing the Agent/Disconnect permission",
        )))
        .mount(&server)
        .await;

    let error = jenkins
        .mark_offline(&AgentName::new("ecs-linux-123"), "spot")
        .await
        .unwrap_err();

    assert_eq!(error.missing_permission(), Some("Agent/Disconnect"));
}

#[tokio::test]
async fn a_permission_unknown_here_is_named_by_its_id() {
    let (server, jenkins) = jenkins().await;
    authenticated("POST", "/computer/doCreateItem")
        .respond_with(denied("com.example.Custom.Create", "Custom/Create"))
        .mount(&server)
        .await;

    let error = jenkins.create_agent(&node(true)).await.unwrap_err();

    assert_eq!(
        error.missing_permission(),
        Some("com.example.Custom.Create")
    );
}

#[tokio::test]
async fn a_403_that_names_no_permission_stays_a_plain_refusal() {
    // A CSRF failure (docs/jenkins-api.md §6) is a 403 of another kind.
    let (server, jenkins) = jenkins().await;
    authenticated("POST", "/computer/doCreateItem")
        .respond_with(
            ResponseTemplate::new(403)
                .set_body_string("No valid crumb was included in the request"),
        )
        .mount(&server)
        .await;

    let error = jenkins.create_agent(&node(true)).await.unwrap_err();

    assert!(
        matches!(error, JenkinsError::Rejected { status: 403, .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_queue_item_the_user_may_discover_but_not_read_lacks_job_read_and_has_not_left() {
    // GIVEN Item.getApi's plain AccessDeniedException: 403, no permission headers
    let (server, jenkins) = jenkins().await;
    authenticated("GET", "/queue/item/143/api/json")
        .respond_with(
            ResponseTemplate::new(403)
                .set_body_string(page("Please log in to access job/team/job/app/")),
        )
        .mount(&server)
        .await;
    // WHEN
    let error = jenkins.queue_item(143).await.unwrap_err();
    // THEN an error naming Job/Read, not Gone
    assert_eq!(error, missing("Job/Read"));
}
