//! Linearizable reads without writing to the log (thesis §6.4): ReadIndex and leases.
//!
//! ReadIndex: the leader records its commitIndex as the read index (once an entry of its own
//! term has committed, so that commitIndex is at least as large as any committed index), then
//! confirms that it still leads with a round of heartbeats acknowledged by a majority; the host
//! serves the read once its state machine has applied the read index.
//!
//! Lease (§6.4.1): with CheckQuorum on, servers ignore vote requests for an election timeout
//! after hearing from the leader, so a leader whose heartbeat round started at tick `t` and was
//! confirmed by a majority still leads until `t + election_timeout_min` — by every clock, if the
//! clocks drift less than the lease margin. Within the lease it serves reads without a round.

use crate::node::{Node, Role};
use crate::output::Output;
use crate::types::{LogIndex, NodeId};
use crate::Message;
use std::collections::VecDeque;

#[derive(Clone, Debug, Default)]
pub(crate) struct ReadState {
    /// The leader's latest confirmation round; 0 before any.
    round: u64,
    /// Per follower slot, the highest round it answered in this term.
    pub(crate) acked: Vec<u64>,
    /// Rounds started and the local tick each started at, oldest first.
    started: VecDeque<(u64, u64)>,
    /// The lease holds while the local tick is below this.
    lease_until_tick: u64,
    /// The leader sent TimeoutNow in this term (thesis §3.10): the voters that answered its
    /// rounds may now elect the target at once (its RequestVote is marked, and §4.2.3's rule
    /// gives way), so no round of this leadership vouches for a lease any more.
    pub(crate) lease_revoked: bool,
    pending: Vec<PendingRead>,
}

#[derive(Clone, Copy, Debug)]
struct PendingRead {
    ctx: u64,
    /// `None` until an entry of the leader's term commits.
    index: Option<LogIndex>,
    round: u64,
}

impl ReadState {
    pub(crate) fn for_leader(peers: usize) -> ReadState {
        ReadState {
            acked: vec![0; peers],
            ..ReadState::default()
        }
    }
}

impl Node {
    /// Asks for a linearizable read point (thesis §6.4). The answer comes later as
    /// `Output::ReadReady { ctx, index }`: serve the read once `index` is applied. A node that
    /// does not lead answers `Output::ReadRejected`.
    pub fn read_index(&mut self, ctx: u64, out: &mut Vec<Output>) {
        self.request_read(ctx);
        self.flush(out);
    }

    /// A read under the leader's lease (thesis §6.4.1): ready at once while the lease holds,
    /// otherwise the ReadIndex path.
    pub fn read_lease(&mut self, ctx: u64, out: &mut Vec<Output>) {
        let lease_holds = self.config.check_quorum
            && matches!(self.role, Role::Leader { .. })
            && self.committed_in_current_term()
            && self.ticks < self.reads.lease_until_tick
            && !self.reads.lease_revoked;
        if lease_holds {
            let index = self.commit_index;
            self.pending_notices.push(Output::ReadReady { ctx, index });
        } else {
            self.request_read(ctx);
        }
        self.flush(out);
    }

    fn request_read(&mut self, ctx: u64) {
        if !matches!(self.role, Role::Leader { .. }) {
            let leader = self.leader_id;
            self.pending_notices
                .push(Output::ReadRejected { ctx, leader });
            return;
        }
        let mut read = PendingRead {
            ctx,
            index: None,
            round: 0,
        };
        if self.committed_in_current_term() {
            read.index = Some(self.commit_index);
            read.round = self.start_round();
        }
        self.reads.pending.push(read);
        self.release_reads();
    }

    /// Thesis §6.4 step 1: only once an entry of its term is committed does a new leader know
    /// the commit index of the cluster (etcd issue #7331).
    pub(crate) fn committed_in_current_term(&self) -> bool {
        self.log.term_at(self.commit_index) == Some(self.current_term)
    }

