//! One test per rule of cluster membership changes (Ongaro's thesis, chapter 4) and leadership
//! transfer (thesis §3.10), as raftsim's node keeps them (`raft/src/membership.rs`). Each test
//! is named for its rule and cites the section; each would fail if the node broke that rule.
//!
//! The thesis's own numbers: §4.1 single-server changes, §4.2.1 catching up new servers
//! (non-voting members, "learners"), §4.2.2 removing the current leader, §4.3 joint consensus,
//! §3.10 leadership transfer. The fix of 2015 (Ongaro, raft-dev, "bug in single-server
//! membership changes") is catalogue §6. Snapshots with configurations are the paper's §7.

mod common;

use common::membership::*;
use common::*;
use raft::{Command, ConfChange, Config, ConfigRejection, DurableState, Knobs, LogIndex};
use raft::{Message, MessageKind, NodeId, Output, Persist, Rejection, RoleKind, Term};

fn none() -> Knobs {
    Knobs::none()
}

/// n1, leader of term 1 of n1..n3, its no-op 1:1 committed (n2 acknowledged it).
fn committed_leader() -> raft::Node {
    let mut s1 = leader_of_three(none());
    n2_acks(&mut s1);
    assert_eq!(s1.commit_index(), LogIndex(1));
    s1
}

/// `peer` acknowledges the leader's log up to `last`.
fn ack(leader: &mut raft::Node, peer: u8, last: u64) -> Vec<Output> {
    let term = leader.current_term().0;
    step(leader, n(peer), append_reply(term, true, last))
}

/// A disk whose log is `entries`, in the term of the last one.
fn disk_of(entries: Vec<raft::Entry>) -> DurableState {
    DurableState {
        current_term: entries.last().map_or(Term(0), |e| e.term),
        log: entries,
        ..DurableState::default()
    }
}

/// Makes `node` campaign (its vote durable); returns the servers it asked for votes.
fn campaign(node: &mut raft::Node) -> Vec<NodeId> {
    let mut out = Vec::new();
    node.timeout_now(&mut out);
    out.extend(fsync(node));
    sent(&out, MessageKind::RequestVote)
}

/// The leader ticks through one heartbeat interval, and everything is delivered: the
/// followers hear its commit index.
fn heartbeat_round(c: &mut Cluster, leader: NodeId) {
    for _ in 0..c.node(leader).config().heartbeat_interval_ticks {
        c.tick(leader);
    }
    c.stabilize();
}

fn config_rejection(r: ConfigRejection) -> Result<u64, Rejection> {
    Err(Rejection::Config(r))
}

// ----- §4.1: the configuration in force -----

/// Thesis §4.1: "The new configuration takes effect on each server as soon as it is added to
/// that server's log": a leader counts and replicates to the new configuration from the moment
/// it appends the entry, before the entry commits.
#[test]
fn a_leader_uses_a_configuration_from_the_moment_it_appends_it() {
    let mut s1 = committed_leader();
    let out = change(&mut s1, ConfChange::AddVoter(n(4)));
    assert_eq!(outcome(&out), Ok(2));
    assert_eq!(
        s1.commit_index(),
        LogIndex(1),
        "the change is not committed"
    );
    assert_eq!(s1.membership(), voters(&[1, 2, 3, 4]));
    assert_eq!(progress_peers(&s1), vec![n(2), n(3), n(4)]);
    assert!(
        sent(&out, MessageKind::AppendEntries).contains(&n(4)),
        "the new voter hears from the leader at once: {out:?}"
    );
}

/// Thesis §4.1: "a server always uses the latest configuration in its log, regardless of
/// whether that entry is committed" — a follower too: having appended C_new, it campaigns in
/// it (asks n4), its commit index still 0.
#[test]
fn a_follower_uses_a_configuration_from_the_moment_it_appends_it() {
    let mut s2 = node(2, 3, DurableState::default());
    let add4 = config_entry(1, 1, voters(&[1, 2, 3, 4]));
    let out = step(&mut s2, n(1), append_with(1, 1, (0, 0), vec![add4], 0));
    assert_eq!(append_result(&out), (1, true, 1));
    assert_eq!(s2.commit_index(), LogIndex(0));
    assert_eq!(s2.membership(), voters(&[1, 2, 3, 4]));
    assert_eq!(campaign(&mut s2), vec![n(1), n(3), n(4)]);
}

/// Thesis §4.1: a configuration entry can be removed by a new leader, and "a server must be
/// prepared to fall back to the previous configuration in its log": a truncation that deletes
/// a configuration entry gives back the one before it, and deleting the first gives back the
/// boot configuration.
#[test]
fn a_truncation_that_deletes_a_configuration_entry_restores_the_previous_one() {
    let mut s2 = node(2, 3, DurableState::default());
    let add4 = voters(&[1, 2, 3, 4]);
    let add5 = voters(&[1, 2, 3, 4, 5]);
    let entries = vec![config_entry(1, 1, add4), config_entry(2, 1, add5)];
    step(&mut s2, n(1), append_with(1, 1, (0, 0), entries, 0));
    assert_eq!(s2.membership(), add5);
    // The leader of term 2 never had 2:1: the follower deletes it.
    let out = step(&mut s2, n(3), append(2, 3, (1, 1), &[2], 0));
    assert_eq!(append_result(&out), (2, true, 2));
    assert_eq!(s2.membership(), add4);
    assert_eq!(s2.log().membership(), (LogIndex(1), Some(add4)));
    // The leader of term 3 never had 1:1 either.
    step(&mut s2, n(1), append(3, 1, (0, 0), &[3], 0));
    assert_eq!(
        s2.membership(),
        voters(&[1, 2, 3]),
        "the boot configuration"
    );
    assert_eq!(s2.log().membership(), (LogIndex(0), None));
    assert_eq!(campaign(&mut s2), vec![n(1), n(3)]);
}

