//! One random run of one seed: a fault phase with clients, then a liveness phase in which the
//! faults stop and the cluster must elect a leader and finish every client operation.

use crate::checker::{Property, Violation};
use crate::client::WorkloadConfig;
use crate::config::SimConfig;
use crate::faults::FaultMix;
use crate::rng::{stream, Stream};
use crate::trace::{Trace, TraceHash};
use crate::world::{Stats, World};
use raft::Knobs;
use rand::seq::SliceRandom;
use serde::Serialize;

/// What a random run is made of, apart from its seed.
#[derive(Clone, Debug, PartialEq)]
pub struct RunConfig {
    /// Cluster size; `None` lets each seed choose 3, 5 or 7.
    pub nodes: Option<u8>,
    pub bugs: Knobs,
    /// Thesis §9.6 and §6.2 (off by default, as in the paper).
    pub pre_vote: bool,
    pub check_quorum: bool,
    pub read_mode: crate::client::ReadMode,
    pub max_events: u64,
    /// Virtual time with faults on.
    pub fault_phase_us: u64,
    /// Bound on the liveness phase.
    pub liveness_us: u64,
    pub workload: WorkloadConfig,
    /// Keep the whole trace in memory (replay, explain) rather than only its tail.
    pub keep_trace: bool,
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig {
            nodes: None,
            bugs: Knobs::none(),
            pre_vote: false,
            check_quorum: false,
            read_mode: crate::client::ReadMode::Log,
            max_events: 1_000_000,
            fault_phase_us: 5_000_000,
            liveness_us: 5_000_000,
            workload: WorkloadConfig::default(),
            keep_trace: false,
        }
    }
}

impl RunConfig {
    /// The `raftsim fuzz`/`replay` flags that select this configuration, as a user types them.
    pub fn flags(&self) -> String {
        let mut s = String::new();
        if let Some(n) = self.nodes {
            s += &format!(" --nodes {n}");
        }
        for k in self.bugs.iter() {
            s += &format!(" --bug {k}");
        }
        if self.pre_vote {
            s += " --pre-vote";
        }
        if self.check_quorum {
            s += " --check-quorum";
        }
        if self.read_mode != crate::client::ReadMode::Log {
            s += &format!(" --read-mode {}", self.read_mode.name());
        }
        if self.max_events != RunConfig::default().max_events {
            s += &format!(" --max-events {}", self.max_events);
        }
        s
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct RunOutcome {
    pub seed: u64,
    pub nodes: u8,
    pub mix: String,
    /// The first violation, if any (a liveness failure is one too).
    pub violation: Option<Violation>,
    /// The event number and virtual time at which it was found.
    pub at_event: u64,
    pub at_us: u64,
    pub stats: Stats,
    pub trace_hash: u64,
    pub liveness_passed: bool,
    /// The run stopped at `max_events` before it finished.
    pub truncated: bool,
}

/// Builds the world of one seed (cluster size and fault mix drawn from the seed).
pub fn world_for(seed: u64, config: &RunConfig) -> (World, FaultMix) {
    let mut swarm = stream(seed, Stream::Faults);
    let nodes = config
        .nodes
        .unwrap_or_else(|| *[3u8, 5, 7].choose(&mut swarm).expect("non-empty"));
    let mix = FaultMix::draw(&mut swarm);
    let sim = SimConfig {
        nodes,
        network: mix.network.clone(),
        max_events: config.max_events,
        read_mode: config.read_mode,
        ..SimConfig::default()
    };
    let raft = raft::Config {
        bugs: config.bugs,
        pre_vote: config.pre_vote,
        check_quorum: config.check_quorum,
        max_entries_per_append: mix.max_entries_per_append,
        heartbeats_carry_entries: mix.heartbeats_carry_entries,
        ..raft::Config::default()
    };
    let trace = if config.keep_trace {
        Trace::new(true, 0)
    } else {
        Trace::new(false, 40)
    };
    (World::new(seed, sim, raft, trace), mix)
}

/// Runs one seed to its end or its first violation.
pub fn run_seed(seed: u64, config: &RunConfig) -> (RunOutcome, World) {
    run_seed_with(seed, config, |_| {})
}

/// `run_seed`, with a chance to set up the world (observers only: nothing that changes the run).
pub fn run_seed_with(
    seed: u64,
    config: &RunConfig,
    setup: impl FnOnce(&mut World),
) -> (RunOutcome, World) {
    let (mut world, mix) = world_for(seed, config);
    setup(&mut world);
    let description = mix.describe();
    world.start_clients(WorkloadConfig {
        clients: config.workload.clients.min(mix.clients),
        ..config.workload.clone()
    });
    world.start_faults(mix);
    let fault_end = config.fault_phase_us;
    world.run_while(fault_end, |w| !w.violations().is_empty());
    let mut liveness_passed = false;
    if world.violations().is_empty() && !world.exhausted() {
        world.guarded(|w| w.stop_faults_and_heal());
        world.clients.mark();
        let deadline = world.now_us() + config.liveness_us;
        let live = world.run_while(deadline, |w| {
            !w.violations().is_empty() || w.leader().is_some() && w.clients.all_progressed()
        });
        liveness_passed = live && world.violations().is_empty();
        if !live && !world.exhausted() {
            let reason = liveness_failure(&world, config.liveness_us);
            world.report(Property::Liveness, reason);
        }
    }
    if world.violations().is_empty() {
        world.guarded(|w| w.check_linearizability());
    }
    let outcome = RunOutcome {
        seed,
        nodes: world.config.nodes,
        mix: description,
        violation: world.violations().first().cloned(),
        at_event: world.stats.events,
        at_us: world.now_us(),
        stats: world.stats.clone(),
        trace_hash: world.trace.hash.0,
        liveness_passed,
        truncated: world.exhausted(),
    };
    (outcome, world)
}

fn liveness_failure(world: &World, bound_us: u64) -> String {
    let secs = bound_us as f64 / 1e6;
    match world.leader() {
        None => format!(
            "no liveness: {secs}s after the faults stopped and the network healed, no leader (highest term {})",
            world.stats.highest_term
        ),
        Some(leader) => format!(
            "no liveness: {leader} leads but {} client operation(s) are still pending {secs}s after the heal",
            world.clients.pending()
        ),
    }
}

/// The trace hash of one seed, for determinism checks.
pub fn trace_hash(seed: u64, config: &RunConfig) -> TraceHash {
    TraceHash(run_seed(seed, config).0.trace_hash)
}
