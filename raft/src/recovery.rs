//! Recovery from a damaged log: protocol-aware recovery (PAR; Alagappan et al.,
//! "Protocol-Aware Recovery for Consensus-Based Storage", FAST 2018). Not in the Raft paper,
//! whose servers never lose what they wrote to stable storage (Figure 2).
//!
//! The host's disk keeps checksummed records, as etcd's WAL does. When its reader finds a bad
//! entry record it truncates the log there, keeps `currentTerm` and `votedFor` (and the
//! snapshot) intact, and boots the node with [`DurableState::damaged`] set (under
//! [`RecoveryPolicy::ProtocolAware`]; under [`RecoveryPolicy::Refuse`] the host does not boot
//! it at all, as etcd refuses a WAL with a CRC mismatch). Entries the node had acknowledged may
//! be gone, committed ones among them: a majority that counted its acknowledgement may now be
//! one copy short.
//!
//! # The rule
//!
//! A node booted on a damaged log is *repairing* ([`Node::repairing`]) until a leader has
//! repaired it. While repairing:
//! - it grants a vote (RequestVote) or a pre-vote (PreVote, thesis §9.6) only to a candidate
//!   whose log is at least as up-to-date as the log it had before the damage
//!   ([`DamagedLog`]'s last entry), as well as its log as it is; any other request gets an
//!   ordinary refusal (`vote_granted: false`, its own term). A vote promises that the voter's
//!   log is not more up-to-date than the candidate's (§5.4.1), and the proof of Leader
//!   Completeness (§5.4.3) rests on it: every committed entry is held by one voter of every
//!   later leader. That proof reads only the voter's last entry, (index, term), of a log that
//!   held the committed entry: if the candidate's last term is later, the leader of that term
//!   held the entry (induction on terms); if it is the same and its log at least as long, the
//!   candidate holds the voter's last entry and, by Log Matching, everything before it. So a
//!   node that lost entries it acknowledged keeps its promise by comparing against the last
//!   entry it had, which its reader still knows from the records' headers. Comparing against
//!   the cut log alone could elect a leader without a committed entry, as the naive recovery
//!   does;
//! - it starts no election: its election timeout passing only restarts its timer, and
//!   `Node::timeout_now` does nothing. (It could not win without the votes that matter, and
//!   its campaign would only raise terms);
//! - it accepts and acknowledges AppendEntries as usual (§5.3), but for those of the leader of
//!   its boot term, which it leaves unanswered (`ignores_boot_term_leader`). Its `currentTerm` is intact,
//!   so it accepts only leaders of its term or later (§5.1), and a successful reply for index
//!   i claims only the entries up to i, which it holds again, from that leader, after the
//!   consistency check. It also installs snapshots (§7) and raises its term as usual.
//!
//! It is repaired when it accepts an AppendEntries from the leader of its current term T and
//! 1. T is later than the term its disk held at boot, B (T > B);
//! 2. the consistency check held (its log holds prevLogIndex with prevLogTerm, §5.3), and its
//!    log holds the leader's commit index: leaderCommit ≤ the index of the last new entry, so
//!    by Log Matching its log up to leaderCommit is the leader's;
//! 3. the entry at leaderCommit has term T.
//!
//! # Why this is safe
//!
//! The lost entries were acknowledged before the crash, in terms ≤ B: the hard state is intact,
//! so the node never heard of a later term before it. Only a leader of term t counts replies of
//! term t (§5.1), so only leaders of terms ≤ B can count the lost acknowledgements, and any
//! entry committed with their help is committed in a term t ≤ B < T. The leader of T holds
//! every entry committed in an earlier term (Leader Completeness, §5.4.3), and holds it below
//! the entry of term T at leaderCommit, since terms never decrease along a log. Condition 2
//! makes the node's log equal to the leader's up to leaderCommit, so after the repair the node
//! holds every entry that its lost acknowledgements helped, or ever will help, commit; it keeps
//! them, since a later leader holds them too and never asks to delete them. Its vote means
//! again what §5.4.1 needs. (Entries the leader of T committed in T need no repair: they were
//! acknowledged by others, or by the node after its boot, from the log it holds.)
//!
//! Condition 1 is needed. A node damaged in term B and repaired by the leader of B itself
//! holds that leader's log only up to leaderCommit; the leader may still commit a later entry
//! by counting the node's lost acknowledgement of it (a reply in flight across the crash, or a
//! matchIndex it never lowers), and the repaired node would then vote for a candidate without
//! it. Condition 3 makes leaderCommit a point of the leader's own term: after an entry of an
//! older term at leaderCommit, the leader's log may hold entries committed in earlier terms
//! that the node lacks, the leader of T not knowing them committed yet (§5.4.2).
//!
//! An InstallSnapshot alone does not repair: the AppendEntries that follows it, whose
//! prevLogIndex is the snapshot's last included index, repairs by the same three conditions.
//!
//! # Liveness
//!
//! Repair needs a leader of a term after B. A repairing node still votes for a candidate as
//! up-to-date as its old log, so one that holds the lost entries (a majority held every
//! committed one) can be elected with its help; a cluster in which the only candidates that
//! could win lack what a repairing voter had waits until one that has it can run. A repaired node votes and campaigns
//! as usual. The host must report the damage at every boot until the node has been repaired
//! (it reads [`Node::repairing`]): a node that crashes while repairing and boots from a disk
//! that no longer says so would vote on a log that lost entries.
//!
//! The `truncate-on-corruption` knob switches the rule off: the node ignores the damage, as
//! LogCabin and ZooKeeper do (PAR, FAST 2018), and votes at once.
//!
//! [`DurableState::damaged`]: crate::DurableState::damaged
//! [`DamagedLog`]: crate::DamagedLog
//! [`RecoveryPolicy::ProtocolAware`]: crate::RecoveryPolicy::ProtocolAware
//! [`RecoveryPolicy::Refuse`]: crate::RecoveryPolicy::Refuse

