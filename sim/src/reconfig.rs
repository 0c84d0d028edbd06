//! The campaign's operator (`fuzz --membership`): random configuration changes and leadership
//! transfers among the fault actions, as an operator's tool would ask them of the leader.
//!
//! Each seed draws, from a stream of its own (so that a run without `--membership` draws
//! everything as before), how many of its nodes boot as voters (the others are spares), which
//! kinds of request it makes — add a voter, add a learner, promote a learner, remove a server
//! (half the time the leader itself), change several voters at once through joint consensus,
//! transfer the leadership — how often, and whether it also asks one at the moment a leader
//! is elected (when a new leader has not yet committed an entry of its term: the window of the
//! 2015 single-server change bug) and in bursts (a second request right behind the first: the
//! window of overlapping changes). Within bounds: every configuration keeps at least one voter
//! (the node refuses the rest), and a cluster has at most 7 servers.
//!
//! **Shut down once removed.** A server removed from the configuration never hears of its
//! removal (the leader stops sending to it as soon as it appends the change, thesis §4.1), so
//! it would time out and campaign with ever higher terms and depose leaders, unless CheckQuorum
//! makes the others ignore it (§4.2.3). An operator shuts a removed server down once it is
//! removed for good — outside the configuration committed at the leader's commit index and
//! outside every later configuration entry of any log — and no longer leads (a leader that
//! removed itself steps down first, §4.2.2). It stays down (faults and the liveness phase
//! leave it so) until a later change adds it back, which restarts it from its disk first.
//! Spares never added are left running: they are voters of no configuration and never
//! campaign. Faults aimed at the 2015 bug's shape: right after a change is appended, the
//! leader may be cut off with a random minority; right after an election, one other server
//! may be cut off while a request follows.
//!
//! The liveness phase keeps shutting down removed servers (`end_membership`), and asks one
//! transfer of the settled leader, when the seed transfers at all: the target must then lead
//! within the bound of [`TRANSFER_TIMEOUTS`] election timeouts (`Property::LeadershipTransfer`).

use crate::node::RaftNode;
use crate::world::{Event, NemesisEvent, World};
use raft::{ConfChange, NodeId, NodeSet};
use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

/// The bound on a transfer asked in the liveness phase, in (maximum) election timeouts: the
/// leader abandons a transfer after one (thesis §3.10), and the target's election takes about
/// a round trip more.
pub const TRANSFER_TIMEOUTS: u64 = 2;

/// A kind of request the operator makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Request {
    Add,
    AddLearner,
    Promote,
    Remove,
    Joint,
    Transfer,
}

impl Request {
    pub const ALL: [Request; 6] = [
        Request::Add,
        Request::AddLearner,
        Request::Promote,
        Request::Remove,
        Request::Joint,
        Request::Transfer,
    ];
    pub fn name(self) -> &'static str {
        match self {
            Request::Add => "add",
            Request::AddLearner => "add-learner",
            Request::Promote => "promote",
            Request::Remove => "remove",
            Request::Joint => "joint",
            Request::Transfer => "transfer",
        }
    }
}

/// One seed's operator.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MembershipMix {
    /// The boot configuration's voters, `n1..n{voters}`; the other nodes are spares.
    pub voters: u8,
    pub requests: Vec<Request>,
    /// Time between two requests, drawn uniformly.
    pub interval_min_us: u64,
    pub interval_max_us: u64,
    /// How often a request also comes at the moment a leader is elected.
    pub at_election: f64,
    /// How often a second request follows right behind one.
    pub burst: f64,
    /// How often, right after a leader appends a configuration change, the leader is cut off
    /// with a random minority for a while, so that the change reaches only some servers and
    /// another leader is elected without it (the shape of the 2015 single-server change bug,
    /// catalogue §6).
    pub isolate_after_change: f64,
}

