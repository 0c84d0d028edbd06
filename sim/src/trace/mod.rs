//! The trace: every event of a run as a stable, one-line `Display` string stamped with virtual
//! time (`t=120 n1->n3 AppendEntries term=4 prev=2:2 entries=[3:4] commit=1`), the same events
//! as JSON lines for tools, and a hash (`hash.rs`) that two runs of one seed must share.
//! Besides what happened, two kinds of line say what a newcomer would ask: which entries a
//! truncation deleted, and why a vote was denied (`vote.rs`, an explanation that changes
//! nothing).

mod hash;
pub mod vote;

pub use crate::digest::TraceHash;
pub use vote::Refusal;

use crate::lin::{KvOp, KvOutput};
use crate::node::RaftMessage;
use raft::{Command, LogIndex, Message, NodeId, RoleKind, Term};
use serde::{Serialize, Serializer};
use std::fmt;

/// Messages go into JSON traces the way their implementation writes them.
fn message_json<M: RaftMessage, S: Serializer>(m: &M, s: S) -> Result<S::Ok, S::Error> {
    m.to_json().serialize(s)
}

/// Why the network did not deliver a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DropReason {
    /// The random loss of `network.drop_probability`.
    Loss,
    /// The link is cut (partition, one-way cut, or not among the kept links).
    Partition,
    /// The receiver is crashed.
    Crashed,
    /// The link already had `max_in_flight_per_link` messages in flight.
    Overflow,
    /// A scenario's `drop` rule on the link.
    Rule,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(
    tag = "event",
    rename_all = "kebab-case",
    bound(serialize = "M: RaftMessage")
)]
pub enum TraceEvent<M = Message> {
    Deliver {
        from: NodeId,
        to: NodeId,
        #[serde(serialize_with = "message_json")]
        message: M,
        duplicate: bool,
        /// When it was sent (the line's own time is its arrival).
        sent_us: u64,
    },
    Drop {
        from: NodeId,
        to: NodeId,
        #[serde(serialize_with = "message_json")]
        message: M,
        reason: DropReason,
        sent_us: u64,
    },
    /// The message is held on its link (scenario `hold`).
    Hold {
        from: NodeId,
        to: NodeId,
        #[serde(serialize_with = "message_json")]
        message: M,
    },
    Tick {
        node: NodeId,
    },
    Timeout {
        node: NodeId,
    },
    /// Writes reached the node's stable storage.
    Durable {
        node: NodeId,
        writes: usize,
    },
    Role {
        node: NodeId,
        role: RoleKind,
        term: Term,
    },
    Commit {
        node: NodeId,
        index: LogIndex,
    },
    Propose {
        node: NodeId,
        client: u32,
        command: Command,
        accepted: Option<LogIndex>,
        /// Why the node refused it (`None` with nothing accepted: the node did not answer,
        /// being crashed or paused).
        refused: Option<raft::Rejection>,
    },
    /// A client sends an operation (or its retry) to a node.
    ClientInvoke {
        client: u32,
        node: NodeId,
        op: KvOp,
    },
    /// A node answers a client.
    ClientOk {
        client: u32,
        node: NodeId,
        op: KvOp,
        output: KvOutput,
    },
    ClientTimeout {
        client: u32,
        op: KvOp,
    },
    /// A scenario's opaque write was applied by the node it was made at.
    WriteDone {
        command: Command,
        index: LogIndex,
    },
    Crash {
        node: NodeId,
        lost_writes: usize,
    },
    Restart {
        node: NodeId,
    },
    /// A network fault began or ended: a partition, cut, kept-links set, heal, hold, release.
    Fault {
        description: String,
    },
    /// A scenario step, for narration.
    Step {
        description: String,
    },
    /// A node deleted the entries after `after` from its log (§5.3: a follower's conflicting
    /// suffix gives way to the leader's entries), listed as (index, term).
    Truncate {
        node: NodeId,
        after: LogIndex,
        dropped: Vec<(LogIndex, Term)>,
    },
    /// §7: a node's log now follows a snapshot ending at `index`:`term`, one it took of its own
    /// state machine (compaction) or a leader's it installed (Figure 13).
    Snapshot {
        node: NodeId,
        index: LogIndex,
        term: Term,
        installed: bool,
    },
    /// An operator's configuration change or leadership transfer, and the leader's answer.
    Config {
        description: String,
    },
    /// A node's configuration changed (thesis §4.1: it appended, or truncated, a configuration
    /// entry, or installed a snapshot holding one).
    Membership {
        node: NodeId,
        membership: raft::Membership,
    },
    /// A node denied a vote or pre-vote for `term` to `candidate` (`answered`), or ignored the
    /// request; `reason` is the simulator's explanation, from the node's state before it.
    VoteDenied {
        node: NodeId,
        candidate: NodeId,
        pre_vote: bool,
        term: Term,
        answered: bool,
        reason: Refusal,
    },
}

