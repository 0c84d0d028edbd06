//! Why a vote was denied: the simulator's explanation of a refused (or ignored) RequestVote or
//! PreVote, worked out from the voter's state before the request (its term, its vote, the
//! leader it knew, its log's last entry) by Raft's rules for a vote. It explains and changes
//! nothing: only the trace reads it, and it sees messages only through `RaftMessage`, so every
//! implementation gets it.

use super::TraceEvent;
use crate::node::{RaftMessage, RaftNode};
use raft::{BugKnob, LogIndex, MessageKind, NodeId, Output, RoleKind, Term};
use serde::Serialize;
use std::fmt;

/// What a voter was before a vote request reached it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Voter {
    pub role: RoleKind,
    pub term: Term,
    pub voted_for: Option<NodeId>,
    pub leader: Option<NodeId>,
    /// Its log's last entry, (index, term).
    pub last: (LogIndex, Term),
    /// It started from a damaged log and no leader has repaired it yet.
    pub repairing: bool,
}

impl Voter {
    pub fn of<N: RaftNode>(node: &N) -> Voter {
        let log = node.log();
        Voter {
            role: node.role_kind(),
            term: node.current_term(),
            voted_for: node.voted_for(),
            leader: node.leader(),
            last: (log.last_index(), log.last_term()),
            repairing: node.repairing(),
        }
    }
}

/// A vote request as delivered: who asks, for which term, with which last entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VoteAsk {
    pub candidate: NodeId,
    pub pre_vote: bool,
    pub term: Term,
    /// The candidate's last entry, (index, term).
    pub last: (LogIndex, Term),
}

impl VoteAsk {
    /// `message` from `from`, if it asks for a vote or a pre-vote.
    pub fn of<M: RaftMessage>(from: NodeId, message: &M) -> Option<VoteAsk> {
        let (term, index, last_term) = message.vote_request()?;
        Some(VoteAsk {
            candidate: from,
            pre_vote: message.kind() == MessageKind::PreVote,
            term,
            last: (index, last_term),
        })
    }

    fn answer_kind(&self) -> MessageKind {
        if self.pre_vote {
            MessageKind::PreVoteResponse
        } else {
            MessageKind::RequestVoteResponse
        }
    }
}

/// Why a voter denied (or ignored) a request, by the first of Raft's rules the request fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "why", rename_all = "kebab-case")]
pub enum Refusal {
    /// §5.1: a request from an older term is refused; a pre-vote must ask for a term above the
    /// voter's (thesis §9.6).
    StaleTerm { term: Term, ours: Term },
    /// §5.2: "each server will vote for at most one candidate in a given term".
    AlreadyVoted { voted_for: NodeId, term: Term },
    /// §5.4.1: "the voter denies its vote if its own log is more up-to-date than that of the
    /// candidate" (last entries as (index, term), compared by term, then index).
    LogBehind {
        last: (LogIndex, Term),
        ours: (LogIndex, Term),
    },
    /// Thesis §4.2.3 and §9.6: a server that heard from a leader within the election timeout
    /// does not help depose it (CheckQuorum ignores the request, PreVote denies it).
    LeaderLease,
    /// The voter leads, and a leader keeps its lease (CheckQuorum) or denies pre-votes.
    OwnLease { term: Term },
    /// CheckQuorum: a server that restarted within the minimum election timeout counts as
    /// having heard from a leader (raftsim's node; it may have confirmed a lease before the
    /// crash).
    RestartLease,
    /// raft-rs's rule: a server votes in its term only if it knows no leader of that term.
    HasLeader { leader: NodeId, term: Term },
    /// The `vote-by-commit-index` knob: the candidate's commit index is below the voter's.
    CommitIndexRule,
    /// Protocol-aware recovery: the voter's log was damaged on disk and no leader has repaired
    /// it yet; it may lack entries it acknowledged.
    Repairing,
    /// None of the rules the simulator can see explains it.
    Unexplained,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::StaleTerm { term, ours } if term < ours => {
                write!(f, "stale term {term} < {ours}")
            }
            Refusal::StaleTerm { term, ours } => {
                write!(f, "stale term {term} = {ours} (a pre-vote asks for a later term)")
            }
            Refusal::AlreadyVoted { voted_for, term } => {
                write!(f, "already voted for {voted_for} in term {term}")
            }
            Refusal::LogBehind { last, ours } => write!(
                f,
                "candidate's log is behind (last {}:{}; ours {}:{})",
                last.0, last.1, ours.0, ours.1
            ),
            Refusal::LeaderLease => f.write_str("heard from a leader within the election timeout"),
            Refusal::OwnLease { term } => write!(f, "it leads term {term}, within its lease"),
            Refusal::RestartLease => f.write_str(
                "restarted within the election timeout (it may have confirmed a leader's lease)",
            ),
            Refusal::HasLeader { leader, term } => {
                write!(f, "it follows {leader}, the leader of term {term}")
            }
            Refusal::CommitIndexRule => f.write_str(
                "candidate's commit index is below ours (vote-by-commit-index compares commit indexes, not logs)",
            ),
            Refusal::Repairing => f.write_str(
                "its log was damaged on disk and no leader has repaired it yet",
            ),
            Refusal::Unexplained => f.write_str("no rule the simulator knows explains it"),
        }
    }
}

