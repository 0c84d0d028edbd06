//! The trace hash over a fixed, hand-written encoding of each line's fields: a tag per kind of
//! event, then its numbers in order, each mixed in whole (SplitMix64's finaliser), and the
//! bytes of any text (FNV-1a). It covers every
//! field a line prints and a few it does not (send times, the RequestVote's commit index), so
//! two traces that print differently hash differently; it is stable across machines and Rust
//! versions because nothing in it depends on the layout of a type or on `#[derive(Hash)]`. It
//! costs a small part of formatting each line, which the hash used to read.

use super::{DropReason, Refusal, TraceEvent, TraceLine};
use crate::digest::TraceHash;
use crate::lin::{KvOp, KvOutput};
use crate::node::RaftMessage;
use raft::Command;

impl TraceHash {
    /// Adds one line of the trace.
    pub fn add_line<M: RaftMessage>(&mut self, line: &TraceLine<M>) {
        self.n(line.seq);
        self.n(line.t_us);
        self.event(&line.event);
    }

    fn event<M: RaftMessage>(&mut self, e: &TraceEvent<M>) {
        use TraceEvent::*;
        match e {
            Deliver {
                from,
                to,
                message,
                duplicate,
                sent_us,
            } => {
                self.n(1);
                self.link(from.0, to.0);
                message.hash_into(self);
                self.n(*duplicate as u64);
                self.n(*sent_us);
            }
            Drop {
                from,
                to,
                message,
                reason,
                sent_us,
            } => {
                self.n(2);
                self.link(from.0, to.0);
                message.hash_into(self);
                self.n(reason_tag(*reason));
                self.n(*sent_us);
            }
            Hold { from, to, message } => {
                self.n(3);
                self.link(from.0, to.0);
                message.hash_into(self);
            }
            Tick { node } => self.pair(4, node.0 as u64),
            Timeout { node } => self.pair(5, node.0 as u64),
            Durable { node, writes } => {
                self.pair(6, node.0 as u64);
                self.n(*writes as u64);
            }
            Role { node, role, term } => {
                self.pair(7, node.0 as u64);
                self.n(*role as u64);
                self.n(term.0);
            }
            Commit { node, index } => {
                self.pair(8, node.0 as u64);
                self.n(index.0);
            }
            Propose {
                node,
                client,
                command,
                accepted,
                refused,
            } => {
                self.pair(9, node.0 as u64);
                self.n(*client as u64);
                self.command(command);
                self.opt(accepted.map(|i| i.0));
                self.rejection(refused);
            }
            ClientInvoke { client, node, op } => {
                self.pair(10, *client as u64);
                self.n(node.0 as u64);
                self.op(op);
            }
            ClientOk {
                client,
                node,
                op,
                output,
            } => {
                self.pair(11, *client as u64);
                self.n(node.0 as u64);
                self.op(op);
                self.output(output);
            }
            ClientTimeout { client, op } => {
                self.pair(12, *client as u64);
                self.op(op);
            }
            WriteDone { command, index } => {
                self.n(13);
                self.command(command);
                self.n(index.0);
            }
            Crash { node, lost_writes } => {
                self.pair(14, node.0 as u64);
                self.n(*lost_writes as u64);
            }
            Restart { node } => self.pair(15, node.0 as u64),
            Fault { description } => self.text(16, description),
            Step { description } => self.text(17, description),
            Truncate {
                node,
                after,
                dropped,
            } => {
                self.pair(18, node.0 as u64);
                self.n(after.0);
                self.n(dropped.len() as u64);
                for (index, term) in dropped {
                    self.n(index.0);
                    self.n(term.0);
                }
            }
            VoteDenied {
                node,
                candidate,
                pre_vote,
                term,
                answered,
                reason,
            } => {
                self.pair(19, node.0 as u64);
                self.n(candidate.0 as u64);
                self.n(*pre_vote as u64 | (*answered as u64) << 1);
                self.n(term.0);
                self.refusal(reason);
            }
            Snapshot {
                node,
                index,
                term,
                installed,
            } => self.numbers(&[20, node.0 as u64, index.0, term.0, *installed as u64]),
            Config { description } => self.text(21, description),
            Membership { node, membership } => self.numbers(&[
                22,
                node.0 as u64,
                membership.voters.bits(),
                membership.learners.bits(),
                membership.outgoing.bits(),
            ]),
        }
    }

