//! Reading a WAL back, as a restart does.

use super::{garbled, Health, Payload, Wal};
use raft::{DurableState, LogIndex, Persist};
use std::fmt;

/// What a reader found wrong with a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Damage {
    /// Its checksum fails.
    Corrupt,
    /// The sequence jumps past it: a write that never reached the disk.
    Missing,
    /// Another record's bytes are where it should be.
    Misplaced,
}

impl fmt::Display for Damage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Damage::Corrupt => "fails its checksum",
            Damage::Missing => "is missing (a lost write)",
            Damage::Misplaced => "holds another record (a misdirected write)",
        })
    }
}

/// What a reader made of a WAL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Read {
    /// The hard state of the newest intact hard-state record, the snapshot file, and the log
    /// as the records before the first damaged one build it.
    pub state: DurableState,
    /// The first damage met (a torn tail is not damage: see `torn_tail`), with the sequence
    /// number of the record it hit.
    pub damage: Option<(Damage, u64)>,
    /// The last record was torn, and dropped.
    pub torn_tail: bool,
}

impl Wal {
    /// Reads every record in order. With `verify` (always, but for the knob
    /// `no-wal-checksums`) the reader checks each record's checksum and sequence number: it
    /// drops a torn last record, and from the first damaged record on it keeps reading hard
    /// states but no entry or truncation (the log is cut there: what follows may rest on what
    /// was lost). Without, it takes every record as it finds it, damaged bytes included.
    pub fn read(&self, verify: bool) -> Read {
        let mut r = Read {
            state: DurableState::default(),
            damage: None,
            torn_tail: false,
        };
        let mut cut = false;
        let mut expected = self.base_seq;
        let n = self.records.len();
        for (k, record) in self.records.iter().enumerate() {
            if !verify {
                let payload = match (&record.payload, record.health) {
                    (Payload::Entry(e), Health::Torn | Health::Corrupt) => {
                        Payload::Entry(garbled(*e))
                    }
                    (p, _) => p.clone(),
                };
                self.apply(&mut r.state, &payload, false);
                continue;
            }
            let damage = match record.health {
                Health::Torn if k + 1 == n => {
                    r.torn_tail = true;
                    break;
                }
                Health::Torn | Health::Corrupt => Some(Damage::Corrupt),
                Health::Misplaced => Some(Damage::Misplaced),
                Health::Intact if record.seq != expected => Some(Damage::Missing),
                Health::Intact => None,
            };
            if let Some(d) = damage {
                r.damage.get_or_insert((d, expected));
                cut = true;
            }
            match record.health {
                Health::Intact => {
                    expected = record.seq + 1;
                    self.apply(&mut r.state, &record.payload, cut);
                }
                // Its place in the sequence is taken; its bytes are not to be trusted.
                _ => expected += 1,
            }
        }
        r
    }

    /// One record's effect on the state read so far; past a cut, only hard states and the
    /// snapshot file count.
    fn apply(&self, state: &mut DurableState, payload: &Payload, cut: bool) {
        match payload {
            Payload::HardState { term, voted_for } => state.apply(&Persist::HardState {
                current_term: *term,
                voted_for: *voted_for,
            }),
            Payload::Snapshot { index, term } => {
                let file = self
                    .snapshot_files
                    .iter()
                    .rev()
                    .find(|f| f.last_included_index == *index && f.last_included_term == *term);
                if let Some(file) = file {
                    state.apply(&Persist::Snapshot(file.clone()));
                }
            }
            _ if cut => {}
            Payload::Truncate { from } => {
                if *from > state.last_included().0 {
                    state.apply(&Persist::Truncate { from: *from });
                }
            }
            Payload::Entry(e) => {
                let first = state.last_included().0.next();
                let next = LogIndex(first.0 + state.log.len() as u64);
                if e.index < first || e.index > next {
                    return; // covered by the snapshot, or out of place (read unchecked)
                }
                if e.index < next {
                    // etcd's reader: a later entry at an index replaces what was there.
                    state.apply(&Persist::Truncate { from: e.index });
                }
                state.apply(&Persist::Append { entries: vec![*e] });
            }
        }
    }
}
