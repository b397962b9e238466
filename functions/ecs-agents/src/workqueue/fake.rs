//! An in-memory work queue: recorded work waits in order until a test takes it.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use super::{QueueError, Work, WorkQueue};

/// In-memory [`WorkQueue`].
#[derive(Debug, Default)]
pub struct FakeWorkQueue {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    waiting: VecDeque<Work>,
    postponed: Vec<(String, Duration)>,
    failing: Option<String>,
}

impl FakeWorkQueue {
    /// An empty queue that accepts everything.
    pub fn new() -> Self {
        Self::default()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Makes every call fail with `reason` from now on (`None`: works again).
    pub fn fail(&self, reason: Option<&str>) {
        self.state().failing = reason.map(str::to_owned);
    }

    /// Takes all the work waiting, oldest first.
    pub fn take(&self) -> Vec<Work> {
        self.state().waiting.drain(..).collect()
    }

    /// How much work waits.
    pub fn len(&self) -> usize {
        self.state().waiting.len()
    }

    /// Whether nothing waits.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every `postpone` so far: receipt and delay.
    pub fn postponed(&self) -> Vec<(String, Duration)> {
        self.state().postponed.clone()
    }
}

impl WorkQueue for FakeWorkQueue {
    async fn record(&self, work: &Work) -> Result<(), QueueError> {
        let mut state = self.state();
        if let Some(reason) = &state.failing {
            return Err(QueueError(reason.clone()));
        }
        state.waiting.push_back(work.clone());
        Ok(())
    }

    async fn postpone(&self, receipt: &str, delay: Duration) -> Result<(), QueueError> {
        let mut state = self.state();
        if let Some(reason) = &state.failing {
            return Err(QueueError(reason.clone()));
        }
        state.postponed.push((receipt.to_owned(), delay));
        Ok(())
    }
}
