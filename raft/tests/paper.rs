//! One test per claim of the Raft paper ("In Search of an Understandable Consensus Algorithm",
//! extended version), in the manner of etcd's `raft_paper_test.go`. Each test quotes its claim.

mod common;

use common::*;
use raft::{Command, Config, DurableState, LogIndex, Message, Output, Persist, Rejection};
use raft::{RoleKind, Synced, Term};

// ----- §5.2 Leader election -----

/// Raft §5.2: "If a follower receives no communication over a period of time called the
/// election timeout, then it assumes there is no viable leader and begins an election to choose
/// a new leader."
#[test]
fn follower_starts_an_election_when_its_timeout_elapses() {
    let mut s = node(1, 3, DurableState::default());
    let timeout = s.election_timeout_ticks();
    assert!(sends(&ticks(&mut s, timeout - 1)).is_empty());
    assert_eq!(s.role_kind(), RoleKind::Follower);
    ticks(&mut s, 1);
    assert_eq!(s.role_kind(), RoleKind::Candidate);
}

/// Raft §5.2: "To begin an election, a follower increments its current term and transitions to
/// candidate state. It then votes for itself and issues RequestVote RPCs in parallel to each of
/// the other servers in the cluster."
#[test]
fn candidate_increments_its_term_votes_for_itself_and_asks_every_peer() {
    let mut s = node(1, 3, durable(2, &[1, 2]));
    let timeout = s.election_timeout_ticks();
    let out = ticks(&mut s, timeout);
    assert_eq!(s.current_term(), Term(3));
    assert_eq!(s.voted_for(), Some(n(1)));
    let expected = request_vote(3, 1, (2, 2));
    assert_eq!(
        sends(&out),
        vec![(n(2), expected.clone()), (n(3), expected)]
    );
}

/// Raft §5.2: "A candidate wins an election if it receives votes from a majority of the servers
/// in the full cluster for the same term."
#[test]
fn candidate_wins_with_votes_from_a_majority() {
    let mut s = node(1, 5, DurableState::default());
    ticks_to_timeout(&mut s, 0);
    fsync(&mut s); // its own vote counts once it is on its disk
    step(&mut s, n(2), vote(1, true));
    step(&mut s, n(2), vote(1, true)); // a duplicate grant is still one server
    step(&mut s, n(3), vote(1, false));
    assert_eq!(s.role_kind(), RoleKind::Candidate, "2 of 5 is no majority");
    step(&mut s, n(4), vote(1, true));
    assert_eq!(s.role_kind(), RoleKind::Leader, "3 of 5 is");
    assert_eq!(s.leader(), Some(n(1)));
}

/// Raft §5.2: "A candidate wins an election if it receives votes from a majority of the servers
/// in the full cluster" — a grant from a server outside the cluster is not one of them.
/// (Its own vote counts once durable; its RequestVotes wait for that write, so every grant
/// comes after.)
#[test]
fn votes_from_outside_the_cluster_do_not_count() {
    let mut s = node(1, 3, DurableState::default());
    s.timeout_now(&mut Vec::new());
    fsync(&mut s);
    step(&mut s, n(7), vote(1, true));
    assert_eq!(s.role_kind(), RoleKind::Candidate);
    step(&mut s, n(2), vote(1, true));
    assert_eq!(s.role_kind(), RoleKind::Leader);
}

/// Raft §5.2: "Each server will vote for at most one candidate in a given term, on a
/// first-come-first-served basis."
#[test]
fn a_server_votes_at_most_once_per_term_first_come_first_served() {
    let mut s = node(1, 3, DurableState::default());
    assert_eq!(
        vote_reply(&step(&mut s, n(2), request_vote(1, 2, (0, 0)))),
        (1, true)
    );
    assert_eq!(
        vote_reply(&step(&mut s, n(3), request_vote(1, 3, (0, 0)))),
        (1, false)
    );
    assert_eq!(s.voted_for(), Some(n(2)));
    // The candidate it chose may ask again (a retried RPC) and hears the same answer.
    assert_eq!(
        vote_reply(&step(&mut s, n(2), request_vote(1, 2, (0, 0)))),
        (1, true)
    );
    // A new term is a new vote.
    assert_eq!(
        vote_reply(&step(&mut s, n(3), request_vote(2, 3, (0, 0)))),
        (2, true)
    );
}

