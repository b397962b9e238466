//! The product on one machine, with the three functions run as their real
//! binaries under a local Lambda runtime (`cargo lambda watch`), wired as SAM
//! would wire them: settings from the environment, the webhook invoked with a
//! Lambda Function URL event, reconcile with a scheduled tick, task-stopped
//! with an EventBridge "ECS Task State Change" event.
//!
//! moto (behind the client-token proxy) is AWS and the Jenkins stand-in is
//! Jenkins, as in `local-run`; only the functions move out of process.
//!
//! Run it with `scripts/run-lambdas` (which installs moto and cargo-lambda
//! into `.venv/` first). `$CARGO_LAMBDA` overrides the cargo-lambda binary.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use blackbox_tests::events::stopped_event;
use blackbox_tests::{BUS, Backends, CLUSTER, WEBHOOK_SECRET, buildable, now_millis, now_secs};
use ecs_agents::secret::Secret;
use ecs_agents::webhook::signature::{SIGNATURE_HEADER, TIMESTAMP_HEADER, sign};
use jenkins_stand_in::{Enqueue, RunningStandIn};
use serde_json::{Value, json};

/// Templates of the local deployment; `{subnet}`, `{sg}`, `{jenkins}` filled
/// in (the test deployment's, as in `tests/blackbox/src/lib.rs`, but with a
/// launch timeout longer than the functions' cold starts under the runtime,
/// so the reconcile tick does not retire the webhook's agent as never connected).
const AGENTS: &str = "
cloud: {name: bb, cluster: jenkins-agents, region: us-east-1, jenkinsUrl: '{jenkins}', maxAgents: 10, agentLaunchTimeoutSeconds: 300}
templates:
  - {name: linux, labels: linux, cpu: 512, memory: 1024, subnets: ['{subnet}'], securityGroups: ['{sg}']}
  - {name: solo, labels: solo, cpu: 512, memory: 1024, subnets: ['{subnet}'], securityGroups: ['{sg}'], maxAgents: 1}
";

/// How long the runtime may take to answer one invocation: the first one of
/// each function may compile it.
const INVOKE_TIMEOUT: Duration = Duration::from_secs(30 * 60);
/// How long `cargo lambda watch` may take to listen.
const LISTEN_TIMEOUT: Duration = Duration::from_secs(120);

/// One queued build and what became of it.
struct Build {
    item: u64,
    label: &'static str,
    via: &'static str,
    template: String,
    node: String,
    task_arn: String,
    launch_ms: u128,
    outcome: String,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // On Ctrl-C the scenario future is dropped, and with it the runtime's
    // process group, moto and the stand-in: nothing this run started outlives it.
    tokio::select! {
        result = scenario() => result,
        _ = tokio::signal::ctrl_c() => {
            say("interrupted; stopping cargo lambda watch, moto and the stand-in");
            Ok(())
        }
    }
}

