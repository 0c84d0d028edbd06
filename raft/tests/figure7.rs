//! Figure 7 of the Raft paper (§5.3): the logs a term-8 leader may find on its followers, and
//! how it repairs them (catalogue §2).

mod common;

use common::*;
use raft::{Config, DurableState, Message, NodeId, Output, RoleKind};

/// The leader's log, terms by index 1..10.
const LEADER: &[u64] = &[1, 1, 1, 4, 4, 5, 5, 6, 6, 6];

/// The followers a–f of Figure 7.
const FOLLOWERS: [(&str, &[u64]); 6] = [
    ("a", &[1, 1, 1, 4, 4, 5, 5, 6, 6]),
    ("b", &[1, 1, 1, 4]),
    ("c", &[1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6]),
    ("d", &[1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7]),
    ("e", &[1, 1, 1, 4, 4, 4, 4]),
    ("f", &[1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3]),
];

/// The leader's disk before it campaigns: it has seen term 7, so its campaign is for term 8.
fn leader_disk() -> DurableState {
    durable(7, LEADER)
}

/// The leader's log once it leads term 8: its no-op 11:8 follows the drawn log.
fn leader_log_in_term_8() -> Vec<u64> {
    let mut log = LEADER.to_vec();
    log.push(8);
    log
}

/// n1 is the leader-to-be; n2..n7 are a..f, each in the term of its last entry.
fn figure_7_cluster(config: Config) -> Cluster {
    let mut disks = vec![leader_disk()];
    disks.extend(FOLLOWERS.iter().map(|(_, log)| durable_with_terms(log)));
    Cluster::from_disks(config, disks)
}

/// Raft §5.4.1: "the voter denies its vote if its own log is more up-to-date than that of the
/// candidate." The paper's teaching point: of a–f, only a, b, e and f could have voted for this
/// leader (c is longer in term 6, d ends in term 7).
#[test]
fn only_a_b_e_and_f_grant_their_vote_to_the_term_8_leader() {
    let request = request_vote(8, 1, (LEADER.len() as u64, *LEADER.last().unwrap()));
    let granted: Vec<&str> = FOLLOWERS
        .iter()
        .filter(|(_, log)| {
            let mut voter = node(2, 7, durable_with_terms(log));
            vote_reply(&step(&mut voter, n(1), request.clone())).1
        })
        .map(|(name, _)| *name)
        .collect();
    assert_eq!(granted, vec!["a", "b", "e", "f"]);
}

/// Raft §5.2: "A candidate wins an election if it receives votes from a majority of the servers
/// in the full cluster" — here four votes of seven (its own, a, b, e, f), as the figure implies.
#[test]
fn the_leader_wins_term_8_with_the_votes_of_a_b_e_and_f() {
    let mut c = figure_7_cluster(Config::default());
    c.elect(n(1));
    assert_eq!(c.node(n(1)).current_term().0, 8);
    let voters: Vec<NodeId> = c
        .history
        .iter()
        .filter_map(|(id, o)| match o {
            Output::Send {
                message: Message::RequestVoteResponse { vote_granted, .. },
                ..
            } if *vote_granted => Some(*id),
            _ => None,
        })
        .collect();
    // a, b, e, f are n2, n3, n6, n7.
    assert_eq!(voters, vec![n(2), n(3), n(6), n(7)]);
}

/// Raft §5.3: "In Raft, the leader handles inconsistencies by forcing the followers' logs to
/// duplicate its own." Every follower of Figure 7, together.
#[test]
fn the_leader_repairs_every_follower_of_figure_7_to_its_own_log() {
    let mut c = figure_7_cluster(Config::default());
    c.elect(n(1));
    let refusals = append_refusals(&c.history);
    for id in ids(7) {
        assert_eq!(terms(c.node(id)), leader_log_in_term_8(), "{id}");
        assert_eq!(c.disk(id).log, c.node(id).log().entries(), "{id}'s disk");
    }
    // a, b, e, f lack the leader's prev entry at first and must be backed off.
    for id in [n(2), n(3), n(6), n(7)] {
        assert!(refusals.contains(&id), "{id} was never refused");
    }
}

/// Raft §5.3: "Eventually nextIndex will reach a point where the leader and follower logs
/// match." Each follower alone, with a third server (holding the leader's log) to make a
/// majority whatever the follower votes.
#[test]
fn the_leader_repairs_each_follower_of_figure_7_alone() {
    for (name, log) in FOLLOWERS {
        let disks = vec![leader_disk(), durable_with_terms(log), leader_disk()];
        let mut c = Cluster::from_disks(Config::default(), disks);
        c.elect(n(1));
        assert_eq!(
            terms(c.node(n(2))),
            leader_log_in_term_8(),
            "follower {name}"
        );
    }
}

/// Raft §5.4.2: "Raft never commits log entries from previous terms by counting replicas." In
/// Figure 7 nothing commits before the leader's 11:8 does, even once old entries sit on a
/// majority (one entry per AppendEntries makes that happen on the way).
#[test]
fn nothing_commits_in_figure_7_until_an_entry_of_term_8_commits() {
    let config = Config {
        max_entries_per_append: 1,
        ..Config::default()
    };
    let mut c = figure_7_cluster(config);
    c.timeout_now(n(1));
    let mut old_entry_on_majority = false;
    while c.deliver().is_some() {
        let leader = c.node(n(1));
        let held = majority_index(leader);
        if held > 0 && held <= LEADER.len() as u64 {
            old_entry_on_majority = true;
            assert_eq!(leader.commit_index().0, 0, "{held} committed by counting");
        }
    }
    assert!(
        old_entry_on_majority,
        "no old entry ever reached a majority alone"
    );
    assert_eq!(c.node(n(1)).role_kind(), RoleKind::Leader);
    assert_eq!(c.commits().first(), Some(&(n(1), 11)), "11:8 commits first");
}
