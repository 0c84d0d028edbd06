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
    acked: Vec<u64>,
    /// Rounds started and the local tick each started at, oldest first.
    started: VecDeque<(u64, u64)>,
    /// The lease holds while the local tick is below this.
    lease_until_tick: u64,
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
            && self.ticks < self.reads.lease_until_tick;
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
        let acked = &mut self.reads.acked[slot];
        *acked = (*acked).max(round);
        self.release_reads();
    }

    /// The highest round a majority (the leader included) has answered.
    fn confirmed_round(&self) -> u64 {
        let mut rounds: Vec<u64> = self.reads.acked.clone();
        rounds.push(self.reads.round);
        rounds.sort_unstable_by(|a, b| b.cmp(a));
        rounds[self.quorum() - 1]
    }

    /// Gives reads their index once an entry of this term commits, extends the lease, and
    /// answers the reads whose round a majority confirmed.
    pub(crate) fn release_reads(&mut self) {
        if !matches!(self.role, Role::Leader { .. }) {
            return;
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
