use super::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn e(index: u64, term: u64, c: u64) -> Entry {
    Entry {
        index: LogIndex(index),
        term: Term(term),
        command: Command::Client(c),
    }
}

fn append(entries: &[Entry]) -> Persist {
    Persist::Append {
        entries: entries.to_vec(),
    }
}

fn hs(term: u64, vote: Option<u8>) -> Persist {
    Persist::HardState {
        current_term: Term(term),
        voted_for: vote.map(NodeId),
    }
}

/// Writes `writes` both to a WAL and to the plain model of a disk.
fn both(writes: &[Persist]) -> (Wal, DurableState) {
    let mut wal = Wal::default();
    let mut disk = DurableState::default();
    for w in writes {
        wal.write(w);
        disk.apply(w);
    }
    (wal, disk)
}

/// A random history of writes a node could make: terms and votes, appends, truncations of a
/// suffix, snapshots at an index of the log.
fn history(seed: u64, len: usize) -> Vec<Persist> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut disk = DurableState::default();
    let mut out = Vec::new();
    let mut term = 1;
    for _ in 0..len {
        let (first, _) = disk.last_included();
        let last = first.0 + disk.log.len() as u64;
        let w = match rng.gen_range(0..10) {
            0 => {
                term += rng.gen_range(0..2);
                hs(term, rng.gen_bool(0.5).then_some(rng.gen_range(1..4)))
            }
            1 if last > first.0 => Persist::Truncate {
                from: LogIndex(rng.gen_range(first.0 + 1..=last)),
            },
            2 if last > first.0 => {
                let index = LogIndex(rng.gen_range(first.0 + 1..=last));
                Persist::Snapshot(raft::Snapshot {
                    last_included_index: index,
                    last_included_term: disk.term_at(index).unwrap(),
                    data: vec![index.0 as u8],
                    membership: None,
                })
            }
            _ => {
                let n = rng.gen_range(1..4);
                let es: Vec<Entry> = (1..=n).map(|i| e(last + i, term, rng.gen())).collect();
                append(&es)
            }
        };
        disk.apply(&w);
        out.push(w);
    }
    out
}

/// The reader's one promise without faults: the WAL reads back as exactly the writes made.
#[test]
fn an_undamaged_wal_reads_back_as_every_write_made() {
    for seed in 0..300 {
        let writes = history(seed, 60);
        let (wal, disk) = both(&writes);
        let read = wal.read(true);
        assert_eq!(read.state, disk, "seed {seed}");
        assert_eq!((read.damage, read.torn_tail), (None, false), "seed {seed}");
        assert_eq!(
            wal.read(false).state,
            disk,
            "seed {seed}: unchecked reads agree too"
        );
    }
}

/// Bounded: after a snapshot the WAL holds one hard state, the marker and the log after it.
#[test]
fn a_snapshot_rewrites_the_wal_down_to_what_it_does_not_cover() {
    let es: Vec<Entry> = (1..=50).map(|i| e(i, 1, i)).collect();
    let snap = Persist::Snapshot(raft::Snapshot {
        last_included_index: LogIndex(48),
        last_included_term: Term(1),
        data: vec![],
        membership: None,
    });
    let (wal, disk) = both(&[hs(1, Some(1)), append(&es), snap]);
    assert_eq!(disk.log.len(), 2);
    assert_eq!(
        wal.records().len(),
        4,
        "hard state, marker, entries 49 and 50"
    );
    assert_eq!(wal.read(true).state, disk);
}

fn three_entries() -> Vec<Persist> {
    vec![
        hs(1, Some(1)),
        append(&[e(1, 1, 10), e(2, 1, 20)]),
        append(&[e(3, 1, 30)]),
        hs(2, Some(2)),
    ]
}

/// A torn last record is dropped, and nothing else: it was never durable.
#[test]
fn a_torn_tail_is_dropped_and_the_rest_read() {
    let (mut wal, before) = both(&three_entries());
    assert!(wal.write_torn(&[append(&[e(4, 2, 40), e(5, 2, 50)])]));
    let read = wal.read(true);
    assert!(read.torn_tail);
    assert_eq!(read.damage, None);
    let mut expected = before;
    expected.apply(&append(&[e(4, 2, 40)]));
    assert_eq!(
        read.state, expected,
        "entry 4 reached the disk whole, entry 5 is torn"
    );
}

/// A corrupted entry record cuts the log before it, and the hard state after it still reads.
#[test]
fn a_corrupted_entry_cuts_the_log_and_keeps_the_newest_hard_state() {
    let (mut wal, _) = both(&three_entries());
    wal.corrupt(LogIndex(2)).unwrap();
    let read = wal.read(true);
    assert_eq!(read.damage.map(|d| d.0), Some(Damage::Corrupt));
    assert_eq!(read.state.log, vec![e(1, 1, 10)]);
    assert_eq!(
        (read.state.current_term, read.state.voted_for),
        (Term(2), Some(NodeId(2)))
    );
    let unchecked = wal.read(false).state;
    assert_eq!(
        unchecked.log.len(),
        3,
        "an unchecked read takes the bad record as it is"
    );
    assert_ne!(unchecked.log[1], e(2, 1, 20), "and its bytes are garbage");
    assert_eq!(unchecked.log[1], garbled(e(2, 1, 20)));
}