async fn scenario() -> anyhow::Result<()> {
    let run_started = Instant::now();
    say(
        "starting moto (ECS, EventBridge, Secrets Manager), the client-token proxy and the Jenkins stand-in",
    );
    let backends = Backends::start().await?;
    let dir = std::env::temp_dir().join(format!("ecs-agents-lambda-run-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let agents_file = dir.join("agents.yaml");
    std::fs::write(&agents_file, backends.agents(AGENTS).await?)?;
    let Backends {
        moto,
        ecs: proxy,
        jenkins,
        events,
    } = backends;
    let moto_ecs = aws_sdk_ecs::Client::new(&moto.sdk_config());
    let settings = [
        ("JENKINS_USER", "admin".to_owned()),
        ("JENKINS_API_TOKEN_SECRET_ID", "jenkins/api-token".into()),
        ("WEBHOOK_SECRET_ID", "jenkins/webhook".into()),
        ("JENKINS_API_URL", jenkins.base_url().to_owned()),
        ("EVENT_BUS_NAME", BUS.into()),
        ("AGENTS_CONFIG_FILE", agents_file.display().to_string()),
        ("AWS_ENDPOINT_URL", proxy.endpoint().to_owned()),
        ("AWS_REGION", "us-east-1".into()),
        ("AWS_ACCESS_KEY_ID", "test".into()),
        ("AWS_SECRET_ACCESS_KEY", "test".into()),
        ("NO_PROXY", "127.0.0.1,localhost".into()),
        ("RUST_LOG", "info".into()),
    ];
    let env_file = dir.join("functions.env");
    std::fs::write(
        &env_file,
        settings
            .iter()
            .map(|(k, v)| format!("{k}={v}\n"))
            .collect::<String>(),
    )?;

    let port = free_port()?;
    let log = dir.join("cargo-lambda-watch.log");
    say(&format!(
        "starting cargo lambda watch on 127.0.0.1:{port} (functions' settings in {}, its log in {})",
        env_file.display(),
        log.display()
    ));
    let runtime = Runtime::start(port, &env_file, &settings, &log)?;
    runtime.wait_listening().await?;
    say(&format!(
        "runtime listening after {:.1}s",
        run_started.elapsed().as_secs_f64()
    ));

    // 1. A build whose queue event reaches the webhook.
    let mut builds = Vec::new();
    let item = enqueue(&jenkins, "linux");
    say(&format!(
        "queued build #{item} for label 'linux'; invoking queue-webhook (first call compiles/starts it)"
    ));
    let started = Instant::now();
    let answer = runtime
        .invoke(
            "queue-webhook",
            &function_url_event(&buildable(item, "linux")),
        )
        .await?;
    let launch_ms = started.elapsed().as_millis();
    let (status, body) = http_answer(&answer)?;
    say(&format!(
        "queue-webhook answered {status} {body} in {launch_ms}ms"
    ));
    builds.push(Build {
        item,
        label: "linux",
        via: "webhook",
        template: text(&body["template"]),
        node: text(&body["node"]),
        task_arn: text(&body["task"]),
        launch_ms,
        outcome: text(&body["outcome"]),
    });

    // 2. A build whose queue event was lost: the scheduled reconcile finds it.
    // Its label is one no node has yet: a build of 'linux' would now wait for
    // the webhook's (not yet connected) agent, "‘bb-linux-1’ is offline",
    // which reconcile rightly leaves alone.
    let item = enqueue(&jenkins, "solo");
    say(&format!(
        "queued build #{item} for label 'solo' without a webhook; invoking reconcile with {{}}"
    ));
    let started = Instant::now();
    let summary = runtime.invoke("reconcile", &json!({})).await?;
    let launch_ms = started.elapsed().as_millis();
    say(&format!("reconcile answered in {launch_ms}ms: {summary}"));
    let node = format!("bb-solo-{item}");
    let launched = summary["launched"]
        .as_array()
        .is_some_and(|l| l.iter().any(|n| n == node.as_str()));
    builds.push(Build {
        item,
        label: "solo",
        via: "reconcile (webhook lost)",
        template: if launched { "solo".into() } else { "-".into() },
        task_arn: task_of(&moto_ecs, &node).await?.unwrap_or_default(),
        node: if launched { node } else { "-".into() },
        launch_ms,
        outcome: if launched {
            "launched".into()
        } else {
            "not launched".into()
        },
    });

    // 3. Each agent's life: connect, build, agent.released, task STOPPED.
    for build in builds.iter_mut().filter(|b| b.outcome == "launched") {
        if let Err(error) = run_to_completion(&runtime, &jenkins, &moto_ecs, build).await {
            build.outcome = format!("failed: {error:#}");
            say(&format!("agent {}: {error:#}", build.node));
        }
    }

    print_table(&builds);
    let ops = [
        "RunTask",
        "StopTask",
        "ListTasks",
        "DescribeTasks",
        "RegisterTaskDefinition",
        "PutEvents",
        "GetSecretValue",
    ];
    println!(
        "AWS calls by the functions: {}",
        ops.iter()
            .map(|op| format!("{op} {}", proxy.calls(op)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "Jenkins API calls: {}; events published to {BUS}: {}; agent nodes left: {:?}",
        jenkins.requests().len(),
        events
            .captured_events()
            .await?
            .iter()
            .map(|e| e["detail-type"].as_str().unwrap_or_default().to_owned())
            .collect::<Vec<_>>()
            .join(", "),
        jenkins
            .nodes()
            .into_iter()
            .map(|c| c.config.name)
            .filter(|n| !n.is_empty())
            .collect::<Vec<_>>()
    );
    say(&format!(
        "done in {:.1}s; stopping cargo lambda watch, moto and the stand-in",
        run_started.elapsed().as_secs_f64()
    ));
    drop(runtime);
    if builds.iter().all(|b| b.outcome.starts_with("built")) {
        let _ = std::fs::remove_dir_all(&dir);
    } else {
        say(&format!(
            "not every build went through; the runtime's log is kept in {}",
            log.display()
        ));
    }
    Ok(())
}

/// Takes one launched agent through its life, through the functions.
async fn run_to_completion(
    runtime: &Runtime,
    jenkins: &RunningStandIn,
    moto_ecs: &aws_sdk_ecs::Client,
    build: &mut Build,
) -> anyhow::Result<()> {
    if build.task_arn.is_empty() {
        bail!("no task found for {}", build.node);
    }
    let secret = jenkins.secret(&build.node);
    jenkins
        .connect_agent(&build.node, Some(&secret))
        .map_err(|e| anyhow::anyhow!("connecting: {e:?}"))?;
    jenkins
        .finish_builds(&build.node, None)
        .map_err(|e| anyhow::anyhow!("finishing its build: {e:?}"))?;
    say(&format!(
        "agent {} connected, ran build #{}; posting agent.released to queue-webhook",
        build.node, build.item
    ));
    let release = json!({"type": "agent.released", "eventTime": now_millis(), "node": build.node});
    let answer = runtime
        .invoke("queue-webhook", &function_url_event(&release))
        .await?;
    let (status, body) = http_answer(&answer)?;
    say(&format!("queue-webhook answered {status} {body}"));
    let described = moto_ecs
        .describe_tasks()
        .cluster(CLUSTER)
        .tasks(&build.task_arn)
        .send()
        .await?;
    let task = described
        .tasks()
        .first()
        .context("moto describes the task")?;
    say(&format!(
        "task {} is {}; invoking task-stopped with its STOPPED event",
        short(&build.task_arn),
        task.last_status().unwrap_or("?")
    ));
    let outcome = runtime.invoke("task-stopped", &stopped_event(task)).await?;
    say(&format!("task-stopped answered {outcome}"));
    let summary = outcome["summary"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| outcome.to_string());
    let node_gone = !jenkins.nodes().iter().any(|c| c.config.name == build.node);
    build.outcome = format!(
        "built, released ({status}), stopped ({summary}){}",
        if node_gone {
            ", node deleted"
        } else {
            ", node still there"
        }
    );
    Ok(())
}

/// `cargo lambda watch`, in its own process group, stopped (group and all)
/// when dropped.
struct Runtime {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Runtime {
    fn start(
        port: u16,
        env_file: &Path,
        settings: &[(&str, String)],
        log: &Path,
    ) -> anyhow::Result<Self> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let program = std::env::var_os("CARGO_LAMBDA")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join(".venv/bin/cargo-lambda"));
        if !program.exists() {
            bail!(
                "{} is missing: run scripts/python-env (tests/requirements.txt pins cargo-lambda)",
                program.display()
            );
        }
        let out = std::fs::File::create(log)?;
        let mut command = Command::new(&program);
        command
            .current_dir(&root)
            .args([
                "lambda",
                "watch",
                "--ignore-changes",
                "--invoke-address",
                "127.0.0.1",
            ])
            .args(["--invoke-port", &port.to_string()])
            .arg("--env-file")
            .arg(env_file)
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out);
        // The same settings in its own environment, in case the runtime hands
        // its environment down rather than the file's.
        for (key, value) in settings {
            command.env(key, value);
        }
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let child = command
            .spawn()
            .with_context(|| format!("starting {}", program.display()))?;
        Ok(Self {
            child,
            port,
            log: log.to_owned(),
        })
    }

    /// Waits until the invoke port accepts connections.
    async fn wait_listening(&self) -> anyhow::Result<()> {
        let deadline = Instant::now() + LISTEN_TIMEOUT;
        loop {
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!(
                    "cargo lambda watch is not listening after {LISTEN_TIMEOUT:?}; {}",
                    self.tail()
                );
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Invokes function `bin` with `event`; returns the function's result.
    async fn invoke(&self, bin: &str, event: &Value) -> anyhow::Result<Value> {
        let url = format!(
            "http://127.0.0.1:{}/2015-03-31/functions/{bin}/invocations",
            self.port
        );
        let response = reqwest::Client::new()
            .post(url)
            .json(event)
            .timeout(INVOKE_TIMEOUT)
            .send()
            .await?;
        let status = response.status().as_u16();
        let text = response.text().await?;
        if status != 200 {
            bail!("invoking {bin}: HTTP {status}: {text}; {}", self.tail());
        }
        serde_json::from_str(&text)
            .with_context(|| format!("invoking {bin}: the result is not JSON: {text}"))
    }

    fn tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        format!(
            "last lines of {}:\n{}",
            self.log.display(),
            lines[lines.len().saturating_sub(15)..].join("\n")
        )
    }
}

impl Drop for Runtime {
    /// Stops `cargo lambda watch` (TERM, then KILL after 5 s) and the function
    /// instances it started: each runs in a process group of its own, which
    /// its log names (`process group spawned pgid=N`).
    fn drop(&mut self) {
        let signal = |signal: &str, pgid: u32| {
            let _ = Command::new("kill")
                .args([signal, "--", &format!("-{pgid}")])
                .stderr(Stdio::null())
                .status();
        };
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let instances: Vec<u32> = log
            .split("process group spawned pgid=")
            .skip(1)
            .filter_map(|rest| {
                let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                digits.parse().ok()
            })
            .collect();
        signal("-TERM", self.child.id());
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        signal("-KILL", self.child.id());
        for pgid in instances {
            signal("-KILL", pgid);
        }
        let _ = self.child.wait();
    }
}

/// A Lambda Function URL (API Gateway v2 payload) event carrying `payload`,
/// signed with the deployment's webhook secret now.
fn function_url_event(payload: &Value) -> Value {
    let body = payload.to_string();
    let timestamp = now_secs();
    let signature = sign(&Secret::new(WEBHOOK_SECRET), timestamp, body.as_bytes());
    let domain = "local0000000000000000000000.lambda-url.us-east-1.on.aws";
    json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/",
        "rawQueryString": "",
        "headers": {
            "content-type": "application/json",
            "host": domain,
            "user-agent": "ecs-agents-emitter/1",
            SIGNATURE_HEADER: signature,
            TIMESTAMP_HEADER: timestamp.to_string(),
        },
        "requestContext": {
            "accountId": "anonymous",
            "apiId": "local0000000000000000000000",
            "domainName": domain,
            "domainPrefix": "local0000000000000000000000",
            "http": {"method": "POST", "path": "/", "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "ecs-agents-emitter/1"},
            "requestId": format!("local-{}", now_millis()),
            "routeKey": "$default",
            "stage": "$default",
            "time": "",
            "timeEpoch": now_millis(),
        },
        "body": body,
        "isBase64Encoded": false,
    })
}

/// The HTTP status and JSON body of a Function URL answer.
fn http_answer(answer: &Value) -> anyhow::Result<(u64, Value)> {
    let status = answer["statusCode"]
        .as_u64()
        .with_context(|| format!("not a Function URL answer: {answer}"))?;
    if answer["isBase64Encoded"] == true {
        bail!("a base64 body, not expected for JSON: {answer}");
    }
    let body = answer["body"].as_str().unwrap_or_default();
    Ok((
        status,
        serde_json::from_str(body).unwrap_or(Value::String(body.to_owned())),
    ))
}

fn enqueue(jenkins: &RunningStandIn, label: &str) -> u64 {
    jenkins.enqueue(Enqueue {
        label: Some(label.into()),
        job: Some("app".into()),
        ..Default::default()
    })
}

/// The running task of agent `node`, found by its `group`.
async fn task_of(moto_ecs: &aws_sdk_ecs::Client, node: &str) -> anyhow::Result<Option<String>> {
    let arns = moto_ecs
        .list_tasks()
        .cluster(CLUSTER)
        .desired_status(aws_sdk_ecs::types::DesiredStatus::Running)
        .send()
        .await?
        .task_arns
        .unwrap_or_default();
    if arns.is_empty() {
        return Ok(None);
    }
    let described = moto_ecs
        .describe_tasks()
        .cluster(CLUSTER)
        .set_tasks(Some(arns))
        .send()
        .await?;
    let group = format!("jenkins-agent:{node}");
    Ok(described
        .tasks()
        .iter()
        .find(|t| t.group() == Some(group.as_str()))
        .and_then(|t| t.task_arn())
        .map(str::to_owned))
}

fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn print_table(builds: &[Build]) {
    println!(
        "\n{:<6} {:<6} {:<25} {:<8} {:<14} {:<9} {:>8}  outcome",
        "build", "label", "via", "template", "node", "task", "launch"
    );
    for b in builds {
        println!(
            "#{:<5} {:<6} {:<25} {:<8} {:<14} {:<9} {:>6}ms  {}",
            b.item,
            b.label,
            b.via,
            b.template,
            b.node,
            short(&b.task_arn),
            b.launch_ms,
            b.outcome
        );
    }
    println!();
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or("-").to_owned()
}

fn short(arn: &str) -> String {
    let id: String = arn
        .rsplit('/')
        .next()
        .unwrap_or(arn)
        .chars()
        .take(8)
        .collect();
    if id.is_empty() { "-".into() } else { id }
}

fn say(line: &str) {
    println!("==> {line}");
}
