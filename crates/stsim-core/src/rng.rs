//! Seeded randomness: one ChaCha stream per subsystem.
//!
//! Owns the only source of randomness in the engine. Each subsystem asks
//! for its stream by name (`"scheduler"`, `"provisioner"`, ...); the stream's
//! seed is derived from the scenario seed and that name alone, so a new
//! random draw in one subsystem never shifts another subsystem's draws.

use crate::hash::{fnv64, splitmix64};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

pub use rand::{Rng, RngExt};

/// Builds the stream for subsystem `name` under scenario seed `seed`.
pub fn stream(seed: u64, name: &str) -> ChaCha8Rng {
    let mut key = [0u8; 32];
    let base = seed ^ fnv64(name.as_bytes());
    for (i, chunk) in key.chunks_exact_mut(8).enumerate() {
        let word = splitmix64(base.wrapping_add(i as u64));
        chunk.copy_from_slice(&word.to_le_bytes());
    }
    ChaCha8Rng::from_seed(key)
}

/// The random stream type used throughout the engine.
pub type Stream = ChaCha8Rng;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_and_name_give_the_same_stream() {
        let a: Vec<u64> = (0..4)
            .map({
                let mut s = stream(7, "scheduler");
                move |_| s.next_u64()
            })
            .collect();
        let b: Vec<u64> = (0..4)
            .map({
                let mut s = stream(7, "scheduler");
                move |_| s.next_u64()
            })
            .collect();
        assert_eq!(a, b);
    }

    #[test]
    fn names_and_seeds_separate_streams() {
        let first = |seed, name| stream(seed, name).next_u64();
        assert_ne!(first(7, "scheduler"), first(7, "provisioner"));
        assert_ne!(first(7, "scheduler"), first(8, "scheduler"));
    }

    #[test]
    fn streams_are_stable_across_releases() {
        // Pinned: a changed value here changes every seeded run on every
        // machine (a new rand_chacha, a new derivation). Change it on purpose only.
        assert_eq!(stream(0, "scheduler").next_u64(), 17_747_968_664_366_392_758);
    }
}
