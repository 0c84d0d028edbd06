//! Claims of the Raft paper about Figure 2's persistent state, continuing `paper.rs` (one test
//! per claim, each quoting it): what is written, in which order relative to the messages that
//! depend on it, and what survives a crash.

mod common;

use common::*;
use raft::{DurableState, LogIndex, Output, Persist, Term};

// ----- Figure 2: persistent state -----

/// Raft Figure 2: "Persistent state on all servers: (Updated on stable storage before
/// responding to RPCs)" — a vote's write comes before the reply that grants it.
#[test]
fn a_vote_is_on_disk_before_it_is_granted() {
    let mut s = node(1, 3, DurableState::default());
    let out = step(&mut s, n(2), request_vote(1, 2, (0, 0)));
    let hard = Output::Persist(Persist::HardState {
        current_term: Term(1),
        voted_for: Some(n(2)),
    });
    let write = first(&out, |o| *o == hard).expect("the vote is written");
    let reply = first(&out, is_send).expect("the vote is sent");
    assert!(write < reply, "{out:?}");
}

/// Raft Figure 2: "Persistent state on all servers: (Updated on stable storage before
/// responding to RPCs)" — a follower's new entries are on disk before it acknowledges them.
#[test]
fn a_follower_appends_to_disk_before_acknowledging() {
    let mut s = node(1, 3, DurableState::default());
    let out = step(&mut s, n(2), append(1, 2, (0, 0), &[1, 1], 0));
    let append = Output::Persist(Persist::Append {
        entries: entries_after(0, &[1, 1]),
    });
    let write = first(&out, |o| *o == append).expect("the entries are written");
    let ack = first(&out, is_send).expect("the entries are acknowledged");
    assert!(write < ack, "{out:?}");
    assert_eq!(append_result(&out), (1, true, 2));
}

/// Raft Figure 2, Candidates: "increment currentTerm, vote for self, … send RequestVote RPCs"
/// — with the new term and the self-vote on disk before the first request leaves.
#[test]
fn a_candidate_writes_its_term_and_self_vote_before_asking() {
    let mut s = node(1, 3, DurableState::default());
    let mut out = Vec::new();
    s.timeout_now(&mut out);
    let hard = Output::Persist(Persist::HardState {
        current_term: Term(1),
        voted_for: Some(n(1)),
    });
    assert_eq!(first(&out, |o| *o == hard), Some(0));
    assert_eq!(first(&out, is_send), Some(1));
}

/// Raft Figure 2: "Persistent state on all servers": currentTerm, votedFor and log[] survive a
/// crash; commitIndex is volatile. So a restarted server does not vote twice in one term.
#[test]
fn a_restarted_server_keeps_its_term_vote_and_log() {
    let mut c = Cluster::new(3);
    c.elect(n(1));
    for _ in 0..c.node(n(1)).config().heartbeat_interval_ticks {
        c.tick(n(1));
    }
    c.stabilize();
    assert_eq!(c.node(n(2)).commit_index(), LogIndex(1));
    c.crash(n(2));
    let s = c.node(n(2));
    assert_eq!((s.current_term(), s.voted_for()), (Term(1), Some(n(1))));
    assert_eq!((terms(s), s.commit_index()), (vec![1], LogIndex(0)));
    let mut restarted = node(2, 3, c.disk(n(2)).clone());
    let out = step(&mut restarted, n(3), request_vote(1, 3, (1, 1)));
    assert_eq!(vote_reply(&out), (1, false));
}
