//! A scenario as the simulator runs it: parsed, checked, with each step's line in the file.

use crate::checker::Property;
use crate::client::ReadMode;
use crate::config::SimConfig;
use crate::knob::Bugs;
use raft::{DurableState, MessageKind, NodeId};
use std::fmt;

#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    /// The file's leading comment block: the story and its source.
    pub header: String,
    pub seed: u64,
    pub raft: raft::Config,
    /// `nodes` and the `[network]`/`[sim]` overrides applied to `SimConfig::default()`.
    pub sim: SimConfig,
    /// Disks that nodes start from (`[[node]]`), for scenarios that begin mid-history.
    pub initial: Vec<(NodeId, DurableState)>,
    /// Random clients that run alongside the steps (`[workload]`), as in random campaigns.
    pub workload: Option<crate::client::WorkloadConfig>,
    pub steps: Vec<StepAt>,
    /// The implementation whose rules the story tells (`on = "raftsim"`): others do not run
    /// it. `None`: any implementation that can.
    pub on: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct StepAt {
    pub step: Step,
    /// 1-based line of the step's `[[step]]` header.
    pub line: usize,
    /// Shown by `--explain` with the step.
    pub note: Option<String>,
    /// A name a later `rewind` can return to.
    pub label: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// The node's election timeout passes now: it starts an election.
    Timeout(NodeId),
    RunUntil {
        cond: Condition,
        within_us: u64,
    },
    /// A client writes `value` at `node` (a proposal; acknowledged when that node applies it).
    Write {
        node: NodeId,
        value: u64,
    },
    /// A key-value client operation (put, get, cas) sent to `node`, served per the read mode;
    /// recorded in the history the linearizability checker reads.
    Kv {
        node: NodeId,
        op: crate::lin::KvOp,
    },
    Partition(Vec<Vec<NodeId>>),
    Cut {
        from: NodeId,
        to: NodeId,
    },
    Links(Vec<(NodeId, NodeId)>),
    Heal,
    Crash(NodeId),
    Restart(NodeId),
    Hold {
        from: NodeId,
        to: NodeId,
        kind: Option<MessageKind>,
    },
    /// Deliver held messages: the oldest `count`, keeping the hold, or all, lifting it.
    Release {
        from: NodeId,
        to: NodeId,
        kind: Option<MessageKind>,
        count: Option<usize>,
        /// Deliver the most recently held first (reordering).
        newest: bool,
        /// Deliver each released message twice (duplication).
        twice: bool,
    },
    Drop {
        from: NodeId,
        to: NodeId,
        kind: Option<MessageKind>,
    },
    Tick {
        node: NodeId,
        count: u32,
    },
    Run {
        duration_us: u64,
    },
    /// Boxed: an expectation is by far the largest step (clippy::large_enum_variant).
    Expect(Box<Expectation>),
    Say(String),
    /// Start again from the beginning, replay up to the step labelled `label`, and go on from
    /// there (with the given changes of configuration): the same seed gives the same prefix.
    Rewind {
        label: String,
        changes: Changes,
    },
    /// Set a node's clock drift (positive: its clock runs slow, its ticks come further apart).
    Clock {
        node: NodeId,
        drift_ppm: i32,
    },
    /// Freeze a node (a GC pause, a stopped VM): no ticks, messages wait; its clock runs on.
    Pause(NodeId),
    Resume(NodeId),
    /// The faults stop: no more loss or duplication on the network.
    Calm,
    /// The last scripted client operation still unanswered is sent again, to `node`: a
    /// client's retry, the same request (a write applies once, thesis §6.3) and, for a read,
    /// the same read context.
    Retry(NodeId),
    /// A disk fault at `node` (`disk/`): `fsync-fail`, `torn-crash`, and on a crashed node's
    /// disk `corrupt`, `lose-write`, `misdirect`, `wipe`.
    Disk {
        node: NodeId,
        fault: crate::disk::DiskFault,
    },
    /// The operator asks the leader for a configuration change (thesis chapter 4): `add`,
    /// `add-learner`, `promote`, `remove`, `change-voters` (joint consensus).
    Change(raft::ConfChange),
    /// The operator asks the leader to hand its leadership to the node (thesis §3.10).
    Transfer(NodeId),
}

