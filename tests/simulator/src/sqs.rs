//! The work queue between the webhook and the launch worker: an SQS
//! standard queue with its Lambda event source (docs/aws.md §27).
//!
//! - A received message is hidden for the visibility timeout; unless it
//!   is deleted by then, it is delivered again. Each receive counts; a
//!   message received `max_receive_count` times goes to the dead-letter
//!   queue instead of being delivered once more.
//! - Delivery is at least once: now and then the same message is delivered
//!   twice at the same time (a fault of the plan).
//! - The event source runs at most `max_concurrency` invocations at once
//!   (its `MaximumConcurrency`, default 10 here as in the lead's design):
//!   a burst waits in the queue, never at the door.
//! - Deleting or changing the visibility needs the receipt of the latest
//!   receive: an invocation that outlived its visibility timeout changes
//!   nothing.

use std::collections::BTreeMap;
use std::time::Duration;

use tokio::time::Instant;

use crate::worker::Work;

/// The queue's and its event source's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SqsSettings {
    /// How long a received message stays hidden.
    pub visibility_timeout: Duration,
    /// Receives before a message goes to the dead-letter queue.
    pub max_receive_count: u32,
    /// Invocations at once (the event source's `MaximumConcurrency`).
    pub max_concurrency: usize,
    /// From a message becoming visible to an invocation receiving it (the
    /// event source long-polls).
    pub delivery_latency: Duration,
}

impl Default for SqsSettings {
    fn default() -> Self {
        Self {
            // Six times the worker's 30 s timeout, as AWS advises for an
            // event source (docs/aws.md §27).
            visibility_timeout: Duration::from_secs(180),
            max_receive_count: 20,
            max_concurrency: 10,
            delivery_latency: Duration::from_millis(20),
        }
    }
}

/// One message.
#[derive(Debug, Clone)]
pub struct Message {
    /// Its id.
    pub id: u64,
    /// The work it records.
    pub work: Work,
    /// Times received.
    pub receive_count: u32,
    /// Hidden until then.
    pub visible_at: Instant,
}

/// A message handed to an invocation, with the receipt of that receive.
#[derive(Debug, Clone)]
pub struct Received {
    /// The message as received.
    pub message: Message,
    /// Which receive this is (the receipt handle).
    pub receipt: u32,
}

/// Counters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SqsCounts {
    /// Messages sent.
    pub sent: u64,
    /// Deliveries to invocations.
    pub delivered: u64,
    /// Messages put back for later (`ChangeMessageVisibility`).
    pub retried_later: u64,
    /// Deliveries that found the message again after its visibility ran out.
    pub redelivered: u64,
}

/// The queue and its dead-letter queue.
#[derive(Debug, Default)]
pub struct Queue {
    /// Messages not deleted, by id.
    pub messages: BTreeMap<u64, Message>,
    /// Messages moved to the dead-letter queue.
    pub dead: Vec<Message>,
    /// Invocations running.
    pub in_flight: usize,
    /// Counters.
    pub counts: SqsCounts,
    next_id: u64,
}

/// What the event source does next.
#[derive(Debug)]
pub enum Poll {
    /// Invoke the worker with this message.
    Deliver(Received),
    /// Nothing to do until then (or until something changes).
    Wait(Option<Instant>),
}

impl Queue {
    /// Sends `work`.
    pub fn send(&mut self, work: Work) {
        self.next_id += 1;
        self.counts.sent += 1;
        let message = Message {
            id: self.next_id,
            work,
            receive_count: 0,
            visible_at: Instant::now(),
        };
        self.messages.insert(message.id, message);
    }

    /// The event source's next step under `settings`.
    pub fn poll(&mut self, settings: &SqsSettings) -> Poll {
        let now = Instant::now();
        loop {
            let next = self
                .messages
                .values()
                .min_by_key(|m| (m.visible_at, m.id))
                .map(|m| (m.id, m.visible_at));
            let Some((id, visible_at)) = next else {
                return Poll::Wait(None);
            };
            if visible_at > now {
                return Poll::Wait(Some(visible_at));
            }
            if self.in_flight >= settings.max_concurrency {
                return Poll::Wait(None);
            }
            let Some(message) = self.messages.get_mut(&id) else {
                continue;
            };
            if message.receive_count >= settings.max_receive_count {
                if let Some(dead) = self.messages.remove(&id) {
                    self.dead.push(dead);
                }
                continue;
            }
            if message.receive_count > 0 {
                self.counts.redelivered += 1;
            }
            message.receive_count += 1;
            message.visible_at = now + settings.visibility_timeout;
            self.in_flight += 1;
            self.counts.delivered += 1;
            return Poll::Deliver(Received {
                message: message.clone(),
                receipt: message.receive_count,
            });
        }
    }

    /// `DeleteMessage` with a receipt: only the latest receive's counts.
    pub fn delete(&mut self, received: &Received) {
        let id = received.message.id;
        if self
            .messages
            .get(&id)
            .is_some_and(|m| m.receive_count == received.receipt)
        {
            self.messages.remove(&id);
        }
    }

    /// `ChangeMessageVisibility`: visible again after `wait`.
    pub fn retry_later(&mut self, received: &Received, wait: Duration) {
        if let Some(message) = self.messages.get_mut(&received.message.id)
            && message.receive_count == received.receipt
        {
            message.visible_at = Instant::now() + wait;
            self.counts.retried_later += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn work() -> Work {
        Work::Cancel { queue_item: 1 }
    }

    #[tokio::test(start_paused = true)]
    async fn a_message_not_deleted_comes_back_after_its_visibility_timeout() {
        let settings = SqsSettings::default();
        let mut queue = Queue::default();
        queue.send(work());
        let Poll::Deliver(first) = queue.poll(&settings) else {
            panic!("delivered")
        };
        queue.in_flight = 0;
        assert!(matches!(queue.poll(&settings), Poll::Wait(Some(_))));
        tokio::time::sleep(settings.visibility_timeout).await;
        let Poll::Deliver(second) = queue.poll(&settings) else {
            panic!("redelivered")
        };
        assert_eq!(second.message.id, first.message.id);
        queue.delete(&first);
        assert_eq!(queue.messages.len(), 1, "a stale receipt deletes nothing");
        queue.delete(&second);
        assert!(queue.messages.is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn a_message_received_too_often_goes_to_the_dead_letter_queue() {
        let settings = SqsSettings {
            max_receive_count: 2,
            ..SqsSettings::default()
        };
        let mut queue = Queue::default();
        queue.send(work());
        for _ in 0..2 {
            assert!(matches!(queue.poll(&settings), Poll::Deliver(_)));
            queue.in_flight = 0;
            tokio::time::sleep(settings.visibility_timeout).await;
        }
        assert!(matches!(queue.poll(&settings), Poll::Wait(None)));
        assert_eq!(queue.dead.len(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn no_more_than_the_maximum_concurrency_is_delivered_at_once() {
        let settings = SqsSettings {
            max_concurrency: 2,
            ..SqsSettings::default()
        };
        let mut queue = Queue::default();
        for _ in 0..5 {
            queue.send(work());
        }
        let delivered = (0..5)
            .filter(|_| matches!(queue.poll(&settings), Poll::Deliver(_)))
            .count();
        assert_eq!(delivered, 2);
    }
}
