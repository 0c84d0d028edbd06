//! Benchmarks that print figures (`raftsim bench`): speed targets live here, never in tests.

use crate::config::NetworkConfig;
use crate::network::{Fate, Network};
use crate::node::RaftNode;
use crate::queue::EventQueue;
use crate::rng::{stream, Stream};
use crate::run::{run_seed, run_seed_on, RunConfig};
use raft::NodeId;

/// Wall-clock time for measurement only; it never orders events.
#[allow(clippy::disallowed_methods)]
pub fn wall_now() -> std::time::Instant {
    std::time::Instant::now()
}

#[derive(Clone, Debug)]
pub struct Figure {
    pub name: &'static str,
    pub count: u64,
    pub unit: &'static str,
    pub secs: f64,
}

impl Figure {
    pub fn per_sec(&self) -> f64 {
        self.count as f64 / self.secs.max(1e-9)
    }
}

/// The simulator core alone: 5 trivial nodes; at start each sends a u64 to every other node;
/// on its r-th receipt a node sends one message to node (self + 1 + r % 4) % 5; latency uniform
/// 1–10 ms; run to `deliveries` deliveries through the real event queue and network.
pub fn ping_mesh(deliveries: u64) -> (Figure, u64) {
    const N: u8 = 5;
    let config = NetworkConfig {
        latency_min_us: 1_000,
        latency_max_us: 10_000,
        max_in_flight_per_link: usize::MAX,
        ..NetworkConfig::default()
    };
    let mut net: Network = Network::new(N, config, stream(0, Stream::Network));
    let mut queue: EventQueue<(u8, u8, u64)> = EventQueue::default();
    let mut received = [0u64; N as usize];
    let mut send = |queue: &mut EventQueue<(u8, u8, u64)>, now: u64, from: u8, to: u8, v: u64| {
        if let Fate::Deliver { latency_us, .. } = net.fate(NodeId(from + 1), NodeId(to + 1)) {
            queue.push(now + latency_us, (from, to, v));
        }
    };
    for a in 0..N {
        for b in 0..N {
            if a != b {
                send(&mut queue, 0, a, b, a as u64);
            }
        }
    }
    let started = wall_now();
    let mut checksum = 0u64;
    for _ in 0..deliveries {
        let Some((now, (from, to, v))) = queue.pop() else {
            break;
        };
        checksum = checksum
            .wrapping_mul(31)
            .wrapping_add(v ^ now ^ from as u64);
        let r = received[to as usize];
        received[to as usize] += 1;
        let next = (to as u64 + 1 + r % 4) % N as u64;
        send(&mut queue, now, to, next as u8, v.wrapping_add(1));
    }
    let secs = started.elapsed().as_secs_f64();
    let figure = Figure {
        name: "ping-mesh (simulator core: queue + network), 5 nodes",
        count: deliveries,
        unit: "deliveries",
        secs,
    };
    (figure, checksum)
}

