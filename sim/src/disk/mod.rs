//! A server's disk, modelled on etcd's (seed 000: an etcd node is "Raft + WAL + storage"): a
//! write-ahead log of records, each with a checksum, and a snapshot file (etcd's `wal` and
//! `snap` packages). The node's `Persist` outputs become records: a hard state (`currentTerm`,
//! `votedFor`), one record per entry, a truncation, a snapshot marker. A restart reads the WAL
//! back (`Wal::read`) and boots the node from what the reader accepts.
//!
//! What the disk can do wrong, each a fault of `faults.rs` and a scenario step, and what it
//! models:
//! - **a torn write** (`torn-crash`): a crash lands while a batch is being written; the records
//!   before the last reach the platter, the last only in part. Its checksum fails, it is the
//!   last record, and nothing the node sent depended on it (sends wait for durability, see
//!   `host.rs`): every recovery drops it (etcd's `wal.Repair`).
//! - **an fsync failure** (`fsync-fail`; Rebello et al., "Can Applications Recover from fsync
//!   Failures?", USENIX ATC 2020): the batch never reaches the disk, and the kernel marks its
//!   pages clean, so no later fsync writes them. The correct reaction is etcd's: stop the process
//!   (`Fatal` on a failed sync) and read the disk again at restart; the host knob
//!   `fsync-failure-ignored` carries on as if the write were durable, and the places of the
//!   lost records stay zeros, which a later reader takes for the end of the log.
//! - **a corrupted record** (`corrupt`), **a lost write** (`lose-write`: a write the disk said it
//!   made and did not) and **a misdirected write** (`misdirect`: a record written over another
//!   one): damage to records that were durable. raftsim damages entry records only, and only on
//!   a crashed node's disk (raftsim's hosts read their WAL only at a start, as etcd does).
//! - **a wiped disk** (`wipe`): an empty disk under a node that was a member.
//!
//! How a reader tells: every record carries a sequence number and a checksum over it and its
//! payload, and its header (kind, entry index and term) a checksum of its own (etcd chains
//! CRCs instead; CTRL keeps entry identifiers apart from their data). A torn record is the last
//! and short; a corrupted one fails its payload's checksum; the place of a lost write holds no
//! record at all; a misdirected one sits where another's number was expected. A lost write of
//! the very last record leaves no trace: no local check can tell it from a write never made.
//!
//! Recovery (the node's `raft::RecoveryPolicy`): the reader keeps the hard state from every
//! intact record, drops a torn tail, and cuts the log at the first damaged entry record. Then a
//! protocol-aware node boots with `DurableState::damaged` (the last entry of the log it had,
//! bounded from the headers) and, until a leader of a later term repairs it, starts no
//! election and votes only for candidates as up-to-date as that log (Alagappan et al.,
//! "Protocol-Aware Recovery for Consensus-Based Storage", FAST 2018; `raft/src/recovery.rs`);
//! a refusing node does not start; the knob `truncate-on-corruption` is the naive recovery
//! that carries on. The checkers read `Wal::read`'s view of a disk: only intact replicas count.
//!
//! The host keeps the records only once a run first needs them (`Host::wal`): until a fault,
//! the WAL reads back as exactly the disk's state (`an_undamaged_wal_reads_back_as_every_write_made`),
//! and a fault starts from the WAL a restart would have written from it.
//!
//! Bounded: a snapshot rewrites the WAL as one hard state, the marker and the entries after it
//! (etcd releases the WAL segments a snapshot covers), so with compaction on the WAL holds at
//! most the entries since the last snapshot and a few records more.

mod read;
#[cfg(test)]
mod tests;

pub use read::{Damage, Read};

use raft::{Command, DurableState, Entry, LogIndex, NodeId, Persist, Snapshot, Term};

/// What one record holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Payload {
    HardState {
        term: Term,
        voted_for: Option<NodeId>,
    },
    Entry(Entry),
    /// Delete the entry at `from` and all that follow it.
    Truncate {
        from: LogIndex,
    },
    /// The snapshot file now holds the snapshot up to here (etcd's `snapshotType` record).
    Snapshot {
        index: LogIndex,
        term: Term,
    },
    /// No record: the zeros of a place no write reached (`Health::Zeroed`).
    Zeros,
}

/// What the platter holds of a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Health {
    Intact,
    /// Written in part when a crash landed (only ever the last record).
    Torn,
    /// Complete, but its bytes changed: the checksum fails.
    Corrupt,
    /// Another record's bytes, written here by a misdirected write: its sequence number is not
    /// the one this place expects.
    Misplaced,
    /// What a write meant for this place never arrived (a lost write, or the place a
    /// misdirected write should have gone to): old bytes or zeros, no record and no header.
    /// At the end of the log it reads as the end (no reader can tell it from no write).
    Garbage,
    /// Zeros where the pages of a failed fsync should have gone (etcd preallocates its WAL
    /// segments with zeros): a reader takes them for the end of the log, and never sees
    /// what was written after them.
    Zeroed,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub seq: u64,
    pub payload: Payload,
    pub health: Health,
}

