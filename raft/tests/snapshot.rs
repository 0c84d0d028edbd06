//! Log compaction and InstallSnapshot, as §7 and Figure 13 of the paper state them. Each test
//! names its rule; the knob tests switch each rule off and watch it break.

mod common;

use common::snapshot::*;
use common::*;
use raft::{BugKnob, CompactError, Config, DurableState, Knobs, LogIndex, Message, Output, Term};

fn compacting(threshold: u64) -> Config {
    Config {
        snapshot_threshold_entries: Some(threshold),
        ..Config::default()
    }
}

fn fresh(count: usize) -> Vec<DurableState> {
    vec![DurableState::default(); count]
}

/// One heartbeat round of the leader n1, delivered: followers learn its commit index.
fn heartbeat_round(c: &mut Cluster) {
    for _ in 0..Config::default().heartbeat_interval_ticks {
        c.tick(n(1));
    }
    c.stabilize();
}

/// The InstallSnapshots sent to `to` in the cluster's history.
fn snapshots_sent_to(history: &[(raft::NodeId, Output)], to: raft::NodeId) -> usize {
    history
        .iter()
        .filter(|(_, o)| {
            matches!(o, Output::Send { to: t, message: Message::InstallSnapshot { .. } } if *t == to)
        })
        .count()
}

