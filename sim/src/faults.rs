//! Random fault schedules with swarm testing (Groce et al., ISSTA 2012): each seed derives its
//! own fault mix — which kinds of fault it uses at all and how hard the network is — so that
//! some seeds never drop a message and others are crash-heavy, instead of every seed getting a
//! thin, uniform mix of everything.

use crate::config::NetworkConfig;
use crate::disk::DiskFault;
use crate::node::RaftNode;
use crate::world::{Event, Nemesis, NemesisEvent, World};
use raft::{MessageKind, NodeId};
use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FaultKind {
    Partition,
    OneWayCut,
    PartialLinks,
    Crash,
    /// A crash and an immediate restart from the disk (turmoil's "bounce").
    Bounce,
    Pause,
    ClockDrift,
    /// A new leader crashes within a few milliseconds of its election, then restarts: faults
    /// aimed at a protocol moment (FoundationDB's BUGGIFY spirit), the shape of Figure 8.
    LeaderCrash,
    /// Messages of one type are held on some links (into or out of the leader, or one link)
    /// for about an election timeout while other traffic flows, then released late: in
    /// order, newest first (reordered) or each twice (duplicated).
    HoldMessages,
    /// A one-way cut, and shortly after it the leader of that moment is cut off.
    CutThenIsolate,
    /// A node that has just granted a vote or acknowledged entries crashes within two disk
    /// latencies, in the window between its write and its reply, and restarts later.
    CrashAfterPersist,
}

impl FaultKind {
    pub const ALL: [FaultKind; crate::event::FAULT_KINDS] = [
        FaultKind::Partition,
        FaultKind::OneWayCut,
        FaultKind::PartialLinks,
        FaultKind::Crash,
        FaultKind::Bounce,
        FaultKind::Pause,
        FaultKind::ClockDrift,
        FaultKind::LeaderCrash,
        FaultKind::HoldMessages,
        FaultKind::CutThenIsolate,
        FaultKind::CrashAfterPersist,
    ];

    pub fn name(self) -> &'static str {
        match self {
            FaultKind::Partition => "partition",
            FaultKind::OneWayCut => "one-way-cut",
            FaultKind::PartialLinks => "partial-links",
            FaultKind::Crash => "crash",
            FaultKind::Bounce => "bounce",
            FaultKind::Pause => "pause",
            FaultKind::ClockDrift => "clock-drift",
            FaultKind::LeaderCrash => "leader-crash",
            FaultKind::HoldMessages => "hold-messages",
            FaultKind::CutThenIsolate => "cut-then-isolate",
            FaultKind::CrashAfterPersist => "crash-after-persist",
        }
    }
}

/// The message types `hold-messages` holds: replies and heartbeats above all, whose delay
/// breaks the assumptions of read paths, leases and vote counting.
const HOLD_KINDS: [MessageKind; 7] = [
    MessageKind::RequestVoteResponse,
    MessageKind::AppendEntriesResponse,
    MessageKind::Heartbeat,
    MessageKind::HeartbeatResponse,
    MessageKind::AppendEntries,
    MessageKind::RequestVote,
    MessageKind::PreVoteResponse,
];

/// The largest clock drift under which lease reads are safe with `raft`'s timeouts, in ppm.
/// A lease lasts `min - margin` ticks of the leader's clock from the start of a round; a voter
/// that acknowledged the round ignores candidates for at least `min - 1` ticks of its own
/// clock (its next tick may come at once). With the leader's ticks `1 + d` long and the
/// voter's `1 - d`, the lease ends in time while `(min - margin)(1 + d) <= (min - 1)(1 - d)`.
pub fn lease_safe_drift_ppm(raft: &raft::Config) -> i32 {
    let min = raft.election_timeout_min_ticks as i64;
    let margin = raft.lease_margin_ticks as i64;
    let (num, den) = ((min - 1) - (min - margin), (min - margin) + (min - 1));
    (1_000_000 * num.max(0) / den.max(1)) as i32
}