    /// Starts a confirmation round: a heartbeat to every follower carrying its number.
    pub(crate) fn start_round(&mut self) -> u64 {
        self.reads.round += 1;
        let round = self.reads.round;
        self.reads.started.push_back((round, self.ticks));
        let message = Message::Heartbeat {
            term: self.current_term,
            leader: self.id,
            round,
        };
        for i in 0..self.peers.len() {
            self.send(self.peers[i], message.clone());
        }
        round
    }

    /// A follower answers a heartbeat round (it recognises this leader in this term).
    pub(crate) fn handle_heartbeat(&mut self, leader: NodeId, round: u64) {
        if !matches!(self.role, Role::Follower) || self.leader_id != Some(leader) {
            self.become_follower(self.current_term, Some(leader));
        }
        self.election_elapsed = 0;
        let reply = Message::HeartbeatResponse {
            term: self.current_term,
            round,
        };
        self.send(leader, reply);
    }

    pub(crate) fn handle_heartbeat_response(&mut self, from: NodeId, round: u64) {
        if !matches!(self.role, Role::Leader { .. }) {
            return;
        }
        let Some(slot) = self.peers.iter().position(|p| *p == from) else {
            return;
        };
        self.recent_active.insert(from);
        let acked = &mut self.reads.acked[slot];
        *acked = (*acked).max(round);
        self.release_reads();
    }

    /// The highest round a majority (the leader included) has answered.
    fn confirmed_round(&self) -> u64 {
        // Thesis §4: a majority of the voters of the configuration in force.
        self.membership.quorum_value(|voter| {
            if voter == self.id {
                return self.reads.round;
            }
            self.peers
                .iter()
                .position(|p| *p == voter)
                .map_or(0, |slot| self.reads.acked[slot])
        })
    }

    /// Gives reads their index once an entry of this term commits, extends the lease, and
    /// answers the reads whose round a majority confirmed.
    pub(crate) fn release_reads(&mut self) {
        if !matches!(self.role, Role::Leader { .. })
            || self.reads.pending.is_empty() && self.reads.started.is_empty()
        {
            return; // nothing waits: no read, and no round whose answer extends the lease
        }
        if self.committed_in_current_term() && self.reads.pending.iter().any(|r| r.index.is_none())
        {
            let round = self.start_round();
            let index = self.commit_index;
            for r in self.reads.pending.iter_mut().filter(|r| r.index.is_none()) {
                r.index = Some(index);
                r.round = round;
            }
        }
        let confirmed = self.confirmed_round();
        while let Some(&(round, tick)) = self.reads.started.front() {
            if round > confirmed {
                break;
            }
            self.reads.started.pop_front();
            let lease = tick + self.config.election_timeout_min_ticks as u64
                - self.config.lease_margin_ticks as u64;
            self.reads.lease_until_tick = self.reads.lease_until_tick.max(lease);
        }
        let (ready, waiting): (Vec<_>, Vec<_>) = self
            .reads
            .pending
            .iter()
            .partition(|r| r.index.is_some() && r.round <= confirmed);
        self.reads.pending = waiting;
        for r in ready {
            let index = r.index.expect("partitioned on index");
            self.pending_notices
                .push(Output::ReadReady { ctx: r.ctx, index });
        }
    }

    /// A leader stepping down refuses the reads it had not answered.
    pub(crate) fn drop_reads(&mut self) {
        let leader = self.leader_id;
        for r in std::mem::take(&mut self.reads.pending) {
            self.pending_notices
                .push(Output::ReadRejected { ctx: r.ctx, leader });
        }
        self.reads = ReadState::default();
    }
}

#[cfg(test)]
mod tests {
    //! ReadIndex, leases, PreVote and CheckQuorum on a tiny in-memory cluster.

    use crate::{Config, DurableState, Message, Node, NodeId, Output, RoleKind};

