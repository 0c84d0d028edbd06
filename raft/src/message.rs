//! The two RPCs of Figure 2, InstallSnapshot (Figure 13) and the thesis's heartbeats and
//! pre-votes, with their replies, as plain data.

use crate::types::{Entry, LogIndex, Membership, NodeId, Term};
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Message {
    /// Figure 2, RequestVote RPC: "invoked by candidates to gather votes (§5.2)".
    RequestVote {
        term: Term,
        candidate: NodeId,
        last_log_index: LogIndex,
        last_log_term: Term,
        /// Not in the paper: carried only so that the `vote-by-commit-index` bug knob can
        /// compare commit indexes, as seed 003's counterexample does.
        commit_index: LogIndex,
        /// Thesis §3.10: the candidate campaigns because the leader asked it to (TimeoutNow),
        /// so a voter that still hears that leader does not ignore it (§4.2.3's lease rule
        /// would).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        transfer: bool,
    },
    RequestVoteResponse {
        term: Term,
        vote_granted: bool,
    },
    /// Figure 2, AppendEntries RPC: "invoked by leader to replicate log entries (§5.3); also
    /// used as heartbeat (§5.2)".
    AppendEntries {
        term: Term,
        leader: NodeId,
        prev_log_index: LogIndex,
        prev_log_term: Term,
        entries: Vec<Entry>,
        leader_commit: LogIndex,
    },
    AppendEntriesResponse {
        term: Term,
        success: bool,
        /// On success, the index of the last entry the request made the follower hold
        /// (`prev_log_index + entries.len()`). On failure, a hint for the leader's nextIndex
        /// back-off: the follower's log cannot match beyond this index.
        last_index: LogIndex,
    },
    /// Thesis §9.6, PreVote: "would you vote for me in `term`?" Nobody's term changes.
    PreVote {
        term: Term,
        candidate: NodeId,
        last_log_index: LogIndex,
        last_log_term: Term,
    },
    /// `term` is the term asked about when granted, the voter's own term when refused.
    PreVoteResponse {
        term: Term,
        vote_granted: bool,
    },
    /// Thesis §6.4: a leader confirms it still leads, for ReadIndex and leases. `round`
    /// numbers the leader's confirmation rounds.
    Heartbeat {
        term: Term,
        leader: NodeId,
        round: u64,
    },
    HeartbeatResponse {
        term: Term,
        round: u64,
    },
    /// Figure 13, InstallSnapshot RPC: "invoked by leader to send chunks of a snapshot to a
    /// follower", for a follower whose nextIndex the leader has compacted away (§7). The whole
    /// snapshot travels in one message, so the paper's `offset` and `done` are not needed.
    InstallSnapshot {
        term: Term,
        leader: NodeId,
        last_included_index: LogIndex,
        last_included_term: Term,
        data: Vec<u8>,
        /// The configuration as of the last included index (`Snapshot::membership`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        membership: Option<Membership>,
    },
    InstallSnapshotResponse {
        term: Term,
        /// Not in the paper (whose reply has only the term): the index up to which the
        /// follower's log now agrees with the leader's, the snapshot's last included index, or
        /// the follower's commit index when it ignored an older snapshot. The leader sets
        /// matchIndex from it.
        last_index: LogIndex,
    },
    /// Thesis §3.10, leadership transfer: the leader, having brought the target up to date,
    /// tells it to start an election at once, as if its election timeout had passed.
    TimeoutNow {
        term: Term,
        leader: NodeId,
    },
}

impl Message {
    pub fn term(&self) -> Term {
        match self {
            Message::RequestVote { term, .. }
            | Message::RequestVoteResponse { term, .. }
            | Message::AppendEntries { term, .. }
            | Message::AppendEntriesResponse { term, .. }
            | Message::PreVote { term, .. }
            | Message::PreVoteResponse { term, .. }
            | Message::Heartbeat { term, .. }
            | Message::HeartbeatResponse { term, .. }
            | Message::InstallSnapshot { term, .. }
            | Message::InstallSnapshotResponse { term, .. }
            | Message::TimeoutNow { term, .. } => *term,
        }
    }

