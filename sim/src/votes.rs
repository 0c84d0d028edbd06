//! Who voted for whom, as a scenario's expectations ask it: a node's currentTerm and votedFor
//! (from its disk while it is crashed, as a restart would find them) and the granted votes
//! that the trace shows reaching it in its current term. A narration that says "S5 wins term
//! 5 with S2, S3 and S4" is checked against the messages, not against the storyteller.

use crate::node::{RaftMessage, RaftNode};
use crate::scenario::Expectation;
use crate::trace::TraceEvent;
use crate::world::World;
use raft::{MessageKind, NodeId, Term};

/// The node's currentTerm: its own, or its disk's while it is crashed.
pub fn current_term<N: RaftNode>(w: &World<N>, node: NodeId) -> Term {
    match w.node(node) {
        Some(n) => n.current_term(),
        None => w.hosts[node.0 as usize - 1].disk.current_term,
    }
}

/// The node's votedFor in its current term: its own, or its disk's while it is crashed.
pub fn voted_for<N: RaftNode>(w: &World<N>, node: NodeId) -> Option<NodeId> {
    match w.node(node) {
        Some(n) => n.voted_for(),
        None => w.hosts[node.0 as usize - 1].disk.voted_for,
    }
}

/// The servers whose granted RequestVote responses of `term` were delivered to `node`, in
/// node order, each once (a duplicated response counts once). PreVote grants are not votes.
pub fn votes_granted<N: RaftNode>(w: &World<N>, node: NodeId, term: Term) -> Vec<NodeId> {
    let mut from: Vec<NodeId> = w
        .trace
        .lines()
        .filter_map(|line| match &line.event {
            TraceEvent::Deliver {
                from, to, message, ..
            } if *to == node
                && message.kind() == MessageKind::RequestVoteResponse
                && message.acknowledgement().is_some_and(|(t, _)| t == term) =>
            {
                Some(*from)
            }
            _ => None,
        })
        .collect();
    from.sort();
    from.dedup();
    from
}

fn names(nodes: &[NodeId]) -> String {
    match nodes {
        [] => "no other server".to_string(),
        _ => nodes
            .iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// The parts of `e` about `node`'s term and votes, described, with whether each holds.
pub fn check_votes<N: RaftNode>(
    w: &World<N>,
    node: NodeId,
    e: &Expectation,
) -> Vec<(String, Result<(), String>)> {
    let mut out = Vec::new();
    let term = current_term(w, node);
    if let Some(want) = e.term {
        let got = if term.0 == want {
            Ok(())
        } else {
            Err(format!("it is {term}"))
        };
        out.push((format!("{node}'s currentTerm to be {want}"), got));
    }
    if let Some(want) = e.voted_for {
        let show = |v: Option<NodeId>| v.map_or("none".to_string(), |n| n.to_string());
        let have = voted_for(w, node);
        let got = if have == want {
            Ok(())
        } else {
            Err(format!("it is {} (in term {term})", show(have)))
        };
        out.push((format!("{node}'s votedFor to be {}", show(want)), got));
    }
    if let Some(want) = &e.votes_from {
        let have = votes_granted(w, node, term);
        let got = if &have == want {
            Ok(())
        } else {
            Err(format!("they came from {}", names(&have)))
        };
        let what = format!("{node}'s votes of term {term} to come from {}", names(want));
        out.push((what, got));
    }
    out
}
