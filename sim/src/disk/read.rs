//! Reading a WAL back, as a restart does.

use super::{garbled, Health, Payload, Wal};
use raft::{DamagedLog, DurableState, LogIndex, Persist, Term};
use std::fmt;

/// What a reader found wrong with a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Damage {
    /// Its checksum fails.
    Corrupt,
    /// Its place holds no record: a write that never reached the disk.
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
    /// With damage: the last entry the log held before it, from the records' headers.
    pub damaged_log: Option<DamagedLog>,
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
            damaged_log: None,
        };
        let mut cut = false;
        let mut expected = self.base_seq;
        let n = self.records.len();
        for (k, record) in self.records.iter().enumerate() {
            if record.health == Health::Zeroed {
                break; // where the log seems to end
            }
            if !verify {
                let payload = match (&record.payload, record.health) {
                    (_, Health::Garbage) => continue,
                    (Payload::Entry(e), Health::Torn | Health::Corrupt) => {
                        Payload::Entry(garbled(*e))
                    }
                    (p, _) => p.clone(),
                };
                self.apply(&mut r.state, &payload, false);
                continue;
            }
            let last = k + 1 == n;
            // Garbage from here to the end is where the log ends (zeros after the last write).
            let only_garbage_left = self.records[k..]
                .iter()
                .take_while(|r| r.health != Health::Zeroed)
                .all(|r| r.health == Health::Garbage);
            let damage = match record.health {
                Health::Torn if last => {
                    r.torn_tail = true;
                    break;
                }
                Health::Garbage if only_garbage_left => break,
                Health::Torn | Health::Corrupt => Some(Damage::Corrupt),
                Health::Misplaced => Some(Damage::Misplaced),
                Health::Garbage => Some(Damage::Missing),
                Health::Intact if record.seq != expected => Some(Damage::Misplaced),
                Health::Intact => None,
                Health::Zeroed => unreachable!("the loop stops at zeros"),
            };
            if let Some(d) = damage {
                r.damage.get_or_insert((d, expected));
                cut = true;
            }
            if record.health == Health::Intact && damage.is_none() {
                self.apply(&mut r.state, &record.payload, cut);
            }
            // Every place holds one record's number.
            expected += 1;
        }
        if r.damage.is_some() {
            r.damaged_log = Some(self.last_written(r.state.current_term));
        }
        r
    }

    /// The last entry of the log as the WAL's records built it, read from their headers alone
    /// (kind, index and term, which raftsim's records protect with a checksum of their own, as
    /// CTRL keeps entry identifiers apart from their data), place by place, a torn last one
    /// left out (it was never durable). A place whose header is gone — a lost write, the
    /// record a misdirected write landed on, the misdirected record's own place — is a hole,
    /// counted as an entry appended at the end with an unknown term (every lost record in raftsim's budget is an entry record; any
    /// other would only count longer); a log that ends at a hole has a term of at most
    /// `current_term`. So the result is at least the true last entry in (term, index) order,
    /// which is what a vote compares against.
    fn last_written(&self, current_term: Term) -> DamagedLog {
        // In place order, one per place: a header, or a hole where none can be read (a
        // misplaced record's header is another place's, so its own place's is lost).
        let sequence: Vec<Option<&Payload>> = self
            .records
            .iter()
            .take_while(|r| r.health != Health::Zeroed)
            .filter(|r| r.health != Health::Torn)
            .map(|r| match r.health {
                Health::Intact | Health::Corrupt => Some(&r.payload),
                _ => None,
            })
            .collect();
        let (mut base, mut base_term) = (LogIndex(0), Term(0));
        let mut terms: Vec<Option<Term>> = Vec::new();
        for payload in sequence {
            let Some(payload) = payload else {
                terms.push(None); // a lost record: an entry at the end, term unknown
                continue;
            };
            match *payload {
                Payload::HardState { .. } | Payload::Zeros => {}
                Payload::Snapshot { index, term } => {
                    let offset = index.0.checked_sub(base.0 + 1).map(|o| o as usize);
                    match offset {
                        // A hole there might have matched: keeping the suffix counts longer.
                        Some(o)
                            if matches!(terms.get(o), Some(&Some(t)) if t == term)
                                || terms.get(o) == Some(&None) =>
                        {
                            terms.drain(..=o);
                        }
                        _ => terms.clear(),
                    }
                    (base, base_term) = (index, term);
                }
                Payload::Truncate { from } => {
                    if from > base {
                        terms.truncate((from.0 - base.0 - 1) as usize);
                    }
                }
                Payload::Entry(e) => {
                    if e.index > base {
                        let at = (e.index.0 - base.0 - 1) as usize;
                        terms.truncate(at);
                        terms.resize(at, None);
                        terms.push(Some(e.term));
                    }
                }
            }
        }
        let last_index = LogIndex(base.0 + terms.len() as u64);
        // A hole's term: at most the node's term (and at least every term it wrote).
        let ceiling = self
            .records
            .iter()
            .filter_map(|r| match r.payload {
                Payload::Entry(e) if r.health != Health::Garbage => Some(e.term),
                _ => None,
            })
            .fold(current_term, Term::max);
        let last_term = match terms.last() {
            None => base_term,
            Some(Some(t)) => *t,
            Some(None) => ceiling,
        };
        DamagedLog {
            last_index,
            last_term,
        }
    }

    /// One record's effect on the state read so far; past a cut, only hard states and the
    /// snapshot file count.
    fn apply(&self, state: &mut DurableState, payload: &Payload, cut: bool) {
        match payload {
            Payload::Zeros => {}
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
