//! Secrets never leak into errors.

use super::*;

#[tokio::test]
async fn errors_show_neither_the_token_nor_a_secret() {
    // GIVEN a refused connection, a 401 and a .jnlp with an almost-secret
    let almost = SECRET.to_uppercase();
    let (server, jenkins) = jenkins().await;
    authenticated("GET", "/computer/x/jenkins-agent.jnlp")
        .respond_with(
            ResponseTemplate::new(200).set_body_string(format!("<argument>{almost}</argument>")),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    let unreachable = JenkinsHttp::new(&closed_port_url(), USER, Secret::new(TOKEN)).unwrap();
    // WHEN
    let errors = [
        unreachable
            .agent_secret(&AgentName::new("x"))
            .await
            .unwrap_err(),
        jenkins
            .delete_agent(&AgentName::new("x"))
            .await
            .unwrap_err(),
        jenkins
            .agent_secret(&AgentName::new("x"))
            .await
            .unwrap_err(),
    ];
    // THEN
    for error in &errors {
        let shown = format!("{error:?} {error}");
        assert!(
            !shown.contains(TOKEN) && !shown.contains(&almost),
            "{shown}"
        );
    }
}

#[tokio::test]
async fn the_adapter_debug_hides_the_token() {
    let (_server, jenkins) = jenkins().await;
    assert!(!format!("{jenkins:?}").contains(TOKEN));
}