/// What a `rewind` changes for the branch it starts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Changes {
    /// The branch's knobs, the node's and the host's (`None`: as before the rewind).
    pub bugs: Option<Bugs>,
    pub pre_vote: Option<bool>,
    pub check_quorum: Option<bool>,
    pub read_mode: Option<ReadMode>,
    /// What a node does with a damaged log (`[raft] recovery`).
    pub recovery: Option<raft::RecoveryPolicy>,
}

impl Changes {
    pub fn apply(&self, raft: &mut raft::Config, sim: &mut SimConfig) {
        if let Some(b) = self.bugs {
            raft.bugs = b.raft;
            sim.bugs = b.host;
        }
        if let Some(p) = self.pre_vote {
            raft.pre_vote = p;
        }
        if let Some(c) = self.check_quorum {
            raft.check_quorum = c;
        }
        if let Some(m) = self.read_mode {
            sim.read_mode = m;
        }
        if let Some(r) = self.recovery {
            raft.recovery = r;
        }
    }

    /// ` with ...` for narration, or nothing.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        match self.bugs {
            Some(k) if k.is_empty() => parts.push("every safety rule on".to_string()),
            Some(k) => parts.push(format!(
                "bug knobs {}",
                k.iter().map(|b| b.name()).collect::<Vec<_>>().join(", ")
            )),
            None => {}
        }
        if let Some(p) = self.pre_vote {
            parts.push(format!("pre-vote {}", if p { "on" } else { "off" }));
        }
        if let Some(c) = self.check_quorum {
            parts.push(format!("check-quorum {}", if c { "on" } else { "off" }));
        }
        if let Some(m) = self.read_mode {
            parts.push(format!("read mode {}", m.name()));
        }
        if let Some(r) = self.recovery {
            parts.push(format!("recovery {}", r.name()));
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!(" with {}", parts.join(", "))
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Condition {
    Leader(NodeId),
    AnyLeader,
    Committed { node: NodeId, index: u64 },
}

/// What must hold at this point. Every part given is checked.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Expectation {
    pub leader: Option<(NodeId, Option<u64>)>,
    pub node: Option<NodeId>,
    pub log: Option<Vec<u64>>,
    pub commit: Option<u64>,
    /// The node's currentTerm (with `node`; the term a leader leads goes with `leader`).
    pub term: Option<u64>,
    /// The node's votedFor in its current term (`Some(None)`: it has voted for no one).
    pub voted_for: Option<Option<NodeId>>,
    /// Exactly these servers' granted votes for the node, of its current term, reached it (as
    /// the trace shows them; a candidate's own vote is no message and is not listed).
    pub votes_from: Option<Vec<NodeId>>,
    pub violation: Option<Property>,
    pub no_violation: bool,
    pub no_leader: bool,
    /// The latest answered get of this key returned this value (`None`: the key was missing).
    pub last_get: Option<(u64, Option<u64>)>,
    /// How many scenario client operations are still unanswered.
    pub pending_ops: Option<usize>,
    /// Bounds on how many times a node became leader so far.
    pub leader_changes_at_least: Option<u64>,
    pub leader_changes_at_most: Option<u64>,
    /// The node booted on a damaged log and no leader has repaired it yet (`RaftNode::repairing`).
    pub repairing: Option<bool>,
    /// The node is running (`false`: crashed, or it refused to start).
    pub alive: Option<bool>,
    /// The last entry its log's snapshot stands for, (index, term) (§7; (0, 0): no snapshot);
    /// its disk's while it is crashed.
    pub snapshot: Option<(u64, u64)>,
    /// The voters, learners and outgoing voters (`joint-with`; `[]`: not joint) of the node's
    /// configuration (thesis §4.1: the latest in its log; its disk's while it is crashed).
    pub voters: Option<Vec<NodeId>>,
    pub learners: Option<Vec<NodeId>>,
    pub joint_with: Option<Vec<NodeId>>,
    /// Checked only on this implementation (`on = "raft-rs"`), where implementations differ
    /// by design; `None`: on every one.
    pub on: Option<String>,
}

impl Step {
    /// The action names a file may use, for error messages and suggestions.
    pub const ACTIONS: [&'static str; 37] = [
        "timeout",
        "run-until",
        "write",
        "put",
        "get",
        "cas",
        "partition",
        "cut",
        "links",
        "heal",
        "crash",
        "restart",
        "hold",
        "release",
        "drop",
        "tick",
        "run",
        "expect",
        "say",
        "rewind",
        "clock",
        "pause",
        "resume",
        "calm",
        "retry",
        "fsync-fail",
        "torn-crash",
        "corrupt",
        "lose-write",
        "misdirect",
        "wipe",
        "add",
        "add-learner",
        "promote",
        "remove",
        "change-voters",
        "transfer",
    ];

