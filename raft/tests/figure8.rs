//! Figure 8 of the Raft paper (§5.4.2): why a leader must not commit an entry of an earlier
//! term by counting replicas (catalogue §1). Cells are `index:term`; S1..S5 are n1..n5.

mod common;

use common::figure8::{copy_2_2_to_s3_and_s4, s1_leading_term_4};
use common::*;
use raft::{Config, Knobs, LogIndex, Message, NodeId, Output, RoleKind};

/// Raft §5.4.2: "Raft never commits log entries from previous terms by counting replicas."
/// Figure 8 (c): 2:2 is on a majority but is not committed.
#[test]
fn s1_does_not_commit_2_2_although_it_is_on_a_majority() {
    let mut s1 = s1_leading_term_4(Knobs::none());
    copy_2_2_to_s3_and_s4(&mut s1);
    assert_eq!([n(3), n(4)].map(|p| match_index(&s1, p)), [2, 2]);
    assert_eq!(majority_index(&s1), 2);
    assert_eq!(s1.commit_index(), LogIndex(0));
}

/// Raft §5.4.2: "once an entry from the current term has been committed in this way, then all
/// prior entries are committed indirectly because of the Log Matching Property." Figure 8 (e).
#[test]
fn s1_commits_2_2_with_3_4_once_3_4_is_on_a_majority() {
    let mut s1 = s1_leading_term_4(Knobs::none());
    copy_2_2_to_s3_and_s4(&mut s1);
    step(&mut s1, n(3), append_reply(4, true, 3));
    assert_eq!(s1.commit_index(), LogIndex(0), "3:4 is on S1 and S3 only");
    let out = step(&mut s1, n(4), append_reply(4, true, 3));
    assert_eq!((committed(&out), applied(&out)), (vec![3], vec![1, 2, 3]));
}

/// Figure 8 (c) → (e) with real messages: S4 and S5 are cut off, S1 wins term 4 with S2 and S3,
/// copies 2:2 to S3 (2:2 is then on a majority, uncommitted), then 3:4; 3:4 commits and 2:2
/// with it. Afterwards S5 (log [1, 3]) can win only S4's vote, as the paper says.
#[test]
fn figure_8_c_to_e_with_messages() {
    let config = Config {
        max_entries_per_append: 1,
        ..Config::default()
    };
    let disks = [
        (3, &[1, 2][..]),
        (2, &[1, 2]),
        (3, &[1]),
        (3, &[1]),
        (3, &[1, 3]),
    ];
    let disks = disks.iter().map(|(t, log)| durable(*t, log)).collect();
    let mut c = Cluster::from_disks(config, disks);
    c.isolate(n(4));
    c.isolate(n(5));
    c.timeout_now(n(1));
    let mut seen_2_2_alone = false;
    while c.deliver().is_some() {
        let s1 = c.node(n(1));
        if majority_index(s1) == 2 {
            seen_2_2_alone = true;
            assert_eq!(s1.commit_index(), LogIndex(0), "2:2 committed by counting");
        }
    }
    assert!(seen_2_2_alone, "2:2 never sat alone on a majority");
    assert_eq!(c.commits(), vec![(n(1), 3)]);
    assert_eq!([1, 2, 3].map(|i| terms(c.node(n(i)))), [[1, 2, 4]; 3]);

    c.heal(n(4));
    c.heal(n(5));
    c.timeout_now(n(5)); // term 4: only S4 has not voted in it
    c.stabilize();
    c.timeout_now(n(5)); // term 5
    c.stabilize();
    assert_eq!(c.node(n(5)).role_kind(), RoleKind::Candidate);
    assert_eq!(grants_to(&c, n(5), 5), vec![n(4)]);
}

/// Who granted `candidate` a vote in `term`.
fn grants_to(c: &Cluster, candidate: NodeId, term: u64) -> Vec<NodeId> {
    c.history
        .iter()
        .filter_map(|(id, o)| match o {
            Output::Send {
                to,
                message:
                    Message::RequestVoteResponse {
                        term: t,
                        vote_granted: true,
                    },
            } if *to == candidate && t.0 == term => Some(*id),
            _ => None,
        })
        .collect()
}
