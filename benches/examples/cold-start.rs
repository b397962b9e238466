//! `scripts/bench cold-start`: each function's cold start beside a
//! hello-world `lambda_runtime` binary's, under a local Lambda runtime API.
//!
//! Usage: `cold-start [--runs N] [--env NAME=VALUE]... NAME=BINARY...` (the
//! script passes the release builds of the three functions and of
//! `examples/hello-world.rs`; `--env` adds a variable to every environment).
//!
//! For each binary, `N` times (after one warm-up run that is not counted),
//! interleaved: spawn it as Lambda would, with `AWS_LAMBDA_RUNTIME_API`
//! pointing at this program's loopback server, and take
//! - **init**: from just before the spawn to the arrival of its first
//!   `GET /2018-06-01/runtime/invocation/next`, i.e. everything the process
//!   does before it can take an event: loading, settings and the agents
//!   file, the SDK configuration, the secrets, the clients;
//! - **peak RSS**: the process's `VmHWM` (`/proc/<pid>/status`) at that
//!   moment, its resident-memory high-water mark so far;
//!
//! then kill it. The same server plays Secrets Manager (`AWS_ENDPOINT_URL`),
//! answering GetSecretValue at once over plain HTTP: the functions make their
//! real requests (signed, serialised, parsed), but the network round trips
//! and the TLS handshake to AWS are excluded, as is what Lambda does before
//! the process starts (the sandbox, fetching the code). Any other request a
//! function makes is reported as an error.
//!
//! Loading the system's trust store is included: the functions read and parse
//! it once at cold start for both TLS clients (the SDK's and the Jenkins
//! client), and what it costs depends on the system's bundle (`SSL_CERT_FILE`
//! and `SSL_CERT_DIR` choose it).
//! The first binary named is the baseline of the `×` column.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const NEXT: &str = "/2018-06-01/runtime/invocation/next";
const INIT_ERROR: &str = "/2018-06-01/runtime/init/error";
/// A cold start taking longer than this has failed.
const GIVE_UP: Duration = Duration::from_secs(30);

/// What the server saw of the process being measured.
enum Seen {
    /// Its first `invocation/next`, and when.
    Next(Instant),
    /// It reported an init error (the body).
    InitError(String),
    /// A request the benchmark does not serve (method, path, target).
    Unexpected(String),
}

/// The server's link to the run in progress.
#[derive(Default)]
struct Run {
    events: Option<Sender<Seen>>,
    secrets_read: usize,
}

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("cold-start: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Vec<String>) -> Result<(), String> {
    let Options {
        runs,
        binaries,
        env,
    } = parse_args(args)?;
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("bind: {e}"))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    let state = Arc::new(Mutex::new(Run::default()));
    let server_state = Arc::clone(&state);
    std::thread::spawn(move || serve(listener, server_state));

    let mut samples: Vec<Vec<Sample>> = binaries.iter().map(|_| Vec::new()).collect();
    for round in 0..=runs {
        for (i, (name, binary)) in binaries.iter().enumerate() {
            let sample = measure(name, binary, address, &env, &state)?;
            if round > 0 {
                samples[i].push(sample);
            }
        }
    }
    print_table(&binaries, &samples)
}

/// The command line.
struct Options {
    runs: usize,
    binaries: Vec<(String, PathBuf)>,
    /// Variables added to every binary's environment (`--env NAME=VALUE`).
    env: Vec<(String, String)>,
}

fn parse_args(args: Vec<String>) -> Result<Options, String> {
    const USAGE: &str = "usage: cold-start [--runs N] [--env NAME=VALUE]... NAME=BINARY...";
    let mut runs = 20;
    let mut binaries = Vec::new();
    let mut env = Vec::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if arg == "--runs" {
            let n = args.next().ok_or(USAGE)?;
            runs = n.parse().map_err(|_| format!("--runs {n}: not a number"))?;
        } else if arg == "--env" {
            let pair = args.next().ok_or(USAGE)?;
            let (name, value) = pair.split_once('=').ok_or(USAGE)?;
            env.push((name.to_owned(), value.to_owned()));
        } else if let Some((name, path)) = arg.split_once('=') {
            binaries.push((name.to_owned(), PathBuf::from(path)));
        } else {
            return Err(USAGE.into());
        }
    }
    if binaries.is_empty() || runs == 0 {
        return Err(USAGE.into());
    }
    Ok(Options {
        runs,
        binaries,
        env,
    })
}

