//! The four functions as a deployment sees them: something that takes a
//! Function URL request, a batch of SQS messages, an EventBridge event or a
//! scheduled tick and answers.
//! [`InProcess`] calls the real handlers, wired as their `main`s wire them;
//! [`crate::lambda::LocalLambdas`] invokes the real binaries under a local
//! Lambda runtime. Tests and the local run play the same steps through either.

use std::sync::Mutex;
use std::time::Duration;

use ecs_agents::bootstrap::{self, Live, Settings};
use ecs_agents::events::eventbridge::EventBridgePublisher;
use ecs_agents::launch::Launcher;
use ecs_agents::reconcile::Reconciler;
use ecs_agents::stopped::{RelaunchOptions, TaskStopped};
use ecs_agents::webhook::Webhook;
use ecs_agents::worker::{Handled, Worker};
use ecs_agents::workqueue::sqs::SqsWorkQueue;
use ecs_agents::workqueue::{QueueError, Work, WorkQueue};
use serde_json::Value;

/// What the webhook answered, as the emitter sees it.
#[derive(Debug, Clone)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// `Retry-After`, if any.
    pub retry_after: Option<String>,
    /// JSON body (`Null` when the body is not JSON).
    pub body: Value,
}

/// One request to the webhook's Function URL: its headers and raw body.
#[derive(Debug, Clone)]
pub struct HttpPost {
    /// Header names (lower case) and values.
    pub headers: Vec<(String, String)>,
    /// The body, as sent.
    pub body: String,
}

/// The four functions of one deployment.
// Only this crate implements and calls it, always on concrete types, so the
// futures' auto traits need not be spelled out.
#[allow(async_fn_in_trait)]
pub trait Functions {
    /// Delivers `request` to queue-webhook's Function URL.
    async fn webhook(&self, request: &HttpPost) -> anyhow::Result<Answer>;
    /// Delivers an SQS event (a batch of work messages) to launch-worker:
    /// its partial batch response, or the function's error message.
    async fn launch_worker(&self, event: &Value) -> anyhow::Result<Result<Value, String>>;
    /// Delivers an EventBridge event to task-stopped: its result, or the
    /// function's error message (which makes Lambda retry the event).
    async fn task_stopped(&self, event: &Value) -> anyhow::Result<Result<Value, String>>;
    /// One scheduled tick of reconcile: its summary.
    async fn reconcile(&self) -> anyhow::Result<Value>;
}

/// The functions' real handlers in this process.
pub struct InProcess {
    webhook: Webhook<SqsWorkQueue, EventBridgePublisher>,
    worker: Worker<Live>,
    work_queue: Noted<SqsWorkQueue>,
    stopped: TaskStopped<Live>,
    reconciler: Reconciler<Live>,
    worked: Mutex<Vec<Worked>>,
}

/// What launch-worker did with one message, seen from inside the process.
#[derive(Debug, Clone)]
pub struct Worked {
    /// What the work did (`None`: the message was not work).
    pub handled: Option<Handled>,
    /// How long the message was put back for, if it was.
    pub postponed: Option<Duration>,
}

/// A work queue that notes each `postpone` it passes on, so a test can see
/// the backoff the worker asked SQS for.
pub struct Noted<Q> {
    queue: Q,
    postponed: Mutex<Vec<Duration>>,
}

impl<Q: WorkQueue> WorkQueue for Noted<Q> {
    async fn record(&self, work: &Work) -> Result<(), QueueError> {
        self.queue.record(work).await
    }

    async fn postpone(&self, receipt: &str, delay: Duration) -> Result<(), QueueError> {
        self.queue.postpone(receipt, delay).await?;
        self.postponed.lock().unwrap().push(delay);
        Ok(())
    }
}

impl InProcess {
    /// Wires the handlers as the three `main`s do, each with its own launcher
    /// (each function is its own process in Lambda).
    pub async fn new(settings: &Settings, sdk: &aws_config::SdkConfig) -> anyhow::Result<Self> {
        let launcher = || async {
            let launcher: Launcher<Live> = bootstrap::launcher(settings, sdk).await?;
            anyhow::Ok(launcher)
        };
        Ok(Self {
            webhook: bootstrap::webhook(settings, sdk).await?,
            worker: bootstrap::worker(settings, sdk).await?,
            work_queue: Noted {
                queue: bootstrap::work_queue(settings, sdk)?,
                postponed: Mutex::default(),
            },
            stopped: TaskStopped::new(launcher().await?, RelaunchOptions::default()),
            reconciler: Reconciler::new(launcher().await?, settings.reconcile),
            worked: Mutex::default(),
        })
    }

    /// What launch-worker did with each message since the last call, in order.
    pub fn take_worked(&self) -> Vec<Worked> {
        std::mem::take(&mut *self.worked.lock().unwrap())
    }
}

impl InProcess {
    /// One reconcile tick as if run at `now_ms` (epoch ms): the reconciler's
    /// grace periods and windows pass without waiting.
    pub async fn reconcile_at(&self, now_ms: u64) -> anyhow::Result<Value> {
        reconcile::handle_at(&self.reconciler, now_ms)
            .await
            .map_err(|d| anyhow::anyhow!("reconcile failed: {}", d.error_message))
    }
}

impl Functions for InProcess {
    async fn webhook(&self, request: &HttpPost) -> anyhow::Result<Answer> {
        let mut http = lambda_http::http::Request::builder().method("POST");
        for (name, value) in &request.headers {
            http = http.header(name, value);
        }
        let http = http.body(lambda_http::Body::from(request.body.clone()))?;
        let response = queue_webhook::handle(&self.webhook, http)
            .await
            .map_err(|e| anyhow::anyhow!("queue-webhook failed: {e}"))?;
        Ok(Answer {
            status: response.status().as_u16(),
            retry_after: response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            body: serde_json::from_slice(response.body().as_ref()).unwrap_or(Value::Null),
        })
    }

    async fn launch_worker(&self, event: &Value) -> anyhow::Result<Result<Value, String>> {
        let event = serde_json::from_value(event.clone())?;
        let before = self.work_queue.postponed.lock().unwrap().len();
        let (response, handled) = launch_worker::handle_at(
            &self.worker,
            &self.work_queue,
            event,
            std::time::SystemTime::now(),
        )
        .await;
        let postponed = self.work_queue.postponed.lock().unwrap()[before..].to_vec();
        let mut postponed = postponed.into_iter();
        let mut worked = self.worked.lock().unwrap();
        for handled in handled {
            let put_back = handled.as_ref().is_some_and(Handled::retry_later);
            worked.push(Worked {
                handled,
                postponed: if put_back { postponed.next() } else { None },
            });
        }
        Ok(Ok(serde_json::to_value(response)?))
    }

    async fn task_stopped(&self, event: &Value) -> anyhow::Result<Result<Value, String>> {
        // As the function's `main` does: the payload as JSON, unwrapped if it
        // is a redriven on-failure record.
        Ok(task_stopped::handle_payload(&self.stopped, event.clone())
            .await
            .map_err(|d| d.error_message))
    }

    async fn reconcile(&self) -> anyhow::Result<Value> {
        reconcile::handle(&self.reconciler)
            .await
            .map_err(|d| anyhow::anyhow!("reconcile failed: {}", d.error_message))
    }
}