/// What the disk has seen happen, for the coverage table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DiskCounters {
    pub records_written: u64,
    pub records_torn: u64,
    pub records_corrupted: u64,
    pub writes_lost: u64,
    pub writes_misdirected: u64,
    pub wipes: u64,
    /// The most records the WAL held at once.
    pub max_records: u64,
}

/// One node's WAL and snapshot file.
#[derive(Clone, Debug, Default)]
pub struct Wal {
    records: Vec<Record>,
    /// The sequence number the first record carries (a reader expects it there).
    base_seq: u64,
    next_seq: u64,
    /// The snapshot files, newest last (faults in them are not modelled). A rewrite keeps the
    /// newest only; until then every marker in the WAL has its file.
    snapshot_files: Vec<Snapshot>,
    /// Some durable record is not intact, or one is missing.
    damaged: bool,
    /// The last record is torn (not damage: it was never durable, and every reader drops it).
    torn: bool,
    pub counters: DiskCounters,
}

impl Wal {
    pub fn records(&self) -> &[Record] {
        &self.records
    }

    /// Whether some durable record is damaged or missing.
    pub fn is_damaged(&self) -> bool {
        self.damaged
    }

    /// Whether a reader would find anything to work around: damage, or a torn tail.
    pub fn needs_reading(&self) -> bool {
        self.damaged || self.torn
    }

    fn push(&mut self, payload: Payload) {
        self.records.push(Record {
            seq: self.next_seq,
            payload,
            health: Health::Intact,
        });
        self.next_seq += 1;
        self.counters.records_written += 1;
    }

    /// A write of the node's, as records at the end of the log. A snapshot also rewrites the
    /// log (`compact`).
    pub fn write(&mut self, write: &Persist) {
        match write {
            Persist::HardState {
                current_term,
                voted_for,
            } => self.push(Payload::HardState {
                term: *current_term,
                voted_for: *voted_for,
            }),
            Persist::Truncate { from } => self.push(Payload::Truncate { from: *from }),
            Persist::Append { entries } => {
                for e in entries {
                    self.push(Payload::Entry(*e));
                }
            }
            Persist::Snapshot(snapshot) => {
                self.snapshot_files.push(snapshot.clone());
                self.push(Payload::Snapshot {
                    index: snapshot.last_included_index,
                    term: snapshot.last_included_term,
                });
                self.compact();
            }
        }
        self.counters.max_records = self.counters.max_records.max(self.records.len() as u64);
    }

    /// The batch of an fsync that failed, for a process that carries on: its records never
    /// reach the disk (the kernel dropped the pages), their places stay zeros, and what the
    /// process writes next lands after them, where no reader will look.
    pub fn write_lost(&mut self, batch: &[Persist]) {
        let n: u64 = batch
            .iter()
            .map(|w| match w {
                Persist::Append { entries } => entries.len() as u64,
                _ => 1,
            })
            .sum();
        for _ in 0..n {
            self.records.push(Record {
                seq: self.next_seq,
                payload: Payload::Zeros,
                health: Health::Zeroed,
            });
            self.next_seq += 1;
        }
        self.counters.writes_lost += n;
        // Not damage a reader sees: it reads the zeros as the end of the log.
        self.damaged |= n > 0;
    }

    /// A crash during a write: of the batch in flight, every record but the last reaches the
    /// disk intact, the last is torn. Returns whether a record was torn.
    /// A snapshot file is written whole or not at all (etcd writes it aside and renames it), so
    /// a batch that ends with one tears nothing.
    pub fn write_torn(&mut self, batch: &[Persist]) -> bool {
        let before = self.records.len();
        for w in batch {
            self.write(w);
        }
        if self.records.len() == before || matches!(batch.last(), Some(Persist::Snapshot(_))) {
            return false;
        }
        self.records.last_mut().expect("a record").health = Health::Torn;
        self.counters.records_torn += 1;
        self.torn = true;
        true
    }

    /// §7 and etcd's `ReleaseLockTo`: once the snapshot file holds everything up to its index,
    /// the WAL keeps only what a restart still needs. An undamaged WAL is rewritten from what it
    /// reads as: the hard state, the marker, the entries after the snapshot. A damaged one is
    /// left as it is (its damage must stay where a reader finds it).
    fn compact(&mut self) {
        if self.needs_reading() {
            return;
        }
        let state = self.read(true).state;
        self.rewrite(&state);
    }

    /// Replaces the WAL with records that read back as `state` (a restart does this after
    /// recovery, so that damage a reader worked around is not met again).
    pub fn rewrite(&mut self, state: &DurableState) {
        self.records.clear();
        self.damaged = false;
        self.torn = false;
        self.base_seq = self.next_seq;
        self.snapshot_files = state.snapshot.iter().cloned().collect();
        let written = self.counters.records_written;
        self.push(Payload::HardState {
            term: state.current_term,
            voted_for: state.voted_for,
        });
        if let Some(s) = &state.snapshot {
            self.push(Payload::Snapshot {
                index: s.last_included_index,
                term: s.last_included_term,
            });
        }
        for e in &state.log {
            self.push(Payload::Entry(*e));
        }
        // A rewrite is bookkeeping, not the node's writes.
        self.counters.records_written = written;
        self.counters.max_records = self.counters.max_records.max(self.records.len() as u64);
    }

