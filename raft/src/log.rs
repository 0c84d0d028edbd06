//! The replicated log (Figure 2: `log[]`), behind a type of its own so that compaction and
//! snapshots can later move its first index without touching the rules that use it.

use crate::types::{Entry, LogIndex, Term};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RaftLog {
    // Invariant: entries[i].index == i + 1, and terms never decrease along the log.
    entries: Vec<Entry>,
}

impl RaftLog {
    pub fn new() -> RaftLog {
        RaftLog::default()
    }

    /// Rebuilds a log from durable entries, checking the invariant.
    pub fn from_entries(entries: Vec<Entry>) -> RaftLog {
        for (i, e) in entries.iter().enumerate() {
            assert_eq!(
                e.index,
                LogIndex(i as u64 + 1),
                "log entries must be contiguous from 1"
            );
        }
        RaftLog { entries }
    }

    pub fn last_index(&self) -> LogIndex {
        LogIndex(self.entries.len() as u64)
    }

    pub fn last_term(&self) -> Term {
        self.entries.last().map_or(Term(0), |e| e.term)
    }

    /// The term of the entry at `index`; index 0 ("before the log") has term 0.
    pub fn term_at(&self, index: LogIndex) -> Option<Term> {
        if index.0 == 0 {
            return Some(Term(0));
        }
        self.get(index).map(|e| e.term)
    }

    pub fn get(&self, index: LogIndex) -> Option<&Entry> {
        if index.0 == 0 {
            return None;
        }
        self.entries.get(index.0 as usize - 1)
    }

    /// Whether the log holds an entry at `index` with `term` (index 0 always matches).
    pub fn matches(&self, index: LogIndex, term: Term) -> bool {
        self.term_at(index) == Some(term)
    }

    /// Entries from `from` on, at most `max` of them.
    pub fn entries_from(&self, from: LogIndex, max: usize) -> &[Entry] {
        let start = (from.0.max(1) - 1) as usize;
        if start >= self.entries.len() {
            return &[];
        }
        let end = (start + max).min(self.entries.len());
        &self.entries[start..end]
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

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
        self.entries.push(entry);
    }

    /// Deletes the entry at `from` and all that follow it.
    pub fn truncate_from(&mut self, from: LogIndex) {
        assert!(from.0 >= 1, "index 0 is never truncated");
        self.entries.truncate(from.0 as usize - 1);
    }

    /// Raft §5.4.1: "If the logs have last entries with different terms, then the log with the
    /// later term is more up-to-date. If the logs end with the same term, then whichever log is
    /// longer is more up-to-date."
    pub fn is_up_to_date(&self, last_log_term: Term, last_log_index: LogIndex) -> bool {
        (last_log_term, last_log_index) >= (self.last_term(), self.last_index())
    }

    /// Terms by index, the way the paper's figures draw a log: `[1, 1, 4]`.
    pub fn terms(&self) -> Vec<u64> {
        self.entries.iter().map(|e| e.term.0).collect()
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
}
