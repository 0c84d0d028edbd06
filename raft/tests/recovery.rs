//! Protocol-aware recovery from a damaged log (PAR; Alagappan et al., FAST 2018), the rule of
//! `raft/src/recovery.rs`: a node booted on a damaged log stays out of elections until a leader
//! of a later term has repaired it. Each test contrasts the damaged node with the same node
//! booted from an intact disk, or with the rule switched off, so that it fails if the rule
//! stops holding or holds where it should not.

mod common;

use common::recovery::*;
use common::*;
use raft::{BugKnob, Config, Knobs, LogIndex, Message, Output, Persist, RoleKind, Term};

fn has_vote_request(out: &[Output]) -> bool {
    sends(out)
        .iter()
        .any(|(_, m)| matches!(m, Message::RequestVote { .. } | Message::PreVote { .. }))
}

/// Ticks well past the maximum election timeout.
fn past_max_timeout() -> u32 {
    Config::default().election_timeout_max_ticks * 3
}

/// §5.4.1 with PAR: a damaged voter refuses a RequestVote and a PreVote from a candidate whose
/// log is as up-to-date as its cut log but not as the log it had, with an ordinary refusal in
/// its own term; the same voter on an intact disk grants both.
#[test]
fn a_damaged_node_refuses_votes_and_pre_votes() {
    assert_eq!(damaged_voter_grants(Knobs::none()), (false, false));
    let mut intact = node(2, 3, durable(1, &[1]));
    assert_eq!(
        vote_reply(&step(&mut intact, n(3), request_vote(2, 3, (1, 1)))),
        (2, true)
    );
    assert_eq!(
        pre_vote_reply(&step(&mut intact, n(1), pre_vote(3, 1, (1, 1)))),
        (3, true)
    );

    let mut voter = node(2, 3, damaged(1, &[1]));
    let out = step(&mut voter, n(3), request_vote(2, 3, (1, 1)));
    assert_eq!(vote_reply(&out), (2, false), "refused in its raised term");
    assert_eq!(voter.voted_for(), None);
    assert_eq!(
        pre_vote_reply(&step(&mut voter, n(1), pre_vote(3, 1, (1, 1)))),
        (2, false)
    );
    assert!(voter.repairing());
}

/// The rule compares a candidate with the log the voter had, not the cut one: a voter that
/// held [1, 1] and boots with [1] refuses a candidate with [1] (it may hold the lost 2:1's
/// commit) and grants one with [1, 1], or with a later last term.
#[test]
fn a_damaged_node_votes_only_for_a_candidate_as_up_to_date_as_its_old_log() {
    for (last, granted) in [
        ((1, 1), false),
        ((2, 1), true),
        ((3, 1), true),
        ((1, 2), true),
    ] {
        let mut voter = node(2, 3, damaged(1, &[1]));
        let out = step(&mut voter, n(3), request_vote(2, 3, last));
        assert_eq!(
            vote_reply(&out),
            (2, granted),
            "candidate's last entry {last:?}"
        );
        let mut voter = node(2, 3, damaged(1, &[1]));
        let reply = pre_vote_reply(&step(&mut voter, n(1), pre_vote(2, 1, last)));
        assert_eq!(
            reply.1, granted,
            "pre-vote, candidate's last entry {last:?}"
        );
        assert!(voter.repairing(), "a vote repairs nothing");
    }
}

/// A damaged node does not campaign: its election timeout passing restarts its timer and
/// nothing else, with or without PreVote, and `timeout_now` does nothing.
#[test]
fn a_damaged_node_does_not_campaign() {
    for pre_vote in [false, true] {
        let config = Config {
            pre_vote,
            ..Config::default()
        };
        let mut s = node_with(2, 3, config.clone(), damaged(1, &[1]));
        let out = ticks(&mut s, past_max_timeout());
        assert!(!has_vote_request(&out), "pre_vote {pre_vote}: {out:?}");
        assert!(persists(&out).is_empty(), "{out:?}");
        assert!(s.election_elapsed_ticks() < s.election_timeout_ticks());
        let mut out = Vec::new();
        s.timeout_now(&mut out);
        assert!(out.is_empty(), "{out:?}");
        assert_eq!(
            (s.current_term(), s.role_kind()),
            (Term(1), RoleKind::Follower)
        );

        let mut intact = node_with(2, 3, config, durable(1, &[1]));
        assert!(has_vote_request(&ticks(&mut intact, past_max_timeout())));
    }
}

