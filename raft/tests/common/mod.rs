//! A tiny deterministic harness for the raft crate's tests.
//!
//! Two levels, as etcd's raft tests have: free functions that build one node, step it and read
//! its outputs (unit tests of one rule), and a [`Cluster`] of nodes joined by one FIFO queue of
//! messages that a test delivers one at a time or all at once (`stabilize`). The only randomness
//! is the seed each node is built with; every collection that is iterated is ordered.
#![allow(dead_code)] // each test binary uses its own part of the harness

pub mod figure8;
pub mod membership;
pub mod recovery;
pub mod snapshot;

use raft::{Command, Config, DurableState, Entry, LogIndex, Message, Node, NodeId, Output};
use raft::{Persist, RoleKind, Synced, Term};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// Bounds `stabilize`: a correct cluster goes quiet long before this many deliveries.
pub const MAX_DELIVERIES: usize = 10_000;

pub fn n(id: u8) -> NodeId {
    NodeId(id)
}

/// The members `n1..=count`.
pub fn ids(count: u8) -> Vec<NodeId> {
    (1..=count).map(NodeId).collect()
}

/// One entry. The command depends only on the index, so that entries with the same index and
/// term are identical in every log, as Log Matching requires of the logs a test draws.
pub fn entry(index: u64, term: u64) -> Entry {
    Entry {
        index: LogIndex(index),
        term: Term(term),
        command: Command::Client(index),
    }
}

/// Entries `prev+1, prev+2, …` with the given terms.
pub fn entries_after(prev: u64, terms: &[u64]) -> Vec<Entry> {
    terms
        .iter()
        .enumerate()
        .map(|(i, t)| entry(prev + 1 + i as u64, *t))
        .collect()
}

/// A disk holding a log drawn as the paper draws it (terms by index, `&[1, 1, 4]`), with the
/// current term equal to the last entry's term and no vote.
pub fn durable_with_terms(terms: &[u64]) -> DurableState {
    durable(terms.last().copied().unwrap_or(0), terms)
}

pub fn durable(current_term: u64, terms: &[u64]) -> DurableState {
    DurableState {
        current_term: Term(current_term),
        voted_for: None,
        log: entries_after(0, terms),
        snapshot: None,
        damaged: None,
    }
}

/// Node `id` of the cluster `n1..=count`, with the default configuration, seeded by its id.
pub fn node(id: u8, count: u8, disk: DurableState) -> Node {
    node_with(id, count, Config::default(), disk)
}

pub fn node_with(id: u8, count: u8, config: Config, disk: DurableState) -> Node {
    Node::new(n(id), &ids(count), config, id as u64, disk).expect("valid config")
}

/// Makes `node` (of the cluster `n1..=count`) campaign and win with votes from the lowest ids;
/// returns the outputs of the input that made it leader.
pub fn make_leader(node: &mut Node, count: u8) -> Vec<Output> {
    let mut out = Vec::new();
    node.timeout_now(&mut out);
    fsync(node); // its vote is durable before its RequestVotes leave
    let (me, term) = (node.id(), node.current_term().0);
    for peer in ids(count).into_iter().filter(|p| *p != me) {
        if node.role_kind() == RoleKind::Leader {
            break;
        }
        out = step(node, peer, vote(term, true));
    }
    assert_eq!(
        node.role_kind(),
        RoleKind::Leader,
        "{} did not win",
        node.id()
    );
    out.extend(fsync(node));
    out
}

/// The host's disk caught up with everything `node` asked to write: the node hears that its
/// whole log is durable (`Node::persisted`). Returns the outputs of that input.
pub fn fsync(node: &mut Node) -> Vec<Output> {
    let mut out = Vec::new();
    let synced = Synced {
        current_term: node.current_term(),
        last_index: node.log().last_index(),
        last_term: node.log().last_term(),
        writes: 0,
    };
    node.persisted(synced, &mut out);
    out
}

// ----- Inputs, returning the outputs of that input alone -----

pub fn step(node: &mut Node, from: NodeId, message: Message) -> Vec<Output> {
    let mut out = Vec::new();
    node.step(from, message, &mut out);
    out
}

pub fn ticks(node: &mut Node, count: u32) -> Vec<Output> {
    let mut out = Vec::new();
    for _ in 0..count {
        node.tick(&mut out);
    }
    out
}

/// Ticks `node` until `short` ticks before its election timeout (0: until it times out).
pub fn ticks_to_timeout(node: &mut Node, short: u32) -> Vec<Output> {
    let count = node.election_timeout_ticks() - short;
    ticks(node, count)
}

pub fn propose(node: &mut Node, payload: u64) -> Vec<Output> {
    let mut out = Vec::new();
    node.propose(Command::Client(payload), &mut out);
    out
}

