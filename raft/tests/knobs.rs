//! Every bug knob, on and off: each scenario shows the unsafe behaviour with the knob on and the
//! safe one with it off, so each test fails if the knob stops switching its rule off or starts
//! switching it off when unset.

mod common;

use common::figure8::{copy_2_2_to_s3_and_s4, s1_leading_term_4};
use common::membership::{
    change_before_own_commit, leader_after_removing_itself, many_at_once, second_change_in_flight,
    transfer_to_a_lagging_target,
};
use common::recovery::{damaged_voter_grants, n3_after_n2_lost_entry_2};
use common::snapshot::{
    commit_after_an_older_snapshot, compact_past_applied, log_after_a_matching_snapshot,
};
use common::*;
use raft::{BugKnob, Config, DurableState, Knobs, LogIndex, Message, Persist, RoleKind, Term};
use std::collections::BTreeSet;

fn bugs(knob: BugKnob, on: bool) -> Knobs {
    if on {
        Knobs::none().with(knob)
    } else {
        Knobs::none()
    }
}

fn config(bugs: Knobs) -> Config {
    Config {
        bugs,
        ..Config::default()
    }
}

// ----- Scenarios: each returns what its knob changes -----

/// A voter holding [1, 1] is asked in term 2 by a candidate whose log is [1]: granted?
fn outdated_candidate_gets_the_vote(bugs: Knobs) -> bool {
    let mut voter = node_with(2, 3, config(bugs), durable(1, &[1, 1]));
    vote_reply(&step(&mut voter, n(3), request_vote(2, 3, (1, 1)))).1
}

/// Seed 003 (catalogue §3): S2 holds [1, 1] and has learned commitIndex 1 from S1. S5, log [1]
/// and commitIndex 1, asks for S2's vote in term 2; so does a candidate with the longer log
/// [1, 1] that has not heard of any commit. Returns (S5 granted, longer-log candidate granted).
fn votes_by_commit_index(bugs: Knobs) -> (bool, bool) {
    let ask = |last: u64, commit: u64| {
        let mut s2 = node_with(2, 5, config(bugs), durable(1, &[1]));
        step(&mut s2, n(1), append(1, 1, (1, 1), &[1], 1));
        assert_eq!((terms(&s2), s2.commit_index()), (vec![1, 1], LogIndex(1)));
        let request = Message::RequestVote {
            term: Term(2),
            candidate: n(5),
            last_log_index: LogIndex(last),
            last_log_term: Term(1),
            commit_index: LogIndex(commit),
            transfer: false,
        };
        vote_reply(&step(&mut s2, n(5), request)).1
    };
    (ask(1, 1), ask(2, 0))
}

/// Figure 8 (c): S1 leads term 4 with [1, 2, 4] and 2:2 on a majority. Its commitIndex.
fn figure_8c_commit_index(bugs: Knobs) -> u64 {
    let mut s1 = s1_leading_term_4(bugs);
    copy_2_2_to_s3_and_s4(&mut s1);
    s1.commit_index().0
}

/// S2 votes for S1 in term 5, crashes, restarts from what its disk received, and is asked by
/// S3 in term 5: granted?
fn votes_twice_in_one_term_across_a_crash(bugs: Knobs) -> bool {
    let mut disk = durable(4, &[1]);
    let mut s2 = node_with(2, 3, config(bugs), disk.clone());
    let out = step(&mut s2, n(1), request_vote(5, 1, (1, 1)));
    assert_eq!(vote_reply(&out), (5, true));
    write_to(&mut disk, &out);
    let mut restarted = node_with(2, 3, config(bugs), disk);
    vote_reply(&step(&mut restarted, n(3), request_vote(5, 3, (1, 1)))).1
}

/// Whether the write precedes the reply, for a vote grant and for a follower's append.
fn persist_precedes_reply(bugs: Knobs) -> (bool, bool) {
    let write_first = |out: &[raft::Output]| {
        let write = first(out, is_persist).expect("a write");
        write < first(out, is_send).expect("a reply")
    };
    let mut voter = node_with(1, 3, config(bugs), DurableState::default());
    let vote = step(&mut voter, n(2), request_vote(1, 2, (0, 0)));
    let mut follower = node_with(1, 3, config(bugs), durable(1, &[]));
    let ack = step(&mut follower, n(2), append(1, 2, (0, 0), &[1], 0));
    (write_first(&vote), write_first(&ack))
}

