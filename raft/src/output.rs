//! What a node asks its host to do, as ordered data, and the durable state it restarts from.

use crate::message::Message;
use crate::types::{Entry, LogIndex, NodeId, Term};
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
}

/// Why a proposal was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Rejection {
    /// Only the leader accepts proposals; `leader` is the node's best guess of who leads.
    NotLeader { leader: Option<NodeId> },
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

/// What a node finds on its disk when it restarts: exactly what its `Persist` outputs wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DurableState {
    pub current_term: Term,
    pub voted_for: Option<NodeId>,
    pub log: Vec<Entry>,
}

impl DurableState {
    /// What this disk holds, as a host reports it to [`crate::Node::persisted`] after writes
    /// finish (the host fills in `writes`, which a disk does not count).
    pub fn synced(&self) -> Synced {
        let (last_index, last_term) = self
            .log
            .last()
            .map_or((LogIndex(0), Term(0)), |e| (e.index, e.term));
        Synced {
            current_term: self.current_term,
            last_index,
            last_term,
            writes: 0,
        }
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
            Persist::Truncate { from } => self.log.truncate(from.0.saturating_sub(1) as usize),
            Persist::Append { entries } => {
                for e in entries {
                    assert_eq!(
                        e.index.0,
                        self.log.len() as u64 + 1,
                        "durable log has a gap"
                    );
                    self.log.push(*e);
                }
            }
        }
    }
}