// ----- Messages -----

/// `AppendEntries` in `term` from `leader`, after `prev = (index, term)`, carrying entries of
/// the given terms.
pub fn append(term: u64, leader: u8, prev: (u64, u64), terms: &[u64], commit: u64) -> Message {
    append_with(term, leader, prev, entries_after(prev.0, terms), commit)
}

/// `AppendEntries` carrying the given entries (a leader's own, say).
pub fn append_with(
    term: u64,
    leader: u8,
    prev: (u64, u64),
    entries: Vec<Entry>,
    commit: u64,
) -> Message {
    Message::AppendEntries {
        term: Term(term),
        leader: n(leader),
        prev_log_index: LogIndex(prev.0),
        prev_log_term: Term(prev.1),
        entries,
        leader_commit: LogIndex(commit),
    }
}

pub fn heartbeat(term: u64, leader: u8, prev: (u64, u64), commit: u64) -> Message {
    append(term, leader, prev, &[], commit)
}

/// `RequestVote` in `term` from `candidate`, whose last entry is `last = (index, term)`.
pub fn request_vote(term: u64, candidate: u8, last: (u64, u64)) -> Message {
    Message::RequestVote {
        term: Term(term),
        candidate: n(candidate),
        last_log_index: LogIndex(last.0),
        last_log_term: Term(last.1),
        commit_index: LogIndex(0),
        transfer: false,
    }
}

pub fn vote(term: u64, granted: bool) -> Message {
    Message::RequestVoteResponse {
        term: Term(term),
        vote_granted: granted,
    }
}

pub fn append_reply(term: u64, success: bool, last_index: u64) -> Message {
    Message::AppendEntriesResponse {
        term: Term(term),
        success,
        last_index: LogIndex(last_index),
    }
}

// ----- Reading outputs -----

/// Applies the `Persist` outputs in `out` to `disk`, in order, as the host's disk would.
pub fn write_to(disk: &mut DurableState, out: &[Output]) {
    for write in persists(out) {
        disk.apply(&write);
    }
}

pub fn sends(out: &[Output]) -> Vec<(NodeId, Message)> {
    out.iter()
        .filter_map(|o| match o {
            Output::Send { to, message } => Some((*to, message.clone())),
            _ => None,
        })
        .collect()
}

pub fn persists(out: &[Output]) -> Vec<Persist> {
    out.iter()
        .filter_map(|o| match o {
            Output::Persist(p) => Some(p.clone()),
            _ => None,
        })
        .collect()
}

/// The single reply to a RequestVote: `(term, granted)`.
pub fn vote_reply(out: &[Output]) -> (u64, bool) {
    let replies: Vec<(u64, bool)> = sends(out)
        .into_iter()
        .filter_map(|(_, m)| match m {
            Message::RequestVoteResponse { term, vote_granted } => Some((term.0, vote_granted)),
            _ => None,
        })
        .collect();
    assert_eq!(replies.len(), 1, "exactly one vote reply in {out:?}");
    replies[0]
}

/// The single reply to an AppendEntries: `(term, success, last_index)`.
pub fn append_result(out: &[Output]) -> (u64, bool, u64) {
    let replies: Vec<(u64, bool, u64)> = sends(out)
        .into_iter()
        .filter_map(|(_, m)| match m {
            Message::AppendEntriesResponse {
                term,
                success,
                last_index,
            } => Some((term.0, success, last_index.0)),
            _ => None,
        })
        .collect();
    assert_eq!(replies.len(), 1, "exactly one append reply in {out:?}");
    replies[0]
}

/// Index in `out` of the first output matching `pred`.
pub fn first(out: &[Output], pred: impl Fn(&Output) -> bool) -> Option<usize> {
    out.iter().position(pred)
}

pub fn is_send(o: &Output) -> bool {
    matches!(o, Output::Send { .. })
}

pub fn is_persist(o: &Output) -> bool {
    matches!(o, Output::Persist(_))
}

pub fn committed(out: &[Output]) -> Vec<u64> {
    out.iter()
        .filter_map(|o| match o {
            Output::Committed { index } => Some(index.0),
            _ => None,
        })
        .collect()
}

pub fn terms(node: &Node) -> Vec<u64> {
    node.log().terms()
}

// ----- A cluster -----

/// A message on its way.
#[derive(Clone, Debug)]
pub struct Envelope {
    pub from: NodeId,
    pub to: NodeId,
    pub message: Message,
}

