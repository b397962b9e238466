//! Jenkins' `/computer/…` endpoints (docs/jenkins-api.md §1–§4), also served under `/manage/computer/…`.

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::auth::AuthUser;
use crate::dispatch::maintain;
use crate::http_util::{ApiQuery, Params, error_page, not_found, redirect};
use crate::json::computers::{computer, computer_set};
use crate::permissions::denied::check;
use crate::permissions::{AGENT_CONNECT, AGENT_DELETE, AGENT_DISCONNECT};
use crate::state::computer::ComputerKind;
use crate::state::queue::url_segment;
use crate::state::{Shared, now_ms};
use crate::{jnlp, ops};

/// `GET /computer/api/json`.
pub async fn list(State(shared): State<Shared>, Query(api): Query<ApiQuery>) -> Response {
    let mut state = shared.lock();
    maintain(&mut state, now_ms());
    api.respond(computer_set(&state, api.detail()))
}

/// `GET /computer/NAME/api/json`: one computer, or 404.
pub async fn one(
    State(shared): State<Shared>,
    Path(name): Path<String>,
    Query(api): Query<ApiQuery>,
) -> Response {
    let mut state = shared.lock();
    maintain(&mut state, now_ms());
    match state.computer(&name) {
        Some(c) => api.respond(computer(&state, c, api.detail())),
        None => not_found(),
    }
}

/// `GET /computer/NAME/jenkins-agent.jnlp` (and `slave-agent.jnlp`): the compact JNLP
/// file carrying the agent's secret; 404 for unknown nodes and the built-in node, 403
/// without Agent/Connect (docs/jenkins-api.md §2).
pub async fn jnlp_file(
    State(shared): State<Shared>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    Path(name): Path<String>,
) -> Response {
    let state = shared.lock();
    let Some(c) = state
        .computer(&name)
        .filter(|c| c.kind == ComputerKind::Agent && !c.removed)
    else {
        return not_found();
    };
    if let Some(denied) = check(&state.permissions, &user, &AGENT_CONNECT, None) {
        return denied;
    }
    let secret = jnlp::secret(&state.settings.jnlp_key, &c.config.name);
    let args = jnlp::arguments(&secret, &c.config, &state.settings.root_url);
    (
        [(CONTENT_TYPE, "application/x-java-jnlp-file")],
        jnlp::render(&args),
    )
        .into_response()
}

/// `POST /computer/NAME/doDelete`: 302 to the computer list, 404 when already gone, 403
/// without Agent/Delete (checked once the computer is found, docs/jenkins-api.md §13).
pub async fn delete(
    State(shared): State<Shared>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    Path(name): Path<String>,
) -> Response {
    let mut state = shared.lock();
    if state.computer(&name).is_some()
        && let Some(denied) = check(&state.permissions, &user, &AGENT_DELETE, None)
    {
        return denied;
    }
    if matches!(name.as_str(), "(built-in)" | "(master)") {
        return error_page(
            StatusCode::BAD_REQUEST,
            "The built-in node cannot be deleted",
        );
    }
    let root = state.settings.root_url.clone();
    match ops::delete_node(&mut state, &name) {
        Ok(()) => redirect(&format!("{root}computer/")),
        Err(_) => not_found(),
    }
}

/// `POST /computer/NAME/toggleOffline?offlineMessage=…`.
pub async fn toggle_offline(
    State(shared): State<Shared>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = Params::from_request(query.as_deref(), &headers, &body);
    let mut state = shared.lock();
    // Back online needs Agent/Connect, offline Agent/Disconnect (docs/jenkins-api.md §13).
    let needed = match state.computer(&name).map(|c| c.temporary_offline.is_some()) {
        Some(true) => Some(&AGENT_CONNECT),
        Some(false) => Some(&AGENT_DISCONNECT),
        None => None,
    };
    if let Some(permission) = needed
        && let Some(denied) = check(&state.permissions, &user, permission, None)
    {
        return denied;
    }
    let done = ops::toggle_offline(&mut state, &name, &user, params.get("offlineMessage"));
    back_to_computer(done, &state.settings.root_url, &name)
}

/// `POST /computer/NAME/changeOfflineCause` (form or query `offlineMessage`); 403 without
/// Agent/Disconnect.
pub async fn change_offline_cause(
    State(shared): State<Shared>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = Params::from_request(query.as_deref(), &headers, &body);
    let mut state = shared.lock();
    if state.computer(&name).is_some()
        && let Some(denied) = check(&state.permissions, &user, &AGENT_DISCONNECT, None)
    {
        return denied;
    }
    let done = ops::change_offline_cause(&mut state, &name, &user, params.get("offlineMessage"));
    back_to_computer(done, &state.settings.root_url, &name)
}

/// `HttpResponses.redirectToDot()` from `/computer/NAME/action`: to `/computer/NAME/`.
fn back_to_computer(done: bool, root: &str, name: &str) -> Response {
    if done {
        redirect(&format!("{root}computer/{}/", url_segment(name)))
    } else {
        not_found()
    }
}
