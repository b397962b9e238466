//! The adapter at its wire: a `wiremock` Jenkins answering with the captures
//! in `tests/fixtures/jenkins/`.

use serde_json::Value;
use wiremock::matchers::{basic_auth, header, method, path, query_param};
use wiremock::{Mock, MockBuilder, MockServer, Request, ResponseTemplate};

use super::*;

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

// --- create_agent (jenkins.md §1) ---

#[tokio::test]
async fn creating_an_agent_posts_its_name_and_the_dumb_slave_type_as_a_form() {
    // GIVEN
    let (server, jenkins) = jenkins().await;
    authenticated("POST", "/computer/doCreateItem")
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .respond_with(redirect_to(&format!("{}/computer/", server.uri())))
        .expect(1)
        .mount(&server)
        .await;
    // WHEN
    jenkins.create_agent(&node(true)).await.unwrap();
    // THEN
    let form = form_of_only_request(&server).await;
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(field("name"), Some("ecs-linux-123"));
    assert_eq!(field("type"), Some("hudson.slaves.DumbSlave"));
}

#[tokio::test]
async fn the_json_field_describes_an_exclusive_inbound_agent() {
    let (server, jenkins) = jenkins().await;
    authenticated("POST", "/computer/doCreateItem")
        .respond_with(redirect_to("/computer/"))
        .mount(&server)
        .await;

    jenkins.create_agent(&node(true)).await.unwrap();

    let json = submitted_json(&server).await;
    assert_eq!(json["mode"], "EXCLUSIVE");
    assert_eq!(json["labelString"], "ecs linux");
    assert_eq!(json["numExecutors"], 1);
    assert_eq!(json["remoteFS"], "/home/jenkins/agent");
    assert_eq!(json["nodeDescription"], "ECS task for queue item 123");
    assert_eq!(json["launcher"]["$class"], "hudson.slaves.JNLPLauncher");
    assert_eq!(json["launcher"]["webSocket"], true);
    assert_eq!(
        json["launcher"]["workDirSettings"]["internalDir"],
        "remoting"
    );
    assert_eq!(
        json["retentionStrategy"]["$class"],
        "hudson.slaves.RetentionStrategy$Always"
    );
    assert_eq!(json["nodeProperties"]["stapler-class-bag"], "true");
}

#[tokio::test]
async fn an_agent_without_web_socket_says_so_in_its_launcher() {
    let (server, jenkins) = jenkins().await;
    authenticated("POST", "/computer/doCreateItem")
        .respond_with(redirect_to("/computer/"))
        .mount(&server)
        .await;

    jenkins.create_agent(&node(false)).await.unwrap();

    assert_eq!(
        submitted_json(&server).await["launcher"]["webSocket"],
        false
    );
}

#[tokio::test]
async fn a_redirect_to_the_computer_list_means_created_and_is_not_followed() {
    // GIVEN Jenkins redirects to /computer/, which must never be fetched
    let (server, jenkins) = jenkins().await;
    authenticated("POST", "/computer/doCreateItem")
        .respond_with(redirect_to(&format!("{}/computer/", server.uri())))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/computer/"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    // WHEN
    let created = jenkins.create_agent(&node(true)).await;
    // THEN
    assert_eq!(created.unwrap(), Created::New);
    server.verify().await;
}

