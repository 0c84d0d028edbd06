//! raftsim's own node behind the boundary: a thin pass-through, so it runs no slower for it.

use super::{Boot, RaftMessage, RaftNode};
use crate::digest::TraceHash;
use crate::rng::mix64;
use raft::{Command, LogIndex, Message, MessageKind, Node, NodeId, Output};
use raft::{RaftLog, RoleKind, Synced, Term};

impl RaftMessage for Message {
    fn kind(&self) -> MessageKind {
        Message::kind(self)
    }

    fn content_key(&self) -> u64 {
        use Message::*;
        let fields: [u64; 4] = match self {
            RequestVote {
                term,
                candidate,
                last_log_index,
                last_log_term,
                ..
            } => [
                1,
                term.0,
                candidate.0 as u64,
                last_log_index.0 << 20 ^ last_log_term.0,
            ],
            RequestVoteResponse { term, vote_granted } => [2, term.0, *vote_granted as u64, 0],
            AppendEntries {
                term,
                prev_log_index,
                prev_log_term,
                entries,
                leader_commit,
                ..
            } => [
                3,
                term.0,
                prev_log_index.0 << 20 ^ prev_log_term.0,
                (entries.len() as u64) << 40 ^ leader_commit.0,
            ],
            AppendEntriesResponse {
                term,
                success,
                last_index,
            } => [4, term.0, *success as u64, last_index.0],
            PreVote {
                term,
                candidate,
                last_log_index,
                last_log_term,
            } => [
                5,
                term.0,
                candidate.0 as u64,
                last_log_index.0 << 20 ^ last_log_term.0,
            ],
            PreVoteResponse { term, vote_granted } => [6, term.0, *vote_granted as u64, 0],
            Heartbeat { term, round, .. } => [7, term.0, *round, 0],
            HeartbeatResponse { term, round } => [8, term.0, *round, 0],
            InstallSnapshot {
                term,
                last_included_index,
                last_included_term,
                data,
                ..
            } => [
                9,
                term.0,
                last_included_index.0 << 20 ^ last_included_term.0,
                data.len() as u64,
            ],
            InstallSnapshotResponse { term, last_index } => [10, term.0, last_index.0, 0],
            TimeoutNow { term, leader } => [11, term.0, leader.0 as u64, 0],
        };
        fields.iter().fold(0, |h, f| mix64(h ^ f))
    }

    fn hash_into(&self, h: &mut TraceHash) {
        use Message::*;
        match self {
            RequestVote {
                term,
                candidate,
                last_log_index,
                last_log_term,
                commit_index,
                transfer,
            } => {
                h.numbers(&[
                    1,
                    term.0,
                    candidate.0 as u64,
                    last_log_index.0,
                    last_log_term.0,
                    commit_index.0,
                ]);
                // Only when set, so that runs without transfers hash as they always did.
                if *transfer {
                    h.numbers(&[11]);
                }
            }
            RequestVoteResponse { term, vote_granted } => {
                h.numbers(&[2, term.0, *vote_granted as u64])
            }
            AppendEntries {
                term,
                leader,
                prev_log_index,
                prev_log_term,
                entries,
                leader_commit,
            } => {
                h.numbers(&[
                    3,
                    term.0,
                    leader.0 as u64,
                    prev_log_index.0,
                    prev_log_term.0,
                    leader_commit.0,
                    entries.len() as u64,
                ]);
                for e in entries {
                    h.numbers(&[e.index.0, e.term.0]);
                    h.command(&e.command);
                }
            }
            AppendEntriesResponse {
                term,
                success,
                last_index,
            } => h.numbers(&[4, term.0, *success as u64, last_index.0]),
            PreVote {
                term,
                candidate,
                last_log_index,
                last_log_term,
            } => h.numbers(&[
                5,
                term.0,
                candidate.0 as u64,
                last_log_index.0,
                last_log_term.0,
            ]),
            PreVoteResponse { term, vote_granted } => h.numbers(&[6, term.0, *vote_granted as u64]),
            Heartbeat {
                term,
                leader,
                round,
            } => h.numbers(&[7, term.0, leader.0 as u64, *round]),
            HeartbeatResponse { term, round } => h.numbers(&[8, term.0, *round]),
            InstallSnapshot {
                term,
                leader,
                last_included_index,
                last_included_term,
                data,
                membership,
            } => {
                if let Some(m) = membership {
                    h.numbers(&[12, m.voters.bits(), m.learners.bits(), m.outgoing.bits()]);
                }
                h.numbers(&[
                    9,
                    term.0,
                    leader.0 as u64,
                    last_included_index.0,
                    last_included_term.0,
                    data.len() as u64,
                ]);
                for chunk in data.chunks(8) {
                    let mut word = [0u8; 8];
                    word[..chunk.len()].copy_from_slice(chunk);
                    h.numbers(&[u64::from_le_bytes(word)]);
                }
            }
            InstallSnapshotResponse { term, last_index } => h.numbers(&[10, term.0, last_index.0]),
            TimeoutNow { term, leader } => h.numbers(&[13, term.0, leader.0 as u64]),
        }
    }

    fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    fn acknowledgement(&self) -> Option<(Term, LogIndex)> {
        match self {
            Message::RequestVoteResponse {
                term,
                vote_granted: true,
            } => Some((*term, LogIndex(0))),
            Message::AppendEntriesResponse {
                term,
                success: true,
                last_index,
            } => Some((*term, *last_index)),
            Message::InstallSnapshotResponse { term, last_index } => Some((*term, *last_index)),
            _ => None,
        }
    }

    fn vote_request(&self) -> Option<(Term, LogIndex, Term)> {
        match *self {
            Message::RequestVote {
                term,
                last_log_index,
                last_log_term,
                ..
            }
            | Message::PreVote {
                term,
                last_log_index,
                last_log_term,
                ..
            } => Some((term, last_log_index, last_log_term)),
            _ => None,
        }
    }

    fn vote_response(&self) -> Option<(Term, bool)> {
        match *self {
            Message::RequestVoteResponse { term, vote_granted }
            | Message::PreVoteResponse { term, vote_granted } => Some((term, vote_granted)),
            _ => None,
        }
    }
}

impl RaftNode for Node {
    type Message = Message;
    const NAME: &'static str = "raftsim";
    const REPAIRS_DAMAGED_LOGS: bool = true;
    const CHANGES_MEMBERSHIP: bool = true;

    fn supports(config: &raft::Config) -> Result<(), String> {
        config.validate().map_err(|e| e.to_string())
    }

    fn boot(b: Boot<'_>) -> Result<Node, String> {
        Node::new(b.id, b.members, b.config.clone(), b.seed, b.disk).map_err(|e| e.to_string())
    }

    fn tick(&mut self, out: &mut Vec<Output>) {
        Node::tick(self, out)
    }
    fn step(&mut self, from: NodeId, message: Message, out: &mut Vec<Output>) {
        Node::step(self, from, message, out)
    }
    fn timeout_now(&mut self, out: &mut Vec<Output>) {
        Node::timeout_now(self, out)
    }
    fn propose(&mut self, command: Command, out: &mut Vec<Output>) {
        Node::propose(self, command, out)
    }
    fn read_index(&mut self, ctx: u64, out: &mut Vec<Output>) {
        Node::read_index(self, ctx, out)
    }
    fn read_lease(&mut self, ctx: u64, out: &mut Vec<Output>) {
        Node::read_lease(self, ctx, out)
    }
    fn persisted(&mut self, synced: Synced, out: &mut Vec<Output>) {
        Node::persisted(self, synced, out)
    }
    fn propose_change(&mut self, change: raft::ConfChange, out: &mut Vec<Output>) {
        Node::propose_change(self, change, out)
    }
    fn transfer_leadership(&mut self, target: NodeId, out: &mut Vec<Output>) {
        Node::transfer_leadership(self, target, out)
    }
    fn membership(&self) -> Option<raft::Membership> {
        Some(Node::membership(self))
    }
    fn role_kind(&self) -> RoleKind {
        Node::role_kind(self)
    }
    fn current_term(&self) -> Term {
        Node::current_term(self)
    }
    fn voted_for(&self) -> Option<NodeId> {
        Node::voted_for(self)
    }
    fn leader(&self) -> Option<NodeId> {
        Node::leader(self)
    }
    fn commit_index(&self) -> LogIndex {
        Node::commit_index(self)
    }
    fn last_applied(&self) -> LogIndex {
        Node::last_applied(self)
    }
    fn log(&self) -> &RaftLog {
        Node::log(self)
    }
    fn compact(
        &mut self,
        index: LogIndex,
        data: Vec<u8>,
        out: &mut Vec<Output>,
    ) -> Result<(), String> {
        match Node::compact(self, index, data, out) {
            // The node installed a newer snapshot since it asked: nothing left to compact.
            Ok(()) | Err(raft::CompactError::AlreadyCompacted { .. }) => Ok(()),
            Err(e) => Err(e.to_string()),
        }
    }
    fn repairing(&self) -> bool {
        Node::repairing(self)
    }
    fn election_timer(&self) -> Option<(u32, u32)> {
        (Node::role_kind(self) != RoleKind::Leader)
            .then(|| (self.election_elapsed_ticks(), self.election_timeout_ticks()))
    }
}
