//! Scenarios of recovery from a damaged log (PAR, FAST 2018), shared by the recovery tests
//! and the knob tests.

use super::*;
use raft::{DamagedLog, Knobs};

pub fn recovery_config(bugs: Knobs) -> Config {
    Config {
        bugs,
        ..Config::default()
    }
}

/// A disk whose reader found a bad entry record after the entries `terms` and truncated the
/// log there; `currentTerm` is intact, and the headers say the log held one entry more, of
/// term `current_term`.
pub fn damaged(current_term: u64, terms: &[u64]) -> DurableState {
    DurableState {
        damaged: Some(DamagedLog {
            last_index: LogIndex(terms.len() as u64 + 1),
            last_term: Term(current_term),
        }),
        ..durable(current_term, terms)
    }
}

/// `PreVote` for `term` from `candidate`, whose last entry is `last = (index, term)`.
pub fn pre_vote(term: u64, candidate: u8, last: (u64, u64)) -> Message {
    Message::PreVote {
        term: Term(term),
        candidate: n(candidate),
        last_log_index: LogIndex(last.0),
        last_log_term: Term(last.1),
    }
}

/// The single reply to a PreVote: `(term, granted)`.
pub fn pre_vote_reply(out: &[Output]) -> (u64, bool) {
    let replies: Vec<(u64, bool)> = sends(out)
        .into_iter()
        .filter_map(|(_, m)| match m {
            Message::PreVoteResponse { term, vote_granted } => Some((term.0, vote_granted)),
            _ => None,
        })
        .collect();
    assert_eq!(replies.len(), 1, "exactly one pre-vote reply in {out:?}");
    replies[0]
}

/// A voter that held [1, 1] boots in term 1 from a disk damaged after [1]. A candidate whose
/// log is [1] asks for its vote in term 2, then for its pre-vote for term 3: (vote granted,
/// pre-vote granted).
pub fn damaged_voter_grants(bugs: Knobs) -> (bool, bool) {
    let mut voter = node_with(2, 3, recovery_config(bugs), damaged(1, &[1]));
    let vote = vote_reply(&step(&mut voter, n(3), request_vote(2, 3, (1, 1)))).1;
    let pre = pre_vote_reply(&step(&mut voter, n(1), pre_vote(3, 1, (1, 1)))).1;
    (vote, pre)
}

/// Entry 2 is committed on n1 and n2 (leader n1, term 1; n3 holds only the no-op 1:1). n2
/// crashes and boots from a disk damaged after entry 1; n1 is down; n3 campaigns in term 2.
/// Returns the cluster then, with n1 still cut off.
pub fn n3_campaigns_after_n2_lost_entry_2(bugs: Knobs) -> Cluster {
    let disks = vec![DurableState::default(); 3];
    let mut c = Cluster::from_disks(recovery_config(bugs), disks);
    c.elect(n(1));
    c.isolate(n(3));
    c.propose(n(1), 2);
    c.stabilize();
    assert_eq!(c.node(n(1)).commit_index(), LogIndex(2), "2 is committed");
    assert_eq!(terms(c.node(n(2))), vec![1, 1]);
    assert_eq!(terms(c.node(n(3))), vec![1]);
    c.isolate(n(1));
    c.heal(n(3));
    c.crash_damaged(n(2), 1);
    assert_eq!(terms(c.node(n(2))), vec![1]);
    c.timeout_now(n(3));
    c.stabilize();
    c
}

/// The story above: (n3's role, n3's log).
pub fn n3_after_n2_lost_entry_2(bugs: Knobs) -> (RoleKind, Vec<u64>) {
    let c = n3_campaigns_after_n2_lost_entry_2(bugs);
    (c.node(n(3)).role_kind(), terms(c.node(n(3))))
}