/// One line of the trace.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(bound(serialize = "M: RaftMessage"))]
pub struct TraceLine<M = Message> {
    pub seq: u64,
    pub t_us: u64,
    #[serde(flatten)]
    pub event: TraceEvent<M>,
}

/// Virtual time printed in milliseconds with microsecond precision when needed.
pub struct VirtualTime(pub u64);

impl fmt::Display for VirtualTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (ms, us) = (self.0 / 1000, self.0 % 1000);
        if us == 0 {
            write!(f, "{ms}ms")
        } else {
            write!(f, "{ms}.{us:03}ms")
        }
    }
}

impl<M: RaftMessage> fmt::Display for TraceLine<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "t={} ", VirtualTime(self.t_us))?;
        match &self.event {
            TraceEvent::Deliver {
                from,
                to,
                message,
                duplicate,
                ..
            } => {
                let dup = if *duplicate { " (duplicate)" } else { "" };
                write!(f, "{from}->{to} {message}{dup}")
            }
            TraceEvent::Drop {
                from,
                to,
                message,
                reason,
                ..
            } => write!(f, "{from}->{to} DROPPED({reason:?}) {message}"),
            TraceEvent::Hold { from, to, message } => write!(f, "{from}->{to} HELD {message}"),
            TraceEvent::Tick { node } => write!(f, "{node} tick"),
            TraceEvent::Timeout { node } => write!(f, "{node} times out"),
            TraceEvent::Durable { node, writes } => {
                write!(f, "{node} disk: {writes} write(s) durable")
            }
            TraceEvent::Role { node, role, term } => write!(f, "{node} becomes {role} term={term}"),
            TraceEvent::Commit { node, index } => write!(f, "{node} commit={index}"),
            TraceEvent::Propose {
                node,
                client,
                command,
                accepted,
                refused,
            } => match (accepted, refused) {
                (Some(i), _) => write!(
                    f,
                    "client{client} -> {node} propose {command}: appended at {i}"
                ),
                (None, Some(why)) => write!(
                    f,
                    "client{client} -> {node} propose {command}: rejected, {why}"
                ),
                (None, None) => write!(
                    f,
                    "client{client} -> {node} propose {command}: no answer ({node} is crashed or paused)"
                ),
            },
            TraceEvent::ClientInvoke { client, node, op } => {
                write!(f, "client{client} -> {node} {op}")
            }
            TraceEvent::ClientOk {
                client,
                node,
                op,
                output,
            } => write!(f, "client{client} <- {node} {op} = {output}"),
            TraceEvent::ClientTimeout { client, op } => {
                write!(f, "client{client} {op} timed out; retrying elsewhere")
            }
            TraceEvent::WriteDone { command, index } => {
                write!(f, "write {command} acknowledged (applied at {index})")
            }
            TraceEvent::Crash { node, lost_writes } => {
                write!(f, "{node} CRASH ({lost_writes} unsynced write(s) lost)")
            }
            TraceEvent::Restart { node } => write!(f, "{node} RESTART from durable state"),
            TraceEvent::Fault { description } => write!(f, "network: {description}"),
            TraceEvent::Step { description } => write!(f, "step: {description}"),
            TraceEvent::Config { description } => write!(f, "config: {description}"),
            TraceEvent::Membership { node, membership } => {
                write!(f, "{node}'s configuration is now {membership}")
            }
            TraceEvent::Truncate {
                node,
                after,
                dropped,
            } => {
                write!(f, "{node} truncates its log after {after} (drops ")?;
                cells(f, dropped)?;
                f.write_str(")")
            }
            TraceEvent::Snapshot {
                node,
                index,
                term,
                installed: true,
            } => write!(
                f,
                "{node} installs the leader's snapshot up to {index}:{term}"
            ),
            TraceEvent::Snapshot {
                node, index, term, ..
            } => write!(f, "{node} compacts its log up to {index}:{term} (snapshot)"),
            TraceEvent::VoteDenied {
                node,
                candidate,
                pre_vote,
                term,
                answered,
                reason,
            } => match (answered, pre_vote) {
                (true, false) => write!(
                    f,
                    "{node} denies its vote to {candidate} in term {term}: {reason}"
                ),
                (true, true) => write!(
                    f,
                    "{node} denies {candidate} a pre-vote for term {term}: {reason}"
                ),
                (false, false) => write!(
                    f,
                    "{node} ignores {candidate}'s RequestVote for term {term}: {reason}"
                ),
                (false, true) => write!(
                    f,
                    "{node} ignores {candidate}'s PreVote for term {term}: {reason}"
                ),
            },
        }
    }
}

