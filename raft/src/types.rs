//! Newtypes for the paper's vocabulary: servers, terms, log indexes and entries.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A server's id. Ids start at 1 (`n1`), as the paper's S1..S5 do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NodeId(pub u8);

/// The largest cluster a [`NodeSet`] can hold.
pub const MAX_NODES: usize = 63;

/// A Raft term (paper §5.1): a logical clock that only grows.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Term(pub u64);

/// A position in the log. The first entry has index 1; index 0 is "before the log".
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct LogIndex(pub u64);

impl LogIndex {
    pub fn next(self) -> LogIndex {
        LogIndex(self.0 + 1)
    }
    pub fn prev(self) -> LogIndex {
        LogIndex(self.0.saturating_sub(1))
    }
}

/// What an entry asks the state machine to do. Raft never looks inside `Client`:
/// the payload is an opaque id that the simulator maps back to a client operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Command {
    /// The empty entry every new leader appends in its own term (paper §8, thesis §6.4).
    Noop,
    /// A client command, identified by an opaque payload.
    Client(u64),
}

/// A log entry (Figure 2: "each entry contains command for state machine, and term when entry
/// was received by leader").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Entry {
    pub index: LogIndex,
    pub term: Term,
    pub command: Command,
}

/// A set of node ids as a bitmask: ordered, allocation-free, deterministic to iterate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NodeSet(u64);

impl NodeSet {
    pub fn new() -> NodeSet {
        NodeSet(0)
    }
    pub fn insert(&mut self, id: NodeId) {
        assert!(
            (id.0 as usize) <= MAX_NODES,
            "node id {} out of range",
            id.0
        );
        self.0 |= 1 << id.0;
    }
    pub fn remove(&mut self, id: NodeId) {
        self.0 &= !(1 << id.0);
    }
    pub fn contains(&self, id: NodeId) -> bool {
        (id.0 as usize) <= MAX_NODES && self.0 & (1 << id.0) != 0
    }
    pub fn len(&self) -> usize {
        self.0.count_ones() as usize
    }
    pub fn is_empty(&self) -> bool {
        self.0 == 0
    }
    /// Ids in increasing order.
    pub fn iter(&self) -> impl Iterator<Item = NodeId> + '_ {
        (1..=MAX_NODES as u8)
            .filter(move |i| self.0 & (1 << i) != 0)
            .map(NodeId)
    }
}

impl FromIterator<NodeId> for NodeSet {
    fn from_iter<I: IntoIterator<Item = NodeId>>(iter: I) -> Self {
        let mut set = NodeSet::new();
        for id in iter {
            set.insert(id);
        }
        set
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "n{}", self.0)
    }
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl fmt::Display for LogIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Command::Noop => write!(f, "noop"),
            Command::Client(p) => write!(f, "c{p}"),
        }
    }
}

/// Entries print as the paper's cells, `index:term`.
impl fmt::Display for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.index, self.term)
    }
}
