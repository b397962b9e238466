//! Configuring and starting a stand-in.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::RunningStandIn;
use crate::router::app;
use crate::state::computer::{Mode, NodeConfig};
use crate::state::{Settings, Shared, State};

/// Entry point: `StandIn::builder().user("admin", "token").start().await`.
#[derive(Debug)]
pub struct StandIn;

impl StandIn {
    /// A builder with Jenkins' defaults: no users, a built-in node with 0 executors (a
    /// controller scaled to zero), atomic node creation, left items kept 5 minutes.
    pub fn builder() -> StandInBuilder {
        StandInBuilder {
            users: Vec::new(),
            port: 0,
            create_race_window: None,
            root_url: None,
            jnlp_key: None,
            built_in: NodeConfig {
                num_executors: 0,
                ..NodeConfig::new("")
            },
            left_item_ttl: Duration::from_secs(5 * 60),
            log_requests: false,
            jenkins_version: "2.528.3".to_owned(),
        }
    }
}

/// Settings for a stand-in; see [`StandIn::builder`].
#[derive(Debug, Clone)]
pub struct StandInBuilder {
    users: Vec<(String, String)>,
    port: u16,
    create_race_window: Option<Duration>,
    root_url: Option<String>,
    jnlp_key: Option<Vec<u8>>,
    built_in: NodeConfig,
    left_item_ttl: Duration,
    log_requests: bool,
    jenkins_version: String,
}

impl StandInBuilder {
    /// Accepts HTTP Basic `user:token`; may be called several times.
    pub fn user(mut self, user: impl Into<String>, token: impl Into<String>) -> Self {
        self.users.push((user.into(), token.into()));
        self
    }

    /// Listens on this port of 127.0.0.1 (default 0: the OS picks a free one).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Makes `doCreateItem` wait this long between its duplicate check and the insert,
    /// so two concurrent creates of one name can both succeed, as in Jenkins.
    pub fn create_race_window(mut self, window: Option<Duration>) -> Self {
        self.create_race_window = window;
        self
    }

    /// The root URL Jenkins reports (default: `http://127.0.0.1:PORT/`).
    pub fn root_url(mut self, url: impl Into<String>) -> Self {
        let mut url = url.into();
        if !url.ends_with('/') {
            url.push('/');
        }
        self.root_url = Some(url);
        self
    }

    /// The key agent secrets are derived from (default: random per instance).
    pub fn jnlp_key(mut self, key: impl Into<Vec<u8>>) -> Self {
        self.jnlp_key = Some(key.into());
        self
    }

    /// The built-in node's executors (default 0), labels and mode.
    pub fn built_in(mut self, executors: u32, label_string: impl Into<String>, mode: Mode) -> Self {
        self.built_in.num_executors = executors;
        self.built_in.label_string = label_string.into();
        self.built_in.mode = mode;
        self
    }

    /// How long left queue items stay visible (default 5 minutes, as in Jenkins).
    pub fn left_item_ttl(mut self, ttl: Duration) -> Self {
        self.left_item_ttl = ttl;
        self
    }

    /// Prints one line per Jenkins API request to stderr.
    pub fn log_requests(mut self, on: bool) -> Self {
        self.log_requests = on;
        self
    }

    /// The `X-Jenkins` header (default `2.528.3`, an LTS without XML `createItem`).
    pub fn jenkins_version(mut self, version: impl Into<String>) -> Self {
        self.jenkins_version = version.into();
        self
    }

    /// Binds 127.0.0.1 and serves until the returned handle is shut down or dropped.
    pub async fn start(self) -> std::io::Result<RunningStandIn> {
        let listener =
            TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, self.port))).await?;
        let addr = listener.local_addr()?;
        let base_url = format!("http://{addr}");
        let settings = Settings {
            users: self.users,
            create_race_window: self.create_race_window,
            root_url: self.root_url.unwrap_or_else(|| format!("{base_url}/")),
            jnlp_key: self.jnlp_key.unwrap_or_else(random_key),
            left_item_ttl: self.left_item_ttl,
            log_requests: self.log_requests,
            jenkins_version: self.jenkins_version,
            language: crate::language::Language::default(),
        };
        let shared = Shared::new(State::new(settings, self.built_in));
        let (stop, stopped) = oneshot::channel::<()>();
        let server = axum::serve(listener, app(shared.clone()))
            .with_graceful_shutdown(async { drop(stopped.await) });
        let task = tokio::spawn(async move { drop(server.await) });
        Ok(RunningStandIn::new(shared, base_url, stop, task))
    }
}

/// 32 random bytes for the secret key, from the OS when possible.
fn random_key() -> Vec<u8> {
    use std::hash::{BuildHasher, Hasher};
    use std::io::Read;
    let mut key = vec![0_u8; 32];
    let from_os = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut key));
    if from_os.is_err() {
        for chunk in key.chunks_mut(8) {
            let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
            hasher.write_u128(crate::state::now_ms().unsigned_abs().into());
            chunk.copy_from_slice(&hasher.finish().to_le_bytes()[..chunk.len()]);
        }
    }
    key
}
