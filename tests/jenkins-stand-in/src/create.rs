//! `POST /computer/doCreateItem` (`ComputerSet.doDoCreateItem`, docs/jenkins-api.md §1).
//!
//! Order of checks as in Jenkins: Agent/Create, the name (`checkName`, which includes the duplicate
//! check), then the submitted form, then the node type, then binding, then `addNode`.
//! The duplicate check and the add are separate steps in Jenkins, and `addNode` replaces
//! a same-named node; the optional race window reproduces that.

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::Value;

use crate::auth::AuthUser;
use crate::bind::bind_node;
use crate::http_util::{Params, error_page, failure, redirect};
use crate::names::check_name;
use crate::ops::add_node;
use crate::permissions::AGENT_CREATE;
use crate::permissions::denied::check;
use crate::state::Shared;
use crate::state::computer::NodeConfig;

/// The `type` values naming `DumbSlave` (its class or its descriptor's id).
const DUMB_SLAVE_TYPES: [&str; 2] = [
    "hudson.slaves.DumbSlave",
    "hudson.slaves.DumbSlave$DescriptorImpl",
];

/// Creates a permanent inbound agent from form fields `name`, `type` and `json`, which
/// may also come in the query string (python-jenkins sends them there).
pub async fn do_create_item(
    State(shared): State<Shared>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // Agent/Create comes before the name: a duplicate is a 403 without it (§13).
    if let Some(denied) = check(&shared.lock().permissions, &user, &AGENT_CREATE, None) {
        return denied;
    }
    let params = Params::from_request(query.as_deref(), &headers, &body);
    let name = match check_name(params.get("name")) {
        Ok(name) => name,
        Err(message) => return failure(&message),
    };
    let (exists, window, root) = {
        let state = shared.lock();
        let exists = state.agent_nodes().any(|c| c.config.name == name);
        (
            exists,
            state.settings.create_race_window,
            state.settings.root_url.clone(),
        )
    };
    if exists {
        return failure(&format!("Agent called ‘{name}’ already exists"));
    }
    let node = match bind_form(&params, &name) {
        Ok(node) => node,
        Err((status, message)) => return error_page(status, &message),
    };
    if let Some(window) = window {
        tokio::time::sleep(window).await;
    }
    add_node(&mut shared.lock(), node);
    redirect(&format!("{root}computer/"))
}

/// `req.getSubmittedForm()` and `NodeDescriptor.newInstance(req, form)`; errors are the
/// status and message of the page Jenkins would answer with.
fn bind_form(params: &Params, name: &str) -> Result<NodeConfig, (StatusCode, String)> {
    let server_error = |message: String| (StatusCode::INTERNAL_SERVER_ERROR, message);
    let Some(json) = params.get("json") else {
        // Stapler's wording depends on whether anything at all was submitted.
        let message = if params.is_empty() {
            "Nothing is submitted"
        } else {
            "This page expects a form submission"
        };
        return Err((StatusCode::BAD_REQUEST, message.to_owned()));
    };
    let form: Value = serde_json::from_str(json)
        .map_err(|e| server_error(format!("net.sf.json.JSONException: {e}")))?;
    if !params
        .get("type")
        .is_some_and(|t| DUMB_SLAVE_TYPES.contains(&t))
    {
        // NodeDescriptor.all().find(type) returns null: a NullPointerException.
        return Err(server_error("java.lang.NullPointerException".to_owned()));
    }
    bind_node(name, &form).map_err(server_error)
}
