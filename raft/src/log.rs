//! The replicated log (Figure 2: `log[]`) with a first index: entries before it were compacted
//! into a snapshot (§7), which stands in for them by its last included index and term.

use crate::types::{Command, Entry, LogIndex, Membership, Term};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RaftLog {
    /// §7: "the index of the last entry in the log that the snapshot replaces"; 0 when nothing
    /// was compacted. Every index at or below it is committed and applied (a node compacts only
    /// what it applied, and installs only a leader's committed snapshot).
    /// Invariant: last_included_index only grows (but under `install-snapshot-older-than-commit`).
    last_included_index: LogIndex,
    /// §7: "the term of this entry" (0 when nothing was compacted).
    last_included_term: Term,
    /// Thesis §5.4.1 (compaction with membership changes): the configuration as of the last
    /// included index, which the snapshot stands in for; `None` when no configuration entry
    /// was compacted (the cluster's boot configuration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    included_membership: Option<Membership>,
    // Invariant: entries[i].index == last_included_index + i + 1, and terms never decrease
    // along the log, starting from last_included_term.
    entries: Vec<Entry>,
    /// The indexes of the configuration entries the log holds, in order (thesis §4.1: the
    /// latest one is the configuration in force). A cache of `entries`, rebuilt when read back.
    #[serde(skip)]
    config_indexes: Vec<LogIndex>,
}

impl RaftLog {
    pub fn new() -> RaftLog {
        RaftLog::default()
    }

    /// Rebuilds a log from durable entries, checking the invariant.
    pub fn from_entries(entries: Vec<Entry>) -> RaftLog {
        RaftLog::from_snapshot(LogIndex(0), Term(0), entries)
    }

    /// Rebuilds a log that follows a snapshot ending at `(index, term)`.
    pub fn from_snapshot(index: LogIndex, term: Term, entries: Vec<Entry>) -> RaftLog {
        for (i, e) in entries.iter().enumerate() {
            assert_eq!(
                e.index,
                LogIndex(index.0 + i as u64 + 1),
                "log entries must be contiguous from the snapshot's last included index + 1"
            );
        }
        let config_indexes = entries
            .iter()
            .filter(|e| matches!(e.command, Command::Config(_)))
            .map(|e| e.index)
            .collect();
        RaftLog {
            last_included_index: index,
            last_included_term: term,
            included_membership: None,
            entries,
            config_indexes,
        }
    }

    /// The same log, following a snapshot whose configuration is `membership` (`None`: the
    /// boot configuration).
    pub fn with_included_membership(mut self, membership: Option<Membership>) -> RaftLog {
        self.included_membership = membership;
        self
    }

    /// Thesis §4.1: the configuration in force for this log, the latest configuration entry
    /// it holds (committed or not), else the snapshot's; `None` when neither has one (the
    /// cluster's boot configuration is in force). With the index it took effect at (the
    /// snapshot's last included index for the snapshot's, 0 for the boot configuration).
    pub fn membership(&self) -> (LogIndex, Option<Membership>) {
        self.membership_at(self.last_index())
    }

    /// Whether the log, or its snapshot, holds a configuration (otherwise the boot one is in
    /// force, whatever the index).
    pub fn has_configuration(&self) -> bool {
        !self.config_indexes.is_empty() || self.included_membership.is_some()
    }

    /// The configuration in force for the prefix up to `index`, then every later configuration
    /// entry of the log, in order: the configurations a server may be in between applying
    /// `index` and appending its last entry (thesis §4.1 uses the latest; etcd and raft-rs
    /// switch when they apply an entry).
    pub fn memberships_since(&self, index: LogIndex) -> Vec<Option<Membership>> {
        let mut all = vec![self.membership_at(index).1];
        let later = self.config_indexes.partition_point(|i| *i <= index);
        all.extend(self.config_indexes[later..].iter().map(
            |i| match self.get(*i).map(|e| e.command) {
                Some(Command::Config(c)) => Some(c.unpack()),
                _ => unreachable!("config_indexes names configuration entries"),
            },
        ));
        all
    }

    /// The configuration in force for the log's prefix up to `index`.
    pub fn membership_at(&self, index: LogIndex) -> (LogIndex, Option<Membership>) {
        let n = self.config_indexes.partition_point(|i| *i <= index);
        match n.checked_sub(1).map(|k| self.config_indexes[k]) {
            Some(at) => match self.get(at).map(|e| e.command) {
                Some(Command::Config(c)) => (at, Some(c.unpack())),
                _ => unreachable!("config_indexes names configuration entries"),
            },
            None if self.included_membership.is_some() => {
                (self.last_included_index, self.included_membership)
            }
            None => (LogIndex(0), None),
        }
    }