/// One seed's fault mix.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FaultMix {
    pub network: NetworkConfig,
    pub kinds: Vec<FaultKind>,
    /// Time between two fault actions, drawn uniformly.
    pub interval_min_us: u64,
    pub interval_max_us: u64,
    pub max_drift_ppm: i32,
    /// Drifts are drawn near `max_drift_ppm` (half of it to all of it, either way): the lease
    /// margin's edge, when reads are served under a lease.
    pub drift_near_max: bool,
    /// How often `crash-after-persist` strikes a vote or an acknowledgement.
    pub persist_crash_probability: f64,
    /// The nodes' `max_entries_per_append`: with 1, each AppendEntries carries one entry, so an
    /// old-term entry can reach a majority before the new leader's own entry does (Figure 8).
    pub max_entries_per_append: usize,
    /// How many of the campaign's clients run: some seeds have none (only the leaders' no-ops
    /// fill the logs), which also makes their failures shrink further.
    pub clients: u32,
    /// The leaders' heartbeats carry missing entries, or are the paper's empty AppendEntries.
    pub heartbeats_carry_entries: bool,
    /// Disk faults (`--disk-faults`; `None` without, and nothing about them is drawn).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disk: Option<DiskMix>,
    /// The operator's configuration changes and transfers (`--membership`, `reconfig.rs`;
    /// `None` without).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub membership: Option<crate::reconfig::MembershipMix>,
}

/// One seed's disk faults (`disk/`), drawn from a stream of their own so that a run without
/// them draws everything else as before. Each decision is drawn at a place keyed by the node
/// and the moment, so that it survives shrinking.
///
/// The budget, what a correct node with correct recovery must survive: a torn write or a
/// failed fsync may hit any node at any time (neither touches what was durable); damage to
/// durable records (a corruption, a lost or a misdirected write) hits only an entry record,
/// of one node at a time — none while another node's damage is not repaired yet — so that every
/// committed entry keeps intact copies on a majority less that node. A lost write never hits
/// a node's newest entry record: that loss leaves no trace a reader could find, and then no
/// recovery can know what it lost. Hard-state records and snapshot files are never damaged,
/// and no disk is wiped: a node that loses its vote can vote twice in a term whatever its
/// recovery, and the safe way back for it is a membership change. This budget is raftsim's
/// own, not checked against the PAR paper's fault model: it is what raftsim's protocol-aware
/// recovery is argued safe for (`raft/src/recovery.rs`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DiskMix {
    /// How often a crash that lands while writes are in flight tears their last record.
    pub torn_probability: f64,
    /// How often a fault action also makes a node's next fsync fail.
    pub fsync_failure_probability: f64,
    /// How often a restart finds one entry record of the node's WAL damaged (within the budget).
    pub damage_probability: f64,
    /// What the nodes do with a damaged log: both policies are correct (`raft::RecoveryPolicy`).
    pub recovery: raft::RecoveryPolicy,
    /// The snapshot threshold the seed runs with (drawn, or pinned by `--snapshot-every`).
    pub snapshot_threshold_entries: Option<u64>,
}

impl DiskMix {
    pub fn draw(rng: &mut ChaCha8Rng) -> DiskMix {
        DiskMix {
            torn_probability: *[0.0, 0.5, 1.0].choose(rng).expect("non-empty"),
            fsync_failure_probability: *[0.0, 0.05, 0.2].choose(rng).expect("non-empty"),
            damage_probability: *[0.0, 0.3, 1.0].choose(rng).expect("non-empty"),
            recovery: raft::RecoveryPolicy::default(),
            snapshot_threshold_entries: None,
        }
    }
}

impl FaultMix {
    /// Draws a mix from the faults stream, for a seed with `options`.
    pub fn draw(rng: &mut ChaCha8Rng, options: &crate::config::Options) -> FaultMix {
        let mut kinds: Vec<FaultKind> = FaultKind::ALL
            .into_iter()
            .filter(|_| rng.gen_bool(0.5))
            .collect();
        if kinds.is_empty() {
            kinds.push(*FaultKind::ALL.choose(rng).expect("non-empty"));
        }
        let network = NetworkConfig {
            latency_min_us: 500,
            latency_max_us: *[2_000, 10_000, 30_000].choose(rng).expect("non-empty"),
            drop_probability: *[0.0, 0.0, 0.01, 0.05, 0.2].choose(rng).expect("non-empty"),
            duplicate_probability: *[0.0, 0.0, 0.02, 0.1].choose(rng).expect("non-empty"),
            max_in_flight_per_link: 256,
        };
        let interval_max_us = *[30_000, 100_000, 300_000, 1_000_000]
            .choose(rng)
            .expect("non-empty");
        let lease = options.read_mode == crate::client::ReadMode::Lease;
        FaultMix {
            network,
            kinds,
            interval_min_us: 10_000,
            interval_max_us,
            max_drift_ppm: if lease {
                lease_safe_drift_ppm(&raft::Config::default())
            } else {
                200_000
            },
            drift_near_max: lease,
            persist_crash_probability: *[0.01, 0.05].choose(rng).expect("non-empty"),
            max_entries_per_append: *[1, 4, 64].choose(rng).expect("non-empty"),
            clients: *[0, 1, 3, 3].choose(rng).expect("non-empty"),
            heartbeats_carry_entries: rng.gen_bool(0.5),
            disk: None,
            membership: None,
        }
    }

