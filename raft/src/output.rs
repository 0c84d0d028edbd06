//! What a node asks its host to do, as ordered data, and the durable state it restarts from.
//!
//! Log compaction (§7) splits the work as etcd raft and raft-rs do: the host owns the state
//! machine, the node owns the log. The contract:
//! - with `Config::snapshot_threshold_entries` set, a node whose applied index has passed its
//!   first index by that many entries emits [`Output::SnapshotWanted`] right after the
//!   `Apply`s that brought it there; the host, having carried those out in order, serializes its
//!   state machine as it is then and hands it to [`crate::Node::compact`] at that index (it may
//!   also call `compact` of its own accord, at any index it has applied);
//! - the node keeps the snapshot, drops the log before it, and writes both
//!   ([`Persist::Snapshot`]); a restart boots from snapshot plus log ([`DurableState`]), and
//!   the host restores its state machine from `DurableState::snapshot` itself;
//! - a follower that installs a leader's snapshot (InstallSnapshot, Figure 13) emits
//!   [`Output::ApplySnapshot`]: the host replaces its state machine with the snapshot's.

use crate::message::Message;
use crate::types::{Entry, LogIndex, Membership, NodeId, Term};
use serde::{Deserialize, Serialize};

/// A write to stable storage (Figure 2: "Persistent state on all servers, updated on stable
/// storage before responding to RPCs").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Persist {
    /// `currentTerm` and `votedFor`.
    HardState {
        current_term: Term,
        voted_for: Option<NodeId>,
    },
    /// Delete the entry at `from` and all that follow it.
    Truncate { from: LogIndex },
    /// Append entries at the end of the durable log.
    Append { entries: Vec<Entry> },
    /// Write this snapshot in place of the one on the disk, and drop the durable log up to its
    /// last included entry by Figure 13's rule: if the log holds that entry (same index and
    /// term), keep the entries after it; otherwise discard the whole log ([`DurableState::apply`]).
    Snapshot(Snapshot),
}

/// §7: a snapshot of the state machine "as of" `last_included_index`, standing in for every
/// log entry up to it. `data` is the host's serialized state machine; the node never reads it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub last_included_index: LogIndex,
    pub last_included_term: Term,
    pub data: Vec<u8>,
    /// Thesis §4 with §5.4 (compaction): the configuration in force as of the last included
    /// index, which a server restarting from the snapshot uses until its log holds a later
    /// one; `None` while that is still the boot configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub membership: Option<Membership>,
}

/// Why a proposal was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Rejection {
    /// Only the leader accepts proposals; `leader` is the node's best guess of who leads.
    NotLeader { leader: Option<NodeId> },
    /// Thesis §3.10: a leader transferring its leadership stops accepting proposals, so that
    /// the target can catch up; `to` is the target.
    Transferring { to: NodeId },
    /// A configuration change refused; the reason says which rule of thesis §4 refused it.
    Config(ConfigRejection),
}

/// Why a leader refused a configuration change (thesis §4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConfigRejection {
    /// §4.1: one change at a time. The configuration entry at `index` is not committed yet.
    Pending { index: LogIndex },
    /// The 2015 fix (Ongaro, raft-dev): a leader appends a configuration entry only once it
    /// has committed an entry of its own term.
    NoCommitInTerm,
    /// §4.3: the joint configuration must be left before another change.
    Joint,
    /// The change changes nothing, would leave no voter, names a server an entry cannot name
    /// (id 0, or beyond [`crate::types::MAX_CONFIG_ID`]), or asks a single-server change of a
    /// joint one.
    Invalid,
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rejection::NotLeader { leader: Some(l) } => write!(f, "not the leader ({l} is)"),
            Rejection::NotLeader { leader: None } => write!(f, "not the leader"),
            Rejection::Transferring { to } => write!(f, "transferring its leadership to {to}"),
            Rejection::Config(ConfigRejection::Pending { index }) => {
                write!(f, "the configuration entry at {index} is not committed yet (§4.1: one change at a time)")
            }
            Rejection::Config(ConfigRejection::NoCommitInTerm) => write!(
                f,
                "no entry of its term is committed yet (a leader changes the configuration only after that)"
            ),
            Rejection::Config(ConfigRejection::Joint) => {
                write!(f, "the joint configuration must be left first (§4.3)")
            }
            Rejection::Config(ConfigRejection::Invalid) => {
                write!(f, "the change is not a valid change of the configuration")
            }
        }
    }
}

/// One thing for the host to do. A node returns its outputs in the order they must take effect:
/// every `Persist` comes before any `Send` that depends on it (etcd raft's "msgs after append").
/// `M` is the node's message type: raftsim's [`Message`], or another implementation's when a
/// host carries its outputs in the same vocabulary.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Output<M = Message> {
    Persist(Persist),
    Send {
        to: NodeId,
        message: M,
    },
    /// `commitIndex` advanced to `index`.
    Committed {
        index: LogIndex,
    },
    /// Apply this committed entry to the state machine (`lastApplied` advanced to its index).
    Apply {
        entry: Entry,
    },
    /// The proposal was appended at `index` in `term`; it is not committed yet.
    ProposalAccepted {
        index: LogIndex,
        term: Term,
    },
    ProposalRejected(Rejection),
    /// §7: the node would compact its log up to `index`, its applied index: the host answers
    /// with [`crate::Node::compact`]`(index, state machine as of index)`, or not at all (the
    /// node asks again after another threshold's worth of entries).
    SnapshotWanted {
        index: LogIndex,
    },
    /// Figure 13 step 8: "reset state machine using snapshot contents". The node installed a
    /// leader's snapshot; its `lastApplied` is now the snapshot's last included index, and the
    /// `Apply`s that follow continue from there.
    ApplySnapshot {
        snapshot: Snapshot,
    },
    /// The read `ctx` may be served once the state machine has applied `index` (thesis §6.4).
    ReadReady {
        ctx: u64,
        index: LogIndex,
    },
    /// This node cannot serve the read `ctx`; `leader` is its guess of who can.
    ReadRejected {
        ctx: u64,
        leader: Option<NodeId>,
    },
}

