//! A simulated server: the Raft node, its disk, and what survives a crash.
//!
//! The host's ordering contract, which every Raft implementation it hosts relies on:
//! - a node's outputs take effect in the order the node returned them, through one outbox;
//! - a write (`Output::Persist`) takes `disk_latency_us` to reach the disk, and every output
//!   after it, a message that depends on it above all, waits until it is durable: **a send
//!   that follows a persist leaves only after that persist is on the disk** (the simulator
//!   asserts this at every send);
//! - when writes finish, the node hears it (`Node::persisted`, with the disk's last entry), so
//!   that a leader counts itself only for what its disk holds;
//! - a crash loses the node's volatile state, the writes not yet durable, and every output
//!   waiting behind them.
//!
//! The disk holds exactly what the node's `Persist` outputs wrote and the write finished, as
//! records of an etcd-like WAL (`disk/`): `disk` is what a reader makes of them, the view the
//! checkers read (only intact replicas count) and the state a restart boots from.

use crate::checker::{Cluster, NodeView};
use crate::disk::{Damage, Wal};
use crate::lin::KvStore;
use crate::node::RaftNode;
use raft::{DurableState, Node, NodeId, Output, Persist};
use std::collections::VecDeque;

pub struct Host<N: RaftNode = Node> {
    pub id: NodeId,
    /// `None` while crashed.
    pub node: Option<N>,
    /// Stable storage as a reader of the WAL sees it: survives crashes.
    pub disk: DurableState,
    /// The records on the platter and the snapshot file, kept once the run first needs them
    /// (a disk fault): until then the WAL would read back as exactly `disk` (the reader's one
    /// promise without faults, `disk/tests.rs`), so the host keeps `disk` alone, and a fault
    /// starts from the WAL a restart would have rewritten from it (`Host::wal`).
    wal: Wal,
    wal_live: bool,
    /// After an fsync failure the process carried on from (`fsync-failure-ignored`): what it
    /// reads through the page cache, which holds the writes the disk lost. Gone at a crash.
    pub(crate) page_cache: Option<DurableState>,
    /// The node crashed while repairing a damaged log: its next boot must say so again (the
    /// marker a real node would keep on its disk until repaired).
    pub(crate) repair_pending: Option<raft::DamagedLog>,
    /// What the node was booted with about damage (carried again if it crashes unrepaired).
    pub(crate) booted_damaged: Option<raft::DamagedLog>,
    /// Stopped on a failed fsync, with its supervisor's restart still to come.
    pub(crate) supervised: bool,
    /// The next fsync fails (`fsync-fail`; a state of the disk, kept across a crash).
    pub(crate) fsync_fail_next: bool,
    /// Outputs not yet carried out, waiting behind `writing`, each with the number of writes
    /// the node asked for before it (the ordering contract: it may take effect only once that
    /// many writes are durable).
    pub(crate) outbox: VecDeque<(u64, Output<N::Message>)>,
    /// Writes asked for and writes finished in this incarnation.
    pub(crate) writes_asked: u64,
    pub(crate) writes_durable: u64,
    /// Writes on their way to the disk.
    pub(crate) writing: Vec<Persist>,
    /// Counts restarts; events addressed to an earlier incarnation are ignored.
    pub incarnation: u64,
    /// A paused node receives no ticks; messages to it wait until it resumes.
    pub paused: bool,
    /// The operator shut it down after its removal from the configuration (`reconfig.rs`):
    /// it stays down, whatever restarts faults or the liveness phase ask, until a change adds
    /// it back.
    pub decommissioned: bool,
    pub(crate) paused_inbox: Vec<(NodeId, N::Message)>,
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

impl<N: RaftNode> Host<N> {
    pub fn new(id: NodeId, node: N) -> Host<N> {
        Host {
            id,
            node: Some(node),
            disk: DurableState::default(),
            wal: Wal::default(),
            wal_live: false,
            page_cache: None,
            fsync_fail_next: false,
            supervised: false,
            repair_pending: None,
            booted_damaged: None,
            outbox: VecDeque::new(),
            writes_asked: 0,
            writes_durable: 0,
            writing: Vec::new(),
            incarnation: 0,
            paused: false,
            decommissioned: false,
            paused_inbox: Vec::new(),
            missed_ticks: 0,
            drift_ppm: 0,
            kv: KvStore::new(),
            parked_reads: Vec::new(),
        }
    }

    /// §7: the state machine as of the snapshot on the disk (empty without one), what a node
    /// restarts from before it applies the log after the snapshot again.
    pub(crate) fn restore_kv(&mut self) {
        self.kv = self
            .disk
            .snapshot
            .as_ref()
            .map_or_else(KvStore::new, |s| KvStore::from_snapshot(&s.data));
    }