    /// One line for summaries: `drop=0.05 dup=0 latency<=10ms faults=[crash,partition] every<=300ms`.
    pub fn describe(&self) -> String {
        let kinds: Vec<&str> = self.kinds.iter().map(|k| k.name()).collect();
        format!(
            "drop={} dup={} latency<={}ms faults=[{}] every<={}ms batch={} clients={} heartbeat-entries={}",
            self.network.drop_probability,
            self.network.duplicate_probability,
            self.network.latency_max_us / 1000,
            kinds.join(","),
            self.interval_max_us / 1000,
            self.max_entries_per_append,
            self.clients,
            self.heartbeats_carry_entries
        ) + &self.disk.as_ref().map_or(String::new(), |d| {
            format!(
                " disk=[torn {} fsync {} damage {} recovery {}]",
                d.torn_probability,
                d.fsync_failure_probability,
                d.damage_probability,
                d.recovery.name()
            )
        }) + &self
            .membership
            .as_ref()
            .map_or(String::new(), |m| m.describe())
    }

    fn has(&self, kind: FaultKind) -> bool {
        self.kinds.contains(&kind)
    }
}

/// Starts the random fault schedule `mix` on `world`: the network takes the mix's loss,
/// duplication and latency, and the first action comes after one interval.
pub fn start<N: RaftNode>(world: &mut World<N>, mix: FaultMix) {
    world.network.set_config(mix.network.clone());
    let at = world.now_us()
        + world
            .fault_rng
            .gen_range(mix.interval_min_us..=mix.interval_max_us);
    let nemesis = RandomFaults {
        leader_crash: mix.has(FaultKind::LeaderCrash),
        persist_crash: mix
            .has(FaultKind::CrashAfterPersist)
            .then_some(mix.persist_crash_probability),
        mix,
    };
    let membership_at = nemesis.mix.membership.as_ref().map(|m| {
        world.now_us()
            + world
                .fault_rng
                .gen_range(m.interval_min_us..=m.interval_max_us)
    });
    world.nemesis = Some(std::rc::Rc::new(nemesis));
    world.schedule(at, Event::Nemesis(NemesisEvent::Next));
    if let Some(at) = membership_at {
        world.schedule(at, Event::Nemesis(NemesisEvent::Membership { again: true }));
    }
}

/// The random fault schedule of one seed, as the loop runs it.
struct RandomFaults {
    mix: FaultMix,
    /// What `after_step` asks at every step, looked up once.
    leader_crash: bool,
    persist_crash: Option<f64>,
}

impl<N: RaftNode> Nemesis<N> for RandomFaults {
    fn on_event(&self, world: &mut World<N>, event: NemesisEvent) {
        match event {
            NemesisEvent::Next => next_fault(world, &self.mix),
            NemesisEvent::Crash(node) => crash(world, node, &self.mix),
            NemesisEvent::Restart(node) => restart(world, node, &self.mix),
            NemesisEvent::ReleaseHeld {
                from,
                to,
                kind,
                newest,
                twice,
            } => world.release_some(from, to, Some(kind), None, newest, twice),
            NemesisEvent::Membership { again } => {
                if let Some(m) = &self.mix.membership {
                    crate::reconfig::on_event(world, m, again);
                }
            }
            NemesisEvent::Isolate(side) => {
                let all: raft::NodeSet = world.ids().collect();
                let rest = all.difference(side);
                if !rest.is_empty() {
                    world.partition(&[side.iter().collect(), rest.iter().collect()]);
                }
            }
            NemesisEvent::Heal => world.heal(),
            NemesisEvent::IsolateLeader => {
                if let Some(leader) = world.leader() {
                    let rest: Vec<NodeId> = world.ids().filter(|n| *n != leader).collect();
                    world.partition(&[vec![leader], rest]);
                }
            }
        }
    }