/// The trace line for a vote request that `node` (which was `voter` before it) denied or
/// ignored, given the outputs of that step; `None` if it granted the vote.
pub fn denial<M: RaftMessage>(
    node: NodeId,
    ask: &VoteAsk,
    voter: &Voter,
    out: &[Output<M>],
    config: &raft::Config,
) -> Option<TraceEvent<M>> {
    let answer = out.iter().find_map(|o| match o {
        Output::Send { to, message }
            if *to == ask.candidate && message.kind() == ask.answer_kind() =>
        {
            message.vote_response()
        }
        _ => None,
    });
    let answered = match answer {
        Some((_, true)) => return None,
        Some((_, false)) => true,
        None => false,
    };
    Some(TraceEvent::VoteDenied {
        node,
        candidate: ask.candidate,
        pre_vote: ask.pre_vote,
        term: ask.term,
        answered,
        reason: reason(ask, voter, answered, config),
    })
}

/// Raft's rules for a vote, in the order a voter applies them: the first one `ask` fails.
/// Figure 2 and §5.1 (term), §5.2 (one vote per term), §5.4.1 (the election restriction);
/// thesis §4.2.3 and §9.6 for the leases of CheckQuorum and PreVote.
pub fn reason(ask: &VoteAsk, v: &Voter, answered: bool, config: &raft::Config) -> Refusal {
    if ask.term < v.term || (ask.pre_vote && ask.term == v.term) {
        return Refusal::StaleTerm {
            term: ask.term,
            ours: v.term,
        };
    }
    if !answered {
        // Past the term check, a voter sends no answer at all only to keep a leader's lease.
        return match (v.role, v.leader) {
            (RoleKind::Leader, _) => Refusal::OwnLease { term: v.term },
            (_, Some(_)) => Refusal::LeaderLease,
            _ if config.check_quorum => Refusal::RestartLease,
            _ => Refusal::Unexplained,
        };
    }
    if v.repairing {
        return Refusal::Repairing;
    }
    // A RequestVote of a later term makes the voter a follower of that term first, with no
    // vote and no leader; only one of its own term meets its vote.
    let same_term = ask.term == v.term;
    if let Some(voted) = v.voted_for.filter(|&n| same_term && n != ask.candidate) {
        return Refusal::AlreadyVoted {
            voted_for: voted,
            term: v.term,
        };
    }
    let by_commit = config.bugs.contains(BugKnob::VoteByCommitIndex);
    if by_commit && !ask.pre_vote {
        return Refusal::CommitIndexRule;
    }
    let log_checked = !by_commit && !config.bugs.contains(BugKnob::VoteWithoutLogCheck);
    let behind = (ask.last.1, ask.last.0) < (v.last.1, v.last.0);
    if log_checked && behind {
        return Refusal::LogBehind {
            last: ask.last,
            ours: v.last,
        };
    }
    match (v.role, v.leader) {
        (RoleKind::Leader, _) if ask.pre_vote => Refusal::OwnLease { term: v.term },
        (_, Some(_)) if ask.pre_vote => Refusal::LeaderLease,
        (_, Some(leader)) if same_term => Refusal::HasLeader {
            leader,
            term: v.term,
        },
        _ => Refusal::Unexplained,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn voter(term: u64, voted_for: Option<u8>, leader: Option<u8>, last: (u64, u64)) -> Voter {
        Voter {
            role: RoleKind::Follower,
            term: Term(term),
            voted_for: voted_for.map(NodeId),
            leader: leader.map(NodeId),
            last: (LogIndex(last.0), Term(last.1)),
            repairing: false,
        }
    }

    fn ask(pre_vote: bool, term: u64, last: (u64, u64)) -> VoteAsk {
        VoteAsk {
            candidate: NodeId(3),
            pre_vote,
            term: Term(term),
            last: (LogIndex(last.0), Term(last.1)),
        }
    }

    fn why(a: VoteAsk, v: Voter, answered: bool) -> String {
        reason(&a, &v, answered, &raft::Config::default()).to_string()
    }

    /// Each rule's own words, in the order a voter applies them (§5.1, §5.2, §5.4.1).
    #[test]
    fn each_rule_gives_its_reason() {
        let v = voter(4, Some(1), None, (3, 4));
        assert_eq!(why(ask(false, 3, (9, 9)), v, true), "stale term 3 < 4");
        assert_eq!(
            why(ask(true, 4, (9, 9)), v, true),
            "stale term 4 = 4 (a pre-vote asks for a later term)"
        );
        assert_eq!(
            why(ask(false, 4, (9, 9)), v, true),
            "already voted for n1 in term 4"
        );
        // A later term: the vote of term 4 does not count; the log does.
        assert_eq!(
            why(ask(false, 5, (2, 3)), v, true),
            "candidate's log is behind (last 2:3; ours 3:4)"
        );
        // Same last term, shorter log: behind too; a longer one is not.
        let v = voter(4, None, None, (3, 4));
        assert!(why(ask(false, 5, (2, 4)), v, true).starts_with("candidate's log is behind"));
        assert_eq!(
            why(ask(false, 5, (4, 4)), v, true),
            "no rule the simulator knows explains it"
        );
    }

    /// Thesis §4.2.3 and §9.6: a server that hears from a leader does not help depose it.
    #[test]
    fn leases_explain_ignored_requests_and_denied_pre_votes() {
        let follower = voter(4, Some(1), Some(1), (3, 4));
        let lease = "heard from a leader within the election timeout";
        assert_eq!(why(ask(false, 5, (3, 4)), follower, false), lease);
        assert_eq!(why(ask(true, 5, (3, 4)), follower, true), lease);
        let leader = Voter {
            role: RoleKind::Leader,
            ..follower
        };
        assert_eq!(
            why(ask(false, 5, (3, 4)), leader, false),
            "it leads term 4, within its lease"
        );
        let restarted = voter(4, None, None, (3, 4));
        let check_quorum = raft::Config {
            check_quorum: true,
            ..raft::Config::default()
        };
        let r = reason(&ask(false, 5, (3, 4)), &restarted, false, &check_quorum);
        assert_eq!(r, Refusal::RestartLease);
        // raft-rs votes in its term only when it knows no leader of it.
        let knows = voter(5, None, Some(2), (3, 4));
        assert_eq!(
            why(ask(false, 5, (3, 4)), knows, true),
            "it follows n2, the leader of term 5"
        );
    }
}
