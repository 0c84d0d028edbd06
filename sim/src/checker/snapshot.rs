//! The checkers and log compaction (§7). A node's log may start after a snapshot; every index
//! the snapshot covers was committed before the node compacted or installed it (a node
//! compacts only what it applied, a leader sends only its own snapshot), so an index below a
//! log's first index is held when the snapshot's last included entry is the committed one
//! there (Log Matching), never a deletion. What the snapshot rules could get wrong is checked
//! where a snapshot appears:
//! - **State Machine Safety**: a snapshot a node writes (taken or installed) ends at an entry
//!   of the committed log: a snapshot past it, or at another entry, holds state no correct
//!   state machine applied (`compact-past-applied`).

use super::{at, Checkers, Property};
use raft::{Command, LogIndex, NodeId, RaftLog, Snapshot, Term};

impl Checkers {
    /// Whether `log` holds the entry `(index, term)`, a compacted one by its snapshot.
    pub(super) fn holds(&self, log: &RaftLog, index: LogIndex, term: Term) -> bool {
        let (included, included_term) = log.last_included();
        if index >= included {
            return log.term_at(index) == Some(term);
        }
        at(&self.committed, index).is_some_and(|c| c.term == term)
            && at(&self.committed, included).is_some_and(|c| c.term == included_term)
    }

    /// A node wrote a snapshot (`Persist::Snapshot`); `log` is its log after the step.
    pub(super) fn on_snapshot(&mut self, id: NodeId, snapshot: &Snapshot, log: &RaftLog) {
        let (index, term) = (snapshot.last_included_index, snapshot.last_included_term);
        let known = self.committed.len();
        match at(&self.committed, index) {
            Some(c) if c.term == term => {}
            Some(c) => {
                let detail = format!(
                    "{id}'s snapshot ends at {index}:{term}, but {index}:{} is committed there",
                    c.term
                );
                self.report(Property::StateMachineSafety, Some(id), detail);
            }
            None => {
                let detail = format!(
                    "{id}'s snapshot ends at {index}:{term}, past the committed log (up to {known})"
                );
                self.report(Property::StateMachineSafety, Some(id), detail);
            }
        }
        self.rebuild_shadow(id, log);
    }

    /// Each node's shadow reads by index from 1: the compacted prefix is the committed log
    /// (what the snapshot stands for; past it, only under a bug, the old shadow or the
    /// snapshot's term), then the entries the log holds.
    pub(super) fn rebuild_shadow(&mut self, id: NodeId, log: &RaftLog) {
        let (included, included_term) = log.last_included();
        let old = self.shadow.get(&id).cloned().unwrap_or_default();
        let prefix = (0..included.0 as usize).map(|i| match self.committed.get(i) {
            Some(c) => (c.term, c.command),
            None => old
                .get(i)
                .copied()
                .unwrap_or((included_term, Command::Noop)),
        });
        let mut shadow: Vec<(Term, Command)> = prefix.collect();
        shadow.extend(log.entries().iter().map(|e| (e.term, e.command)));
        self.shadow.insert(id, shadow);
    }
}
