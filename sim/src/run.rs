//! One random run of one seed: a fault phase with clients, then a liveness phase in which the
//! faults stop (everywhere, or but for a majority core) and the cluster must elect a leader,
//! settle and finish every client operation (`liveness.rs`); then the client history is
//! checked for linearizability.

use crate::checker::{Property, Violation};
use crate::client::WorkloadConfig;
use crate::config::Options;
use crate::config::SimConfig;
use crate::knob::Bugs;
use crate::liveness::Ending;
use crate::node::RaftNode;
use crate::rng::{stream, Stream};
use crate::swarm::{Pins, Swarm};
use crate::trace::{Trace, TraceHash};
use crate::world::{Stats, World};
use raft::Node;
use rand::seq::SliceRandom;
use rand::Rng;
use serde::Serialize;

/// What a random run is made of, apart from its seed. `None` leaves a choice to the seed
/// (see `swarm.rs`); a value pins it.
#[derive(Clone, Debug, PartialEq)]
pub struct RunConfig {
    /// Cluster size; `None` lets each seed choose (1 to 7).
    pub nodes: Option<u8>,
    /// Bug knobs: the node's go to `raft::Config`, the host's to `SimConfig`.
    pub bugs: Bugs,
    /// Thesis §9.6 and §6.2; `None` lets each seed choose.
    pub pre_vote: Option<bool>,
    pub check_quorum: Option<bool>,
    /// `None`: each seed chooses log, read-index or lease.
    pub read_mode: Option<crate::client::ReadMode>,
    pub max_events: u64,
    /// Virtual time with faults on.
    pub fault_phase_us: u64,
    /// Bound on the liveness phase.
    pub liveness_us: u64,
    pub workload: WorkloadConfig,
    /// Keep the whole trace in memory (replay, explain) rather than only its tail.
    pub keep_trace: bool,
    /// §7: the nodes compact their logs every this many applied entries (`None`: never, and no
    /// seed draws it, so that every run without it stays as it was).
    pub snapshot_threshold_entries: Option<u64>,
    /// Each seed draws disk faults (`faults::DiskMix`) and, unless pinned, a small snapshot
    /// threshold (so that InstallSnapshot happens often), from a stream of its own: off, every
    /// run draws as before.
    pub disk_faults: bool,
    /// Each seed draws an operator (`reconfig::MembershipMix`) that changes the configuration
    /// and transfers the leadership, from a stream of its own: off, every run draws as before.
    /// Only for implementations that change their configuration.
    pub membership: bool,
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig {
            nodes: None,
            bugs: Bugs::none(),
            pre_vote: None,
            check_quorum: None,
            read_mode: None,
            max_events: 1_000_000,
            fault_phase_us: 5_000_000,
            liveness_us: 5_000_000,
            workload: WorkloadConfig::default(),
            keep_trace: false,
            snapshot_threshold_entries: None,
            disk_faults: false,
            membership: false,
        }
    }
}

impl RunConfig {
    /// What this configuration pins of a seed's draws.
    pub fn pins(&self) -> Pins {
        Pins {
            nodes: self.nodes,
            pre_vote: self.pre_vote,
            check_quorum: self.check_quorum,
            read_mode: self.read_mode,
        }
    }

    /// Checks the pins against each other; the message names the flags.
    pub fn validate(&self) -> Result<(), String> {
        if self.read_mode == Some(crate::client::ReadMode::Lease) && self.check_quorum != Some(true)
        {
            return Err("--read-mode lease needs --check-quorum: a lease is safe only while voters ignore candidates for an election timeout after hearing from the leader (thesis §6.4.1)".into());
        }
        if self.max_events == 0 {
            return Err("--max-events must be at least 1".into());
        }
        Ok(())
    }