    struct Cluster {
        nodes: Vec<Node>,
        queue: Vec<(NodeId, NodeId, Message)>,
        /// Links that lose every message, as (from, to).
        cut: Vec<(u8, u8)>,
        notices: Vec<(NodeId, Output)>,
    }

    impl Cluster {
        fn new(n: u8, config: Config) -> Cluster {
            let ids: Vec<NodeId> = (1..=n).map(NodeId).collect();
            let nodes = ids
                .iter()
                .map(|id| {
                    Node::new(
                        *id,
                        &ids,
                        config.clone(),
                        id.0 as u64,
                        DurableState::default(),
                    )
                    .unwrap()
                })
                .collect();
            Cluster {
                nodes,
                queue: Vec::new(),
                cut: Vec::new(),
                notices: Vec::new(),
            }
        }
        fn node(&mut self, id: u8) -> &mut Node {
            &mut self.nodes[id as usize - 1]
        }
        fn absorb(&mut self, from: NodeId, out: Vec<Output>) {
            for o in out {
                match o {
                    Output::Send { to, message } => {
                        if !self.cut.contains(&(from.0, to.0)) {
                            self.queue.push((from, to, message));
                        }
                    }
                    Output::Persist(_) | Output::Apply { .. } | Output::Committed { .. } => {}
                    other => self.notices.push((from, other)),
                }
            }
        }
        /// Steps node `id`; its writes are durable at once (the node hears so).
        fn with(&mut self, id: u8, f: impl FnOnce(&mut Node, &mut Vec<Output>)) {
            let mut out = Vec::new();
            f(self.node(id), &mut out);
            if out.iter().any(|o| matches!(o, Output::Persist(_))) {
                let node = self.node(id);
                let synced = crate::Synced {
                    current_term: node.current_term(),
                    last_index: node.log().last_index(),
                    last_term: node.log().last_term(),
                    writes: 0,
                };
                node.persisted(synced, &mut out);
            }
            self.absorb(NodeId(id), out);
        }
        fn deliver_all(&mut self) {
            for _ in 0..10_000 {
                if self.queue.is_empty() {
                    return;
                }
                let (from, to, m) = self.queue.remove(0);
                self.with(to.0, |n, out| n.step(from, m, out));
            }
            panic!("messages never settle");
        }
        fn elect(&mut self, id: u8) {
            self.with(id, |n, out| n.timeout_now(out));
            self.deliver_all();
            assert_eq!(self.node(id).role_kind(), RoleKind::Leader);
        }
        fn ready(&self, ctx: u64) -> Option<u64> {
            self.notices.iter().find_map(|(_, o)| match o {
                Output::ReadReady { ctx: c, index } if *c == ctx => Some(index.0),
                _ => None,
            })
        }
        fn rejected(&self, ctx: u64) -> bool {
            self.notices
                .iter()
                .any(|(_, o)| matches!(o, Output::ReadRejected { ctx: c, .. } if *c == ctx))
        }
    }

    /// Thesis §6.4: the read index is the commit index, served only after a majority confirms
    /// the leader in a heartbeat round.
    #[test]
    fn read_index_waits_for_a_majority_heartbeat_round() {
        let mut c = Cluster::new(3, Config::default());
        c.elect(1);
        c.with(1, |n, out| n.read_index(7, out));
        assert_eq!(c.ready(7), None, "not before the round is confirmed");
        c.deliver_all();
        assert_eq!(c.ready(7), Some(1), "the no-op 1:1 is the read index");
    }

    /// A leader cut off from the majority never confirms its round: no stale read.
    #[test]
    fn an_isolated_leader_never_serves_a_read_index_read() {
        let mut c = Cluster::new(3, Config::default());
        c.elect(1);
        c.cut = vec![(1, 2), (1, 3)];
        c.with(1, |n, out| n.read_index(8, out));
        c.deliver_all();
        assert_eq!(c.ready(8), None);
    }

