//! A corporate network's HTTPS proxy: the Jenkins client goes through the proxy that
//! `HTTPS_PROXY` names, unless `NO_PROXY` exempts the host (docs/aws.md §23). reqwest reads
//! these when the client is built, so each case builds it in a child process (this test binary
//! again) with that environment: a test cannot change its own environment without unsafe code,
//! which the workspace forbids.

use std::process::Command;

use blackbox_tests::JENKINS_TOKEN;
use ecs_agents::jenkins::JenkinsNodes;
use ecs_agents::jenkins::http::{CaBundle, JenkinsHttp};
use ecs_agents::secret::Secret;
use jenkins_stand_in::StandIn;
use test_harness::{ConnectProxy, TlsFront};

/// Marks the child process, so the child test does nothing when run any other way.
const CHILD: &str = "ECS_AGENTS_PROXY_TEST_CHILD";
const PROXY_VARIABLES: &[&str] = &[
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
];

#[tokio::test]
#[ignore = "the child process of the tests below"]
async fn child_lists_the_nodes_of_the_jenkins_it_is_given() {
    let (Ok(url), Ok(ca)) = (std::env::var(CHILD), std::env::var("CHILD_CA_PEM")) else {
        return;
    };
    let roots = CaBundle::from_pem(ca.as_bytes()).unwrap();
    let jenkins = JenkinsHttp::trusting(&url, "admin", Secret::new(JENKINS_TOKEN), &roots).unwrap();
    jenkins.list_nodes().await.unwrap();
}

/// Lists the nodes of a Jenkins over TLS from a child process whose environment holds only the
/// proxy variables `env`; returns whether that worked and the tunnels the proxy opened.
async fn list_nodes_with(env: &[(&str, &str)]) -> (bool, Vec<String>, String) {
    let jenkins = StandIn::builder()
        .user("admin", JENKINS_TOKEN)
        .start()
        .await
        .unwrap();
    let front = TlsFront::start(jenkins.base_url()).await.unwrap();
    let proxy = ConnectProxy::start().await.unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap());
    child.args([
        "--exact",
        "https_proxy::child_lists_the_nodes_of_the_jenkins_it_is_given",
        "--ignored",
        "--nocapture",
    ]);
    for name in PROXY_VARIABLES {
        child.env_remove(name);
    }
    child
        .env(CHILD, front.url())
        .env("CHILD_CA_PEM", front.ca_pem());
    for (name, value) in env {
        child.env(name, value.replace("{proxy}", proxy.url()));
    }
    // The proxy, the front and the stand-in are served by this runtime while the child runs.
    let output = tokio::task::spawn_blocking(move || child.output())
        .await
        .unwrap()
        .unwrap();
    let log = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.success(), proxy.tunnels(), log)
}

#[tokio::test]
async fn jenkins_is_reached_through_the_proxy_https_proxy_names() {
    // Act
    let (listed, tunnels, log) = list_nodes_with(&[("HTTPS_PROXY", "{proxy}")]).await;
    // Assert
    assert!(listed, "{log}");
    assert_eq!(tunnels.len(), 1, "{tunnels:?}");
    assert!(tunnels[0].starts_with("127.0.0.1:"), "{tunnels:?}");
}

#[tokio::test]
async fn a_jenkins_that_no_proxy_exempts_is_reached_directly() {
    let (listed, tunnels, log) =
        list_nodes_with(&[("HTTPS_PROXY", "{proxy}"), ("NO_PROXY", "127.0.0.1")]).await;
    assert!(listed, "{log}");
    assert_eq!(tunnels, Vec::<String>::new());
}
