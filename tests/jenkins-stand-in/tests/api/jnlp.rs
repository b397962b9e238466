//! `GET /computer/NAME/jenkins-agent.jnlp`.

use crate::helpers::{TestApp, agent_form, spawn};

const FIXTURE: &str = include_str!("../../../fixtures/jenkins/jnlp-compact-format.jnlp");

/// The `<argument>` values of a compact JNLP document, in order.
fn arguments(document: &str) -> Vec<String> {
    document
        .split("<argument>")
        .skip(1)
        .map(|part| {
            part.split("</argument>")
                .next()
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

fn is_secret(text: &str) -> bool {
    text.len() == 64
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
}

async fn jnlp(app: &TestApp, path: &str) -> String {
    let response = app.get(path).send().await.unwrap();
    assert_eq!(response.status(), 200, "GET {path}");
    assert_eq!(
        response.headers()["Content-Type"],
        "application/x-java-jnlp-file"
    );
    response.text().await.unwrap()
}

#[tokio::test]
async fn the_jnlp_file_has_the_fixtures_compact_shape() {
    // GIVEN a TCP (non-WebSocket) agent, like the fixture's
    let app = spawn().await;
    app.create("win_slave", &agent_form("", "NORMAL", false))
        .await;
    // WHEN its JNLP file is read
    let document = jnlp(&app, "/computer/win_slave/jenkins-agent.jnlp").await;
    // THEN it is one line wrapped like the fixture, with the same arguments in order
    assert!(document.starts_with("<jnlp><application-desc><argument>"));
    assert!(FIXTURE.trim_end().ends_with("</application-desc></jnlp>"));
    assert!(document.ends_with("</application-desc></jnlp>"));
    let (ours, theirs) = (arguments(&document), arguments(FIXTURE));
    assert_eq!(ours.len(), theirs.len());
    assert!(is_secret(&ours[0]) && is_secret(&theirs[0]));
    let flags = |args: &[String]| args.iter().map(|a| a.starts_with('-')).collect::<Vec<_>>();
    assert_eq!(flags(&ours), flags(&theirs));
    assert_eq!(ours[1], "win_slave");
    assert_eq!(
        ours[2..],
        [
            "-workDir",
            "/home/jenkins/agent",
            "-internalDir",
            "remoting",
            "-url",
            &app.jenkins.root_url()
        ]
    );
}

#[tokio::test]
async fn the_secret_is_the_first_argument_and_the_name_the_second() {
    let app = spawn().await;
    app.create_agent("agent-1", "linux", "NORMAL").await;
    let args = arguments(&jnlp(&app, "/computer/agent-1/jenkins-agent.jnlp").await);
    assert_eq!(args[0], app.jenkins.secret("agent-1"));
    assert_eq!(args[1], "agent-1");
}

#[tokio::test]
async fn a_websocket_agent_gets_the_websocket_flag_after_its_name() {
    let app = spawn().await;
    app.create("ws", &agent_form("", "NORMAL", true)).await;
    let args = arguments(&jnlp(&app, "/computer/ws/jenkins-agent.jnlp").await);
    assert_eq!(args[2], "-webSocket");
    assert_eq!(args[args.len() - 2], "-url");
}

#[tokio::test]
async fn a_tcp_agent_gets_no_websocket_flag() {
    let app = spawn().await;
    app.create("tcp", &agent_form("", "NORMAL", false)).await;
    let args = arguments(&jnlp(&app, "/computer/tcp/jenkins-agent.jnlp").await);
    assert!(!args.contains(&"-webSocket".to_owned()));
}

#[tokio::test]
async fn a_recreated_agent_gets_the_same_secret() {
    let app = spawn().await;
    app.create_agent("agent-1", "linux", "NORMAL").await;
    let before = arguments(&jnlp(&app, "/computer/agent-1/jenkins-agent.jnlp").await)[0].clone();
    assert_eq!(
        app.post("/computer/agent-1/doDelete")
            .send()
            .await
            .unwrap()
            .status(),
        302
    );
    app.create_agent("agent-1", "linux", "NORMAL").await;
    let after = arguments(&jnlp(&app, "/computer/agent-1/jenkins-agent.jnlp").await)[0].clone();
    assert_eq!(before, after);
}

#[tokio::test]
async fn the_legacy_and_manage_paths_serve_the_same_file() {
    let app = spawn().await;
    app.create_agent("agent-1", "linux", "NORMAL").await;
    let main = jnlp(&app, "/computer/agent-1/jenkins-agent.jnlp").await;
    assert_eq!(jnlp(&app, "/computer/agent-1/slave-agent.jnlp").await, main);
    assert_eq!(
        jnlp(&app, "/manage/computer/agent-1/jenkins-agent.jnlp").await,
        main
    );
}

#[tokio::test]
async fn the_jnlp_file_of_an_unknown_node_is_not_found() {
    let app = spawn().await;
    let response = app
        .get("/computer/nope/jenkins-agent.jnlp")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
}