impl MembershipMix {
    /// Draws the operator of a seed whose cluster has `nodes` servers.
    pub fn draw(rng: &mut ChaCha8Rng, nodes: u8) -> MembershipMix {
        let spares = rng.gen_range(0..=2u8.min(nodes - 1));
        let mut requests: Vec<Request> = Request::ALL
            .into_iter()
            .filter(|_| rng.gen_bool(0.5))
            .collect();
        if requests.is_empty() {
            requests.push(*Request::ALL.choose(rng).expect("non-empty"));
        }
        MembershipMix {
            voters: nodes - spares,
            requests,
            interval_min_us: 20_000,
            interval_max_us: *[100_000, 300_000, 1_000_000]
                .choose(rng)
                .expect("non-empty"),
            at_election: *[0.0, 0.3, 1.0].choose(rng).expect("non-empty"),
            burst: *[0.0, 0.3].choose(rng).expect("non-empty"),
            isolate_after_change: *[0.0, 0.5].choose(rng).expect("non-empty"),
        }
    }

    pub fn describe(&self) -> String {
        let r: Vec<&str> = self.requests.iter().map(|r| r.name()).collect();
        format!(
            " membership=[voters {} requests {} every<={}ms at-election {} burst {} isolate {}]",
            self.voters,
            r.join(","),
            self.interval_max_us / 1000,
            self.at_election,
            self.burst,
            self.isolate_after_change
        )
    }

    pub(crate) fn has(&self, r: Request) -> bool {
        self.requests.contains(&r)
    }
}

/// The operator's generator for a request at this moment (keyed by the time, so that a
/// request survives the shrinking of the faults around it).
fn rng_now<N: RaftNode>(world: &World<N>, key: u64) -> ChaCha8Rng {
    crate::rng::keyed(&world.fault_rng, (8 << 32) | key, world.now_us())
}

/// The fault schedule's membership event: one request, the next one scheduled (`again`), and
/// perhaps a second right behind it.
pub(crate) fn on_event<N: RaftNode>(world: &mut World<N>, mix: &MembershipMix, again: bool) {
    shut_down_removed(world);
    let mut rng = rng_now(world, again as u64);
    request(world, mix, &mut rng);
    if !again {
        return;
    }
    if rng.gen_bool(mix.burst) {
        let at = world.now_us() + rng.gen_range(1_000..5_000);
        world.schedule(
            at,
            Event::Nemesis(NemesisEvent::Membership { again: false }),
        );
    }
    let gap = rng.gen_range(mix.interval_min_us..=mix.interval_max_us);
    let at = world.now_us() + gap;
    world.schedule(at, Event::Nemesis(NemesisEvent::Membership { again: true }));
}

/// A leader was just elected: with the mix's probability, a request follows within a
/// millisecond, before the new leader can have committed its no-op.
pub(crate) fn at_election<N: RaftNode>(world: &mut World<N>, mix: &MembershipMix, node: NodeId) {
    let mut rng = rng_now(world, 2 << 8 | node.0 as u64);
    if rng.gen_bool(mix.at_election) {
        let at = world.now_us() + rng.gen_range(0..1_000);
        world.schedule(
            at,
            Event::Nemesis(NemesisEvent::Membership { again: false }),
        );
        // One of the voters that elected it is cut off at once, half the time: the new
        // leader's first entries then reach a majority of the configuration it changes to,
        // not of the one it was elected in (catalogue §6: S4 votes for S2 and gets nothing).
        if rng.gen_bool(mix.isolate_after_change) {
            let others: Vec<NodeId> = world.ids().filter(|n| *n != node).collect();
            if let Some(cut) = others.choose(&mut rng) {
                let side: NodeSet = [*cut].into_iter().collect();
                world.schedule(at, Event::Nemesis(NemesisEvent::Isolate(side)));
                let heal = at + rng.gen_range(100_000..400_000);
                world.schedule(heal, Event::Nemesis(NemesisEvent::Heal));
            }
        }
    }
}