/// Thesis §4.1: one change at a time — a leader starts a change only once the previous one
/// is committed. A second change while the first is uncommitted is refused (`Pending`);
/// client commands are not, and once the first commits the second is accepted.
#[test]
fn a_leader_accepts_one_configuration_change_at_a_time() {
    let mut s1 = committed_leader();
    assert_eq!(outcome(&change(&mut s1, ConfChange::AddVoter(n(4)))), Ok(2));
    let pending = config_rejection(ConfigRejection::Pending { index: LogIndex(2) });
    for next in [
        ConfChange::AddVoter(n(5)),
        ConfChange::Remove(n(3)),
        ConfChange::AddLearner(n(5)),
        ConfChange::Joint {
            voters: set(&[1, 2]),
        },
    ] {
        assert_eq!(outcome(&change(&mut s1, next)), pending, "{next}");
    }
    assert_eq!(s1.log().last_index(), LogIndex(2), "nothing appended");
    assert_eq!(outcome(&propose(&mut s1, 7)), Ok(3), "commands still go in");
    fsync(&mut s1);
    ack(&mut s1, 2, 3);
    ack(&mut s1, 3, 3);
    assert_eq!(s1.commit_index(), LogIndex(3));
    assert_eq!(outcome(&change(&mut s1, ConfChange::AddVoter(n(5)))), Ok(4));
}

/// The fix of 2015 (Ongaro, raft-dev; catalogue §6): "a leader may not append a new
/// configuration entry until it has committed an entry from its own term". n1 knows that 1:1
/// is committed (it heard so in term 1), but until its no-op of term 2 commits it refuses a
/// change (`NoCommitInTerm`).
#[test]
fn a_new_leader_changes_the_configuration_only_after_an_entry_of_its_term_commits() {
    let mut s1 = node(1, 3, DurableState::default());
    step(&mut s1, n(2), append(1, 2, (0, 0), &[1], 1));
    assert_eq!(s1.commit_index(), LogIndex(1));
    make_leader(&mut s1, 3);
    assert_eq!(s1.current_term(), Term(2));
    let add4 = ConfChange::AddVoter(n(4));
    assert_eq!(
        outcome(&change(&mut s1, add4)),
        config_rejection(ConfigRejection::NoCommitInTerm)
    );
    assert_eq!(s1.log().last_index(), LogIndex(2), "only its no-op");
    ack(&mut s1, 2, 2);
    assert_eq!(s1.commit_index(), LogIndex(2));
    assert_eq!(outcome(&change(&mut s1, add4)), Ok(3));
}

/// Thesis §4.1 (and `ConfigRejection::Invalid`): a change must change the configuration into
/// a valid one. Adding a voter that is one, promoting a server that is no learner, adding a
/// learner that is a member, removing a non-member, an empty or unchanged joint change, and a
/// server an entry cannot name (ids 1..=21, `MAX_CONFIG_ID`) are refused, and nothing is
/// appended; id 21 itself is fine.
#[test]
fn invalid_configuration_changes_are_refused() {
    let invalid = config_rejection(ConfigRejection::Invalid);
    let mut s1 = committed_leader();
    let joint = |ids: &[u8]| ConfChange::Joint { voters: set(ids) };
    for bad in [
        ConfChange::AddVoter(n(2)),
        ConfChange::Promote(n(2)),
        ConfChange::Promote(n(4)),
        ConfChange::AddLearner(n(3)),
        ConfChange::Remove(n(7)),
        joint(&[]),
        joint(&[1, 2, 3]),
        ConfChange::AddVoter(n(raft::MAX_CONFIG_ID + 1)),
        ConfChange::AddLearner(n(raft::MAX_CONFIG_ID + 1)),
        joint(&[1, 2, raft::MAX_CONFIG_ID + 1]),
        // Id 0 names no server (ids start at 1) and cannot be packed into an entry.
        ConfChange::AddVoter(n(0)),
        ConfChange::AddLearner(n(0)),
        joint(&[0]),
    ] {
        assert_eq!(outcome(&change(&mut s1, bad)), invalid, "{bad}");
        assert_eq!(s1.log().last_index(), LogIndex(1), "{bad} appended nothing");
    }
    assert_eq!(s1.membership(), voters(&[1, 2, 3]));
    let top = ConfChange::AddVoter(n(raft::MAX_CONFIG_ID));
    assert_eq!(outcome(&change(&mut s1, top)), Ok(2));
    assert_eq!(s1.membership(), voters(&[1, 2, 3, raft::MAX_CONFIG_ID]));
}

