//! Swarm testing (Groce et al., ISSTA 2012; TigerBeetle's VOPR): every seed draws its own point
//! of the configuration space — the cluster size, the Raft options (PreVote, CheckQuorum), how
//! reads are served, its fault mix, and how its run ends (every fault healed, or a degraded
//! end) — instead of every seed testing the one default. A flag on the command line pins a
//! draw (`--nodes 4`, `--pre-vote`, `--check-quorum=false`, `--read-mode lease`); the rest is
//! still drawn. All of it comes from the seed's faults stream, so a seed is reproduced by its
//! number and the same pins.

use crate::client::ReadMode;
pub use crate::config::Options;
use crate::faults::FaultMix;
use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

/// Cluster sizes a seed draws from: 1 to 7, even ones included (a quorum computed wrongly often
/// shows only with an even count); the sizes with most to exercise come up most.
pub const SIZES: [u8; 9] = [1, 2, 3, 3, 4, 5, 5, 6, 7];

/// What a user pinned on the command line (`None`: each seed draws it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pins {
    pub nodes: Option<u8>,
    pub pre_vote: Option<bool>,
    pub check_quorum: Option<bool>,
    pub read_mode: Option<ReadMode>,
}

/// Draws the options `pins` leave open. Read modes are drawn among the safe ones: log,
/// read-index (with or without CheckQuorum) and lease (always with CheckQuorum, which it
/// needs); `local` only when pinned.
pub fn draw_options(rng: &mut ChaCha8Rng, pins: &Pins) -> Options {
    let pre_vote = rng.gen_bool(0.5);
    let check_quorum = rng.gen_bool(0.5);
    let read_mode = *[ReadMode::Log, ReadMode::ReadIndex, ReadMode::Lease]
        .choose(rng)
        .expect("non-empty");
    let read_mode = pins.read_mode.unwrap_or(read_mode);
    Options {
        pre_vote: pins.pre_vote.unwrap_or(pre_vote),
        check_quorum: pins
            .check_quorum
            .unwrap_or(check_quorum || read_mode == ReadMode::Lease),
        read_mode,
    }
}

/// Everything one seed draws besides the randomness of the run itself.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Swarm {
    pub nodes: u8,
    pub options: Options,
    pub mix: FaultMix,
    /// The run ends with a degraded network: a majority core healed, the rest crashed or cut
    /// off (see `liveness.rs`). Only for clusters of 3 or more.
    pub degraded_end: bool,
}

impl Swarm {
    /// The draws of `seed`, from its faults stream (`rng`), in a fixed order.
    pub fn draw(rng: &mut ChaCha8Rng, pins: &Pins) -> Swarm {
        let nodes = *SIZES.choose(rng).expect("non-empty");
        let nodes = pins.nodes.unwrap_or(nodes);
        let options = draw_options(rng, pins);
        let mix = FaultMix::draw(rng, &options);
        let degraded_end = rng.gen_bool(0.5) && nodes >= 3;
        Swarm {
            nodes,
            options,
            mix,
            degraded_end,
        }
    }

    /// One line for summaries and reports.
    pub fn describe(&self) -> String {
        let o = &self.options;
        format!(
            "pre-vote={} check-quorum={} read-mode={} end={} {}",
            o.pre_vote,
            o.check_quorum,
            o.read_mode.name(),
            if self.degraded_end {
                "degraded"
            } else {
                "healed"
            },
            self.mix.describe()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{stream, Stream};

    #[test]
    fn pins_hold_and_everything_else_is_drawn() {
        let open = Pins::default();
        let mut seen = std::collections::BTreeSet::new();
        for seed in 0..400 {
            let s = Swarm::draw(&mut stream(seed, Stream::Faults), &open);
            if s.options.read_mode == ReadMode::Lease {
                assert!(s.options.check_quorum, "lease reads need CheckQuorum");
            }
            assert!(!s.degraded_end || s.nodes >= 3);
            seen.insert((s.nodes, s.options.pre_vote, s.options.check_quorum));
        }
        assert_eq!(seen.len(), 7 * 4, "every size with every option pair");
        let pinned = Pins {
            nodes: Some(4),
            pre_vote: Some(false),
            check_quorum: Some(true),
            read_mode: Some(ReadMode::ReadIndex),
        };
        for seed in 0..50 {
            let s = Swarm::draw(&mut stream(seed, Stream::Faults), &pinned);
            let o = s.options;
            assert_eq!(
                (s.nodes, o.pre_vote, o.check_quorum, o.read_mode),
                (4, false, true, ReadMode::ReadIndex)
            );
        }
    }
}
