//! The product on one machine: moto as AWS, the Jenkins stand-in as Jenkins,
//! and the three functions' real handlers and adapters wired as their `main`s
//! wire them. Plays a scenario and prints what happened to each build.
//!
//! Run it with `scripts/run` (which installs moto first).

use std::time::Instant;

use blackbox_tests::events::failed_start_event;
use blackbox_tests::{World, buildable};
use serde_json::Value;

/// One queued build and what became of it.
struct Build {
    label: &'static str,
    item: u64,
    via: &'static str,
    template: String,
    node: String,
    task: String,
    launch_ms: u128,
    outcome: String,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // On Ctrl-C the scenario future is dropped, and with it moto and the
    // stand-in: nothing this run started outlives it.
    tokio::select! {
        result = scenario() => result,
        _ = tokio::signal::ctrl_c() => {
            say("interrupted; stopping moto and the stand-in");
            Ok(())
        }
    }
}

async fn scenario() -> anyhow::Result<()> {
    say("starting moto (ECS, EventBridge, Secrets Manager) and the Jenkins stand-in");
    let world = World::start().await?;
    world.reconcile().await; // the placeholder node a scaled-to-zero controller needs
    let mut builds = Vec::new();
    for (label, via) in [
        ("linux", "webhook"),
        ("solo", "webhook"),
        ("linux", "webhook"),
        ("broken", "webhook"),
        ("linux", "reconcile (webhook lost)"),
    ] {
        let item = world.enqueue(label);
        say(&format!("queued build #{item} for label '{label}'"));
        builds.push(Build {
            label,
            item,
            via,
            template: "-".into(),
            node: "-".into(),
            task: "-".into(),
            launch_ms: 0,
            outcome: "waiting".into(),
        });
    }
    for build in builds.iter_mut().filter(|b| b.via == "webhook") {
        let started = Instant::now();
        let answer = world.post(&buildable(build.item, build.label)).await;
        build.launch_ms = started.elapsed().as_millis();
        record(build, &answer.body);
        say(&format!(
            "webhook for #{} answered {} {}",
            build.item, answer.status, answer.body["outcome"]
        ));
    }
    let started = Instant::now();
    let summary = world.reconcile().await;
    say(&format!(
        "reconcile run launched {} agent(s) for missed demand",
        summary["launched"].as_array().map_or(0, Vec::len)
    ));
    for build in builds.iter_mut().filter(|b| b.via != "webhook") {
        build.launch_ms = started.elapsed().as_millis();
        build.node = format!("bb-linux-{}", build.item);
        build.template = "linux".into();
        build.task = short(&task_of(&world, &build.node).await?.unwrap_or_default());
        build.outcome = "launched".into();
    }
    for build in builds.iter_mut().filter(|b| b.outcome == "launched") {
        run_to_completion(&world, build).await?;
    }
    print_table(&world, &builds).await?;
    Ok(())
}

/// Takes one launched agent through its life: connect, build, release, stop.
async fn run_to_completion(world: &World, build: &mut Build) -> anyhow::Result<()> {
    let task_arn = task_of(world, &build.node).await?;
    let Some(task_arn) = task_arn else {
        return Ok(());
    };
    if build.template == "broken" {
        let event = failed_start_event(
            &world.describe(&task_arn).await?,
            "CannotPullContainerError: docker.io/jenkins/inbound-agent:no-such-tag: not found",
        );
        let outcome = world.deliver(&event).await.map_err(anyhow::Error::msg)?;
        build.outcome = format!(
            "failed to start, not relaunched ({})",
            outcome["summary"].as_str().unwrap_or_default()
        );
        say(&format!(
            "agent {} never started: {}",
            build.node, outcome["summary"]
        ));
        return Ok(());
    }
    let secret = world.jenkins.secret(&build.node);
    world
        .jenkins
        .connect_agent(&build.node, Some(&secret))
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    say(&format!(
        "agent {} connected and took build #{}",
        build.node, build.item
    ));
    world
        .jenkins
        .finish_builds(&build.node, None)
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let release = serde_json::json!({"type": "agent.released", "eventTime": blackbox_tests::now_millis(), "node": build.node});
    world.post(&release).await;
    let outcome = world
        .deliver(&world.stop_task_event(&task_arn).await?)
        .await
        .map_err(anyhow::Error::msg)?;
    build.outcome = format!(
        "built, released, stopped ({})",
        outcome["summary"].as_str().unwrap_or_default()
    );
    say(&format!(
        "agent {} released; its task stopped; node deleted",
        build.node
    ));
    Ok(())
}

/// The running task of agent `node`, found by its `group`.
async fn task_of(world: &World, node: &str) -> anyhow::Result<Option<String>> {
    let group = format!("jenkins-agent:{node}");
    let tasks = world.running_tasks().await?;
    Ok(tasks
        .iter()
        .find(|t| t.group() == Some(group.as_str()))
        .and_then(|t| t.task_arn())
        .map(str::to_owned))
}

fn record(build: &mut Build, body: &Value) {
    build.template = body["template"].as_str().unwrap_or("-").to_owned();
    build.node = body["node"].as_str().unwrap_or("-").to_owned();
    build.task = short(body["task"].as_str().unwrap_or("-"));
    build.outcome = body["outcome"].as_str().unwrap_or("-").to_owned();
}

async fn print_table(world: &World, builds: &[Build]) -> anyhow::Result<()> {
    println!(
        "\n{:<6} {:<8} {:<26} {:<8} {:<16} {:<10} {:>9}  outcome",
        "build", "label", "via", "template", "node", "task", "launch"
    );
    for b in builds {
        println!(
            "#{:<5} {:<8} {:<26} {:<8} {:<16} {:<10} {:>7}ms  {}",
            b.item, b.label, b.via, b.template, b.node, b.task, b.launch_ms, b.outcome
        );
    }
    let agents = builds.iter().filter(|b| b.node != "-").count().max(1);
    let jenkins_calls = world.jenkins.requests().len();
    let aws: Vec<(&str, usize)> = [
        "RunTask",
        "StopTask",
        "ListTasks",
        "DescribeTasks",
        "DescribeTaskDefinition",
        "RegisterTaskDefinition",
        "PutEvents",
        "GetSecretValue",
    ]
    .into_iter()
    .map(|op| (op, world.ecs.calls(op)))
    .collect();
    let aws_total: usize = aws.iter().map(|(_, n)| n).sum();
    println!(
        "\ntotals: {agents} agents; Jenkins API calls {jenkins_calls} ({:.1}/agent); AWS calls {aws_total} ({:.1}/agent)",
        jenkins_calls as f64 / agents as f64,
        aws_total as f64 / agents as f64
    );
    println!(
        "        AWS by operation: {}",
        aws.iter()
            .map(|(op, n)| format!("{op} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let failures: Vec<String> = world
        .published()
        .await?
        .into_iter()
        .filter(|(kind, _)| kind == "AgentLaunchFailed")
        .map(|(_, d)| d["reason"].as_str().unwrap_or_default().to_owned())
        .collect();
    println!(
        "        launch failures by reason: {}",
        if failures.is_empty() {
            "none".to_owned()
        } else {
            failures.join("; ")
        }
    );
    Ok(())
}

fn short(arn: &str) -> String {
    arn.rsplit('/')
        .next()
        .unwrap_or(arn)
        .chars()
        .take(8)
        .collect()
}

fn say(line: &str) {
    println!("==> {line}");
}