/// Thesis §4.1: a configuration keeps at least one voter. A leader alone with a learner may
/// remove the learner but not itself, the last voter.
#[test]
fn removing_the_last_voter_is_refused() {
    let mut s1 = node(1, 1, DurableState::default());
    make_leader(&mut s1, 1);
    assert_eq!(s1.commit_index(), LogIndex(1));
    assert_eq!(
        outcome(&change(&mut s1, ConfChange::AddLearner(n(2)))),
        Ok(2)
    );
    fsync(&mut s1);
    assert_eq!(s1.commit_index(), LogIndex(2));
    assert_eq!(
        outcome(&change(&mut s1, ConfChange::Remove(n(1)))),
        config_rejection(ConfigRejection::Invalid)
    );
    assert_eq!(s1.membership(), with_learners(&[1], &[2]));
    assert_eq!(outcome(&change(&mut s1, ConfChange::Remove(n(2)))), Ok(3));
    assert_eq!(s1.membership(), voters(&[1]));
}

// ----- Majorities of the configuration in force (thesis §4.1) -----

/// Thesis §4.1 with Figure 2's commit rule: a majority of the configuration in force. With n4
/// added (the entry not yet committed), n1 and n2 are 2 of 4, not the majority they were of
/// three; n4's acknowledgement makes 3 of 4.
#[test]
fn after_adding_a_fourth_voter_a_commit_needs_three_of_four() {
    let mut s1 = committed_leader();
    assert_eq!(outcome(&change(&mut s1, ConfChange::AddVoter(n(4)))), Ok(2));
    fsync(&mut s1);
    assert!(committed(&ack(&mut s1, 2, 2)).is_empty());
    assert_eq!(s1.commit_index(), LogIndex(1), "2 of 4 is no majority");
    assert_eq!(committed(&ack(&mut s1, 4, 2)), vec![2], "3 of 4 is");
}

/// Thesis §4: elections count the voters of the candidate's configuration — the one in its
/// log, voters 1..3 with learners 4 and 5, not its boot configuration of five. Grants from the
/// learners and from n7, outside it, count for nothing; n2's makes a majority.
#[test]
fn only_voters_of_the_configuration_in_force_elect() {
    let disk = disk_of(vec![config_entry(1, 1, with_learners(&[1, 2, 3], &[4, 5]))]);
    let mut s1 = node(1, 5, disk);
    assert_eq!(campaign(&mut s1), vec![n(2), n(3), n(4), n(5)]);
    for outsider in [4, 5, 7] {
        step(&mut s1, n(outsider), vote(2, true));
    }
    assert_eq!(s1.role_kind(), RoleKind::Candidate, "no voter but itself");
    step(&mut s1, n(2), vote(2, true));
    assert_eq!(s1.role_kind(), RoleKind::Leader);
}

/// The same with PreVote (thesis §9.6): a pre-vote from a learner is no step toward an
/// election.
#[test]
fn only_voters_of_the_configuration_in_force_grant_pre_votes() {
    let config = Config {
        pre_vote: true,
        ..Config::default()
    };
    let disk = disk_of(vec![config_entry(1, 1, with_learners(&[1, 2, 3], &[4, 5]))]);
    let mut s1 = node_with(1, 5, config, disk);
    let timeout = s1.election_timeout_ticks();
    let out = ticks(&mut s1, timeout);
    assert_eq!(
        sent(&out, MessageKind::PreVote),
        vec![n(2), n(3), n(4), n(5)]
    );
    let grant = Message::PreVoteResponse {
        term: Term(2),
        vote_granted: true,
    };
    step(&mut s1, n(4), grant.clone());
    step(&mut s1, n(5), grant.clone());
    assert_eq!(s1.role_kind(), RoleKind::PreCandidate);
    assert_eq!(s1.current_term(), Term(1));
    step(&mut s1, n(3), grant);
    assert_eq!(s1.role_kind(), RoleKind::Candidate);
    assert_eq!(s1.current_term(), Term(2));
}

/// Thesis §4.1: a configuration of one voter is a majority by itself. n1, booted in a
/// cluster of three whose log shrank it to n1 alone, elects itself on its election timeout
/// and commits with its own disk, sending nothing to anyone.
#[test]
fn a_single_voter_configuration_elects_and_commits_alone() {
    let disk = disk_of(vec![config_entry(1, 1, voters(&[1]))]);
    let mut s1 = node(1, 3, disk);
    let timeout = s1.election_timeout_ticks();
    let mut out = ticks(&mut s1, timeout);
    assert!(sends(&out).is_empty(), "{out:?}");
    out.extend(fsync(&mut s1)); // its vote is durable: elected
    assert_eq!(s1.role_kind(), RoleKind::Leader);
    assert_eq!(outcome(&propose(&mut s1, 7)), Ok(3));
    out.extend(fsync(&mut s1));
    assert_eq!(s1.commit_index(), LogIndex(3));
    assert!(sends(&out).is_empty(), "{out:?}");
}

// ----- §4.3 Joint consensus -----

/// n1, leader of n1..n3 (no-op committed), has appended C_old,new towards voters n1 n4 n5.
fn joint_leader() -> raft::Node {
    let mut s1 = committed_leader();
    let change_to = ConfChange::Joint {
        voters: set(&[1, 4, 5]),
    };
    assert_eq!(outcome(&change(&mut s1, change_to)), Ok(2));
    fsync(&mut s1);
    assert_eq!(s1.membership(), joint(&[1, 4, 5], &[1, 2, 3]));
    s1
}