/// Raft §5.2: "If the leader's term (included in its RPC) is at least as large as the
/// candidate's current term, then the candidate recognizes the leader as legitimate and returns
/// to follower state."
#[test]
fn candidate_steps_down_on_append_entries_of_its_term() {
    let mut s = node(1, 3, DurableState::default());
    s.timeout_now(&mut Vec::new());
    let out = step(&mut s, n(2), heartbeat(1, 2, (0, 0), 0));
    assert_eq!(s.role_kind(), RoleKind::Follower);
    assert_eq!((s.current_term(), s.leader()), (Term(1), Some(n(2))));
    assert_eq!(append_result(&out), (1, true, 0));
}

/// Raft §5.2: "If the term in the RPC is smaller than the candidate's current term, then the
/// candidate rejects the RPC and continues in candidate state."
#[test]
fn candidate_rejects_append_entries_of_an_older_term() {
    let mut s = node(1, 3, durable(1, &[]));
    s.timeout_now(&mut Vec::new());
    let out = step(&mut s, n(2), heartbeat(1, 2, (0, 0), 0));
    assert_eq!(s.role_kind(), RoleKind::Candidate);
    assert_eq!(append_result(&out), (2, false, 0));
}

/// Raft §5.2: "each candidate will time out and start a new election by incrementing its term
/// and initiating another round of RequestVote RPCs."
#[test]
fn candidate_without_a_majority_starts_a_new_election_on_timeout() {
    let mut s = node(1, 3, DurableState::default());
    s.timeout_now(&mut Vec::new());
    let out = ticks_to_timeout(&mut s, 0);
    assert_eq!(
        (s.role_kind(), s.current_term()),
        (RoleKind::Candidate, Term(2))
    );
    assert_eq!(sends(&out).len(), 2);
}

/// Raft §5.2: "election timeouts are chosen randomly from a fixed interval (e.g., 150–300ms)."
#[test]
fn election_timeouts_are_drawn_from_the_whole_interval() {
    let c = Config::default();
    let range = c.election_timeout_min_ticks..c.election_timeout_max_ticks;
    let mut seen = std::collections::BTreeSet::new();
    for seed in 0..200 {
        let s = raft::Node::new(n(1), &ids(3), c.clone(), seed, DurableState::default());
        let t = s.expect("valid config").election_timeout_ticks();
        assert!(range.contains(&t), "seed {seed}: {t} outside {range:?}");
        seen.insert(t);
    }
    assert_eq!(
        seen.len(),
        range.len(),
        "every value of the interval is drawn"
    );
}

/// Raft §5.2: "each candidate restarts its randomized election timeout at the start of an
/// election" — a new draw each time, not one value for the node's life.
#[test]
fn each_election_draws_a_new_timeout() {
    let mut s = node(1, 3, DurableState::default());
    let mut drawn = std::collections::BTreeSet::new();
    for _ in 0..20 {
        s.timeout_now(&mut Vec::new());
        drawn.insert(s.election_timeout_ticks());
    }
    assert!(drawn.len() > 1, "20 elections drew only {drawn:?}");
}

/// Raft §5.2: "A server remains in follower state as long as it receives valid RPCs from a
/// leader or candidate."
#[test]
fn heartbeats_from_the_leader_keep_a_follower_a_follower() {
    let mut s = node(1, 3, DurableState::default());
    for _ in 0..10 {
        let t = s.election_timeout_ticks();
        ticks(&mut s, t - 1);
        step(&mut s, n(2), heartbeat(1, 2, (0, 0), 0));
    }
    assert_eq!(
        (s.role_kind(), s.current_term()),
        (RoleKind::Follower, Term(1))
    );
}

/// Raft Figure 2, Followers: "If election timeout elapses without receiving AppendEntries RPC
/// from current leader or granting vote to candidate: convert to candidate." A refused vote does
/// not restart the timer.
#[test]
fn granting_a_vote_restarts_the_election_timer_and_refusing_does_not() {
    let mut granter = node(1, 3, DurableState::default());
    ticks_to_timeout(&mut granter, 1);
    step(&mut granter, n(2), request_vote(1, 2, (0, 0)));
    ticks_to_timeout(&mut granter, 1);
    assert_eq!(granter.role_kind(), RoleKind::Follower);

    let mut refuser = node(1, 3, durable(1, &[1]));
    ticks_to_timeout(&mut refuser, 1);
    let out = step(&mut refuser, n(2), request_vote(1, 2, (0, 0)));
    assert_eq!(vote_reply(&out), (1, false));
    ticks(&mut refuser, 1);
    assert_eq!(refuser.role_kind(), RoleKind::Candidate);
}

