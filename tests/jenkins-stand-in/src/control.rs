//! The test controls over HTTP, under `/_stand-in/` (a prefix Jenkins never uses).
//!
//! JSON in and out, no authentication (the stand-in only listens on loopback), and these
//! requests are not recorded in the request log. See the crate docs for the list.

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::ops::{ControlError, Enqueue};
use crate::permissions::control as perms;
use crate::state::computer::{Mode, NodeConfig};
use crate::state::{Shared, now_ms};
use crate::traffic::Fault;
use crate::{agents, build_log, dispatch, jnlp, ops};

/// The control routes, to be nested under `/_stand-in`.
pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/nodes", get(nodes))
        .route("/queue", get(queue).post(enqueue))
        .route("/queue/{id}", axum::routing::delete(remove_item))
        .route("/queue/{id}/cancel", post(cancel))
        .route("/queue/{id}/unblock", post(unblock))
        .route("/agents/{name}/connect", post(connect))
        .route("/agents/{name}/disconnect", post(disconnect))
        .route("/agents/{name}/accepting-tasks", post(accepting_tasks))
        .route("/agents/{name}/finish", post(finish))
        .route("/agents/{name}/secret", get(secret))
        .route("/faults", get(faults).post(add_fault).delete(clear_faults))
        .route(
            "/permissions",
            get(perms::get).put(perms::put).delete(perms::delete),
        )
        .route("/requests", get(requests).delete(clear_requests))
        .route("/reset", post(reset))
        .route("/restart", post(restart))
        .route("/language", put(language))
        .route(
            "/queue-events",
            get(queue_events).delete(clear_queue_events),
        )
        .route(
            "/computer-events",
            get(computer_events).delete(clear_computer_events),
        )
        .route("/queue/{id}/log", get(build_log).post(print_to_build_log))
        .route("/create-race-window", put(race_window))
        .route("/built-in", put(built_in))
}

/// Parses an optional JSON body (an empty body means all defaults).
fn body<T: DeserializeOwned + Default>(bytes: &Bytes) -> Result<T, ControlError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(bytes).map_err(|e| ControlError::BadRequest(e.to_string()))
}

fn error(e: ControlError) -> Response {
    let status = match e {
        ControlError::NotFound(_) => StatusCode::NOT_FOUND,
        ControlError::AlreadyConnected(_) => StatusCode::CONFLICT,
        ControlError::BadSecret(_) => StatusCode::FORBIDDEN,
        ControlError::BadRequest(_) => StatusCode::BAD_REQUEST,
    };
    (status, Json(e)).into_response()
}

fn done(result: Result<(), ControlError>) -> Response {
    result.map_or_else(error, |()| StatusCode::NO_CONTENT.into_response())
}

fn parse_id(id: &str) -> Result<u64, ControlError> {
    id.parse()
        .map_err(|_| ControlError::BadRequest(format!("bad id {id}")))
}

async fn nodes(State(shared): State<Shared>) -> Response {
    let mut state = shared.lock();
    dispatch::maintain(&mut state, now_ms());
    let all: Vec<_> = std::iter::once(&state.built_in)
        .chain(state.agents.values())
        .cloned()
        .collect();
    Json(all).into_response()
}

async fn queue(State(shared): State<Shared>) -> Response {
    let mut state = shared.lock();
    dispatch::maintain(&mut state, now_ms());
    Json(json!({ "items": state.queue, "left": state.left.values().collect::<Vec<_>>() }))
        .into_response()
}

async fn enqueue(State(shared): State<Shared>, bytes: Bytes) -> Response {
    let request: Enqueue = match body(&bytes) {
        Ok(r) => r,
        Err(e) => return error(e),
    };
    let id = ops::enqueue(&mut shared.lock(), request);
    (StatusCode::CREATED, Json(json!({ "id": id }))).into_response()
}

async fn cancel(State(shared): State<Shared>, Path(id): Path<String>) -> Response {
    let id = match parse_id(&id) {
        Ok(id) => id,
        Err(e) => return error(e),
    };
    match ops::cancel(&mut shared.lock(), id) {
        Some(cancelled) => Json(json!({ "cancelled": cancelled })).into_response(),
        None => error(ControlError::NotFound(format!("no queue item {id}"))),
    }
}

async fn unblock(State(shared): State<Shared>, Path(id): Path<String>) -> Response {
    match parse_id(&id) {
        Ok(id) => done(ops::unblock(&mut shared.lock(), id)),
        Err(e) => error(e),
    }
}

async fn remove_item(State(shared): State<Shared>, Path(id): Path<String>) -> Response {
    let id = match parse_id(&id) {
        Ok(id) => id,
        Err(e) => return error(e),
    };
    let removed = ops::remove_item(&mut shared.lock(), id);
    done(if removed {
        Ok(())
    } else {
        Err(ControlError::NotFound(format!("no queue item {id}")))
    })
}

#[derive(Debug, Default, Deserialize)]
struct ConnectBody {
    secret: Option<String>,
}

async fn connect(State(shared): State<Shared>, Path(name): Path<String>, bytes: Bytes) -> Response {
    match body::<ConnectBody>(&bytes) {
        Ok(b) => done(agents::connect(
            &mut shared.lock(),
            &name,
            b.secret.as_deref(),
        )),
        Err(e) => error(e),
    }
}