/// Thesis §4.3: in C_old,new, "agreement (for elections and entry commitment) requires
/// separate majorities from both the old and new configurations". n1 with n2 and n3 is all of
/// C_old but one of C_new; with n4 and n5 all of C_new but one of C_old. Neither commits; a
/// majority of each does.
#[test]
fn while_joint_a_commit_needs_a_majority_of_both_configurations() {
    let mut s1 = joint_leader();
    ack(&mut s1, 2, 2);
    ack(&mut s1, 3, 2);
    assert_eq!(s1.commit_index(), LogIndex(1), "a majority of C_old only");
    ack(&mut s1, 4, 2);
    assert_eq!(s1.commit_index(), LogIndex(2));

    let mut s1 = joint_leader();
    ack(&mut s1, 4, 2);
    ack(&mut s1, 5, 2);
    assert_eq!(s1.commit_index(), LogIndex(1), "a majority of C_new only");
    ack(&mut s1, 2, 2);
    assert_eq!(s1.commit_index(), LogIndex(2));
}

/// Thesis §4.3: the same for elections. A candidate whose log holds C_old,new (n1 n2 n3 to
/// n1 n4 n5) asks every voter of both, and needs a majority of each.
#[test]
fn while_joint_an_election_needs_a_majority_of_both_configurations() {
    for (first, second, last) in [(2, 3, 4), (4, 5, 2)] {
        let disk = disk_of(vec![config_entry(1, 1, joint(&[1, 4, 5], &[1, 2, 3]))]);
        let mut s1 = node(1, 3, disk);
        assert_eq!(campaign(&mut s1), vec![n(2), n(3), n(4), n(5)]);
        step(&mut s1, n(first), vote(2, true));
        step(&mut s1, n(second), vote(2, true));
        assert_eq!(
            s1.role_kind(),
            RoleKind::Candidate,
            "n{first} and n{second} hold a majority of one half only"
        );
        step(&mut s1, n(last), vote(2, true));
        assert_eq!(s1.role_kind(), RoleKind::Leader);
    }
}

/// Thesis §4.3: "Once C_old,new has been committed … it is now safe for the leader to create
/// a log entry describing C_new and replicate it to the cluster." The leader appends C_new by
/// itself when C_old,new commits, and C_new then needs only its own majority.
#[test]
fn once_the_joint_configuration_commits_the_leader_appends_the_new_one() {
    let mut s1 = joint_leader();
    ack(&mut s1, 2, 2);
    ack(&mut s1, 3, 2);
    assert_eq!(
        s1.log().last_index(),
        LogIndex(2),
        "not before C_old,new commits"
    );
    let out = ack(&mut s1, 4, 2);
    assert_eq!(committed(&out), vec![2]);
    let c_new = config_entry(3, 1, voters(&[1, 4, 5]));
    assert_eq!(s1.log().get(LogIndex(3)), Some(&c_new));
    assert!(persists(&out).contains(&Persist::Append {
        entries: vec![c_new]
    }));
    assert_eq!(s1.membership(), voters(&[1, 4, 5]));
    assert_eq!(progress_peers(&s1), vec![n(4), n(5)], "n2 and n3 are gone");
    fsync(&mut s1);
    ack(&mut s1, 4, 3);
    assert_eq!(
        s1.commit_index(),
        LogIndex(3),
        "n1 and n4 are a majority of C_new"
    );
}

/// Thesis §4.3 as etcd #12136 found it missing (a cluster stuck in a joint configuration): a
/// leader elected while the configuration is joint leaves it too — once it has committed an
/// entry of its own term, it appends C_new.
#[test]
fn a_leader_elected_in_a_joint_configuration_leaves_it() {
    let mut s1 = node(1, 3, DurableState::default());
    let c_old_new = joint(&[1, 2, 4], &[1, 2, 3]);
    let entries = vec![entry(1, 1), config_entry(2, 1, c_old_new)];
    step(&mut s1, n(2), append_with(1, 2, (0, 0), entries, 2));
    assert_eq!(
        s1.commit_index(),
        LogIndex(2),
        "C_old,new committed in term 1"
    );
    // Its leader is gone; n1 wins term 2 with n2, a majority of both halves.
    make_leader(&mut s1, 3);
    assert_eq!(s1.current_term(), Term(2));
    assert_eq!(s1.log().last_index(), LogIndex(3), "its no-op only, so far");
    assert_eq!(s1.membership(), c_old_new);
    ack(&mut s1, 2, 3);
    assert_eq!(s1.commit_index(), LogIndex(3));
    let c_new = config_entry(4, 2, voters(&[1, 2, 4]));
    assert_eq!(s1.log().get(LogIndex(4)), Some(&c_new));
    assert_eq!(s1.membership(), voters(&[1, 2, 4]));
}

// ----- §4.2.1 Learners -----

