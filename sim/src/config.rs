//! The simulator's configuration: cluster size, virtual time, the network and the disk.
//! Times are virtual microseconds (`_us`); nothing here reads a wall clock.

use raft::NodeId;
use serde::{Deserialize, Serialize};

/// The virtual network's behaviour for every link (faults that come and go, such as
/// partitions, are scheduled separately).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NetworkConfig {
    /// One-way latency, drawn uniformly from `[latency_min_us, latency_max_us]` per message;
    /// a wide range reorders messages.
    pub latency_min_us: u64,
    pub latency_max_us: u64,
    /// Probability that a message is lost.
    pub drop_probability: f64,
    /// Probability that a message is delivered twice (the copy takes its own latency).
    pub duplicate_probability: f64,
    /// Bound on messages in flight on one directed link; sends beyond it are dropped.
    pub max_in_flight_per_link: usize,
}

impl Default for NetworkConfig {
    fn default() -> Self {
        NetworkConfig {
            latency_min_us: 1_000,
            latency_max_us: 10_000,
            drop_probability: 0.0,
            duplicate_probability: 0.0,
            max_in_flight_per_link: 256,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SimConfig {
    /// Number of nodes, `n1..nN`.
    pub nodes: u8,
    /// The voters of the boot configuration are `n1..n{voters}`; the nodes after them are
    /// spares, running but outside the configuration until a change adds them (thesis
    /// chapter 4). `None`: every node is a voter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voters: Option<u8>,
    /// Virtual time between two ticks of a node whose clock runs true.
    pub tick_us: u64,
    /// Time for a write to reach stable storage; what has not reached it when a crash lands is
    /// lost, and messages that depend on it wait for it.
    pub disk_latency_us: u64,
    pub network: NetworkConfig,
    /// Bounds on every run: it stops (and says so) when either is reached.
    pub max_events: u64,
    pub max_time_us: u64,
    /// Start every node's clock at the same phase (by default each starts at a random point of
    /// its first tick). With equal election timeouts, aligned clocks make candidates collide.
    pub aligned_clocks: bool,
    /// How nodes serve client reads.
    pub read_mode: crate::client::ReadMode,
    /// The host's bug knobs (`knob.rs`; a scenario's `[sim] bugs`, read by its own parser).
    #[serde(skip)]
    pub bugs: crate::knob::HostKnobs,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            nodes: 5,
            voters: None,
            tick_us: 10_000,
            disk_latency_us: 200,
            network: NetworkConfig::default(),
            max_events: 2_000_000,
            max_time_us: 600_000_000,
            aligned_clocks: false,
            read_mode: crate::client::ReadMode::Log,
            bugs: crate::knob::HostKnobs::default(),
        }
    }
}

impl SimConfig {
    /// The voters of the boot configuration, `n1..n{voters}`.
    pub fn boot_voters(&self) -> Vec<NodeId> {
        (1..=self.voters.unwrap_or(self.nodes))
            .map(NodeId)
            .collect()
    }

    /// The boot configuration: its voters, no learners.
    pub fn boot_membership(&self) -> raft::Membership {
        raft::Membership::of_voters(self.boot_voters().into_iter().collect())
    }

    /// Checks what the simulator relies on; the message names the field.
    pub fn validate(&self) -> Result<(), String> {
        if self.nodes == 0 || self.nodes as usize > raft::MAX_NODES {
            return Err(format!(
                "nodes must be between 1 and {}, got {}",
                raft::MAX_NODES,
                self.nodes
            ));
        }
        if let Some(v) = self.voters {
            if v == 0 || v > self.nodes {
                return Err(format!(
                    "voters must be between 1 and nodes ({}), got {v}",
                    self.nodes
                ));
            }
        }
        if self.tick_us == 0 {
            return Err("tick_us must be at least 1".into());
        }
        let n = &self.network;
        if n.latency_min_us > n.latency_max_us {
            return Err(format!(
                "network.latency_min_us ({}) must not exceed network.latency_max_us ({})",
                n.latency_min_us, n.latency_max_us
            ));
        }
        for (name, p) in [
            ("network.drop_probability", n.drop_probability),
            ("network.duplicate_probability", n.duplicate_probability),
        ] {
            if !(0.0..=1.0).contains(&p) {
                return Err(format!("{name} must be between 0 and 1, got {p}"));
            }
        }
        if n.max_in_flight_per_link == 0 {
            return Err("network.max_in_flight_per_link must be at least 1".into());
        }
        Ok(())
    }
}

/// The Raft and service options of one seed (drawn by `swarm.rs` unless pinned).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Options {
    /// Thesis §9.6.
    pub pre_vote: bool,
    /// Thesis §6.2 (and the vote lease of §4.2.3).
    pub check_quorum: bool,
    pub read_mode: crate::client::ReadMode,
}
