//! The key-value service each node runs over Raft: clients' writes go through the log; reads go
//! the way `SimConfig::read_mode` says (thesis §6.4); every node applies committed entries to
//! its own store; the node a client talked to answers it. Also the host's bug knob
//! `ack-uncommitted-write` (`HostKnob`), which answers writes when appended, and the
//! linearizability check of the client history.

use crate::checker::Property;
use crate::client::{split_payload, ReadMode};
use crate::knob::HostKnob;
use crate::lin::{check, KvOp, KvOutput, LinResult};
use crate::trace::TraceEvent;
use crate::world::{Event, World};
use raft::{Command, Entry, LogIndex, NodeId, Output, RoleKind, Term};
use rand::Rng;

impl<N: crate::node::RaftNode> World<N> {
    pub(crate) fn client_wake(&mut self, client: u32) {
        let Some((payload, op)) = self
            .clients
            .begin(client, self.now_us, &self.workload_rng, None)
        else {
            return;
        };
        let target = self.clients.clients[client as usize].target;
        self.submit(client, target, payload, op);
    }

    /// A scenario's client operation at `node` (one request, never retried).
    pub fn client_op(&mut self, node: NodeId, op: KvOp) {
        let client = self.clients.add(node, true);
        if let Some((payload, op)) =
            self.clients
                .begin(client, self.now_us, &self.workload_rng, Some(op))
        {
            self.submit(client, node, payload, op);
        }
    }

    /// A scenario's retry: the last scripted operation still unanswered goes again, to `node`,
    /// as the same request (the same payload, so the same read context).
    pub fn client_retry(&mut self, node: NodeId) {
        let waiting = self
            .clients
            .clients
            .iter()
            .enumerate()
            .rev()
            .find(|(_, c)| c.oneshot && c.current.is_some())
            .map(|(i, c)| (i as u32, c.current.expect("found with one")));
        if let Some((client, (id, payload))) = waiting {
            let op = self.clients.history.ops()[id].op;
            self.submit(client, node, payload, op);
        }
    }

    /// Sends one attempt of the client's current operation to `node`.
    fn submit(&mut self, client: u32, node: NodeId, payload: u64, op: KvOp) {
        let c = &mut self.clients.clients[client as usize];
        c.attempt += 1;
        c.attempt_at = Some(node);
        let attempt = c.attempt;
        self.record(TraceEvent::ClientInvoke { client, node, op });
        let read = matches!(op, KvOp::Get { .. }) && self.config.read_mode != ReadMode::Log;
        let sent = if read {
            self.read(client, node, payload, op)
        } else {
            self.write(client, node, payload, op)
        };
        if let Err(leader) = sent {
            return self.redirect(client, leader);
        }
        if !self.clients.clients[client as usize].oneshot {
            let at = self.now_us + self.clients.config.timeout_us;
            self.schedule(at, Event::ClientTimeout { client, attempt });
        }
    }

    /// A write (or a read through the log) is proposed at `node`. On refusal, the leader the
    /// node named.
    fn write(
        &mut self,
        client: u32,
        node: NodeId,
        payload: u64,
        op: KvOp,
    ) -> Result<(), Option<NodeId>> {
        let command = Command::Client(payload);
        let (accepted, hint) = self.propose(node, command, client);
        let Some((index, term)) = accepted else {
            return Err(hint);
        };
        self.clients.clients[client as usize].accepted = Some((node, index, term));
        let early = self.config.bugs.contains(HostKnob::AckUncommittedWrite);
        if early && matches!(op, KvOp::Put { .. }) {
            // The bug: the client hears "ok" before the entry is committed.
            self.checkers.on_client_ack(index, term, command);
            self.answer(client, node, KvOutput::Ok);
        }
        Ok(())
    }

    /// A read served without the log, per the read mode.
    fn read(
        &mut self,
        client: u32,
        node: NodeId,
        payload: u64,
        op: KvOp,
    ) -> Result<(), Option<NodeId>> {
        let host = &self.hosts[node.0 as usize - 1];
        let Some(n) = host.node.as_ref().filter(|_| !host.paused) else {
            return Err(None);
        };
        match self.config.read_mode {
            ReadMode::Local => {
                // etcd's 2014 bug: whoever believes it leads answers from its own state.
                if n.role_kind() != RoleKind::Leader {
                    return Err(n.leader());
                }
                let value = host.kv.get(op.key());
                self.answer(client, node, KvOutput::Value(value));
            }
            ReadMode::ReadIndex => self.input(node, |n, out| n.read_index(payload, out)),
            ReadMode::Lease => self.input(node, |n, out| n.read_lease(payload, out)),
            ReadMode::Log => unreachable!("reads through the log are writes"),
        }
        Ok(())
    }