/// Reference: §7, "each server takes snapshots independently, covering just the committed
/// entries in its log". With a threshold of 4 every node compacts as it applies; the log keeps
/// its entries from the first index with their terms, the snapshot's last included entry still
/// matches, and the disk holds the same snapshot and suffix.
#[test]
fn compaction_keeps_the_logs_terms_from_the_first_index() {
    let mut c = Cluster::from_disks(compacting(4), fresh(3));
    c.elect(n(1));
    for p in 1..=10 {
        c.propose(n(1), p);
        c.stabilize();
    }
    heartbeat_round(&mut c);
    for id in ids(3) {
        let node = c.node(id);
        let (included, term) = node.log().last_included();
        assert!(included.0 >= 4, "{id} compacted: {included}");
        assert!(
            included <= node.last_applied(),
            "{id} compacted only what it applied"
        );
        assert_eq!(node.log().first_index(), included.next());
        assert_eq!(node.log().term_at(included), Some(term));
        assert_eq!(
            node.log().last_index(),
            LogIndex(11),
            "a noop and ten entries"
        );
        let terms = node.log().terms();
        assert_eq!(terms.len(), 11, "terms() still reads by index from 1");
        assert!(terms[included.0 as usize..].iter().all(|t| *t == 1));
        let disk = c.disk(id);
        assert_eq!(disk.last_included(), (included, term));
        assert_eq!(
            disk.log,
            node.log().entries(),
            "{id}'s disk holds the same suffix"
        );
        assert_eq!(c.machine(id), &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    }
}

/// Reference: §7 and Figure 13, "the leader must occasionally send snapshots to followers that
/// lag behind". n3 misses everything while n1 and n2 commit and compact past it; once healed it
/// receives n1's snapshot, reaches n1's first index, and AppendEntries carries on from there.
#[test]
fn install_snapshot_brings_a_far_behind_follower_to_the_leaders_first_index() {
    let mut c = Cluster::from_disks(compacting(4), fresh(3));
    c.isolate(n(3));
    c.elect(n(1));
    for p in 1..=10 {
        c.propose(n(1), p);
        c.stabilize();
    }
    let (first, _) = c.node(n(1)).log().last_included();
    assert!(first.0 >= 4, "n1 compacted what n3 needs");
    assert_eq!(c.node(n(3)).log().last_index(), LogIndex(0));
    c.heal(n(3));
    heartbeat_round(&mut c);
    assert_eq!(snapshots_sent_to(&c.history, n(3)), 1);
    assert!(c.node(n(3)).log().last_included().0 >= first);
    assert_eq!(c.node(n(3)).log().last_index(), LogIndex(11));
    assert_eq!(match_index(c.node(n(1)), n(3)), 11);
    c.propose(n(1), 11);
    c.stabilize();
    heartbeat_round(&mut c);
    assert_eq!(
        c.node(n(3)).commit_index(),
        LogIndex(12),
        "replication continues"
    );
    assert_eq!(c.machine(n(3)), c.machine(n(1)));
    assert_eq!(c.machine(n(3)), &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
}

/// Reference: Figure 13, InstallSnapshot receiver step 6: "If existing log entry has same index
/// and term as snapshot's last included entry, retain log entries following it and reply."
#[test]
fn a_snapshot_of_a_prefix_keeps_the_entries_after_it() {
    assert_eq!(log_after_a_matching_snapshot(Knobs::none()), 5);
}

/// snapshot-discards-matching-suffix breaks step 6: the follower throws away 4 and 5, which
/// it may have acknowledged to a leader that counted them toward a commit.
#[test]
fn snapshot_discards_matching_suffix() {
    let knob = Knobs::none().with(BugKnob::SnapshotDiscardsMatchingSuffix);
    assert_eq!(log_after_a_matching_snapshot(knob), 3);
}

/// Reference: Figure 13 step 7: "Discard the entire log" when the last included entry is not
/// the follower's; step 8: "Reset state machine using snapshot contents."
#[test]
fn a_snapshot_that_does_not_match_replaces_the_whole_log() {
    let mut s2 = node(2, 3, durable(2, &[1, 2, 2, 2]));
    let out = step(&mut s2, n(1), install_snapshot(3, 1, (3, 3), &[1, 2, 3]));
    assert_eq!(snapshot_result(&out), (3, 3));
    assert_eq!(s2.log().last_index(), LogIndex(3));
    assert!(s2.log().is_empty());
    assert_eq!(
        (s2.commit_index(), s2.last_applied()),
        (LogIndex(3), LogIndex(3))
    );
    assert!(applies_snapshot(&out));
    let write = first(&out, is_persist).expect("the snapshot is written");
    assert!(
        write < first(&out, is_send).expect("a reply"),
        "written before the reply"
    );
    let mut disk = durable(2, &[1, 2, 2, 2]);
    write_to(&mut disk, &out);
    assert!(disk.log.is_empty());
    assert_eq!(disk.last_included(), (LogIndex(3), Term(3)));
}

/// Reference: §7 (a snapshot describes a committed prefix; Figure 2: commitIndex only grows).
/// A delayed snapshot older than the commit index is ignored, and the reply says how far the
/// follower's log agrees with the leader's.
#[test]
fn an_older_snapshot_is_ignored() {
    assert_eq!(commit_after_an_older_snapshot(Knobs::none()), (4, false));
}

/// install-snapshot-older-than-commit breaks it: commitIndex goes back to 2 and the state
/// machine is reset to an older state.
#[test]
fn install_snapshot_older_than_commit() {
    let knob = Knobs::none().with(BugKnob::InstallSnapshotOlderThanCommit);
    assert_eq!(commit_after_an_older_snapshot(knob), (2, true));
}

/// Reference: §7, snapshots cover "just the committed entries": compaction stops at the
/// applied index, and the node asks for snapshots at its applied index.
#[test]
fn compaction_never_passes_the_applied_index() {
    assert_eq!(
        compact_past_applied(Knobs::none()),
        Err(CompactError::PastApplied {
            index: LogIndex(4),
            applied: LogIndex(2)
        })
    );
    let mut s2 = node_with(2, 3, compacting(2), durable(1, &[1, 1, 1, 1]));
    let out = step(&mut s2, n(1), heartbeat(1, 1, (3, 1), 3));
    let wanted: Vec<_> = out
        .iter()
        .filter_map(|o| match o {
            Output::SnapshotWanted { index } => Some(index.0),
            _ => None,
        })
        .collect();
    assert_eq!(wanted, vec![3], "asked once, at the applied index");
    let mut out = Vec::new();
    assert_eq!(
        s2.compact(LogIndex(3), encode(&[1, 2, 3]), &mut out),
        Ok(())
    );
    assert_eq!(
        s2.compact(LogIndex(3), Vec::new(), &mut out),
        Err(CompactError::AlreadyCompacted {
            index: LogIndex(3),
            last_included: LogIndex(3)
        })
    );
}

/// compact-past-applied breaks it: the node compacts entries it never applied, and when they
/// commit its state machine skips them.
#[test]
fn compact_past_applied_skips_entries() {
    let knob = Knobs::none().with(BugKnob::CompactPastApplied);
    assert_eq!(compact_past_applied(knob), Ok(()));
    let mut s2 = node_with(2, 3, snapshot_config(knob), durable(1, &[1, 1, 1, 1, 1]));
    step(&mut s2, n(1), heartbeat(1, 1, (1, 1), 1));
    let mut out = Vec::new();
    s2.compact(LogIndex(4), Vec::new(), &mut out)
        .expect("allowed by the knob");
    let out = step(&mut s2, n(1), heartbeat(1, 1, (5, 1), 5));
    assert_eq!(applied(&out), vec![5], "2, 3 and 4 are never applied");
}

/// Reference: §7, a server restarts from its snapshot and the log after it: the same log,
/// commitIndex and lastApplied at the snapshot, and the state machine from the snapshot plus
/// the entries applied again once the leader tells it the commit index.
#[test]
fn restart_from_snapshot_plus_log_gives_back_the_same_state() {
    let mut c = Cluster::from_disks(compacting(4), fresh(3));
    c.elect(n(1));
    for p in 1..=9 {
        c.propose(n(1), p);
        c.stabilize();
    }
    heartbeat_round(&mut c);
    let before = c.node(n(2));
    let (log, machine) = (before.log().clone(), c.machine(n(2)).to_vec());
    let included = log.last_included().0;
    assert!(
        included.0 > 0 && log.last_index() > included,
        "a snapshot and a suffix"
    );
    c.crash(n(2));
    let after = c.node(n(2));
    assert_eq!(after.log(), &log);
    assert_eq!(
        (after.commit_index(), after.last_applied()),
        (included, included)
    );
    assert_eq!(c.machine(n(2)), &machine[..included.0 as usize]);
    heartbeat_round(&mut c);
    assert_eq!(c.machine(n(2)), machine, "the suffix is applied again");
}

/// Reference: §7 with §5.4 (Leader Completeness): an AppendEntries whose prevLogIndex is inside
/// the follower's snapshot matches up to the snapshot's last included entry (a leader holds
/// every committed entry); one that contradicts the snapshot comes from a peer with a bug and
/// is refused.
#[test]
fn an_append_that_starts_inside_the_snapshot_matches_up_to_it() {
    let mut s2 = node(2, 3, durable(1, &[1, 1]));
    step(&mut s2, n(1), install_snapshot(2, 1, (4, 2), &[1, 2, 3, 4]));
    let out = step(&mut s2, n(1), append(2, 1, (2, 1), &[2, 2, 2], 5));
    assert_eq!(append_result(&out), (2, true, 5));
    assert_eq!(s2.log().terms(), vec![0, 0, 0, 2, 2]);
    assert_eq!(s2.commit_index(), LogIndex(5));
    let out = step(&mut s2, n(1), append(2, 1, (2, 1), &[1, 1, 1], 5));
    assert_eq!(
        append_result(&out),
        (2, false, 4),
        "4:1 contradicts the snapshot's 4:2"
    );
    assert_eq!(s2.log().last_index(), LogIndex(5));
}

/// The InstallSnapshots in `out`.
fn snapshots_in(out: &[Output]) -> usize {
    sends(out)
        .iter()
        .filter(|(_, m)| matches!(m, Message::InstallSnapshot { .. }))
        .count()
}

/// Reference: §7, a leader sends its snapshot to a follower behind its first index; refusals
/// of appends sent before the snapshot do not send it again within a heartbeat interval, the
/// next heartbeat after that does (a lost snapshot is retried).
#[test]
fn a_leader_resends_a_snapshot_at_most_once_per_heartbeat_interval() {
    let mut s1 = node_with(1, 3, compacting(2), DurableState::default());
    make_leader(&mut s1, 3);
    propose(&mut s1, 1);
    propose(&mut s1, 2);
    fsync(&mut s1);
    let out = step(&mut s1, n(2), append_reply(1, true, 3));
    assert_eq!(s1.commit_index(), LogIndex(3));
    assert!(out
        .iter()
        .any(|o| matches!(o, Output::SnapshotWanted { .. })));
    s1.compact(LogIndex(3), encode(&[0, 1, 2]), &mut Vec::new())
        .expect("applied");
    let first = step(&mut s1, n(3), append_reply(1, false, 0));
    assert_eq!(snapshots_in(&first), 1, "n3 needs entries n1 compacted");
    let again = step(&mut s1, n(3), append_reply(1, false, 0));
    assert_eq!(
        snapshots_in(&again),
        0,
        "a stale refusal does not resend it"
    );
    let beat = ticks(&mut s1, 2 * Config::default().heartbeat_interval_ticks);
    assert_eq!(
        snapshots_in(&beat),
        0,
        "n3's nextIndex is past the snapshot"
    );
    let retry = step(&mut s1, n(3), append_reply(1, false, 0));
    assert_eq!(snapshots_in(&retry), 1, "an interval later it goes again");
}