/// The same rule when the refused RequestVote carries a newer term: the refuser adopts the
/// term (§5.1) but keeps counting toward its timeout. Otherwise a stream of stale candidates,
/// each with a higher term, keeps restarting the timer of the one server whose log can win,
/// and no leader is ever elected (found by the liveness phase: seed 12510 of the campaign).
#[test]
fn a_refused_vote_of_a_newer_term_does_not_restart_the_timer_either() {
    let mut refuser = node(1, 3, durable(1, &[1]));
    ticks_to_timeout(&mut refuser, 1);
    let out = step(&mut refuser, n(2), request_vote(5, 2, (0, 0)));
    assert_eq!(vote_reply(&out), (5, false));
    assert_eq!(refuser.current_term().0, 5);
    ticks(&mut refuser, 1);
    assert_eq!(refuser.role_kind(), RoleKind::Candidate);
    assert_eq!(refuser.current_term().0, 6);
}

// ----- §5.1 Terms -----

/// Raft §5.1: "If a candidate or leader discovers that its term is out of date, it immediately
/// reverts to follower state." — whatever kind of message carries the newer term.
#[test]
fn a_newer_term_in_any_message_makes_a_leader_a_follower() {
    let newer = [
        request_vote(5, 2, (0, 0)),
        vote(5, false),
        heartbeat(5, 2, (0, 0), 0),
        append_reply(5, false, 0),
    ];
    for message in newer {
        let mut s = node(1, 3, DurableState::default());
        make_leader(&mut s, 3);
        let out = step(&mut s, n(2), message.clone());
        assert_eq!(s.role_kind(), RoleKind::Follower, "after {message}");
        assert_eq!((s.current_term(), s.voted_for()), (Term(5), None));
        let hard = Persist::HardState {
            current_term: Term(5),
            voted_for: None,
        };
        assert_eq!(persists(&out).first(), Some(&hard), "after {message}");
    }
}

/// Raft §5.1: "If a server receives a request with a stale term number, it rejects the
/// request." The reply carries the current term, so the sender learns it is stale.
#[test]
fn stale_term_requests_are_refused_with_the_current_term() {
    let mut s = node(1, 3, durable(3, &[1, 2]));
    let out = step(&mut s, n(2), request_vote(2, 2, (5, 2)));
    assert_eq!(vote_reply(&out), (3, false));
    assert_eq!(s.voted_for(), None);
    let out = step(&mut s, n(2), append(2, 2, (2, 2), &[2], 2));
    let (term, success, _) = append_result(&out);
    assert_eq!((term, success), (3, false));
    assert_eq!(
        (terms(&s), s.commit_index(), s.leader()),
        (vec![1, 2], LogIndex(0), None)
    );
    assert!(persists(&out).is_empty());
}

/// Raft §5.1: "Current terms are exchanged whenever servers communicate" — and a reply from an
/// older term answers a request of that term, not of this one, so it is ignored.
#[test]
fn stale_term_replies_are_ignored() {
    let mut candidate = node(1, 3, durable(1, &[]));
    candidate.timeout_now(&mut Vec::new());
    fsync(&mut candidate);
    step(&mut candidate, n(2), vote(1, true));
    assert_eq!(candidate.role_kind(), RoleKind::Candidate);
    step(&mut candidate, n(2), vote(2, true));
    assert_eq!(
        candidate.role_kind(),
        RoleKind::Leader,
        "the same vote, current"
    );

    let mut leader = node(1, 3, durable(1, &[]));
    make_leader(&mut leader, 3);
    step(&mut leader, n(2), append_reply(1, true, 1));
    assert_eq!(match_index(&leader, n(2)), 0);
    step(&mut leader, n(2), append_reply(2, true, 1));
    assert_eq!(match_index(&leader, n(2)), 1, "the same reply, current");
}

// ----- §5.3 Log replication -----

