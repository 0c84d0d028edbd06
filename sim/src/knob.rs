//! Bug knobs, kept where their rule lives. A rule of raftsim's node is a [`raft::BugKnob`], set
//! in `raft::Config` (hosted implementations have none). A rule of the host around the node, the
//! simulator's KV service that answers clients, is a [`HostKnob`], set in `SimConfig`: it
//! applies to every implementation. Users name either kind the same way (`--bug NAME`, and in a
//! scenario `[raft] bugs` or `[sim] bugs`); a [`Knob`] is such a name, [`Bugs`] the set a run
//! has.

use raft::{BugKnob, KnobDoc, Knobs};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A rule of the host (the KV service), switched off.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HostKnob {
    /// The service acknowledges a write as soon as the leader has appended it
    /// (`Output::ProposalAccepted`) instead of once it is applied. The node does nothing
    /// different.
    AckUncommittedWrite,
    /// After an fsync fails, the host carries on as if the write were durable (the pages are
    /// marked clean; the disk never gets them) instead of stopping the process.
    FsyncFailureIgnored,
    /// The WAL reader takes every record as it finds it, without checking checksums or
    /// sequence numbers: a torn or corrupted record is read as garbage.
    NoWalChecksums,
}

impl HostKnob {
    pub const ALL: [HostKnob; 3] = [
        HostKnob::AckUncommittedWrite,
        HostKnob::FsyncFailureIgnored,
        HostKnob::NoWalChecksums,
    ];

    pub fn name(self) -> &'static str {
        match self {
            HostKnob::AckUncommittedWrite => "ack-uncommitted-write",
            HostKnob::FsyncFailureIgnored => "fsync-failure-ignored",
            HostKnob::NoWalChecksums => "no-wal-checksums",
        }
    }

    pub fn doc(self) -> KnobDoc {
        match self {
            HostKnob::AckUncommittedWrite => KnobDoc {
                rule: "a leader answers a client only once the client's entry is committed and applied",
                section: "§8, thesis §6.3",
                breaks: "Committed-entry durability / Linearizability",
                why: "An entry appended by a leader can still be lost with that leader; a client told it succeeded would see it vanish.",
            },
            HostKnob::FsyncFailureIgnored => KnobDoc {
                rule: "a write is durable only when its fsync succeeds; after a failed fsync the process stops and reads the disk again",
                section: "Figure 2 (\"updated on stable storage before responding to RPCs\"); Rebello et al., ATC 2020",
                breaks: "Election Safety / Leader Completeness / State Machine Safety",
                why: "After a failed fsync Linux marks the pages clean: the vote or entry is in memory, never on disk. A node that answers from it has promised what a power loss takes back, and votes twice in one term.",
            },
            HostKnob::NoWalChecksums => KnobDoc {
                rule: "every WAL record carries a checksum and a sequence number, and a reader checks them",
                section: "etcd's wal package; Alagappan et al., FAST 2018",
                breaks: "State Machine Safety / Leader Completeness / Log Matching / Linearizability",
                why: "A crash mid-write leaves a torn last record. A reader that does not check it takes the garbage for an entry, and a leader may then replicate a command that no client wrote.",
            },
        }
    }
}

impl fmt::Display for HostKnob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of host knobs (a bitmask over [`HostKnob::ALL`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HostKnobs(u8);

impl HostKnobs {
    pub fn insert(&mut self, knob: HostKnob) {
        self.0 |= 1 << knob as u8;
    }
    pub fn contains(&self, knob: HostKnob) -> bool {
        self.0 & (1 << knob as u8) != 0
    }
    pub fn is_empty(&self) -> bool {
        self.0 == 0
    }
    pub fn iter(&self) -> impl Iterator<Item = HostKnob> + '_ {
        HostKnob::ALL.into_iter().filter(|k| self.contains(*k))
    }
}

/// Any bug knob, by the name users type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Knob {
    /// A rule of raftsim's node.
    Raft(BugKnob),
    /// A rule of the host.
    Host(HostKnob),
}

impl Knob {
    /// Every knob: the node's, then the host's.
    pub fn all() -> impl Iterator<Item = Knob> {
        BugKnob::ALL
            .into_iter()
            .map(Knob::Raft)
            .chain(HostKnob::ALL.into_iter().map(Knob::Host))
    }

    /// The kebab-case name users type (`--bug commit-old-term-by-count`).
    pub fn name(self) -> &'static str {
        match self {
            Knob::Raft(k) => k.name(),
            Knob::Host(k) => k.name(),
        }
    }

    pub fn from_name(name: &str) -> Option<Knob> {
        Knob::all().find(|k| k.name() == name)
    }

    /// The rule it switches off, where the paper states it, and what breaks.
    pub fn doc(self) -> KnobDoc {
        match self {
            Knob::Raft(k) => k.doc(),
            Knob::Host(k) => k.doc(),
        }
    }

    /// Where the rule lives, as `raftsim bugs` says it.
    pub fn place(self) -> &'static str {
        match self {
            Knob::Raft(_) => "raftsim's node",
            Knob::Host(_) => "the host (the simulator's KV service and disk; every implementation)",
        }
    }
}

impl From<BugKnob> for Knob {
    fn from(k: BugKnob) -> Knob {
        Knob::Raft(k)
    }
}

impl From<HostKnob> for Knob {
    fn from(k: HostKnob) -> Knob {
        Knob::Host(k)
    }
}

impl fmt::Display for Knob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The knobs of one run: the node's and the host's.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Bugs {
    pub raft: Knobs,
    pub host: HostKnobs,
}

impl Bugs {
    pub fn none() -> Bugs {
        Bugs::default()
    }

    pub fn with(mut self, knob: impl Into<Knob>) -> Bugs {
        self.insert(knob.into());
        self
    }

    pub fn insert(&mut self, knob: Knob) {
        match knob {
            Knob::Raft(k) => self.raft.insert(k),
            Knob::Host(k) => self.host.insert(k),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.raft.is_empty() && self.host.is_empty()
    }

    /// The node's knobs, then the host's.
    pub fn iter(&self) -> impl Iterator<Item = Knob> + '_ {
        self.raft
            .iter()
            .map(Knob::Raft)
            .chain(self.host.iter().map(Knob::Host))
    }
}

impl FromIterator<Knob> for Bugs {
    fn from_iter<I: IntoIterator<Item = Knob>>(iter: I) -> Bugs {
        let mut bugs = Bugs::none();
        for k in iter {
            bugs.insert(k);
        }
        bugs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_parse_back() {
        let all: Vec<Knob> = Knob::all().collect();
        assert_eq!(all.len(), BugKnob::ALL.len() + HostKnob::ALL.len());
        for k in &all {
            assert_eq!(Knob::from_name(k.name()), Some(*k));
        }
        let mut names: Vec<&str> = all.iter().map(|k| k.name()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), all.len(), "no name is shared");
        assert_eq!(Knob::from_name("ack-uncommitted-writ"), None);
    }

    #[test]
    fn a_set_keeps_each_kind_in_its_place() {
        let bugs = Bugs::none()
            .with(HostKnob::AckUncommittedWrite)
            .with(BugKnob::VolatileVote);
        assert!(bugs.raft.contains(BugKnob::VolatileVote));
        assert!(bugs.host.contains(HostKnob::AckUncommittedWrite));
        assert_eq!(
            bugs.iter().collect::<Vec<_>>(),
            vec![
                Knob::Raft(BugKnob::VolatileVote),
                Knob::Host(HostKnob::AckUncommittedWrite)
            ]
        );
        assert!(Bugs::none().is_empty() && !bugs.is_empty());
    }
}