    /// The index of the first entry the log still holds (1 when nothing was compacted).
    pub fn first_index(&self) -> LogIndex {
        self.last_included_index.next()
    }

    /// `(lastIncludedIndex, lastIncludedTerm)` of the snapshot the log follows ((0, 0): none).
    pub fn last_included(&self) -> (LogIndex, Term) {
        (self.last_included_index, self.last_included_term)
    }

    pub fn last_index(&self) -> LogIndex {
        LogIndex(self.last_included_index.0 + self.entries.len() as u64)
    }

    pub fn last_term(&self) -> Term {
        self.entries
            .last()
            .map_or(self.last_included_term, |e| e.term)
    }

    /// The term of the entry at `index`; index 0 ("before the log") has term 0, and the
    /// snapshot's last included index its last included term. `None` beyond the log and for a
    /// compacted index below the last included one (its term is gone with the entry).
    pub fn term_at(&self, index: LogIndex) -> Option<Term> {
        if index == self.last_included_index {
            return Some(self.last_included_term);
        }
        self.get(index).map(|e| e.term)
    }

    /// The entry at `index`, if the log still holds it (not compacted, not beyond the end).
    pub fn get(&self, index: LogIndex) -> Option<&Entry> {
        if index <= self.last_included_index {
            return None;
        }
        self.entries
            .get((index.0 - self.last_included_index.0) as usize - 1)
    }

    /// Whether the log holds an entry at `index` with `term` (index 0 always matches, and so
    /// does the snapshot's last included entry).
    pub fn matches(&self, index: LogIndex, term: Term) -> bool {
        self.term_at(index) == Some(term)
    }

    /// Entries from `from` on, at most `max` of them (none below the first index).
    pub fn entries_from(&self, from: LogIndex, max: usize) -> &[Entry] {
        let start = (from.0.max(self.first_index().0) - self.first_index().0) as usize;
        if start >= self.entries.len() {
            return &[];
        }
        let end = (start + max).min(self.entries.len());
        &self.entries[start..end]
    }

    /// The entries the log holds, from its first index.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Entries held (not counting compacted ones).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Appends one entry at `last_index + 1`.
    pub fn append(&mut self, entry: Entry) {
        assert_eq!(
            entry.index,
            self.last_index().next(),
            "append must extend the log by one"
        );
        assert!(
            entry.term >= self.last_term(),
            "terms never decrease along the log"
        );
        if matches!(entry.command, Command::Config(_)) {
            self.config_indexes.push(entry.index);
        }
        self.entries.push(entry);
    }

    /// Deletes the entry at `from` and all that follow it. Compacted entries are committed
    /// and are never deleted.
    pub fn truncate_from(&mut self, from: LogIndex) {
        assert!(
            from > self.last_included_index,
            "compacted entries are never truncated"
        );
        self.entries
            .truncate((from.0 - self.last_included_index.0) as usize - 1);
        let keep = self.config_indexes.partition_point(|i| *i < from);
        self.config_indexes.truncate(keep);
    }

    /// §7: the log now follows a snapshot ending at `(index, term)`. "If existing log entry has
    /// same index and term as snapshot's last included entry, retain log entries following it";
    /// otherwise "discard the entire log" (Figure 13 steps 6 and 7). Compacting one's own log is
    /// the first case. Only `install-snapshot-older-than-commit` goes back to an older snapshot
    /// (whose entry is compacted, so the whole log goes).
    pub fn compact_to(&mut self, index: LogIndex, term: Term) {
        let own = self.membership_at(index).1;
        self.install(index, term, own);
    }

    /// [`RaftLog::compact_to`] for a leader's snapshot, whose configuration is `membership`
    /// (`None`: the boot configuration).
    pub fn install(&mut self, index: LogIndex, term: Term, membership: Option<Membership>) {
        self.included_membership = membership;
        if index >= self.last_included_index && self.matches(index, term) {
            let drop = (index.0 - self.last_included_index.0) as usize;
            self.entries.drain(..drop);
        } else {
            self.entries.clear();
        }
        self.last_included_index = index;
        self.last_included_term = term;
        let gone = self.config_indexes.partition_point(|i| *i <= index);
        self.config_indexes.drain(..gone);
        if self.entries.is_empty() {
            self.config_indexes.clear();
        }
    }