    /// The position of the newest record holding entry `index`.
    fn entry_record(&self, index: LogIndex) -> Option<usize> {
        self.records.iter().rposition(|r| {
            r.health == Health::Intact && matches!(r.payload, Payload::Entry(e) if e.index == index)
        })
    }

    /// Damages the newest record of entry `index` (its bytes change; the checksum fails).
    pub fn corrupt(&mut self, index: LogIndex) -> Result<(), String> {
        let at = self.entry_record(index).ok_or_else(|| no_record(index))?;
        self.records[at].health = Health::Corrupt;
        self.counters.records_corrupted += 1;
        self.damaged = true;
        Ok(())
    }

    /// The newest record of entry `index` never reached the disk, though the disk said so.
    pub fn lose_write(&mut self, index: LogIndex) -> Result<(), String> {
        let at = self.entry_record(index).ok_or_else(|| no_record(index))?;
        self.records[at].health = Health::Garbage;
        self.counters.writes_lost += 1;
        self.damaged = true;
        Ok(())
    }

    /// The newest record of entry `index` was written over the newest record of entry `over`
    /// (and so not where it belongs).
    pub fn misdirect(&mut self, index: LogIndex, over: LogIndex) -> Result<(), String> {
        if index == over {
            return Err(format!(
                "a misdirected write lands on another record, not its own (index {index})"
            ));
        }
        let from = self.entry_record(index).ok_or_else(|| no_record(index))?;
        let to = self.entry_record(over).ok_or_else(|| no_record(over))?;
        let mut moved = self.records[from].clone();
        moved.health = Health::Misplaced;
        self.records[to] = moved;
        self.records[from].health = Health::Garbage;
        self.counters.writes_misdirected += 1;
        self.damaged = true;
        Ok(())
    }

    /// An empty disk (a new drive, or `rm -rf` of the data directory).
    pub fn wipe(&mut self) {
        self.records.clear();
        self.base_seq = self.next_seq;
        self.snapshot_files.clear();
        self.damaged = false;
        self.torn = false;
        self.counters.wipes += 1;
    }

    /// The entry indexes this WAL holds records of, newest record last (the swarm picks a
    /// record to damage among them).
    pub fn entry_indexes(&self) -> impl Iterator<Item = LogIndex> + '_ {
        self.records.iter().filter_map(|r| match r.payload {
            Payload::Entry(e) if r.health == Health::Intact => Some(e.index),
            _ => None,
        })
    }
}

fn no_record(index: LogIndex) -> String {
    format!("the disk holds no record of entry {index} (a snapshot may cover it, or it was never written)")
}

/// What a reader that skips checksums makes of a damaged entry record: a command that no
/// client wrote (its payload's bits, partly changed).
pub fn garbled(entry: Entry) -> Entry {
    let bits = match entry.command {
        Command::Noop => 0,
        Command::Client(p) => p,
        Command::Config(c) => c.bits(),
    };
    Entry {
        command: Command::Client(bits ^ 0x5A5A_0000_0000),
        ..entry
    }
}

/// A disk fault, as a scenario step names it (and the swarm takes it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiskFault {
    /// The node's next fsync fails.
    FsyncFail,
    /// The node crashes now, tearing the last record of the writes in flight.
    TornCrash,
    /// The record of this entry fails its checksum (on a crashed node's disk).
    Corrupt(LogIndex),
    /// The record of this entry never reached the disk.
    LoseWrite(LogIndex),
    /// The record of entry `index` was written over the record of entry `over`.
    Misdirect { index: LogIndex, over: LogIndex },
    /// The disk is empty.
    Wipe,
}

impl DiskFault {
    /// The step's name in a scenario file.
    pub fn name(&self) -> &'static str {
        match self {
            DiskFault::FsyncFail => "fsync-fail",
            DiskFault::TornCrash => "torn-crash",
            DiskFault::Corrupt(_) => "corrupt",
            DiskFault::LoseWrite(_) => "lose-write",
            DiskFault::Misdirect { .. } => "misdirect",
            DiskFault::Wipe => "wipe",
        }
    }

    /// Whether it damages records at rest, which raftsim does only to a crashed node's disk.
    pub fn at_rest(&self) -> bool {
        !matches!(self, DiskFault::FsyncFail | DiskFault::TornCrash)
    }
}

impl std::fmt::Display for DiskFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DiskFault::Corrupt(i) | DiskFault::LoseWrite(i) => {
                write!(f, "{} entry {i}", self.name())
            }
            DiskFault::Misdirect { index, over } => {
                write!(f, "misdirect entry {index} over entry {over}")
            }
            _ => f.write_str(self.name()),
        }
    }
}