    /// Its disk's damage is not behind it: damage a reader would meet, or a node repairing (or
    /// to repair at its next start).
    pub fn impaired(&self) -> bool {
        self.wal.is_damaged()
            || self.repair_pending.is_some()
            || self.node.as_ref().is_some_and(|n| n.repairing())
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
                .filter(|(_, o)| matches!(o, Output::Persist(_)))
                .count();
        self.repair_pending = self
            .booted_damaged
            .filter(|_| self.node.as_ref().is_some_and(|n| n.repairing()));
        self.node = None;
        self.page_cache = None;
        self.outbox.clear();
        self.writes_asked = 0;
        self.writes_durable = 0;
        self.writing.clear();
        self.paused = false;
        self.paused_inbox.clear();
        self.missed_ticks = 0;
        self.kv = KvStore::new();
        self.parked_reads.clear();
        self.incarnation += 1;
        lost
    }

    /// Queues a node's outputs behind the ones already waiting, in order.
    pub(crate) fn enqueue(&mut self, outputs: impl Iterator<Item = Output<N::Message>>) {
        for o in outputs {
            if matches!(o, Output::Persist(_)) {
                self.writes_asked += 1;
            }
            self.outbox.push_back((self.writes_asked, o));
        }
    }

    /// The writes in flight reached the disk.
    pub(crate) fn finish_writes(&mut self) -> usize {
        let n = self.writing.len();
        for w in self.writing.drain(..) {
            if self.wal_live {
                self.wal.write(&w);
            }
            if let Some(cache) = &mut self.page_cache {
                cache.apply(&w);
            }
            if !self.wal.needs_reading() {
                self.disk.apply(&w);
            }
        }
        if self.wal.needs_reading() {
            self.disk = self.wal.read(true).state;
        }
        self.writes_durable += n as u64;
        n
    }

    /// The fsync of the writes in flight failed, and the process goes on as if it had not
    /// (`fsync-failure-ignored`): the disk lost them, the page cache still shows them.
    pub(crate) fn lose_writes(&mut self) -> usize {
        self.wal();
        let n = self.writing.len();
        let mut cache = self.page_cache.take().unwrap_or_else(|| self.disk.clone());
        for w in &self.writing {
            cache.apply(w);
        }
        self.wal.write_lost(&self.writing);
        self.writing.clear();
        self.page_cache = Some(cache);
        self.disk = self.wal.read(true).state;
        self.writes_durable += n as u64;
        n
    }

    /// A crash lands in the middle of the writes in flight: all but their last record reach
    /// the disk, the last is torn. Returns whether a record was torn (there were writes).
    pub(crate) fn tear_writes(&mut self) -> bool {
        self.wal();
        let torn = self.wal.write_torn(&self.writing);
        self.writing.clear();
        if torn {
            self.disk = self.wal.read(true).state;
        }
        torn
    }

    /// The WAL, kept from now on (see the field).
    pub(crate) fn wal(&mut self) -> &mut Wal {
        if !self.wal_live {
            self.wal.rewrite(&self.disk);
            self.wal_live = true;
        }
        &mut self.wal
    }

    /// The WAL, if the run has needed it so far.
    pub fn wal_if_kept(&self) -> Option<&Wal> {
        self.wal_live.then_some(&self.wal)
    }

    /// A disk given whole (a scenario's `[[node]]`): the WAL is as a restart would write it.
    pub(crate) fn set_disk(&mut self, disk: DurableState) {
        self.disk = disk;
        self.wal_live = false;
    }

    /// What the node is told is durable: the disk, or the page cache it trusts.
    pub(crate) fn synced(&self) -> raft::Synced {
        raft::Synced {
            writes: self.writes_durable,
            ..self.page_cache.as_ref().unwrap_or(&self.disk).synced()
        }
    }

    /// Reads the WAL back for a restart. `verify`: check checksums (all but
    /// `no-wal-checksums`); `refuse`: refuse to start on damage (`RecoveryPolicy::Refuse`).
    /// On a start the WAL is rewritten from what was read, so damage the reader worked around
    /// is not met again, and the disk is that state; the returned state carries `damaged`.
    pub(crate) fn recover(&mut self, verify: bool, refuse: bool) -> Result<Recovered, String> {
        // Without records kept, the WAL reads back as the disk (`disk/`).
        let read = if self.wal_live {
            self.wal.read(verify)
        } else {
            crate::disk::Read {
                state: self.disk.clone(),
                damage: None,
                torn_tail: false,
                damaged_log: None,
            }
        };
        if let (true, Some((damage, seq))) = (refuse, read.damage) {
            return Err(format!("WAL record {seq} {damage}"));
        }
        if self.wal_live {
            self.wal.rewrite(&read.state);
            self.disk = read.state.clone();
        }
        let mut boot = read.state;
        // Damage found now and damage not yet repaired: the later of the two old logs bounds.
        let later = |d: &raft::DamagedLog| (d.last_term, d.last_index);
        boot.damaged = match (read.damaged_log, self.repair_pending.take()) {
            (Some(a), Some(b)) => Some(if later(&a) >= later(&b) { a } else { b }),
            (a, b) => a.or(b),
        };
        self.booted_damaged = boot.damaged;
        Ok(Recovered {
            boot,
            damage: read.damage,
            torn_tail: read.torn_tail,
        })
    }