/// §5.3 while repairing: AppendEntries are accepted, stored and acknowledged as usual.
#[test]
fn a_damaged_node_accepts_and_acknowledges_append_entries() {
    let mut s = node(2, 3, damaged(1, &[1]));
    let out = step(&mut s, n(1), append(2, 1, (1, 1), &[1, 2], 1));
    assert_eq!(append_result(&out), (2, true, 3));
    let write = first(&out, is_persist).expect("a write");
    assert!(write < first(&out, is_send).expect("a reply"));
    assert!(persists(&out)
        .iter()
        .any(|w| matches!(w, Persist::Append { entries } if entries.len() == 2)));
    assert_eq!((terms(&s), s.commit_index()), (vec![1, 1, 2], LogIndex(1)));
    assert_eq!(s.leader(), Some(n(1)));
    assert!(s.repairing(), "leaderCommit 1 has term 1, not 2");
    // A mismatching prev is refused as usual, and repairs nothing.
    let out = step(&mut s, n(1), heartbeat(2, 1, (5, 2), 3));
    assert!(!append_result(&out).1);
    assert!(s.repairing());
}

/// Repaired exactly when, from the leader of a term after its boot term, its log holds
/// leaderCommit (leaderCommit ≤ the last new entry) and the entry there has the leader's term.
#[test]
fn a_damaged_node_is_repaired_exactly_when_it_holds_an_entry_of_the_leaders_term_at_its_commit() {
    // leaderCommit 3 is beyond the last new entry, 2:2 (the node commits min(3, 2) = 2).
    let mut s = node(2, 3, damaged(1, &[1]));
    step(&mut s, n(1), append(2, 1, (1, 1), &[2], 3));
    assert_eq!(s.commit_index(), LogIndex(2));
    assert!(s.repairing(), "leaderCommit beyond the last new entry");

    // The entry at leaderCommit, 2:1, is of an older term than the leader's.
    let mut s = node(2, 3, damaged(1, &[1]));
    step(&mut s, n(1), append(2, 1, (1, 1), &[1, 2], 2));
    assert!(s.repairing(), "entry at leaderCommit of an older term");

    // A stale suffix beyond the last new entry does not count: the node holds [1, 2, 2] but
    // the request covers only up to 2.
    let mut s = node(2, 3, damaged(2, &[1, 2, 2]));
    step(&mut s, n(1), append(3, 1, (1, 1), &[3], 3));
    assert_eq!(terms(&s), vec![1, 3]);
    assert!(s.repairing());

    // The leader of the node's boot term does not repair it: it may still count the node's
    // acknowledgement of an entry lost in the damage. The node leaves its AppendEntries
    // unanswered (that leader may know the node's log as it was before the damage, and would
    // keep sending after an index the node no longer holds), but follows it.
    let mut s = node(2, 3, damaged(2, &[1]));
    let out = step(&mut s, n(1), append(2, 1, (1, 1), &[2], 2));
    assert!(
        sends(&out).is_empty(),
        "no answer to the boot term's leader: {out:?}"
    );
    assert_eq!((terms(&s), s.commit_index()), (vec![1], LogIndex(0)));
    assert_eq!(s.leader(), Some(n(1)));
    assert!(s.repairing(), "leader of the boot term");

    // Holds leaderCommit 3, of the leader's term 2, after the consistency check: repaired.
    let mut s = node(2, 3, damaged(1, &[1]));
    let out = step(&mut s, n(1), append(2, 1, (1, 1), &[1, 2], 3));
    assert_eq!(append_result(&out), (2, true, 3));
    assert!(!s.repairing());
    // Its vote means again what §5.4.1 needs: an up-to-date candidate gets it.
    let out = step(&mut s, n(3), request_vote(3, 3, (3, 2)));
    assert_eq!(vote_reply(&out), (3, true));

    // A heartbeat does as well as entries, once the log holds leaderCommit.
    let mut s = node(2, 3, damaged(1, &[1]));
    step(&mut s, n(1), append(2, 1, (1, 1), &[2], 0));
    assert!(s.repairing());
    step(&mut s, n(1), heartbeat(2, 1, (2, 2), 2));
    assert!(!s.repairing());
}

