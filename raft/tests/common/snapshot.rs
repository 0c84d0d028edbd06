//! §7 and Figure 13 scenarios on one follower, shared by the snapshot tests and the knob tests.

use super::*;
use raft::{CompactError, Knobs};

pub fn snapshot_config(bugs: Knobs) -> Config {
    Config {
        bugs,
        ..Config::default()
    }
}

/// `InstallSnapshot` in `term` from `leader`, ending at `last = (index, term)`, whose state
/// machine applied the payloads `machine`.
pub fn install_snapshot(term: u64, leader: u8, last: (u64, u64), machine: &[u64]) -> Message {
    Message::InstallSnapshot {
        term: Term(term),
        leader: n(leader),
        last_included_index: LogIndex(last.0),
        last_included_term: Term(last.1),
        data: encode(machine),
        membership: None,
    }
}

/// The single reply to an InstallSnapshot: `(term, last_index)`.
pub fn snapshot_result(out: &[Output]) -> (u64, u64) {
    let replies: Vec<(u64, u64)> = sends(out)
        .into_iter()
        .filter_map(|(_, m)| match m {
            Message::InstallSnapshotResponse { term, last_index } => Some((term.0, last_index.0)),
            _ => None,
        })
        .collect();
    assert_eq!(replies.len(), 1, "exactly one snapshot reply in {out:?}");
    replies[0]
}

pub fn applies_snapshot(out: &[Output]) -> bool {
    out.iter()
        .any(|o| matches!(o, Output::ApplySnapshot { .. }))
}

/// Figure 13 step 6: a follower holding [1, 1, 1, 1, 1] (nothing committed) receives a
/// snapshot ending at 3:1, an entry it holds. Returns its last index afterwards.
pub fn log_after_a_matching_snapshot(bugs: Knobs) -> u64 {
    let mut s2 = node_with(2, 3, snapshot_config(bugs), durable(1, &[1, 1, 1, 1, 1]));
    let out = step(&mut s2, n(1), install_snapshot(1, 1, (3, 1), &[1, 2, 3]));
    assert_eq!(snapshot_result(&out), (1, 3));
    assert_eq!(s2.log().last_included(), (LogIndex(3), Term(1)));
    s2.log().last_index().0
}

/// §7: a follower that committed [1, 1, 1, 1] receives a delayed snapshot ending at 2:1.
/// Returns its commit index afterwards and whether it reset its state machine.
pub fn commit_after_an_older_snapshot(bugs: Knobs) -> (u64, bool) {
    let mut s2 = node_with(2, 3, snapshot_config(bugs), durable(1, &[1, 1, 1, 1]));
    step(&mut s2, n(1), heartbeat(1, 1, (4, 1), 4));
    assert_eq!(s2.commit_index(), LogIndex(4));
    let out = step(&mut s2, n(1), install_snapshot(1, 1, (2, 1), &[1, 2]));
    (s2.commit_index().0, applies_snapshot(&out))
}

/// §7: a follower holding [1, 1, 1, 1] that applied up to 2 is asked to compact up to 4.
pub fn compact_past_applied(bugs: Knobs) -> Result<(), CompactError> {
    let mut s2 = node_with(2, 3, snapshot_config(bugs), durable(1, &[1, 1, 1, 1]));
    step(&mut s2, n(1), heartbeat(1, 1, (2, 1), 2));
    assert_eq!(s2.last_applied(), LogIndex(2));
    let mut out = Vec::new();
    s2.compact(LogIndex(4), encode(&[1, 2, 3, 4]), &mut out)
}
