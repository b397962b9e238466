//! Reading an agent's secret from its JNLP (docs/jenkins-api.md §2).

use super::*;

#[tokio::test]
async fn the_secret_is_the_first_argument_of_a_compact_jnlp() {
    let (server, jenkins) = jenkins().await;
    authenticated("GET", "/computer/win_slave/jenkins-agent.jnlp")
        .respond_with(
            ResponseTemplate::new(200).set_body_string(fixture!("jnlp-compact-format.jnlp")),
        )
        .expect(1)
        .mount(&server)
        .await;

    let secret = jenkins
        .agent_secret(&AgentName::new("win_slave"))
        .await
        .unwrap();

    assert_eq!(secret.expose(), SECRET);
}

#[tokio::test]
async fn the_secret_is_the_first_argument_of_a_legacy_jnlp() {
    // GIVEN the legacy capture, whose placeholder secret we replace by a real one
    let (server, jenkins) = jenkins().await;
    let jnlp = fixture!("jnlp-legacy-format.jnlp").replace("secret_key", SECRET);
    authenticated("GET", "/computer/local/jenkins-agent.jnlp")
        .respond_with(ResponseTemplate::new(200).set_body_string(jnlp))
        .mount(&server)
        .await;

    let secret = jenkins
        .agent_secret(&AgentName::new("local"))
        .await
        .unwrap();

    assert_eq!(secret.expose(), SECRET);
}

#[tokio::test]
async fn a_jnlp_whose_first_argument_is_no_hex_secret_is_a_protocol_error() {
    // GIVEN the legacy capture as is: its first argument is `secret_key`
    let (server, jenkins) = jenkins().await;
    authenticated("GET", "/computer/local/jenkins-agent.jnlp")
        .respond_with(
            ResponseTemplate::new(200).set_body_string(fixture!("jnlp-legacy-format.jnlp")),
        )
        .mount(&server)
        .await;

    let error = jenkins
        .agent_secret(&AgentName::new("local"))
        .await
        .unwrap_err();

    assert!(matches!(error, JenkinsError::Protocol(_)), "{error:?}");
    assert!(!format!("{error:?} {error}").contains("secret_key"));
}

#[tokio::test]
async fn a_page_without_arguments_is_a_protocol_error() {
    let (server, jenkins) = jenkins().await;
    authenticated("GET", "/computer/local/jenkins-agent.jnlp")
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>Sign in</html>"))
        .mount(&server)
        .await;

    let error = jenkins
        .agent_secret(&AgentName::new("local"))
        .await
        .unwrap_err();

    assert!(matches!(error, JenkinsError::Protocol(_)), "{error:?}");
}

#[tokio::test]
async fn the_secret_of_a_missing_node_is_rejected() {
    let (server, jenkins) = jenkins().await;
    authenticated("GET", "/computer/gone/jenkins-agent.jnlp")
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;

    let error = jenkins
        .agent_secret(&AgentName::new("gone"))
        .await
        .unwrap_err();

    assert!(
        matches!(error, JenkinsError::Rejected { status: 404, .. }),
        "{error:?}"
    );
}
