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
    /// Thesis §4.1: a configuration entry, holding the whole new configuration. A server uses
    /// the latest configuration in its log, committed or not, from the moment it appends it.
    Config(ConfigEntry),
}

/// A log entry (Figure 2: "each entry contains command for state machine, and term when entry
/// was received by leader").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Entry {
    pub index: LogIndex,
    pub term: Term,
    pub command: Command,
}

/// A cluster configuration (thesis §4): the servers whose votes count, the learners that
/// receive the log without voting (thesis §4.2.1), and, while the configuration is joint
/// (§4.3, C_old,new), the voters of the configuration it leaves. Every election and every
/// commit needs a majority of `voters` and, when joint, a majority of `outgoing` too.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Membership {
    pub voters: NodeSet,
    #[serde(default, skip_serializing_if = "NodeSet::is_empty")]
    pub learners: NodeSet,
    /// C_old of a joint configuration; empty when the configuration is not joint.
    #[serde(default, skip_serializing_if = "NodeSet::is_empty")]
    pub outgoing: NodeSet,
}

impl Membership {
    /// A configuration of voters only.
    pub fn of_voters(voters: NodeSet) -> Membership {
        Membership {
            voters,
            ..Membership::default()
        }
    }
    /// Joint consensus (§4.3): both majorities are needed until the leader leaves it.
    pub fn is_joint(&self) -> bool {
        !self.outgoing.is_empty()
    }
    /// Whether `id`'s vote counts (in either half of a joint configuration).
    pub fn is_voter(&self, id: NodeId) -> bool {
        self.voters.contains(id) || self.outgoing.contains(id)
    }
    /// Every server the leader replicates to: voters, learners and outgoing voters.
    pub fn members(&self) -> NodeSet {
        self.voters.union(self.learners).union(self.outgoing)
    }
    /// Whether `granted` holds a majority of the voters (of both halves when joint).
    pub fn has_quorum(&self, granted: NodeSet) -> bool {
        let majority = |set: NodeSet| set.intersection(granted).len() > set.len() / 2;
        majority(self.voters) && (!self.is_joint() || majority(self.outgoing))
    }
    /// The largest value that a majority of the voters (of both halves when joint) have
    /// reached, each voter's value read by `value_of`: the commit rule's "a majority of
    /// matchIndex[i] ≥ N" (Figure 2) as §4.3 extends it to joint configurations.
    pub fn quorum_value(&self, value_of: impl Fn(NodeId) -> u64) -> u64 {
        let of = |set: NodeSet| {
            let mut values = [0u64; MAX_NODES + 1];
            let mut n = 0;
            for id in set.iter() {
                values[n] = value_of(id);
                n += 1;
            }
            if n == 0 {
                return 0;
            }
            let values = &mut values[..n];
            values.sort_unstable_by(|a, b| b.cmp(a));
            values[n / 2]
        };
        let v = of(self.voters);
        if self.is_joint() {
            v.min(of(self.outgoing))
        } else {
            v
        }
    }
}

/// Prints as `n1 n2 n3`, with `+ learners n5` and, when joint, `(joint with n1 n2 n4)`.
impl fmt::Display for Membership {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.voters)?;
        if !self.learners.is_empty() {
            write!(f, " + learners {}", self.learners)?;
        }
        if self.is_joint() {
            write!(f, " (joint with {})", self.outgoing)?;
        }
        Ok(())
    }
}

/// The largest id a configuration entry can name: an entry packs a [`Membership`]'s three
/// sets into one word, so that an entry stays as small as a client command's.
pub const MAX_CONFIG_ID: u8 = 21;

/// A [`Membership`] packed into a word, as a configuration entry carries it: voters, learners
/// and outgoing voters of ids 1..=21, 21 bits each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ConfigEntry(u64);

