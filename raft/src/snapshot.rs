//! Log compaction and the InstallSnapshot RPC (§7, Figure 13).
//!
//! The host owns the state machine, the node its log (see `output.rs` for the contract): the
//! node asks for a snapshot at its applied index (`Output::SnapshotWanted`), the host answers
//! with [`Node::compact`], and the node drops the log before it. A leader whose follower needs
//! an entry it compacted sends its latest snapshot instead (`Message::InstallSnapshot`); the
//! follower installs it and tells its host to reset the state machine (`Output::ApplySnapshot`).

use crate::config::BugKnob;
use crate::message::Message;
use crate::node::{Node, Role};
use crate::output::{Output, Persist, Snapshot};
use crate::types::{Entry, LogIndex, NodeId, Term};
use std::fmt;

/// Why [`Node::compact`] refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompactError {
    /// §7: a snapshot covers "just the committed entries"; this node applied only `applied`.
    PastApplied { index: LogIndex, applied: LogIndex },
    /// The log is compacted up to `last_included` already.
    AlreadyCompacted {
        index: LogIndex,
        last_included: LogIndex,
    },
}

impl fmt::Display for CompactError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompactError::PastApplied { index, applied } => write!(
                f,
                "cannot compact up to {index}: only {applied} is applied (§7)"
            ),
            CompactError::AlreadyCompacted {
                index,
                last_included,
            } => write!(
                f,
                "cannot compact up to {index}: the log is compacted up to {last_included}"
            ),
        }
    }
}

impl std::error::Error for CompactError {}

impl Node {
    /// §7: "each server takes snapshots independently, covering just the committed entries in
    /// its log". The host hands over its state machine as of `index` (`data`, opaque to the
    /// node): the node keeps it as its snapshot, drops the log up to `index`, and asks for
    /// both to be written (`Persist::Snapshot`). `index` must be applied and not yet compacted
    /// (`compact-past-applied` allows any index of the log).
    pub fn compact(
        &mut self,
        index: LogIndex,
        data: Vec<u8>,
        out: &mut Vec<Output>,
    ) -> Result<(), CompactError> {
        let (last_included, _) = self.log.last_included();
        if index <= last_included {
            return Err(CompactError::AlreadyCompacted {
                index,
                last_included,
            });
        }
        if index > self.compact_bound() {
            return Err(CompactError::PastApplied {
                index,
                applied: self.last_applied,
            });
        }
        let term = self.log.term_at(index).expect("an index of the log");
        let membership = self.log.membership_at(index).1;
        self.log.compact_to(index, term);
        let snapshot = Snapshot {
            last_included_index: index,
            last_included_term: term,
            data,
            membership,
        };
        self.snapshot = Some(snapshot.clone());
        self.pending_persist.push(Persist::Snapshot(snapshot));
        self.flush(out);
        Ok(())
    }

    /// The highest index a snapshot may include: `lastApplied` (§7), or the last index under
    /// `compact-past-applied`.
    fn compact_bound(&self) -> LogIndex {
        if self.config.bugs.contains(BugKnob::CompactPastApplied) {
            self.log.last_index()
        } else {
            self.last_applied
        }
    }

    /// Asks the host for a snapshot once the applied index has passed the last snapshot (or
    /// the last request) by `snapshot_threshold_entries`.
    pub(crate) fn maybe_ask_snapshot(&mut self) {
        let Some(threshold) = self.config.snapshot_threshold_entries else {
            return;
        };
        let index = self.compact_bound();
        let since = self.log.last_included().0.max(self.snapshot_asked);
        if index.0 >= since.0 + threshold {
            self.snapshot_asked = index;
            self.pending_notices.push(Output::SnapshotWanted { index });
        }
    }

    /// §7: "the leader must occasionally send snapshots to followers that lag behind", when
    /// "the leader has already discarded the next log entry that it needs to send". nextIndex
    /// moves past the snapshot, as it moves past entries sent; a refusal of the next
    /// AppendEntries moves it back, and the snapshot goes again, but at most once per heartbeat
    /// interval: the refusals of appends sent before it would otherwise each send it again
    /// (etcd raft pauses a follower in `StateSnapshot` likewise).
    pub(crate) fn send_snapshot(&mut self, slot: usize) {
        let (Role::Leader { progress }, Some(snapshot)) = (&mut self.role, &self.snapshot) else {
            return;
        };
        let p = &mut progress[slot];
        let index = snapshot.last_included_index;
        p.next_index = index.next();
        let interval = self.config.heartbeat_interval_ticks as u64;
        if let Some((at, sent)) = p.snapshot_sent {
            if sent == index && self.ticks < at + interval {
                return;
            }
        }
        p.snapshot_sent = Some((self.ticks, index));
        let message = Message::InstallSnapshot {
            term: self.current_term,
            leader: self.id,
            last_included_index: snapshot.last_included_index,
            last_included_term: snapshot.last_included_term,
            data: snapshot.data.clone(),
            membership: snapshot.membership,
        };
        let to = p.peer;
        self.send(to, message);
    }

