//! The route table: Jenkins' API (authenticated, recorded, fault-injectable) and the
//! test controls under `/_stand-in`.

use axum::Json;
use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;

use crate::auth::basic_auth;
use crate::http_util::not_found;
use crate::permissions::denied::overall_read;
use crate::state::Shared;
use crate::traffic::traffic;
use crate::{computers, control, create, queue_http};

/// Builds the whole application.
pub fn app(shared: Shared) -> Router {
    let computer = Router::new()
        .route("/api/json", get(computers::list))
        .route("/doCreateItem", post(create::do_create_item))
        .route("/{name}/api/json", get(computers::one))
        .route("/{name}/jenkins-agent.jnlp", get(computers::jnlp_file))
        .route("/{name}/slave-agent.jnlp", get(computers::jnlp_file))
        .route("/{name}/doDelete", post(computers::delete))
        .route("/{name}/toggleOffline", post(computers::toggle_offline))
        .route(
            "/{name}/changeOfflineCause",
            post(computers::change_offline_cause),
        );
    let jenkins = Router::new()
        .nest("/computer", computer.clone())
        .nest("/manage/computer", computer)
        .route("/queue/api/json", get(queue_http::list))
        .route("/queue/item/{id}/api/json", get(queue_http::item))
        .route("/queue/item/{id}/", get(queue_http::item_index))
        .route(
            "/queue/item/{id}/cancelQueue",
            post(queue_http::cancel_queue),
        )
        .route("/queue/cancelItem", post(queue_http::cancel_item))
        .route("/crumbIssuer/api/json", get(crumb))
        .fallback(fallback)
        .layer(from_fn_with_state(shared.clone(), overall_read))
        .layer(from_fn_with_state(shared.clone(), basic_auth))
        .layer(from_fn_with_state(shared.clone(), traffic));
    Router::new()
        .nest("/_stand-in", control::routes())
        .merge(jenkins)
        .with_state(shared)
}

/// `GET /crumbIssuer/api/json`: a crumb, though token-authenticated requests need none.
async fn crumb() -> Response {
    Json(json!({
        "_class": "hudson.security.csrf.DefaultCrumbIssuer",
        "crumb": "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "crumbRequestField": "Jenkins-Crumb",
    }))
    .into_response()
}

async fn fallback() -> Response {
    not_found()
}