/// One cold start's measures.
struct Sample {
    init: Duration,
    peak_rss_kib: u64,
    secrets_read: usize,
}

fn measure(
    name: &str,
    binary: &PathBuf,
    address: SocketAddr,
    env: &[(String, String)],
    state: &Mutex<Run>,
) -> Result<Sample, String> {
    let (tx, rx) = mpsc::channel();
    *state.lock().unwrap() = Run {
        events: Some(tx),
        secrets_read: 0,
    };
    let log = std::env::temp_dir().join(format!("cold-start-{name}.log"));
    let output = std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
    let mut command = lambda_environment(name, binary, address);
    command
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(output.try_clone().map_err(|e| e.to_string())?)
        .stderr(output);
    let started = Instant::now();
    let mut child = command
        .spawn()
        .map_err(|e| format!("{}: {e}", binary.display()))?;
    let outcome = wait_for_next(&mut child, &rx);
    let peak_rss_kib = peak_rss_kib(child.id());
    let _ = child.kill();
    let _ = child.wait();
    let secrets_read = std::mem::take(&mut *state.lock().unwrap()).secrets_read;
    let arrived = outcome.map_err(|e| format!("{name}: {e} (its output: {})", log.display()))?;
    Ok(Sample {
        init: arrived - started,
        peak_rss_kib: peak_rss_kib?,
        secrets_read,
    })
}

/// The environment Lambda gives a function (`infra/template.yaml`'s
/// variables included), and nothing else from ours.
fn lambda_environment(name: &str, binary: &PathBuf, address: SocketAddr) -> Command {
    let mut command = Command::new(binary);
    command.env_clear().envs([
        ("AWS_LAMBDA_RUNTIME_API", address.to_string()),
        ("AWS_LAMBDA_FUNCTION_NAME", name.to_owned()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".into()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128".into()),
        ("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}")),
        ("AWS_LAMBDA_LOG_STREAM_NAME", "cold-start".into()),
        ("AWS_LAMBDA_LOG_FORMAT", "JSON".into()),
        ("AWS_REGION", "us-east-1".into()),
        ("AWS_DEFAULT_REGION", "us-east-1".into()),
        ("AWS_ACCESS_KEY_ID", "testing".into()),
        ("AWS_SECRET_ACCESS_KEY", "testing".into()),
        ("AWS_SESSION_TOKEN", "testing".into()),
        ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ("AWS_ENDPOINT_URL", format!("http://{address}")),
        ("JENKINS_USER", "ecs-agents".into()),
        ("JENKINS_API_TOKEN_SECRET_ID", "jenkins/api-token".into()),
        ("WEBHOOK_SECRET_ID", "jenkins/webhook-secret".into()),
        ("EVENT_BUS_NAME", "default".into()),
        ("AGENT_ENVIRONMENT_BUCKET", "agent-environment".into()),
        ("RECONCILE_BUDGET_SECONDS", "40".into()),
        // The queue is only written to on an invocation, never at cold start.
        (
            "WORK_QUEUE_URL",
            format!("http://{address}/123456789012/work"),
        ),
    ]);
    command
}

/// When the process asked for its first event; an error if it failed or
/// exited first.
fn wait_for_next(child: &mut Child, events: &Receiver<Seen>) -> Result<Instant, String> {
    let deadline = Instant::now() + GIVE_UP;
    loop {
        match events.recv_timeout(Duration::from_millis(20)) {
            Ok(Seen::Next(at)) => return Ok(at),
            Ok(Seen::InitError(body)) => return Err(format!("init error {body}")),
            Ok(Seen::Unexpected(request)) => return Err(format!("unexpected request {request}")),
            Err(RecvTimeoutError::Disconnected) => return Err("server gone".into()),
            Err(RecvTimeoutError::Timeout) => {}
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("exited ({status}) before asking for an event"));
        }
        if Instant::now() > deadline {
            return Err(format!("no request for an event within {GIVE_UP:?}"));
        }
    }
}

/// `VmHWM` of process `pid`, in KiB.
fn peak_rss_kib(pid: u32) -> Result<u64, String> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .map_err(|e| format!("/proc/{pid}/status: {e}"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| format!("no VmHWM in /proc/{pid}/status"))
}

fn serve(listener: TcpListener, state: Arc<Mutex<Run>>) {
    for stream in listener.incoming().flatten() {
        let state = Arc::clone(&state);
        std::thread::spawn(move || {
            let _ = connection(stream, &state);
        });
    }
}

