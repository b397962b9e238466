//! RunTask through the [`ClientTokenProxy`] with the Rust ECS client: the
//! proxy must give moto ECS's clientToken semantics and count calls.

use aws_sdk_ecs::{
    Client,
    operation::run_task::builders::RunTaskFluentBuilder,
    types::{
        AssignPublicIp, AwsVpcConfiguration, Compatibility, ContainerDefinition, LaunchType,
        NetworkConfiguration, NetworkMode,
    },
};
use test_harness::{ClientTokenProxy, Moto};
use tokio::task::JoinSet;

const CLUSTER: &str = "agents";
const FAMILY: &str = "jenkins-agent";

/// moto with a cluster and a Fargate task definition, reached through the proxy.
struct Ecs {
    moto: Moto,
    proxy: ClientTokenProxy,
    client: Client,
    network: NetworkConfiguration,
}

impl Ecs {
    async fn start() -> anyhow::Result<Self> {
        let moto = Moto::start().await?;
        let proxy = ClientTokenProxy::start(&moto.endpoint()).await?;
        let client = Client::new(&proxy.sdk_config());
        moto.create_cluster(CLUSTER).await?;
        register_task_definition(&client).await?;
        let awsvpc = AwsVpcConfiguration::builder()
            .subnets(moto.default_subnet().await?)
            .security_groups(moto.default_security_group().await?)
            .assign_public_ip(AssignPublicIp::Disabled)
            .build()?;
        let network = NetworkConfiguration::builder()
            .awsvpc_configuration(awsvpc)
            .build();
        Ok(Self {
            moto,
            proxy,
            client,
            network,
        })
    }

    fn run_task(&self, client_token: &str) -> RunTaskFluentBuilder {
        self.client
            .run_task()
            .cluster(CLUSTER)
            .task_definition(FAMILY)
            .launch_type(LaunchType::Fargate)
            .network_configuration(self.network.clone())
            .started_by("ecs-agents")
            .client_token(client_token)
    }

    /// Tasks in moto itself, asked directly so the count is not the proxy's.
    async fn tasks_in_moto(&self) -> anyhow::Result<Vec<String>> {
        let moto = Client::new(&self.moto.sdk_config());
        let tasks = moto.list_tasks().cluster(CLUSTER).send().await?;
        Ok(tasks.task_arns().to_vec())
    }
}

/// Container-level cpu and memory are required: moto 5.2.5 answers 500 without.
async fn register_task_definition(client: &Client) -> anyhow::Result<()> {
    let container = ContainerDefinition::builder()
        .name("agent")
        .image("jenkins/inbound-agent:latest")
        .cpu(256)
        .memory(512)
        .essential(true)
        .build();
    client
        .register_task_definition()
        .family(FAMILY)
        .requires_compatibilities(Compatibility::Fargate)
        .network_mode(NetworkMode::Awsvpc)
        .cpu("256")
        .memory("512")
        .container_definitions(container)
        .send()
        .await?;
    Ok(())
}