/// A lost write shows as a gap when a record follows it, and not at all when none does.
#[test]
fn a_lost_write_is_seen_only_when_a_record_follows_it() {
    let (mut wal, _) = both(&three_entries());
    wal.lose_write(LogIndex(2)).unwrap();
    let read = wal.read(true);
    assert_eq!(read.damage.map(|d| d.0), Some(Damage::Missing));
    assert_eq!(read.state.log, vec![e(1, 1, 10)]);

    let (mut wal, _) = both(&three_entries()[..3]);
    wal.lose_write(LogIndex(3)).unwrap();
    let read = wal.read(true);
    assert_eq!(read.damage, None, "the last record lost leaves no trace");
    assert_eq!(read.state.log, vec![e(1, 1, 10), e(2, 1, 20)]);
}

/// A misdirected write is seen where it landed; the log is cut there.
#[test]
fn a_misdirected_write_is_caught_where_it_landed() {
    let (mut wal, _) = both(&three_entries());
    wal.misdirect(LogIndex(3), LogIndex(1)).unwrap();
    let read = wal.read(true);
    assert_eq!(read.damage.map(|d| d.0), Some(Damage::Misplaced));
    assert!(read.state.log.is_empty());
    assert_eq!(read.state.current_term, Term(2));
    assert!(wal.misdirect(LogIndex(2), LogIndex(2)).is_err());
    assert!(wal.corrupt(LogIndex(9)).is_err(), "no record of entry 9");
}

/// An fsync that failed, for a process that carries on, leaves zeros where its pages should
/// be: a reader takes them for the end of the log and never sees what was written after.
#[test]
fn an_ignored_fsync_failure_hides_the_batch_and_everything_after_it() {
    let (mut wal, before) = both(&three_entries());
    wal.write_lost(&[hs(3, Some(3))]);
    assert_eq!(
        wal.read(true).state,
        before,
        "the vote for n3 never reached the disk"
    );
    wal.write(&append(&[e(4, 2, 40)]));
    wal.write(&hs(4, None));
    let read = wal.read(true);
    assert_eq!(read.damage, None, "zeros read as the end, not as damage");
    assert_eq!(read.state, before, "entry 4 and term 4 lie past the zeros");
}

/// After a recovery the WAL is rewritten from what was read, damage gone.
#[test]
fn a_rewrite_reads_back_as_the_state_it_was_given() {
    for seed in 0..100 {
        let (mut wal, disk) = both(&history(seed, 40));
        wal.rewrite(&disk);
        assert!(!wal.is_damaged());
        assert_eq!(wal.read(true).state, disk, "seed {seed}");
        wal.wipe();
        assert_eq!(wal.read(true).state, DurableState::default());
    }
}

/// The bound a repairing node votes against: never below the log it had, even when the
/// damage took headers with it (the story of seed 5782 of `fuzz --disk-faults`: entry 1's
/// record misdirected onto entry 2's left no header of entry 2, and a bound of 1:1 let the
/// node vote for a candidate without the committed 2:2).
#[test]
fn the_damaged_log_bound_is_never_below_the_log_written() {
    let writes = vec![
        hs(2, Some(3)),
        append(&[e(1, 1, 10)]),
        append(&[e(2, 2, 20)]),
    ];
    let bound = |wal: &Wal| {
        let d = wal.read(true).damaged_log.expect("damage found");
        (d.last_term, d.last_index)
    };
    let (mut wal, _) = both(&writes);
    wal.misdirect(LogIndex(1), LogIndex(2)).unwrap();
    assert!(bound(&wal) >= (Term(2), LogIndex(2)), "{:?}", bound(&wal));

    let (mut wal, _) = both(&writes);
    wal.corrupt(LogIndex(2)).unwrap();
    assert_eq!(
        bound(&wal),
        (Term(2), LogIndex(2)),
        "a corrupted record keeps its header"
    );

    let (mut wal, _) = both(&writes);
    wal.lose_write(LogIndex(1)).unwrap();
    assert_eq!(bound(&wal), (Term(2), LogIndex(2)));

    // Random histories, each entry record damaged in turn: the bound is at least the truth.
    for seed in 0..200 {
        let writes = history(seed, 30);
        let (intact, disk) = both(&writes);
        let truth = {
            let s = disk.synced();
            (s.last_term, s.last_index)
        };
        let entries: Vec<LogIndex> = intact.entry_indexes().collect();
        for (k, &i) in entries.iter().enumerate() {
            let others = entries.iter().copied().filter(|&j| j != i);
            let mut faults = vec![DiskFault::Corrupt(i)];
            if k + 1 < entries.len() {
                faults.push(DiskFault::LoseWrite(i));
            }
            faults.extend(others.map(|j| DiskFault::Misdirect { index: i, over: j }));
            for fault in faults {
                let mut wal = intact.clone();
                let done = match fault {
                    DiskFault::Corrupt(i) => wal.corrupt(i),
                    DiskFault::LoseWrite(i) => wal.lose_write(i),
                    DiskFault::Misdirect { index, over } => wal.misdirect(index, over),
                    _ => unreachable!(),
                };
                if done.is_err() {
                    continue; // the record is not the newest of its index
                }
                if let Some(d) = wal.read(true).damaged_log {
                    assert!(
                        (d.last_term, d.last_index) >= truth,
                        "seed {seed}, entry {i}: bound {:?} below {truth:?}",
                        (d.last_term, d.last_index)
                    );
                }
            }
        }
    }
}
