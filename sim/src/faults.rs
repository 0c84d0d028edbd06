//! Random fault schedules with swarm testing (Groce et al., ISSTA 2012): each seed derives its
//! own fault mix — which kinds of fault it uses at all and how hard the network is — so that
//! some seeds never drop a message and others are crash-heavy, instead of every seed getting a
//! thin, uniform mix of everything.

use crate::config::NetworkConfig;
use crate::world::{Event, World};
use raft::NodeId;
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
}

impl FaultKind {
    pub const ALL: [FaultKind; 8] = [
        FaultKind::Partition,
        FaultKind::OneWayCut,
        FaultKind::PartialLinks,
        FaultKind::Crash,
        FaultKind::Bounce,
        FaultKind::Pause,
        FaultKind::ClockDrift,
        FaultKind::LeaderCrash,
    ];
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
    /// The nodes' `max_entries_per_append`: with 1, each AppendEntries carries one entry, so an
    /// old-term entry can reach a majority before the new leader's own entry does (Figure 8).
    pub max_entries_per_append: usize,
    /// How many of the campaign's clients run: some seeds have none (only the leaders' no-ops
    /// fill the logs), which also makes their failures shrink further.
    pub clients: u32,
    /// The leaders' heartbeats carry missing entries, or are the paper's empty AppendEntries.
    pub heartbeats_carry_entries: bool,
}

impl FaultMix {
    /// Draws a mix from the faults stream.
    pub fn draw(rng: &mut ChaCha8Rng) -> FaultMix {
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
        FaultMix {
            network,
            kinds,
            interval_min_us: 10_000,
            interval_max_us,
            max_drift_ppm: 200_000,
            max_entries_per_append: *[1, 4, 64].choose(rng).expect("non-empty"),
            clients: *[0, 1, 3, 3].choose(rng).expect("non-empty"),
            heartbeats_carry_entries: rng.gen_bool(0.5),
        }
    }

    /// One line for summaries: `drop=0.05 dup=0 latency<=10ms faults=[crash,partition] every<=300ms`.
    pub fn describe(&self) -> String {
        let kinds: Vec<String> = self
            .kinds
            .iter()
            .map(|k| {
                serde_json::to_string(k)
                    .unwrap_or_default()
                    .replace('"', "")
            })
            .collect();
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
        )
    }
}

impl World {
    /// Starts the random fault schedule.
    pub fn start_faults(&mut self, mix: FaultMix) {
        self.network.set_config(mix.network.clone());
        let at = self.now_us
            + self
                .fault_rng
                .gen_range(mix.interval_min_us..=mix.interval_max_us);
        self.faults = Some(mix);
        self.queue.push(at, Event::Fault);
    }

    /// Ends the fault phase: no more faults, every link up, no loss or duplication, every
    /// crashed node restarted, every paused node resumed, every clock true.
    pub fn stop_faults_and_heal(&mut self) {
        self.faults = None;
        self.calm();
        self.heal();
        let ids: Vec<NodeId> = self.ids().collect();
        for id in ids {
            self.restart(id);
            self.resume(id);
            self.set_drift(id, 0);
        }
    }
}

impl World {
    /// A node just became leader: with the `leader-crash` fault, half the time it crashes a
    /// few milliseconds later and restarts a little after (drawn from the faults stream at a
    /// place keyed by the node and its term, so the decision survives shrinking).
    pub(crate) fn maybe_crash_new_leader(&mut self, id: NodeId, term: u64) {
        let Some(mix) = &self.faults else {
            return;
        };
        if !mix.kinds.contains(&FaultKind::LeaderCrash) {
            return;
        }
        let mut rng = crate::rng::keyed(&self.fault_rng, id.0 as u64, term);
        if rng.gen_bool(0.5) {
            let crash_at = self.now_us + rng.gen_range(0..10_000);
            let restart_at = crash_at + rng.gen_range(10_000..300_000);
            self.schedule(crash_at, Event::Crash { node: id });
            self.schedule(restart_at, Event::Restart { node: id });
        }
    }

    /// No more loss or duplication on the network (latency stays).
    pub fn calm(&mut self) {
        let mut net = self.network.config().clone();
        net.drop_probability = 0.0;
        net.duplicate_probability = 0.0;
        self.network.set_config(net);
        self.note_step(crate::scenario::Step::Calm);
    }
}

/// Runs one action of the schedule and schedules the next.
pub(crate) fn next_fault(world: &mut World) {
    let Some(mix) = world.faults.clone() else {
        return;
    };
    let kind = *mix.kinds.choose(&mut world.fault_rng).expect("non-empty");
    // Half of the actions undo: heal, restart, resume, true clocks.
    let undo = world.fault_rng.gen_bool(0.5);
    apply(world, kind, undo, &mix);
    let gap = world
        .fault_rng
        .gen_range(mix.interval_min_us..=mix.interval_max_us);
    world.queue.push(world.now_us + gap, Event::Fault);
}

fn random_node(world: &mut World) -> NodeId {
    NodeId(world.fault_rng.gen_range(1..=world.config.nodes))
}

/// Half of the time the current leader, as Jepsen's nemeses favour the primary: faults at the
/// leader are the ones that exercise elections and log repair.
fn leader_or_random(world: &mut World) -> NodeId {
    let leader = world.leader();
    match leader {
        Some(id) if world.fault_rng.gen_bool(0.5) => id,
        _ => random_node(world),
    }
}

fn apply(world: &mut World, kind: FaultKind, undo: bool, mix: &FaultMix) {
    let n = world.config.nodes;
    match (kind, undo) {
        (FaultKind::Partition | FaultKind::OneWayCut | FaultKind::PartialLinks, true) => {
            world.heal()
        }
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
            world.crash(id);
        }
        (FaultKind::Crash, true) => {
            let id = random_node(world);
            world.restart(id);
        }
        (FaultKind::Bounce, _) => {
            let id = leader_or_random(world);
            world.crash(id);
            world.restart(id);
        }
        (FaultKind::Pause, false) => {
            let id = leader_or_random(world);
            world.pause(id);
        }
        (FaultKind::Pause, true) => {
            let id = random_node(world);
            world.resume(id);
        }
        (FaultKind::LeaderCrash, _) => {}
        (FaultKind::ClockDrift, _) => {
            let id = random_node(world);
            let drift = if undo {
                0
            } else {
                world
                    .fault_rng
                    .gen_range(-mix.max_drift_ppm..=mix.max_drift_ppm)
            };
            world.set_drift(id, drift);
        }
    }
}
