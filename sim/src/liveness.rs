//! The liveness phase of a random run, in the manner of TigerBeetle's liveness mode: the faults
//! stop, and the cluster must then make progress within a bound.
//!
//! How the run ends is drawn per seed:
//! - **healed**: every link up, every node restarted and resumed, every clock true;
//! - **degraded**: only a majority *core* is healed. Each other node stays crashed, is cut off
//!   both ways, hears the core without being heard, or (with PreVote and CheckQuorum only) is
//!   heard without hearing. Raft promises progress to any majority that can talk; it does not
//!   promise it against a node that keeps talking but cannot hear. Such a node, if it was the
//!   leader, stays leader forever and holds the core as its followers unless leaders step down
//!   without a majority (CheckQuorum, thesis §6.2); and it keeps campaigning with ever higher
//!   terms and a log the core's voters may prefer, winning votes whose grants never reach it,
//!   unless it must first win a pre-vote it cannot hear either (PreVote, §9.6). CheckQuorum's
//!   vote lease (§4.2.3) guards an elected leader, not an election in progress.
//!
//! What the phase then claims, and why Raft guarantees it:
//! - **a leader**: some core node leads; a majority that can talk elects one within a few
//!   election timeouts (§5.2, randomised timeouts); where the implementation says what its
//!   configuration is, a voter of its own configuration (thesis §4.2.2: a leader that removed
//!   itself steps down once the change commits, and the voters left elect one of theirs);
//! - **no churn**: that leadership settles. Within the bound, some stretch of
//!   [`STABLE_TIMEOUTS`] election timeouts passes with no term change and no change of leader
//!   in the core. (Right after the heal, a node returning with a higher term may legally depose
//!   the first leader once; a cluster whose terms keep moving has a liveness bug.);
//! - **answers**: every client finishes an operation; a request sent to a node outside the core
//!   times out and is retried at another node;
//! - **deposed leaders stop** (with CheckQuorum only): a leader of an older term accepts no
//!   proposal more than two election timeouts after the later of the heal and the newer
//!   leader's election. CheckQuorum makes it step down after at most two of its quorum windows
//!   (each the minimum election timeout) without hearing from a majority; without
//!   CheckQuorum, a leader cut off in a minority legally keeps accepting writes it cannot
//!   commit (seed 000's story), so nothing is claimed.

use crate::checker::Property;
use crate::node::RaftNode;
use crate::trace::VirtualTime;
use crate::world::{Observer, World};
use raft::{NodeId, NodeSet, RoleKind, Term};
use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::fmt::Write;

/// The stretch without a term change that counts as settled, in election timeouts.
pub const STABLE_TIMEOUTS: u64 = 5;

/// How a node outside the core spends the liveness phase.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outsider {
    Crashed,
    /// Every link to and from the core is cut.
    Isolated,
    /// It hears the core; the core does not hear it.
    HearsOnly,
    /// The core hears it; it does not hear the core (drawn only with PreVote and CheckQuorum).
    SpeaksOnly,
}

impl Outsider {
    fn name(self) -> &'static str {
        match self {
            Outsider::Crashed => "crashed",
            Outsider::Isolated => "cut off",
            Outsider::HearsOnly => "hears the core only",
            Outsider::SpeaksOnly => "is heard by the core only",
        }
    }
}

/// How the fault phase ends: the core, and what happens to every other node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ending {
    pub core: NodeSet,
    pub outsiders: Vec<(NodeId, Outsider)>,
}

impl Ending {
    /// Every node in the core.
    pub fn healed(nodes: u8) -> Ending {
        Ending {
            core: (1..=nodes).map(NodeId).collect(),
            outsiders: Vec::new(),
        }
    }

