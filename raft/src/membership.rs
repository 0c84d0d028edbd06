//! Cluster membership changes (Ongaro's thesis, chapter 4) and leadership transfer (§3.10).
//!
//! **The configuration in force.** Thesis §4.1: "a server always uses the latest configuration
//! in its log, regardless of whether that entry is committed". A node's configuration is the
//! latest configuration entry of its log, else the one its snapshot records, else the boot
//! configuration it was started with ([`Node::membership`]); it changes the moment the entry is
//! appended, and changes back when a truncation deletes it. Elections, commits, CheckQuorum and
//! read rounds count majorities of it ([`Membership::has_quorum`], [`Membership::quorum_value`]);
//! a leader replicates to every member (voters, learners, outgoing voters); a server that is not
//! a voter of its configuration starts no election, unless it was a voter of the configuration
//! before and the change is not committed yet (§4.2.2, Figure 4.6; `Node::promotable`). Servers answer RequestVote and
//! AppendEntries whatever their configuration says (§4.1: "servers process incoming RPC
//! requests without consulting their current configurations").
//!
//! **Single-server changes** (§4.1): adding or removing one voter, adding a learner, promoting
//! a learner. Any majority of the old configuration meets any majority of the new one, so no
//! two leaders can be elected in one term across the change — provided that
//! - only one change is in flight: the leader appends a change only once the previous one is
//!   committed (`overlapping-config-changes` drops this);
//! - a new leader first commits an entry of its own term (the 2015 fix, catalogue §6;
//!   `config-change-before-own-commit` drops it): a configuration entry an earlier leader left
//!   uncommitted on a minority can otherwise come back after the new leader's own change, and
//!   the two configurations, two servers apart, have disjoint majorities.
//!
//! **Joint consensus** (§4.3): a change of several voters goes through C_old,new, in which every
//! election and commit needs a majority of both. Once C_old,new is committed the leader appends
//! C_new (any leader does, also one elected while the configuration is joint: etcd #12136's
//! cluster stuck in a joint configuration). `change-many-without-joint` switches in one step.
//!
//! **Learners** (§4.2.1) receive the log and never vote or campaign; a promotion is a
//! single-server change. A leader that is not a voter of its configuration (it removed itself)
//! keeps replicating without counting itself, and steps down once that configuration is
//! committed (§4.2.2; `removed-leader-keeps-leading` keeps it leading).
//!
//! **Leadership transfer** (§3.10): the leader stops accepting proposals, brings the target's
//! log up to date, and sends it TimeoutNow; the target campaigns at once, its RequestVote marked
//! as a transfer so that servers still hearing the leader do not ignore it (§4.2.3's rule would).
//! A transfer that has not ended within an election timeout is abandoned. The knobs:
//! `propose-during-transfer` keeps accepting proposals, `timeout-now-to-lagging-target` sends
//! TimeoutNow at once.

use crate::config::BugKnob;
use crate::message::Message;
use crate::node::{Node, Progress, Role};
use crate::output::{ConfigRejection, Output, Rejection};
use crate::types::{Command, ConfigEntry, LogIndex, Membership, NodeId, NodeSet};

/// A change of the configuration, as an operator asks for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ConfChange {
    /// Adds a voter, or promotes a learner to one (§4.1).
    AddVoter(NodeId),
    /// Adds a non-voting member (§4.2.1).
    AddLearner(NodeId),
    /// Makes a learner a voter, once it has caught up (§4.2.1).
    Promote(NodeId),
    /// Removes a voter or a learner (§4.1).
    Remove(NodeId),
    /// Joint consensus (§4.3): the voters become `voters`, through C_old,new.
    Joint { voters: NodeSet },
}

impl std::fmt::Display for ConfChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConfChange::AddVoter(id) => write!(f, "add {id}"),
            ConfChange::AddLearner(id) => write!(f, "add learner {id}"),
            ConfChange::Promote(id) => write!(f, "promote learner {id}"),
            ConfChange::Remove(id) => write!(f, "remove {id}"),
            ConfChange::Joint { voters } => write!(f, "change voters to {voters}"),
        }
    }
}

/// A leadership transfer in progress (thesis §3.10).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Transfer {
    pub(crate) target: NodeId,
    /// Ticks since it began; it is abandoned after an election timeout.
    pub(crate) elapsed: u32,
    /// TimeoutNow went to the target.
    pub(crate) sent: bool,
}