/// Thesis §4.2.1: a new server joins "as a non-voting member": the leader replicates to it,
/// but its acknowledgements count toward no majority. With learners n4 and n5 acknowledging,
/// n1 has 3 of the 5 servers but 1 of the 3 voters: no commit until n2 acknowledges.
#[test]
fn a_learner_receives_entries_but_is_never_counted() {
    let mut s1 = committed_leader();
    let out = change(&mut s1, ConfChange::AddLearner(n(4)));
    assert_eq!(outcome(&out), Ok(2));
    assert!(sent(&out, MessageKind::AppendEntries).contains(&n(4)));
    fsync(&mut s1);
    ack(&mut s1, 2, 2);
    assert_eq!(s1.commit_index(), LogIndex(2));
    assert_eq!(
        outcome(&change(&mut s1, ConfChange::AddLearner(n(5)))),
        Ok(3)
    );
    assert_eq!(s1.membership(), with_learners(&[1, 2, 3], &[4, 5]));
    assert_eq!(progress_peers(&s1), vec![n(2), n(3), n(4), n(5)]);
    assert_eq!(outcome(&propose(&mut s1, 7)), Ok(4));
    fsync(&mut s1);
    ack(&mut s1, 4, 4);
    ack(&mut s1, 5, 4);
    assert_eq!(s1.commit_index(), LogIndex(2), "learners are no majority");
    ack(&mut s1, 2, 4);
    assert_eq!(s1.commit_index(), LogIndex(4));
}

/// Thesis §4.2.1: learners never stand for election. n4, a voter of its boot configuration
/// but a learner of the one in its log, hears from n1 that the entry is committed; then it
/// sees its election timeout pass several times and sends nothing; `timeout_now` and a
/// leader's TimeoutNow do nothing either.
#[test]
fn a_learner_never_campaigns() {
    let disk = disk_of(vec![config_entry(1, 1, with_learners(&[1, 2, 3], &[4]))]);
    let mut s4 = node(4, 4, disk);
    step(&mut s4, n(1), heartbeat(1, 1, (1, 1), 1));
    assert_eq!(s4.commit_index(), LogIndex(1));
    for _ in 0..3 {
        let out = ticks_to_timeout(&mut s4, 0);
        assert!(sends(&out).is_empty(), "{out:?}");
    }
    let mut out = Vec::new();
    s4.timeout_now(&mut out);
    let timeout_now = Message::TimeoutNow {
        term: Term(1),
        leader: n(1),
    };
    s4.step(n(1), timeout_now, &mut out);
    assert!(sends(&out).is_empty(), "{out:?}");
    assert_eq!(
        (s4.role_kind(), s4.current_term()),
        (RoleKind::Follower, Term(1))
    );
}

/// Thesis §4.2.1: a learner that has caught up is promoted to a voter, by an ordinary
/// single-server change. In a cluster of n1..n3 with a spare n4: n4 joins as a learner and
/// receives the whole log (it applies what n1 applied), cannot campaign, and once promoted
/// wins an election.
#[test]
fn a_promoted_learner_is_a_voter() {
    let disks = vec![DurableState::default(); 4];
    let mut c = Cluster::with_boot_voters(Config::default(), disks, &ids(3));
    c.elect(n(1));
    for p in 1..=3 {
        c.propose(n(1), p);
    }
    c.stabilize();
    c.change(n(1), ConfChange::AddLearner(n(4)));
    c.stabilize();
    assert_eq!(c.last_outcome(n(1)), Ok(5));
    assert_eq!(c.node(n(4)).log().entries(), c.node(n(1)).log().entries());
    c.propose(n(1), 4);
    c.stabilize();
    heartbeat_round(&mut c, n(1)); // the followers hear that 6 committed
    assert_eq!(c.machine(n(4)), c.machine(n(1)));
    assert_eq!(c.machine(n(4)), &[0, 1, 2, 3, 0, 4][..]);
    c.timeout_now(n(4));
    assert!(c.queue().is_empty(), "a learner asks for no votes");

    c.change(n(1), ConfChange::Promote(n(4)));
    c.stabilize();
    assert_eq!(c.last_outcome(n(1)), Ok(7));
    for id in ids(4) {
        assert_eq!(c.node(id).membership(), voters(&[1, 2, 3, 4]), "{id}");
    }
    c.elect(n(4));
    assert_eq!(c.node(n(4)).current_term(), Term(2));
}

// ----- §4.2.2 Removing the current leader -----

/// Thesis §4.2.2: while it commits a C_new without itself, the leader manages a cluster that
/// does not include itself; "it replicates log entries but does not count itself in
/// majorities", and steps down once C_new is committed. Then, no voter, it starts no
/// election.
#[test]
fn a_leader_that_removes_itself_steps_down_once_the_change_commits() {
    let mut s1 = committed_leader();
    assert_eq!(outcome(&change(&mut s1, ConfChange::Remove(n(1)))), Ok(2));
    assert_eq!(s1.membership(), voters(&[2, 3]));
    assert_eq!(s1.role_kind(), RoleKind::Leader);
    assert_eq!(progress_peers(&s1), vec![n(2), n(3)]);
    let out = propose(&mut s1, 7);
    assert_eq!(outcome(&out), Ok(3));
    assert_eq!(sent(&out, MessageKind::AppendEntries), vec![n(2), n(3)]);
    fsync(&mut s1);
    ack(&mut s1, 2, 3);
    assert_eq!(
        s1.commit_index(),
        LogIndex(1),
        "n1 and n2 hold it, but n1 is no voter of n2 n3"
    );
    assert_eq!(s1.role_kind(), RoleKind::Leader);
    ack(&mut s1, 3, 3);
    assert_eq!(s1.commit_index(), LogIndex(3));
    assert_eq!(s1.role_kind(), RoleKind::Follower);
    for _ in 0..3 {
        let out = ticks_to_timeout(&mut s1, 0);
        assert!(sends(&out).is_empty(), "{out:?}");
    }
    assert_eq!(s1.current_term(), Term(1));
}

