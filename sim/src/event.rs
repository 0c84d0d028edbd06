//! What the run loop runs (events, each at a virtual time in the queue) and what it counts.

use raft::{Message, NodeId};
use serde::Serialize;

/// One thing the queue holds, to happen at its virtual time.
pub(crate) enum Event<M = Message> {
    Deliver {
        from: NodeId,
        to: NodeId,
        message: M,
        duplicate: bool,
        sent_us: u64,
    },
    Tick {
        node: NodeId,
        incarnation: u64,
    },
    DiskDone {
        node: NodeId,
        incarnation: u64,
    },
    ClientWake {
        client: u32,
    },
    ClientTimeout {
        client: u32,
        attempt: u64,
    },
    /// An event of the fault schedule, handed to it (`World::nemesis`).
    Nemesis(NemesisEvent),
    /// A process that stopped on a failed fsync is started again (`control.rs`).
    Supervisor {
        node: NodeId,
        incarnation: u64,
    },
}

/// What the fault schedule (`faults.rs`) puts in the queue for itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NemesisEvent {
    /// The schedule's next action.
    Next,
    /// Event-triggered faults (`leader-crash`, `crash-after-persist`).
    Crash(NodeId),
    Restart(NodeId),
    /// `hold-messages` ends: what it held on the link is delivered late.
    ReleaseHeld {
        from: NodeId,
        to: NodeId,
        kind: raft::MessageKind,
        newest: bool,
        twice: bool,
    },
    /// `cut-then-isolate`: the leader of this moment is cut off.
    IsolateLeader,
    /// `--membership`: the operator's request (`reconfig.rs`), and whether the next one is
    /// scheduled after it.
    Membership {
        again: bool,
    },
    /// `--membership`: the leader that just appended a change is cut off with `side`.
    Isolate(raft::NodeSet),
    Heal,
}

/// How many kinds of fault there are (`faults::FaultKind::ALL`, which asserts it).
pub const FAULT_KINDS: usize = 11;

/// What a run exercised, so a user sees what a campaign covered.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    pub events: u64,
    pub messages_delivered: u64,
    pub messages_dropped: u64,
    pub elections: u64,
    pub leader_changes: u64,
    pub truncations: u64,
    pub crashes: u64,
    pub partitions: u64,
    pub commits: u64,
    pub highest_term: u64,
    pub client_ops_ok: u64,
    /// Fault actions taken, by `FaultKind` (in `FaultKind::ALL` order).
    pub fault_actions: [u64; FAULT_KINDS],
    /// What the disks and snapshots went through.
    pub disk: DiskStats,
    /// Configuration changes and leadership transfers (thesis chapter 4, §3.10).
    pub membership: MembershipStats,
}

/// Configuration changes and leadership transfers asked of a run, and what came of them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct MembershipStats {
    /// Changes asked of a leader.
    pub asked: u64,
    /// Changes a leader appended.
    pub appended: u64,
    /// By kind, of those appended: voters added (learners promoted among them), learners
    /// added, servers removed, joint changes.
    pub adds: u64,
    pub promotions: u64,
    pub learners: u64,
    pub removes: u64,
    pub joint: u64,
    /// Transfers asked, and those that ended with the target leading.
    pub transfers: u64,
    pub transfers_done: u64,
    /// The most voters a configuration had.
    pub max_voters: u64,
}

impl MembershipStats {
    pub fn add(&mut self, o: &MembershipStats) {
        self.asked += o.asked;
        self.appended += o.appended;
        self.adds += o.adds;
        self.promotions += o.promotions;
        self.learners += o.learners;
        self.removes += o.removes;
        self.joint += o.joint;
        self.transfers += o.transfers;
        self.transfers_done += o.transfers_done;
        self.max_voters = self.max_voters.max(o.max_voters);
    }
}

/// Disk faults and snapshots in a run (`disk/`, §7).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DiskStats {
    pub snapshots_sent: u64,
    pub snapshots_installed: u64,
    pub fsync_failures: u64,
    pub records_torn: u64,
    pub records_corrupted: u64,
    pub writes_lost: u64,
    pub writes_misdirected: u64,
    pub wipes: u64,
    /// Restarts a node refused, finding its WAL damaged (`RecoveryPolicy::Refuse`).
    pub refusals: u64,
    /// Nodes that started knowing their log was damaged.
    pub damaged_starts: u64,
    /// The most records one WAL held at once.
    pub max_wal_records: u64,
}

impl DiskStats {
    pub fn add(&mut self, o: &DiskStats) {
        self.snapshots_sent += o.snapshots_sent;
        self.snapshots_installed += o.snapshots_installed;
        self.fsync_failures += o.fsync_failures;
        self.records_torn += o.records_torn;
        self.records_corrupted += o.records_corrupted;
        self.writes_lost += o.writes_lost;
        self.writes_misdirected += o.writes_misdirected;
        self.wipes += o.wipes;
        self.refusals += o.refusals;
        self.damaged_starts += o.damaged_starts;
        self.max_wal_records = self.max_wal_records.max(o.max_wal_records);
    }
}

impl Stats {
    /// Adds another run's counters (the highest term is the higher of the two).
    pub fn add(&mut self, o: &Stats) {
        self.events += o.events;
        self.messages_delivered += o.messages_delivered;
        self.messages_dropped += o.messages_dropped;
        self.elections += o.elections;
        self.leader_changes += o.leader_changes;
        self.truncations += o.truncations;
        self.crashes += o.crashes;
        self.partitions += o.partitions;
        self.commits += o.commits;
        self.client_ops_ok += o.client_ops_ok;
        self.highest_term = self.highest_term.max(o.highest_term);
        for (a, b) in self.fault_actions.iter_mut().zip(o.fault_actions) {
            *a += b;
        }
        self.disk.add(&o.disk);
        self.membership.add(&o.membership);
    }
}
