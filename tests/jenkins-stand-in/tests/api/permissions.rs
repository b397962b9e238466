//! Permissions withheld from the API user: each endpoint refuses as Jenkins does
//! (docs/jenkins-api.md §13).

use reqwest::Response;
use serde_json::{Value, json};

use crate::helpers::{TestApp, USER, agent_form, spawn};

/// Every value of header `name`, in order.
fn all(response: &Response, name: &str) -> Vec<String> {
    response
        .headers()
        .get_all(name)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

/// Asserts Jenkins' 403 for a missing `title` permission with id `id`, implied by `chain`.
async fn assert_missing(response: Response, title: &str, id: &str, chain: &[&str]) {
    assert_eq!(response.status(), 403);
    assert_eq!(all(&response, "X-You-Are-Authenticated-As"), [USER]);
    assert_eq!(all(&response, "X-Required-Permission"), [id]);
    assert_eq!(all(&response, "X-Permission-Implied-By"), chain);
    let body = response.text().await.unwrap();
    let text = format!("{USER} is missing the {title} permission");
    assert!(body.contains(&text), "{body}");
}

async fn mark_offline(app: &TestApp, name: &str) -> Response {
    app.post(&format!("/computer/{name}/changeOfflineCause"))
        .form(&[("offlineMessage", "spot")])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn marking_offline_without_agent_disconnect_is_refused_with_jenkins_text_and_headers() {
    // GIVEN an online agent and a user without Agent/Disconnect
    let app = spawn().await;
    app.online_agent("agent-1", "linux", "NORMAL").await;
    app.jenkins
        .deny("hudson.model.Computer.Disconnect")
        .unwrap();
    // WHEN it is marked offline
    let response = mark_offline(&app, "agent-1").await;
    // THEN Jenkins' AccessDeniedException3 answer, and the agent stays online
    assert_missing(
        response,
        "Agent/Disconnect",
        "hudson.model.Computer.Disconnect",
        &["hudson.model.Hudson.Administer"],
    )
    .await;
    assert_eq!(
        app.json("/computer/agent-1/api/json").await["offline"],
        false
    );
}

#[tokio::test]
async fn an_unknown_node_is_not_found_before_its_permission_is_checked() {
    let app = spawn().await;
    app.jenkins.deny("Agent/Disconnect").unwrap();
    app.jenkins.deny("Agent/Delete").unwrap();
    assert_eq!(mark_offline(&app, "nobody").await.status(), 404);
    let deleted = app.post("/computer/nobody/doDelete").send().await.unwrap();
    assert_eq!(deleted.status(), 404);
}

#[tokio::test]
async fn creating_without_agent_create_is_refused_before_the_name_is_looked_at() {
    // GIVEN an agent, and a user who may no longer create agents
    let app = spawn().await;
    app.create_agent("agent-1", "linux", "EXCLUSIVE").await;
    app.jenkins.deny("Agent/Create").unwrap();
    // WHEN the same name is created again
    let response = app
        .create("agent-1", &agent_form("linux", "EXCLUSIVE", true))
        .await;
    // THEN a 403, not the duplicate's 400
    assert!(response.headers().get("X-Error").is_none());
    assert_missing(
        response,
        "Agent/Create",
        "hudson.model.Computer.Create",
        &[
            "hudson.security.Permission.GenericCreate",
            "hudson.security.Permission.GenericWrite",
            "hudson.model.Hudson.Administer",
        ],
    )
    .await;
}

#[tokio::test]
async fn deleting_without_agent_delete_is_refused_and_the_node_stays() {
    let app = spawn().await;
    app.create_agent("agent-1", "linux", "EXCLUSIVE").await;
    app.jenkins.deny("Agent/Delete").unwrap();

    let response = app.post("/computer/agent-1/doDelete").send().await.unwrap();

    assert_missing(
        response,
        "Agent/Delete",
        "hudson.model.Computer.Delete",
        &[
            "hudson.security.Permission.GenericDelete",
            "hudson.security.Permission.GenericWrite",
            "hudson.model.Hudson.Administer",
        ],
    )
    .await;
    assert!(app.jenkins.node("agent-1").is_some());
}

#[tokio::test]
async fn the_jnlp_file_needs_agent_connect_which_agent_disconnect_implies() {
    // GIVEN a user denied Agent/Connect but still holding Agent/Disconnect
    let app = spawn().await;
    app.create_agent("agent-1", "linux", "EXCLUSIVE").await;
    app.jenkins.deny("Agent/Connect").unwrap();
    let jnlp = || app.get("/computer/agent-1/jenkins-agent.jnlp").send();
    assert_eq!(jnlp().await.unwrap().status(), 200);
    // WHEN Disconnect goes too
    app.jenkins.deny("Agent/Disconnect").unwrap();
    // THEN Connect is missing
    assert_missing(
        jnlp().await.unwrap(),
        "Agent/Connect",
        "hudson.model.Computer.Connect",
        &[
            "hudson.model.Computer.Disconnect",
            "hudson.model.Hudson.Administer",
        ],
    )
    .await;
}

#[tokio::test]
async fn without_overall_read_every_api_url_is_refused_unknown_ones_too() {
    let app = spawn().await;
    app.create_agent("agent-1", "linux", "EXCLUSIVE").await;
    app.jenkins.deny("Overall/Read").unwrap();
    for path in [
        "/computer/api/json",
        "/queue/api/json",
        "/computer/agent-1/jenkins-agent.jnlp",
        "/no/such/page",
    ] {
        let response = app.get(path).send().await.unwrap();
        assert_eq!(
            all(&response, "X-Required-Permission"),
            ["hudson.model.Hudson.Read"],
            "{path}"
        );
        assert_eq!(response.status(), 403, "{path}");
    }
}

#[tokio::test]
async fn taking_a_node_offline_needs_disconnect_and_bringing_it_back_needs_connect() {
    // GIVEN an agent taken offline, then a user without Agent/Connect or Disconnect
    let app = spawn().await;
    app.online_agent("agent-1", "linux", "NORMAL").await;
    let toggle = || app.post("/computer/agent-1/toggleOffline").send();
    assert_eq!(toggle().await.unwrap().status(), 302);
    app.jenkins.deny("Agent/Connect").unwrap();
    app.jenkins.deny("Agent/Disconnect").unwrap();
    // WHEN it is toggled back online
    let response = toggle().await.unwrap();
    // THEN Agent/Connect is what is missing
    assert_eq!(
        all(&response, "X-Required-Permission"),
        ["hudson.model.Computer.Connect"]
    );
}

#[tokio::test]
async fn permissions_are_denied_over_http_by_title_or_id_and_granted_again() {
    // GIVEN two denials put over HTTP
    let app = spawn().await;
    let url = app.url("/_stand-in/permissions");
    let body = json!({"deny": ["Agent/Delete", "hudson.model.Computer.Create"],
                      "jobs": {"team": ["Job/Read"]}});
    let put = app.client.put(&url).json(&body).send().await.unwrap();
    assert_eq!(put.status(), 204);
    // THEN they read back as ids
    let denials: Value = app
        .client
        .get(&url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        denials,
        json!({"deny": ["hudson.model.Computer.Create", "hudson.model.Computer.Delete"],
               "jobs": {"team": ["hudson.model.Item.Read"]}})
    );
    // AND an unknown permission is refused without changing them
    let unknown = json!({"deny": ["Agent/Fly"]});
    let refused = app.client.put(&url).json(&unknown).send().await.unwrap();
    assert_eq!(refused.status(), 400);
    assert_eq!(app.jenkins.denials().deny.len(), 2);
    // AND DELETE grants everything again
    let deleted = app.client.delete(&url).send().await.unwrap();
    assert_eq!(deleted.status(), 204);
    assert_eq!(app.jenkins.denials(), jenkins_stand_in::Denials::none());
}

#[tokio::test]
async fn a_reset_grants_every_permission_again() {
    let app = spawn().await;
    app.jenkins.deny("Overall/Read").unwrap();
    app.jenkins.reset();
    assert_eq!(
        app.get("/computer/api/json").send().await.unwrap().status(),
        200
    );
}