/// Log cells as `index:term`, at most [`CELLS_SHOWN`] of them: a long suffix shows its first
/// cells, its last, and how many there are.
fn cells(f: &mut fmt::Formatter<'_>, dropped: &[(LogIndex, Term)]) -> fmt::Result {
    let shown = if dropped.len() > CELLS_SHOWN {
        &dropped[..CELLS_SHOWN - 1]
    } else {
        dropped
    };
    for (k, (index, term)) in shown.iter().enumerate() {
        let sep = if k == 0 { "" } else { ", " };
        write!(f, "{sep}{index}:{term}")?;
    }
    if let (true, Some((index, term))) = (dropped.len() > CELLS_SHOWN, dropped.last()) {
        write!(f, ", …, {index}:{term}: {} entries", dropped.len())?;
    }
    Ok(())
}

/// How many cells a truncation line lists in full.
const CELLS_SHOWN: usize = 6;

/// Where a run's trace goes: always into the hash; into memory only when asked (fuzzing keeps
/// just the last few lines, for the report).
pub struct Trace<M = Message> {
    pub hash: TraceHash,
    keep_all: bool,
    tail_len: usize,
    lines: std::collections::VecDeque<TraceLine<M>>,
    next_seq: u64,
    hash_lines: bool,
}

impl<M: RaftMessage> Trace<M> {
    /// `keep_all`: keep every line; otherwise only the last `tail_len`.
    pub fn new(keep_all: bool, tail_len: usize) -> Trace<M> {
        Trace {
            hash: TraceHash::default(),
            keep_all,
            tail_len,
            lines: Default::default(),
            next_seq: 0,
            hash_lines: true,
        }
    }

    /// Skip hashing (for benchmarks of the bare simulator only).
    pub fn without_hash(mut self) -> Trace<M> {
        self.hash_lines = false;
        self
    }

    /// Records `event` and gives it back: hashed in place, copied only if lines are kept.
    pub fn record_and_return(&mut self, t_us: u64, event: TraceEvent<M>) -> TraceEvent<M> {
        let line = TraceLine {
            seq: self.next_seq,
            t_us,
            event,
        };
        self.next_seq += 1;
        if self.hash_lines {
            self.hash.add_line(&line);
        }
        if self.keep_all || self.tail_len > 0 {
            if !self.keep_all && self.lines.len() >= self.tail_len {
                self.lines.pop_front();
            }
            self.lines.push_back(line.clone());
        }
        line.event
    }

    pub fn record(&mut self, t_us: u64, event: TraceEvent<M>) {
        let line = TraceLine {
            seq: self.next_seq,
            t_us,
            event,
        };
        self.next_seq += 1;
        if self.hash_lines {
            self.hash.add_line(&line);
        }
        if !self.keep_all && self.lines.len() >= self.tail_len {
            self.lines.pop_front();
        }
        if self.keep_all || self.tail_len > 0 {
            self.lines.push_back(line);
        }
    }

    pub fn len(&self) -> u64 {
        self.next_seq
    }

    pub fn is_empty(&self) -> bool {
        self.next_seq == 0
    }

    pub fn lines(&self) -> impl Iterator<Item = &TraceLine<M>> {
        self.lines.iter()
    }

