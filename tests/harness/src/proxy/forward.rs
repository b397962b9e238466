//! Forwarding a request to moto unchanged, and reading its whole answer so
//! that it can be replayed.

use anyhow::Context;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};

use super::{Answer, Proxy, bump};

/// One request on its way to moto.
pub(super) struct Forward<'a> {
    pub(super) proxy: &'a Proxy,
    pub(super) parts: &'a axum::http::request::Parts,
    pub(super) body: Bytes,
    pub(super) operation: Option<&'a str>,
}

impl Forward<'_> {
    /// Sends the request to moto unchanged and reads its whole answer.
    pub(super) async fn send(self) -> anyhow::Result<Answer> {
        if let Some(operation) = self.operation {
            bump(&self.proxy.forwarded, operation);
        }
        let path = self.parts.uri.path_and_query().map_or("/", |p| p.as_str());
        let mut headers = self.parts.headers.clone();
        strip_hop_by_hop(&mut headers);
        headers.remove(header::HOST);
        let response = self
            .proxy
            .http
            .request(
                self.parts.method.clone(),
                format!("{}{path}", self.proxy.upstream),
            )
            .headers(headers)
            .body(self.body)
            .send()
            .await
            .context("forwarding to moto")?;
        let status = response.status();
        let mut headers = response.headers().clone();
        strip_hop_by_hop(&mut headers);
        let body = response.bytes().await.context("reading moto's answer")?;
        Ok(Answer {
            status,
            headers,
            body,
        })
    }
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        let mut response = Response::new(Body::from(self.body));
        *response.status_mut() = self.status;
        *response.headers_mut() = self.headers;
        response
    }
}

/// Headers that describe one connection or one framing, recomputed per hop.
fn strip_hop_by_hop(headers: &mut HeaderMap) {
    for name in [
        header::CONNECTION,
        header::CONTENT_LENGTH,
        header::TRANSFER_ENCODING,
        header::UPGRADE,
        header::TE,
        header::TRAILER,
    ] {
        headers.remove(name);
    }
    headers.remove("keep-alive");
    headers.remove("proxy-connection");
}