    fn refusal(&mut self, r: &Refusal) {
        match *r {
            Refusal::StaleTerm { term, ours } => {
                self.pair(1, term.0);
                self.n(ours.0);
            }
            Refusal::AlreadyVoted { voted_for, term } => {
                self.pair(2, voted_for.0 as u64);
                self.n(term.0);
            }
            Refusal::LogBehind { last, ours } => {
                self.numbers(&[3, last.0 .0, last.1 .0, ours.0 .0, ours.1 .0]);
            }
            Refusal::LeaderLease => self.n(4),
            Refusal::OwnLease { term } => self.pair(5, term.0),
            Refusal::RestartLease => self.n(6),
            Refusal::HasLeader { leader, term } => {
                self.pair(7, leader.0 as u64);
                self.n(term.0);
            }
            Refusal::CommitIndexRule => self.n(8),
            Refusal::Unexplained => self.n(9),
            Refusal::Repairing => self.n(10),
        }
    }

    fn rejection(&mut self, r: &Option<raft::Rejection>) {
        use raft::{ConfigRejection, Rejection};
        match r {
            None => self.n(0),
            Some(Rejection::NotLeader { leader }) => {
                self.n(1);
                self.opt(leader.map(|l| l.0 as u64));
            }
            Some(Rejection::Transferring { to }) => self.pair(2, to.0 as u64),
            Some(Rejection::Config(c)) => match c {
                ConfigRejection::Pending { index } => self.pair(3, index.0),
                ConfigRejection::NoCommitInTerm => self.n(4),
                ConfigRejection::Joint => self.n(5),
                ConfigRejection::Invalid => self.n(6),
            },
        }
    }

    fn pair(&mut self, tag: u64, x: u64) {
        self.n(tag);
        self.n(x);
    }

    fn link(&mut self, from: u8, to: u8) {
        self.n((from as u64) << 8 | to as u64);
    }

    fn text(&mut self, tag: u64, s: &str) {
        self.n(tag);
        self.n(s.len() as u64);
        self.add_bytes(s.as_bytes());
    }

    pub fn command(&mut self, c: &Command) {
        match c {
            Command::Noop => self.n(0),
            Command::Client(p) => self.pair(1, *p),
            Command::Config(c) => self.pair(2, c.bits()),
        }
    }

    fn op(&mut self, op: &KvOp) {
        match *op {
            KvOp::Put { key, value } => {
                self.pair(1, key);
                self.n(value);
            }
            KvOp::Get { key } => self.pair(2, key),
            KvOp::Cas { key, expected, new } => {
                self.pair(3, key);
                self.opt(expected);
                self.n(new);
            }
        }
    }

    fn output(&mut self, o: &KvOutput) {
        match *o {
            KvOutput::Ok => self.n(0),
            KvOutput::Value(v) => {
                self.n(1);
                self.opt(v);
            }
            KvOutput::Cas(b) => self.pair(2, b as u64),
        }
    }
}

fn reason_tag(r: DropReason) -> u64 {
    match r {
        DropReason::Loss => 1,
        DropReason::Partition => 2,
        DropReason::Crashed => 3,
        DropReason::Overflow => 4,
        DropReason::Rule => 5,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use raft::{Entry, LogIndex, Message, NodeId, Term};

    fn line(entries: Vec<Entry>, sent_us: u64) -> TraceLine {
        TraceLine {
            seq: 7,
            t_us: 120_000,
            event: TraceEvent::Deliver {
                from: NodeId(1),
                to: NodeId(3),
                message: Message::AppendEntries {
                    term: Term(4),
                    leader: NodeId(1),
                    prev_log_index: LogIndex(2),
                    prev_log_term: Term(2),
                    entries,
                    leader_commit: LogIndex(1),
                },
                duplicate: false,
                sent_us,
            },
        }
    }

    fn hash(l: &TraceLine) -> u64 {
        let mut h = TraceHash::default();
        h.add_line(l);
        h.0
    }

    /// The encoding is fixed: this value is the same on every machine and must stay so (a
    /// change here changes every trace hash).
    #[test]
    fn the_hash_of_a_line_is_pinned_and_sees_every_field() {
        let e = Entry {
            index: LogIndex(3),
            term: Term(4),
            command: Command::Noop,
        };
        let base = line(vec![e], 119_000);
        assert_eq!(hash(&base), 0xa6b4_48de_eecf_1ebd, "{:#x}", hash(&base));
        assert_ne!(hash(&base), hash(&line(vec![], 119_000)), "entries");
        assert_ne!(hash(&base), hash(&line(vec![e], 118_000)), "send time");
        let other = Entry {
            command: Command::Client(9),
            ..e
        };
        assert_ne!(hash(&base), hash(&line(vec![other], 119_000)), "command");
    }
}