    /// Thesis §6.4 step 1 (etcd #7331): a new leader answers reads only after an entry of its
    /// own term is committed.
    #[test]
    fn a_new_leader_waits_for_its_own_entry_to_commit() {
        let mut c = Cluster::new(3, Config::default());
        c.with(1, |n, out| n.timeout_now(out));
        // Deliver only the votes: the leader is elected but its no-op is not yet committed.
        for _ in 0..4 {
            let (from, to, m) = c.queue.remove(0);
            c.with(to.0, |n, out| n.step(from, m, out));
        }
        assert_eq!(c.node(1).role_kind(), RoleKind::Leader);
        assert_eq!(c.node(1).commit_index().0, 0);
        c.with(1, |n, out| n.read_index(9, out));
        assert_eq!(c.ready(9), None);
        c.deliver_all();
        assert_eq!(c.ready(9), Some(1));
    }

    #[test]
    fn followers_reject_reads_and_name_the_leader() {
        let mut c = Cluster::new(3, Config::default());
        c.elect(1);
        c.with(2, |n, out| n.read_index(5, out));
        assert!(c.rejected(5));
    }

    /// n1 leads three servers with CheckQuorum, a round confirmed, and has been asked the lease
    /// read 1.
    fn leader_in_its_lease() -> Cluster {
        let config = Config {
            check_quorum: true,
            ..Config::default()
        };
        let mut c = Cluster::new(3, config);
        c.elect(1);
        c.with(1, |n, out| n.tick(out));
        c.with(1, |n, out| n.tick(out));
        c.deliver_all();
        c.with(1, |n, out| n.read_lease(1, out));
        c
    }

    /// Thesis §6.4.1: within the lease a read is ready at once; once the lease has run out
    /// (no confirmed round for an election timeout), it needs a round again.
    #[test]
    fn lease_reads_are_immediate_only_while_the_lease_holds() {
        let mut c = leader_in_its_lease();
        assert_eq!(c.ready(1), Some(1), "inside the lease: no round needed");
        c.cut = vec![(1, 2), (1, 3)];
        for _ in 0..9 {
            c.with(1, |n, out| n.tick(out));
        }
        c.deliver_all();
        c.with(1, |n, out| n.read_lease(2, out));
        assert_eq!(
            c.ready(2),
            None,
            "the lease ran out: no read without a majority"
        );
    }

    /// Thesis §3.10 with §6.4.1: once a leader has sent TimeoutNow, its lease is void. The
    /// target's RequestVote is marked as a transfer, and the voters that confirmed the lease
    /// grant it at once (§4.2.3's rule gives way): a new leader can write while the old lease
    /// would still run. The campaign found a stale lease read this way (`fuzz --membership`,
    /// seed 57241) before the rule.
    #[test]
    fn a_leader_that_sent_timeout_now_serves_no_lease_read() {
        let mut c = leader_in_its_lease();
        assert_eq!(c.ready(1), Some(1), "inside the lease");
        c.with(1, |n, out| n.transfer_leadership(NodeId(2), out));
        assert!(
            c.queue
                .iter()
                .any(|(_, to, m)| to.0 == 2 && matches!(m, Message::TimeoutNow { .. })),
            "n2 is up to date: TimeoutNow goes at once"
        );
        c.with(1, |n, out| n.read_lease(2, out));
        assert_eq!(
            c.ready(2),
            None,
            "the lease is void once TimeoutNow is sent"
        );
    }

    /// Thesis §6.2: a leader that hears from no majority for an election timeout steps down.
    #[test]
    fn check_quorum_makes_an_isolated_leader_step_down() {
        for check_quorum in [false, true] {
            let config = Config {
                check_quorum,
                ..Config::default()
            };
            let mut c = Cluster::new(3, config);
            c.elect(1);
            c.cut = vec![(1, 2), (1, 3), (2, 1), (3, 1)];
            for _ in 0..30 {
                c.with(1, |n, out| n.tick(out));
                c.deliver_all();
            }
            let role = c.node(1).role_kind();
            assert_eq!(
                role == RoleKind::Leader,
                !check_quorum,
                "check_quorum={check_quorum}"
            );
        }
    }

