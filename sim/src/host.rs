//! A simulated server: the Raft node, its disk, and what survives a crash.
//!
//! The disk holds exactly what the node's `Persist` outputs wrote and the write finished. A
//! node's outputs take effect in order through its outbox: a write takes `disk_latency_us`,
//! and the outputs after it (the messages that depend on it) wait for it. A crash loses the
//! node's volatile state, the writes still in flight, and everything waiting behind them.

use crate::checker::{Cluster, NodeView};
use crate::lin::KvStore;
use raft::{DurableState, Message, Node, NodeId, Output, Persist};
use std::collections::VecDeque;

pub struct Host {
    pub id: NodeId,
    /// `None` while crashed.
    pub node: Option<Node>,
    /// Stable storage: survives crashes.
    pub disk: DurableState,
    /// Outputs not yet carried out, waiting behind `writing`.
    pub(crate) outbox: VecDeque<Output>,
    /// Writes on their way to the disk.
    pub(crate) writing: Vec<Persist>,
    /// Counts restarts; events addressed to an earlier incarnation are ignored.
    pub incarnation: u64,
    /// A paused node receives no ticks; messages to it wait until it resumes.
    pub paused: bool,
    pub(crate) paused_inbox: Vec<(NodeId, Message)>,
    /// Ticks that passed while paused.
    pub(crate) missed_ticks: u64,
    /// Clock drift: this node's tick interval is `tick_us * (1e6 + drift_ppm) / 1e6`.
    pub drift_ppm: i32,
    /// The replicated key-value store, as this node has applied it (volatile: rebuilt by
    /// applying the log again after a restart).
    pub kv: KvStore,
    /// Reads ready at a read index this node has not applied yet: (index, read ctx).
    pub(crate) parked_reads: Vec<(raft::LogIndex, u64)>,
}

impl Host {
    pub fn new(id: NodeId, node: Node) -> Host {
        Host {
            id,
            node: Some(node),
            disk: DurableState::default(),
            outbox: VecDeque::new(),
            writing: Vec::new(),
            incarnation: 0,
            paused: false,
            paused_inbox: Vec::new(),
            missed_ticks: 0,
            drift_ppm: 0,
            kv: KvStore::new(),
            parked_reads: Vec::new(),
        }
    }

    pub fn is_alive(&self) -> bool {
        self.node.is_some()
    }

    /// The crash: returns how many writes were lost.
    pub(crate) fn crash(&mut self) -> usize {
        let lost = self.writing.len()
            + self
                .outbox
                .iter()
                .filter(|o| matches!(o, Output::Persist(_)))
                .count();
        self.node = None;
        self.outbox.clear();
        self.writing.clear();
        self.paused = false;
        self.paused_inbox.clear();
        self.missed_ticks = 0;
        self.kv = KvStore::new();
        self.parked_reads.clear();
        self.incarnation += 1;
        lost
    }

    /// The writes in flight reached the disk.
    pub(crate) fn finish_writes(&mut self) -> usize {
        let n = self.writing.len();
        for w in self.writing.drain(..) {
            self.disk.apply(&w);
        }
        n
    }

    pub fn tick_interval_us(&self, tick_us: u64) -> u64 {
        let scaled = tick_us as i128 * (1_000_000 + self.drift_ppm as i128) / 1_000_000;
        scaled.max(1) as u64
    }
}

/// The checkers' view of the hosts: live nodes only.
pub struct HostsView<'a>(pub &'a [Host]);

impl Cluster for HostsView<'_> {
    fn view(&self, id: NodeId) -> Option<NodeView<'_>> {
        let node = self.0.get(id.0 as usize - 1)?.node.as_ref()?;
        Some(NodeView {
            role: node.role_kind(),
            term: node.current_term(),
            commit_index: node.commit_index(),
            last_applied: node.last_applied(),
            log: node.log(),
        })
    }
}