    /// A majority core (at least a majority, at most all but one), the current leader left
    /// out of it half the time (the stale-leader story); every other node crashed, cut off or
    /// cut one way. `impaired` nodes (a disk whose damage is not repaired yet: `disk/`) are
    /// left out of the core: Raft promises progress to a majority of servers that hold what
    /// they acknowledged, and one that lost entries may rightly refuse every vote the rest of
    /// a bare majority could ask for (PAR, FAST 2018: unavailable rather than unsafe).
    pub fn degraded(
        rng: &mut ChaCha8Rng,
        nodes: u8,
        leader: Option<NodeId>,
        options: &crate::config::Options,
        impaired: &[NodeId],
    ) -> Ending {
        let mut ids: Vec<NodeId> = (1..=nodes).map(NodeId).collect();
        ids.shuffle(rng);
        if let Some(l) = leader.filter(|_| rng.gen_bool(0.5)) {
            let at = ids.iter().position(|n| *n == l).expect("a member");
            let last = ids.len() - 1;
            ids.swap(at, last);
        }
        // Stable: without impaired nodes the order is the one drawn.
        ids.sort_by_key(|id| impaired.contains(id));
        let quorum = nodes as usize / 2 + 1;
        let size = rng.gen_range(quorum..nodes as usize);
        let kinds: &[Outsider] = if options.check_quorum && options.pre_vote {
            &[
                Outsider::Crashed,
                Outsider::Isolated,
                Outsider::HearsOnly,
                Outsider::SpeaksOnly,
            ]
        } else {
            &[Outsider::Crashed, Outsider::Isolated, Outsider::HearsOnly]
        };
        let outsiders = ids[size..]
            .iter()
            .map(|id| (*id, *kinds.choose(rng).expect("non-empty")))
            .collect();
        Ending {
            core: ids[..size].iter().copied().collect(),
            outsiders,
        }
    }

    /// `core n1 n2 n4; n3 crashed, n5 cut off`.
    pub fn describe(&self) -> String {
        let core: Vec<String> = self.core.iter().map(|n| n.to_string()).collect();
        let mut s = format!("core {}", core.join(" "));
        for (i, (id, how)) in self.outsiders.iter().enumerate() {
            let _ = write!(s, "{} {id} {}", if i == 0 { ";" } else { "," }, how.name());
        }
        s
    }
}

/// What the liveness phase watches, from the heal on: an observer of the world ([`end_faults`]
/// attaches it).
#[derive(Clone, Debug)]
pub struct Watch {
    pub ending: Ending,
    pub start_us: u64,
    /// [`STABLE_TIMEOUTS`] election timeouts.
    pub window_us: u64,
    /// With CheckQuorum: how long after the heal, or after a newer leader's election, a leader
    /// of an older term may still accept a proposal.
    pub deposed_bound_us: Option<u64>,
    /// The last term change or change of leader in the core, and how many there were.
    pub last_change_us: u64,
    pub changes: u64,
    /// The longest stretch between two changes so far.
    pub longest_us: u64,
}

impl Watch {
    pub fn new<N: RaftNode>(world: &World<N>, ending: Ending) -> Watch {
        let timeout_us = world.raft.election_timeout_max_ticks as u64 * world.config.tick_us;
        let now = world.now_us();
        Watch {
            ending,
            start_us: now,
            window_us: STABLE_TIMEOUTS * timeout_us,
            deposed_bound_us: world.raft.check_quorum.then_some(2 * timeout_us),
            last_change_us: now,
            changes: 0,
            longest_us: 0,
        }
    }

    fn settled(&self, now_us: u64) -> bool {
        now_us - self.last_change_us >= self.window_us
    }

    /// The live core node that leads the highest term, if any.
    fn core_leader<N: RaftNode>(&self, world: &World<N>) -> Option<(NodeId, Term)> {
        self.ending
            .core
            .iter()
            .filter_map(|id| world.node(id).map(|n| (id, n)))
            .filter(|(_, n)| n.role_kind() == RoleKind::Leader)
            .map(|(id, n)| (id, n.current_term()))
            .max_by_key(|(_, t)| *t)
    }
}

impl<N: RaftNode> Observer<N> for Watch {
    /// A core node's term, or whether it leads, changed.
    fn on_role(&mut self, world: &World<N>, id: NodeId) {
        if self.ending.core.contains(id) {
            let now_us = world.now_us();
            self.longest_us = self.longest_us.max(now_us - self.last_change_us);
            self.last_change_us = now_us;
            self.changes += 1;
        }
    }

    /// With CheckQuorum: `node`, leader of `term`, accepted a proposal. A violation if a newer
    /// leader was elected long enough ago.
    fn on_proposal(
        &mut self,
        world: &World<N>,
        node: NodeId,
        term: Term,
    ) -> Option<(Property, String)> {
        let (Some(bound), Some((newer, leader, elected_us))) =
            (self.deposed_bound_us, world.newest_leader)
        else {
            return None;
        };
        if newer <= term {
            return None;
        }
        let since = world.now_us() - elected_us.max(self.start_us);
        (since > bound).then(|| {
            let detail = format!(
                "deposed leader: {node}, leader of term {term}, accepted a proposal {} after {leader} was elected leader of term {newer} (or after the heal); with CheckQuorum it must step down within {}",
                VirtualTime(since),
                VirtualTime(bound)
            );
            (Property::Liveness, detail)
        })
    }
}