#[tokio::test]
async fn a_redirect_to_a_login_page_is_not_taken_for_a_created_agent() {
    let (server, jenkins) = jenkins().await;
    authenticated("POST", "/computer/doCreateItem")
        .respond_with(redirect_to("https://sso.example.com/login?next=/computer/"))
        .mount(&server)
        .await;

    let error = jenkins.create_agent(&node(true)).await.unwrap_err();

    assert!(
        matches!(error, JenkinsError::Rejected { status: 302, .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_duplicate_name_as_jetty_sends_it_means_already_exists() {
    // GIVEN the X-Error with Jenkins' ‘ ’ turned into spaces by Jetty
    let (server, jenkins) = jenkins().await;
    authenticated("POST", "/computer/doCreateItem")
        .respond_with(failure(b"Agent called  ecs-linux-123  already exists"))
        .mount(&server)
        .await;

    let created = jenkins.create_agent(&node(true)).await;

    assert_eq!(created.unwrap(), Created::AlreadyExists);
}

#[tokio::test]
async fn a_duplicate_name_with_curly_quotes_means_already_exists() {
    let (server, jenkins) = jenkins().await;
    let x_error = "Agent called ‘ecs-linux-123’ already exists";
    authenticated("POST", "/computer/doCreateItem")
        .respond_with(failure(x_error.as_bytes()))
        .mount(&server)
        .await;

    let created = jenkins.create_agent(&node(true)).await;

    assert_eq!(created.unwrap(), Created::AlreadyExists);
}

#[tokio::test]
async fn a_duplicate_of_another_name_is_not_taken_for_ours() {
    let (server, jenkins) = jenkins().await;
    authenticated("POST", "/computer/doCreateItem")
        .respond_with(failure(
            "Agent called ‘ecs-linux-1234’ already exists".as_bytes(),
        ))
        .mount(&server)
        .await;

    let error = jenkins.create_agent(&node(true)).await.unwrap_err();

    assert!(
        matches!(error, JenkinsError::Rejected { status: 400, .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn an_unsafe_name_is_rejected_with_the_x_error_text() {
    let (server, jenkins) = jenkins().await;
    authenticated("POST", "/computer/doCreateItem")
        .respond_with(failure("‘/’ is an unsafe character".as_bytes()))
        .mount(&server)
        .await;

    let error = jenkins.create_agent(&node(true)).await.unwrap_err();

    let JenkinsError::Rejected { status, reason } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(
        (*status, reason.as_str()),
        (400, "‘/’ is an unsafe character")
    );
    assert!(!error.is_retryable());
}

#[tokio::test]
async fn a_server_error_is_unavailable_and_worth_retrying() {
    let (server, jenkins) = jenkins().await;
    authenticated("POST", "/computer/doCreateItem")
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;

    let error = jenkins.create_agent(&node(true)).await.unwrap_err();

    assert!(matches!(error, JenkinsError::Unavailable(_)), "{error:?}");
    assert!(error.is_retryable());
}

#[tokio::test]
async fn a_refused_connection_is_unavailable() {
    let jenkins = JenkinsHttp::new(&closed_port_url(), USER, Secret::new(TOKEN)).unwrap();

    let error = jenkins.create_agent(&node(true)).await.unwrap_err();

    assert!(matches!(error, JenkinsError::Unavailable(_)), "{error:?}");
    assert!(error.is_retryable());
}

#[tokio::test]
async fn a_wrong_token_is_rejected_as_unauthorized() {
    let (server, jenkins) = jenkins().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;

    let error = jenkins.create_agent(&node(true)).await.unwrap_err();

    assert!(
        matches!(error, JenkinsError::Rejected { status: 401, .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_missing_permission_is_rejected_as_forbidden() {
    let (server, jenkins) = jenkins().await;
    authenticated("POST", "/computer/doCreateItem")
        .respond_with(ResponseTemplate::new(403))
        .mount(&server)
        .await;

    let error = jenkins.create_agent(&node(true)).await.unwrap_err();

    assert!(
        matches!(error, JenkinsError::Rejected { status: 403, .. }),
        "{error:?}"
    );
}

// --- agent_secret (§2) ---

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

// --- delete_agent (§3) ---

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

// --- agent_status (§4) ---

#[tokio::test]
async fn the_status_of_a_connected_idle_agent_is_read_from_its_computer() {
    let (server, jenkins) = jenkins().await;
    authenticated("GET", "/computer/thomas-armv7/api/json")
        .and(query_param(
            "tree",
            "displayName,offline,temporarilyOffline,idle",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(computer("thomas-armv7")))
        .mount(&server)
        .await;

    let status = jenkins
        .agent_status(&AgentName::new("thomas-armv7"))
        .await
        .unwrap();

    let expected = AgentStatus {
        name: AgentName::new("thomas-armv7"),
        offline: false,
        temporarily_offline: false,
        idle: true,
    };
    assert_eq!(status, Some(expected));
}

#[tokio::test]
async fn a_busy_agent_is_not_idle() {
    let (server, jenkins) = jenkins().await;
    let mut busy = computer("thomas-armv7");
    busy["idle"] = Value::Bool(false);
    authenticated("GET", "/computer/thomas-armv7/api/json")
        .respond_with(ResponseTemplate::new(200).set_body_json(busy))
        .mount(&server)
        .await;

    let status = jenkins
        .agent_status(&AgentName::new("thomas-armv7"))
        .await
        .unwrap();

    assert!(!status.unwrap().idle);
}

#[tokio::test]
async fn an_agent_without_a_channel_is_offline() {
    let (server, jenkins) = jenkins().await;
    authenticated("GET", "/computer/alpine-i686/api/json")
        .respond_with(ResponseTemplate::new(200).set_body_json(computer("alpine-i686")))
        .mount(&server)
        .await;

    let status = jenkins
        .agent_status(&AgentName::new("alpine-i686"))
        .await
        .unwrap();

    assert!(status.unwrap().offline);
}

#[tokio::test]
async fn the_status_of_a_missing_node_is_none() {
    let (server, jenkins) = jenkins().await;
    authenticated("GET", "/computer/gone/api/json")
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;

    let status = jenkins.agent_status(&AgentName::new("gone")).await;

    assert_eq!(status.unwrap(), None);
}

#[tokio::test]
async fn a_computer_answer_of_another_shape_is_a_protocol_error() {
    let (server, jenkins) = jenkins().await;
    authenticated("GET", "/computer/x/api/json")
        .respond_with(json_body(r#"{"displayName":"x"}"#))
        .mount(&server)
        .await;

    let error = jenkins
        .agent_status(&AgentName::new("x"))
        .await
        .unwrap_err();

    assert!(matches!(error, JenkinsError::Protocol(_)), "{error:?}");
}

// --- queue_item (§5) ---

async fn queue_item_answering(body: &str) -> QueueItemState {
    let (server, jenkins) = jenkins().await;
    authenticated("GET", "/queue/item/143/api/json")
        .and(query_param("tree", "id,cancelled,inQueueSince"))
        .respond_with(json_body(body))
        .expect(1)
        .mount(&server)
        .await;
    jenkins.queue_item(143).await.unwrap()
}

#[tokio::test]
async fn a_cancelled_item_has_left_cancelled() {
    let state = queue_item_answering(fixture!("jenkins-rest-queueItemCancelled.json")).await;
    assert_eq!(state, QueueItemState::Left { cancelled: true });
}

#[tokio::test]
async fn a_started_item_has_left_not_cancelled() {
    let state = queue_item_answering(fixture!("jenkins-rest-queueItemRunning.json")).await;
    assert_eq!(state, QueueItemState::Left { cancelled: false });
}

/// `inQueueSince` of `jenkins-rest-queueItemPending.json`.
const PENDING_SINCE: u64 = 1_524_074_568_030;

#[tokio::test]
async fn a_blocked_item_is_queued_since_its_in_queue_since() {
    let state = queue_item_answering(fixture!("jenkins-rest-queueItemPending.json")).await;
    assert_eq!(
        state,
        QueueItemState::Queued {
            in_queue_since: PENDING_SINCE
        }
    );
}

#[tokio::test]
async fn a_waiting_item_is_queued() {
    let waiting =
        fixture!("jenkins-rest-queueItemPending.json").replace("$BlockedItem", "$WaitingItem");
    assert_eq!(
        queue_item_answering(&waiting).await,
        QueueItemState::Queued {
            in_queue_since: PENDING_SINCE
        }
    );
}

#[tokio::test]
async fn a_queued_item_without_in_queue_since_is_queued_since_zero() {
    let body = r#"{"_class":"hudson.model.Queue$BuildableItem","id":143}"#;
    assert_eq!(
        queue_item_answering(body).await,
        QueueItemState::Queued { in_queue_since: 0 }
    );
}

#[tokio::test]
async fn a_left_item_without_class_is_recognised_by_cancelled() {
    let state = queue_item_answering(r#"{"id":143,"cancelled":true}"#).await;
    assert_eq!(state, QueueItemState::Left { cancelled: true });
}

#[tokio::test]
async fn an_unknown_queue_item_is_gone() {
    let (server, jenkins) = jenkins().await;
    authenticated("GET", "/queue/item/7/api/json")
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;

    assert_eq!(jenkins.queue_item(7).await.unwrap(), QueueItemState::Gone);
}

// --- mark_offline (Computer.doChangeOfflineCause) ---

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

// --- URLs ---

#[tokio::test]
async fn a_base_url_with_a_path_prefix_keeps_the_prefix() {
    let server = MockServer::start().await;
    let jenkins = JenkinsHttp::new(
        &format!("{}/jenkins", server.uri()),
        USER,
        Secret::new(TOKEN),
    )
    .unwrap();
    authenticated("POST", "/jenkins/computer/doCreateItem")
        .respond_with(redirect_to("/jenkins/computer/"))
        .expect(1)
        .mount(&server)
        .await;

    assert_eq!(
        jenkins.create_agent(&node(true)).await.unwrap(),
        Created::New
    );
}

#[tokio::test]
async fn a_trailing_slash_on_the_base_url_adds_no_empty_segment() {
    let server = MockServer::start().await;
    let jenkins = JenkinsHttp::new(
        &format!("{}/jenkins/", server.uri()),
        USER,
        Secret::new(TOKEN),
    )
    .unwrap();
    authenticated("GET", "/jenkins/queue/item/7/api/json")
        .respond_with(ResponseTemplate::new(404))
        .expect(1)
        .mount(&server)
        .await;

    assert_eq!(jenkins.queue_item(7).await.unwrap(), QueueItemState::Gone);
}

#[tokio::test]
async fn node_names_are_percent_encoded_in_paths() {
    let (server, jenkins) = jenkins().await;
    authenticated("GET", "/computer/a%20b%2Fc%3F/api/json")
        .respond_with(ResponseTemplate::new(404))
        .expect(1)
        .mount(&server)
        .await;

    assert_eq!(
        jenkins
            .agent_status(&AgentName::new("a b/c?"))
            .await
            .unwrap(),
        None
    );
}

#[test]
fn a_base_url_with_credentials_is_refused_without_repeating_them() {
    let error = JenkinsHttp::new(
        "https://admin:hunter2@ci.example.com/",
        USER,
        Secret::new(TOKEN),
    )
    .unwrap_err();

    assert!(matches!(error, SetupError::BaseUrl(_)), "{error:?}");
    assert!(!format!("{error:?} {error}").contains("hunter2"));
}

#[test]
fn a_base_url_that_is_not_http_is_refused() {
    let error =
        JenkinsHttp::new("mailto:jenkins@example.com", USER, Secret::new(TOKEN)).unwrap_err();
    assert!(matches!(error, SetupError::BaseUrl(_)), "{error:?}");
}

// --- secrets never leak ---

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

// --- list_nodes (§4) ---

const NODES_QUERY: &str = "computer[displayName,description,offline,temporarilyOffline,idle,\
                           idleStartMilliseconds,assignedLabels[name],_class]";

/// `/computer/api/json?tree=…` of a current Jenkins: the built-in node, a
/// connected idle agent of ours, and a busy one.
fn current_computer_list() -> Value {
    serde_json::json!({
        "_class": "hudson.model.ComputerSet",
        "computer": [
            {
                "_class": "hudson.model.Hudson$MasterComputer",
                "assignedLabels": [{"name": "built-in"}],
                "description": "the Jenkins controller's built-in node",
                "displayName": "Built-In Node",
                "idle": true,
                "offline": false,
                "temporarilyOffline": false
            },
            {
                "_class": "hudson.slaves.SlaveComputer",
                "assignedLabels": [{"name": "ecs"}, {"name": "ecs-linux-123"}, {"name": "linux"}],
                "description": "ECS task for queue item 123",
                "displayName": "ecs-linux-123",
                "idle": true,
                "idleStartMilliseconds": 1_700_000_000_000_u64,
                "offline": false,
                "temporarilyOffline": false
            },
            {
                "_class": "hudson.slaves.SlaveComputer",
                "assignedLabels": [{"name": "ecs-linux-124"}, {"name": "linux"}],
                "description": "ECS task for queue item 124",
                "displayName": "ecs-linux-124",
                "idle": false,
                "idleStartMilliseconds": 1_700_000_900_000_u64,
                "offline": true,
                "temporarilyOffline": true
            }
        ]
    })
}

async fn nodes_answering(response: ResponseTemplate) -> Result<Vec<NodeInfo>, JenkinsError> {
    let (server, jenkins) = jenkins().await;
    authenticated("GET", "/computer/api/json")
        .and(query_param("tree", NODES_QUERY))
        .respond_with(response)
        .expect(1)
        .mount(&server)
        .await;
    jenkins.list_nodes().await
}

#[tokio::test]
async fn listing_nodes_reads_the_computer_list_with_a_tree_and_leaves_out_the_built_in_node() {
    let response = ResponseTemplate::new(200).set_body_json(current_computer_list());

    let nodes = nodes_answering(response).await.unwrap();

    let names: Vec<&str> = nodes.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["ecs-linux-123", "ecs-linux-124"]);
}

#[tokio::test]
async fn a_listed_node_carries_its_description_state_idle_start_and_labels() {
    let response = ResponseTemplate::new(200).set_body_json(current_computer_list());

    let nodes = nodes_answering(response).await.unwrap();

    let expected = NodeInfo {
        name: AgentName::new("ecs-linux-123"),
        description: "ECS task for queue item 123".to_owned(),
        offline: false,
        temporarily_offline: false,
        idle: true,
        idle_since: Some(1_700_000_000_000),
        labels: vec!["ecs".into(), "ecs-linux-123".into(), "linux".into()],
    };
    assert_eq!(nodes[0], expected);
    assert!(nodes[1].offline && nodes[1].temporarily_offline && !nodes[1].idle);
}

#[tokio::test]
async fn a_busy_node_has_no_idle_start_although_jenkins_would_send_its_expected_end() {
    let response = ResponseTemplate::new(200).set_body_json(current_computer_list());

    let nodes = nodes_answering(response).await.unwrap();

    assert_eq!(nodes[1].idle_since, None);
}

#[tokio::test]
async fn an_idle_start_of_zero_or_below_or_none_at_all_is_no_idle_start() {
    let mut list = current_computer_list();
    list["computer"][1]["idleStartMilliseconds"] = serde_json::json!(0);
    list["computer"][2] = list["computer"][1].clone();
    list["computer"][2]["idleStartMilliseconds"] = serde_json::json!(i64::MIN);
    let mut absent = list["computer"][1].clone();
    absent
        .as_object_mut()
        .unwrap()
        .remove("idleStartMilliseconds");
    list["computer"].as_array_mut().unwrap().push(absent);

    let nodes = nodes_answering(ResponseTemplate::new(200).set_body_json(list))
        .await
        .unwrap();

    let idle_since: Vec<Option<u64>> = nodes.iter().map(|n| n.idle_since).collect();
    assert_eq!(idle_since, [None, None, None]);
}

#[tokio::test]
async fn the_old_format_computer_list_is_read_and_its_master_left_out_by_name() {
    let nodes = nodes_answering(json_body(fixture!("jenkins-rest-computer.json")))
        .await
        .unwrap();

    let names: Vec<&str> = nodes.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "alpine-i686",
            "arm-greg",
            "i686-epian533-greg",
            "macos-giles",
            "osx-ppc-greg",
            "solaris-greg",
            "thomas-armv7",
            "thomas-armv8",
            "thomas-mips",
        ]
    );
    // Neither `description` nor `assignedLabels` existed then.
    let expected = NodeInfo {
        name: AgentName::new("alpine-i686"),
        description: String::new(),
        offline: true,
        temporarily_offline: false,
        idle: true,
        idle_since: None,
        labels: Vec::new(),
    };
    assert_eq!(nodes[0], expected);
    assert!(!nodes[6].offline);
}

#[tokio::test]
async fn an_agent_named_like_the_old_built_in_node_is_kept_when_its_class_says_agent() {
    let mut list = current_computer_list();
    list["computer"][1]["displayName"] = serde_json::json!("master");

    let nodes = nodes_answering(ResponseTemplate::new(200).set_body_json(list))
        .await
        .unwrap();

    assert_eq!(nodes[0].name.as_str(), "master");
}

#[tokio::test]
async fn a_controller_with_only_its_built_in_node_lists_no_nodes() {
    let body = r#"{"_class":"hudson.model.ComputerSet","computer":[
        {"_class":"hudson.model.Hudson$MasterComputer","displayName":"Built-In Node",
         "idle":true,"offline":false,"temporarilyOffline":false}]}"#;

    let nodes = nodes_answering(json_body(body)).await.unwrap();

    assert!(nodes.is_empty());
}

#[tokio::test]
async fn a_server_error_while_listing_nodes_is_unavailable() {
    let error = nodes_answering(ResponseTemplate::new(503))
        .await
        .unwrap_err();

    assert!(matches!(error, JenkinsError::Unavailable(_)), "{error:?}");
    assert!(error.is_retryable());
}

#[tokio::test]
async fn listing_nodes_without_permission_is_rejected() {
    let error = nodes_answering(ResponseTemplate::new(403))
        .await
        .unwrap_err();

    assert!(
        matches!(error, JenkinsError::Rejected { status: 403, .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_computer_list_of_another_shape_is_a_protocol_error() {
    let error = nodes_answering(json_body(r#"{"computer":[{"displayName":"x"}]}"#))
        .await
        .unwrap_err();

    assert!(matches!(error, JenkinsError::Protocol(_)), "{error:?}");
}

// --- list_queue (§5) ---

const QUEUE_QUERY: &str = "items[id,why,inQueueSince,buildable,task[name]]";

async fn queue_answering(response: ResponseTemplate) -> Result<Vec<QueueEntry>, JenkinsError> {
    let (server, jenkins) = jenkins().await;
    authenticated("GET", "/queue/api/json")
        .and(query_param("tree", QUEUE_QUERY))
        .respond_with(response)
        .expect(1)
        .mount(&server)
        .await;
    jenkins.list_queue().await
}

#[tokio::test]
async fn listing_the_queue_reads_every_item_of_the_fixture() {
    let entries = queue_answering(json_body(fixture!("jenkins-rest-queue.json")))
        .await
        .unwrap();

    let expected = [
        QueueEntry {
            id: 7,
            why: Some("Waiting for next available executor".to_owned()),
            in_queue_since: 1_460_738_557_584,
            task_name: Some("chicken".to_owned()),
            buildable: true,
        },
        QueueEntry {
            id: 6,
            why: Some("Waiting for next available executor".to_owned()),
            in_queue_since: 1_460_738_551_155,
            task_name: Some("Freestyle".to_owned()),
            buildable: true,
        },
    ];
    assert_eq!(entries, expected);
}

#[tokio::test]
async fn a_queued_pipeline_block_keeps_its_why_with_curly_quotes_and_its_task_name() {
    let body = r#"{"_class":"hudson.model.Queue","items":[
        {"_class":"hudson.model.Queue$BuildableItem","buildable":true,"id":143,
         "inQueueSince":1700000000000,
         "task":{"_class":"org.jenkinsci.plugins.workflow.support.steps.ExecutorStepExecution$PlaceholderTask",
                 "name":"part of p #3"},
         "why":"There are no nodes with the label ‘\"my label\"&&linux’"},
        {"_class":"hudson.model.Queue$WaitingItem","id":144,"why":null}]}"#;

    let entries = queue_answering(json_body(body)).await.unwrap();

    assert_eq!(
        entries[0].why.as_deref(),
        Some("There are no nodes with the label ‘\"my label\"&&linux’")
    );
    assert_eq!(entries[0].task_name.as_deref(), Some("part of p #3"));
    let waiting = QueueEntry {
        id: 144,
        why: None,
        in_queue_since: 0,
        task_name: None,
        buildable: false,
    };
    assert_eq!(entries[1], waiting);
}

#[tokio::test]
async fn an_empty_queue_lists_no_items() {
    let body = r#"{"_class":"hudson.model.Queue","items":[]}"#;
    assert!(queue_answering(json_body(body)).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_server_error_while_listing_the_queue_is_unavailable() {
    let error = queue_answering(ResponseTemplate::new(500))
        .await
        .unwrap_err();

    assert!(matches!(error, JenkinsError::Unavailable(_)), "{error:?}");
}

#[tokio::test]
async fn listing_the_queue_while_jenkins_is_unreachable_is_unavailable() {
    let jenkins = JenkinsHttp::new(&closed_port_url(), USER, Secret::new(TOKEN)).unwrap();

    let error = jenkins.list_queue().await.unwrap_err();

    assert!(matches!(error, JenkinsError::Unavailable(_)), "{error:?}");
}
