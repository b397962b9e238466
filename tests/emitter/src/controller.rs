//! A Jenkins controller played by `driver/Driver.groovy` in a child process, with the emitter
//! script loaded into it on command.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::toolchain::{Toolchain, toolchain};
use crate::webhook::{PATIENCE, Webhook};

/// The module opens `jenkins.war` grants (its manifest's `Add-Opens`), so the script meets the
/// JVM it meets in Jenkins; and a JIT that starts fast.
const JAVA_OPTS: &str = "--add-opens java.base/java.lang=ALL-UNNAMED \
                         --add-opens java.base/java.io=ALL-UNNAMED \
                         --add-opens java.base/java.util=ALL-UNNAMED \
                         -XX:TieredStopAtLevel=1";

/// How a controller is set up before it starts.
#[derive(Debug, Clone)]
pub struct Setup {
    env: Vec<(String, String)>,
    root_url: Option<String>,
    toolchain: Toolchain,
    secret: String,
}

impl Setup {
    /// The emitter configured for `webhook`: its URL, its secret in a file, and items announced
    /// after 200 ms of waiting.
    pub fn new(webhook: &Webhook) -> Self {
        static FILES: AtomicUsize = AtomicUsize::new(0);
        let toolchain = toolchain().clone();
        let file = toolchain.scratch.join(format!(
            "webhook-secret-{}",
            FILES.fetch_add(1, Ordering::Relaxed)
        ));
        // Written as `aws … --output text > file` writes it: with a line break.
        std::fs::write(&file, format!("{}\n", webhook.secret())).expect("a secret file");
        Self {
            env: vec![
                ("ECS_AGENTS_WEBHOOK_URL".into(), webhook.url()),
                (
                    "ECS_AGENTS_WEBHOOK_SECRET_FILE".into(),
                    file.display().to_string(),
                ),
                // Shorter than the 1 s default, to keep the tests quick; still far longer
                // than the driver's steps of one queue pass take.
                ("ECS_AGENTS_BUILDABLE_DELAY_MS".into(), "200".into()),
            ],
            root_url: Some("https://jenkins.example.com/".into()),
            toolchain,
            secret: webhook.secret().to_owned(),
        }
    }

    /// Sets a variable in the controller's environment.
    pub fn env(mut self, name: &str, value: &str) -> Self {
        self.env.retain(|(n, _)| n != name);
        self.env.push((name.into(), value.into()));
        self
    }

    /// Leaves a variable out of the controller's environment.
    pub fn without(mut self, name: &str) -> Self {
        self.env.retain(|(n, _)| n != name);
        self
    }

    /// Jenkins' root URL (*Manage Jenkins → System → Jenkins URL*), or none configured.
    pub fn root_url(mut self, url: Option<&str>) -> Self {
        self.root_url = url.map(str::to_owned);
        self
    }

    /// Runs the controller on another JDK.
    pub fn jdk(mut self, java_home: &std::path::Path) -> Self {
        self.toolchain = self.toolchain.on_jdk(java_home);
        self
    }

    /// Starts the controller; the script is not loaded until [`Controller::run_script`].
    pub fn start(self) -> Controller {
        Controller::start(self)
    }
}

/// One log record the controller wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// `INFO`, `WARNING`, …
    pub level: String,
    /// The logger's name.
    pub logger: String,
    /// The message as logged (not formatted).
    pub message: String,
    /// The record's parameters: `none`, or a list such as `[null]`.
    pub params: String,
    /// The attached throwable, or `none`.
    pub thrown: String,
}

/// What evaluating the script did, as `GroovyHookScript.execute` would see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// It returned this.
    Returned(String),
    /// It threw a `RuntimeException`: Jenkins logs it and starts.
    Failed(String),
    /// Anything else escaped: Jenkins would not start.
    Escaped(String),
}