    pub fn write_json_lines(&self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        for line in &self.lines {
            serde_json::to_writer(&mut *out, line)?;
            out.write_all(b"\n")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use raft::Entry;

    #[test]
    fn append_entries_line_reads_like_the_paper() {
        let line = TraceLine {
            seq: 0,
            t_us: 120_000,
            event: TraceEvent::Deliver {
                from: NodeId(1),
                to: NodeId(3),
                message: Message::AppendEntries {
                    term: Term(4),
                    leader: NodeId(1),
                    prev_log_index: LogIndex(2),
                    prev_log_term: Term(2),
                    entries: vec![Entry {
                        index: LogIndex(3),
                        term: Term(4),
                        command: Command::Noop,
                    }],
                    leader_commit: LogIndex(1),
                },
                duplicate: false,
                sent_us: 119_000,
            },
        };
        assert_eq!(
            line.to_string(),
            "t=120ms n1->n3 AppendEntries term=4 prev=2:2 entries=[3:4] commit=1"
        );
        let json = serde_json::to_string(&line).unwrap();
        assert!(
            json.starts_with(r#"{"seq":0,"t_us":120000,"event":"deliver""#),
            "{json}"
        );
    }

    fn truncate(dropped: u64) -> TraceLine {
        TraceLine {
            seq: 0,
            t_us: 833_000,
            event: TraceEvent::Truncate {
                node: NodeId(1),
                after: LogIndex(1),
                dropped: (2..2 + dropped).map(|i| (LogIndex(i), Term(i))).collect(),
            },
        }
    }

    fn hash(line: &TraceLine) -> TraceHash {
        let mut h = TraceHash::default();
        h.add_line(line);
        h
    }

    /// §5.3: a truncation lists what it deleted as index:term cells, a long one bounded.
    #[test]
    fn a_truncation_names_the_cells_it_drops() {
        assert_eq!(
            truncate(2).to_string(),
            "t=833ms n1 truncates its log after 1 (drops 2:2, 3:3)"
        );
        assert_eq!(
            truncate(9).to_string(),
            "t=833ms n1 truncates its log after 1 (drops 2:2, 3:3, 4:4, 5:5, 6:6, …, 10:10: 9 entries)"
        );
        assert_ne!(
            hash(&truncate(2)),
            hash(&truncate(3)),
            "the cells are hashed"
        );
    }

    #[test]
    fn a_denied_vote_reads_with_its_reason_and_hashes_it() {
        let denied = |answered, reason| TraceLine::<Message> {
            seq: 0,
            t_us: 341_000,
            event: TraceEvent::VoteDenied {
                node: NodeId(2),
                candidate: NodeId(5),
                pre_vote: false,
                term: Term(5),
                answered,
                reason,
            },
        };
        let behind = Refusal::LogBehind {
            last: (LogIndex(2), Term(3)),
            ours: (LogIndex(3), Term(4)),
        };
        assert_eq!(
            denied(true, behind).to_string(),
            "t=341ms n2 denies its vote to n5 in term 5: candidate's log is behind (last 2:3; ours 3:4)"
        );
        assert_eq!(
            denied(false, Refusal::LeaderLease).to_string(),
            "t=341ms n2 ignores n5's RequestVote for term 5: heard from a leader within the election timeout"
        );
        assert_ne!(hash(&denied(true, behind)), hash(&denied(false, behind)));
        assert_ne!(
            hash(&denied(true, behind)),
            hash(&denied(true, Refusal::LeaderLease))
        );
        let json = serde_json::to_string(&denied(true, behind)).unwrap();
        assert!(json.contains(r#""event":"vote-denied""#), "{json}");
        assert!(json.contains(r#""why":"log-behind""#), "{json}");
    }

    #[test]
    fn hash_depends_on_content_and_tail_is_bounded() {
        let mut a: Trace = Trace::new(false, 2);
        let mut b: Trace = Trace::new(false, 2);
        for i in 0..5 {
            a.record(i, TraceEvent::Tick { node: NodeId(1) });
            b.record(i, TraceEvent::Tick { node: NodeId(1) });
        }
        assert_eq!(a.hash, b.hash);
        assert_eq!(a.lines().count(), 2);
        b.record(9, TraceEvent::Tick { node: NodeId(2) });
        a.record(9, TraceEvent::Tick { node: NodeId(1) });
        assert_ne!(a.hash, b.hash);
    }
}
