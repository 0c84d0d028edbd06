//! The operator's levers on the configuration (thesis chapter 4) and on leadership (§3.10):
//! a change or a transfer goes to the node that leads the highest term, as an operator's tool
//! finds the leader; what it answered is traced. Each node's configuration is traced when it
//! changes (`TraceEvent::Membership`), from the first change asked of a run on (until then
//! every configuration is the boot one, and the per-step comparison costs nothing).

use crate::node::RaftNode;
use crate::trace::TraceEvent;
use crate::world::World;
use raft::{ConfChange, LogIndex, Membership, NodeId, Output, Rejection, Term};

/// What became of a change or a transfer asked of the cluster.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Asked {
    /// The leader appended the configuration entry at (index, term).
    Appended {
        leader: NodeId,
        index: LogIndex,
        term: Term,
    },
    /// The leader refused it, for this reason.
    Refused { leader: NodeId, why: Rejection },
    /// The leader began a transfer to the target.
    Transferring { leader: NodeId, to: NodeId },
    /// No live node leads.
    NoLeader,
    /// The node that leads is paused: it does not answer.
    Paused { leader: NodeId },
}

impl<N: RaftNode> World<N> {
    /// Asks the current leader (the live node leading the highest term) to change the
    /// configuration.
    pub fn change_membership(&mut self, change: ConfChange) -> Asked {
        assert!(
            N::CHANGES_MEMBERSHIP,
            "{} does not change its configuration",
            N::NAME
        );
        self.membership_in_play = true;
        self.note_step(crate::scenario::Step::Change(change));
        let Some(leader) = self.leader() else {
            self.record(TraceEvent::Config {
                description: format!("asked to {change}, but no node leads"),
            });
            return Asked::NoLeader;
        };
        if self.hosts[leader.0 as usize - 1].paused {
            self.record(TraceEvent::Config {
                description: format!("{leader} is asked to {change}, but it is paused"),
            });
            return Asked::Paused { leader };
        }
        let mut asked = Asked::NoLeader;
        // The leader's new configuration is traced after the line that says what it was asked
        // and answered, so that the narration reads in that order.
        let before = self.membership_of(leader);
        self.membership_in_play = false;
        self.input(leader, |n, out| {
            n.propose_change(change, out);
            for o in out.iter() {
                match *o {
                    Output::ProposalAccepted { index, term } => {
                        asked = Asked::Appended {
                            leader,
                            index,
                            term,
                        }
                    }
                    Output::ProposalRejected(why) => asked = Asked::Refused { leader, why },
                    _ => {}
                }
            }
        });
        self.membership_in_play = true;
        let description = match asked {
            Asked::Appended { index, term, .. } => {
                format!(
                    "{leader} is asked to {change}: it appends the configuration at {index}:{term}"
                )
            }
            Asked::Refused { why, .. } => {
                format!("{leader} is asked to {change}: it refuses, {why}")
            }
            _ => format!("{leader} is asked to {change}: it does not answer"),
        };
        self.stats.membership.asked += 1;
        if matches!(asked, Asked::Appended { .. }) {
            let s = &mut self.stats.membership;
            s.appended += 1;
            match change {
                ConfChange::AddVoter(_) => s.adds += 1,
                ConfChange::Promote(_) => s.promotions += 1,
                ConfChange::AddLearner(_) => s.learners += 1,
                ConfChange::Remove(_) => s.removes += 1,
                ConfChange::Joint { .. } => s.joint += 1,
            }
            if let Some(m) = self.membership_of(leader) {
                self.ever_members = self.ever_members.union(m.members());
                let s = &mut self.stats.membership;
                s.max_voters = s.max_voters.max(m.voters.len() as u64);
            }
        }
        self.record(TraceEvent::Config { description });
        self.note_membership(leader, before);
        asked
    }

    /// Asks the current leader to hand its leadership to `to` (thesis §3.10).
    pub fn transfer_leadership(&mut self, to: NodeId) -> Asked {
        assert!(
            N::CHANGES_MEMBERSHIP,
            "{} does not transfer its leadership",
            N::NAME
        );
        self.membership_in_play = true;
        self.note_step(crate::scenario::Step::Transfer(to));
        let Some(leader) = self.leader() else {
            self.record(TraceEvent::Config {
                description: format!("asked to transfer leadership to {to}, but no node leads"),
            });
            return Asked::NoLeader;
        };
        if self.hosts[leader.0 as usize - 1].paused {
            self.record(TraceEvent::Config {
                description: format!(
                    "{leader} is asked to transfer its leadership to {to}, but it is paused"
                ),
            });
            return Asked::Paused { leader };
        }
        self.input(leader, |n, out| n.transfer_leadership(to, out));
        self.stats.membership.transfers += 1;
        self.record(TraceEvent::Config {
            description: format!("{leader} is asked to transfer its leadership to {to}"),
        });
        Asked::Transferring { leader, to }
    }

    /// A node's configuration after a step, traced when it changed.
    pub(crate) fn note_membership(&mut self, id: NodeId, before: Option<Membership>) {
        let after = self.node(id).and_then(|n| n.membership());
        if let (Some(b), Some(a)) = (before, after) {
            if a != b {
                self.record(TraceEvent::Membership {
                    node: id,
                    membership: a,
                });
            }
        }
    }

    /// The configuration a node is in, as far as the implementation tells it (`None` when it
    /// does not say); a crashed node's is its disk's, as a restart would find it.
    pub fn membership_of(&self, id: NodeId) -> Option<Membership> {
        match self.node(id) {
            Some(n) => n.membership(),
            None if N::CHANGES_MEMBERSHIP => {
                let disk = &self.hosts[id.0 as usize - 1].disk;
                Some(disk.membership(self.config.boot_membership()))
            }
            None => None,
        }
    }
}