/// Raft §5.3: "If the follower does not find an entry in its log with the same index and term,
/// then it refuses the new entries."
#[test]
fn append_entries_is_refused_unless_the_log_holds_prev() {
    // 2:1 has the wrong term; 3:2 is beyond the log.
    for prev in [(2, 1), (3, 2)] {
        let mut s = node(1, 3, durable(2, &[1, 2]));
        let out = step(&mut s, n(2), append(2, 2, prev, &[2], 0));
        assert!(!append_result(&out).1, "prev {prev:?} accepted");
        assert_eq!(terms(&s), vec![1, 2]);
        assert!(persists(&out).is_empty());
    }
    let mut s = node(1, 3, durable(2, &[1, 2]));
    let out = step(&mut s, n(2), append(2, 2, (2, 2), &[2], 0));
    assert_eq!(append_result(&out), (2, true, 3));
    assert_eq!(terms(&s), vec![1, 2, 2]);
}

/// Raft Figure 2, AppendEntries receiver step 3: "If an existing entry conflicts with a new one
/// (same index but different terms), delete the existing entry and all that follow it (§5.3)."
#[test]
fn a_conflicting_entry_and_all_that_follow_it_are_deleted() {
    let before = durable(2, &[1, 1, 2, 2]);
    let mut s = node(1, 3, before.clone());
    let out = step(&mut s, n(2), append(3, 2, (2, 1), &[3], 0));
    assert_eq!(append_result(&out), (3, true, 3));
    assert_eq!(terms(&s), vec![1, 1, 3]);
    let writes = persists(&out);
    assert!(writes.contains(&Persist::Truncate { from: LogIndex(3) }));
    let mut disk = before;
    writes.iter().for_each(|w| disk.apply(w));
    assert_eq!(
        disk.log,
        s.log().entries(),
        "the disk saw the same deletion"
    );
}

/// Raft §5.5: "If a follower receives an AppendEntries request that includes log entries
/// already present in its log, it ignores those entries in the new request." A duplicated or
/// delayed request never cuts what a later one added.
#[test]
fn a_duplicate_or_stale_append_entries_never_truncates() {
    let mut s = node(1, 3, durable(1, &[1]));
    step(&mut s, n(2), append(1, 2, (1, 1), &[1, 1], 0));
    let out = step(&mut s, n(2), append(1, 2, (1, 1), &[1], 0));
    assert_eq!(terms(&s), vec![1, 1, 1]);
    assert_eq!(append_result(&out), (1, true, 2));
    assert!(persists(&out).is_empty());
}

/// Raft Figure 2, AppendEntries receiver step 5: "If leaderCommit > commitIndex, set
/// commitIndex = min(leaderCommit, index of last new entry)."
#[test]
fn follower_commit_index_is_min_of_leader_commit_and_last_new_entry() {
    let mut s = node(1, 3, DurableState::default());
    let out = step(&mut s, n(2), append(1, 2, (0, 0), &[1, 1], 5));
    assert_eq!((s.commit_index(), committed(&out)), (LogIndex(2), vec![2]));
    // 3:1 is a stale suffix this request does not vouch for: it is not a "new entry".
    let mut s = node(1, 3, durable(1, &[1, 1, 1]));
    step(&mut s, n(2), append(2, 2, (1, 1), &[1], 3));
    assert_eq!(s.commit_index(), LogIndex(2));
}

/// Raft Figure 2, All Servers: "If commitIndex > lastApplied: increment lastApplied, apply
/// log[lastApplied] to state machine (§5.3)."
#[test]
fn committed_entries_are_applied_once_each_in_log_order() {
    let mut s = node(1, 3, DurableState::default());
    let first = step(&mut s, n(2), append(1, 2, (0, 0), &[1, 1, 1], 2));
    let again = step(&mut s, n(2), append(1, 2, (0, 0), &[1, 1, 1], 2));
    let second = step(&mut s, n(2), heartbeat(1, 2, (3, 1), 3));
    assert_eq!(applied(&first), vec![1, 2]);
    assert_eq!(applied(&again), Vec::<u64>::new());
    assert_eq!(applied(&second), vec![3]);
    assert_eq!(s.last_applied(), LogIndex(3));
}