/// AE(prev=1, [2, 3]) then a delayed AE(prev=1, [2]): the log and whether a Truncate was written.
fn log_after_a_stale_append(bugs: Knobs) -> (Vec<u64>, bool) {
    let mut s = node_with(1, 3, config(bugs), durable(1, &[1]));
    step(&mut s, n(2), append(1, 2, (1, 1), &[1, 1], 0));
    let out = step(&mut s, n(2), append(1, 2, (1, 1), &[1], 0));
    let truncated = persists(&out)
        .iter()
        .any(|w| matches!(w, Persist::Truncate { .. }));
    (terms(&s), truncated)
}

/// A follower holding [1] is sent prev=3:2: as a heartbeat, and with an entry. Successes?
fn mismatching_prev_accepted(bugs: Knobs) -> (bool, bool) {
    let mut s = node_with(1, 3, config(bugs), durable(1, &[1]));
    let beat = append_result(&step(&mut s, n(2), heartbeat(2, 2, (3, 2), 0))).1;
    let with_entry = append_result(&step(&mut s, n(2), append(2, 2, (3, 2), &[2], 0))).1;
    (beat, with_entry)
}

/// A follower with a stale suffix [1, 1, 2] hears AE(term 3, prev=1:1, [2:1], commit=3):
/// its commitIndex and the entries it applies.
fn commit_past_last_new_entry(bugs: Knobs) -> (u64, Vec<u64>) {
    let mut s = node_with(1, 3, config(bugs), durable(2, &[1, 1, 2]));
    let out = step(&mut s, n(2), append(3, 2, (1, 1), &[1], 3));
    (s.commit_index().0, applied(&out))
}

/// A candidate of term 2 in a cluster of three hears a granted vote of term 1. Its role.
fn role_after_a_stale_grant(bugs: Knobs) -> RoleKind {
    let mut s = node_with(1, 3, config(bugs), durable(1, &[]));
    s.timeout_now(&mut Vec::new());
    fsync(&mut s); // its own vote counts
    step(&mut s, n(2), vote(1, true));
    s.role_kind()
}

/// A follower holding [1] hears a heartbeat from a leader whose commit index is 3. Whether it
/// panics, and its commit index if not.
fn heartbeat_past_the_log(bugs: Knobs) -> Result<u64, String> {
    let mut s = node_with(1, 3, config(bugs), durable(1, &[1]));
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        step(&mut s, n(2), heartbeat(2, 2, (1, 1), 3));
        s.commit_index().0
    }))
    .map_err(|e| {
        e.downcast_ref::<String>()
            .cloned()
            .unwrap_or_else(|| "a panic".into())
    })
}

/// Election timeouts drawn by 20 nodes (seeds 0..20) over 5 elections each.
fn election_timeouts_drawn(bugs: Knobs) -> BTreeSet<u32> {
    let mut drawn = BTreeSet::new();
    for seed in 0..20 {
        let s = raft::Node::new(n(1), &ids(3), config(bugs), seed, DurableState::default());
        let mut s = s.expect("valid config");
        for _ in 0..5 {
            drawn.insert(s.election_timeout_ticks());
            s.timeout_now(&mut Vec::new());
        }
    }
    drawn
}

// ----- One test per knob -----

/// vote-without-log-check (§5.4.1): an outdated candidate gets the vote.
#[test]
fn vote_without_log_check() {
    let k = BugKnob::VoteWithoutLogCheck;
    assert!(outdated_candidate_gets_the_vote(bugs(k, true)));
    assert!(!outdated_candidate_gets_the_vote(bugs(k, false)));
}

/// vote-by-commit-index (§5.4.1, seed 003): equal commit indexes win S5 the vote, and the
/// candidate with the more up-to-date log loses it for not having heard of a commit.
#[test]
fn vote_by_commit_index() {
    let k = BugKnob::VoteByCommitIndex;
    assert_eq!(votes_by_commit_index(bugs(k, true)), (true, false));
    assert_eq!(votes_by_commit_index(bugs(k, false)), (false, true));
}

/// commit-old-term-by-count (§5.4.2): S1 commits 2:2 in Figure 8 (c).
#[test]
fn commit_old_term_by_count() {
    let k = BugKnob::CommitOldTermByCount;
    assert_eq!(figure_8c_commit_index(bugs(k, true)), 2);
    assert_eq!(figure_8c_commit_index(bugs(k, false)), 0);
}

/// volatile-vote (Figure 2): after a restart from its disk, a server votes again in term 5.
#[test]
fn volatile_vote() {
    let k = BugKnob::VolatileVote;
    assert!(votes_twice_in_one_term_across_a_crash(bugs(k, true)));
    assert!(!votes_twice_in_one_term_across_a_crash(bugs(k, false)));
}

