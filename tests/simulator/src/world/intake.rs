//! The intake path: builds entering Jenkins' queue, the emitter posting
//! their events, the webhook recording work on the queue, and the queue's
//! event source invoking the launch worker at bounded concurrency.
//!
//! - **Emitter** (docs/emitter.md): a `queue.buildable` goes out about a
//!   second after the item becomes buildable; a 503 is retried, 3 attempts
//!   in all, after 0.25–0.5 s then 0.5–1 s; then the event is dropped (the
//!   reconciler catches up). An `agent.released` that could not be
//!   delivered is sent again by the next sweep, every 10 s.
//! - **Webhook** (the lead's new intake, issue 13 §1): verifies, matches the
//!   label to a template with the library's own label code, records the
//!   work on the queue and answers 202; a label no template serves is
//!   answered at once and recorded nowhere.
//! - **Worker invocations**: each takes a warm instance or starts a new one
//!   (its own launcher, caches and SDK client), runs under the function's
//!   timeout (a timed-out instance is thrown away), then deletes the
//!   message or puts it back for `worker::backoff`.

use std::sync::Arc;
use std::time::Duration;

use ecs_agents::labels::LabelExpr;
use ecs_agents::naming::AgentName;
use tokio::time::{sleep, sleep_until, timeout};

use super::{Arrival, Sabotage, SimPorts, World};
use crate::jenkins::{Build, BuildState};
use crate::sqs::{Poll, Received};
use crate::worker::{Handled, Work, Worker, backoff};

/// What the emitter posts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Posted {
    /// `queue.buildable`.
    Buildable {
        /// Queue item.
        id: u64,
        /// Its label.
        label: String,
        /// `inQueueSince`.
        in_queue_since: u64,
        /// `eventTime`.
        event_time: u64,
    },
    /// `queue.left` with `cancelled`.
    Cancelled {
        /// Queue item.
        id: u64,
    },
    /// `agent.released`.
    Released {
        /// The agent.
        node: AgentName,
    },
}

/// The webhook's answer time.
const WEBHOOK_LATENCY: Duration = Duration::from_millis(30);

/// The emitter's backoff before its second and third attempt (docs/emitter.md).
const EMITTER_BACKOFF: [(u64, u64); 2] = [(250, 500), (500, 1000)];

impl World {
    /// A build enters the queue; the emitter announces it.
    pub(super) async fn arrive(self: Arc<Self>, arrival: Arrival) {
        sleep(arrival.at).await;
        let now = ecs_agents::clock::now_ms();
        let id = {
            let mut jenkins = self.jenkins.lock();
            let id = jenkins.builds.len() as u64 + 1;
            jenkins.enqueue(Build {
                id,
                label: Some(arrival.label.clone()),
                job: format!("job-{id}"),
                in_queue_since: now,
                left_ms: None,
                state: BuildState::Waiting,
            });
            id
        };
        self.maintain();
        if let Some(after) = arrival.cancel_after {
            tokio::spawn(Arc::clone(&self).cancel(id, after));
        }
        // The emitter's timer: about a second after the item became buildable.
        sleep(Duration::from_secs(1)).await;
        let event_time = ecs_agents::clock::now_ms();
        let posted = Posted::Buildable {
            id,
            label: arrival.label,
            in_queue_since: now,
            event_time,
        };
        self.emit(posted).await;
    }

    async fn cancel(self: Arc<Self>, id: u64, after: Duration) {
        sleep(after).await;
        let cancelled = self.jenkins.lock().cancel(id, ecs_agents::clock::now_ms());
        if cancelled {
            self.emit(Posted::Cancelled { id }).await;
        }
    }

    /// The emitter posts `event`, retrying as it does.
    pub(super) async fn emit(self: &Arc<Self>, event: Posted) {
        let release = matches!(event, Posted::Released { .. });
        let dropped = self.faulty() && {
            let p = self.scenario.faults.emitter_drop;
            self.rng().chance(p)
        };
        if dropped && !release {
            self.stats().emitter_lost += 1;
            return;
        }
        loop {
            for attempt in 0..3 {
                if self.webhook(&event).await {
                    return;
                }
                if let Some(&(low, high)) = EMITTER_BACKOFF.get(attempt) {
                    let wait = self
                        .rng()
                        .between(Duration::from_millis(low), Duration::from_millis(high));
                    sleep(wait).await;
                }
            }
            if !release {
                self.stats().emitter_lost += 1;
                return;
            }
            sleep(Duration::from_secs(10)).await;
        }
    }

