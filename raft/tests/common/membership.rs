//! Membership changes and leadership transfer at one leader (thesis chapter 4, §3.10): what a
//! leader of a three-server cluster does with a change or a transfer, for the knob tests.

use super::*;
use raft::{ConfChange, Knobs, Membership, MessageKind, NodeSet, Rejection};

pub fn config_with(bugs: Knobs) -> Config {
    Config {
        bugs,
        ..Config::default()
    }
}

/// n1, elected leader of term 1 in the cluster n1..n3; its no-op (1:1) is durable.
pub fn leader_of_three(bugs: Knobs) -> Node {
    let mut s1 = node_with(1, 3, config_with(bugs), DurableState::default());
    make_leader(&mut s1, 3);
    s1
}

/// n2 acknowledges the leader's whole log: the leader's entries commit.
pub fn n2_acks(leader: &mut Node) -> Vec<Output> {
    let (term, last) = (leader.current_term().0, leader.log().last_index().0);
    step(leader, n(2), append_reply(term, true, last))
}

pub fn change(node: &mut Node, change: ConfChange) -> Vec<Output> {
    let mut out = Vec::new();
    node.propose_change(change, &mut out);
    out
}

pub fn transfer(node: &mut Node, to: u8) -> Vec<Output> {
    let mut out = Vec::new();
    node.transfer_leadership(n(to), &mut out);
    out
}

/// What became of a proposal or change: `Ok(index)` or the rejection.
pub fn outcome(out: &[Output]) -> Result<u64, Rejection> {
    out.iter()
        .find_map(|o| match o {
            Output::ProposalAccepted { index, .. } => Some(Ok(index.0)),
            Output::ProposalRejected(r) => Some(Err(*r)),
            _ => None,
        })
        .expect("a proposal is accepted or rejected")
}

pub fn set(ids: &[u8]) -> NodeSet {
    ids.iter().map(|i| n(*i)).collect()
}

/// A new leader asks to add n4 before its no-op is committed (catalogue §6).
pub fn change_before_own_commit(bugs: Knobs) -> Result<u64, Rejection> {
    let mut s1 = leader_of_three(bugs);
    outcome(&change(&mut s1, ConfChange::AddVoter(n(4))))
}

/// With its no-op committed, the leader adds n4, then at once asks to add n5.
pub fn second_change_in_flight(bugs: Knobs) -> Result<u64, Rejection> {
    let mut s1 = leader_of_three(bugs);
    n2_acks(&mut s1);
    assert!(outcome(&change(&mut s1, ConfChange::AddVoter(n(4)))).is_ok());
    outcome(&change(&mut s1, ConfChange::AddVoter(n(5))))
}

/// The leader replaces n3 by n4 and n5 at once: the configuration it is then in.
pub fn many_at_once(bugs: Knobs) -> Membership {
    let mut s1 = leader_of_three(bugs);
    n2_acks(&mut s1);
    let voters = set(&[1, 2, 4, 5]);
    assert!(outcome(&change(&mut s1, ConfChange::Joint { voters })).is_ok());
    s1.membership()
}

/// The leader removes itself, and n2 acknowledges the change: the leader's role then.
pub fn leader_after_removing_itself(bugs: Knobs) -> RoleKind {
    let mut s1 = leader_of_three(bugs);
    n2_acks(&mut s1);
    assert!(outcome(&change(&mut s1, ConfChange::Remove(n(1)))).is_ok());
    fsync(&mut s1);
    n2_acks(&mut s1);
    // n3 too: {n2, n3} is the new configuration, and both must hold the entry.
    let (term, last) = (s1.current_term().0, s1.log().last_index().0);
    step(&mut s1, n(3), append_reply(term, true, last));
    s1.role_kind()
}

/// The leader starts a transfer to n2, which holds nothing of its log yet; a client then
/// proposes. Returns (the kinds the transfer sent to n2, what became of the proposal).
pub fn transfer_to_a_lagging_target(bugs: Knobs) -> (Vec<MessageKind>, Result<u64, Rejection>) {
    let mut s1 = leader_of_three(bugs);
    let kinds = sends(&transfer(&mut s1, 2))
        .into_iter()
        .filter(|(to, _)| *to == n(2))
        .map(|(_, m)| m.kind())
        .collect();
    (kinds, outcome(&propose(&mut s1, 7)))
}

// ----- Configurations, as the thesis draws them -----

/// The configuration whose voters are `voters`.
pub fn voters(ids: &[u8]) -> Membership {
    Membership::of_voters(set(ids))
}

/// Voters and learners (thesis §4.2.1).
pub fn with_learners(voters: &[u8], learners: &[u8]) -> Membership {
    Membership {
        learners: set(learners),
        ..Membership::of_voters(set(voters))
    }
}

/// C_old,new (thesis §4.3): the voters `new`, joint with the voters `old`.
pub fn joint(new: &[u8], old: &[u8]) -> Membership {
    Membership {
        outgoing: set(old),
        ..Membership::of_voters(set(new))
    }
}

/// A configuration entry at `index` in `term`.
pub fn config_entry(index: u64, term: u64, m: Membership) -> Entry {
    Entry {
        index: LogIndex(index),
        term: Term(term),
        command: Command::Config(raft::ConfigEntry::pack(&m).expect("ids up to 21")),
    }
}

/// The peers a leader keeps progress for, in its order; panics if `node` does not lead.
pub fn progress_peers(node: &Node) -> Vec<NodeId> {
    let raft::Role::Leader { progress } = node.role() else {
        panic!("{} is not leader", node.id());
    };
    progress.iter().map(|p| p.peer).collect()
}

/// The servers `out` sends a message of `kind` to, in order.
pub fn sent(out: &[Output], kind: MessageKind) -> Vec<NodeId> {
    sends(out)
        .into_iter()
        .filter(|(_, m)| m.kind() == kind)
        .map(|(to, _)| to)
        .collect()
}

impl Cluster {
    /// An operator asks `id` to change the configuration.
    pub fn change(&mut self, id: NodeId, change: ConfChange) {
        self.input(id, |node, out| node.propose_change(change, out));
    }

    /// An operator asks `id` to hand its leadership to `to` (thesis §3.10).
    pub fn transfer(&mut self, id: NodeId, to: NodeId) {
        self.input(id, |node, out| node.transfer_leadership(to, out));
    }

    /// What became of `id`'s latest proposal or change.
    pub fn last_outcome(&self, id: NodeId) -> Result<u64, Rejection> {
        let out: Vec<Output> = self
            .history
            .iter()
            .rev()
            .filter(|(from, _)| *from == id)
            .map(|(_, o)| o.clone())
            .find(|o| {
                matches!(
                    o,
                    Output::ProposalAccepted { .. } | Output::ProposalRejected(_)
                )
            })
            .into_iter()
            .collect();
        outcome(&out)
    }
}