impl ConfChange {
    /// The configuration `change` makes of `m`, or why it is no valid change.
    fn apply(
        self,
        m: &Membership,
        bugs: crate::config::Knobs,
    ) -> Result<Membership, ConfigRejection> {
        let mut next = *m;
        match self {
            ConfChange::Joint { voters } => {
                if m.is_joint() {
                    return Err(ConfigRejection::Joint);
                }
                if voters.is_empty() || voters == m.voters {
                    return Err(ConfigRejection::Invalid);
                }
                next.voters = voters;
                next.learners = m.learners.difference(voters);
                if !bugs.contains(BugKnob::ChangeManyWithoutJoint) {
                    next.outgoing = m.voters;
                }
            }
            _ if m.is_joint() => return Err(ConfigRejection::Joint),
            ConfChange::AddVoter(id) => {
                if m.voters.contains(id) {
                    return Err(ConfigRejection::Invalid);
                }
                next.voters.insert(id);
                next.learners.remove(id);
            }
            ConfChange::Promote(id) => {
                if !m.learners.contains(id) {
                    return Err(ConfigRejection::Invalid);
                }
                next.voters.insert(id);
                next.learners.remove(id);
            }
            ConfChange::AddLearner(id) => {
                if m.members().contains(id) {
                    return Err(ConfigRejection::Invalid);
                }
                next.learners.insert(id);
            }
            ConfChange::Remove(id) => {
                if !m.members().contains(id) {
                    return Err(ConfigRejection::Invalid);
                }
                next.voters.remove(id);
                next.learners.remove(id);
                if next.voters.is_empty() {
                    return Err(ConfigRejection::Invalid);
                }
            }
        }
        Ok(next)
    }
}

impl Node {
    /// An operator asks the cluster to change its configuration. Only a leader accepts, and
    /// only under the rules of thesis §4 (see the module doc); `Output::ProposalAccepted` or
    /// `ProposalRejected` says what became of it. The change is in force at the leader at once
    /// (§4.1), and at each follower once it appends the entry.
    pub fn propose_change(&mut self, change: ConfChange, out: &mut Vec<Output>) {
        let result = self.check_change(change);
        match result {
            Ok(next) => {
                let entry = ConfigEntry::pack(&next).expect("checked by check_change");
                let entry = self.append_own(Command::Config(entry));
                self.pending_notices.push(Output::ProposalAccepted {
                    index: entry.index,
                    term: entry.term,
                });
                self.broadcast_append();
            }
            Err(why) => self.pending_notices.push(Output::ProposalRejected(why)),
        }
        self.flush(out);
    }

    fn check_change(&self, change: ConfChange) -> Result<Membership, Rejection> {
        if !matches!(self.role, Role::Leader { .. }) {
            return Err(Rejection::NotLeader {
                leader: self.leader_id,
            });
        }
        if let Some(t) = self.transfer {
            return Err(Rejection::Transferring { to: t.target });
        }
        let bugs = self.config.bugs;
        if !bugs.contains(BugKnob::OverlappingConfigChanges)
            && self.membership_index > self.commit_index
        {
            let index = self.membership_index;
            return Err(Rejection::Config(ConfigRejection::Pending { index }));
        }
        // The 2015 fix (catalogue §6): until an entry of its own term is committed, a new
        // leader cannot know that no uncommitted configuration of an earlier leader survives.
        if !bugs.contains(BugKnob::ConfigChangeBeforeOwnCommit) && !self.committed_in_current_term()
        {
            return Err(Rejection::Config(ConfigRejection::NoCommitInTerm));
        }
        let next = change
            .apply(&self.membership, bugs)
            .map_err(Rejection::Config)?;
        if ConfigEntry::pack(&next).is_none() {
            return Err(Rejection::Config(ConfigRejection::Invalid));
        }
        Ok(next)
    }

    /// Thesis §4.1: the configuration in force is the latest in the log. Called after every
    /// change to the log; when the configuration changed, the set of peers follows it, and a
    /// leader keeps the progress of the peers that stay and starts that of new ones at its
    /// last index (a new peer's refusal moves it back, as for any follower).
    pub(crate) fn refresh_membership(&mut self) {
        let (index, logged) = self.log.membership();
        let membership = logged.unwrap_or(self.boot_membership);
        if (index, membership) == (self.membership_index, self.membership) {
            return;
        }
        self.membership_index = index;
        if membership == self.membership {
            return;
        }
        self.membership = membership;
        let mut members = membership.members();
        members.remove(self.id);
        let peers: Vec<NodeId> = members.iter().collect();
        let next_index = self.log.last_index().next();
        if let Role::Leader { progress } = &mut self.role {
            let old = std::mem::take(progress);
            let acked = std::mem::take(&mut self.reads.acked);
            for &peer in &peers {
                let slot = old.iter().position(|p| p.peer == peer);
                progress.push(slot.map_or(
                    Progress {
                        peer,
                        next_index,
                        match_index: LogIndex(0),
                        snapshot_sent: None,
                    },
                    |s| old[s],
                ));
                self.reads
                    .acked
                    .push(slot.map_or(0, |s| acked.get(s).copied().unwrap_or(0)));
            }
        }
        self.peers = peers;
    }

