//! A call of the fake held open, for races.

/// A call held open after it has done its work: the test learns when it is
/// reached, acts (a launch, say), and releases it.
#[derive(Debug, Default)]
pub struct Gate {
    reached: tokio::sync::Notify,
    released: tokio::sync::Notify,
}

impl Gate {
    /// Waits until the held call has done its work.
    pub async fn reached(&self) {
        self.reached.notified().await;
    }

    /// Lets the held call answer.
    pub fn release(&self) {
        self.released.notify_one();
    }

    /// In the held call: says it is reached, then waits for the release.
    pub(super) async fn hold(&self) {
        self.reached.notify_one();
        self.released.notified().await;
    }
}