/// One request of a kind the mix makes, if the cluster allows it now.
fn request<N: RaftNode>(world: &mut World<N>, mix: &MembershipMix, rng: &mut ChaCha8Rng) {
    let Some(leader) = world.leader() else {
        return;
    };
    let Some(m) = world.membership_of(leader) else {
        return;
    };
    let all: NodeSet = world.ids().collect();
    let outside: Vec<NodeId> = all.difference(m.members()).iter().collect();
    let voters: Vec<NodeId> = m.voters.iter().collect();
    let kind = *mix.requests.choose(rng).expect("non-empty");
    let change = match kind {
        Request::Transfer => {
            let others: Vec<NodeId> = voters.iter().copied().filter(|v| *v != leader).collect();
            if let Some(to) = others.choose(rng) {
                world.transfer_leadership(*to);
            }
            return;
        }
        Request::Add | Request::AddLearner => {
            let Some(id) = outside.choose(rng).copied() else {
                return;
            };
            bring_back(world, id);
            if kind == Request::Add {
                ConfChange::AddVoter(id)
            } else {
                ConfChange::AddLearner(id)
            }
        }
        Request::Promote => {
            let learners: Vec<NodeId> = m.learners.iter().collect();
            let Some(id) = learners.choose(rng).copied() else {
                return;
            };
            ConfChange::Promote(id)
        }
        Request::Remove => {
            let members: Vec<NodeId> = m.members().iter().collect();
            // An operator replaces a failed server: half the time one the leader cannot
            // reach, if any (catalogue §6: S2 removes the crashed S1).
            let unreachable: Vec<NodeId> = members
                .iter()
                .copied()
                .filter(|n| {
                    *n != leader && (world.node(*n).is_none() || !world.network.is_up(leader, *n))
                })
                .collect();
            let id = if !unreachable.is_empty() && rng.gen_bool(0.5) {
                *unreachable.choose(rng).expect("non-empty")
            } else if m.voters.contains(leader) && rng.gen_bool(0.5) {
                leader
            } else {
                *members
                    .choose(rng)
                    .expect("the leader's configuration has a voter")
            };
            ConfChange::Remove(id)
        }
        Request::Joint => {
            let mut ids: Vec<NodeId> = all.iter().collect();
            ids.shuffle(rng);
            let size = rng.gen_range(1..=ids.len().min(5));
            let new: NodeSet = ids[..size].iter().copied().collect();
            for id in new.iter() {
                bring_back(world, id);
            }
            ConfChange::Joint { voters: new }
        }
    };
    let asked = world.change_membership(change);
    if let crate::membership::Asked::Appended { leader, .. } = asked {
        if rng.gen_bool(mix.isolate_after_change) {
            // A server the change adds is on the leader's side: the change reaches it
            // (catalogue §6: D = C+S5 reaches only S5).
            let added = match change {
                ConfChange::AddVoter(id) | ConfChange::AddLearner(id) => Some(id),
                _ => None,
            };
            isolate_with_minority(world, leader, added, rng);
        }
    }
}

/// Cuts `leader` off with a random minority of the servers (perhaps none) within a few
/// milliseconds, and heals the network 100 to 400 ms later.
fn isolate_with_minority<N: RaftNode>(
    world: &mut World<N>,
    leader: NodeId,
    added: Option<NodeId>,
    rng: &mut ChaCha8Rng,
) {
    let mut others: Vec<NodeId> = world.ids().filter(|n| *n != leader).collect();
    others.shuffle(rng);
    // (Under a knob a leader may add itself back: then nobody else is carried along.)
    let added = added.and_then(|a| others.iter().position(|n| *n == a));
    if let Some(at) = added {
        others.swap(0, at);
    }
    let n = world.config.nodes as usize;
    let least = added.is_some() as usize;
    let with = rng.gen_range(least..=((n - 1) / 2).max(least));
    let mut side: NodeSet = others[..with].iter().copied().collect();
    side.insert(leader);
    let at = world.now_us() + rng.gen_range(0..3_000);
    let heal = at + rng.gen_range(100_000..400_000);
    world.schedule(at, Event::Nemesis(NemesisEvent::Isolate(side)));
    world.schedule(heal, Event::Nemesis(NemesisEvent::Heal));
}

/// A server the operator shut down is started again (from its disk) before a change adds it.
fn bring_back<N: RaftNode>(world: &mut World<N>, id: NodeId) {
    let host = &mut world.hosts[id.0 as usize - 1];
    if host.decommissioned {
        host.decommissioned = false;
        world.restart(id);
    }
}