impl ConfigEntry {
    /// `None` when some id is 0 or above [`MAX_CONFIG_ID`]: ids start at 1, and bit `i` of
    /// a set stands for id `i + 1`, so an id 0 would vanish from the entry (a set of voters
    /// {n0} packs to no voter at all, a configuration that can never commit again).
    pub fn pack(m: &Membership) -> Option<ConfigEntry> {
        let bits = |set: NodeSet| -> Option<u64> {
            (set.0 & 1 == 0 && set.0 >> (MAX_CONFIG_ID + 1) == 0).then_some(set.0 >> 1)
        };
        let w = MAX_CONFIG_ID as u32;
        Some(ConfigEntry(
            bits(m.voters)? | bits(m.learners)? << w | bits(m.outgoing)? << (2 * w),
        ))
    }
    /// The packed word (for hashes and fingerprints).
    pub fn bits(self) -> u64 {
        self.0
    }
    pub fn unpack(self) -> Membership {
        let w = MAX_CONFIG_ID as u32;
        let mask = (1u64 << w) - 1;
        let set = |shift: u32| NodeSet(((self.0 >> shift) & mask) << 1);
        Membership {
            voters: set(0),
            learners: set(w),
            outgoing: set(2 * w),
        }
    }
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
    /// The bitmask (bit i: node i).
    pub fn bits(self) -> u64 {
        self.0
    }
    pub fn union(self, other: NodeSet) -> NodeSet {
        NodeSet(self.0 | other.0)
    }
    pub fn intersection(self, other: NodeSet) -> NodeSet {
        NodeSet(self.0 & other.0)
    }
    pub fn difference(self, other: NodeSet) -> NodeSet {
        NodeSet(self.0 & !other.0)
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
            Command::Config(c) => write!(f, "config {}", c.unpack()),
        }
    }
}

/// Prints as `n1 n2 n3` (`none` when empty).
impl fmt::Display for NodeSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("none");
        }
        for (i, id) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{id}")?;
        }
        Ok(())
    }
}

/// Entries print as the paper's cells, `index:term`.
impl fmt::Display for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.index, self.term)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(ids: &[u8]) -> NodeSet {
        ids.iter().map(|i| NodeId(*i)).collect()
    }

    /// An entry stays two words whatever it carries: a configuration entry costs a log no more
    /// than a client command does.
    #[test]
    fn a_configuration_entry_is_as_small_as_a_command() {
        assert_eq!(std::mem::size_of::<Command>(), 16);
        assert_eq!(std::mem::size_of::<Entry>(), 32);
    }

    #[test]
    fn packing_keeps_every_set_and_refuses_large_ids() {
        let m = Membership {
            voters: set(&[1, 2, 21]),
            learners: set(&[5]),
            outgoing: set(&[1, 3, 20]),
        };
        assert_eq!(ConfigEntry::pack(&m).unwrap().unpack(), m);
        assert_eq!(ConfigEntry::pack(&Membership::of_voters(set(&[22]))), None);
        assert_eq!(
            ConfigEntry::pack(&Membership::of_voters(set(&[0, 1]))),
            None
        );
    }

    /// §4.3: a joint configuration needs a majority of each half.
    #[test]
    fn joint_quorums_need_both_majorities() {
        let m = Membership {
            voters: set(&[1, 2, 4]),
            learners: set(&[]),
            outgoing: set(&[1, 2, 3]),
        };
        assert!(m.has_quorum(set(&[1, 2])));
        assert!(!m.has_quorum(set(&[1, 4])), "a majority of C_new only");
        assert!(!m.has_quorum(set(&[1, 3])), "a majority of C_old only");
        let single = Membership::of_voters(set(&[1, 2, 3, 4]));
        assert!(
            !single.has_quorum(set(&[1, 2])),
            "two of four is no majority"
        );
        assert!(
            single.has_quorum(set(&[1, 2, 5, 3])),
            "a non-voter adds nothing"
        );
        let matched = [0u64, 9, 7, 5, 3];
        assert_eq!(m.quorum_value(|id| matched[id.0 as usize]), 7);
        assert_eq!(single.quorum_value(|id| matched[id.0 as usize]), 5);
    }
}