/// Thesis §4.2.2: n3, a voter at boot, has appended a configuration without it and heard
/// that it is committed; its election timeout passes and nothing happens, nor on
/// `timeout_now`.
#[test]
fn a_removed_server_does_not_start_elections() {
    let disk = disk_of(vec![config_entry(1, 1, voters(&[1, 2]))]);
    let mut s3 = node(3, 3, disk);
    step(&mut s3, n(1), heartbeat(1, 1, (1, 1), 1));
    assert_eq!(s3.commit_index(), LogIndex(1));
    let mut out = Vec::new();
    for _ in 0..3 {
        out.extend(ticks_to_timeout(&mut s3, 0));
    }
    s3.timeout_now(&mut out);
    assert!(sends(&out).is_empty(), "{out:?}");
    assert_eq!(
        (s3.role_kind(), s3.current_term()),
        (RoleKind::Follower, Term(1))
    );
}

/// A cluster that removes its leader goes on: n1 removes itself, steps down once n2 and n3
/// hold the change, and n2 and n3 elect a leader between them and commit without n1.
#[test]
fn a_cluster_that_removed_its_leader_elects_another() {
    let mut c = Cluster::new(3);
    c.elect(n(1));
    c.change(n(1), ConfChange::Remove(n(1)));
    c.stabilize();
    assert_eq!(c.node(n(1)).role_kind(), RoleKind::Follower);
    c.isolate(n(1));
    c.elect(n(2));
    c.propose(n(2), 9);
    c.stabilize();
    heartbeat_round(&mut c, n(2));
    assert_eq!(c.node(n(3)).commit_index(), c.node(n(2)).log().last_index());
    assert_eq!(c.machine(n(3)).last(), Some(&9));
}

// ----- §3.10 Leadership transfer -----

/// Thesis §3.10: "the prior leader stops accepting new client requests" while it transfers
/// its leadership, configuration changes included (`Rejection::Transferring`).
#[test]
fn a_leader_refuses_proposals_while_it_transfers_its_leadership() {
    let mut s1 = committed_leader();
    transfer(&mut s1, 3);
    assert_eq!(s1.transfer_target(), Some(n(3)));
    let transferring = Err(Rejection::Transferring { to: n(3) });
    assert_eq!(outcome(&propose(&mut s1, 7)), transferring);
    assert_eq!(
        outcome(&change(&mut s1, ConfChange::AddVoter(n(4)))),
        transferring
    );
    assert_eq!(s1.log().last_index(), LogIndex(1));
}

/// Thesis §3.10: "The prior leader fully updates the target server's log to match its own",
/// and only then "sends a TimeoutNow request to the target server". A target that lacks the
/// leader's entries gets them first; one that acknowledged part of the log gets no
/// TimeoutNow; TimeoutNow goes once its matchIndex is the leader's last index.
#[test]
fn timeout_now_goes_only_once_the_target_holds_the_leaders_whole_log() {
    let mut s1 = leader_of_three(none());
    let out = transfer(&mut s1, 2);
    assert_eq!(sent(&out, MessageKind::AppendEntries), vec![n(2)]);
    assert!(sent(&out, MessageKind::TimeoutNow).is_empty());

    let mut s1 = leader_of_three(none());
    assert_eq!(outcome(&propose(&mut s1, 7)), Ok(2)); // 1:1 and 2:1 on their way to n2
    assert!(sends(&transfer(&mut s1, 2)).is_empty(), "already in flight");
    let out = ack(&mut s1, 2, 1);
    assert!(sent(&out, MessageKind::TimeoutNow).is_empty(), "{out:?}");
    let out = ack(&mut s1, 2, 2);
    let timeout_now = Message::TimeoutNow {
        term: Term(1),
        leader: n(1),
    };
    assert_eq!(sends(&out), vec![(n(2), timeout_now)]);
}

/// Thesis §3.10: TimeoutNow "has the same effect as the target server's election timer
/// firing: the target server starts a new election" — at once, skipping PreVote (the leader
/// asked for the election), its RequestVotes marked as a transfer's. The same node on its
/// own election timeout asks for pre-votes first.
#[test]
fn the_target_campaigns_at_once_on_timeout_now_even_with_pre_vote() {
    let config = Config {
        pre_vote: true,
        ..Config::default()
    };
    let mut s2 = node_with(2, 3, config.clone(), DurableState::default());
    step(&mut s2, n(1), heartbeat(1, 1, (0, 0), 0));
    let timeout_now = Message::TimeoutNow {
        term: Term(1),
        leader: n(1),
    };
    let out = step(&mut s2, n(1), timeout_now);
    assert_eq!(
        (s2.role_kind(), s2.current_term()),
        (RoleKind::Candidate, Term(2))
    );
    let request = Message::RequestVote {
        term: Term(2),
        candidate: n(2),
        last_log_index: LogIndex(0),
        last_log_term: Term(0),
        commit_index: LogIndex(0),
        transfer: true,
    };
    assert_eq!(sends(&out), vec![(n(1), request.clone()), (n(3), request)]);

    let mut s2 = node_with(2, 3, config, DurableState::default());
    let out = ticks_to_timeout(&mut s2, 0);
    assert_eq!(sent(&out, MessageKind::PreVote), vec![n(1), n(3)]);
    assert_eq!(s2.current_term(), Term(0));
}

