//! Jenkins' `/queue/…` endpoints (docs/jenkins-api.md §5).

use axum::body::Bytes;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::dispatch::maintain;
use crate::http_util::{ApiQuery, Params, error_page, not_found};
use crate::json::queue::{left_item, live_item, queue};
use crate::ops;
use crate::permissions::JobAccess;
use crate::permissions::denied::please_log_in;
use crate::state::{Shared, now_ms};

/// `GET /queue/api/json`.
pub async fn list(State(shared): State<Shared>, Query(api): Query<ApiQuery>) -> Response {
    let mut state = shared.lock();
    let now = now_ms();
    maintain(&mut state, now);
    api.respond(queue(&state, now))
}

/// `GET /queue/item/ID/api/json`: a live item, or a left one for 5 minutes, else 404.
/// `Item.getApi` hides an item of a job the API users may not discover (404) and refuses
/// one they may discover but not read (403), left items included (docs/jenkins-api.md §13).
pub async fn item(
    State(shared): State<Shared>,
    Path(id): Path<String>,
    Query(api): Query<ApiQuery>,
) -> Response {
    let mut state = shared.lock();
    let now = now_ms();
    maintain(&mut state, now);
    let Ok(id) = id.parse::<u64>() else {
        return not_found();
    };
    let live = state.queue.iter().find(|i| i.id == id);
    let Some(task) = live
        .or(state.left.get(&id).map(|l| &l.item))
        .map(|i| &i.task)
    else {
        return not_found();
    };
    match state.permissions.job_access(task.job()) {
        JobAccess::Read => {}
        JobAccess::Discover => return please_log_in(&task.url()),
        JobAccess::None => return not_found(),
    }
    if let Some(item) = live {
        return api.respond(live_item(&state, item, now));
    }
    match state.left.get(&id) {
        Some(left) => api.respond(left_item(&state, left)),
        None => not_found(),
    }
}

/// `GET /queue/item/ID/`: `Item.doIndex`'s plain-text pointer to the API.
pub async fn item_index(State(shared): State<Shared>, Path(id): Path<String>) -> Response {
    let mut state = shared.lock();
    maintain(&mut state, now_ms());
    let known = id
        .parse::<u64>()
        .is_ok_and(|id| state.queue.iter().any(|i| i.id == id) || state.left.contains_key(&id));
    if !known {
        return not_found();
    }
    format!("Queue item exists. For details check, for example, /queue/item/{id}/api/json?tree=cancelled,executable[url]")
        .into_response()
}

/// `POST /queue/cancelItem?id=ID`: 204 when cancelled, 500 for an item that already
/// left the queue (`cancel` returns false), 404 for an unknown id.
pub async fn cancel_item(
    State(shared): State<Shared>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = Params::from_request(query.as_deref(), &headers, &body);
    // Stapler binds a missing primitive `long` parameter as 0.
    let id = params
        .get("id")
        .map_or(Some(0), |v| v.trim().parse::<u64>().ok());
    let Some(id) = id else {
        return error_page(StatusCode::BAD_REQUEST, "id is not a number");
    };
    match ops::cancel(&mut shared.lock(), id) {
        Some(true) => StatusCode::NO_CONTENT.into_response(),
        Some(false) => error_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("Could not cancel run for id {id}"),
        ),
        None => error_page(
            StatusCode::NOT_FOUND,
            &format!("Provided id ({id}) not found"),
        ),
    }
}

/// `POST /queue/item/ID/cancelQueue` (deprecated): cancels if possible, always 204.
pub async fn cancel_queue(State(shared): State<Shared>, Path(id): Path<String>) -> Response {
    let mut state = shared.lock();
    let known = id
        .parse::<u64>()
        .ok()
        .filter(|id| state.queue.iter().any(|i| i.id == *id) || state.left.contains_key(id));
    match known {
        Some(id) => {
            ops::cancel(&mut state, id);
            StatusCode::NO_CONTENT.into_response()
        }
        None => not_found(),
    }
}
