//! The `jenkins-stand-in` command line.

use std::io::Write;
use std::time::Duration;

use clap::Parser;

use crate::StandIn;
use crate::state::computer::Mode;

/// A Jenkins stand-in: serves Jenkins' HTTP API for agents, computers and the queue, plus
/// test controls under /_stand-in/. Prints `listening on http://127.0.0.1:PORT` to
/// stdout, logs requests to stderr, and stops on SIGINT or SIGTERM.
#[derive(Debug, Parser)]
#[command(name = "jenkins-stand-in", version)]
pub struct Cli {
    /// Port on 127.0.0.1 to listen on; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// User name accepted by HTTP Basic authentication.
    #[arg(long, default_value = "admin")]
    pub user: String,
    /// That user's API token.
    #[arg(long)]
    pub token: String,
    /// Root URL to report (default: the listening address).
    #[arg(long)]
    pub root_url: Option<String>,
    /// Executors of the built-in node (0 = a controller that runs nothing itself).
    #[arg(long, default_value_t = 0)]
    pub built_in_executors: u32,
    /// Labels of the built-in node (space-separated).
    #[arg(long, default_value = "")]
    pub built_in_labels: String,
    /// Hex key the agent secrets are derived from (default: random).
    #[arg(long)]
    pub secret_key: Option<String>,
    /// Milliseconds between doCreateItem's duplicate check and its insert (Jenkins' race).
    #[arg(long)]
    pub create_race_window_ms: Option<u64>,
    /// Do not log requests to stderr.
    #[arg(long)]
    pub quiet: bool,
}

impl Cli {
    /// Starts the stand-in, announces its URL on stdout and serves until SIGINT/SIGTERM.
    pub async fn run(self) -> Result<(), Box<dyn std::error::Error>> {
        let mut builder = StandIn::builder()
            .port(self.port)
            .user(self.user, self.token)
            .built_in(self.built_in_executors, self.built_in_labels, Mode::Normal)
            .create_race_window(self.create_race_window_ms.map(Duration::from_millis))
            .log_requests(!self.quiet);
        if let Some(url) = self.root_url {
            builder = builder.root_url(url);
        }
        if let Some(key) = self.secret_key {
            builder = builder.jnlp_key(hex::decode(key)?);
        }
        let running = builder.start().await?;
        let mut stdout = std::io::stdout();
        writeln!(stdout, "listening on {}", running.base_url())?;
        stdout.flush()?;
        shutdown_signal().await?;
        running.shutdown().await;
        Ok(())
    }
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() -> std::io::Result<()> {
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        result = tokio::signal::ctrl_c() => result,
        _ = terminate.recv() => Ok(()),
    }
}
