//! The moto server process: found, started on a free loopback port, stopped on drop.

use std::{
    ffi::OsString,
    fs::File,
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use aws_config::SdkConfig;
use serde_json::json;

/// How long moto may take to answer after it is spawned. It usually needs well
/// under a second, but two test binaries starting it on 2 busy cores take longer.
const READY_TIMEOUT: Duration = Duration::from_secs(20);
/// Between binding port 0 and moto binding the port, another process may take
/// it: moto then exits at once and we try a new port.
const START_ATTEMPTS: usize = 3;

/// A running `moto_server`, killed (and reaped) when dropped.
pub struct Moto {
    child: Child,
    port: u16,
    log: PathBuf,
    pub(crate) http: reqwest::Client,
}

impl Moto {
    /// Starts `moto_server` on a free port of 127.0.0.1 and waits until it answers.
    ///
    /// The executable is `$MOTO_SERVER` if set, else `<repo>/.venv/bin/moto_server`;
    /// when it is missing the error says to run `scripts/python-env`.
    pub async fn start() -> anyhow::Result<Self> {
        let program = moto_server_path(std::env::var_os("MOTO_SERVER"), &repo_root())?;
        let http = reqwest::Client::builder()
            .no_proxy()
            .build()
            .context("building the HTTP client for moto")?;
        let mut last_error = None;
        for _ in 0..START_ATTEMPTS {
            let port = free_port()?;
            let mut moto = spawn(&program, port, http.clone())?;
            match moto.wait_until_ready().await {
                Ok(()) => return Ok(moto),
                Err(error) => last_error = Some(error),
            }
        }
        let error = last_error.expect("at least one attempt");
        Err(error.context(format!(
            "moto_server did not start in {START_ATTEMPTS} attempts"
        )))
    }

    /// The base URL of the server, `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The operating-system process id of the server.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// An SDK configuration pointing at this server (see [`crate::sdk_config`]).
    pub fn sdk_config(&self) -> SdkConfig {
        crate::sdk_config(&self.endpoint())
    }

    /// Forgets every resource of every service (`POST /moto-api/reset`); moto
    /// recreates its default VPC with new ids on the next EC2 call.
    pub async fn reset(&self) -> anyhow::Result<()> {
        self.moto_api("reset", None).await
    }

    /// Keeps every ECS task in the state RunTask gave it.
    ///
    /// By default each DescribeTasks call advances a moto task one lifecycle state
    /// (PROVISIONING → PENDING → RUNNING → …); tests that describe tasks want them
    /// to stay put. Applies to tasks started after the call.
    pub async fn pin_task_states(&self) -> anyhow::Result<()> {
        let transition = json!({
            "model_name": "ecs::task",
            "transition": {"progression": "manual", "times": 1000},
        });
        self.moto_api("state-manager/set-transition", Some(transition))
            .await
    }

    async fn moto_api(&self, path: &str, body: Option<serde_json::Value>) -> anyhow::Result<()> {
        let mut request = self
            .http
            .post(format!("{}/moto-api/{path}", self.endpoint()));
        if let Some(body) = body {
            request = request.json(&body);
        }
        request
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .with_context(|| format!("POST /moto-api/{path}"))?;
        Ok(())
    }

    async fn wait_until_ready(&mut self) -> anyhow::Result<()> {
        let deadline = Instant::now() + READY_TIMEOUT;
        let url = format!("{}/moto-api/", self.endpoint());
        loop {
            if let Some(status) = self.child.try_wait().context("checking moto_server")? {
                bail!(
                    "moto_server exited with {status} on start; {}",
                    self.log_tail()
                );
            }
            if let Ok(response) = self.http.get(&url).send().await
                && response.status().is_success()
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!(
                    "moto_server did not answer within {READY_TIMEOUT:?}; {}",
                    self.log_tail()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        let tail = lines[lines.len().saturating_sub(20)..].join("\n");
        // The log is removed on drop, so the error carries the lines themselves.
        format!("its output:\n{tail}")
    }
}

impl Drop for Moto {
    /// Kills the server and waits for it, so no moto outlives its test.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

fn spawn(program: &Path, port: u16, http: reqwest::Client) -> anyhow::Result<Moto> {
    // moto logs every request; a file (not a pipe nobody reads) keeps it from
    // blocking and keeps the last lines for error messages.
    let log = std::env::temp_dir().join(format!("moto-{port}-{}.log", std::process::id()));
    let output = File::create(&log).with_context(|| format!("creating {}", log.display()))?;
    let child = Command::new(program)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdin(Stdio::null())
        .stdout(output.try_clone()?)
        .stderr(output)
        .spawn()
        .with_context(|| format!("starting {}", program.display()))?;
    Ok(Moto {
        child,
        port,
        log,
        http,
    })
}

/// Asks the OS for a free loopback port. The listener is dropped before moto
/// binds the port, hence the retries in [`Moto::start`].
fn free_port() -> anyhow::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("binding a free loopback port")?;
    Ok(listener.local_addr()?.port())
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Where `moto_server` is: `override_path` (from `$MOTO_SERVER`) or the repo's venv.
fn moto_server_path(override_path: Option<OsString>, repo: &Path) -> anyhow::Result<PathBuf> {
    let path = match override_path {
        Some(path) => PathBuf::from(path),
        None => repo.join(".venv/bin/moto_server"),
    };
    if !path.is_file() {
        bail!(
            "moto_server not found at {}: run `scripts/python-env` from the repository root \
             to install moto into .venv/ (or set MOTO_SERVER to its path)",
            path.display()
        );
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_moto_server_tells_to_run_python_env() {
        let error = moto_server_path(None, Path::new("/nonexistent")).unwrap_err();

        let message = error.to_string();
        assert!(
            message.contains("/nonexistent/.venv/bin/moto_server"),
            "{message}"
        );
        assert!(message.contains("scripts/python-env"), "{message}");
    }

    #[test]
    fn moto_server_env_overrides_the_venv() {
        let error = moto_server_path(Some("/elsewhere/moto".into()), Path::new("/repo"));

        assert!(error.unwrap_err().to_string().contains("/elsewhere/moto"));
    }
}
