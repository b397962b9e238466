//! Marking an agent offline (Computer.doChangeOfflineCause).

use super::*;

const OFFLINE_REASON: &str =
    "Fargate Spot interruption: the task stops in 2 minutes & won't take builds";

async fn mark_offline_answering(response: ResponseTemplate) -> Result<bool, JenkinsError> {
    let (server, jenkins) = jenkins().await;
    authenticated("POST", "/computer/ecs-linux-spot-124/changeOfflineCause")
        .respond_with(response)
        .expect(1)
        .mount(&server)
        .await;
    jenkins
        .mark_offline(&AgentName::new("ecs-linux-spot-124"), OFFLINE_REASON)
        .await
}

#[tokio::test]
async fn marking_offline_posts_the_reason_as_offline_message_to_change_offline_cause() {
    // GIVEN
    let (server, jenkins) = jenkins().await;
    authenticated("POST", "/computer/ecs-linux-spot-124/changeOfflineCause")
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .respond_with(redirect_to("."))
        .expect(1)
        .mount(&server)
        .await;
    // WHEN
    let marked = jenkins
        .mark_offline(&AgentName::new("ecs-linux-spot-124"), OFFLINE_REASON)
        .await;
    // THEN
    assert!(marked.unwrap());
    let form = form_of_only_request(&server).await;
    assert_eq!(
        form,
        [("offlineMessage".to_owned(), OFFLINE_REASON.to_owned())]
    );
}

#[tokio::test]
async fn a_redirect_after_marking_offline_means_marked_and_is_not_followed() {
    // A followed redirect would GET /computer/ecs-linux-spot-124/, which
    // nothing answers here but a 404.
    let marked = mark_offline_answering(redirect_to(".")).await;
    assert_eq!(marked, Ok(true));
}

#[tokio::test]
async fn an_ok_after_marking_offline_means_marked() {
    let marked = mark_offline_answering(ResponseTemplate::new(200)).await;
    assert_eq!(marked, Ok(true));
}

#[tokio::test]
async fn marking_a_missing_node_offline_is_false() {
    let marked = mark_offline_answering(ResponseTemplate::new(404)).await;
    assert_eq!(marked, Ok(false));
}

#[tokio::test]
async fn a_server_error_while_marking_offline_is_unavailable() {
    let error = mark_offline_answering(ResponseTemplate::new(500))
        .await
        .unwrap_err();
    assert!(matches!(error, JenkinsError::Unavailable(_)), "{error:?}");
    assert!(error.is_retryable());
}

#[tokio::test]
async fn marking_offline_without_the_disconnect_permission_is_rejected() {
    let error = mark_offline_answering(ResponseTemplate::new(403))
        .await
        .unwrap_err();
    assert!(
        matches!(error, JenkinsError::Rejected { status: 403, .. }),
        "{error:?}"
    );
    assert!(!error.is_retryable());
}

#[tokio::test]
async fn marking_offline_with_a_wrong_token_is_rejected_and_shows_no_token() {
    // GIVEN a Jenkins that refuses every request
    let (server, jenkins) = jenkins().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    // WHEN
    let error = jenkins
        .mark_offline(&AgentName::new("ecs-linux-spot-124"), OFFLINE_REASON)
        .await
        .unwrap_err();
    // THEN
    assert!(
        matches!(error, JenkinsError::Rejected { status: 401, .. }),
        "{error:?}"
    );
    assert!(!format!("{error:?} {error}").contains(TOKEN));
}

#[tokio::test]
async fn marking_offline_while_jenkins_is_unreachable_is_unavailable() {
    let jenkins = JenkinsHttp::new(&closed_port_url(), USER, Secret::new(TOKEN)).unwrap();

    let error = jenkins
        .mark_offline(&AgentName::new("ecs-linux-spot-124"), OFFLINE_REASON)
        .await
        .unwrap_err();

    assert!(matches!(error, JenkinsError::Unavailable(_)), "{error:?}");
}

#[tokio::test]
async fn a_note_for_a_waiting_build_reaches_the_placeholder_as_one_form_field_link_and_all() {
    // GIVEN a note as the launcher writes it: a link with `?` and `=`, quotes, `»`
    let note = crate::launch::BuildNote::task_started(
        42,
        &AgentName::new("ecs-linux-42"),
        "linux",
        "arn:aws:ecs:eu-west-1:123456789012:task/agents/0f1e2d3c4b5a69788796a5b4c3d2e1f0",
    );
    let message = format!("{} for `app » main` & co", note.message());
    let (server, jenkins) = jenkins().await;
    authenticated("POST", "/computer/ecs_placeholder/changeOfflineCause")
        .respond_with(redirect_to("."))
        .expect(1)
        .mount(&server)
        .await;
    // WHEN
    let marked = jenkins
        .mark_offline(&AgentName::new("ecs_placeholder"), &message)
        .await;
    // THEN Jenkins reads back exactly the note
    assert_eq!(marked, Ok(true));
    let form = form_of_only_request(&server).await;
    assert_eq!(form, [("offlineMessage".to_owned(), message)]);
}