    pub fn tick_interval_us(&self, tick_us: u64) -> u64 {
        let scaled = tick_us as i128 * (1_000_000 + self.drift_ppm as i128) / 1_000_000;
        scaled.max(1) as u64
    }
}

/// What a restart read from its WAL.
pub(crate) struct Recovered {
    pub boot: DurableState,
    pub damage: Option<(Damage, u64)>,
    pub torn_tail: bool,
}

/// The checkers' view of the hosts: live nodes, and every disk.
pub struct HostsView<'a, N: RaftNode>(pub &'a [Host<N>]);

impl<N: RaftNode> Cluster for HostsView<'_, N> {
    fn disk(&self, id: NodeId) -> Option<&DurableState> {
        Some(&self.0.get(id.0 as usize - 1)?.disk)
    }
    fn size(&self) -> usize {
        self.0.len()
    }
    fn impaired(&self, id: NodeId) -> bool {
        self.0.get(id.0 as usize - 1).is_some_and(|h| h.impaired())
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use raft::{Config, Entry, LogIndex, Message, Term};

    /// The bookkeeping behind the ordering contract: each output carries the number of writes
    /// asked for before it, and a send may leave only once that many are durable.
    #[test]
    fn outputs_carry_the_writes_they_follow_and_a_crash_forgets_them() {
        let node = Node::new(
            NodeId(1),
            &[NodeId(1)],
            Config::default(),
            1,
            Default::default(),
        );
        let mut host = Host::new(NodeId(1), node.expect("valid config"));
        let write = Output::Persist(Persist::Append {
            entries: vec![Entry {
                index: LogIndex(1),
                term: Term(1),
                command: raft::Command::Noop,
            }],
        });
        let send = Output::Send {
            to: NodeId(2),
            message: Message::HeartbeatResponse {
                term: Term(1),
                round: 0,
            },
        };
        host.enqueue([send.clone(), write, send].into_iter());
        let tags: Vec<u64> = host.outbox.iter().map(|(w, _)| *w).collect();
        assert_eq!(tags, vec![0, 1, 1], "the second send waits for one write");
        let (_, first) = host.outbox.pop_front().unwrap();
        assert!(matches!(first, Output::Send { .. }));
        let (_, Output::Persist(w)) = host.outbox.pop_front().unwrap() else {
            panic!("the write comes second")
        };
        host.writing.push(w);
        assert_eq!(host.writes_durable, 0);
        assert_eq!(host.finish_writes(), 1);
        assert_eq!(host.writes_durable, 1, "now the second send may leave");
        assert_eq!(host.disk.synced().last_index, LogIndex(1));
        host.crash();
        assert_eq!((host.writes_asked, host.writes_durable), (0, 0));
        assert!(host.outbox.is_empty());
    }

    /// §7 at the host: a restart restores the store and its client sessions from the disk's
    /// snapshot, and both nodes accept compaction.
    #[test]
    fn a_restart_restores_the_store_from_the_disks_snapshot() {
        let config = Config::default();
        let node = Node::new(
            NodeId(1),
            &[NodeId(1)],
            config.clone(),
            1,
            Default::default(),
        );
        let mut host = Host::new(NodeId(1), node.expect("valid config"));
        let put = crate::lin::KvOp::Put { key: 7, value: 70 };
        host.kv.apply(1, 1, put).expect("a fresh request");
        let snapshot = raft::Snapshot {
            last_included_index: LogIndex(1),
            last_included_term: Term(1),
            data: host.kv.to_snapshot(),
            membership: None,
        };
        host.disk.apply(&Persist::Snapshot(snapshot));
        let kept = host.kv.clone();
        host.crash();
        assert_eq!(host.kv.get(7), None);
        host.restore_kv();
        assert_eq!(host.kv, kept, "the data and the session");
        let compacting = Config {
            snapshot_threshold_entries: Some(8),
            ..config
        };
        assert!(<Node as RaftNode>::supports(&compacting).is_ok());
        assert!(<crate::node::RaftRs as RaftNode>::supports(&compacting).is_ok());
    }
}