async fn disconnect(State(shared): State<Shared>, Path(name): Path<String>) -> Response {
    done(agents::disconnect(&mut shared.lock(), &name))
}

#[derive(Debug, Deserialize)]
struct AcceptingBody {
    accepting: bool,
}

impl Default for AcceptingBody {
    fn default() -> Self {
        AcceptingBody { accepting: true }
    }
}

async fn accepting_tasks(
    State(shared): State<Shared>,
    Path(name): Path<String>,
    bytes: Bytes,
) -> Response {
    match body::<AcceptingBody>(&bytes) {
        Ok(b) => done(agents::set_accepting_tasks(
            &mut shared.lock(),
            &name,
            b.accepting,
        )),
        Err(e) => error(e),
    }
}

#[derive(Debug, Default, Deserialize)]
struct FinishBody {
    executor: Option<u32>,
}

async fn finish(State(shared): State<Shared>, Path(name): Path<String>, bytes: Bytes) -> Response {
    let request = match body::<FinishBody>(&bytes) {
        Ok(b) => b,
        Err(e) => return error(e),
    };
    match ops::finish_builds(&mut shared.lock(), &name, request.executor) {
        Ok(finished) => Json(json!({ "finished": finished })).into_response(),
        Err(e) => error(e),
    }
}

async fn secret(State(shared): State<Shared>, Path(name): Path<String>) -> Response {
    let state = shared.lock();
    Json(json!({ "secret": jnlp::secret(&state.settings.jnlp_key, &name) })).into_response()
}

async fn faults(State(shared): State<Shared>) -> Response {
    Json(shared.lock().faults.clone()).into_response()
}

async fn add_fault(State(shared): State<Shared>, Json(fault): Json<Fault>) -> Response {
    shared.lock().faults.push(fault);
    StatusCode::NO_CONTENT.into_response()
}

async fn clear_faults(State(shared): State<Shared>) -> Response {
    shared.lock().faults.clear();
    StatusCode::NO_CONTENT.into_response()
}

async fn requests(State(shared): State<Shared>) -> Response {
    Json(shared.lock().requests.clone()).into_response()
}

async fn clear_requests(State(shared): State<Shared>) -> Response {
    shared.lock().requests.clear();
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Debug, Default, Deserialize)]
struct LanguageBody {
    language: crate::language::Language,
}

async fn language(State(shared): State<Shared>, bytes: Bytes) -> Response {
    match body::<LanguageBody>(&bytes) {
        Ok(b) => {
            shared.lock().settings.language = b.language;
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => error(e),
    }
}

async fn restart(State(shared): State<Shared>) -> Response {
    crate::restart::restart(&mut shared.lock());
    StatusCode::NO_CONTENT.into_response()
}

async fn queue_events(State(shared): State<Shared>) -> Response {
    let mut state = shared.lock();
    dispatch::maintain(&mut state, now_ms());
    Json(&state.queue_events).into_response()
}

async fn clear_queue_events(State(shared): State<Shared>) -> Response {
    shared.lock().queue_events.clear();
    StatusCode::NO_CONTENT.into_response()
}

async fn computer_events(State(shared): State<Shared>) -> Response {
    Json(&shared.lock().computer_events).into_response()
}

async fn clear_computer_events(State(shared): State<Shared>) -> Response {
    shared.lock().computer_events.clear();
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Debug, Default, Deserialize)]
struct LogLine {
    line: String,
}

async fn build_log(State(shared): State<Shared>, Path(id): Path<String>) -> Response {
    let lines = parse_id(&id).and_then(|id| build_log::lines(&shared.lock(), id));
    match lines {
        Ok(lines) => Json(json!({ "lines": lines })).into_response(),
        Err(e) => error(e),
    }
}

async fn print_to_build_log(
    State(shared): State<Shared>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Response {
    let printed = parse_id(&id).and_then(|id| {
        let line = body::<LogLine>(&bytes)?.line;
        build_log::append(&mut shared.lock(), id, &line)
    });
    done(printed)
}

async fn reset(State(shared): State<Shared>) -> Response {
    shared.lock().reset();
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Debug, Default, Deserialize)]
struct RaceWindowBody {
    ms: Option<u64>,
}

async fn race_window(State(shared): State<Shared>, bytes: Bytes) -> Response {
    match body::<RaceWindowBody>(&bytes) {
        Ok(b) => {
            shared.lock().settings.create_race_window = b.ms.map(std::time::Duration::from_millis);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => error(e),
    }
}

/// The built-in node's executors, labels and mode.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct BuiltInBody {
    num_executors: u32,
    #[serde(default)]
    label_string: String,
    #[serde(default)]
    mode: Option<String>,
}

async fn built_in(State(shared): State<Shared>, Json(b): Json<BuiltInBody>) -> Response {
    let mode = match b.mode.as_deref().map(Mode::parse) {
        None => Mode::Normal,
        Some(Some(mode)) => mode,
        Some(None) => {
            return error(ControlError::BadRequest(
                "mode is NORMAL or EXCLUSIVE".into(),
            ));
        }
    };
    let mut config = NodeConfig::new("");
    (config.num_executors, config.label_string, config.mode) =
        (b.num_executors, b.label_string, mode);
    ops::configure_built_in(&mut shared.lock(), config);
    StatusCode::NO_CONTENT.into_response()
}
