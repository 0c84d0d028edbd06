//! Raft as a pure, deterministic state machine.
//!
//! A [`Node`] owns no clock, thread, socket, file or global RNG. Time enters by
//! [`Node::tick`], messages by [`Node::step`], client commands by [`Node::propose`]; each call
//! appends [`Output`]s in the order they must take effect: writes to stable storage before the
//! messages that depend on them. Randomness (election timeouts, §5.2) comes from the node's own
//! ChaCha8 stream, seeded at construction.
//!
//! Where to find Figure 2 of the paper:
//! - "State" — [`node`] (`current_term`, `voted_for`, `log`, `commit_index`, `last_applied`,
//!   and the leaders' `next_index`/`match_index` in [`Progress`]);
//! - "RequestVote RPC" and "Candidates" — [`election`];
//! - "AppendEntries RPC" and "Leaders" — [`replication`];
//! - "Rules for Servers / All Servers" — `Node::observe_term` and `Node::advance_commit` in [`node`];
//! - log compaction and Figure 13's InstallSnapshot RPC (§7) — [`snapshot`];
//! - membership changes (thesis chapter 4: single-server changes, joint consensus, learners)
//!   and leadership transfer (thesis §3.10) — [`membership`];
//! - recovery from a damaged log (not in the paper: Alagappan et al., FAST 2018) — [`recovery`].
//!
//! Every safety rule can be switched off by a [`BugKnob`] in [`Config::bugs`].

pub mod config;
pub mod election;
pub mod log;
pub mod membership;
pub mod message;
pub mod node;
pub mod output;
pub mod read;
pub mod recovery;
pub mod replication;
pub mod snapshot;
pub mod types;

pub use config::{BugKnob, Config, ConfigError, KnobDoc, Knobs, RecoveryPolicy};
pub use log::RaftLog;
pub use membership::ConfChange;
pub use message::{Message, MessageKind};
pub use node::{Node, Progress, Role, RoleKind};
pub use output::{ConfigRejection, DamagedLog, DurableState, Output, Persist, Rejection};
pub use output::{Snapshot, Synced};
pub use snapshot::CompactError;
pub use types::{Command, ConfigEntry, Entry, LogIndex, Membership, NodeId, NodeSet, Term};
pub use types::{MAX_CONFIG_ID, MAX_NODES};