    /// The webhook: true for 2xx, false for a 503.
    async fn webhook(&self, event: &Posted) -> bool {
        sleep(WEBHOOK_LATENCY).await;
        let unavailable = self.faulty() && {
            let p = self.scenario.faults.webhook_unavailable;
            self.rng().chance(p)
        };
        if unavailable {
            return false;
        }
        let work = match event {
            Posted::Buildable {
                id,
                label,
                in_queue_since,
                event_time,
            } => {
                let template =
                    LabelExpr::parse_lax(label).and_then(|e| self.config.select(&e).map(|_| ()));
                if template.is_none() {
                    self.no_template
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .insert(*id);
                    return true;
                }
                Work::Launch {
                    queue_item: *id,
                    label: label.clone(),
                    job: format!("job-{id}"),
                    in_queue_since: *in_queue_since,
                    event_time: *event_time,
                }
            }
            Posted::Cancelled { id } => Work::Cancel { queue_item: *id },
            Posted::Released { node } => Work::Release { node: node.clone() },
        };
        self.queue
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .send(work);
        self.queue_changed.notify_one();
        true
    }

    /// The queue's event source: delivers visible messages to worker
    /// invocations, never more than its concurrency at once.
    pub(super) async fn event_source(self: Arc<Self>) {
        let settings = self.scenario.sqs;
        loop {
            let poll = self
                .queue
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .poll(&settings);
            match poll {
                Poll::Deliver(received) => {
                    let twice = self.faulty() && {
                        let p = self.scenario.faults.sqs_duplicate;
                        self.rng().chance(p)
                    };
                    if twice {
                        self.queue
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .in_flight += 1;
                        tokio::spawn(Arc::clone(&self).invoke(received.clone()));
                    }
                    tokio::spawn(Arc::clone(&self).invoke(received));
                }
                Poll::Wait(Some(until)) => {
                    tokio::select! {
                        biased;
                        () = sleep_until(until) => {}
                        () = self.queue_changed.notified() => {}
                    }
                }
                Poll::Wait(None) => self.queue_changed.notified().await,
            }
        }
    }

    /// One worker invocation for one received message.
    async fn invoke(self: Arc<Self>, received: Received) {
        sleep(self.scenario.sqs.delivery_latency).await;
        let worker = self.worker();
        let crash = self.faulty() && {
            let p = self.scenario.faults.worker_crash;
            self.rng().chance(p)
        };
        self.stats().invocations += 1;
        let work = &received.message.work;
        let skip =
            self.scenario.sabotage == Sabotage::SkipLaunches && matches!(work, Work::Launch { .. });
        let handled = if skip {
            Ok(Handled::Done)
        } else {
            let now = ecs_agents::clock::now_ms();
            timeout(self.scenario.worker_timeout, worker.handle(work, now)).await
        };
        {
            let mut queue = self.queue.lock().unwrap_or_else(|p| p.into_inner());
            match handled {
                _ if crash => {}
                Ok(Handled::Done) => queue.delete(&received),
                Ok(Handled::RetryLater) => {
                    let wait = backoff(received.message.receive_count, &mut self.rng());
                    queue.retry_later(&received, wait);
                }
                Err(_) => {}
            }
            queue.in_flight -= 1;
        }
        match handled {
            Ok(_) if !crash => self.put_back(worker),
            Ok(_) => {}
            Err(_) => self.stats().timeouts += 1,
        }
        self.queue_changed.notify_one();
    }

    fn worker(&self) -> Arc<Worker<SimPorts>> {
        let warm = self
            .warm_workers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop();
        warm.unwrap_or_else(|| Arc::new(Worker::new(self.launcher())))
    }

    fn put_back(&self, worker: Arc<Worker<SimPorts>>) {
        self.warm_workers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(worker);
    }
}