    fn after_step(
        &self,
        world: &mut World<N>,
        node: NodeId,
        new_leader: Option<raft::Term>,
        out: &[raft::Output<N::Message>],
    ) {
        if let (Some(term), true) = (new_leader, self.leader_crash) {
            crash_new_leader(world, node, term.0);
        }
        if let (Some(_), Some(m)) = (new_leader, &self.mix.membership) {
            crate::reconfig::at_election(world, m, node);
        }
        if let Some(p) = self.persist_crash {
            crash_after_persist(world, node, out, p);
        }
    }
}

/// A crash; with disk faults, one that lands while writes are in flight may tear their last
/// record.
fn crash<N: RaftNode>(world: &mut World<N>, id: NodeId, mix: &FaultMix) {
    if let Some(d) = mix.disk.as_ref().filter(|d| d.torn_probability > 0.0) {
        if world.writes_in_flight(id) {
            let mut rng =
                crate::rng::keyed(&world.fault_rng, 5 << 32 | id.0 as u64, world.now_us());
            if rng.gen_bool(d.torn_probability) {
                let torn = world.disk_fault(id, DiskFault::TornCrash);
                debug_assert!(torn.is_ok(), "{torn:?}");
                return;
            }
        }
    }
    world.crash(id);
}

/// A restart; with disk faults, within the budget (`DiskMix`), the node's disk may first have
/// one entry record damaged while it was down.
fn restart<N: RaftNode>(world: &mut World<N>, id: NodeId, mix: &FaultMix) {
    if let Some(d) = mix.disk.as_ref().filter(|d| d.damage_probability > 0.0) {
        if !world.hosts[id.0 as usize - 1].is_alive() && world.disk_damage_allowed(id) {
            let mut rng =
                crate::rng::keyed(&world.fault_rng, 6 << 32 | id.0 as u64, world.now_us());
            if rng.gen_bool(d.damage_probability) {
                if let Some(fault) = pick_damage(world, id, &mut rng) {
                    let done = world.disk_fault(id, fault);
                    debug_assert!(done.is_ok(), "{done:?}");
                }
            }
        }
    }
    world.restart(id);
}

/// One damage to an entry record of `id`'s WAL: a corruption, a lost write (never of the
/// newest entry record), or a misdirected write.
fn pick_damage<N: RaftNode>(
    world: &mut World<N>,
    id: NodeId,
    rng: &mut ChaCha8Rng,
) -> Option<DiskFault> {
    let host = &mut world.hosts[id.0 as usize - 1];
    let entries: Vec<raft::LogIndex> = host.wal().entry_indexes().collect();
    let n = entries.len();
    match rng.gen_range(0..3) {
        0 if n >= 2 => Some(DiskFault::LoseWrite(entries[rng.gen_range(0..n - 1)])),
        1 if n >= 2 => {
            let (a, b) = (rng.gen_range(0..n), rng.gen_range(0..n - 1));
            let b = if b >= a { b + 1 } else { b };
            Some(DiskFault::Misdirect {
                index: entries[a],
                over: entries[b],
            })
        }
        _ if n >= 1 => Some(DiskFault::Corrupt(entries[rng.gen_range(0..n)])),
        _ => None,
    }
}

/// With disk faults, a fault action may also make one node's next fsync fail.
fn fail_an_fsync<N: RaftNode>(world: &mut World<N>, d: &DiskMix) {
    if d.fsync_failure_probability == 0.0 {
        return;
    }
    let mut rng = crate::rng::keyed(&world.fault_rng, 7 << 32, world.now_us());
    if rng.gen_bool(d.fsync_failure_probability) {
        let id = NodeId(rng.gen_range(1..=world.config.nodes));
        let done = world.disk_fault(id, DiskFault::FsyncFail);
        debug_assert!(done.is_ok(), "{done:?}");
    }
}

fn count<N: RaftNode>(world: &mut World<N>, kind: FaultKind) {
    world.stats.fault_actions[kind as usize] += 1;
}