    /// Thesis §6.2: CheckQuorum counts answers to the leader, not any message. Here n1 cannot
    /// reach n2 or n3, and they cannot reach each other; they time out and send n1 only
    /// PreVotes. A leader that counted those as contact would never step down.
    #[test]
    fn check_quorum_does_not_count_pre_votes_as_contact() {
        let config = Config {
            check_quorum: true,
            pre_vote: true,
            ..Config::default()
        };
        let mut c = Cluster::new(3, config);
        c.elect(1);
        c.cut = vec![(1, 2), (1, 3), (2, 3), (3, 2)];
        let mut pre_votes_to_n1 = 0;
        for _ in 0..60 {
            for id in 1..=3 {
                c.with(id, |n, out| n.tick(out));
            }
            pre_votes_to_n1 += c
                .queue
                .iter()
                .filter(|(_, to, m)| to.0 == 1 && matches!(m, Message::PreVote { .. }))
                .count();
            c.deliver_all();
        }
        assert!(
            pre_votes_to_n1 > 0,
            "n2 and n3 kept asking n1 for pre-votes"
        );
        assert_ne!(c.node(1).role_kind(), RoleKind::Leader, "n1 stepped down");
    }

    /// Thesis §4.2.3 and §6.4.1: a server that acknowledged a leader's heartbeat round and then
    /// restarted ignores vote requests for the minimum election timeout, as it would had it
    /// not crashed: otherwise a new leader could be elected, and write, while the old leader's
    /// lease (confirmed by this server) still lets it serve reads.
    #[test]
    fn a_restarted_server_keeps_the_lease_it_may_have_granted() {
        let config = Config {
            check_quorum: true,
            ..Config::default()
        };
        let min = config.election_timeout_min_ticks;
        let mut s = Node::new(NodeId(2), &[NodeId(1), NodeId(2), NodeId(3)], config, 2, {
            DurableState {
                current_term: crate::Term(1),
                ..DurableState::default()
            }
        })
        .unwrap();
        let request = |term| Message::RequestVote {
            term: crate::Term(term),
            candidate: NodeId(3),
            last_log_index: crate::LogIndex(0),
            last_log_term: crate::Term(0),
            commit_index: crate::LogIndex(0),
            transfer: false,
        };
        let mut out = Vec::new();
        for _ in 0..min - 1 {
            s.tick(&mut out);
        }
        s.step(NodeId(3), request(2), &mut out);
        assert_eq!(s.current_term().0, 1, "ignored: just started");
        out.clear();
        s.tick(&mut out); // (it may time out itself here and stand in term 2)
        s.step(NodeId(3), request(3), &mut out);
        assert_eq!(s.current_term().0, 3);
        assert_eq!(
            s.voted_for(),
            Some(NodeId(3)),
            "granted once the lease window passed"
        );
    }

    /// Thesis §9.6: a partitioned server with PreVote does not raise its term, so rejoining does
    /// not depose the leader; without PreVote it does.
    #[test]
    fn pre_vote_keeps_an_isolated_server_from_raising_its_term() {
        for pre_vote in [false, true] {
            let config = Config {
                pre_vote,
                ..Config::default()
            };
            let mut c = Cluster::new(3, config);
            c.elect(1);
            c.cut = vec![(3, 1), (3, 2), (1, 3), (2, 3)];
            for _ in 0..100 {
                c.with(3, |n, out| n.tick(out));
                c.deliver_all();
            }
            let term = c.node(3).current_term().0;
            assert_eq!(
                term == 1,
                pre_vote,
                "pre_vote={pre_vote}: n3's term is {term}"
            );
        }
    }
}