/// Full Raft on implementation `N`, 5 nodes, all checkers on, the default random campaign over
/// `seeds` seeds. raftsim's node must run them all clean; another implementation's seeds that
/// stop at a violation are counted in the figure's name.
pub fn full_raft<N: RaftNode>(seeds: u64) -> (Figure, Figure) {
    let config = RunConfig {
        nodes: Some(5),
        ..RunConfig::default()
    };
    let started = wall_now();
    let (mut events, mut violated) = (0, 0);
    for seed in 0..seeds {
        let (outcome, _) = run_seed_on::<N>(seed, &config, |_| {});
        if outcome.violation.is_some() {
            assert!(
                N::NAME != "raftsim",
                "seed {seed} of raftsim's correct node failed"
            );
            violated += 1;
        }
        events += outcome.stats.events;
    }
    let secs = started.elapsed().as_secs_f64();
    let name = |what: &str| -> &'static str {
        let text = match violated {
            0 => format!("{} {what}", N::NAME),
            v => format!("{} {what} ({v} seeds stopped at a violation)", N::NAME),
        };
        Box::leak(text.into_boxed_str())
    };
    (
        Figure {
            name: name("full Raft, 5 nodes, all checkers, random faults"),
            count: events,
            unit: "events",
            secs,
        },
        Figure {
            name: name("5 nodes: whole seeds (fault phase + liveness phase)"),
            count: seeds,
            unit: "seeds",
            secs,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ping_mesh_delivers_and_is_deterministic() {
        let (a, sum_a) = ping_mesh(10_000);
        let (_, sum_b) = ping_mesh(10_000);
        assert_eq!(a.count, 10_000);
        assert_eq!(sum_a, sum_b);
    }
}

/// One row of the bug-finding table: how many seeds of the default campaign it took to find
/// the bug, and how long.
#[derive(Clone, Debug)]
pub struct BugRow {
    pub name: String,
    pub seeds: Option<u64>,
    pub secs: f64,
    pub property: Option<String>,
    /// What `fuzz --shrink` makes of it: the fault steps of the failing run it kept (the
    /// smallest result of up to [`crate::shrink::CANDIDATES`] failing seeds) before and after
    /// shrinking (`None` if no recorded schedule reproduced it as a scenario).
    pub shrunk: Option<(usize, usize)>,
}

/// The rows of the bug-finding table: every bug knob and the unsafe read mode, each with the
/// default campaign's configuration, but for the rules of compaction (run with
/// `--snapshot-every 2`), of the disk (run with `--disk-faults`) and of membership changes
/// and transfers (run with `--membership`), which the default campaign never exercises.
pub fn bug_configs() -> Vec<(String, RunConfig)> {
    use crate::knob::{HostKnob, Knob};
    use raft::BugKnob;
    let mut configs: Vec<(String, RunConfig)> = Knob::all()
        .map(|k| {
            let mut config = RunConfig {
                bugs: crate::knob::Bugs::none().with(k),
                ..RunConfig::default()
            };
            let mut flags = format!("--bug {}", k.name());
            match k {
                Knob::Raft(
                    BugKnob::SnapshotDiscardsMatchingSuffix
                    | BugKnob::InstallSnapshotOlderThanCommit
                    | BugKnob::CompactPastApplied,
                ) => {
                    config.snapshot_threshold_entries = Some(2);
                    flags += " --snapshot-every 2";
                }
                Knob::Raft(BugKnob::TruncateOnCorruption)
                | Knob::Host(HostKnob::FsyncFailureIgnored | HostKnob::NoWalChecksums) => {
                    config.disk_faults = true;
                    flags += " --disk-faults";
                }
                Knob::Raft(
                    BugKnob::ConfigChangeBeforeOwnCommit
                    | BugKnob::OverlappingConfigChanges
                    | BugKnob::ChangeManyWithoutJoint
                    | BugKnob::RemovedLeaderKeepsLeading
                    | BugKnob::ProposeDuringTransfer
                    | BugKnob::TimeoutNowToLaggingTarget,
                ) => {
                    config.membership = true;
                    flags += " --membership";
                }
                _ => {}
            }
            (flags, config)
        })
        .collect();
    configs.push((
        "--read-mode local".into(),
        RunConfig {
            read_mode: Some(crate::client::ReadMode::Local),
            ..RunConfig::default()
        },
    ));
    configs
}

/// One row of the bug table: runs seeds from 0 until a violation (at most `limit` seeds), then
/// shrinks as `fuzz --shrink` does (which is not timed).
pub fn bug_row(name: String, config: &RunConfig, limit: u64) -> BugRow {
    let started = wall_now();
    let found = (0..limit).find_map(|seed| {
        run_seed(seed, config)
            .0
            .violation
            .map(|v| (seed + 1, v.property.name().to_string()))
    });
    let secs = started.elapsed().as_secs_f64();
    let jobs = std::thread::available_parallelism().map_or(1, |n| n.get());
    let shrunk = found.as_ref().and_then(|(seeds, _)| {
        let failing = crate::shrink::failing_seeds::<raft::Node>(config, seeds - 1, limit, jobs);
        let (_, s) = crate::shrink::shrink_best::<raft::Node>(config, &failing, &|_| {})?;
        Some((s.original_steps, s.steps.len()))
    });
    BugRow {
        name,
        seeds: found.as_ref().map(|f| f.0),
        property: found.map(|f| f.1),
        secs,
        shrunk,
    }
}