    /// The `raftsim fuzz`/`replay` flags that select this configuration, as a user types them.
    pub fn flags(&self) -> String {
        let mut s = String::new();
        if let Some(n) = self.nodes {
            s += &format!(" --nodes {n}");
        }
        for k in self.bugs.iter() {
            s += &format!(" --bug {k}");
        }
        for (flag, value) in [
            ("pre-vote", self.pre_vote),
            ("check-quorum", self.check_quorum),
        ] {
            match value {
                Some(true) => s += &format!(" --{flag}"),
                Some(false) => s += &format!(" --{flag}=false"),
                None => {}
            }
        }
        if let Some(m) = self.read_mode {
            s += &format!(" --read-mode {}", m.name());
        }
        if self.max_events != RunConfig::default().max_events {
            s += &format!(" --max-events {}", self.max_events);
        }
        if let Some(n) = self.snapshot_threshold_entries {
            s += &format!(" --snapshot-every {n}");
        }
        if self.disk_faults {
            s += " --disk-faults";
        }
        if self.membership {
            s += " --membership";
        }
        s
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct RunOutcome {
    pub seed: u64,
    pub nodes: u8,
    /// What the seed drew (options, fault mix, ending), in one line.
    pub mix: String,
    pub options: Options,
    pub degraded_end: bool,
    /// The first violation, if any (a liveness failure is one too).
    pub violation: Option<Violation>,
    /// The event number and virtual time at which it was found.
    pub at_event: u64,
    pub at_us: u64,
    pub stats: Stats,
    pub trace_hash: u64,
    pub liveness_passed: bool,
    /// The run stopped at a cap (`max_events`) before it finished: it was not checked to the
    /// end, so it is neither clean nor failed.
    pub truncated: bool,
}

/// Builds the world of one seed (cluster size, options and fault mix drawn from the seed), on
/// raftsim's node.
pub fn world_for(seed: u64, config: &RunConfig) -> (World, Swarm) {
    world_for_on::<Node>(seed, config)
}

/// [`world_for`] on any implementation.
pub fn world_for_on<N: RaftNode>(seed: u64, config: &RunConfig) -> (World<N>, Swarm) {
    let mut swarm = Swarm::draw(&mut stream(seed, Stream::Faults), &config.pins());
    let mut snapshot_threshold_entries = config.snapshot_threshold_entries;
    if config.disk_faults {
        let rng = &mut stream(seed, Stream::Disk);
        let mut disk = crate::faults::DiskMix::draw(rng);
        if !N::REPAIRS_DAMAGED_LOGS {
            disk.damage_probability = 0.0;
        }
        let drawn = *[None, Some(2), Some(3), Some(5), Some(10), Some(50)]
            .choose(rng)
            .expect("non-empty");
        let with = raft::Config {
            snapshot_threshold_entries: drawn,
            ..raft::Config::default()
        };
        // An implementation that does not compact draws none.
        if snapshot_threshold_entries.is_none() && N::supports(&with).is_ok() {
            snapshot_threshold_entries = drawn;
        }
        disk.snapshot_threshold_entries = snapshot_threshold_entries;
        // Drawn last, so that the draws before it are those of the runs before it was drawn.
        if rng.gen_bool(0.25) {
            disk.recovery = raft::RecoveryPolicy::Refuse;
        }
        swarm.mix.disk = Some(disk);
    }
    let mut voters = None;
    if config.membership && N::CHANGES_MEMBERSHIP {
        let rng = &mut stream(seed, Stream::Membership);
        let mix = crate::reconfig::MembershipMix::draw(rng, swarm.nodes);
        voters = Some(mix.voters);
        swarm.mix.membership = Some(mix);
        // Degraded endings draw their core from every server, not from the configuration the
        // changes left: a membership run ends healed.
        swarm.degraded_end = false;
        // Thesis §4.2.3: a server removed from the configuration, which never hears of its
        // removal, times out and campaigns; membership changes come with the rule that keeps
        // it from deposing the leader (servers that hear from a leader ignore RequestVote,
        // raftsim's CheckQuorum), or with PreVote, which it cannot win either. A seed that drew
        // neither runs with CheckQuorum (unless the flags pinned it off).
        if !swarm.options.pre_vote && !swarm.options.check_quorum && config.check_quorum.is_none() {
            swarm.options.check_quorum = true;
        }
    }
    let sim = SimConfig {
        nodes: swarm.nodes,
        voters,
        network: swarm.mix.network.clone(),
        max_events: config.max_events,
        read_mode: swarm.options.read_mode,
        bugs: config.bugs.host,
        ..SimConfig::default()
    };
    let raft = raft::Config {
        bugs: config.bugs.raft,
        pre_vote: swarm.options.pre_vote,
        check_quorum: swarm.options.check_quorum,
        max_entries_per_append: swarm.mix.max_entries_per_append,
        heartbeats_carry_entries: swarm.mix.heartbeats_carry_entries,
        snapshot_threshold_entries,
        recovery: swarm
            .mix
            .disk
            .as_ref()
            .map_or_else(Default::default, |d| d.recovery),
        ..raft::Config::default()
    };
    // A campaign's run keeps no lines, only the hash: a failure's report reruns the seed with
    // its whole trace (`keep_trace`).
    let trace = Trace::new(config.keep_trace, 0);
    (World::new(seed, sim, raft, trace), swarm)
}

/// Runs one seed to its end or its first violation, on raftsim's node.
pub fn run_seed(seed: u64, config: &RunConfig) -> (RunOutcome, World) {
    run_seed_on::<Node>(seed, config, |_| {})
}

/// `run_seed` on raftsim's node, with a chance to set up the world (observers only: nothing
/// that changes the run).
pub fn run_seed_with(
    seed: u64,
    config: &RunConfig,
    setup: impl FnOnce(&mut World),
) -> (RunOutcome, World) {
    run_seed_on::<Node>(seed, config, setup)
}

/// One seed on any implementation, with a chance to set up the world.
pub fn run_seed_on<N: RaftNode>(
    seed: u64,
    config: &RunConfig,
    setup: impl FnOnce(&mut World<N>),
) -> (RunOutcome, World<N>) {
    let (mut world, swarm) = world_for_on::<N>(seed, config);
    setup(&mut world);
    world.start_clients(WorkloadConfig {
        clients: config.workload.clients.min(swarm.mix.clients),
        ..config.workload.clone()
    });
    crate::faults::start(&mut world, swarm.mix.clone());
    world.run_while(config.fault_phase_us, |w| !w.violations().is_empty());
    let mut liveness_passed = false;
    if world.violations().is_empty() && !world.exhausted() {
        let ending = ending_of(&mut world, &swarm);
        world.guarded(|w| crate::liveness::end_faults(w, ending));
        if swarm.mix.membership.is_some() {
            world.guarded(crate::reconfig::end_membership);
        }
        let deadline = world.now_us() + config.liveness_us;
        let live = world.run_while(deadline, |w| {
            !w.violations().is_empty() || crate::liveness::live(w)
        });
        liveness_passed = live && world.violations().is_empty();
        if !live && !world.exhausted() {
            let reason = crate::liveness::liveness_failure(&world);
            world.report(Property::Liveness, reason);
        }
        let transfers = (swarm.mix.membership.as_ref())
            .is_some_and(|m| m.has(crate::reconfig::Request::Transfer));
        if liveness_passed && transfers {
            let mut checked = None;
            world.guarded(|w| checked = crate::reconfig::transfer_check(w));
            if let Some(Err(reason)) = checked {
                world.report(Property::LeadershipTransfer, reason);
                liveness_passed = false;
            }
        }
    }
    if world.violations().is_empty() {
        world.guarded(|w| w.check_linearizability());
    }
    // Each WAL keeps its own high-water mark: read once, not at every write.
    let largest = (world.hosts.iter())
        .filter_map(|h| h.wal_if_kept().map(|w| w.counters.max_records))
        .max();
    world.stats.disk.max_wal_records = largest.unwrap_or(0);
    let outcome = RunOutcome {
        seed,
        nodes: world.config.nodes,
        mix: swarm.describe(),
        options: swarm.options,
        degraded_end: swarm.degraded_end,
        violation: world.violations().first().cloned(),
        at_event: world.stats.events,
        at_us: world.now_us(),
        stats: world.stats.clone(),
        trace_hash: world.trace.hash.0,
        liveness_passed,
        truncated: world.exhausted() && world.violations().is_empty(),
    };
    (outcome, world)
}

/// How the seed's fault phase ends: healed, or (drawn) a degraded core chosen now, around the
/// current leader, from a place of the faults stream of its own.
fn ending_of<N: RaftNode>(world: &mut World<N>, swarm: &Swarm) -> Ending {
    let n = swarm.nodes;
    if !swarm.degraded_end {
        return Ending::healed(n);
    }
    let mut rng = crate::rng::keyed(&world.fault_rng, 3 << 32, 0);
    let leader = world.leader();
    let impaired = world.impaired_disks();
    Ending::degraded(&mut rng, n, leader, &swarm.options, &impaired)
}

/// The trace hash of one seed, for determinism checks.
pub fn trace_hash(seed: u64, config: &RunConfig) -> TraceHash {
    TraceHash(run_seed(seed, config).0.trace_hash)
}
