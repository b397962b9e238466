//! HTTP in, HTTP out: translates a Function URL request into a
//! [`WebhookRequest`] and the [`WebhookResponse`] back. All decisions live in
//! `ecs_agents::webhook`.

use std::time::SystemTime;

use ecs_agents::events::EventPublisher;
use ecs_agents::webhook::signature::{SIGNATURE_HEADER, TIMESTAMP_HEADER};
use ecs_agents::webhook::{Webhook, WebhookRequest, WebhookResponse};
use ecs_agents::workqueue::WorkQueue;
use lambda_http::http::{StatusCode, header};
use lambda_http::{Body, Error, Request, Response};

/// Handles one Function URL request.
pub async fn handle<Q: WorkQueue, E: EventPublisher>(
    webhook: &Webhook<Q, E>,
    request: Request,
) -> Result<Response<Body>, Error> {
    handle_at(webhook, request, SystemTime::now()).await
}

/// [`handle`] as if received at `now` (for replaying signed samples).
pub async fn handle_at<Q: WorkQueue, E: EventPublisher>(
    webhook: &Webhook<Q, E>,
    request: Request,
    now: SystemTime,
) -> Result<Response<Body>, Error> {
    let header = |name: &str| request.headers().get(name).and_then(|v| v.to_str().ok());
    let body: &[u8] = request.body().as_ref();
    let webhook_request = WebhookRequest {
        timestamp: header(TIMESTAMP_HEADER),
        signature: header(SIGNATURE_HEADER),
        body,
    };
    let response = webhook.handle(webhook_request, now).await;
    Ok(http_response(&response)?)
}

fn http_response(response: &WebhookResponse) -> Result<Response<Body>, lambda_http::http::Error> {
    let mut builder = Response::builder()
        .status(StatusCode::from_u16(response.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(seconds) = response.retry_after {
        builder = builder.header(header::RETRY_AFTER, seconds.to_string());
    }
    builder.body(Body::from(response.body.to_string()))
}

#[cfg(test)]
mod tests {

    use std::time::UNIX_EPOCH;

    use ecs_agents::events::fake::FakePublisher;
    use ecs_agents::secret::Secret;
    use ecs_agents::webhook::signature::sign;
    use ecs_agents::workqueue::fake::FakeWorkQueue;

    use super::*;

    type TestWebhook = Webhook<FakeWorkQueue, FakePublisher>;

    fn webhook() -> TestWebhook {
        Webhook::with_fakes(
            "s3cret",
            "cloud: {name: ecs, cluster: c, jenkinsUrl: 'http://jenkins'}
templates:
  - {name: linux, labels: linux, cpu: 512, memory: 1024, subnets: [s]}
",
        )
    }

    fn signed_request(body: &str) -> Request {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
        let body = body.replace("NOW_MS", &now.as_millis().to_string());
        let signature = sign(&Secret::new("s3cret"), now.as_secs(), body.as_bytes());
        lambda_http::http::Request::builder()
            .method("POST")
            .header(TIMESTAMP_HEADER, now.as_secs().to_string())
            .header(SIGNATURE_HEADER, signature)
            .body(Body::from(body))
            .unwrap()
    }

    const BUILDABLE: &str = r#"{"type":"queue.buildable","eventTime":NOW_MS,"item":{"id":4,"label":"linux","inQueueSince":1}}"#;

    #[tokio::test]
    async fn a_signed_request_is_answered_with_json_and_the_status() {
        let response = handle(&webhook(), signed_request(BUILDABLE)).await.unwrap();
        assert_eq!(response.status(), 202);
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");
        let body: serde_json::Value = serde_json::from_slice(response.body().as_ref()).unwrap();
        assert_eq!(
            (body["outcome"].as_str(), body["node"].as_str()),
            (Some("accepted"), Some("ecs-linux-4"))
        );
    }

    #[tokio::test]
    async fn a_503_carries_retry_after() {
        let webhook = webhook();
        webhook.queue().fail(Some("SendMessage: throttled"));
        let response = handle(&webhook, signed_request(BUILDABLE)).await.unwrap();
        assert_eq!(response.status(), 503);
        assert_eq!(response.headers()[header::RETRY_AFTER], "5");
    }

    #[tokio::test]
    async fn a_request_without_headers_is_401() {
        let request = lambda_http::http::Request::builder()
            .method("POST")
            .body(Body::from("{}"))
            .unwrap();
        assert_eq!(handle(&webhook(), request).await.unwrap().status(), 401);
    }
}