    /// The message type's name, as users type it in scenario files (`append-entries`).
    pub fn kind(&self) -> MessageKind {
        match self {
            Message::RequestVote { .. } => MessageKind::RequestVote,
            Message::RequestVoteResponse { .. } => MessageKind::RequestVoteResponse,
            Message::AppendEntries { .. } => MessageKind::AppendEntries,
            Message::AppendEntriesResponse { .. } => MessageKind::AppendEntriesResponse,
            Message::PreVote { .. } => MessageKind::PreVote,
            Message::PreVoteResponse { .. } => MessageKind::PreVoteResponse,
            Message::Heartbeat { .. } => MessageKind::Heartbeat,
            Message::HeartbeatResponse { .. } => MessageKind::HeartbeatResponse,
            Message::InstallSnapshot { .. } => MessageKind::Snapshot,
            Message::InstallSnapshotResponse { .. } => MessageKind::SnapshotResponse,
            Message::TimeoutNow { .. } => MessageKind::TimeoutNow,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MessageKind {
    RequestVote,
    RequestVoteResponse,
    AppendEntries,
    AppendEntriesResponse,
    PreVote,
    PreVoteResponse,
    Heartbeat,
    HeartbeatResponse,
    /// Kinds other implementations send that raftsim's node has no counterpart of (a
    /// follower forwarding a read), and leadership transfer's TimeoutNow (thesis §3.10).
    ReadIndex,
    ReadIndexResponse,
    TimeoutNow,
    /// A leader's snapshot (raftsim's InstallSnapshot, raft-rs's MsgSnapshot) and raftsim's
    /// reply to it (raft-rs answers with an append response).
    Snapshot,
    SnapshotResponse,
    Other,
}

impl MessageKind {
    pub const ALL: [MessageKind; 14] = [
        MessageKind::RequestVote,
        MessageKind::RequestVoteResponse,
        MessageKind::AppendEntries,
        MessageKind::AppendEntriesResponse,
        MessageKind::PreVote,
        MessageKind::PreVoteResponse,
        MessageKind::Heartbeat,
        MessageKind::HeartbeatResponse,
        MessageKind::ReadIndex,
        MessageKind::ReadIndexResponse,
        MessageKind::TimeoutNow,
        MessageKind::Snapshot,
        MessageKind::SnapshotResponse,
        MessageKind::Other,
    ];
    pub fn name(self) -> &'static str {
        match self {
            MessageKind::RequestVote => "request-vote",
            MessageKind::RequestVoteResponse => "request-vote-response",
            MessageKind::AppendEntries => "append-entries",
            MessageKind::AppendEntriesResponse => "append-entries-response",
            MessageKind::PreVote => "pre-vote",
            MessageKind::PreVoteResponse => "pre-vote-response",
            MessageKind::Heartbeat => "heartbeat",
            MessageKind::HeartbeatResponse => "heartbeat-response",
            MessageKind::ReadIndex => "read-index",
            MessageKind::ReadIndexResponse => "read-index-response",
            MessageKind::TimeoutNow => "timeout-now",
            MessageKind::Snapshot => "snapshot",
            MessageKind::SnapshotResponse => "snapshot-response",
            MessageKind::Other => "other",
        }
    }
}

/// Stable, one-line rendering used by traces: `AppendEntries term=4 prev=2:2 entries=[3:4] commit=1`.
impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Message::RequestVote {
                term,
                candidate,
                last_log_index,
                last_log_term,
                transfer,
                ..
            } => {
                write!(
                    f,
                    "RequestVote term={term} candidate={candidate} last={last_log_index}:{last_log_term}"
                )?;
                if *transfer {
                    write!(f, " transfer")?;
                }
                Ok(())
            }
            Message::RequestVoteResponse { term, vote_granted } => {
                write!(f, "RequestVoteResponse term={term} granted={vote_granted}")
            }
            Message::AppendEntries {
                term,
                prev_log_index,
                prev_log_term,
                entries,
                leader_commit,
                ..
            } => {
                write!(f, "AppendEntries term={term} prev={prev_log_index}:{prev_log_term} entries=[")?;
                for (i, e) in entries.iter().enumerate() {
                    if i > 0 {
                        write!(f, ",")?;
                    }
                    write!(f, "{e}")?;
                }
                write!(f, "] commit={leader_commit}")
            }
            Message::AppendEntriesResponse {
                term,
                success,
                last_index,
            } => write!(
                f,
                "AppendEntriesResponse term={term} success={success} last={last_index}"
            ),
            Message::PreVote {
                term,
                candidate,
                last_log_index,
                last_log_term,
            } => write!(
                f,
                "PreVote term={term} candidate={candidate} last={last_log_index}:{last_log_term}"
            ),
            Message::PreVoteResponse { term, vote_granted } => {
                write!(f, "PreVoteResponse term={term} granted={vote_granted}")
            }
            Message::Heartbeat { term, round, .. } => {
                write!(f, "Heartbeat term={term} round={round}")
            }
            Message::HeartbeatResponse { term, round } => {
                write!(f, "HeartbeatResponse term={term} round={round}")
            }
            Message::InstallSnapshot {
                term,
                last_included_index,
                last_included_term,
                data,
                ..
            } => write!(
                f,
                "InstallSnapshot term={term} last={last_included_index}:{last_included_term} bytes={}",
                data.len()
            ),
            Message::InstallSnapshotResponse { term, last_index } => {
                write!(f, "InstallSnapshotResponse term={term} last={last_index}")
            }
            Message::TimeoutNow { term, .. } => write!(f, "TimeoutNow term={term}"),
        }
    }
}