/// N nodes, each with a disk that receives its `Persist` writes, and one FIFO queue of messages.
pub struct Cluster {
    config: Config,
    /// The voters of the boot configuration every node starts with (by default, every node;
    /// a node outside it is a spare, which joins when a configuration entry names it).
    members: Vec<NodeId>,
    nodes: BTreeMap<NodeId, Node>,
    disks: BTreeMap<NodeId, DurableState>,
    queue: VecDeque<Envelope>,
    /// Each node's state machine: the payloads it applied, in order (a snapshot restores it).
    machines: BTreeMap<NodeId, Vec<u64>>,
    /// Messages from or to these nodes are dropped when their turn comes.
    isolated: BTreeSet<NodeId>,
    /// Every output of every node, in the order produced.
    pub history: Vec<(NodeId, Output)>,
}

impl Cluster {
    /// `count` fresh nodes with the default configuration.
    pub fn new(count: u8) -> Cluster {
        let disks = vec![DurableState::default(); count as usize];
        Cluster::from_disks(Config::default(), disks)
    }

    /// Nodes `n1, n2, …` starting from the given disks.
    pub fn from_disks(config: Config, disks: Vec<DurableState>) -> Cluster {
        let members = ids(disks.len() as u8);
        Cluster::with_boot_voters(config, disks, &members)
    }

    /// Nodes `n1, n2, …` starting from the given disks, all booted with the configuration
    /// whose voters are `voters` (thesis §4: the others are spares until a change adds them).
    pub fn with_boot_voters(
        config: Config,
        disks: Vec<DurableState>,
        voters: &[NodeId],
    ) -> Cluster {
        let all = ids(disks.len() as u8);
        let mut cluster = Cluster {
            config,
            members: voters.to_vec(),
            nodes: BTreeMap::new(),
            disks: all.iter().copied().zip(disks).collect(),
            queue: VecDeque::new(),
            machines: BTreeMap::new(),
            isolated: BTreeSet::new(),
            history: Vec::new(),
        };
        for id in all {
            cluster.boot(id);
        }
        cluster
    }

    /// (Re)builds node `id` from exactly what its disk holds; its state machine restarts from
    /// the disk's snapshot (§7).
    fn boot(&mut self, id: NodeId) {
        let disk = self.disks[&id].clone();
        let machine = disk
            .snapshot
            .as_ref()
            .map_or_else(Vec::new, |s| decode(&s.data));
        self.machines.insert(id, machine);
        let node = Node::new(id, &self.members, self.config.clone(), id.0 as u64, disk);
        self.nodes.insert(id, node.expect("valid config"));
    }

    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[&id]
    }

    pub fn disk(&self, id: NodeId) -> &DurableState {
        &self.disks[&id]
    }

    /// The voters of the boot configuration.
    pub fn members(&self) -> &[NodeId] {
        &self.members
    }

    pub fn queue(&self) -> &VecDeque<Envelope> {
        &self.queue
    }

    /// The state machine of node `id`: the payloads it applied, in order.
    pub fn machine(&self, id: NodeId) -> &[u64] {
        &self.machines[&id]
    }

    /// Applies a node's outputs in order: writes reach its disk, messages join the queue,
    /// entries and snapshots reach its state machine, and a snapshot asked for is taken (§7).
    fn handle(&mut self, id: NodeId, out: Vec<Output>) {
        let mut todo: VecDeque<Output> = out.into();
        while let Some(o) = todo.pop_front() {
            let machine = self.machines.get_mut(&id).expect("machine");
            match &o {
                Output::Persist(write) => self.disks.get_mut(&id).expect("disk").apply(write),
                Output::Send { to, message } => self.queue.push_back(Envelope {
                    from: id,
                    to: *to,
                    message: message.clone(),
                }),
                Output::Apply { entry } => machine.push(payload(entry)),
                Output::ApplySnapshot { snapshot } => *machine = decode(&snapshot.data),
                Output::SnapshotWanted { index } => {
                    let data = encode(machine);
                    let node = self.nodes.get_mut(&id).expect("member");
                    let mut more = Vec::new();
                    node.compact(*index, data, &mut more)
                        .expect("asked at its applied index");
                    todo.extend(more);
                }
                _ => {}
            }
            self.history.push((id, o));
        }
    }

    /// Steps node `id`; its writes reach its disk at once, and the node then hears that they
    /// are durable (`Node::persisted`), as a host tells it after an fsync.
    fn input(&mut self, id: NodeId, f: impl FnOnce(&mut Node, &mut Vec<Output>)) {
        let mut out = Vec::new();
        f(self.nodes.get_mut(&id).expect("member"), &mut out);
        while out.iter().any(is_persist) {
            self.handle(id, std::mem::take(&mut out));
            let synced = self.disks[&id].synced();
            let node = self.nodes.get_mut(&id).expect("member");
            node.persisted(synced, &mut out);
        }
        self.handle(id, out);
    }

    pub fn tick(&mut self, id: NodeId) {
        self.input(id, |node, out| node.tick(out));
    }

    pub fn timeout_now(&mut self, id: NodeId) {
        self.input(id, |node, out| node.timeout_now(out));
    }

    pub fn propose(&mut self, id: NodeId, payload: u64) {
        self.input(id, |node, out| node.propose(Command::Client(payload), out));
    }

    /// Makes `id` campaign, delivers everything, and checks that it won.
    pub fn elect(&mut self, id: NodeId) {
        self.timeout_now(id);
        self.stabilize();
        assert_eq!(self.node(id).role_kind(), RoleKind::Leader, "{id} lost");
    }

    /// Delivers the oldest message in the queue (or drops it, if an end is isolated).
    pub fn deliver(&mut self) -> Option<Envelope> {
        let env = self.queue.pop_front()?;
        if !self.isolated.contains(&env.from) && !self.isolated.contains(&env.to) {
            let (from, message) = (env.from, env.message.clone());
            self.input(env.to, |node, out| node.step(from, message, out));
        }
        Some(env)
    }

    /// Delivers until no message is in flight.
    pub fn stabilize(&mut self) {
        for _ in 0..MAX_DELIVERIES {
            if self.deliver().is_none() {
                return;
            }
        }
        panic!("still {} messages in flight", self.queue.len());
    }

    /// Drops every message in flight.
    pub fn drop_all(&mut self) {
        self.queue.clear();
    }

    /// Cuts `id` off: messages from or to it are dropped.
    pub fn isolate(&mut self, id: NodeId) {
        self.isolated.insert(id);
    }

    pub fn heal(&mut self, id: NodeId) {
        self.isolated.remove(&id);
    }

    /// Crashes `id` and restarts it from its disk: volatile state is lost, messages in flight
    /// stay in flight.
    pub fn crash(&mut self, id: NodeId) {
        self.boot(id);
    }

    /// Crashes `id` and restarts it from a damaged disk: its reader found a bad entry record
    /// after the first `keep` entries and truncated the log there, keeping the hard state
    /// (`DurableState::damaged`). The disk keeps saying so at later boots.
    pub fn crash_damaged(&mut self, id: NodeId, keep: usize) {
        let disk = self.disks.get_mut(&id).expect("member");
        let last = disk.synced();
        disk.log.truncate(keep);
        disk.damaged = Some(raft::DamagedLog {
            last_index: last.last_index,
            last_term: last.last_term,
        });
        self.boot(id);
    }

    /// The committed-index notices, in order, as `(node, index)`.
    pub fn commits(&self) -> Vec<(NodeId, u64)> {
        self.history
            .iter()
            .filter_map(|(id, o)| match o {
                Output::Committed { index } => Some((*id, index.0)),
                _ => None,
            })
            .collect()
    }
}

