//! Response and request helpers shared by the Jenkins API handlers.

use axum::body::Bytes;
use axum::http::header::{CONTENT_TYPE, LOCATION};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::json::Detail;
use crate::tree::Tree;

/// Request parameters as a servlet sees them: the query string first, then a
/// form-urlencoded body; the first value of a name wins (`getParameter`).
#[derive(Debug, Default)]
pub struct Params(pub Vec<(String, String)>);

impl Params {
    /// Collects parameters from the query string and, if form-encoded, the body.
    pub fn from_request(query: Option<&str>, headers: &HeaderMap, body: &Bytes) -> Params {
        let mut pairs: Vec<(String, String)> = query
            .and_then(|q| serde_urlencoded::from_str(q).ok())
            .unwrap_or_default();
        let form = headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
        if form {
            let body: Vec<(String, String)> =
                serde_urlencoded::from_bytes(body).unwrap_or_default();
            pairs.extend(body);
        }
        Params(pairs)
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether any parameter was submitted.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// What Jetty puts on the wire for a header value: UTF-16 code units above U+00FF and
/// control characters other than TAB become spaces (`HttpGenerator.putSanitisedValue`),
/// the rest are sent as ISO-8859-1 bytes. So Jenkins' `X-Error: Agent called ‘x’ already
/// exists` arrives as `Agent called  x  already exists`; the page body keeps the quotes.
pub fn jetty_header_bytes(text: &str) -> Vec<u8> {
    text.encode_utf16()
        .map(|unit| match u8::try_from(unit) {
            Ok(b) if (b >= 0x20 && b != 0x7f) || b == b'\t' => b,
            _ => b' ',
        })
        .collect()
}

/// The `X-Error` value a client reads for a Jenkins failure `message`: Jetty's bytes
/// (see [`jetty_header_bytes`]) without the leading and trailing blanks HTTP strips.
pub fn x_error_as_received(message: &str) -> Vec<u8> {
    let bytes = jetty_header_bytes(message);
    let blank = |b: &u8| *b == b' ' || *b == b'\t';
    let start = bytes.iter().position(|b| !blank(b)).unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !blank(b))
        .map_or(start, |i| i + 1);
    bytes[start..end].to_vec()
}

/// A Jenkins `Failure`: 400, the message in `X-Error`, and an HTML error page.
pub fn failure(message: &str) -> Response {
    let mut response = error_page(StatusCode::BAD_REQUEST, message);
    if let Ok(value) = HeaderValue::from_bytes(&jetty_header_bytes(message)) {
        response.headers_mut().insert("X-Error", value);
    }
    response
}

/// An HTML error page with the given status (`sendError`, `HttpResponses.error`).
pub fn error_page(status: StatusCode, message: &str) -> Response {
    let escaped = message
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    let body = format!(
        "<html><head><title>Error {code}</title></head><body><h2>HTTP ERROR {code} {escaped}</h2></body></html>",
        code = status.as_u16()
    );
    (status, [(CONTENT_TYPE, "text/html;charset=utf-8")], body).into_response()
}

/// A 404 like Jenkins' "Not Found" page.
pub fn not_found() -> Response {
    error_page(StatusCode::NOT_FOUND, "Not Found")
}

/// A 302 redirect (`sendRedirect2`).
pub fn redirect(location: &str) -> Response {
    let mut response = StatusCode::FOUND.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(LOCATION, value);
    }
    response
}

/// The remote API's rendering options: `tree=`, `depth=` and `pretty=`.
#[derive(Debug, Default, serde::Deserialize)]
pub struct ApiQuery {
    /// The `tree=` filter.
    pub tree: Option<String>,
    /// `depth=N`; anything above 0 shows executor details.
    pub depth: Option<u32>,
    /// `pretty=true` indents the output.
    pub pretty: Option<bool>,
}

impl ApiQuery {
    /// The detail level to render before pruning.
    pub fn detail(&self) -> Detail {
        if self.tree.is_some() || self.depth.unwrap_or(0) > 0 {
            Detail::Full
        } else {
            Detail::Default
        }
    }

    /// Prunes `value` by `tree=` and serialises it as Jenkins' JSON API does.
    pub fn respond(&self, value: Value) -> Response {
        let value = match self.tree.as_deref().map(Tree::parse) {
            None => value,
            Some(Ok(tree)) => tree.prune(&value),
            Some(Err(e)) => return error_page(StatusCode::BAD_REQUEST, &e.to_string()),
        };
        let text = if self.pretty == Some(true) {
            serde_json::to_string_pretty(&value)
        } else {
            serde_json::to_string(&value)
        };
        let body = text.unwrap_or_default();
        ([(CONTENT_TYPE, "application/json;charset=utf-8")], body).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::jetty_header_bytes;

    #[test]
    fn curly_quotes_become_spaces_in_headers_and_latin1_survives() {
        assert_eq!(
            jetty_header_bytes("Agent called ‘a’ x"),
            b"Agent called  a  x"
        );
        assert_eq!(jetty_header_bytes("é"), [0xe9]);
    }
}
