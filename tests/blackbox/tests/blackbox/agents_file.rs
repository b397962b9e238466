//! Changing templates without rebuilding: an operator publishes the agents file with the CLI's
//! own code, and the warm functions (the real handlers, in process) act on it at their next
//! invocation; a broken file changes nothing and the functions say why; a rollback restores an
//! earlier version. The functions read the published file before every invocation here
//! (`AGENTS_CONFIG_REFRESH_SECONDS=0`), as in the local run.

use blackbox_tests::{Backends, Deployment, InProcess, buildable};
use ecs_agents_cli::publish::{self, PublishError};
use serde_json::Value;

const AGENTS: &str = "
cloud: {name: bb, cluster: jenkins-agents, region: us-east-1, jenkinsUrl: '{jenkins}', maxAgents: 10}
templates:
  - {name: linux, labels: linux, cpu: 512, memory: 1024, subnets: ['{subnet}'], securityGroups: ['{sg}']}
";

/// A template only the pushed version has, with an image of its own.
const JDK21: &str = "  - {name: jdk21, labels: jdk21, image: 'jenkins/inbound-agent:latest-jdk21', cpu: 512, memory: 1024, subnets: ['{subnet}'], securityGroups: ['{sg}']}\n";

/// The functions started from `AGENTS` (the seed) and warmed by one reconcile tick; the seed's text.
async fn warm() -> (Deployment<InProcess>, String) {
    let backends = Backends::start().await.unwrap();
    let seed = backends.agents(AGENTS).await.unwrap();
    let dir = std::env::temp_dir().join(format!(
        "ecs-agents-published-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("agents.yaml");
    std::fs::write(&file, &seed).unwrap();
    let functions = backends
        .in_process(&backends.function_env(&file))
        .await
        .unwrap();
    std::fs::remove_dir_all(&dir).unwrap(); // read at cold start
    let deployment = Deployment {
        backends,
        functions,
    };
    deployment.reconcile().await;
    (deployment, seed)
}

/// The details of the events of `kind` published so far.
async fn events(world: &Deployment<InProcess>, kind: &str) -> Vec<Value> {
    let published = world.published().await.unwrap();
    published
        .into_iter()
        .filter(|(k, _)| k == kind)
        .map(|(_, detail)| detail)
        .collect()
}

/// The image of the agent container of the task `task_arn` runs.
async fn image_of(world: &Deployment<InProcess>, task_arn: &str) -> String {
    let task = world.describe(task_arn).await.unwrap();
    let definition = world
        .moto_ecs
        .describe_task_definition()
        .task_definition(task.task_definition_arn().unwrap())
        .send()
        .await
        .unwrap();
    let container = &definition
        .task_definition()
        .unwrap()
        .container_definitions()[0];
    container.image().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn a_pushed_file_takes_effect_on_the_warm_functions_without_a_restart() {
    // Arrange: warm functions that know no `jdk21` template
    let (world, seed) = warm().await;
    let before = world
        .post(&buildable(world.enqueue("jdk21"), "jdk21"))
        .await;
    assert_eq!(before.body["outcome"], "ignored", "{:?}", before.body);
    // Act: the operator pushes the file with one more template
    let pushed_file = format!("{seed}{}", world.agents(JDK21).await.unwrap());
    let (plan, pushed) = world.push_agents_file(&pushed_file, &seed).await.unwrap();
    let version = pushed.expect("published").version;
    let answer = world
        .post(&buildable(world.enqueue("jdk21"), "jdk21"))
        .await;
    // Assert: launched from the new template, and every report names the version
    assert_eq!(plan.diff.unwrap().added, ["jdk21"]);
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(answer.body["template"], "jdk21");
    let task = answer.body["task"].as_str().unwrap();
    assert_eq!(
        image_of(&world, task).await,
        "jenkins/inbound-agent:latest-jdk21"
    );
    let launched = events(&world, "AgentLaunched").await;
    assert_eq!(launched[0]["configVersion"], version.as_str());
    let tick = world.reconcile().await;
    assert_eq!(tick["configVersion"], version.as_str());
}

#[tokio::test]
async fn a_broken_file_changes_nothing_and_the_functions_say_why_once() {
    let (world, seed) = warm().await;
    // The CLI refuses an invalid file with check's errors, and publishes nothing.
    let invalid = seed.replace("cpu: 512", "cpu: lots");
    let refused = world.push_agents_file(&invalid, &seed).await.unwrap_err();
    let refused = refused
        .downcast::<PublishError>()
        .expect("a publishing error");
    assert!(
        matches!(&refused, PublishError::Invalid(e) if e.to_string().contains("templates[0] (linux).cpu")),
        "{refused}"
    );
    assert!(world.agents_bucket().versions().await.unwrap().is_empty());
    // A file uploaded without the CLI is refused by the functions, which keep launching.
    let broken = world.upload_agents_file("cloud: [").await.unwrap();
    let first = world
        .post(&buildable(world.enqueue("linux"), "linux"))
        .await;
    let second = world
        .post(&buildable(world.enqueue("linux"), "linux"))
        .await;
    assert_eq!(
        (first.status, second.status),
        (200, 200),
        "{:?}",
        first.body
    );
    // Two builds went through two function instances, the webhook's and the launch worker's:
    // each says it once, not once per invocation.
    let rejected = events(&world, "AgentsConfigRejected").await;
    assert_eq!(rejected.len(), 2, "said once per instance: {rejected:?}");
    assert_eq!(rejected[0], rejected[1]);
    assert_eq!(rejected[0]["rejectedVersion"], broken.as_str());
    assert!(
        rejected[0]["reason"]
            .as_str()
            .unwrap()
            .contains("not valid YAML"),
        "{rejected:?}"
    );
    let seed_version = rejected[0]["configVersion"].as_str().unwrap().to_owned();
    assert!(seed_version.starts_with("file-"), "{seed_version}");
    for launched in events(&world, "AgentLaunched").await {
        assert_eq!(launched["configVersion"], seed_version.as_str());
    }
}

#[tokio::test]
async fn a_file_that_moves_the_deployment_is_refused_by_the_functions_naming_what_it_moves() {
    // The CLI warns about a new jenkinsUrl but cannot know whether the stack sets
    // JenkinsApiUrl; here it does not (the functions reach Jenkins at jenkinsUrl).
    let (world, seed) = warm().await;
    let moved = seed.replace(
        "jenkinsUrl: '",
        "jenkinsUrl: 'http://elsewhere.example.com/",
    );
    let (plan, pushed) = world.push_agents_file(&moved, &seed).await.unwrap();
    assert!(
        plan.warnings[0].starts_with("cloud.jenkinsUrl changes"),
        "{:?}",
        plan.warnings
    );
    let answer = world
        .post(&buildable(world.enqueue("linux"), "linux"))
        .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    let rejected = events(&world, "AgentsConfigRejected").await;
    assert_eq!(
        rejected[0]["rejectedVersion"],
        pushed.unwrap().version.as_str()
    );
    let reason = rejected[0]["reason"].as_str().unwrap();
    assert!(
        reason.contains("cloud.jenkinsUrl: is `http://elsewhere.example.com/"),
        "{reason}"
    );
}

#[tokio::test]
async fn a_rollback_restores_the_earlier_version_on_the_warm_functions() {
    // Arrange: version 1 adds jdk21, version 2 takes it away again
    let (world, seed) = warm().await;
    let with_jdk21 = format!("{seed}{}", world.agents(JDK21).await.unwrap());
    let (_, one) = world.push_agents_file(&with_jdk21, &seed).await.unwrap();
    world.push_agents_file(&seed, &seed).await.unwrap();
    let gone = world
        .post(&buildable(world.enqueue("jdk21"), "jdk21"))
        .await;
    assert_eq!(gone.body["outcome"], "ignored", "{:?}", gone.body);
    // Act: `ecs-agents rollback`
    let bucket = world.agents_bucket();
    let restore = publish::plan_rollback(&bucket, None).await.unwrap();
    let three = publish::publish(&bucket, &restore.plan, &restore.text, Some(&restore.from))
        .await
        .unwrap();
    // Assert
    assert_eq!(restore.from, one.unwrap().version);
    let back = world
        .post(&buildable(world.enqueue("jdk21"), "jdk21"))
        .await;
    assert_eq!(back.body["template"], "jdk21", "{:?}", back.body);
    let versions = bucket.versions().await.unwrap();
    assert_eq!(versions.len(), 3);
    assert_eq!(
        (versions[0].version.as_str(), versions[0].latest),
        (three.version.as_str(), true)
    );
}