/// Shuts down every server removed for good (module doc): one that was ever a member, is not a
/// member of the configuration in force at the leader's commit index (committed, so the same
/// in every log), and is in no configuration entry after that index in any log, live or on a
/// crashed node's disk (an uncommitted entry that names it may yet commit).
pub(crate) fn shut_down_removed<N: RaftNode>(world: &mut World<N>) {
    let Some(leader) = world.leader() else {
        return;
    };
    let Some(node) = world.node(leader) else {
        return;
    };
    let commit = node.commit_index();
    let boot = world.config.boot_membership();
    let committed = node.log().membership_at(commit).1.unwrap_or(boot);
    let mut needed = committed.members();
    for host in &world.hosts {
        let entries = match &host.node {
            Some(n) => n.log().entries(),
            None => &host.disk.log[..],
        };
        for e in entries.iter().rev().take_while(|e| e.index > commit) {
            if let raft::Command::Config(c) = e.command {
                needed = needed.union(c.unpack().members());
            }
        }
    }
    // A leader is not shut down: one that removed itself hands over first (it steps down once
    // the change commits, thesis §4.2.2), and the operator waits for that.
    let mut removed = world.ever_members.difference(needed);
    removed.remove(leader);
    for id in removed.iter() {
        let host = &world.hosts[id.0 as usize - 1];
        if host.decommissioned {
            continue;
        }
        world.crash(id);
        world.hosts[id.0 as usize - 1].decommissioned = true;
        world.record(crate::trace::TraceEvent::Config {
            description: format!(
                "the operator shuts down {id}: the configuration without it is committed"
            ),
        });
    }
}

/// The operator in the liveness phase: no more requests, but removed servers are still shut
/// down once their removal commits (every [`SHUTDOWN_CHECK_US`]).
struct Operator;

/// How often the liveness phase's operator looks for servers to shut down.
pub const SHUTDOWN_CHECK_US: u64 = 20_000;

impl<N: RaftNode> crate::world::Nemesis<N> for Operator {
    fn on_event(&self, world: &mut World<N>, _event: NemesisEvent) {
        shut_down_removed(world);
        let at = world.now_us() + SHUTDOWN_CHECK_US;
        world.schedule(at, Event::Nemesis(NemesisEvent::Membership { again: true }));
    }
    fn after_step(
        &self,
        _world: &mut World<N>,
        _node: NodeId,
        _new_leader: Option<raft::Term>,
        _out: &[raft::Output<N::Message>],
    ) {
    }
}

/// The liveness phase begins (the fault schedule has stopped): the operator goes on shutting
/// down removed servers.
pub fn end_membership<N: RaftNode>(world: &mut World<N>) {
    world.nemesis = Some(std::rc::Rc::new(Operator));
    shut_down_removed(world);
    let at = world.now_us() + SHUTDOWN_CHECK_US;
    world.schedule(at, Event::Nemesis(NemesisEvent::Membership { again: true }));
}

/// Asks the settled leader of the liveness phase to transfer its leadership to another voter
/// of its configuration (drawn), and runs until that voter leads or [`TRANSFER_TIMEOUTS`]
/// election timeouts pass. `None` when there is no leader or no other voter to ask for;
/// otherwise the violation, if the target did not come to lead in time.
pub fn transfer_check<N: RaftNode>(world: &mut World<N>) -> Option<Result<(), String>> {
    let leader = world.leader()?;
    let m = world.membership_of(leader)?;
    let others: Vec<NodeId> = m
        .voters
        .iter()
        .filter(|v| *v != leader && world.node(*v).is_some())
        .collect();
    let mut rng = rng_now(world, 3 << 8);
    let to = *others.choose(&mut rng)?;
    let term = world.node(leader)?.current_term();
    let asked_us = world.now_us();
    world.transfer_leadership(to);
    let tick = world.config.tick_us;
    let bound = TRANSFER_TIMEOUTS * world.raft.election_timeout_max_ticks as u64 * tick;
    let leads = |w: &World<N>| {
        w.node(to)
            .is_some_and(|n| n.role_kind() == raft::RoleKind::Leader && n.current_term() > term)
    };
    let done = world.run_while(asked_us + bound, |w| leads(w) || !w.violations().is_empty());
    if !world.violations().is_empty() {
        return Some(Ok(()));
    }
    if done {
        world.stats.membership.transfers_done += 1;
        return Some(Ok(()));
    }
    let now = world
        .leader()
        .map_or("no node".to_string(), |l| l.to_string());
    Some(Err(format!(
        "{leader}, leader of term {term}, was asked to transfer its leadership to {to} once the cluster had settled; {} later {to} does not lead ({now} leads, highest term {})",
        crate::trace::VirtualTime(bound),
        world.stats.highest_term
    )))
}