    /// Raft §5.4.1: "If the logs have last entries with different terms, then the log with the
    /// later term is more up-to-date. If the logs end with the same term, then whichever log is
    /// longer is more up-to-date."
    pub fn is_up_to_date(&self, last_log_term: Term, last_log_index: LogIndex) -> bool {
        (last_log_term, last_log_index) >= (self.last_term(), self.last_index())
    }

    /// Terms by index from index 1, the way the paper's figures draw a log: `[1, 1, 4]`. A
    /// compacted index reads as 0, its term gone with the entry (the snapshot's last included
    /// index reads as its term): the positions still line up with indexes, and a checker
    /// comparing terms must treat a 0 below [`RaftLog::first_index`] as "committed, compacted",
    /// never as a different entry. Without compaction it is every entry's term.
    pub fn terms(&self) -> Vec<u64> {
        let compacted = self.last_included_index.0 as usize;
        let mut terms = vec![0; compacted];
        if let Some(last) = terms.last_mut() {
            *last = self.last_included_term.0;
        }
        terms.extend(self.entries.iter().map(|e| e.term.0));
        terms
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Command;

    fn log_of(terms: &[u64]) -> RaftLog {
        RaftLog::from_entries(
            terms
                .iter()
                .enumerate()
                .map(|(i, t)| Entry {
                    index: LogIndex(i as u64 + 1),
                    term: Term(*t),
                    command: Command::Noop,
                })
                .collect(),
        )
    }

    #[test]
    fn index_zero_matches_term_zero() {
        let log = RaftLog::new();
        assert!(log.matches(LogIndex(0), Term(0)));
        assert!(!log.matches(LogIndex(1), Term(0)));
        assert_eq!(log.last_index(), LogIndex(0));
        assert_eq!(log.last_term(), Term(0));
    }

    /// Raft §5.4.1: the later last term wins; with equal last terms, the longer log wins.
    #[test]
    fn up_to_date_compares_last_term_then_length() {
        let log = log_of(&[1, 1, 2]);
        assert!(log.is_up_to_date(Term(3), LogIndex(1)));
        assert!(log.is_up_to_date(Term(2), LogIndex(3)));
        assert!(!log.is_up_to_date(Term(2), LogIndex(2)));
        assert!(!log.is_up_to_date(Term(1), LogIndex(10)));
    }

    #[test]
    fn truncate_and_slices() {
        let mut log = log_of(&[1, 1, 2, 3]);
        assert_eq!(log.entries_from(LogIndex(3), 10).len(), 2);
        assert_eq!(log.entries_from(LogIndex(2), 1).len(), 1);
        assert!(log.entries_from(LogIndex(5), 10).is_empty());
        log.truncate_from(LogIndex(3));
        assert_eq!(log.terms(), vec![1, 1]);
    }

    #[test]
    #[should_panic(expected = "terms never decrease")]
    fn appending_an_older_term_is_a_bug() {
        let mut log = log_of(&[2]);
        log.append(Entry {
            index: LogIndex(2),
            term: Term(1),
            command: Command::Noop,
        });
    }

    /// Raft §7: after compaction the log keeps its terms from the first index on, and the
    /// snapshot's last included entry still matches (AppendEntries' consistency check at the
    /// first entry after the snapshot needs it).
    #[test]
    fn compaction_keeps_terms_from_the_first_index() {
        let mut log = log_of(&[1, 1, 2, 3, 3]);
        log.compact_to(LogIndex(3), Term(2));
        assert_eq!(log.first_index(), LogIndex(4));
        assert_eq!(log.last_included(), (LogIndex(3), Term(2)));
        assert_eq!((log.last_index(), log.last_term()), (LogIndex(5), Term(3)));
        assert!(log.matches(LogIndex(3), Term(2)));
        assert_eq!(log.term_at(LogIndex(2)), None, "compacted");
        assert_eq!(log.get(LogIndex(4)).map(|e| e.term), Some(Term(3)));
        assert_eq!(log.entries_from(LogIndex(1), 10).len(), 2);
        assert_eq!(log.terms(), vec![0, 0, 2, 3, 3]);
        log.truncate_from(LogIndex(5));
        assert_eq!(log.last_index(), LogIndex(4));
        log.compact_to(LogIndex(9), Term(4));
        assert!(log.is_empty());
        assert_eq!((log.last_index(), log.last_term()), (LogIndex(9), Term(4)));
    }
}