/// Crashes `id` and restarts it later, at the times given.
fn crash_and_restart<N: RaftNode>(
    world: &mut World<N>,
    id: NodeId,
    crash_at: u64,
    restart_at: u64,
) {
    world.schedule(crash_at, Event::Nemesis(NemesisEvent::Crash(id)));
    world.schedule(restart_at, Event::Nemesis(NemesisEvent::Restart(id)));
}

/// `leader-crash`: `id` just became leader of `term`. Half the time it crashes a few
/// milliseconds later and restarts a little after (drawn from the faults stream at a place
/// keyed by the node and its term, so the decision survives shrinking).
fn crash_new_leader<N: RaftNode>(world: &mut World<N>, id: NodeId, term: u64) {
    let mut rng = crate::rng::keyed(&world.fault_rng, id.0 as u64, term);
    if rng.gen_bool(0.5) {
        let crash_at = world.now_us() + rng.gen_range(0..10_000);
        let restart_at = crash_at + rng.gen_range(10_000..300_000);
        crash_and_restart(world, id, crash_at, restart_at);
        count(world, FaultKind::LeaderCrash);
    }
}

/// `crash-after-persist`: `id` just granted a vote or acknowledged entries (its reply waits
/// behind its write). With probability `p` it crashes within two disk latencies, in the window
/// around its write, and restarts later. Keyed by the node, the reply's term and index, so the
/// decision survives shrinking.
fn crash_after_persist<N: RaftNode>(
    world: &mut World<N>,
    id: NodeId,
    out: &[raft::Output<N::Message>],
    p: f64,
) {
    use crate::node::RaftMessage;
    let key = out.iter().find_map(|o| match o {
        raft::Output::Send { message, .. } => message.acknowledgement().map(|(term, index)| {
            (
                term.0,
                index.0 + (message.kind() != MessageKind::RequestVoteResponse) as u64,
            )
        }),
        _ => None,
    });
    let Some((term, index)) = key else {
        return;
    };
    // The cheap keyed generator: this is asked at every acknowledgement.
    let secret = world.network.secret() ^ 0x5eed_c4a5;
    let key = (4 << 32) | id.0 as u64;
    let mut rng = crate::rng::KeyedRng::new(secret, key, term << 32 | index);
    if rng.gen_bool(p) {
        let window = 2 * world.config.disk_latency_us.max(1);
        let crash_at = world.now_us() + rng.gen_range(0..window);
        let restart_at = crash_at + rng.gen_range(10_000..200_000);
        crash_and_restart(world, id, crash_at, restart_at);
        count(world, FaultKind::CrashAfterPersist);
    }
}

/// Runs one action of the schedule and schedules the next.
fn next_fault<N: RaftNode>(world: &mut World<N>, mix: &FaultMix) {
    let kind = *mix.kinds.choose(&mut world.fault_rng).expect("non-empty");
    // Half of the actions undo: heal, restart, resume, true clocks.
    let undo = world.fault_rng.gen_bool(0.5);
    apply(world, kind, undo, mix);
    if let Some(disk) = &mix.disk {
        fail_an_fsync(world, disk);
    }
    let gap = world
        .fault_rng
        .gen_range(mix.interval_min_us..=mix.interval_max_us);
    let at = world.now_us() + gap;
    world.schedule(at, Event::Nemesis(NemesisEvent::Next));
}

fn random_node<N: RaftNode>(world: &mut World<N>) -> NodeId {
    NodeId(world.fault_rng.gen_range(1..=world.config.nodes))
}

/// Half of the time the current leader, as Jepsen's nemeses favour the primary: faults at the
/// leader are the ones that exercise elections and log repair.
fn leader_or_random<N: RaftNode>(world: &mut World<N>) -> NodeId {
    let leader = world.leader();
    match leader {
        Some(id) if world.fault_rng.gen_bool(0.5) => id,
        _ => random_node(world),
    }
}