fn task_arns(output: &aws_sdk_ecs::operation::run_task::RunTaskOutput) -> Vec<String> {
    output
        .tasks()
        .iter()
        .filter_map(|t| t.task_arn().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn run_task_through_the_proxy_starts_a_task_in_moto() -> anyhow::Result<()> {
    // Arrange
    let ecs = Ecs::start().await?;

    // Act
    let output = ecs.run_task("build-42").send().await?;

    // Assert
    assert_eq!(output.failures(), []);
    assert_eq!(task_arns(&output), ecs.tasks_in_moto().await?);
    Ok(())
}

#[tokio::test]
async fn moto_alone_starts_a_task_per_call_whatever_the_token() -> anyhow::Result<()> {
    // Arrange: the reason the proxy exists; if moto learns clientToken, drop it.
    let ecs = Ecs::start().await?;
    let direct = Ecs {
        client: Client::new(&ecs.moto.sdk_config()),
        ..ecs
    };

    // Act
    direct.run_task("build-42").send().await?;
    direct.run_task("build-42").send().await?;

    // Assert
    assert_eq!(direct.tasks_in_moto().await?.len(), 2);
    Ok(())
}

#[tokio::test]
async fn the_same_client_token_twice_starts_one_task() -> anyhow::Result<()> {
    // Arrange
    let ecs = Ecs::start().await?;
    let first = ecs.run_task("build-42").send().await?;

    // Act
    let second = ecs.run_task("build-42").send().await?;

    // Assert: the repeat gets the original task back.
    assert_eq!(task_arns(&second), task_arns(&first));
    assert_eq!(ecs.tasks_in_moto().await?.len(), 1);
    Ok(())
}

#[tokio::test]
async fn ten_concurrent_identical_run_tasks_start_one_task() -> anyhow::Result<()> {
    // Arrange
    let ecs = Ecs::start().await?;
    let mut launches = JoinSet::new();

    // Act
    for _ in 0..10 {
        launches.spawn(ecs.run_task("build-42").send());
    }
    let mut answers = Vec::new();
    while let Some(answer) = launches.join_next().await {
        answers.push(task_arns(&answer??));
    }

    // Assert
    assert!(
        answers.iter().all(|arns| arns == &answers[0]),
        "{answers:?}"
    );
    assert_eq!(ecs.tasks_in_moto().await?, answers[0]);
    assert_eq!(
        (ecs.proxy.calls("RunTask"), ecs.proxy.forwarded("RunTask")),
        (10, 1)
    );
    Ok(())
}

#[tokio::test]
async fn different_client_tokens_start_two_tasks() -> anyhow::Result<()> {
    // Arrange
    let ecs = Ecs::start().await?;

    // Act
    ecs.run_task("build-42").send().await?;
    ecs.run_task("build-43").send().await?;

    // Assert
    assert_eq!(ecs.tasks_in_moto().await?.len(), 2);
    Ok(())
}

#[tokio::test]
async fn a_token_reused_with_other_parameters_is_a_conflict() -> anyhow::Result<()> {
    // Arrange
    let ecs = Ecs::start().await?;
    ecs.run_task("build-42").send().await?;

    // Act
    let result = ecs
        .run_task("build-42")
        .started_by("someone-else")
        .send()
        .await;

    // Assert
    let error = result.expect_err("a changed request must not reuse the token");
    assert!(
        error
            .as_service_error()
            .is_some_and(|e| e.is_conflict_exception()),
        "{error:?}"
    );
    assert_eq!(ecs.tasks_in_moto().await?.len(), 1);
    Ok(())
}

#[tokio::test]
async fn the_proxy_counts_calls_per_operation() -> anyhow::Result<()> {
    // Arrange
    let ecs = Ecs::start().await?;

    // Act
    ecs.run_task("build-42").send().await?;
    ecs.run_task("build-42").send().await?;
    ecs.client.list_tasks().cluster(CLUSTER).send().await?;

    // Assert: the replay is a call but does not reach moto.
    assert_eq!(ecs.proxy.calls("RunTask"), 2);
    assert_eq!(ecs.proxy.forwarded("RunTask"), 1);
    assert_eq!(ecs.proxy.calls("ListTasks"), 1);
    assert_eq!(ecs.proxy.calls("RegisterTaskDefinition"), 1);
    assert_eq!(ecs.proxy.calls("StopTask"), 0);
    Ok(())
}

#[tokio::test]
async fn pinned_tasks_keep_their_state_when_described() -> anyhow::Result<()> {
    // Arrange
    let ecs = Ecs::start().await?;
    ecs.moto.pin_task_states().await?;
    let arns = task_arns(&ecs.run_task("build-42").send().await?);

    // Act
    let mut states = Vec::new();
    for _ in 0..3 {
        let described = ecs
            .client
            .describe_tasks()
            .cluster(CLUSTER)
            .set_tasks(Some(arns.clone()));
        let described = described.send().await?;
        states.push(described.tasks()[0].last_status().map(str::to_owned));
    }

    // Assert
    assert!(states.iter().all(|s| s == &states[0]), "{states:?}");
    Ok(())
}
