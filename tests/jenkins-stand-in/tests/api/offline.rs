//! `toggleOffline` and `changeOfflineCause`.

use crate::helpers::spawn;

#[tokio::test]
async fn toggle_offline_marks_an_agent_temporarily_offline_with_the_message() {
    // GIVEN an online agent
    let app = spawn().await;
    app.online_agent("agent-1", "linux", "NORMAL").await;
    // WHEN it is toggled offline with a message
    let response = app
        .post("/computer/agent-1/toggleOffline")
        .query(&[("offlineMessage", " draining ")])
        .send()
        .await
        .unwrap();
    // THEN Jenkins redirects to the computer, which is offline for that reason
    assert_eq!(response.status(), 302);
    assert_eq!(
        response.headers()["Location"],
        app.url("/computer/agent-1/")
    );
    let computer = app.json("/computer/agent-1/api/json").await;
    assert_eq!(
        (
            computer["offline"].as_bool(),
            computer["temporarilyOffline"].as_bool()
        ),
        (Some(true), Some(true))
    );
    assert_eq!(computer["offlineCauseReason"], "draining");
    assert_eq!(
        computer["offlineCause"]["_class"],
        "hudson.slaves.OfflineCause$UserCause"
    );
    assert_eq!(
        computer["offlineCause"]["description"],
        "Disconnected by admin : draining"
    );
}

#[tokio::test]
async fn toggling_a_temporarily_offline_agent_brings_it_back() {
    let app = spawn().await;
    app.online_agent("agent-1", "linux", "NORMAL").await;
    app.post("/computer/agent-1/toggleOffline")
        .send()
        .await
        .unwrap();
    app.post("/computer/agent-1/toggleOffline")
        .send()
        .await
        .unwrap();
    let computer = app.json("/computer/agent-1/api/json").await;
    assert_eq!(computer["offline"], false);
    assert_eq!(computer["offlineCauseReason"], "");
}

#[tokio::test]
async fn change_offline_cause_sets_a_new_message_from_the_form() {
    let app = spawn().await;
    app.online_agent("agent-1", "linux", "NORMAL").await;
    let response = app
        .post("/computer/agent-1/changeOfflineCause")
        .form(&[("offlineMessage", "task stopped")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    let computer = app.json("/computer/agent-1/api/json").await;
    assert_eq!(computer["temporarilyOffline"], true);
    assert_eq!(computer["offlineCauseReason"], "task stopped");
}