    /// `node` may serve read `ctx` once it has applied `index`.
    pub(crate) fn read_ready(&mut self, node: NodeId, ctx: u64, index: LogIndex) {
        let host = &mut self.hosts[node.0 as usize - 1];
        let applied = host.node.as_ref().map_or(LogIndex(0), |n| n.last_applied());
        if applied >= index {
            self.serve_read(node, ctx);
        } else {
            host.parked_reads.push((index, ctx));
        }
    }

    fn serve_read(&mut self, node: NodeId, ctx: u64) {
        let Some(client) = self.clients.waiting(ctx, node) else {
            return;
        };
        let Some((_, _, op)) = self.clients.op_of(ctx) else {
            return;
        };
        let value = self.hosts[node.0 as usize - 1].kv.get(op.key());
        self.answer(client, node, KvOutput::Value(value));
    }

    pub(crate) fn read_rejected(&mut self, ctx: u64, leader: Option<NodeId>) {
        let Some((client, _)) = split_payload(ctx) else {
            return;
        };
        let waiting = self
            .clients
            .clients
            .get(client as usize)
            .and_then(|c| c.current);
        if waiting.map(|w| w.1) == Some(ctx) {
            self.redirect(client, leader);
        }
    }

    /// The attempt failed at once: try the named leader (or the next node) a little later.
    fn redirect(&mut self, client: u32, leader: Option<NodeId>) {
        let c = &mut self.clients.clients[client as usize];
        if c.oneshot {
            return;
        }
        c.attempt += 1;
        c.attempt_at = None;
        let (attempt, last) = (c.attempt, c.target);
        let target = leader.unwrap_or_else(|| self.believed_leader(client, attempt, last));
        self.clients.clients[client as usize].target = target;
        let at = self.now_us + self.clients.config.retry_us;
        self.schedule(at, Event::ClientWake { client });
    }

    pub(crate) fn client_timeout(&mut self, client: u32, attempt: u64) {
        let c = &self.clients.clients[client as usize];
        if c.attempt != attempt || c.current.is_none() {
            return;
        }
        let (id, _) = c.current.expect("checked");
        let op = self.clients.history.ops()[id].op;
        self.record(TraceEvent::ClientTimeout { client, op });
        let c = &self.clients.clients[client as usize];
        let target = self.believed_leader(client, c.attempt, c.target);
        self.clients.clients[client as usize].target = target;
        self.client_wake(client);
    }

    /// Where a client goes next when it has no hint (or its last try timed out): to a node
    /// that believes it leads, as a client that asks around for the leader ends up doing — a
    /// deposed leader that still believes so too, which is how stale reads and lost writes of
    /// a stale leader show. One of them is drawn (keyed by the client and its attempt), other
    /// than the node just tried if there is another; with none, the next node in turn.
    fn believed_leader(&self, client: u32, attempt: u64, last: NodeId) -> NodeId {
        let n = self.config.nodes;
        let leaders: Vec<NodeId> = self
            .ids()
            .filter(|id| *id != last || n == 1)
            .filter(|id| {
                let host = &self.hosts[id.0 as usize - 1];
                host.node
                    .as_ref()
                    .is_some_and(|node| node.role_kind() == RoleKind::Leader)
            })
            .collect();
        if leaders.is_empty() {
            return NodeId(last.0 % n + 1);
        }
        let key = (5 << 32) | client as u64;
        let pick = crate::rng::keyed(&self.workload_rng, key, attempt).gen_range(0..leaders.len());
        leaders[pick]
    }

    /// `node` answers `client`; the client thinks, then starts its next operation.
    fn answer(&mut self, client: u32, node: NodeId, output: KvOutput) {
        let Some(done) = self.clients.complete(client, output, self.now_us) else {
            return;
        };
        self.stats.client_ops_ok += 1;
        self.record(TraceEvent::ClientOk {
            client,
            node,
            op: done.op,
            output,
        });
        if !self.clients.clients[client as usize].oneshot {
            let c = &self.clients.config;
            let done = self.clients.clients[client as usize].next_request;
            let key = (1 << 32) | client as u64;
            let think = crate::rng::keyed(&self.workload_rng, key, done)
                .gen_range(c.think_min_us..=c.think_max_us);
            self.schedule(self.now_us + think, Event::ClientWake { client });
        }
    }