/// A parsed request: method, path, lower-cased headers, body.
struct Request {
    method: String,
    path: String,
    headers: HashMap<String, String>,
    body: Vec<u8>,
}

/// Serves one keep-alive connection: the runtime API and Secrets Manager.
fn connection(stream: TcpStream, state: &Mutex<Run>) -> std::io::Result<()> {
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    while let Some(request) = read_request(&mut reader)? {
        let at = Instant::now();
        let mut run = state.lock().unwrap();
        let send = |seen: Seen| {
            if let Some(events) = &run.events {
                let _ = events.send(seen);
            }
        };
        let target = request.headers.get("x-amz-target").map(String::as_str);
        match (request.method.as_str(), request.path.as_str(), target) {
            ("GET", NEXT, _) => {
                send(Seen::Next(at));
                drop(run);
                // Never answered, and held open until the process is killed
                // (it would exit on a closed connection before it is measured).
                return reader.read_to_end(&mut Vec::new()).map(drop);
            }
            ("POST", INIT_ERROR, _) => {
                send(Seen::InitError(
                    String::from_utf8_lossy(&request.body).into(),
                ));
                respond(&mut writer, 202, "application/json", "{}")?;
            }
            ("POST", "/", Some("secretsmanager.GetSecretValue")) => {
                run.secrets_read += 1;
                drop(run);
                let input: serde_json::Value =
                    serde_json::from_slice(&request.body).unwrap_or_default();
                let id = input["SecretId"].as_str().unwrap_or_default();
                let body = serde_json::json!({
                    "ARN": format!("arn:aws:secretsmanager:us-east-1:123456789012:secret:{id}-AbCdEf"),
                    "Name": id,
                    "SecretString": "cold-start-bench-secret",
                    "VersionId": "00000000-0000-0000-0000-000000000000",
                });
                respond(
                    &mut writer,
                    200,
                    "application/x-amz-json-1.1",
                    &body.to_string(),
                )?;
            }
            (method, path, target) => {
                send(Seen::Unexpected(format!("{method} {path} {target:?}")));
                respond(&mut writer, 404, "application/json", "{}")?;
            }
        }
    }
    Ok(())
}

/// Reads one HTTP/1.1 request; `None` at the end of the connection.
fn read_request(reader: &mut BufReader<TcpStream>) -> std::io::Result<Option<Request>> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    let mut parts = line.split_whitespace();
    let (method, path) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    let (method, path) = (method.to_owned(), path.to_owned());
    let mut headers = HashMap::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        let Some((name, value)) = line.trim_end().split_once(':') else {
            break;
        };
        headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
    }
    let length = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    Ok(Some(Request {
        method,
        path,
        headers,
        body,
    }))
}

fn respond(
    writer: &mut TcpStream,
    status: u16,
    content_type: &str,
    body: &str,
) -> std::io::Result<()> {
    write!(
        writer,
        "HTTP/1.1 {status} X\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )?;
    writer.flush()
}

fn print_table(binaries: &[(String, PathBuf)], samples: &[Vec<Sample>]) -> Result<(), String> {
    let runs = samples.first().map_or(0, Vec::len);
    println!("{runs} cold starts each (median, and min–max), after one warm-up\n");
    let first = binaries.first().map_or("", |(name, _)| name.as_str());
    println!("| binary | size | init | × {first} | peak RSS | secrets read |");
    println!("|---|---:|---:|---:|---:|---:|");
    let mut baseline = None;
    for ((name, binary), samples) in binaries.iter().zip(samples) {
        let size = std::fs::metadata(binary)
            .map_err(|e| format!("{}: {e}", binary.display()))?
            .len();
        let mut init: Vec<f64> = samples.iter().map(|s| s.init.as_secs_f64() * 1e3).collect();
        let mut rss: Vec<u64> = samples.iter().map(|s| s.peak_rss_kib).collect();
        init.sort_by(f64::total_cmp);
        rss.sort_unstable();
        let median = init[init.len() / 2];
        let baseline = *baseline.get_or_insert(median);
        let secrets = samples.iter().map(|s| s.secrets_read).max().unwrap_or(0);
        println!(
            "| {name} | {:.2} MiB | {median:.1} ms ({:.1}–{:.1}) | {:.1} | {:.1} MiB (max {:.1}) | {secrets} |",
            size as f64 / 1048576.0,
            init[0],
            init[init.len() - 1],
            median / baseline,
            rss[rss.len() / 2] as f64 / 1024.0,
            rss[rss.len() - 1] as f64 / 1024.0,
        );
    }
    Ok(())
}