fn apply<N: RaftNode>(world: &mut World<N>, kind: FaultKind, undo: bool, mix: &FaultMix) {
    let n = world.config.nodes;
    if !matches!(kind, FaultKind::LeaderCrash | FaultKind::CrashAfterPersist) {
        count(world, kind);
    }
    match (kind, undo) {
        (
            FaultKind::Partition
            | FaultKind::OneWayCut
            | FaultKind::PartialLinks
            | FaultKind::CutThenIsolate,
            true,
        ) => world.heal(),
        (FaultKind::CutThenIsolate, false) => {
            let (from, to) = (random_node(world), leader_or_random(world));
            if from != to {
                world.cut(from, to);
            }
            let at = world.now_us() + world.fault_rng.gen_range(20_000..150_000);
            world.schedule(at, Event::Nemesis(NemesisEvent::IsolateLeader));
        }
        (FaultKind::HoldMessages, true) => world.release_all_held(),
        (FaultKind::HoldMessages, false) => hold_messages(world),
        (FaultKind::Partition, false) => {
            let mut ids: Vec<NodeId> = world.ids().collect();
            ids.shuffle(&mut world.fault_rng);
            // Often put the leader in the minority side: the stale-leader story.
            let leader = leader_or_random(world);
            let at = ids.iter().position(|n| *n == leader).expect("a member");
            ids.swap(0, at);
            let split = world.fault_rng.gen_range(1..n.max(2)) as usize;
            let (a, b) = ids.split_at(split.min(ids.len()));
            let (mut a, mut b) = (a.to_vec(), b.to_vec());
            a.sort();
            b.sort();
            world.partition(&[a, b]);
        }
        (FaultKind::OneWayCut, false) => {
            let (from, to) = (random_node(world), random_node(world));
            if from != to {
                world.cut(from, to);
            }
        }
        (FaultKind::PartialLinks, false) => {
            let mut links = Vec::new();
            for a in 1..=n {
                for b in a + 1..=n {
                    if world.fault_rng.gen_bool(0.6) {
                        links.push((NodeId(a), NodeId(b)));
                    }
                }
            }
            world.keep_links(&links);
        }
        (FaultKind::Crash, false) => {
            let id = leader_or_random(world);
            crash(world, id, mix);
        }
        (FaultKind::Crash, true) => {
            let id = random_node(world);
            restart(world, id, mix);
        }
        (FaultKind::Bounce, _) => {
            let id = leader_or_random(world);
            crash(world, id, mix);
            restart(world, id, mix);
        }
        (FaultKind::Pause, false) => {
            let id = leader_or_random(world);
            world.pause(id);
        }
        (FaultKind::Pause, true) => {
            let id = random_node(world);
            world.resume(id);
        }
        (FaultKind::LeaderCrash | FaultKind::CrashAfterPersist, _) => {}
        (FaultKind::ClockDrift, _) => {
            let id = random_node(world);
            let max = mix.max_drift_ppm;
            let rng = &mut world.fault_rng;
            let drift = match (undo, mix.drift_near_max) {
                (true, _) => 0,
                (false, false) => rng.gen_range(-max..=max),
                (false, true) => {
                    let d = rng.gen_range(max / 2..=max);
                    if rng.gen_bool(0.5) {
                        d
                    } else {
                        -d
                    }
                }
            };
            world.set_drift(id, drift);
        }
    }
}

/// Holds one message type on the links into the leader, out of it, or on one link, and
/// schedules its late release (in order, newest first, or twice) about an election timeout on.
fn hold_messages<N: RaftNode>(world: &mut World<N>) {
    let kind = *HOLD_KINDS.choose(&mut world.fault_rng).expect("non-empty");
    let center = leader_or_random(world);
    let others: Vec<NodeId> = world.ids().filter(|n| *n != center).collect();
    let links: Vec<(NodeId, NodeId)> = match world.fault_rng.gen_range(0..3) {
        0 => others.iter().map(|o| (*o, center)).collect(),
        1 => others.iter().map(|o| (center, *o)).collect(),
        _ => others
            .choose(&mut world.fault_rng)
            .map(|o| vec![(center, *o)])
            .unwrap_or_default(),
    };
    let tick = world.config.tick_us;
    let (min, max) = (
        world.raft.election_timeout_min_ticks as u64 * tick,
        2 * world.raft.election_timeout_max_ticks as u64 * tick,
    );
    let at = world.now_us() + world.fault_rng.gen_range(min..=max);
    let mode = world.fault_rng.gen_range(0..3);
    for (from, to) in links {
        world.add_link_rule(from, to, crate::network::LinkRule::Hold(Some(kind)));
        let release = Event::Nemesis(NemesisEvent::ReleaseHeld {
            from,
            to,
            kind,
            newest: mode == 1,
            twice: mode == 2,
        });
        world.schedule(at, release);
    }
}