/// Thesis §3.10 with §4.2.3: with CheckQuorum, a server that heard from its leader within the
/// minimum election timeout ignores RequestVote — but not one marked as a transfer, which the
/// leader itself asked for.
#[test]
fn a_voter_that_hears_its_leader_grants_a_transfer_vote_only() {
    let config = Config {
        check_quorum: true,
        ..Config::default()
    };
    let mut s3 = node_with(3, 3, config, DurableState::default());
    step(&mut s3, n(1), heartbeat(1, 1, (0, 0), 0));
    let out = step(&mut s3, n(2), request_vote(2, 2, (0, 0)));
    assert!(sends(&out).is_empty(), "ignored: {out:?}");
    assert_eq!((s3.current_term(), s3.voted_for()), (Term(1), None));
    let mut marked = request_vote(2, 2, (0, 0));
    if let Message::RequestVote { transfer, .. } = &mut marked {
        *transfer = true;
    }
    let out = step(&mut s3, n(2), marked);
    assert_eq!(vote_reply(&out), (2, true));
    assert_eq!(s3.voted_for(), Some(n(2)));
}

/// Thesis §3.10: "If the transfer does not complete within an election timeout, the prior
/// leader aborts the transfer and resumes accepting client requests." The timeout is the
/// longest election timeout (`election_timeout_max_ticks`).
#[test]
fn a_transfer_not_done_within_an_election_timeout_is_abandoned() {
    let mut s1 = committed_leader();
    transfer(&mut s1, 3); // n3 never answers
    let max = s1.config().election_timeout_max_ticks;
    let out = ticks(&mut s1, max - 1);
    assert!(sent(&out, MessageKind::TimeoutNow).is_empty());
    assert_eq!(s1.transfer_target(), Some(n(3)));
    assert_eq!(
        outcome(&propose(&mut s1, 7)),
        Err(Rejection::Transferring { to: n(3) })
    );
    ticks(&mut s1, 1);
    assert_eq!(s1.transfer_target(), None);
    assert_eq!(s1.role_kind(), RoleKind::Leader);
    assert_eq!(outcome(&propose(&mut s1, 7)), Ok(2));
}

/// Thesis §3.10: the target is another voter. A transfer to the leader itself, to a learner
/// or to a server outside the configuration is ignored: nothing is sent, proposals go on.
#[test]
fn a_transfer_to_itself_or_to_a_non_voter_is_ignored() {
    let mut s1 = committed_leader();
    assert_eq!(
        outcome(&change(&mut s1, ConfChange::AddLearner(n(4)))),
        Ok(2)
    );
    ack(&mut s1, 2, 2);
    for target in [1, 4, 7] {
        let out = transfer(&mut s1, target);
        assert!(sends(&out).is_empty(), "n{target}: {out:?}");
        assert_eq!(s1.transfer_target(), None, "n{target}");
    }
    assert!(outcome(&propose(&mut s1, 7)).is_ok());
}

/// Thesis §3.10 end to end, with PreVote and CheckQuorum on: n1 hands its leadership to n3,
/// which wins term 2 though n1 and n2 still hear from a leader, and holds every entry.
#[test]
fn a_transfer_hands_the_leadership_to_the_target() {
    let config = Config {
        pre_vote: true,
        check_quorum: true,
        ..Config::default()
    };
    let mut c = Cluster::from_disks(config, vec![DurableState::default(); 3]);
    c.elect(n(1));
    c.propose(n(1), 5);
    c.stabilize();
    c.transfer(n(1), n(3));
    c.stabilize();
    assert_eq!(c.node(n(3)).role_kind(), RoleKind::Leader);
    assert_eq!(c.node(n(3)).current_term(), Term(2));
    assert_eq!(c.node(n(1)).role_kind(), RoleKind::Follower);
    assert_eq!(c.node(n(1)).transfer_target(), None);
    let five = Command::Client(5);
    assert_eq!(
        c.node(n(3)).log().get(LogIndex(2)).map(|e| e.command),
        Some(five)
    );
    c.propose(n(3), 6);
    c.stabilize();
    heartbeat_round(&mut c, n(3));
    assert_eq!(c.machine(n(1)), &[0, 5, 0, 6][..]);
}

// ----- §7 Snapshots with configurations -----

