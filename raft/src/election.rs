//! Leader election: Figure 2's RequestVote RPC and the candidate rules (§5.2, §5.4.1).

use crate::config::BugKnob;
use crate::message::Message;
use crate::node::{Node, Progress, Role};
use crate::types::{Command, LogIndex, NodeId, NodeSet, Term};

impl Node {
    /// The election timeout passed: with PreVote, first ask whether an election could be won.
    /// A node repairing its log only restarts its timer (recovery.rs).
    pub(crate) fn start_election(&mut self) {
        if self.repairing {
            self.reset_election_timer(); // recovery.rs: no campaign, no pre-campaign
            return;
        }
        if !self.promotable() {
            // membership.rs: a learner, a spare or a removed server does not campaign. It has
            // not heard from a leader for an election timeout, though, and says so: it no
            // longer refuses votes and pre-votes on that leader's behalf (§4.2.3's rule).
            self.leader_id = None;
            self.reset_election_timer();
            return;
        }
        if self.config.pre_vote {
            self.pre_campaign();
        } else {
            self.campaign();
        }
    }

    /// Thesis §9.6: "a candidate would first ask other servers whether its log was up-to-date
    /// enough to get their vote. Only if the candidate believed it could get votes from a
    /// majority of the cluster would it increment its term and start a normal election."
    fn pre_campaign(&mut self) {
        let mut votes = NodeSet::new();
        votes.insert(self.id);
        self.role = Role::PreCandidate { votes };
        self.leader_id = None;
        self.reset_election_timer();
        if self.membership.has_quorum(votes) {
            self.campaign();
            return;
        }
        let request = Message::PreVote {
            term: Term(self.current_term.0 + 1),
            candidate: self.id,
            last_log_index: self.log.last_index(),
            last_log_term: self.log.last_term(),
        };
        for i in 0..self.peers.len() {
            self.send(self.peers[i], request.clone());
        }
    }

    /// A pre-vote is granted when the candidate's next term is ahead of ours, its log is at least
    /// as up-to-date as ours (§5.4.1), we have not heard from a leader within the minimum
    /// election timeout, and, repairing a damaged log, the candidate is as up-to-date as the log we had (recovery.rs). Nothing about
    /// our own state changes.
    pub(crate) fn handle_pre_vote(
        &mut self,
        term: Term,
        candidate: NodeId,
        last_log_index: LogIndex,
        last_log_term: Term,
    ) {
        let heard_from_leader = self.leader_id.is_some()
            && (matches!(self.role, Role::Leader { .. })
                || self.election_elapsed < self.config.election_timeout_min_ticks);
        let grant = term > self.current_term
            && !heard_from_leader
            && self.repair_allows_vote(last_log_index, last_log_term) // recovery.rs
            && self.candidate_is_up_to_date(last_log_index, last_log_term, LogIndex(u64::MAX));
        let reply = Message::PreVoteResponse {
            term: if grant { term } else { self.current_term },
            vote_granted: grant,
        };
        self.send(candidate, reply);
    }

    pub(crate) fn handle_pre_vote_response(&mut self, from: NodeId, term: Term, granted: bool) {
        if !granted {
            if term > self.current_term {
                self.become_follower(term, None);
            }
            return;
        }
        let next_term = Term(self.current_term.0 + 1);
        let Role::PreCandidate { votes } = &mut self.role else {
            return;
        };
        if term != next_term || !self.peers.contains(&from) {
            return;
        }
        votes.insert(from);
        if self.membership.has_quorum(*votes) {
            self.campaign();
        }
    }

    /// Figure 2, "Candidates (§5.2)": "On conversion to candidate, start election: increment
    /// currentTerm, vote for self, reset election timer, send RequestVote RPCs to all other
    /// servers."
    pub(crate) fn campaign(&mut self) {
        self.campaign_with(false);
    }

    /// [`Node::campaign`]; `transfer` marks the RequestVotes of a campaign the leader asked
    /// for with TimeoutNow (thesis §3.10).
    pub(crate) fn campaign_with(&mut self, transfer: bool) {
        self.current_term = Term(self.current_term.0 + 1);
        self.voted_for = Some(self.id);
        self.leader_id = None;
        self.role = Role::Candidate {
            votes: NodeSet::new(),
        };
        self.reset_election_timer();
        self.count_own_vote();
        if !matches!(self.role, Role::Candidate { .. }) {
            return; // a cluster of one: elected
        }
        let request = Message::RequestVote {
            term: self.current_term,
            candidate: self.id,
            last_log_index: self.log.last_index(),
            last_log_term: self.log.last_term(),
            commit_index: self.commit_index,
            transfer,
        };
        for i in 0..self.peers.len() {
            self.send(self.peers[i], request.clone());
        }
    }

