//! The four functions as their real binaries under a local Lambda runtime
//! (`cargo lambda watch`), invoked with the payloads AWS delivers: a Lambda
//! Function URL event (payload 2.0) for the webhook, an SQS event for
//! launch-worker, an EventBridge event for task-stopped, the schedule's event
//! for reconcile. Settings reach them as
//! environment variables, as the SAM template sets them.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};

use crate::functions::{Answer, Functions, HttpPost};
use crate::now_millis;

/// How long the runtime may take to answer one invocation: the first one of
/// each function may have to compile it.
const INVOKE_TIMEOUT: Duration = Duration::from_secs(30 * 60);
/// How long `cargo lambda watch` may take to listen.
const LISTEN_TIMEOUT: Duration = Duration::from_secs(120);

/// `cargo lambda watch` serving the workspace's four function binaries; in
/// its own process group, stopped (with every function instance it started)
/// when dropped.
pub struct LocalLambdas {
    child: Child,
    port: u16,
    log: PathBuf,
    http: reqwest::Client,
}

impl LocalLambdas {
    /// Starts `cargo lambda watch` (the `cargo-lambda` binary at `program`)
    /// in the workspace, the functions' environment `env` written to
    /// `dir/functions.env`, its output to `dir/cargo-lambda-watch.log`, and
    /// waits until it listens.
    pub async fn start(program: &Path, env: &[(&str, String)], dir: &Path) -> anyhow::Result<Self> {
        if !program.exists() {
            bail!(
                "{} is missing: run scripts/python-env (tests/requirements.txt pins cargo-lambda)",
                program.display()
            );
        }
        let env_file = dir.join("functions.env");
        let lines: String = env.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
        std::fs::write(&env_file, lines)
            .with_context(|| format!("writing {}", env_file.display()))?;
        let log = dir.join("cargo-lambda-watch.log");
        let out = std::fs::File::create(&log)?;
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let mut command = Command::new(program);
        command
            .current_dir(workspace_root())
            .args(["lambda", "watch", "--ignore-changes"])
            .args([
                "--invoke-address",
                "127.0.0.1",
                "--invoke-port",
                &port.to_string(),
            ])
            .arg("--env-file")
            .arg(&env_file)
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out);
        // Its own process group, so that dropping it stops everything it ran.
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let child = command
            .spawn()
            .with_context(|| format!("starting {}", program.display()))?;
        let lambdas = Self {
            child,
            port,
            log,
            http: reqwest::Client::builder().no_proxy().build()?,
        };
        lambdas.wait_listening().await?;
        Ok(lambdas)
    }

    /// Where the runtime (and the functions' logs) write.
    pub fn log(&self) -> &Path {
        &self.log
    }

    /// The port the runtime accepts invocations on.
    pub fn port(&self) -> u16 {
        self.port
    }

    async fn wait_listening(&self) -> anyhow::Result<()> {
        let deadline = Instant::now() + LISTEN_TIMEOUT;
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if Instant::now() > deadline {
                bail!(
                    "cargo lambda watch is not listening after {LISTEN_TIMEOUT:?}; {}",
                    self.tail()
                );
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        Ok(())
    }

    /// Invokes function `bin` with `event`: its result, or its error message.
    async fn invoke(&self, bin: &str, event: &Value) -> anyhow::Result<Result<Value, String>> {
        let url = format!(
            "http://127.0.0.1:{}/2015-03-31/functions/{bin}/invocations",
            self.port
        );
        let response = self
            .http
            .post(url)
            .json(event)
            .timeout(INVOKE_TIMEOUT)
            .send()
            .await
            .with_context(|| format!("invoking {bin}"))?;
        let status = response.status().as_u16();
        let text = response.text().await?;
        let result: Value = serde_json::from_str(&text).with_context(|| {
            format!(
                "invoking {bin}: HTTP {status}, not JSON: {text}; {}",
                self.tail()
            )
        })?;
        // The runtime answers a function error with the error document
        // (`errorType`, `errorMessage`), as Lambda's Invoke does.
        match result["errorMessage"].as_str() {
            Some(message) if result.get("errorType").is_some() => Ok(Err(message.to_owned())),
            _ if status != 200 => bail!("invoking {bin}: HTTP {status}: {text}; {}", self.tail()),
            _ => Ok(Ok(result)),
        }
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

impl Functions for LocalLambdas {
    async fn webhook(&self, request: &HttpPost) -> anyhow::Result<Answer> {
        let answer = self
            .invoke("queue-webhook", &function_url_event(request))
            .await?
            .map_err(|message| anyhow::anyhow!("queue-webhook failed: {message}"))?;
        http_answer(&answer)
    }

    async fn launch_worker(&self, event: &Value) -> anyhow::Result<Result<Value, String>> {
        self.invoke("launch-worker", event).await
    }

    async fn task_stopped(&self, event: &Value) -> anyhow::Result<Result<Value, String>> {
        self.invoke("task-stopped", event).await
    }

    async fn reconcile(&self) -> anyhow::Result<Value> {
        self.invoke("reconcile", &scheduled_event())
            .await?
            .map_err(|message| anyhow::anyhow!("reconcile failed: {message}"))
    }
}

impl Drop for LocalLambdas {
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
        while Instant::now() < deadline && !matches!(self.child.try_wait(), Ok(Some(_))) {
            std::thread::sleep(Duration::from_millis(100));
        }
        signal("-KILL", self.child.id());
        for pgid in instances {
            signal("-KILL", pgid);
        }
        let _ = self.child.wait();
    }
}

/// The workspace root (this crate is `tests/blackbox`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The Lambda Function URL event (API Gateway payload 2.0) that carries `request`.
fn function_url_event(request: &HttpPost) -> Value {
    let api = "local0000000000000000000000";
    let domain = format!("{api}.lambda-url.us-east-1.on.aws");
    let mut headers = json!({"host": domain, "user-agent": "ecs-agents-emitter/1"});
    for (name, value) in &request.headers {
        headers[name.to_ascii_lowercase()] = json!(value);
    }
    json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/",
        "rawQueryString": "",
        "headers": headers,
        "requestContext": {
            "accountId": "anonymous",
            "apiId": api,
            "domainName": domain,
            "domainPrefix": api,
            "http": {"method": "POST", "path": "/", "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "ecs-agents-emitter/1"},
            "requestId": format!("local-{}", now_millis()),
            "routeKey": "$default",
            "stage": "$default",
            "time": "",
            "timeEpoch": now_millis(),
        },
        "body": request.body,
        "isBase64Encoded": false,
    })
}

/// The event an EventBridge schedule delivers.
fn scheduled_event() -> Value {
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    json!({
        "version": "0",
        "id": format!("local-{}", now_millis()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": now,
        "region": "us-east-1",
        "resources": ["arn:aws:events:us-east-1:123456789012:rule/ecs-agents-reconcile"],
        "detail": {},
    })
}

/// The HTTP answer inside a Function URL result.
fn http_answer(result: &Value) -> anyhow::Result<Answer> {
    let status = result["statusCode"]
        .as_u64()
        .and_then(|s| u16::try_from(s).ok())
        .with_context(|| format!("not a Function URL result: {result}"))?;
    if result["isBase64Encoded"] == true {
        bail!("a base64 body, not expected for JSON: {result}");
    }
    let header = |name: &str| {
        result["headers"]
            .as_object()?
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| v.as_str())
            .map(str::to_owned)
    };
    let body = result["body"].as_str().unwrap_or_default();
    Ok(Answer {
        status,
        retry_after: header("retry-after"),
        body: serde_json::from_str(body).unwrap_or(Value::Null),
    })
}