/// The driver process. Every line it prints is checked for the webhook secret.
#[derive(Debug)]
pub struct Controller {
    child: Child,
    stdin: ChildStdin,
    replies: Receiver<String>,
    logs: Arc<Mutex<Vec<LogLine>>>,
    leaks: Arc<Mutex<Vec<String>>>,
    stderr: Arc<Mutex<String>>,
}

impl Controller {
    fn start(setup: Setup) -> Self {
        let tools = &setup.toolchain;
        let mut command = Command::new(&tools.groovy);
        command
            .arg("-cp")
            .arg(&tools.classes)
            .args(["-e", "Driver.main(args)"])
            .arg(Toolchain::script())
            .arg(setup.root_url.as_deref().unwrap_or("none"))
            .env("JAVA_HOME", &tools.java_home)
            .env("JAVA_OPTS", JAVA_OPTS)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // Only what the test sets: nothing of the developer's own emitter configuration.
        for (name, _) in std::env::vars().filter(|(n, _)| n.starts_with("ECS_AGENTS_")) {
            command.env_remove(name);
        }
        command.envs(setup.env.iter().map(|(n, v)| (n, v)));
        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", tools.groovy.display()));

        let (tx, replies) = channel();
        let logs = Arc::new(Mutex::new(Vec::new()));
        let leaks = Arc::new(Mutex::new(Vec::new()));
        let stderr = Arc::new(Mutex::new(String::new()));
        let stdout = child.stdout.take().expect("piped stdout");
        let (l, k, s) = (logs.clone(), leaks.clone(), setup.secret.clone());
        std::thread::spawn(move || read_stdout(stdout, tx, l, k, &s));
        let mut err = child.stderr.take().expect("piped stderr");
        let (e, k, s) = (stderr.clone(), leaks.clone(), setup.secret);
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = err.read_to_string(&mut text);
            if text.contains(&s) {
                k.lock().unwrap().push(text.clone());
            }
            e.lock().unwrap().push_str(&text);
        });
        let stdin = child.stdin.take().expect("piped stdin");
        Self {
            child,
            stdin,
            replies,
            logs,
            leaks,
            stderr,
        }
    }

    /// Sends one driver command and returns its answer lines (without the closing `ok`).
    pub fn send(&mut self, command: &str) -> Vec<String> {
        writeln!(self.stdin, "{command}").expect("the driver reads commands");
        self.stdin.flush().expect("the driver reads commands");
        let deadline = Instant::now() + PATIENCE * 2;
        let mut lines = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.replies.recv_timeout(left) {
                Ok(line) if line == "ok" => break,
                Ok(line) if line.starts_with("error ") => {
                    panic!("the driver failed `{command}`: {line}\n{}", self.stderr())
                }
                Ok(line) => lines.push(line),
                Err(RecvTimeoutError::Timeout) => {
                    panic!("the driver did not finish `{command}`\n{}", self.stderr())
                }
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("the driver exited during `{command}`\n{}", self.stderr())
                }
            }
        }
        self.assert_no_leak();
        lines
    }

    fn stderr(&self) -> String {
        std::thread::sleep(Duration::from_millis(200));
        format!("driver stderr:\n{}", self.stderr.lock().unwrap())
    }

    fn assert_no_leak(&self) {
        let leaks = self.leaks.lock().unwrap();
        assert!(
            leaks.is_empty(),
            "the webhook secret was printed: {leaks:?}"
        );
    }

    /// Evaluates the script as `init.groovy.d` does (again, on a second call).
    pub fn run_script(&mut self) -> Outcome {
        let lines = self.send("run");
        let line = lines.last().expect("run answers with its outcome");
        let (kind, text) = line.split_once(' ').unwrap_or((line, ""));
        match kind {
            "result" => Outcome::Returned(text.to_owned()),
            "failed" => Outcome::Failed(text.to_owned()),
            _ => Outcome::Escaped(text.to_owned()),
        }
    }

    /// Evaluates the script and expects it to install the emitter; returns its result line.
    pub fn install(&mut self) -> String {
        match self.run_script() {
            Outcome::Returned(text) if text.starts_with("ecs-agents emitter installed") => text,
            other => panic!("the emitter did not install: {other:?}\n{}", self.stderr()),
        }
    }

    /// Steps of one queue pass, under one hold of the queue lock: `enter 7 linux ; take 7`.
    /// Steps: `enter ID LABEL [flyweight]` (`-` = no label), `take`, `start`, `cancel`,
    /// `block`, `unblock ID`.
    pub fn queue(&mut self, steps: &str) {
        self.send(&format!("queue {steps}"));
    }

    /// A buildable item the queue restored from disk before the script ran.
    pub fn restore(&mut self, id: u64, label: &str) {
        self.send(&format!("restore {id} {label}"));
    }

    /// `count` items from `from` on enter buildable, each in its own queue pass.
    pub fn flood(&mut self, from: u64, count: u64, label: &str) {
        self.send(&format!("flood {from} {count} {label}"));
    }

    /// An agent node with this description, and its computer with one executor.
    pub fn node(&mut self, name: &str, description: &str) {
        self.send(&format!("node {name} {description}"));
    }

    /// One of our agents: described as the functions describe the nodes they create
    /// (`functions/ecs-agents/src/launch/request.rs`, `agent_node`).
    pub fn our_agent(&mut self, name: &str) {
        self.node(
            name,
            "ECS agent (template linux) for app » main, queue item 7; created 1764270000000",
        );
    }

    /// The functions' user sets the node's offline cause (`changeOfflineCause`): Jenkins tells
    /// every `ComputerListener` `onTemporarilyOffline` with a `UserCause` of this message.
    pub fn offline_cause(&mut self, node: &str, message: &str) {
        self.send(&format!("offline {node} {message}"));
    }

    /// The lines printed so far to the log of the run whose `node` block is queue item `id`
    /// (queued with `enter ID LABEL pipeline`).
    pub fn build_log(&mut self, id: u64) -> Vec<String> {
        let prefix = format!("buildlog {id} ");
        self.send(&format!("buildlog {id}"))
            .iter()
            .filter_map(|l| l.strip_prefix(&prefix).map(str::to_owned))
            .collect()
    }

    /// Waits until the log of queue item `id`'s run has at least `count` lines; returns them.
    pub fn wait_for_build_log(&mut self, id: u64, count: usize) -> Vec<String> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let lines = self.build_log(id);
            if lines.len() >= count {
                return lines;
            }
            assert!(
                Instant::now() < deadline,
                "the log of item {id} has {lines:?} after {PATIENCE:?}, not {count} lines"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The agent's executor takes a build: `taskAccepted` on the executor's thread.
    pub fn accept(&mut self, node: &str) {
        self.send(&format!("accept {node}"));
    }

    /// The agent's executor finishes its build.
    pub fn finish(&mut self, node: &str) {
        self.send(&format!("finish {node}"));
    }

    /// `SlaveComputer.isAcceptingTasks()`.
    pub fn accepting(&mut self, node: &str) -> bool {
        let lines = self.send(&format!("accepting {node}"));
        lines.last().is_some_and(|l| l.ends_with(" true"))
    }

    /// The `jenkins.util.Timer` runs the script's repeating tasks once; returns what was
    /// scheduled (`periodic 1 every 10000 ms`).
    pub fn sweep(&mut self) -> String {
        self.send("sweep").join("\n")
    }

    /// How many `QueueListener`s and `ExecutorListener`s are registered.
    pub fn listeners(&mut self) -> (usize, usize) {
        let lines = self.send("listeners");
        let count = |key: &str| {
            lines[0]
                .split(' ')
                .find_map(|w| w.strip_prefix(key))
                .and_then(|n| n.parse().ok())
                .expect("listeners queue=N executor=M")
        };
        (count("queue="), count("executor="))
    }

    /// How many `ComputerListener`s are registered.
    pub fn computer_listeners(&mut self) -> usize {
        let lines = self.send("listeners");
        lines[0]
            .split(' ')
            .find_map(|w| w.strip_prefix("computer="))
            .and_then(|n| n.parse().ok())
            .expect("listeners … computer=K")
    }

    /// The agent connects (its channel comes up): every `ComputerListener` is told `onOnline`,
    /// on the connecting thread.
    pub fn online(&mut self, node: &str) {
        self.send(&format!("online {node}"));
    }

    /// The agent's executor takes the build of queue item `id` (which must be buildable):
    /// `taskAccepted` with that item's work unit.
    pub fn accept_item(&mut self, node: &str, id: u64) {
        self.send(&format!("accept {node} {id}"));
    }

    /// Whether `EnvVars.masterEnvVars` (System Information, builds on the built-in node) has
    /// this variable.
    pub fn jenkins_environment_has(&mut self, name: &str) -> bool {
        self.send(&format!("env {name}"))[0].ends_with(" present")
    }

    /// The proxy configured in Jenkins' plugin manager.
    pub fn jenkins_proxy(&mut self, proxy: SocketAddr) {
        self.send(&format!("proxy {proxy}"));
    }

    /// The next `jenkins.util.Timer.get()` throws a `NoClassDefFoundError`.
    pub fn break_timer(&mut self) {
        self.send("fault timer");
    }

    /// Live threads whose name contains `text`.
    pub fn threads(&mut self, text: &str) -> usize {
        let lines = self.send(&format!("threads {text}"));
        lines[0]
            .rsplit(' ')
            .next()
            .and_then(|n| n.parse().ok())
            .expect("a count")
    }

    /// How often item `id`'s task was asked its name or URL with and without the queue lock.
    pub fn task_calls(&mut self, id: u64) -> (u32, u32) {
        let lines = self.send(&format!("taskcalls {id}"));
        let count = |key: &str| {
            lines[0]
                .split(' ')
                .find_map(|w| w.strip_prefix(key))
                .and_then(|n| n.parse().ok())
                .expect("taskcalls ID locked=N unlocked=M")
        };
        (count("locked="), count("unlocked="))
    }

    /// Waits this long in the driver (real time passes for the script's threads).
    pub fn sleep(&mut self, time: Duration) {
        self.send(&format!("sleep {}", time.as_millis()));
    }

    /// Every log record so far.
    pub fn logs(&self) -> Vec<LogLine> {
        self.assert_no_leak();
        self.logs.lock().unwrap().clone()
    }

    /// The emitter's own log records (logger `ecs-agents.emitter`).
    pub fn emitter_logs(&self) -> Vec<LogLine> {
        let mut logs = self.logs();
        logs.retain(|l| l.logger == "ecs-agents.emitter");
        logs
    }

    /// Waits for a log record whose message contains `text`.
    pub fn wait_for_log(&self, text: &str) -> LogLine {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(line) = self.logs().into_iter().find(|l| l.message.contains(text)) {
                return line;
            }
            assert!(
                Instant::now() < deadline,
                "no log line with {text:?} in {PATIENCE:?}: {:#?}",
                self.logs()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Controller {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn read_stdout(
    stdout: impl Read,
    replies: Sender<String>,
    logs: Arc<Mutex<Vec<LogLine>>>,
    leaks: Arc<Mutex<Vec<String>>>,
    secret: &str,
) {
    for line in BufReader::new(stdout).lines() {
        let Ok(line) = line else { break };
        if line.contains(secret) {
            leaks.lock().unwrap().push(line.clone());
        }
        if let Some(record) = line.strip_prefix("log\t") {
            let mut fields = record.splitn(5, '\t').map(str::to_owned);
            let mut next = || fields.next().unwrap_or_default();
            logs.lock().unwrap().push(LogLine {
                level: next(),
                logger: next(),
                message: next(),
                params: next(),
                thrown: next(),
            });
        } else if replies.send(line).is_err() {
            break;
        }
    }
}