/// respond-before-persist (Figure 2): the reply leaves before the write.
#[test]
fn respond_before_persist() {
    let k = BugKnob::RespondBeforePersist;
    assert_eq!(persist_precedes_reply(bugs(k, true)), (false, false));
    assert_eq!(persist_precedes_reply(bugs(k, false)), (true, true));
}

/// truncate-on-stale-append (Figure 2, step 3): the delayed request cuts index 3.
#[test]
fn truncate_on_stale_append() {
    let k = BugKnob::TruncateOnStaleAppend;
    assert_eq!(log_after_a_stale_append(bugs(k, true)), (vec![1, 1], true));
    assert_eq!(
        log_after_a_stale_append(bugs(k, false)),
        (vec![1, 1, 1], false)
    );
}

/// heartbeat-skips-prev-check (§5.3): a heartbeat with a mismatching prev succeeds; an
/// AppendEntries with entries is still checked.
#[test]
fn heartbeat_skips_prev_check() {
    let k = BugKnob::HeartbeatSkipsPrevCheck;
    assert_eq!(mismatching_prev_accepted(bugs(k, true)), (true, false));
    assert_eq!(mismatching_prev_accepted(bugs(k, false)), (false, false));
}

/// commit-index-without-min (Figure 2, step 5): the follower commits and applies its stale 3:2.
#[test]
fn commit_index_without_min() {
    let k = BugKnob::CommitIndexWithoutMin;
    assert_eq!(
        commit_past_last_new_entry(bugs(k, true)),
        (3, vec![1, 2, 3])
    );
    assert_eq!(commit_past_last_new_entry(bugs(k, false)), (2, vec![1, 2]));
}

/// accept-stale-term-replies (§5.1): a term-1 grant makes the term-2 candidate leader.
#[test]
fn accept_stale_term_replies() {
    let k = BugKnob::AcceptStaleTermReplies;
    assert_eq!(role_after_a_stale_grant(bugs(k, true)), RoleKind::Leader);
    assert_eq!(
        role_after_a_stale_grant(bugs(k, false)),
        RoleKind::Candidate
    );
}

/// assert-commit-within-log (Figure 2, step 5; etcd-io/raft #25): a lagging follower panics on
/// an ordinary heartbeat; with the rule it commits what it holds, min(3, 1).
#[test]
fn assert_commit_within_log() {
    let k = BugKnob::AssertCommitWithinLog;
    let err = heartbeat_past_the_log(bugs(k, true)).unwrap_err();
    assert!(
        err.contains("tocommit(3) is out of range [lastIndex(1)]"),
        "{err}"
    );
    assert_eq!(heartbeat_past_the_log(bugs(k, false)), Ok(1));
}

/// no-randomized-timeout (§5.2): every timeout is the minimum.
#[test]
fn no_randomized_timeout() {
    let k = BugKnob::NoRandomizedTimeout;
    let c = Config::default();
    let min = c.election_timeout_min_ticks;
    assert_eq!(
        election_timeouts_drawn(bugs(k, true)),
        BTreeSet::from([min])
    );
    let drawn = election_timeouts_drawn(bugs(k, false));
    assert!(drawn.len() > 1, "{drawn:?}");
    assert!(drawn
        .iter()
        .all(|t| (min..c.election_timeout_max_ticks).contains(t)));
}

/// truncate-on-corruption (PAR, FAST 2018): a node whose disk lost the entry 2 it held votes
/// and pre-votes at once for a candidate without it; and in the three-node story, n3 wins
/// without the committed entry 2.
#[test]
fn truncate_on_corruption() {
    let k = BugKnob::TruncateOnCorruption;
    assert_eq!(damaged_voter_grants(bugs(k, true)), (true, true));
    assert_eq!(damaged_voter_grants(bugs(k, false)), (false, false));
    assert_eq!(
        n3_after_n2_lost_entry_2(bugs(k, true)),
        (RoleKind::Leader, vec![1, 2])
    );
    assert_eq!(
        n3_after_n2_lost_entry_2(bugs(k, false)),
        (RoleKind::Candidate, vec![1])
    );
}