    /// Whether the step can change the cluster (narration draws the logs after those).
    pub fn changes_state(&self) -> bool {
        !matches!(
            self,
            Step::Expect(_) | Step::Say(_) | Step::Hold { .. } | Step::Drop { .. }
        )
    }
}

fn kind_name(kind: &Option<MessageKind>) -> &'static str {
    kind.map_or("all", |k| k.name())
}

fn duration(us: u64) -> String {
    if us.is_multiple_of(1000) {
        format!("{}ms", us / 1000)
    } else {
        format!("{us}us")
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Timeout(n) => write!(f, "{n} times out"),
            Step::RunUntil { cond, within_us } => {
                let c = match cond {
                    Condition::Leader(n) => format!("{n} leads"),
                    Condition::AnyLeader => "some node leads".into(),
                    Condition::Committed { node, index } => format!("{node} commits index {index}"),
                };
                write!(f, "run until {c} (at most {})", duration(*within_us))
            }
            Step::Write { node, value } => write!(f, "a client writes c{value} at {node}"),
            Step::Kv { node, op } => write!(f, "a client sends {op} to {node}"),
            Step::Partition(groups) => {
                let g: Vec<String> = groups
                    .iter()
                    .map(|g| {
                        g.iter()
                            .map(|n| n.to_string())
                            .collect::<Vec<_>>()
                            .join(",")
                    })
                    .map(|s| format!("{{{s}}}"))
                    .collect();
                write!(f, "partition {}", g.join(" | "))
            }
            Step::Cut { from, to } => write!(f, "cut {from}->{to} (one way)"),
            Step::Links(l) => {
                let l: Vec<String> = l.iter().map(|(a, b)| format!("{a}-{b}")).collect();
                write!(f, "keep only links {}", l.join(" "))
            }
            Step::Heal => write!(f, "heal the network"),
            Step::Crash(n) => write!(f, "crash {n}"),
            Step::Restart(n) => write!(f, "restart {n} from its disk"),
            Step::Hold { from, to, kind } => {
                write!(f, "hold {} messages {from}->{to}", kind_name(kind))
            }
            Step::Release {
                from,
                to,
                kind,
                count,
                newest,
                twice,
            } => {
                match count {
                    Some(c) => write!(
                        f,
                        "deliver {c} held {} message(s) {from}->{to}",
                        kind_name(kind)
                    )?,
                    None => write!(f, "release {} messages {from}->{to}", kind_name(kind))?,
                }
                if *newest {
                    write!(f, ", newest first")?;
                }
                if *twice {
                    write!(f, ", each twice")?;
                }
                Ok(())
            }
            Step::Drop { from, to, kind } => {
                write!(f, "drop {} messages {from}->{to}", kind_name(kind))
            }
            Step::Tick { node, count } => write!(f, "tick {node} x{count}"),
            Step::Run { duration_us } => write!(f, "run {}", duration(*duration_us)),
            Step::Expect(_) => write!(f, "expect"),
            Step::Say(s) => write!(f, "say: {s}"),
            Step::Rewind { label, changes } => {
                write!(f, "rewind to \"{label}\"{}", changes.describe())
            }
            Step::Pause(n) => write!(f, "pause {n}"),
            Step::Resume(n) => write!(f, "resume {n}"),
            Step::Calm => write!(f, "the faults stop: no loss, no duplication"),
            Step::Retry(n) => write!(f, "the client retries its operation at {n}"),
            Step::Disk { node, fault } => match fault {
                crate::disk::DiskFault::FsyncFail => write!(f, "{node}'s next fsync fails"),
                crate::disk::DiskFault::TornCrash => {
                    write!(
                        f,
                        "crash {node} in the middle of a write (its last record torn)"
                    )
                }
                crate::disk::DiskFault::Wipe => write!(f, "wipe {node}'s disk"),
                other => write!(f, "on {node}'s disk: {other}"),
            },
            Step::Clock { node, drift_ppm } => {
                write!(f, "{node}'s clock drifts by {drift_ppm} ppm")
            }
            Step::Change(change) => write!(f, "ask the leader to {change}"),
            Step::Transfer(n) => write!(f, "ask the leader to transfer its leadership to {n}"),
        }
    }
}
