//! The arithmetic of the trace hash, below every module that feeds it: a node's messages add
//! themselves (`RaftMessage::hash_into`), the trace adds its lines (`trace/hash.rs`, which says
//! what the encoding covers and why it is stable across machines).

/// A running hash: FNV-1a's offset basis to start, numbers mixed in whole, text byte by byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TraceHash(pub u64);

impl Default for TraceHash {
    fn default() -> Self {
        TraceHash(0xcbf2_9ce4_8422_2325)
    }
}

impl TraceHash {
    pub fn add_bytes(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= *b as u64;
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01B3);
        }
    }

    /// One number: mixed in whole (SplitMix64's finaliser over the running hash and the number),
    /// a few instructions where eight rounds of FNV over its bytes took several times more.
    pub(crate) fn n(&mut self, x: u64) {
        self.0 = crate::rng::mix64(self.0 ^ x);
    }

    /// Adds numbers, in order: what a message's `hash_into` uses.
    pub fn numbers(&mut self, xs: &[u64]) {
        for x in xs {
            self.n(*x);
        }
    }

    pub(crate) fn opt(&mut self, x: Option<u64>) {
        match x {
            Some(v) => {
                self.n(1);
                self.n(v);
            }
            None => self.n(0),
        }
    }
}