use crate::config::{BugKnob, Config};
use crate::node::Node;
use crate::types::{LogIndex, Term};

impl Node {
    /// Whether a node booted from a disk with `damaged` set starts repairing: it does, unless
    /// `truncate-on-corruption` makes it ignore the damage.
    pub(crate) fn repairing_at_boot(config: &Config, damaged: bool) -> bool {
        damaged && !config.bugs.contains(BugKnob::TruncateOnCorruption)
    }

    /// The node booted on a damaged log and no leader has repaired it yet: it votes only for
    /// candidates as up-to-date as the log it had, and starts no election (see the module's
    /// doc).
    pub fn repairing(&self) -> bool {
        self.repairing
    }

    /// Whether the repair rule lets the node vote for a candidate whose last entry is
    /// (`index`, `term`): always once repaired; while repairing, only if that is at least as
    /// up-to-date (§5.4.1: later term, or same term and at least as long) as the last entry
    /// its log held before the damage.
    pub(crate) fn repair_allows_vote(&self, index: LogIndex, term: Term) -> bool {
        !self.repairing || (term, index) >= (self.written_last.1, self.written_last.0)
    }

    /// While repairing, the node does not answer the AppendEntries of the leader of its boot
    /// term: that leader cannot repair it (condition 1), and it may know the node's log as it
    /// was before the damage (a matchIndex a leader never lowers, Figure 2), so it would keep
    /// sending entries after an index the node no longer holds and the two would trade
    /// refusals for ever. No answer is a message lost, which Raft survives; the node still
    /// follows that leader (its election timer restarts) and answers its heartbeats.
    pub(crate) fn ignores_boot_term_leader(&self) -> bool {
        self.repairing && self.current_term == self.started_in_term
    }

    /// The repair rule, at the end of an AppendEntries the node accepted from the leader of
    /// its current term, its entries stored: `prev` is the request's (prevLogIndex,
    /// prevLogTerm), `last_new` the index of its last new entry.
    pub(crate) fn maybe_repaired(
        &mut self,
        prev: (LogIndex, Term),
        last_new: LogIndex,
        leader_commit: LogIndex,
    ) {
        if !self.repairing {
            return;
        }
        let term = self.current_term;
        // Checked again: `heartbeat-skips-prev-check` accepts a heartbeat without the check.
        let consistent = self.log.matches(prev.0, prev.1);
        if term > self.started_in_term
            && consistent
            && leader_commit <= last_new
            && self.log.term_at(leader_commit) == Some(term)
        {
            self.repairing = false;
        }
    }
}