/// Ends the fault phase as `ending` says: no more faults, loss or duplication; every held
/// message released; every clock true; the core healed, restarted and resumed; each outsider
/// crashed, cut off, or cut one way from the core. Then watches the phase (a [`Watch`]).
pub fn end_faults<N: RaftNode>(world: &mut World<N>, ending: Ending) {
    world.stop_nemesis();
    world.calm();
    world.heal();
    world.release_all_held();
    let ids: Vec<NodeId> = world.ids().collect();
    for id in ids {
        world.set_drift(id, 0);
        let crashed = ending
            .outsiders
            .iter()
            .any(|(o, how)| *o == id && *how == Outsider::Crashed);
        if crashed {
            world.crash(id);
        } else {
            world.restart(id);
            world.resume(id);
        }
    }
    for (id, how) in ending.outsiders.clone() {
        for c in ending.core.iter() {
            match how {
                Outsider::Crashed => {}
                Outsider::Isolated => {
                    world.cut(id, c);
                    world.cut(c, id);
                }
                Outsider::HearsOnly => world.cut(id, c),
                Outsider::SpeaksOnly => world.cut(c, id),
            }
        }
    }
    world.clients.mark();
    let watch = Watch::new(world, ending);
    world.observe(watch);
}

/// Whether the liveness phase has what it claims: a core leader, settled, and every client
/// answered since the heal.
pub fn live<N: RaftNode>(world: &World<N>) -> bool {
    let Some(w) = world.observer::<Watch>() else {
        return false;
    };
    // Checked after every event of the phase: the cheap tests first.
    w.settled(world.now_us())
        && world.clients.all_progressed()
        && w.core_leader(world)
            .is_some_and(|(l, _)| of_its_configuration(world, l))
}

/// Thesis §4.2.2: the cluster ends led by a voter of the leader's own configuration (a leader
/// that removed itself steps down once the change commits). True where the implementation does
/// not say what its configuration is.
fn of_its_configuration<N: RaftNode>(world: &World<N>, leader: NodeId) -> bool {
    world
        .membership_of(leader)
        .is_none_or(|m| m.is_voter(leader))
}

