//! The record of every Jenkins API request, and injected faults (test controls).

use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use crate::http_util::error_page;
use crate::state::Shared;

/// One request the stand-in answered on Jenkins' API (control requests are not recorded).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordedRequest {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path, still percent-encoded (e.g. `/computer/doCreateItem`).
    pub path: String,
    /// The raw query string, if any.
    pub query: Option<String>,
    /// The status answered.
    pub status: u16,
}

/// A fault to inject into the next `count` requests whose path starts with `path_prefix`
/// (and whose method is `method`, when given): wait `delay_ms`, then answer `status`
/// instead of Jenkins' response (or, without a status, serve the request late), and drop
/// the response header `strip_header` as a proxy that passes only headers it knows would
/// (docs/jenkins-api.md §15).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Fault {
    /// Requests whose path starts with this are affected (e.g. `/computer/doCreateItem`).
    pub path_prefix: String,
    /// Only this HTTP method, if given.
    #[serde(default)]
    pub method: Option<String>,
    /// How many matching requests are affected.
    #[serde(default = "one")]
    pub count: u32,
    /// The status to answer instead; `None` lets the request through after the delay.
    #[serde(default)]
    pub status: Option<u16>,
    /// A delay before answering, in milliseconds.
    #[serde(default)]
    pub delay_ms: Option<u64>,
    /// A response header to remove (e.g. `X-Error`), case-insensitive.
    #[serde(default)]
    pub strip_header: Option<String>,
}

fn one() -> u32 {
    1
}

impl Fault {
    /// Answers the next matching request with `status`.
    pub fn status(path_prefix: impl Into<String>, status: u16) -> Fault {
        Fault {
            path_prefix: path_prefix.into(),
            method: None,
            count: 1,
            status: Some(status),
            delay_ms: None,
            strip_header: None,
        }
    }

    /// Delays the next matching request by `delay`.
    pub fn delay(path_prefix: impl Into<String>, delay: Duration) -> Fault {
        let ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
        Fault {
            path_prefix: path_prefix.into(),
            method: None,
            count: 1,
            status: None,
            delay_ms: Some(ms),
            strip_header: None,
        }
    }

    /// Serves the next matching request but drops `header` from Jenkins' answer.
    pub fn strip_header(path_prefix: impl Into<String>, header: impl Into<String>) -> Fault {
        Fault {
            path_prefix: path_prefix.into(),
            method: None,
            count: 1,
            status: None,
            delay_ms: None,
            strip_header: Some(header.into()),
        }
    }

    /// Affects the next `count` matching requests instead of one.
    pub fn times(mut self, count: u32) -> Fault {
        self.count = count;
        self
    }

    /// Affects only requests with this method.
    pub fn method(mut self, method: impl Into<String>) -> Fault {
        self.method = Some(method.into());
        self
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        path.starts_with(&self.path_prefix)
            && self
                .method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method))
    }
}

/// Middleware: applies faults, records the exchange, adds `X-Jenkins`, logs to stderr.
pub async fn traffic(State(shared): State<Shared>, request: Request, next: Next) -> Response {
    let method = request.method().to_string();
    let path = request.uri().path().to_owned();
    let query = request.uri().query().map(str::to_owned);
    let fault = take_fault(&shared, &method, &path);
    if let Some(ms) = fault.as_ref().and_then(|f| f.delay_ms) {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    let (status, strip) = fault.map_or((None, None), |f| (f.status, f.strip_header));
    let mut response = match status {
        Some(status) => injected(status),
        None => next.run(request).await,
    };
    if let Some(name) = strip {
        response.headers_mut().remove(name.as_str());
    }
    let status = response.status().as_u16();
    let mut state = shared.lock();
    if let Ok(version) = HeaderValue::from_str(&state.settings.jenkins_version) {
        response.headers_mut().insert("X-Jenkins", version);
    }
    if state.settings.log_requests {
        let q = query
            .as_deref()
            .map(|q| format!("?{q}"))
            .unwrap_or_default();
        eprintln!("{method} {path}{q} -> {status}");
    }
    state.requests.push(RecordedRequest {
        method,
        path,
        query,
        status,
    });
    response
}

/// Consumes one use of the first fault matching the request.
fn take_fault(shared: &Shared, method: &str, path: &str) -> Option<Fault> {
    let mut state = shared.lock();
    let index = state
        .faults
        .iter()
        .position(|f| f.count > 0 && f.matches(method, path))?;
    let fault = &mut state.faults[index];
    fault.count -= 1;
    let taken = fault.clone();
    if fault.count == 0 {
        state.faults.remove(index);
    }
    Some(taken)
}

fn injected(status: u16) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    error_page(status, "injected by the Jenkins stand-in")
}
