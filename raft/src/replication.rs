//! Log replication and commitment: Figure 2's AppendEntries RPC and the leader rules
//! (§5.3, §5.4.2).

use crate::config::BugKnob;
use crate::message::Message;
use crate::node::{Node, Role};
use crate::types::{Entry, LogIndex, NodeId, Term};

impl Node {
    /// Figure 2, "Leaders": "If last log index ≥ nextIndex for a follower: send AppendEntries
    /// RPC with log entries starting at nextIndex"; with none, the RPC is a heartbeat (§5.2).
    /// nextIndex moves past what was sent (pipelining); a rejection moves it back.
    pub(crate) fn send_append(&mut self, slot: usize) {
        let Role::Leader { progress } = &mut self.role else {
            return;
        };
        if progress[slot].next_index <= self.log.last_included().0 {
            return self.send_snapshot(slot); // §7: the entries it needs are compacted
        }
        let p = &mut progress[slot];
        let prev_log_index = p.next_index.prev();
        let prev_log_term = self
            .log
            .term_at(prev_log_index)
            .expect("nextIndex never passes the leader's last index + 1");
        let entries = self
            .log
            .entries_from(p.next_index, self.config.max_entries_per_append)
            .to_vec();
        if let Some(last) = entries.last() {
            p.next_index = last.index.next();
        }
        let to = p.peer;
        let message = Message::AppendEntries {
            term: self.current_term,
            leader: self.id,
            prev_log_index,
            prev_log_term,
            entries,
            leader_commit: self.commit_index,
        };
        self.send(to, message);
    }

    /// §5.2: "AppendEntries RPCs that carry no log entries", with prev = nextIndex - 1.
    pub(crate) fn broadcast_heartbeat(&mut self) {
        let Role::Leader { progress } = &self.role else {
            return;
        };
        let beats: Vec<(NodeId, LogIndex)> = progress
            .iter()
            .map(|p| (p.peer, p.next_index.prev()))
            .collect();
        for (slot, (to, prev_log_index)) in beats.into_iter().enumerate() {
            if prev_log_index < self.log.last_included().0 {
                self.send_snapshot(slot); // §7: its term is compacted with the entry
                continue;
            }
            let prev_log_term = self.log.term_at(prev_log_index).unwrap_or_default();
            let message = Message::AppendEntries {
                term: self.current_term,
                leader: self.id,
                prev_log_index,
                prev_log_term,
                entries: Vec::new(),
                leader_commit: self.commit_index,
            };
            self.send(to, message);
        }
    }

    /// [`Node::send_append`] to `peer`, if it is still a peer.
    pub(crate) fn send_append_to(&mut self, peer: NodeId) {
        if let Some(slot) = self.peers.iter().position(|p| *p == peer) {
            self.send_append(slot);
        }
    }

    pub(crate) fn broadcast_append(&mut self) {
        for slot in 0..self.peers.len() {
            self.send_append(slot);
        }
    }

    /// Figure 2, AppendEntries receiver. Step 1 (reply false if term < currentTerm) is done in
    /// `observe_term`.
    pub(crate) fn handle_append_entries(
        &mut self,
        leader: NodeId,
        prev_log_index: LogIndex,
        prev_log_term: Term,
        entries: Vec<Entry>,
        leader_commit: LogIndex,
    ) {
        // §5.2: "If AppendEntries RPC received from new leader: convert to follower."
        if !matches!(self.role, Role::Follower) || self.leader_id != Some(leader) {
            self.become_follower(self.current_term, Some(leader));
        }
        self.election_elapsed = 0;
        if self.ignores_boot_term_leader() {
            return; // recovery.rs
        }

        let heartbeat = entries.is_empty();
        let Some((prev_log_index, prev_log_term, entries)) =
            self.skip_compacted(leader, prev_log_index, prev_log_term, entries)
        else {
            return;
        };
        let skip_check = heartbeat && self.config.bugs.contains(BugKnob::HeartbeatSkipsPrevCheck);
        // Step 2: "Reply false if log doesn't contain an entry at prevLogIndex whose term
        // matches prevLogTerm (§5.3)."
        if !skip_check && !self.log.matches(prev_log_index, prev_log_term) {
            let hint = prev_log_index.prev().min(self.log.last_index());
            self.reply_append(leader, false, hint);
            return;
        }
        // Leader Completeness (§5.4): no leader a correct cluster can elect asks a follower to
        // delete a committed entry. Refuse one that does (a peer with a bug), so that
        // commitIndex never moves back and an entry already applied is never taken back.
        if let Some(conflict) = self.first_conflict(&entries) {
            if conflict <= self.commit_index {
                self.reply_append(leader, false, conflict.prev());
                return;
            }
        }
        let last_new = LogIndex(prev_log_index.0 + entries.len() as u64);
        self.store_entries(prev_log_index, entries);
        if self.config.bugs.contains(BugKnob::AssertCommitWithinLog) {
            let last = self.log.last_index();
            assert!(
                leader_commit <= last,
                "tocommit({leader_commit}) is out of range [lastIndex({last})]: was the raft log corrupted, truncated, or lost?"
            );
        }
        // Step 5: "If leaderCommit > commitIndex, set commitIndex = min(leaderCommit, index of
        // last new entry)."
        if leader_commit > self.commit_index {
            let bound = if self.config.bugs.contains(BugKnob::CommitIndexWithoutMin) {
                self.log.last_index()
            } else {
                last_new
            };
            self.advance_commit(leader_commit.min(bound));
        }
        self.maybe_repaired((prev_log_index, prev_log_term), last_new, leader_commit);
        self.reply_append(leader, true, last_new);
    }