/// Why the liveness phase failed, for the report.
pub fn liveness_failure<N: RaftNode>(world: &World<N>) -> String {
    let Some(w) = world.observer::<Watch>() else {
        return "no liveness: the liveness phase never started".into();
    };
    let now = world.now_us();
    let after = VirtualTime(now - w.start_us);
    let end = w.ending.describe();
    let Some((leader, term)) = w.core_leader(world) else {
        return format!(
            "no liveness: {after} after the faults stopped ({end}), no core node leads (highest term {})",
            world.stats.highest_term
        );
    };
    if !of_its_configuration(world, leader) {
        let m = world
            .membership_of(leader)
            .expect("said by of_its_configuration");
        return format!(
            "no liveness: {after} after the faults stopped ({end}), {leader} leads term {term} but is no voter of its own configuration {m} (a leader that removed itself steps down once the change commits, thesis §4.2.2)"
        );
    }
    if !w.settled(now) {
        let longest = w.longest_us.max(now - w.last_change_us);
        return format!(
            "no liveness (churn): {after} after the faults stopped ({end}), terms or leaders in the core changed {} times; the longest stretch without a change lasted {}, and {} (five election timeouts) were needed; {leader} leads term {term} now",
            w.changes,
            VirtualTime(longest),
            VirtualTime(w.window_us)
        );
    }
    format!(
        "no liveness: {leader} leads term {term}, settled, but {after} after the faults stopped ({end}) {}",
        world.clients.describe_pending()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::WorkloadConfig;
    use crate::config::SimConfig;
    use crate::trace::Trace;

    fn world(nodes: u8, check_quorum: bool) -> World {
        let sim = SimConfig {
            nodes,
            ..SimConfig::default()
        };
        let raft = raft::Config {
            check_quorum,
            ..raft::Config::default()
        };
        World::new(7, sim, raft, Trace::new(false, 0))
    }

    fn ids(v: &[u8]) -> NodeSet {
        v.iter().map(|i| NodeId(*i)).collect()
    }

    /// A healthy cluster passes: a leader, settled, clients answered.
    #[test]
    fn a_healed_cluster_is_live() {
        let mut w = world(3, false);
        w.start_clients(WorkloadConfig::default());
        end_faults(&mut w, Ending::healed(3));
        assert!(w.run_while(5_000_000, live), "{}", liveness_failure(&w));
    }

    /// Terms that keep moving are churn, even though leaders keep being elected: a node is
    /// made to stand for election every 300ms, as a bug that lets a follower time out under
    /// a healthy leader would.
    #[test]
    fn churn_is_reported_with_the_longest_stretch() {
        let mut w = world(3, false);
        end_faults(&mut w, Ending::healed(3));
        let mut is_live = false;
        for k in 1..=16u64 {
            is_live |= w.run_while(k * 300_000, live);
            w.timeout(NodeId(1 + (k % 3) as u8));
        }
        assert!(!is_live, "never settled");
        let why = liveness_failure(&w);
        assert!(why.starts_with("no liveness (churn): "), "{why}");
        assert!(
            why.contains("the longest stretch without a change lasted"),
            "{why}"
        );
    }

    /// A core that elects a leader but cannot commit (here: every ack to the leader is held)
    /// leaves its clients unanswered, and the report names them.
    #[test]
    fn an_unanswered_core_is_reported_with_the_waiting_clients() {
        let mut w = world(3, false);
        w.start_clients(WorkloadConfig {
            clients: 1,
            ..WorkloadConfig::default()
        });
        let ending = Ending {
            core: ids(&[1, 2]),
            outsiders: vec![(NodeId(3), Outsider::Crashed)],
        };
        end_faults(&mut w, ending);
        for (from, to) in [(1, 2), (2, 1)] {
            let rule =
                crate::network::LinkRule::Hold(Some(raft::MessageKind::AppendEntriesResponse));
            w.add_link_rule(NodeId(from), NodeId(to), rule);
        }
        assert!(!w.run_while(5_000_000, live));
        let why = liveness_failure(&w);
        assert!(why.contains("leads term"), "{why}");
        assert!(why.contains("client 0's"), "{why}");
        assert!(why.contains("is unanswered"), "{why}");
        assert!(why.contains("core n1 n2; n3 crashed"), "{why}");
    }

    /// With CheckQuorum, a leader of an older term that accepts a proposal two election
    /// timeouts after a newer leader's election is reported; within the bound, or without
    /// CheckQuorum, it is not.
    #[test]
    fn a_deposed_leader_that_keeps_accepting_is_reported_only_with_check_quorum() {
        for check_quorum in [true, false] {
            let mut w = world(3, check_quorum);
            end_faults(&mut w, Ending::healed(3));
            let start = w.now_us();
            w.newest_leader = Some((Term(5), NodeId(2), start));
            let bound = 2 * 20 * w.config.tick_us;
            w.now_us = start + bound;
            w.proposal_accepted(NodeId(1), Term(3));
            assert!(w.violations().is_empty(), "within the bound");
            w.now_us = start + bound + 1;
            w.proposal_accepted(NodeId(1), Term(5));
            assert!(w.violations().is_empty(), "not deposed: its own term");
            w.proposal_accepted(NodeId(1), Term(3));
            let found: Vec<_> = w.violations().iter().map(|v| v.detail.clone()).collect();
            assert_eq!(found.len(), check_quorum as usize, "{found:?}");
            if check_quorum {
                assert!(
                    found[0].starts_with("deposed leader: n1, leader of term 3"),
                    "{found:?}"
                );
            }
        }
    }

    /// Degraded ends keep a majority core, leave the leader out half the time, and draw
    /// "heard only" outsiders only with PreVote and CheckQuorum.
    #[test]
    fn degraded_ends_keep_a_majority_and_respect_the_options() {
        let mut rng = crate::rng::stream(1, crate::rng::Stream::Faults);
        let plain = crate::config::Options {
            pre_vote: false,
            check_quorum: true,
            read_mode: crate::client::ReadMode::Log,
        };
        let both = crate::config::Options {
            pre_vote: true,
            ..plain
        };
        let (mut left_out, mut speaks) = (0, 0);
        for i in 0..400 {
            let n = 3 + (i % 5) as u8;
            let options = if i % 2 == 0 { plain } else { both };
            let e = Ending::degraded(&mut rng, n, Some(NodeId(1)), &options, &[]);
            assert!(
                e.core.len() > n as usize / 2 && e.core.len() < n as usize,
                "{e:?}"
            );
            assert_eq!(e.core.len() + e.outsiders.len(), n as usize);
            left_out += !e.core.contains(NodeId(1)) as u32;
            for (_, how) in &e.outsiders {
                if *how == Outsider::SpeaksOnly {
                    assert!(options.pre_vote, "{e:?}");
                    speaks += 1;
                }
            }
        }
        assert!(
            left_out > 150,
            "the leader is left out half the time: {left_out}"
        );
        assert!(speaks > 20, "{speaks}");
    }
}
