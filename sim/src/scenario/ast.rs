//! A scenario as the simulator runs it: parsed, checked, with each step's line in the file.

use crate::checker::Property;
use crate::config::SimConfig;
use raft::{DurableState, Knobs, MessageKind, NodeId};
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
    pub steps: Vec<StepAt>,
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
    Expect(Expectation),
    Say(String),
    /// Start again from the beginning, replay up to the step labelled `label`, and go on from
    /// there (with other bug knobs, if given): the same seed gives the same prefix exactly.
    Rewind {
        label: String,
        bugs: Option<Knobs>,
    },
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
    pub violation: Option<Property>,
    pub no_violation: bool,
    pub no_leader: bool,
}

impl Step {
    /// The action names a file may use, for error messages and suggestions.
    pub const ACTIONS: [&'static str; 17] = [
        "timeout",
        "run-until",
        "write",
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
            } => match count {
                Some(c) => write!(
                    f,
                    "deliver {c} held {} message(s) {from}->{to}",
                    kind_name(kind)
                ),
                None => write!(f, "release {} messages {from}->{to}", kind_name(kind)),
            },
            Step::Drop { from, to, kind } => {
                write!(f, "drop {} messages {from}->{to}", kind_name(kind))
            }
            Step::Tick { node, count } => write!(f, "tick {node} x{count}"),
            Step::Run { duration_us } => write!(f, "run {}", duration(*duration_us)),
            Step::Expect(_) => write!(f, "expect"),
            Step::Say(s) => write!(f, "say: {s}"),
            Step::Rewind { label, .. } => write!(f, "rewind to \"{label}\""),
        }
    }
}