/// Raft §5.3: "After a rejection, the leader decrements nextIndex and retries the AppendEntries
/// RPC. Eventually nextIndex will reach a point where the leader and follower logs match."
#[test]
fn next_index_back_off_repairs_follower_logs() {
    let disks = vec![
        durable(2, &[1, 1, 2]),
        durable(1, &[1, 1, 1, 1]),
        durable(1, &[1]),
    ];
    let mut c = Cluster::from_disks(Config::default(), disks);
    c.elect(n(1));
    let refusals = append_refusals(&c.history);
    assert!(refusals.contains(&n(2)) && refusals.contains(&n(3)));
    for id in ids(3) {
        assert_eq!(terms(c.node(id)), vec![1, 1, 2, 3], "{id}");
        assert_eq!(c.disk(id).log, c.node(id).log().entries(), "{id}'s disk");
    }
}

/// Raft §5.3: "A log entry is committed once the leader that created the entry has replicated
/// it on a majority of the servers" and the leader "includes that index in future
/// AppendEntries RPCs (including heartbeats) so that the other servers eventually find out."
#[test]
fn an_entry_commits_on_a_majority_and_followers_learn_it_from_heartbeats() {
    let mut c = Cluster::new(3);
    c.elect(n(1));
    c.isolate(n(3));
    c.propose(n(1), 7);
    c.stabilize();
    assert_eq!(
        c.node(n(1)).commit_index(),
        LogIndex(2),
        "n1 and n2 are a majority"
    );
    assert_eq!(
        c.node(n(2)).commit_index(),
        LogIndex(1),
        "n2 has not heard yet"
    );
    for _ in 0..c.node(n(1)).config().heartbeat_interval_ticks {
        c.tick(n(1));
    }
    c.stabilize();
    assert_eq!(c.node(n(2)).commit_index(), LogIndex(2));
    assert_eq!(c.node(n(3)).commit_index(), LogIndex(0), "n3 is cut off");
}

/// Raft §5.3: "A log entry is committed once the leader that created the entry has replicated
/// it on a majority of the servers" — in a cluster of one, the leader alone is that majority,
/// and only once the entry is on its stable storage: before that a crash erases it.
#[test]
fn a_single_server_cluster_elects_itself_and_commits_alone_once_durable() {
    let mut s = node(1, 1, DurableState::default());
    let timeout = s.election_timeout_ticks();
    ticks(&mut s, timeout);
    assert_eq!(
        s.role_kind(),
        RoleKind::Candidate,
        "its vote is not yet on its disk"
    );
    fsync(&mut s);
    assert_eq!(s.role_kind(), RoleKind::Leader);
    assert_eq!(
        s.commit_index(),
        LogIndex(0),
        "its no-op is not yet on its disk"
    );
    assert_eq!(
        committed(&fsync(&mut s)),
        vec![1],
        "its no-op, once durable"
    );
    let out = propose(&mut s, 7);
    assert_eq!(committed(&out), Vec::<u64>::new(), "in memory only");
    let out = fsync(&mut s);
    assert_eq!((committed(&out), applied(&out)), (vec![2], vec![2]));
}

/// The leader counts itself only for what its disk holds: a report of an older write (the
/// disk ends at 1:1) commits nothing beyond it, and a report of an entry the log no longer
/// has counts for nothing.
#[test]
fn a_leader_counts_itself_only_up_to_its_durable_prefix() {
    let mut s = node(1, 1, DurableState::default());
    let timeout = s.election_timeout_ticks();
    ticks(&mut s, timeout);
    fsync(&mut s);
    fsync(&mut s);
    propose(&mut s, 7);
    propose(&mut s, 8);
    let synced = |index, term| Synced {
        current_term: Term(1),
        last_index: LogIndex(index),
        last_term: Term(term),
        writes: 0,
    };
    let mut out = Vec::new();
    s.persisted(synced(2, 1), &mut out);
    assert_eq!(committed(&out), vec![2], "2:1 is durable, 3:1 not yet");
    let mut out = Vec::new();
    s.persisted(synced(3, 9), &mut out);
    assert_eq!(
        committed(&out),
        Vec::<u64>::new(),
        "no entry 3:9 in the log"
    );
    assert_eq!(s.durable_index(), LogIndex(2));
}