    /// `node` applied a committed entry: to its store, to the client waiting there, and to the
    /// reads parked until this index.
    pub(crate) fn applied(&mut self, node: NodeId, entry: Entry) {
        let i = node.0 as usize - 1;
        if let Some(at) = self
            .scripted_writes
            .iter()
            .position(|w| *w == (node, entry.command))
        {
            self.scripted_writes.remove(at);
            self.checkers
                .on_client_ack(entry.index, entry.term, entry.command);
            self.record(TraceEvent::WriteDone {
                command: entry.command,
                index: entry.index,
            });
        }
        if let Command::Client(p) = entry.command {
            if let Some((client, request, op)) = self.clients.op_of(p) {
                let output = self.hosts[i].kv.apply(client as u64, request, op);
                if let (Ok(output), Some(waiting)) = (output, self.clients.waiting(p, node)) {
                    self.checkers
                        .on_client_ack(entry.index, entry.term, entry.command);
                    self.answer(waiting, node, output);
                }
            }
        }
        let (ready, parked): (Vec<_>, Vec<_>) = std::mem::take(&mut self.hosts[i].parked_reads)
            .into_iter()
            .partition(|(index, _)| *index <= entry.index);
        self.hosts[i].parked_reads = parked;
        for (_, ctx) in ready {
            self.serve_read(node, ctx);
        }
    }

    /// §7, Figure 13 step 8: `node` installed a leader's snapshot; its store becomes the
    /// snapshot's, and reads parked until an index it covers are served. (A client waiting at
    /// an index the snapshot covers hears nothing from this node and retries: its session in
    /// the snapshot answers the retry without applying it twice.)
    pub(crate) fn snapshot_applied(&mut self, node: NodeId, snapshot: &raft::Snapshot) {
        let i = node.0 as usize - 1;
        self.stats.disk.snapshots_installed += 1;
        self.hosts[i].kv = crate::lin::KvStore::from_snapshot(&snapshot.data);
        let (ready, parked): (Vec<_>, Vec<_>) = std::mem::take(&mut self.hosts[i].parked_reads)
            .into_iter()
            .partition(|(index, _)| *index <= snapshot.last_included_index);
        self.hosts[i].parked_reads = parked;
        for (_, ctx) in ready {
            self.serve_read(node, ctx);
        }
    }

    /// A client's proposal reaching `node` directly (clients sit outside any partition).
    /// Returns where it was appended, or the leader the node named.
    pub fn propose(
        &mut self,
        node: NodeId,
        command: Command,
        client: u32,
    ) -> (Option<(LogIndex, Term)>, Option<NodeId>) {
        let mut result = (None, None);
        let mut refused = None;
        let host = &self.hosts[node.0 as usize - 1];
        if host.is_alive() && !host.paused {
            self.input(node, |n, out| {
                n.propose(command, out);
                for o in out.iter() {
                    match o {
                        Output::ProposalAccepted { index, term } => {
                            result.0 = Some((*index, *term))
                        }
                        Output::ProposalRejected(why) => {
                            refused = Some(*why);
                            if let raft::Rejection::NotLeader { leader } = why {
                                result.1 = *leader
                            }
                        }
                        _ => {}
                    }
                }
            });
        }
        if let Some((_, term)) = result.0 {
            self.proposal_accepted(node, term);
        }
        let accepted = result.0.map(|r| r.0);
        self.record(TraceEvent::Propose {
            node,
            client,
            command,
            accepted,
            refused,
        });
        result
    }

    /// A scenario's opaque write of `value` at `node`: acknowledged when that node applies it.
    pub fn scripted_write(&mut self, node: NodeId, value: u64) -> Option<LogIndex> {
        let command = Command::Client(value);
        let (accepted, _) = self.propose(node, command, 0);
        if accepted.is_some() {
            self.scripted_writes.push((node, command));
        }
        accepted.map(|a| a.0)
    }

    /// Checks the client history so far (Wing & Gong with Lowe's memoisation, per key) and
    /// reports a violation with the operations that no order explains.
    pub fn check_linearizability(&mut self) {
        if let LinResult::Violation {
            key,
            ops,
            explanation,
        } = check(self.clients.history.ops())
        {
            let _ = (key, ops);
            self.report(Property::Linearizability, explanation);
        }
    }
}
