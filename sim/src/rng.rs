//! One master seed, named streams. Every random choice in a run comes from one of these; each
//! stream is a ChaCha8 generator whose seed is derived from the master seed and the stream's
//! name, so adding draws to one stream never shifts another.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The named streams of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    /// Latency, drops, duplication.
    Network,
    /// The random fault schedule and the swarm mix of a seed.
    Faults,
    /// Client operations.
    Workload,
    /// The disk-fault mix and the snapshot threshold of `--disk-faults`.
    Disk,
    /// The operator's mix of `--membership` (`reconfig.rs`).
    Membership,
    /// Node `i`'s own generator (its election timeouts), handed to `raft::Node::new`.
    Node(u8),
}

/// SplitMix64's finaliser: a fixed, well-mixed function of its input (Steele et al. 2014).
pub fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The seed of one stream of a run.
pub fn stream_seed(master: u64, stream: Stream) -> u64 {
    let tag = match stream {
        Stream::Network => 1,
        Stream::Faults => 2,
        Stream::Workload => 3,
        Stream::Disk => 4,
        Stream::Membership => 5,
        Stream::Node(i) => 0x100 + i as u64,
    };
    mix64(mix64(master) ^ mix64(tag))
}

pub fn stream(master: u64, stream: Stream) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(stream_seed(master, stream))
}

/// The stream `base` moved to a place of its own for (`key`, `index`): the draws for one
/// message on one link, or one client's one request, do not depend on how many draws others
/// made before. A fault removed while shrinking then changes only the draws it really touches.
pub fn keyed(base: &ChaCha8Rng, key: u64, index: u64) -> ChaCha8Rng {
    let mut rng = base.clone();
    rng.set_stream(key);
    rng.set_word_pos((index as u128) << 4);
    rng
}

/// The network's per-message draws: SplitMix64 (Steele et al. 2014) started from a key that
/// mixes a secret drawn once from the ChaCha8 network stream with the message's place. Cheaper
/// than positioning ChaCha for every message (the hot path of the simulator), and still a pure
/// function of the master seed and the message.
pub struct KeyedRng(u64);

impl KeyedRng {
    pub fn new(secret: u64, key: u64, index: u64) -> KeyedRng {
        KeyedRng(mix64(secret ^ mix64(key ^ mix64(index))))
    }
}

impl rand::RngCore for KeyedRng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix64(self.0)
    }
    fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for chunk in dest.chunks_mut(8) {
            let bytes = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn keyed_draws_depend_only_on_their_key_and_index() {
        let base = stream(1, Stream::Network);
        let a: u64 = keyed(&base, 3, 7).gen();
        let mut moved = base.clone();
        let _: u64 = moved.gen();
        assert_eq!(
            a,
            keyed(&moved, 3, 7).gen::<u64>(),
            "earlier draws do not shift it"
        );
        assert_ne!(a, keyed(&base, 3, 8).gen::<u64>());
        assert_ne!(a, keyed(&base, 4, 7).gen::<u64>());
    }

    #[test]
    fn keyed_splitmix_draws_are_a_function_of_secret_key_and_index() {
        let a: Vec<u64> = (0..3).map(|_| KeyedRng::new(1, 2, 3).gen()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        let b: u64 = KeyedRng::new(1, 2, 4).gen();
        let c: u64 = KeyedRng::new(9, 2, 3).gen();
        assert!(a[0] != b && a[0] != c && b != c);
        let mut r = KeyedRng::new(1, 2, 3);
        let (x, y): (u64, u64) = (r.gen(), r.gen());
        assert_ne!(x, y, "successive draws differ");
    }

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: Vec<u64> = (0..4).map(|_| stream(7, Stream::Network).gen()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        let seeds = [
            stream_seed(7, Stream::Network),
            stream_seed(7, Stream::Faults),
            stream_seed(7, Stream::Workload),
            stream_seed(7, Stream::Node(1)),
            stream_seed(7, Stream::Node(2)),
            stream_seed(8, Stream::Network),
        ];
        for i in 0..seeds.len() {
            for j in i + 1..seeds.len() {
                assert_ne!(seeds[i], seeds[j], "streams {i} and {j} collide");
            }
        }
    }
}