/// Raft §5.3: "The leader appends the command to its log as a new entry, then issues
/// AppendEntries RPCs in parallel to each of the other servers to replicate the entry."
#[test]
fn leader_appends_a_proposal_in_its_term_and_sends_it_to_every_follower() {
    let mut s = node(1, 3, DurableState::default());
    make_leader(&mut s, 3);
    let out = propose(&mut s, 7);
    let e = *s.log().get(LogIndex(2)).expect("appended");
    assert_eq!((e.term, e.command), (Term(1), Command::Client(7)));
    let accepted = Output::ProposalAccepted {
        index: LogIndex(2),
        term: Term(1),
    };
    assert!(out.contains(&accepted));
    // The followers have not answered the first heartbeat yet, so the AppendEntries carries
    // everything from their nextIndex: the leader's no-op 1:1, then the proposal.
    let noop = *s.log().get(LogIndex(1)).expect("no-op");
    for (to, m) in sends(&out) {
        let Message::AppendEntries { entries, .. } = m else {
            panic!("{m}")
        };
        assert_eq!(entries, vec![noop, e], "to {to}");
    }
    assert_eq!(sends(&out).len(), 2);
}

/// Raft §5.1: "The leader handles all client requests (if a client contacts a follower, the
/// follower redirects it to the leader)."
#[test]
fn a_follower_refuses_proposals_and_names_the_leader() {
    let mut c = Cluster::new(3);
    c.elect(n(1));
    c.propose(n(2), 7);
    let refused = Output::ProposalRejected(Rejection::NotLeader { leader: Some(n(1)) });
    assert_eq!(c.history.last(), Some(&(n(2), refused)));
    assert_eq!(terms(c.node(n(2))), vec![1]);
}

// ----- §5.4 Safety -----

/// Raft §5.4.1: "If the logs have last entries with different terms, then the log with the
/// later term is more up-to-date." The voter "denies its vote if its own log is more up-to-date
/// than that of the candidate."
#[test]
fn a_vote_is_refused_to_a_candidate_whose_last_term_is_older() {
    // The voter's last entry is 3:2. A longer log does not make up for an older last term.
    for (last, granted) in [((5, 1), false), ((1, 3), true)] {
        let mut voter = node(1, 3, durable(2, &[1, 2, 2]));
        let out = step(&mut voter, n(2), request_vote(3, 2, last));
        assert_eq!(vote_reply(&out), (3, granted), "candidate's last {last:?}");
    }
}

/// Raft §5.4.1: "If the logs end with the same term, then whichever log is longer is more
/// up-to-date."
#[test]
fn a_vote_is_refused_to_a_candidate_with_the_same_last_term_and_a_shorter_log() {
    for (last, granted) in [((2, 2), false), ((3, 2), true), ((4, 2), true)] {
        let mut voter = node(1, 3, durable(2, &[1, 2, 2]));
        let out = step(&mut voter, n(2), request_vote(3, 2, last));
        assert_eq!(vote_reply(&out), (3, granted), "candidate's last {last:?}");
    }
}

/// Raft §5.4, Leader Completeness: "If a log entry is committed in a given term, then that entry
/// will be present in the logs of the leaders for all higher-numbered terms." So a request to
/// delete a committed entry comes from no leader a correct cluster could elect; the follower
/// refuses it rather than take back what it has applied.
#[test]
fn a_follower_never_deletes_an_entry_it_knows_is_committed() {
    let mut s = node(1, 3, durable(1, &[1, 1, 1]));
    step(&mut s, n(2), append(1, 2, (0, 0), &[1, 1], 2));
    assert_eq!(s.commit_index(), LogIndex(2));
    let out = step(&mut s, n(3), append(2, 3, (1, 1), &[2], 0));
    assert!(!append_result(&out).1, "2:1 is committed");
    assert_eq!((terms(&s), s.last_applied()), (vec![1, 1, 1], LogIndex(2)));
    let truncated = persists(&out)
        .iter()
        .any(|w| matches!(w, Persist::Truncate { .. }));
    assert!(!truncated);
    // The uncommitted 3:1 is deleted as Figure 2 says.
    let out = step(&mut s, n(3), append(2, 3, (2, 1), &[2], 0));
    assert_eq!(
        (append_result(&out), terms(&s)),
        ((2, true, 3), vec![1, 1, 2])
    );
}

