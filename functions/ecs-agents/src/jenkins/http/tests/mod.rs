//! The adapter at its wire: a `wiremock` Jenkins answering with the captures
//! in `tests/fixtures/jenkins/`.

use serde_json::Value;
use wiremock::matchers::{basic_auth, header, method, path, query_param};
use wiremock::{Mock, MockBuilder, MockServer, Request, ResponseTemplate};

use super::*;
use crate::jenkins::{
    AgentNode, AgentStatus, Created, Deleted, JenkinsNodes, NodeInfo, QueueEntry, QueueItemState,
};
use crate::naming::AgentName;

const USER: &str = "ecs-agents";
const TOKEN: &str = "11f3a6c2d9e84b7a0c5e1d2f3a4b5c6d7e";
/// The secret in `jnlp-compact-format.jnlp`.
const SECRET: &str = "e001b3fc14e3f3c1278b45fad750361b64d955841b795245adb1b61a013b749f";

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/jenkins/",
            $name
        ))
    };
}

async fn jenkins() -> (MockServer, JenkinsHttp) {
    let server = MockServer::start().await;
    let jenkins = JenkinsHttp::new(&server.uri(), USER, Secret::new(TOKEN)).unwrap();
    (server, jenkins)
}

/// A mock matching only requests that carry our credentials and language.
fn authenticated(verb: &str, at: &str) -> MockBuilder {
    Mock::given(method(verb))
        .and(path(at))
        .and(basic_auth(USER, TOKEN))
        .and(header("accept-language", "en"))
}

fn node(web_socket: bool) -> AgentNode {
    AgentNode {
        name: AgentName::new("ecs-linux-123"),
        description: "ECS task for queue item 123".to_owned(),
        num_executors: 1,
        remote_fs: "/home/jenkins/agent".to_owned(),
        label_string: "ecs linux".to_owned(),
        web_socket,
    }
}

fn redirect_to(location: &str) -> ResponseTemplate {
    ResponseTemplate::new(302).insert_header("Location", location)
}

fn failure(x_error: &[u8]) -> ResponseTemplate {
    let value = reqwest::header::HeaderValue::from_bytes(x_error).unwrap();
    ResponseTemplate::new(400)
        .insert_header("X-Error", value)
        .set_body_string("<html>Error</html>")
}

/// The only request the server saw, as form fields.
async fn form_of_only_request(server: &MockServer) -> Vec<(String, String)> {
    let requests: Vec<Request> = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    let body = String::from_utf8(requests[0].body.clone()).unwrap();
    let url = Url::parse(&format!("http://form.test/?{body}")).unwrap();
    url.query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

async fn submitted_json(server: &MockServer) -> Value {
    let form = form_of_only_request(server).await;
    let (_, json) = form
        .iter()
        .find(|(k, _)| k == "json")
        .expect("a json field");
    serde_json::from_str(json).unwrap()
}

/// An address where nothing listens.
fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

fn computer(display_name: &str) -> Value {
    let list: Value = serde_json::from_str(fixture!("jenkins-rest-computer.json")).unwrap();
    let computers = list["computer"].as_array().unwrap();
    computers
        .iter()
        .find(|c| c["displayName"] == display_name)
        .unwrap()
        .clone()
}

fn json_body(body: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body, "application/json")
}

mod create;
mod delete;
mod leaks;
mod list_nodes;
mod list_queue;
mod offline;
mod permissions;
mod queue_item;
mod secret;
mod status;
mod urls;