    /// Figure 2, RequestVote receiver: "1. Reply false if term < currentTerm (§5.1) [done in
    /// `observe_term`]. 2. If votedFor is null or candidateId, and candidate's log is at least as
    /// up-to-date as receiver's log, grant vote (§5.2, §5.4)." A node repairing a damaged log
    /// also compares the candidate with the log it had before the damage (recovery.rs).
    pub(crate) fn handle_request_vote(
        &mut self,
        candidate: NodeId,
        last_log_index: LogIndex,
        last_log_term: Term,
        candidate_commit: LogIndex,
    ) {
        let free_to_vote = self.voted_for.is_none() || self.voted_for == Some(candidate);
        // recovery.rs: a node repairing its log votes only against the log it had.
        let grant = free_to_vote
            && self.repair_allows_vote(last_log_index, last_log_term)
            && self.candidate_is_up_to_date(last_log_index, last_log_term, candidate_commit);
        if grant {
            self.voted_for = Some(candidate);
            // §5.2: a server that grants a vote restarts its election timer; one that refuses
            // does not (resetting on every RequestVote can livelock, catalogue §5).
            self.reset_election_timer();
        }
        self.send(candidate, self.vote_response(grant));
    }

    /// Raft §5.4.1, the election restriction: "the voter denies its vote if its own log is more
    /// up-to-date than that of the candidate."
    fn candidate_is_up_to_date(
        &self,
        last_log_index: LogIndex,
        last_log_term: Term,
        candidate_commit: LogIndex,
    ) -> bool {
        let bugs = self.config.bugs;
        if bugs.contains(BugKnob::VoteWithoutLogCheck) {
            return true;
        }
        if bugs.contains(BugKnob::VoteByCommitIndex) {
            return candidate_commit >= self.commit_index;
        }
        self.log.is_up_to_date(last_log_term, last_log_index)
    }

    pub(crate) fn vote_response(&self, vote_granted: bool) -> Message {
        Message::RequestVoteResponse {
            term: self.current_term,
            vote_granted,
        }
    }

    /// A candidate's vote for itself counts once the term it voted in is on its disk (the
    /// RequestVotes it sends wait behind that write, so every other vote comes later). Until
    /// then a crash could make it vote again, for another candidate, in the same term.
    pub(crate) fn count_own_vote(&mut self) {
        let (id, durable) = (self.id, self.durable_term);
        let Role::Candidate { votes } = &mut self.role else {
            return;
        };
        if durable >= self.current_term && !votes.contains(id) {
            votes.insert(id);
            if self.membership.has_quorum(*votes) {
                self.become_leader();
            }
        }
    }

    /// Figure 2, "Candidates": "If votes received from majority of servers: become leader."
    pub(crate) fn handle_vote_response(&mut self, from: NodeId, vote_granted: bool) {
        let Role::Candidate { votes } = &mut self.role else {
            return;
        };
        // §5.2: only "votes from a majority of the servers in the full cluster" count; thesis
        // §4: of the voters of the candidate's configuration (of both halves when joint). A
        // grant from any other server is kept but counts for nothing.
        if vote_granted {
            votes.insert(from);
        }
        if self.membership.has_quorum(*votes) {
            self.become_leader();
        }
    }

    /// Figure 2, "Leaders": "Upon election: send initial empty AppendEntries RPCs (heartbeat) to
    /// each server", with nextIndex initialised to the leader's last log index + 1 and matchIndex
    /// to 0. Then the new leader appends a no-op of its own term (§8), so that entries of earlier
    /// terms can commit under §5.4.2's rule without waiting for a client; it travels to each
    /// follower once that follower answers the heartbeat.
    pub(crate) fn become_leader(&mut self) {
        let next_index = self.log.last_index().next();
        let progress = self
            .peers
            .iter()
            .map(|&peer| Progress {
                peer,
                next_index,
                match_index: LogIndex(0),
                snapshot_sent: None,
            })
            .collect();
        self.role = Role::Leader { progress };
        self.leader_id = Some(self.id);
        self.heartbeat_elapsed = 0;
        self.reads = crate::read::ReadState::for_leader(self.peers.len());
        self.recent_active = NodeSet::new();
        self.quorum_elapsed = 0;
        self.broadcast_append();
        // It commits once a majority, the leader's own disk counting only after `persisted`,
        // holds it.
        self.append_own(Command::Noop);
    }
}
