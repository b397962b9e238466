//! HTTP Basic authentication with API tokens (docs/jenkins-api.md §6).
//!
//! As in Jenkins: a request without credentials is anonymous, and anonymous lacks
//! Overall/Read, so it gets 403 "Authentication required"; wrong or malformed Basic
//! credentials get 401 with `WWW-Authenticate: Basic realm="Jenkins"`. Token-authenticated
//! POSTs need no crumb, so none is checked.

use axum::extract::{Request, State};
use axum::http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::http_util::error_page;
use crate::state::Shared;

/// The authenticated user's id, available to handlers as a request extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthUser(pub String);

/// Middleware: lets authenticated requests through, answers the others.
pub async fn basic_auth(
    State(shared): State<Shared>,
    mut request: Request,
    next: Next,
) -> Response {
    let users = shared.lock().settings.users.clone();
    match authenticate(request.headers(), &users) {
        Ok(user) => {
            request.extensions_mut().insert(AuthUser(user));
            next.run(request).await
        }
        Err(Rejection::Anonymous) => anonymous(),
        Err(Rejection::BadCredentials(message)) => bad_credentials(&message),
    }
}

/// Why a request was not authenticated.
enum Rejection {
    /// No (Basic) credentials: the request is anonymous.
    Anonymous,
    /// Credentials that are malformed or wrong.
    BadCredentials(String),
}

fn authenticate(headers: &HeaderMap, users: &[(String, String)]) -> Result<String, Rejection> {
    let Some(header) = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()) else {
        return Err(Rejection::Anonymous);
    };
    let Some(encoded) = header
        .get(..6)
        .filter(|p| p.eq_ignore_ascii_case("basic "))
        .map(|_| &header[6..])
    else {
        // Jenkins ignores other schemes: the request stays anonymous.
        return Err(Rejection::Anonymous);
    };
    let decoded = STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok());
    let Some((user, token)) = decoded.as_deref().and_then(|d| d.split_once(':')) else {
        return Err(Rejection::BadCredentials(
            "Malformed HTTP basic Authorization header".into(),
        ));
    };
    if users.iter().any(|(u, t)| u == user && t == token) {
        Ok(user.to_owned())
    } else {
        let message = format!("Invalid password/token for user: {user}");
        Err(Rejection::BadCredentials(message))
    }
}

fn anonymous() -> Response {
    let mut response = error_page(StatusCode::FORBIDDEN, "Authentication required");
    let headers = response.headers_mut();
    headers.insert(
        "X-You-Are-Authenticated-As",
        HeaderValue::from_static("anonymous"),
    );
    headers.insert(
        "X-Required-Permission",
        HeaderValue::from_static("hudson.model.Hudson.Read"),
    );
    response
}

fn bad_credentials(message: &str) -> Response {
    let mut response = error_page(StatusCode::UNAUTHORIZED, message);
    let challenge = HeaderValue::from_static("Basic realm=\"Jenkins\"");
    response.headers_mut().insert(WWW_AUTHENTICATE, challenge);
    response
}