/// What the host's stable storage holds once a batch of writes finished: the durable
/// `currentTerm` and the log's last entry (index 0, term 0: an empty log).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Synced {
    pub current_term: Term,
    pub last_index: LogIndex,
    pub last_term: Term,
    /// How many of the node's writes (its `Persist` outputs, in order, counted from its start)
    /// are now durable. raftsim's node reads the disk's content instead; an implementation that
    /// numbers its batches of writes (raft-rs's Ready) can tell which are done.
    pub writes: u64,
}

/// What a disk's reader still knows of a log it found damaged: the last entry the log held
/// before the damage, (index, term), from the records' headers (which carry a checksum of their
/// own, as CTRL keeps entry identifiers apart from their data, PAR §5). Where a header is lost
/// too, the reader gives an upper bound in (term, index) order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DamagedLog {
    pub last_index: LogIndex,
    pub last_term: Term,
}

/// What a node finds on its disk when it restarts: exactly what its `Persist` outputs wrote,
/// unless the disk damaged some of it (`damaged`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DurableState {
    pub current_term: Term,
    pub voted_for: Option<NodeId>,
    /// The entries after the snapshot (from index 1 without one).
    /// Invariant: log[i].index == snapshot's last included index + i + 1.
    pub log: Vec<Entry>,
    /// The latest snapshot written (§7), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<Snapshot>,
    /// The disk's reader found a damaged entry record and truncated the log there: entries this
    /// node had acknowledged may be missing. `currentTerm`, `votedFor` and the snapshot are
    /// intact. A node booted from such a disk recovers by the rule of [`crate::recovery`]. Only
    /// the host's reader sets it; [`DurableState::apply`] never does (a write damages nothing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub damaged: Option<DamagedLog>,
}

impl DurableState {
    /// The configuration a node restarting from this disk is in (thesis §4.1): the latest
    /// configuration entry of its log, else its snapshot's, else `boot`.
    pub fn membership(&self, boot: Membership) -> Membership {
        let in_log = self.log.iter().rev().find_map(|e| match e.command {
            crate::types::Command::Config(c) => Some(c.unpack()),
            _ => None,
        });
        in_log
            .or_else(|| self.snapshot.as_ref().and_then(|s| s.membership))
            .unwrap_or(boot)
    }

    /// What this disk holds, as a host reports it to [`crate::Node::persisted`] after writes
    /// finish (the host fills in `writes`, which a disk does not count).
    pub fn synced(&self) -> Synced {
        let (last_index, last_term) = self
            .log
            .last()
            .map_or(self.last_included(), |e| (e.index, e.term));
        Synced {
            current_term: self.current_term,
            last_index,
            last_term,
            writes: 0,
        }
    }

    /// The snapshot's last included index and term ((0, 0) without one).
    pub fn last_included(&self) -> (LogIndex, Term) {
        self.snapshot.as_ref().map_or((LogIndex(0), Term(0)), |s| {
            (s.last_included_index, s.last_included_term)
        })
    }

    /// The term of the entry the disk holds at `index`: the snapshot's last included term at
    /// its index (index 0: term 0), `None` for a compacted index below it or one beyond the log.
    pub fn term_at(&self, index: LogIndex) -> Option<Term> {
        let (first, term) = self.last_included();
        if index == first {
            return Some(term);
        }
        let offset = index.0.checked_sub(first.0 + 1)?;
        self.log.get(offset as usize).map(|e| e.term)
    }

    /// Applies one persist output, as a disk would.
    pub fn apply(&mut self, write: &Persist) {
        match write {
            Persist::HardState {
                current_term,
                voted_for,
            } => {
                self.current_term = *current_term;
                self.voted_for = *voted_for;
            }
            Persist::Truncate { from } => {
                let first = self.last_included().0.next();
                assert!(*from >= first, "compacted entries are never truncated");
                self.log.truncate((from.0 - first.0) as usize);
            }
            Persist::Append { entries } => {
                let first = self.last_included().0.next();
                for e in entries {
                    assert_eq!(
                        e.index.0,
                        first.0 + self.log.len() as u64,
                        "durable log has a gap"
                    );
                    self.log.push(*e);
                }
            }
            Persist::Snapshot(snapshot) => self.write_snapshot(snapshot),
        }
    }
}

impl DurableState {
    /// Figure 13 steps 6 and 7, on the disk: keep the entries after the snapshot's last
    /// included entry when the log holds it, discard the whole log otherwise.
    fn write_snapshot(&mut self, snapshot: &Snapshot) {
        let (old, _) = self.last_included();
        let index = snapshot.last_included_index;
        // Only `install-snapshot-older-than-commit` goes back to an older snapshot.
        if index >= old && self.term_at(index) == Some(snapshot.last_included_term) {
            self.log.drain(..(index.0 - old.0) as usize);
        } else {
            self.log.clear();
        }
        self.snapshot = Some(snapshot.clone());
    }
}
