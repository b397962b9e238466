//! Starting a stand-in and talking to it like the functions do.

use jenkins_stand_in::{RunningStandIn, StandIn, StandInBuilder};
use reqwest::{Client, RequestBuilder, Response};
use serde_json::{Value, json};

pub const USER: &str = "admin";
pub const TOKEN: &str = "11aa22bb33cc";

/// A started stand-in and a client that does not follow redirects.
pub struct TestApp {
    pub jenkins: RunningStandIn,
    pub client: Client,
}

/// Starts a stand-in with one user and Jenkins' defaults.
pub async fn spawn() -> TestApp {
    spawn_with(StandIn::builder()).await
}

/// Starts a stand-in from `builder`, adding the test user.
pub async fn spawn_with(builder: StandInBuilder) -> TestApp {
    let jenkins = builder
        .user(USER, TOKEN)
        .start()
        .await
        .expect("stand-in starts");
    let client = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client builds");
    TestApp { jenkins, client }
}

/// The documented inbound agent form (docs/jenkins-api.md §1).
pub fn agent_form(labels: &str, mode: &str, web_socket: bool) -> Value {
    json!({
        "nodeDescription": "ECS task for queue item 123", "numExecutors": 1,
        "remoteFS": "/home/jenkins/agent", "labelString": labels, "mode": mode,
        "launcher": {"$class": "hudson.slaves.JNLPLauncher", "webSocket": web_socket,
            "workDirSettings": {"disabled": false, "workDirPath": "", "internalDir": "remoting",
                "failIfWorkDirIsMissing": false}},
        "retentionStrategy": {"$class": "hudson.slaves.RetentionStrategy$Always"},
        "nodeProperties": {"stapler-class-bag": "true"}
    })
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.jenkins.base_url())
    }

    pub fn get(&self, path: &str) -> RequestBuilder {
        self.client
            .get(self.url(path))
            .basic_auth(USER, Some(TOKEN))
    }

    pub fn post(&self, path: &str) -> RequestBuilder {
        self.client
            .post(self.url(path))
            .basic_auth(USER, Some(TOKEN))
    }

    /// `POST /computer/doCreateItem` with the given form object.
    pub async fn create(&self, name: &str, form: &Value) -> Response {
        let json = form.to_string();
        let fields = [
            ("name", name),
            ("type", "hudson.slaves.DumbSlave"),
            ("json", json.as_str()),
        ];
        self.post("/computer/doCreateItem")
            .form(&fields)
            .send()
            .await
            .expect("request")
    }

    /// Creates an agent with labels and mode, asserting success.
    pub async fn create_agent(&self, name: &str, labels: &str, mode: &str) {
        let response = self.create(name, &agent_form(labels, mode, true)).await;
        assert_eq!(response.status(), 302, "creating {name}");
    }

    /// Creates and connects an agent.
    pub async fn online_agent(&self, name: &str, labels: &str, mode: &str) {
        self.create_agent(name, labels, mode).await;
        self.jenkins
            .connect_agent(name, None)
            .expect("agent connects");
    }

    /// GETs a JSON document, asserting 200.
    pub async fn json(&self, path: &str) -> Value {
        let response = self.get(path).send().await.expect("request");
        assert_eq!(response.status(), 200, "GET {path}");
        response.json().await.expect("JSON body")
    }

    /// The `why` of queue item `id`.
    pub async fn why(&self, id: u64) -> String {
        let item = self.json(&format!("/queue/item/{id}/api/json")).await;
        item["why"].as_str().expect("a why text").to_owned()
    }
}
