//! The boundary any Raft implementation plugs into: the one trait the simulator drives.
//!
//! A node is a state machine the simulator steps with five inputs — a tick, a message, a forced
//! election (scenario `timeout`), a client's proposal or read, and the news that writes it asked
//! for are durable — each returning ordered [`Output`]s in raftsim's vocabulary: writes to stable
//! storage (`Persist`, whose effect on a disk is [`DurableState::apply`]), sends, commits, applies
//! and reads ready; with log compaction (§7), requests for a snapshot (answered by
//! [`RaftNode::compact`] with the host's store) and snapshots to restore the store from. The host carries them out in order; a send that follows a write leaves only
//! once the write is durable (the contract in `host.rs`). A node starts, and restarts after a
//! crash, from exactly what its disk holds.
//!
//! For checkers, pictures and scenario expectations a node shows a read-only view: role, term,
//! vote, leader, commit index, last applied, and its log as a [`RaftLog`] (a node that keeps its
//! log otherwise keeps this view of it up to date). Its messages are opaque to the simulator but
//! for their [`RaftMessage`] face: a kind name shared by every implementation (link rules,
//! colours, scenario step types), a content key (keyed randomness, so that shrinking works), a
//! stable encoding for the trace hash, a line for the trace, and what a vote request asks and
//! its answer grants (so the trace can say why a vote was denied).
//!
//! Every option is given in raftsim's [`raft::Config`]; an implementation maps the options it
//! has (timeouts, PreVote, CheckQuorum, batch size, lease margin) and refuses what it cannot do
//! (bug knobs are raftsim's own). Dispatch is static: the simulator is generic over the node.

pub mod raft_rs;
mod raftsim;

pub use raft_rs::RaftRs;

use crate::digest::TraceHash;
use raft::{Command, ConfChange, DurableState, LogIndex, Membership, MessageKind, NodeId};
use raft::{Output, RaftLog, RoleKind};
use raft::{Synced, Term};
use std::fmt;

/// What a node starts from.
pub struct Boot<'a> {
    pub id: NodeId,
    /// The voters of the cluster's boot configuration (the same at every server; a server
    /// outside it is a spare that joins when a configuration change names it).
    pub members: &'a [NodeId],
    pub config: &'a raft::Config,
    /// Reads will be served under the leader's lease (`read_lease`), for implementations that
    /// fix their read path when they start.
    pub lease_reads: bool,
    /// The only source of the node's randomness.
    pub seed: u64,
    pub disk: DurableState,
}

/// What the simulator sees of a message.
pub trait RaftMessage: Clone + PartialEq + fmt::Debug + fmt::Display + 'static {
    /// Its kind, in the names every implementation shares (`append-entries`, `heartbeat`, …).
    fn kind(&self) -> MessageKind;
    /// A number standing for the message's content (equal messages get one): the network draws
    /// a message's fate at a place keyed by it.
    fn content_key(&self) -> u64;
    /// Adds every field to the trace hash, in a fixed encoding.
    fn hash_into(&self, hash: &mut TraceHash);
    /// The message for JSON traces.
    fn to_json(&self) -> serde_json::Value;
    /// `(term, index)` when the message grants a vote (index 0) or acknowledges entries up to
    /// `index`: the moments the `crash-after-persist` fault aims at.
    fn acknowledgement(&self) -> Option<(Term, LogIndex)>;
    /// `(term, last log index, last log term)` when the message asks for a vote (`RequestVote`)
    /// or a pre-vote (`PreVote`, whose term is the one the candidate would stand in; the kind
    /// says which). Only the trace reads it, to explain a refusal; `None` by default, and then
    /// the trace gives no reasons.
    fn vote_request(&self) -> Option<(Term, LogIndex, Term)> {
        None
    }
    /// `(term, granted)` when the message answers a vote or pre-vote request.
    fn vote_response(&self) -> Option<(Term, bool)> {
        None
    }
}

