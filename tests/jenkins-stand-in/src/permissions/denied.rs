//! The 403 answers of a missing permission, as Jenkins' `AccessDeniedHandlerImpl` writes
//! them (docs/jenkins-api.md §13), and the Overall/Read check every API URL goes through.

use axum::extract::{Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::{Denials, OVERALL_READ, Permission};
use crate::auth::AuthUser;
use crate::state::Shared;

/// `AccessDeniedException3.reportAsHeaders` without `REPORT_GROUP_HEADERS`.
const GROUP_HEADERS_DISABLED: &str = "JENKINS-39402: use \
     -Dhudson.security.AccessDeniedException2.REPORT_GROUP_HEADERS=true or use /whoAmI to diagnose";

/// Jenkins' 403 for `user` if the API users do not hold `permission` (on `job`, when
/// given) under `denials`; `None` if they do.
pub fn check(
    denials: &Denials,
    user: &str,
    permission: &'static Permission,
    job: Option<&str>,
) -> Option<Response> {
    (!denials.holds(permission, job)).then(|| missing(user, permission))
}

/// `AccessDeniedException3`: 403, the message `<user> is missing the <Group>/<Name>
/// permission` on the access-denied page, and the headers naming the user, the permission
/// and every permission that would imply it.
pub fn missing(user: &str, permission: &Permission) -> Response {
    let message = format!("{user} is missing the {} permission", permission.title);
    let mut response = access_denied_page(&message);
    let headers = response.headers_mut();
    if let Ok(user) = HeaderValue::from_str(user) {
        headers.append("X-You-Are-Authenticated-As", user);
    }
    headers.append(
        "X-You-Are-In-Group-Disabled",
        HeaderValue::from_static(GROUP_HEADERS_DISABLED),
    );
    headers.append(
        "X-Required-Permission",
        HeaderValue::from_static(permission.id),
    );
    for implying in permission.implied_by() {
        headers.append(
            "X-Permission-Implied-By",
            HeaderValue::from_static(implying.id),
        );
    }
    response
}

/// A plain `AccessDeniedException`, as a queue item of a job the user may discover but not
/// read throws it: 403 with the message, and none of the headers of [`missing`].
pub fn please_log_in(task_url: &str) -> Response {
    access_denied_page(&format!("Please log in to access {task_url}"))
}

/// The `accessDenied` view: the message in `<p class="error">`.
fn access_denied_page(message: &str) -> Response {
    let escaped = message
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    let body = format!(
        "<html><head><title>Jenkins Login [Jenkins]</title></head><body>\
         <h1>Access Denied</h1><p class=\"error\">{escaped}</p></body></html>"
    );
    (
        StatusCode::FORBIDDEN,
        [(CONTENT_TYPE, "text/html;charset=utf-8")],
        body,
    )
        .into_response()
}

/// Middleware after authentication: `Jenkins.getTarget()` checks Overall/Read before any
/// URL is resolved, unknown ones included. The `.jnlp` file is exempt only with
/// `?encrypt=true` (docs/jenkins-api.md §2), which the stand-in does not serve.
pub async fn overall_read(State(shared): State<Shared>, request: Request, next: Next) -> Response {
    let denied = request
        .extensions()
        .get::<AuthUser>()
        .and_then(|AuthUser(user)| check(&shared.lock().permissions, user, &OVERALL_READ, None));
    match denied {
        Some(denied) => denied,
        None => next.run(request).await,
    }
}