/// A state machine's content as a snapshot's opaque bytes, and back.
pub fn encode(machine: &[u64]) -> Vec<u8> {
    machine.iter().flat_map(|p| p.to_le_bytes()).collect()
}

pub fn decode(data: &[u8]) -> Vec<u64> {
    data.chunks(8)
        .map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes")))
        .collect()
}

fn payload(entry: &Entry) -> u64 {
    match entry.command {
        Command::Client(p) => p,
        Command::Noop | Command::Config(_) => 0,
    }
}

// ----- A leader's view of its followers -----

/// The match index the leader records for `peer`.
pub fn match_index(leader: &Node, peer: NodeId) -> u64 {
    let raft::Role::Leader { progress } = leader.role() else {
        panic!("{} is not leader", leader.id());
    };
    let p = progress.iter().find(|p| p.peer == peer).expect("a peer");
    p.match_index.0
}

/// The highest index that the leader's matchIndex shows on a majority, the leader's own log
/// counting for itself; 0 if `node` does not lead.
pub fn majority_index(node: &Node) -> u64 {
    let raft::Role::Leader { progress } = node.role() else {
        return 0;
    };
    let mut held: Vec<u64> = progress.iter().map(|p| p.match_index.0).collect();
    held.push(node.log().last_index().0);
    held.sort_unstable_by(|a, b| b.cmp(a));
    held[held.len() / 2]
}

/// Indexes of the entries applied, in order.
pub fn applied(out: &[Output]) -> Vec<u64> {
    out.iter()
        .filter_map(|o| match o {
            Output::Apply { entry } => Some(entry.index.0),
            _ => None,
        })
        .collect()
}

/// Senders of refused AppendEntries in the cluster's history, in order.
pub fn append_refusals(history: &[(NodeId, Output)]) -> Vec<NodeId> {
    history
        .iter()
        .filter_map(|(id, o)| match o {
            Output::Send {
                message: Message::AppendEntriesResponse { success: false, .. },
                ..
            } => Some(*id),
            _ => None,
        })
        .collect()
}