/// A Raft implementation, as the simulator drives it.
pub trait RaftNode: Sized + 'static {
    type Message: RaftMessage;
    /// The name users type (`--node raftsim`).
    const NAME: &'static str;

    /// Whether the implementation can run with `config` (checked before a run starts, so that
    /// an option it cannot honour is bad input, not a failure in the middle of a run).
    fn supports(config: &raft::Config) -> Result<(), String>;

    /// Starts (or restarts) a node from its disk. An option the implementation cannot honour
    /// is an error.
    fn boot(boot: Boot<'_>) -> Result<Self, String>;

    /// One tick of the node's clock.
    fn tick(&mut self, out: &mut Vec<Output<Self::Message>>);
    /// A message from `from` arrives.
    fn step(&mut self, from: NodeId, message: Self::Message, out: &mut Vec<Output<Self::Message>>);
    /// Start an election now, as if the election timeout had passed.
    fn timeout_now(&mut self, out: &mut Vec<Output<Self::Message>>);
    /// A client's command; `Output::ProposalAccepted` or `ProposalRejected` says what became of it.
    fn propose(&mut self, command: Command, out: &mut Vec<Output<Self::Message>>);
    /// A linearizable read `ctx` (thesis §6.4): answered by `ReadReady` or `ReadRejected`.
    fn read_index(&mut self, ctx: u64, out: &mut Vec<Output<Self::Message>>);
    /// The same under the leader's lease (§6.4.1), where the implementation has one.
    fn read_lease(&mut self, ctx: u64, out: &mut Vec<Output<Self::Message>>);
    /// The writes asked for so far are durable; the disk holds `synced`.
    fn persisted(&mut self, synced: Synced, out: &mut Vec<Output<Self::Message>>);

    fn role_kind(&self) -> RoleKind;
    fn current_term(&self) -> Term;
    fn voted_for(&self) -> Option<NodeId>;
    /// The leader it knows of in its term (itself, if it leads).
    fn leader(&self) -> Option<NodeId>;
    fn commit_index(&self) -> LogIndex;
    fn last_applied(&self) -> LogIndex;
    fn log(&self) -> &RaftLog;
    /// §7: the host's answer to `Output::SnapshotWanted`: its state machine as of `index`. An
    /// implementation that never asks (the option is refused by `supports`) is never called.
    fn compact(
        &mut self,
        index: LogIndex,
        data: Vec<u8>,
        out: &mut Vec<Output<Self::Message>>,
    ) -> Result<(), String> {
        let _ = (data, out);
        Err(format!(
            "{} does not compact its log (asked at {index})",
            Self::NAME
        ))
    }
    /// Whether it follows a repair rule for a log its disk damaged (`DurableState::damaged`):
    /// one that does not boots as naive recovery would, on the cut log, so `--disk-faults`
    /// gives it no damaged records (torn writes and fsync failures only).
    const REPAIRS_DAMAGED_LOGS: bool = false;
    /// Whether it started from a damaged log and waits for a leader to repair it (raftsim's
    /// protocol-aware recovery; an implementation without it never is).
    fn repairing(&self) -> bool {
        false
    }
    /// Whether it changes its configuration and transfers its leadership (thesis chapter 4,
    /// §3.10): an implementation that does not is never asked to (`propose_change` and
    /// `transfer_leadership` are then never called, and the campaign draws no changes).
    const CHANGES_MEMBERSHIP: bool = false;
    /// Whether its configuration changes survive random crashes and restarts on raftsim's
    /// disk, so that `fuzz --membership` can judge it; `Err` says why not (the campaign then
    /// refuses, exit 2, rather than report the host's limits as the implementation's bugs).
    const MEMBERSHIP_CAMPAIGNS: Result<(), &'static str> = Ok(());
    /// An operator's configuration change (thesis chapter 4), answered by
    /// `Output::ProposalAccepted` or `ProposalRejected` like a proposal.
    fn propose_change(&mut self, change: ConfChange, out: &mut Vec<Output<Self::Message>>) {
        let _ = (change, out);
        unreachable!("{} does not change its configuration", Self::NAME)
    }
    /// Thesis §3.10: the leader hands its leadership to `target`; any other node does nothing.
    fn transfer_leadership(&mut self, target: NodeId, out: &mut Vec<Output<Self::Message>>) {
        let _ = (target, out);
        unreachable!("{} does not transfer its leadership", Self::NAME)
    }
    /// The configuration in force at this node (thesis §4.1: the latest in its log); `None`
    /// for an implementation that does not change its configuration (its boot one holds).
    fn membership(&self) -> Option<Membership> {
        None
    }
    /// The election timer, for pictures: `(ticks elapsed, ticks at which it fires)`, where the
    /// implementation shows it (a leader's timer may read as not running: `None`).
    fn election_timer(&self) -> Option<(u32, u32)> {
        None
    }
}