/// Paper §7: "the snapshot also includes the latest configuration in the log as of last
/// included index". A snapshot taken after n4 was added records it; a node restarted from
/// that snapshot, the configuration entry compacted away, is in that configuration (asks n4
/// for its vote, and needs three of four).
#[test]
fn a_snapshot_records_the_configuration_and_a_restart_from_it_keeps_it() {
    let mut s1 = committed_leader();
    assert_eq!(outcome(&change(&mut s1, ConfChange::AddVoter(n(4)))), Ok(2));
    fsync(&mut s1);
    ack(&mut s1, 2, 2);
    ack(&mut s1, 3, 2);
    assert_eq!(s1.last_applied(), LogIndex(2));
    let mut out = Vec::new();
    s1.compact(LogIndex(2), vec![1], &mut out).expect("applied");
    let snapshot = persists(&out)
        .into_iter()
        .find_map(|p| match p {
            Persist::Snapshot(s) => Some(s),
            _ => None,
        })
        .expect("a snapshot written");
    let add4 = voters(&[1, 2, 3, 4]);
    assert_eq!(snapshot.membership, Some(add4));
    assert_eq!(s1.membership(), add4);

    let disk = DurableState {
        current_term: s1.current_term(),
        voted_for: s1.voted_for(),
        log: Vec::new(),
        snapshot: Some(snapshot),
        damaged: None,
    };
    let mut restarted = node(1, 3, disk);
    assert!(
        restarted.log().is_empty(),
        "the configuration entry is compacted"
    );
    assert_eq!(restarted.membership(), add4);
    assert_eq!(restarted.log().membership(), (LogIndex(2), Some(add4)));
    assert_eq!(campaign(&mut restarted), vec![n(2), n(3), n(4)]);
    step(&mut restarted, n(2), vote(2, true));
    assert_eq!(restarted.role_kind(), RoleKind::Candidate, "2 of 4");
    step(&mut restarted, n(4), vote(2, true));
    assert_eq!(restarted.role_kind(), RoleKind::Leader);
}

/// Paper §7 (Figure 13, "reset state machine using snapshot contents", the configuration with
/// it): a follower installing a leader's snapshot takes the snapshot's configuration. One that
/// keeps entries after the snapshot keeps a later configuration entry among them: it is the
/// latest of its log (§4.1).
#[test]
fn a_follower_installing_a_snapshot_takes_its_configuration() {
    let install = |index: u64, membership| Message::InstallSnapshot {
        term: Term(1),
        leader: n(1),
        last_included_index: LogIndex(index),
        last_included_term: Term(1),
        data: vec![1],
        membership,
    };
    let mut s2 = node(2, 3, DurableState::default());
    let m = voters(&[1, 2, 4]);
    step(&mut s2, n(1), install(5, Some(m)));
    assert_eq!(s2.commit_index(), LogIndex(5));
    assert_eq!(s2.membership(), m);
    assert_eq!(s2.log().membership(), (LogIndex(5), Some(m)));
    assert_eq!(campaign(&mut s2), vec![n(1), n(4)]);

    let mut s2 = node(2, 3, DurableState::default());
    let add4 = voters(&[1, 2, 3, 4]);
    let entries = vec![entry(1, 1), entry(2, 1), config_entry(3, 1, add4)];
    step(&mut s2, n(1), append_with(1, 1, (0, 0), entries, 0));
    step(&mut s2, n(1), install(2, None));
    assert_eq!(s2.log().last_included(), (LogIndex(2), Term(1)));
    assert_eq!(s2.log().last_index(), LogIndex(3), "3:1 kept");
    assert_eq!(s2.membership(), add4);
    assert_eq!(s2.log().membership(), (LogIndex(3), Some(add4)));
}

/// §4.1 at a restart: a node rebuilt from its disk is in the latest configuration of its log,
/// not its boot configuration (the uncommitted entry included).
#[test]
fn a_restarted_node_is_in_the_latest_configuration_of_its_log() {
    let mut c =
        Cluster::with_boot_voters(Config::default(), vec![DurableState::default(); 4], &ids(3));
    c.elect(n(1));
    c.change(n(1), ConfChange::AddVoter(n(4)));
    c.stabilize();
    c.isolate(n(2));
    c.isolate(n(3));
    c.isolate(n(4));
    c.change(n(1), ConfChange::Remove(n(2)));
    assert_eq!(c.last_outcome(n(1)), Ok(3));
    c.crash(n(1));
    assert_eq!(c.node(n(1)).membership(), voters(&[1, 3, 4]));
    c.crash(n(4));
    assert_eq!(c.node(n(4)).membership(), voters(&[1, 2, 3, 4]));
    assert!(matches!(
        c.node(n(1)).log().get(LogIndex(3)).map(|e| e.command),
        Some(Command::Config(_))
    ));
}

/// Thesis §4.2.2, Figure 4.6: a server outside its latest configuration still starts elections
/// while that configuration is uncommitted: it may be the only one that can win. n2 led
/// n1 n2, removed itself (2:2, on its disk only) and restarted; n1, behind, cannot win
/// without n2's vote, which n2 denies it. n2 campaigns, counts n1's vote as the majority of
/// n1 alone, and leads until the change commits.
#[test]
fn a_server_outside_its_uncommitted_configuration_still_campaigns() {
    let mut entries = vec![config_entry(1, 1, voters(&[1, 2]))];
    entries.push(config_entry(2, 2, voters(&[1])));
    let disk = disk_of(entries);
    let mut s2 = node(2, 2, disk);
    assert_eq!(s2.membership(), voters(&[1]));
    let out = ticks_to_timeout(&mut s2, 0);
    assert_eq!(sent(&out, MessageKind::RequestVote), vec![n(1)]);
    fsync(&mut s2);
    let term = s2.current_term().0;
    step(&mut s2, n(1), vote(term, true));
    assert_eq!(
        s2.role_kind(),
        RoleKind::Leader,
        "n1's vote is a majority of n1"
    );
}