    /// Figure 13, InstallSnapshot receiver. Step 1 ("reply immediately if term < currentTerm")
    /// is done in `observe_term`; steps 2 to 5 (chunks) do not arise, the snapshot arriving
    /// whole. A snapshot at or below the commit index describes a prefix the follower already
    /// committed and applied: it is ignored (unless `install-snapshot-older-than-commit`), so
    /// commitIndex and lastApplied never move back.
    pub(crate) fn handle_install_snapshot(
        &mut self,
        leader: NodeId,
        last_included_index: LogIndex,
        last_included_term: Term,
        data: Vec<u8>,
        membership: Option<crate::types::Membership>,
    ) {
        // As for AppendEntries (§5.2): a message from the leader of the current term.
        if !matches!(self.role, Role::Follower) || self.leader_id != Some(leader) {
            self.become_follower(self.current_term, Some(leader));
        }
        self.election_elapsed = 0;
        let older = last_included_index <= self.commit_index;
        if older
            && !self
                .config
                .bugs
                .contains(BugKnob::InstallSnapshotOlderThanCommit)
        {
            let reply = self.snapshot_response(self.commit_index);
            self.send(leader, reply);
            return;
        }
        self.install_snapshot(Snapshot {
            last_included_index,
            last_included_term,
            data,
            membership,
        });
        let reply = self.snapshot_response(last_included_index);
        self.send(leader, reply);
    }

    /// Figure 13 steps 6 to 8: "If existing log entry has same index and term as snapshot's
    /// last included entry, retain log entries following it and reply. Discard the entire log.
    /// Reset state machine using snapshot contents." The discarded entries after the snapshot
    /// go by an ordinary truncation, so that the host's checkers see the deletion.
    fn install_snapshot(&mut self, snapshot: Snapshot) {
        let (index, term) = (snapshot.last_included_index, snapshot.last_included_term);
        let discard_suffix = self
            .config
            .bugs
            .contains(BugKnob::SnapshotDiscardsMatchingSuffix);
        let keep = self.log.matches(index, term) && !discard_suffix;
        if !keep && self.log.last_index() > index && index >= self.log.last_included().0 {
            self.truncate_log(index.next());
        }
        if !keep {
            self.durable_index = self.durable_index.min(index.prev());
        }
        self.log.install(index, term, snapshot.membership);
        self.refresh_membership();
        let advanced = index > self.commit_index;
        self.commit_index = index;
        self.last_applied = index;
        self.snapshot_asked = index;
        self.snapshot = Some(snapshot.clone());
        self.pending_persist
            .push(Persist::Snapshot(snapshot.clone()));
        if advanced {
            self.pending_notices.push(Output::Committed { index });
        }
        self.pending_notices
            .push(Output::ApplySnapshot { snapshot });
    }

    pub(crate) fn snapshot_response(&self, last_index: LogIndex) -> Message {
        Message::InstallSnapshotResponse {
            term: self.current_term,
            last_index,
        }
    }

    /// The follower's log agrees with ours up to `last_index`: matchIndex and nextIndex move
    /// as on a successful AppendEntries (Figure 2, "Leaders").
    pub(crate) fn handle_snapshot_response(&mut self, from: NodeId, last_index: LogIndex) {
        self.handle_append_response(from, true, last_index);
    }

    /// §7: entries at or below the last included index are committed, hence the leader's own
    /// too (Leader Completeness, §5.4): an AppendEntries whose prevLogIndex falls inside the
    /// snapshot matches up to the snapshot's last included entry, and only its entries after
    /// that are new. One that contradicts the snapshot (another term at its last included
    /// index, or an older term after it) comes from a peer with a bug: it is refused, as a
    /// request to delete a committed entry is, and `None` returned.
    pub(crate) fn skip_compacted(
        &mut self,
        leader: NodeId,
        prev_log_index: LogIndex,
        prev_log_term: Term,
        entries: Vec<Entry>,
    ) -> Option<(LogIndex, Term, Vec<Entry>)> {
        let (included, included_term) = self.log.last_included();
        if prev_log_index >= included {
            return Some((prev_log_index, prev_log_term, entries));
        }
        let at_included = entries.iter().find(|e| e.index == included).map(|e| e.term);
        let rest: Vec<Entry> = entries.into_iter().filter(|e| e.index > included).collect();
        let consistent = at_included.is_none_or(|t| t == included_term)
            && rest.first().is_none_or(|e| e.term >= included_term);
        if !consistent {
            self.reply_append(leader, false, included);
            return None;
        }
        Some((included, included_term, rest))
    }
}
