//! The simulation's only source of chance: SplitMix64 from the seed, so a
//! seed replays exactly. Each model draws from its own stream
//! ([`Rng::stream`]), so adding a draw in one model does not shift the
//! others' draws.

use std::time::Duration;

/// A seeded pseudo-random generator (SplitMix64).
#[derive(Debug, Clone)]
pub struct Rng {
    state: u64,
}

impl Rng {
    /// The generator of `seed`.
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// An independent stream of `seed` for the model named `name`.
    pub fn stream(seed: u64, name: &str) -> Self {
        let salt = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        });
        Self::new(seed ^ salt)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        p > 0.0 && self.unit() < p
    }

    /// A number in `[0, n)` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }

    /// A duration drawn uniformly from `[low, high]`.
    pub fn between(&mut self, low: Duration, high: Duration) -> Duration {
        let span = high.saturating_sub(low);
        low + span.mul_f64(self.unit())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_gives_the_same_draws_every_time() {
        let mut a = Rng::stream(7, "ecs");
        let mut b = Rng::stream(7, "ecs");
        let drawn: Vec<u64> = (0..5).map(|_| a.next_u64()).collect();
        assert_eq!(drawn, (0..5).map(|_| b.next_u64()).collect::<Vec<_>>());
    }

    #[test]
    fn streams_of_one_seed_differ() {
        assert_ne!(
            Rng::stream(7, "ecs").next_u64(),
            Rng::stream(7, "jenkins").next_u64()
        );
    }

    #[test]
    fn draws_stay_in_their_range() {
        let mut rng = Rng::new(1);
        for _ in 0..1000 {
            let unit = rng.unit();
            assert!((0.0..1.0).contains(&unit));
            assert!(rng.below(10) < 10);
            let d = rng.between(Duration::from_secs(2), Duration::from_secs(3));
            assert!(d >= Duration::from_secs(2) && d <= Duration::from_secs(3));
        }
    }
}