/// Three servers; n1 (log [1, 2]) wins term 3 and appends its no-op 3:3; n2 and n3 hold [1].
/// One entry per AppendEntries, so 2:2 reaches a majority before 3:3 does. Returns the cluster
/// after every message is delivered and whether a state was seen where the leader knew 2:2 to
/// be on a majority while 3:3 was not (asserting that it had not committed then).
fn previous_term_entry_on_a_majority() -> (Cluster, bool) {
    let config = Config {
        max_entries_per_append: 1,
        ..Config::default()
    };
    let disks = vec![durable(2, &[1, 2]), durable(1, &[1]), durable(1, &[1])];
    let mut c = Cluster::from_disks(config, disks);
    c.timeout_now(n(1));
    let mut seen = false;
    while c.deliver().is_some() {
        let leader = c.node(n(1));
        if majority_index(leader) == 2 {
            seen = true;
            assert_eq!(
                leader.commit_index(),
                LogIndex(0),
                "2:2 committed by counting"
            );
        }
    }
    (c, seen)
}

/// Raft §5.4.2: "Raft never commits log entries from previous terms by counting replicas."
#[test]
fn leader_does_not_commit_a_previous_term_entry_by_counting_replicas() {
    let (_, seen) = previous_term_entry_on_a_majority();
    assert!(seen, "the scenario never put 2:2 alone on a majority");
}

/// Raft §5.4.2: "once an entry from the current term has been committed in this way, then all
/// prior entries are committed indirectly because of the Log Matching Property."
#[test]
fn previous_term_entries_commit_once_an_entry_of_the_current_term_commits() {
    let (c, _) = previous_term_entry_on_a_majority();
    assert_eq!(
        c.commits().first(),
        Some(&(n(1), 3)),
        "3:3 is the first commit"
    );
    let leader_applied: Vec<u64> = c
        .history
        .iter()
        .filter(|(id, _)| *id == n(1))
        .flat_map(|(_, o)| applied(std::slice::from_ref(o)))
        .collect();
    assert_eq!(leader_applied, vec![1, 2, 3]);
}

// ----- Leaders -----

/// Raft §8: "Raft handles this by having each leader commit a blank no-op entry into the log at
/// the start of its term."
#[test]
fn a_new_leader_appends_a_no_op_of_its_term_and_sends_it() {
    let mut s = node(1, 3, durable(2, &[1, 2]));
    let out = make_leader(&mut s, 3);
    let noop = *s.log().get(LogIndex(3)).expect("appended");
    assert_eq!((noop.term, noop.command), (Term(3), Command::Noop));
    assert_eq!(s.log().last_index(), LogIndex(3));
    // Figure 2: "Upon election: send initial empty AppendEntries RPCs (heartbeat) to each
    // server"; the no-op follows once a follower answers.
    let beat = heartbeat(3, 1, (2, 2), 0);
    assert_eq!(sends(&out), vec![(n(2), beat.clone()), (n(3), beat)]);
    let ack = Message::AppendEntriesResponse {
        term: Term(3),
        success: true,
        last_index: LogIndex(2),
    };
    let out = step(&mut s, n(2), ack);
    let expected = Message::AppendEntries {
        term: Term(3),
        leader: n(1),
        prev_log_index: LogIndex(2),
        prev_log_term: Term(2),
        entries: vec![noop],
        leader_commit: LogIndex(0),
    };
    assert_eq!(sends(&out), vec![(n(2), expected)]);
}

/// Raft §5.2: "Leaders send periodic heartbeats (AppendEntries RPCs that carry no log entries)
/// to all followers in order to maintain their authority."
#[test]
fn leader_sends_heartbeats_every_interval() {
    let mut s = node(1, 3, DurableState::default());
    make_leader(&mut s, 3);
    // Both followers hold the no-op 1:1 (it commits), so heartbeats carry no entries.
    for f in [2, 3] {
        let ack = Message::AppendEntriesResponse {
            term: Term(1),
            success: true,
            last_index: LogIndex(1),
        };
        step(&mut s, n(f), ack);
    }
    let interval = s.config().heartbeat_interval_ticks;
    let beat = heartbeat(1, 1, (1, 1), 1);
    for round in 0..3 {
        assert!(
            sends(&ticks(&mut s, interval - 1)).is_empty(),
            "round {round}"
        );
        let out = ticks(&mut s, 1);
        assert_eq!(
            sends(&out),
            vec![(n(2), beat.clone()), (n(3), beat.clone())]
        );
    }
}