    /// Steps 3 and 4: "If an existing entry conflicts with a new one (same index but different
    /// terms), delete the existing entry and all that follow it (§5.3). Append any new entries
    /// not already in the log." An entry already held is kept, so a stale or duplicated
    /// AppendEntries never truncates (unless `truncate-on-stale-append` is on).
    fn store_entries(&mut self, prev_log_index: LogIndex, entries: Vec<Entry>) {
        let truncate_always = self.config.bugs.contains(BugKnob::TruncateOnStaleAppend);
        if truncate_always && prev_log_index < self.log.last_index() {
            self.truncate_log(prev_log_index.next());
        }
        let mut fresh = Vec::new();
        for entry in entries {
            match self.log.term_at(entry.index) {
                Some(term) if term == entry.term && fresh.is_empty() => continue,
                Some(_) if fresh.is_empty() => self.truncate_log(entry.index),
                _ => {}
            }
            self.log.append(entry);
            fresh.push(entry);
        }
        if !fresh.is_empty() {
            self.persist_append(fresh);
        }
        self.refresh_membership();
    }

    /// The index of the first entry that conflicts with the log (same index, different term).
    fn first_conflict(&self, entries: &[Entry]) -> Option<LogIndex> {
        entries
            .iter()
            .find(|e| matches!(self.log.term_at(e.index), Some(t) if t != e.term))
            .map(|e| e.index)
    }

    pub(crate) fn truncate_log(&mut self, from: LogIndex) {
        // Invariant: committed entries are never truncated; a correct leader never asks, and
        // `handle_append_entries` refuses a leader that does. Only `truncate-on-stale-append`
        // gets here with `from <= commit_index`; the node then keeps its own invariant
        // (commit_index <= last index) and the simulator's checkers report the lost entries.
        if from <= self.commit_index {
            self.commit_index = from.prev();
            self.last_applied = self.last_applied.min(self.commit_index);
        }
        self.log.truncate_from(from);
        self.durable_index = self.durable_index.min(from.prev());
        self.pending_persist
            .push(crate::output::Persist::Truncate { from });
        self.refresh_membership();
    }

    pub(crate) fn reply_append(&mut self, leader: NodeId, success: bool, last_index: LogIndex) {
        let reply = Message::AppendEntriesResponse {
            term: self.current_term,
            success,
            last_index,
        };
        self.send(leader, reply);
    }

    /// Figure 2, "Leaders": "If successful: update nextIndex and matchIndex for follower (§5.3).
    /// If AppendEntries fails because of log inconsistency: decrement nextIndex and retry."
    pub(crate) fn handle_append_response(
        &mut self,
        from: NodeId,
        success: bool,
        last_index: LogIndex,
    ) {
        let last_log = self.log.last_index();
        let Role::Leader { progress } = &mut self.role else {
            return;
        };
        let Some(slot) = progress.iter().position(|p| p.peer == from) else {
            return;
        };
        self.recent_active.insert(from);
        let p = &mut progress[slot];
        if success {
            // A reordered or duplicated reply must not move matchIndex backwards.
            p.match_index = p.match_index.max(last_index.min(last_log));
            p.next_index = p.next_index.max(p.match_index.next());
            let behind = p.next_index <= last_log;
            // A commit may change the configuration (leaving a joint one, membership.rs), and
            // with it the peers' slots: the follower is looked up again.
            self.maybe_commit();
            if behind {
                self.send_append_to(from);
            }
            self.advance_transfer(from);
        } else {
            // Back off using the follower's hint, never below what it is known to hold.
            let backed = p.next_index.prev().min(last_index.next());
            p.next_index = backed.max(p.match_index.next()).max(LogIndex(1));
            self.send_append(slot);
        }
    }

    /// Figure 2, "Leaders": "If there exists an N such that N > commitIndex, a majority of
    /// matchIndex[i] ≥ N, and log[N].term == currentTerm: set commitIndex = N (§5.3, §5.4)."
    /// The term condition is §5.4.2 (Figure 8); `commit-old-term-by-count` drops it.
    pub(crate) fn maybe_commit(&mut self) {
        let Role::Leader { progress } = &self.role else {
            return;
        };
        // Thesis §4: a majority of the configuration in force (of both halves when joint). The
        // leader itself holds on stable storage only what the host reported durable, and
        // counts only if it is a voter of its configuration (§4.2.2).
        let (id, durable) = (self.id, self.durable_index);
        let n = LogIndex(self.membership.quorum_value(|voter| {
            if voter == id {
                return durable.0;
            }
            progress
                .iter()
                .find(|p| p.peer == voter)
                .map_or(0, |p| p.match_index.0)
        }));
        if n <= self.commit_index {
            return;
        }
        let old_term_by_count = self.config.bugs.contains(BugKnob::CommitOldTermByCount);
        if old_term_by_count || self.log.term_at(n) == Some(self.current_term) {
            self.advance_commit(n);
            self.release_reads();
        }
    }
}
