//! Deleting an agent node (docs/jenkins-api.md §3).

use super::*;

#[tokio::test]
async fn deleting_posts_do_delete_and_a_redirect_means_deleted() {
    let (server, jenkins) = jenkins().await;
    authenticated("POST", "/computer/ecs-linux-123/doDelete")
        .respond_with(redirect_to("/computer/"))
        .expect(1)
        .mount(&server)
        .await;

    let deleted = jenkins.delete_agent(&AgentName::new("ecs-linux-123")).await;

    assert_eq!(deleted.unwrap(), Deleted::Deleted);
}

#[tokio::test]
async fn deleting_a_missing_node_means_already_gone() {
    let (server, jenkins) = jenkins().await;
    authenticated("POST", "/computer/ecs-linux-123/doDelete")
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;

    let deleted = jenkins.delete_agent(&AgentName::new("ecs-linux-123")).await;

    assert_eq!(deleted.unwrap(), Deleted::AlreadyGone);
}