/// The single-server change bug's fix (catalogue §6), one change at a time (§4.1), joint
/// consensus (§4.3), a removed leader stepping down (§4.2.2), and leadership transfer (§3.10):
/// each knob on, the unsafe answer; off, the rule's.
#[test]
fn membership_and_transfer_knobs() {
    use raft::{ConfigRejection, MessageKind, Rejection};
    let on = |k| bugs(k, true);
    let off = |k| bugs(k, false);
    let k = BugKnob::ConfigChangeBeforeOwnCommit;
    assert_eq!(change_before_own_commit(on(k)), Ok(2));
    assert_eq!(
        change_before_own_commit(off(k)),
        Err(Rejection::Config(ConfigRejection::NoCommitInTerm))
    );
    let k = BugKnob::OverlappingConfigChanges;
    assert_eq!(second_change_in_flight(on(k)), Ok(3));
    assert_eq!(
        second_change_in_flight(off(k)),
        Err(Rejection::Config(ConfigRejection::Pending {
            index: LogIndex(2)
        }))
    );
    let k = BugKnob::ChangeManyWithoutJoint;
    assert!(!many_at_once(on(k)).is_joint());
    assert!(many_at_once(off(k)).is_joint());
    let k = BugKnob::RemovedLeaderKeepsLeading;
    assert_eq!(leader_after_removing_itself(on(k)), RoleKind::Leader);
    assert_eq!(leader_after_removing_itself(off(k)), RoleKind::Follower);
    let k = BugKnob::ProposeDuringTransfer;
    assert_eq!(transfer_to_a_lagging_target(on(k)).1, Ok(2));
    assert_eq!(
        transfer_to_a_lagging_target(off(k)).1,
        Err(Rejection::Transferring { to: common::n(2) })
    );
    let k = BugKnob::TimeoutNowToLaggingTarget;
    assert_eq!(
        transfer_to_a_lagging_target(on(k)).0,
        vec![MessageKind::TimeoutNow]
    );
    assert_eq!(
        transfer_to_a_lagging_target(off(k)).0,
        vec![MessageKind::AppendEntries]
    );
}

/// What `knob`'s scenario shows, as text. The match is exhaustive: a new knob does not compile
/// until it has a scenario here (and should get a test above).
fn observe(knob: BugKnob, on: bool) -> String {
    let b = bugs(knob, on);
    match knob {
        BugKnob::VoteWithoutLogCheck => format!("{:?}", outdated_candidate_gets_the_vote(b)),
        BugKnob::VoteByCommitIndex => format!("{:?}", votes_by_commit_index(b)),
        BugKnob::CommitOldTermByCount => format!("{:?}", figure_8c_commit_index(b)),
        BugKnob::VolatileVote => format!("{:?}", votes_twice_in_one_term_across_a_crash(b)),
        BugKnob::RespondBeforePersist => format!("{:?}", persist_precedes_reply(b)),
        BugKnob::TruncateOnStaleAppend => format!("{:?}", log_after_a_stale_append(b)),
        BugKnob::HeartbeatSkipsPrevCheck => format!("{:?}", mismatching_prev_accepted(b)),
        BugKnob::CommitIndexWithoutMin => format!("{:?}", commit_past_last_new_entry(b)),
        BugKnob::AcceptStaleTermReplies => format!("{:?}", role_after_a_stale_grant(b)),
        BugKnob::NoRandomizedTimeout => format!("{:?}", election_timeouts_drawn(b)),
        BugKnob::AssertCommitWithinLog => format!("{:?}", heartbeat_past_the_log(b)),
        BugKnob::SnapshotDiscardsMatchingSuffix => {
            format!("{:?}", log_after_a_matching_snapshot(b))
        }
        BugKnob::InstallSnapshotOlderThanCommit => {
            format!("{:?}", commit_after_an_older_snapshot(b))
        }
        BugKnob::CompactPastApplied => format!("{:?}", compact_past_applied(b)),
        BugKnob::TruncateOnCorruption => format!("{:?}", damaged_voter_grants(b)),
        BugKnob::ConfigChangeBeforeOwnCommit => format!("{:?}", change_before_own_commit(b)),
        BugKnob::OverlappingConfigChanges => format!("{:?}", second_change_in_flight(b)),
        BugKnob::ChangeManyWithoutJoint => format!("{:?}", many_at_once(b)),
        BugKnob::RemovedLeaderKeepsLeading => format!("{:?}", leader_after_removing_itself(b)),
        BugKnob::ProposeDuringTransfer => format!("{:?}", transfer_to_a_lagging_target(b).1),
        BugKnob::TimeoutNowToLaggingTarget => {
            format!("{:?}", transfer_to_a_lagging_target(b).0)
        }
    }
}

/// Every knob in `BugKnob::ALL` changes what its scenario shows.
#[test]
fn every_knob_changes_its_scenario() {
    for knob in BugKnob::ALL {
        assert_ne!(
            observe(knob, true),
            observe(knob, false),
            "{knob} changed nothing"
        );
    }
}
