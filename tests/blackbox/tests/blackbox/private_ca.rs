//! A Jenkins behind a private certificate authority: the functions refuse its certificate
//! unless they are given the CA (`JENKINS_CA_BUNDLE_ARN`, a secret or an SSM parameter), and
//! with it they launch as usual. The stand-in is served over TLS by a front whose certificate a
//! CA made up for the test signed.

use blackbox_tests::{Backends, Deployment, World, buildable};
use test_harness::TlsFront;

const AGENTS: &str = "
cloud: {name: bb, cluster: jenkins-agents, jenkinsUrl: '{jenkins}', maxAgents: 10}
templates:
  - {name: linux, labels: linux, cpu: 512, memory: 1024, subnets: ['{subnet}'], securityGroups: ['{sg}']}
";

/// The functions with Jenkins' API at `https://…` behind a private CA; `bundle` chooses where
/// the CA is kept (`None`: nowhere).
async fn behind_a_private_ca(bundle: Option<Keep>) -> (World, TlsFront) {
    let backends = Backends::start().await.unwrap();
    let front = TlsFront::start(backends.jenkins.base_url()).await.unwrap();
    let dir = std::env::temp_dir().join(format!(
        "ecs-agents-private-ca-{}-{bundle:?}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let agents_file = dir.join("agents.yaml");
    std::fs::write(&agents_file, backends.agents(AGENTS).await.unwrap()).unwrap();
    let mut env = backends.function_env(&agents_file);
    env.retain(|(name, _)| *name != "JENKINS_API_URL");
    env.push(("JENKINS_API_URL", front.url().to_owned()));
    let arn = match bundle {
        Some(Keep::InSecret) => Some(backends.moto.create_secret("corp/ca", front.ca_pem()).await),
        Some(Keep::InParameter) => Some(
            backends
                .moto
                .put_parameter("/corp/ca", front.ca_pem())
                .await,
        ),
        None => None,
    };
    if let Some(arn) = arn {
        env.push(("JENKINS_CA_BUNDLE_ARN", arn.unwrap()));
    }
    let functions = backends.in_process(&env).await.unwrap();
    std::fs::remove_dir_all(&dir).unwrap(); // read at cold start, as the functions' is
    (
        Deployment {
            backends,
            functions,
        },
        front,
    )
}

#[derive(Debug, Clone, Copy)]
enum Keep {
    InSecret,
    InParameter,
}

#[tokio::test]
async fn without_the_ca_bundle_the_functions_refuse_the_certificate_and_launch_nothing() {
    // Arrange
    let (world, _front) = behind_a_private_ca(None).await;
    let item = world.enqueue("linux");
    // Act
    let answer = world.post(&buildable(item, "linux")).await;
    // Assert: unreachable, hence retryable; the reason is the certificate.
    assert_eq!(answer.status, 503, "{:?}", answer.body);
    let reason = answer.body["reason"].as_str().unwrap_or_default();
    assert!(reason.contains("certificate"), "{reason}");
    assert!(world.agent_names().is_empty());
}

#[tokio::test]
async fn with_the_ca_bundle_in_a_secret_the_functions_launch_as_usual() {
    let (world, _front) = behind_a_private_ca(Some(Keep::InSecret)).await;
    let item = world.enqueue("linux");
    let answer = world.post(&buildable(item, "linux")).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(world.agent_names(), [format!("bb-linux-{item}")]);
}

#[tokio::test]
async fn with_the_ca_bundle_in_an_ssm_parameter_the_functions_launch_as_usual() {
    let (world, _front) = behind_a_private_ca(Some(Keep::InParameter)).await;
    let item = world.enqueue("linux");
    let answer = world.post(&buildable(item, "linux")).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(world.agent_names(), [format!("bb-linux-{item}")]);
}