/// `heartbeat-skips-prev-check` accepts a heartbeat whose prev the log lacks; such a heartbeat
/// does not repair, whatever its leaderCommit.
#[test]
fn an_unchecked_heartbeat_does_not_repair() {
    let config = recovery_config(Knobs::none().with(BugKnob::HeartbeatSkipsPrevCheck));
    let mut s = node_with(2, 3, config, damaged(1, &[1, 2]));
    // The leader's entry 2 has term 3; the node's 2:2 is not it.
    let out = step(&mut s, n(1), heartbeat(3, 1, (2, 3), 2));
    assert!(append_result(&out).1, "the knob accepts it");
    assert!(s.repairing());
}

/// An InstallSnapshot alone does not repair; the AppendEntries after it does, by the rule.
#[test]
fn a_snapshot_alone_does_not_repair() {
    use common::snapshot::install_snapshot;
    let mut s = node(2, 3, damaged(1, &[1]));
    step(&mut s, n(1), install_snapshot(2, 1, (3, 2), &[1, 2, 3]));
    assert_eq!(s.commit_index(), LogIndex(3));
    assert!(s.repairing());
    step(&mut s, n(1), heartbeat(2, 1, (3, 2), 3));
    assert!(!s.repairing());
}

/// With `truncate-on-corruption` the damage is ignored: the node votes at once and campaigns
/// when its timeout passes.
#[test]
fn truncate_on_corruption_votes_and_campaigns_at_once() {
    let bugs = Knobs::none().with(BugKnob::TruncateOnCorruption);
    assert_eq!(damaged_voter_grants(bugs), (true, true));
    let mut s = node_with(2, 3, recovery_config(bugs), damaged(1, &[1]));
    assert!(!s.repairing());
    assert!(has_vote_request(&ticks(&mut s, past_max_timeout())));
    assert!(s.current_term() > Term(1));
}

/// The three-node story. Entry 2 is committed on n1 and n2; n2 boots with its log damaged
/// after entry 1; n1 is down; n3, whose log is [1], campaigns. With the rule n2 refuses and n3
/// cannot win; with `truncate-on-corruption` n2 votes for it, and n3 leads without the
/// committed entry 2, its own no-op 2:2 in its place (Leader Completeness broken).
#[test]
fn a_candidate_without_a_committed_entry_cannot_win_the_damaged_nodes_vote() {
    let c = n3_campaigns_after_n2_lost_entry_2(Knobs::none());
    assert_eq!(c.node(n(3)).role_kind(), RoleKind::Candidate);
    assert!(c.node(n(2)).repairing());
    assert_eq!(c.node(n(2)).current_term(), Term(2), "it raised its term");

    let knob = Knobs::none().with(BugKnob::TruncateOnCorruption);
    let c = n3_campaigns_after_n2_lost_entry_2(knob);
    assert_eq!(c.node(n(3)).role_kind(), RoleKind::Leader);
    assert_eq!(c.node(n(3)).log().term_at(LogIndex(2)), Some(Term(2)));
    assert!(c.commits().contains(&(n(1), 2)), "2:1 was committed by n1");
}

/// Liveness: n1 comes back and wins term 2 with the repairing n2's vote (n1's log, [1, 1], is
/// as up-to-date as the log n2 had before the damage); its heartbeats bring n2 the lost entry
/// 2, repair it, and n2 votes and campaigns again as usual.
#[test]
fn a_leader_of_a_later_term_repairs_the_damaged_node() {
    let mut c = n3_campaigns_after_n2_lost_entry_2(Knobs::none());
    c.crash(n(1)); // it was down: it restarts from its disk, [1, 1] in term 1
    c.heal(n(1));
    // Term 2: n3 voted for itself; n2, repairing, has not voted, and grants n1.
    c.timeout_now(n(1));
    c.stabilize();
    assert_eq!(c.node(n(1)).role_kind(), RoleKind::Leader);
    assert_eq!(c.node(n(1)).current_term(), Term(2));
    assert_eq!(c.node(n(2)).voted_for(), Some(n(1)));
    for _ in 0..2 * Config::default().heartbeat_interval_ticks {
        c.tick(n(1));
        c.stabilize();
    }
    let leader_term = c.node(n(1)).current_term().0;
    assert!(leader_term > 1);
    assert!(
        !c.node(n(2)).repairing(),
        "repaired by the leader of {leader_term}"
    );
    assert_eq!(terms(c.node(n(2))), terms(c.node(n(1))));
    assert_eq!(c.node(n(2)).log().term_at(LogIndex(2)), Some(Term(1)));
    // Repaired, it stands for election again, and wins: its log is as up-to-date as any.
    c.isolate(n(1));
    c.elect(n(2));
}