    /// After a commit: a leader that removed itself steps down once the configuration without
    /// it is committed (§4.2.2), and one in a committed joint configuration appends C_new
    /// (§4.3) once it has committed an entry of its own term.
    pub(crate) fn after_commit_membership(&mut self) {
        if !matches!(self.role, Role::Leader { .. }) || self.membership_index > self.commit_index {
            return;
        }
        if self.membership.is_joint() && self.committed_in_current_term() {
            let next = Membership {
                outgoing: NodeSet::new(),
                ..self.membership
            };
            let entry = ConfigEntry::pack(&next).expect("a subset of a packed configuration");
            self.append_own(Command::Config(entry));
            self.broadcast_append();
            return;
        }
        if !self.membership.is_voter(self.id)
            && !self
                .config
                .bugs
                .contains(BugKnob::RemovedLeaderKeepsLeading)
        {
            self.become_follower(self.current_term, None);
        }
    }

    /// Whether this node may stand for election: it is a voter of its configuration; or it was
    /// one of the configuration before, and the change that took it out is not committed yet.
    /// Thesis §4.2.2 (Figure 4.6): a server outside its latest configuration "should still
    /// start new elections", as it may be the only one that can win — a leader that removed
    /// itself and crashed holds the change, and the voters left cannot win without its vote,
    /// which it denies them, their logs being behind. Learners never campaign, nor does a
    /// server whose removal it knows committed.
    pub(crate) fn promotable(&self) -> bool {
        if self.membership.is_voter(self.id) {
            return true;
        }
        if self.membership_index <= self.commit_index {
            return false;
        }
        let before = self.log.membership_at(self.membership_index.prev()).1;
        before.unwrap_or(self.boot_membership).is_voter(self.id)
    }

    /// Thesis §3.10: the leader hands its leadership to `target`, a voter of its configuration.
    /// A node that does not lead, or a target that is itself or no voter, changes nothing.
    pub fn transfer_leadership(&mut self, target: NodeId, out: &mut Vec<Output>) {
        let leads = matches!(self.role, Role::Leader { .. });
        if leads && target != self.id && self.membership.is_voter(target) {
            self.transfer = Some(Transfer {
                target,
                elapsed: 0,
                sent: false,
            });
            self.advance_transfer(target);
        }
        self.flush(out);
    }

    /// Sends TimeoutNow once the target holds the leader's whole log; until then, brings it
    /// up to date. Called when the transfer starts and on each of the target's answers.
    pub(crate) fn advance_transfer(&mut self, from: NodeId) {
        let Some(t) = self.transfer else { return };
        if t.target != from || t.sent {
            return;
        }
        let last = self.log.last_index();
        let Role::Leader { progress } = &self.role else {
            return;
        };
        let Some(slot) = progress.iter().position(|p| p.peer == t.target) else {
            return;
        };
        let caught_up = progress[slot].match_index == last;
        if caught_up
            || self
                .config
                .bugs
                .contains(BugKnob::TimeoutNowToLaggingTarget)
        {
            self.transfer = Some(Transfer { sent: true, ..t });
            // The target may be elected before this leader's lease runs out (read.rs).
            self.reads.lease_revoked = true;
            let message = Message::TimeoutNow {
                term: self.current_term,
                leader: self.id,
            };
            self.send(t.target, message);
        } else if progress[slot].next_index > last {
            // Entries already in flight: the target's answer comes back here.
        } else {
            self.send_append(slot);
        }
    }

    /// A leader's tick: a transfer that has not ended within an election timeout is abandoned,
    /// and the leader takes proposals again (§3.10).
    pub(crate) fn tick_transfer(&mut self) {
        if let Some(t) = &mut self.transfer {
            t.elapsed += 1;
            if t.elapsed >= self.config.election_timeout_max_ticks {
                self.transfer = None;
            }
        }
    }

    /// TimeoutNow from the leader of our term: campaign at once (no pre-vote: the leader has
    /// asked for the election). A server that is no voter, or is repairing its log, does not.
    pub(crate) fn handle_timeout_now(&mut self) {
        if self.promotable() && !self.repairing && !matches!(self.role, Role::Leader { .. }) {
            self.campaign_with(true);
        }
    }

    /// What a proposal is refused with while this leader transfers its leadership (none under
    /// `propose-during-transfer`).
    pub(crate) fn transfer_refusal(&self) -> Option<Rejection> {
        let t = self.transfer?;
        (!self.config.bugs.contains(BugKnob::ProposeDuringTransfer))
            .then_some(Rejection::Transferring { to: t.target })
    }

    /// The configuration in force: the latest of its log (thesis §4.1), else its snapshot's,
    /// else the boot configuration.
    pub fn membership(&self) -> Membership {
        self.membership
    }

    /// The leadership transfer in progress, if any: its target.
    pub fn transfer_target(&self) -> Option<NodeId> {
        self.transfer.map(|t| t.target)
    }
}
