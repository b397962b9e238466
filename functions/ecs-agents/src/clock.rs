//! The wall clock, in the unit Jenkins and our events use: epoch milliseconds.
//!
//! A simulation (`tests/simulator`) runs the use cases on tokio's paused
//! clock, where hours pass in milliseconds; the epoch times the library
//! writes (a node's creation time, which the reconciler later reads back to
//! judge its age) must then follow that clock too, or every node would look
//! far younger than it is. [`follow_tokio_clock`] makes [`now_ms`] do so on
//! one thread (feature `test-util`); nothing else changes.

/// Milliseconds since the epoch (0 if the clock is before it).
pub fn now_ms() -> u64 {
    #[cfg(any(test, feature = "test-util"))]
    if let Some(now) = simulated::now_ms() {
        return now;
    }
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

#[cfg(any(test, feature = "test-util"))]
pub use simulated::{FollowingTokio, follow_tokio_clock};

#[cfg(any(test, feature = "test-util"))]
mod simulated {
    use std::cell::Cell;

    use tokio::time::Instant;

    thread_local! {
        /// The epoch ms at a tokio instant, while a simulation runs on this thread.
        static ORIGIN: Cell<Option<(u64, Instant)>> = const { Cell::new(None) };
    }

    pub(super) fn now_ms() -> Option<u64> {
        ORIGIN.with(Cell::get).map(|(epoch_ms, at)| {
            epoch_ms + Instant::now().saturating_duration_since(at).as_millis() as u64
        })
    }

    /// Until the guard is dropped, [`now_ms`](super::now_ms) on this thread
    /// is `epoch_ms` plus the tokio time elapsed since this call: with a
    /// paused clock (a current-thread runtime), virtual epoch time.
    pub fn follow_tokio_clock(epoch_ms: u64) -> FollowingTokio {
        let previous = ORIGIN.with(|origin| origin.replace(Some((epoch_ms, Instant::now()))));
        FollowingTokio { previous }
    }

    /// Keeps [`now_ms`](super::now_ms) on tokio's clock; dropping it restores the wall clock.
    #[derive(Debug)]
    #[must_use = "the clock follows tokio only while the guard lives"]
    pub struct FollowingTokio {
        previous: Option<(u64, Instant)>,
    }

    impl Drop for FollowingTokio {
        fn drop(&mut self) {
            ORIGIN.with(|origin| origin.set(self.previous));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_simulation_moves_the_epoch_clock_with_tokio_time() {
        let guard = follow_tokio_clock(1_000_000);
        tokio::time::sleep(Duration::from_secs(3600)).await;
        assert_eq!(now_ms(), 1_000_000 + 3_600_000);
        drop(guard);
        assert!(now_ms() > 1_700_000_000_000, "the wall clock again");
    }
}
