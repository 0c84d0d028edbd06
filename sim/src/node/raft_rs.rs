//! tikv's raft-rs (crate `raft` 0.7, the Raft under TiKV), hosted unchanged behind the node
//! boundary. The adapter drives a `RawNode` over a `MemStorage` and honours the Ready contract:
//! - a leader's `messages` leave at once (they come first among the outputs);
//! - the Ready's entries and hard state become `Persist` outputs for the simulated disk, and
//!   its `persisted_messages` follow them, so the host sends them only once those writes are
//!   durable (`host.rs`);
//! - persistence is asynchronous: `advance_append_async`, then `on_persist_ready` when the host
//!   reports (`persisted`, with its count of durable writes) that the Ready's writes are on the
//!   disk. A crash between the write and the fsync loses both the writes and the messages
//!   behind them, and the node restarts from the disk alone.
//! - committed entries are applied, read states answer reads (`read_index`, ReadIndex or the
//!   lease-based read option).
//! - log compaction (§7, `snapshot_threshold_entries`): see "Snapshots" below.
//!
//! `MemStorage` plays the node's memory (raft-rs reads its log from there); the simulated disk
//! is the durable copy. raft-rs draws its election timeout from `thread_rng`; after every input
//! the adapter replaces a fresh draw by one from the node's seed (keyed by the term and the
//! draw within it), so that one seed gives one trace. Its logger is silent.
//!
//! Mapped options: election timeouts, heartbeat interval, PreVote, CheckQuorum, the batch size
//! (as a byte budget per message). Not mapped: raftsim's bug knobs (refused, but for the
//! client-facing `ack-uncommitted-write`), `heartbeats_carry_entries` (raft-rs's heartbeats
//! never carry entries) and `lease_margin_ticks` (raft-rs's lease reads have no margin).
//! Proposals are taken only by the leader (a follower does not forward them, as with etcd's
//! `DisableProposalForwarding`), so that a client hears where its write went.
//!
//! Snapshots. raft-rs leaves snapshots to its application, as raftsim's host does; the adapter
//! is that application, and its storage ([`SimStorage`]) is a `MemStorage` plus the latest
//! snapshot with the host's data (a `MemStorage` keeps only a snapshot's metadata):
//! - the applied index having passed the last snapshot (or the last request) by the threshold,
//!   the adapter asks for one at its applied index (`SnapshotWanted`, after the `Apply`s), by
//!   raftsim's node's rule (`raft/src/snapshot.rs`);
//! - `compact(index, data)` makes the snapshot at `index` (its term, the cluster's conf state,
//!   the host's bytes) the storage's, drops the log up to it, and writes it (`Persist::Snapshot`);
//! - a leader whose follower needs a compacted entry gets that snapshot from the storage and
//!   sends it (`MsgSnapshot`, kind `Snapshot`). Once it left, the adapter reports it finished
//!   (`report_snapshot`): raft-rs would otherwise hold the follower in its snapshot state, sending
//!   nothing, until the follower answers; a lost snapshot then goes again after a refused probe;
//! - a follower's Ready with a snapshot: the log after the snapshot's index goes (`Truncate`),
//!   the snapshot is written (`Persist::Snapshot`), the commit index moves to it and the host's
//!   store is replaced (`ApplySnapshot`), all before the Ready's entries and hard state; the
//!   storage applies it at once (raft-rs reads its log from there), raft-rs's applied index
//!   follows once the snapshot is durable (raft-rs allows no applied index past its persisted
//!   one), and until then the node takes no ticks: raft-rs's campaign checks the entries between
//!   its applied and commit indexes, which the snapshot compacted (TiKV's raftstore skips ticks
//!   while a snapshot is pending, for the same check);
//! - a restart boots the storage from the disk's snapshot and the log after it, with raft-rs's
//!   applied index at the snapshot's (the host restores its store itself).
//!
//! Membership changes and leadership transfer (thesis chapter 4, §3.10). raft-rs switches
//! configuration when it applies a conf change (`apply_conf_change`), not when it appends one:
//! - the leader proposes raftsim's change as a `ConfChangeV2` (`propose_change`: the refusals
//!   and their mapping are there): a single change is a simple change of one step, a joint one
//!   an implicit transition, which raft-rs's leader leaves by itself (it appends the empty
//!   change once it has applied the joint entry);
//! - the log view shows a conf-change entry as the configuration after it, computed from the
//!   one before (`membership_after`); the disk keeps that word, and a restart rebuilds the
//!   entry from the configuration before it in one canonical form (`conf_change_between`), the
//!   bytes the original had;
//! - committed conf changes are applied in order with the other entries, and the resulting
//!   conf state is the storage's; snapshots carry the configuration as of their index (their
//!   `ConfState` and raftsim's `Snapshot::membership`), and a leader asks for a newer snapshot
//!   when its latest one leaves out the peer it must send one to;
//! - every server boots in the boot voters' conf state, spares too, and joins by replaying the
//!   log (or a snapshot that names it); `membership` is raft-rs's applied configuration;
//! - a leader that a change leaves without a vote steps down, a server that is no voter never
//!   campaigns, and a server that restarted with configuration entries it cannot know committed
//!   does not campaign until it has applied them (raftsim's disk keeps no commit index; see
//!   `config_unsure`).

use super::{Boot, RaftMessage, RaftNode};
use crate::digest::TraceHash;
use crate::rng::{keyed, mix64};
use protobuf::Message as _;
use raft::{Command, ConfChange, ConfigEntry, ConfigRejection, Entry, LogIndex, Membership};
use raft::{MessageKind, NodeId, NodeSet, Output, Persist, RaftLog, Rejection, RoleKind};
use raft::{Synced, Term};
use raft_rs::eraftpb::{self, ConfChangeTransition, ConfChangeType, EntryType, MessageType};
use raft_rs::storage::MemStorage;
use raft_rs::{GetEntriesContext, RaftState, RawNode, ReadOnlyOption, SnapshotStatus, StateRole};
use raft_rs::{Storage, StorageError};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::VecDeque;
use std::fmt;

/// A raft-rs message, as the simulator carries it.
#[derive(Clone, Debug, PartialEq)]
pub struct RsMessage(pub eraftpb::Message);

/// raft-rs's storage under the adapter: its `MemStorage` for the log and the hard state, and the
/// latest snapshot whole, with the host's data, which a leader sends (`Storage::snapshot`).
pub struct SimStorage {
    mem: MemStorage,
    snapshot: eraftpb::Snapshot,
    /// A leader needed a snapshot for a peer its latest snapshot's configuration leaves out (a
    /// server added since): raft-rs's follower refuses one that does not name it, so the
    /// adapter asks the host for a newer snapshot (`SnapshotWanted` at the applied index).
    stale_for_peer: std::cell::Cell<bool>,
}

impl SimStorage {
    /// §7: the snapshot `snap` stands for the log up to its index: the storage keeps it, and of
    /// the log only the entries after it, when the log holds the snapshot's last entry
    /// (compaction); otherwise none (an installed snapshot: raft-rs installs only one its log
    /// does not match). The hard state stays.
    fn take_snapshot(&mut self, snap: eraftpb::Snapshot) -> Result<(), String> {
        let (index, term) = (snap.get_metadata().index, snap.get_metadata().term);
        let last = self.mem.last_index().map_err(|e| e.to_string())?;
        let keep = if index < last && self.mem.term(index).ok() == Some(term) {
            let context = GetEntriesContext::empty(false);
            (self.mem.entries(index + 1, last + 1, None, context)).map_err(|e| e.to_string())?
        } else {
            Vec::new()
        };
        let mut core = self.mem.wl();
        let hard_state = core.hard_state().clone();
        core.apply_snapshot(snap.clone())
            .map_err(|e| e.to_string())?;
        core.append(&keep).map_err(|e| e.to_string())?;
        if hard_state.commit >= index {
            core.set_hardstate(hard_state);
        }
        drop(core);
        self.snapshot = snap;
        Ok(())
    }

    fn snapshot_index(&self) -> u64 {
        self.snapshot.get_metadata().index
    }
}

impl Storage for SimStorage {
    fn initial_state(&self) -> raft_rs::Result<RaftState> {
        self.mem.initial_state()
    }
    fn entries(
        &self,
        low: u64,
        high: u64,
        max_size: impl Into<Option<u64>>,
        context: GetEntriesContext,
    ) -> raft_rs::Result<Vec<eraftpb::Entry>> {
        self.mem.entries(low, high, max_size, context)
    }
    fn term(&self, idx: u64) -> raft_rs::Result<u64> {
        self.mem.term(idx)
    }
    fn first_index(&self) -> raft_rs::Result<u64> {
        self.mem.first_index()
    }
    fn last_index(&self) -> raft_rs::Result<u64> {
        self.mem.last_index()
    }
    /// The latest snapshot, data and all. raft-rs asks only once it compacted entries a
    /// follower needs, so there is one (`request_index` is 0 but for `request_snapshot`, which
    /// the adapter never calls).
    ///
    /// A snapshot whose configuration leaves `to` out is not sent: raft-rs's follower would
    /// refuse it (`Raft::restore`, "not in the ConfState"), and the leader would send it again
    /// after every refused probe. The storage says it is not available yet, and the adapter
    /// asks for a newer one (the leader added `to`, so its applied configuration names it).
    fn snapshot(&self, request_index: u64, to: u64) -> raft_rs::Result<eraftpb::Snapshot> {
        let index = self.snapshot_index();
        let unavailable = raft_rs::Error::Store(StorageError::SnapshotTemporarilyUnavailable);
        if index == 0 || index < request_index {
            return Err(unavailable);
        }
        let m = membership_of(self.snapshot.get_metadata().get_conf_state());
        if !m.members().contains(node_id(to)) {
            self.stale_for_peer.set(true);
            return Err(unavailable);
        }
        Ok(self.snapshot.clone())
    }
}

/// raftsim's snapshot as raft-rs's, with the configuration as of its last included index
/// (`boot` when the snapshot records none).
fn rs_snapshot(s: &raft::Snapshot, boot: &Membership) -> eraftpb::Snapshot {
    let mut snap = eraftpb::Snapshot {
        data: s.data.clone().into(),
        ..Default::default()
    };
    let meta = snap.mut_metadata();
    meta.index = s.last_included_index.0;
    meta.term = s.last_included_term.0;
    meta.set_conf_state(conf_state_of(&s.membership.unwrap_or(*boot)));
    snap
}

/// raft-rs's snapshot as raftsim's: its conf state is the snapshot's configuration (`None`
/// when it is the boot configuration, as raftsim's node records it).
fn snapshot_of(snap: &eraftpb::Snapshot, boot: &Membership) -> raft::Snapshot {
    let membership = membership_of(snap.get_metadata().get_conf_state());
    raft::Snapshot {
        last_included_index: LogIndex(snap.get_metadata().index),
        last_included_term: Term(snap.get_metadata().term),
        data: snap.data.to_vec(),
        membership: (membership != *boot).then_some(membership),
    }
}

/// A configuration as raft-rs's `ConfState`, ids in increasing order. A joint one leaves
/// itself (`auto_leave`): the adapter enters joint configurations only that way.
fn conf_state_of(m: &Membership) -> eraftpb::ConfState {
    let ids = |set: NodeSet| set.iter().map(|n| n.0 as u64).collect::<Vec<u64>>();
    eraftpb::ConfState {
        voters: ids(m.voters),
        learners: ids(m.learners),
        voters_outgoing: ids(m.outgoing),
        auto_leave: m.is_joint(),
        ..Default::default()
    }
}

/// raft-rs's `ConfState` as raftsim's configuration: the incoming voters, the learners (and
/// the learners staged for when the joint configuration is left, which the adapter never
/// stages), and the outgoing voters when joint.
fn membership_of(cs: &eraftpb::ConfState) -> Membership {
    let set = |ids: &[u64]| ids.iter().map(|&id| node_id(id)).collect::<NodeSet>();
    Membership {
        voters: set(cs.get_voters()),
        learners: set(cs.get_learners()).union(set(cs.get_learners_next())),
        outgoing: set(cs.get_voters_outgoing()),
    }
}

/// The configuration a raft-rs conf change makes of `m`, by raft-rs's rules
/// (`confchange::Changer`): an empty change leaves a joint configuration, a change with more
/// than one step or an explicit transition enters one (C_old becomes the outgoing half), and the
/// steps apply to the incoming voters. The log view shows this after each conf-change entry.
fn membership_after(m: &Membership, cc: &eraftpb::ConfChangeV2) -> Membership {
    let mut next = *m;
    if cc.leave_joint() {
        next.outgoing = NodeSet::new();
        return next;
    }
    if cc.enter_joint().is_some() {
        next.outgoing = m.voters;
    }
    for c in cc.get_changes() {
        if c.node_id == 0 {
            continue; // raft-rs skips these
        }
        let id = node_id(c.node_id);
        match c.get_change_type() {
            ConfChangeType::AddNode => {
                next.voters.insert(id);
                next.learners.remove(id);
            }
            ConfChangeType::AddLearnerNode => {
                next.voters.remove(id);
                next.learners.insert(id);
            }
            ConfChangeType::RemoveNode => {
                next.voters.remove(id);
                next.learners.remove(id);
            }
        }
    }
    next
}

/// The raft-rs conf change that takes `from` to `to`, in one canonical form, so that an entry
/// rebuilt from the disk (which keeps only the configuration after it) is the entry raft-rs
/// wrote: leaving a joint configuration is the empty change (raft-rs's own auto-leave entry);
/// entering one is an implicit transition (joint, left automatically) with a step per server
/// whose role changes, in increasing id order; any other change is a simple one, one step.
fn conf_change_between(from: &Membership, to: &Membership) -> eraftpb::ConfChangeV2 {
    let mut cc = eraftpb::ConfChangeV2::default();
    if from.is_joint() {
        return cc;
    }
    let stays = to.voters.union(to.learners);
    for id in from.members().union(stays).iter() {
        let change_type = if to.voters.contains(id) && !from.voters.contains(id) {
            ConfChangeType::AddNode
        } else if to.learners.contains(id) && !from.learners.contains(id) {
            ConfChangeType::AddLearnerNode
        } else if !stays.contains(id) {
            ConfChangeType::RemoveNode
        } else {
            continue;
        };
        cc.mut_changes().push(eraftpb::ConfChangeSingle {
            change_type,
            node_id: id.0 as u64,
            ..Default::default()
        });
    }
    if to.is_joint() {
        cc.set_transition(ConfChangeTransition::Implicit);
    }
    cc
}

/// raftsim's change of `m` (thesis §4, `raft::ConfChange`), checked by the rules raftsim's node
/// applies to one: a change that changes nothing, would leave no voter, or names a server a
/// configuration entry cannot hold is invalid, and a joint configuration must be left first.
fn change_of(m: &Membership, change: ConfChange) -> Result<Membership, ConfigRejection> {
    if m.is_joint() {
        return Err(ConfigRejection::Joint);
    }
    let mut next = *m;
    match change {
        ConfChange::Joint { voters } => {
            if voters.is_empty() || voters == m.voters {
                return Err(ConfigRejection::Invalid);
            }
            next.voters = voters;
            next.learners = m.learners.difference(voters);
            next.outgoing = m.voters;
        }
        ConfChange::AddVoter(id) if !m.voters.contains(id) => {
            next.voters.insert(id);
            next.learners.remove(id);
        }
        ConfChange::Promote(id) if m.learners.contains(id) => {
            next.voters.insert(id);
            next.learners.remove(id);
        }
        ConfChange::AddLearner(id) if !m.members().contains(id) => next.learners.insert(id),
        ConfChange::Remove(id) if m.members().contains(id) => {
            next.voters.remove(id);
            next.learners.remove(id);
        }
        _ => return Err(ConfigRejection::Invalid),
    }
    if next.voters.is_empty() || ConfigEntry::pack(&next).is_none() {
        return Err(ConfigRejection::Invalid);
    }
    Ok(next)
}

/// raft-rs hosted.
pub struct RaftRs {
    raw: RawNode<SimStorage>,
    /// The log as raftsim's checkers and pictures see it: raft-rs's, stable and unstable, a
    /// conf-change entry as the configuration after it.
    log: RaftLog,
    /// The cluster's boot configuration (`Boot::members`), for a log or snapshot that records
    /// none.
    boot: Membership,
    /// The last configuration entry of the log the node restarted with, while raft-rs may
    /// not know whether it is committed (0: none). raftsim's disk keeps no commit index, so
    /// raft-rs restarts in the configuration of its snapshot (or the boot one) with its commit
    /// index there, and would count votes in it although a later one may be committed; until
    /// it has applied that entry (or a leader's log replaced it) it does not campaign, as if it
    /// were no voter (see `config_unsure`).
    unsure: LogIndex,
    /// Readies handed to the host, with the count of writes that must be durable first and the
    /// index of the snapshot the Ready installed, if it did.
    pending: VecDeque<(u64, u64, Option<u64>)>,
    /// A snapshot installed whose write is not durable yet: raft-rs's applied index moves to it
    /// once it is, and until then the node takes no ticks.
    installing: Option<u64>,
    /// §7: applied entries between snapshots (`None`: no compaction), and the applied index
    /// the last request was made at (`SnapshotWanted`).
    snapshot_every: Option<u64>,
    snapshot_asked: LogIndex,
    /// Writes (`Persist` outputs) asked for, and durable, since this node started.
    writes: u64,
    durable_writes: u64,
    commit: LogIndex,
    applied: LogIndex,
    /// Election timeouts: the node's seed and the draws made in the current term.
    rng: ChaCha8Rng,
    drawn: (u64, u64),
    timeouts: (usize, usize),
}

fn node_id(id: u64) -> NodeId {
    NodeId(id as u8)
}

/// A client command as raft-rs entry data: a payload is eight little-endian bytes; a no-op
/// (raft-rs's empty entry of a new leader) is empty.
fn command_of(data: &[u8]) -> Command {
    match <[u8; 8]>::try_from(data) {
        Ok(bytes) => Command::Client(u64::from_le_bytes(bytes)),
        Err(_) => Command::Noop,
    }
}

/// raft-rs's entry as raftsim's: a conf change shows as the configuration after it, computed
/// from `before`, the configuration of the log up to the entry before it (read only for a conf
/// change).
fn entry_of(e: &eraftpb::Entry, before: impl FnOnce() -> Membership) -> Entry {
    let command = match e.get_entry_type() {
        EntryType::EntryNormal => command_of(&e.data),
        EntryType::EntryConfChangeV2 => {
            let after = membership_after(&before(), &conf_change_in(e));
            Command::Config(ConfigEntry::pack(&after).expect("the adapter proposes packable ones"))
        }
        EntryType::EntryConfChange => unreachable!("the adapter proposes v2 conf changes only"),
    };
    Entry {
        index: LogIndex(e.index),
        term: Term(e.term),
        command,
    }
}

/// The conf change a v2 conf-change entry carries (raft-rs's own auto-leave entry has no data:
/// the empty change).
fn conf_change_in(e: &eraftpb::Entry) -> eraftpb::ConfChangeV2 {
    let mut cc = eraftpb::ConfChangeV2::default();
    cc.merge_from_bytes(&e.data)
        .expect("a conf change entry decodes");
    cc
}

/// raftsim's entry (from the disk) as raft-rs's; a configuration entry becomes the conf change
/// from `before` (the configuration of the log up to the entry before it) in its canonical form,
/// the bytes raft-rs's entry had.
fn rs_entry(e: &Entry, before: &Membership) -> eraftpb::Entry {
    let mut entry = eraftpb::Entry {
        index: e.index.0,
        term: e.term.0,
        ..Default::default()
    };
    match e.command {
        Command::Client(p) => entry.data = p.to_le_bytes().to_vec().into(),
        Command::Noop => {}
        Command::Config(c) => {
            let cc = conf_change_between(before, &c.unpack());
            entry.set_entry_type(EntryType::EntryConfChangeV2);
            entry.data = cc.write_to_bytes().expect("a conf change encodes").into();
        }
    }
    entry
}

/// Bytes raft-rs counts per entry of ours when it fills a message (index, term, eight bytes of
/// data, framing): `max_entries_per_append` entries make a message's budget.
const ENTRY_BYTES: u64 = 16;

fn config_of(c: &raft::Config, id: NodeId, lease_reads: bool) -> Result<raft_rs::Config, String> {
    if let Some(k) = c.bugs.iter().next() {
        return Err(format!(
            "bug knob {k} switches off a rule of raftsim's own node; raft-rs has no knobs (the host's, such as ack-uncommitted-write, apply to it)"
        ));
    }
    let config = raft_rs::Config {
        id: id.0 as u64,
        election_tick: c.election_timeout_min_ticks as usize,
        min_election_tick: c.election_timeout_min_ticks as usize,
        max_election_tick: c.election_timeout_max_ticks as usize,
        heartbeat_tick: c.heartbeat_interval_ticks as usize,
        max_size_per_msg: match c.max_entries_per_append {
            1 => 1, // raft-rs always sends one entry, and with this budget no more
            k => k as u64 * ENTRY_BYTES,
        },
        max_inflight_msgs: 256,
        check_quorum: c.check_quorum,
        pre_vote: c.pre_vote,
        read_only_option: if lease_reads {
            ReadOnlyOption::LeaseBased
        } else {
            ReadOnlyOption::Safe
        },
        ..raft_rs::Config::default()
    };
    config.validate().map_err(|e| e.to_string())?;
    Ok(config)
}

impl RaftNode for RaftRs {
    type Message = RsMessage;
    const NAME: &'static str = "raft-rs";
    const CHANGES_MEMBERSHIP: bool = true;
    /// raftsim's disk keeps no commit index, so a restarted raft-rs cannot know which of its
    /// configuration entries committed; the adapter keeps it from campaigning until it has
    /// applied them, which is safe but can leave a cluster where every server waits (`fuzz
    /// --node raft-rs --membership` seed 1). A durable commit index is the fix.
    const MEMBERSHIP_CAMPAIGNS: Result<(), &'static str> = Err(
        "raftsim's disk keeps no commit index, so a restarted raft-rs cannot tell which configuration entries committed, and the adapter's guard can leave every server waiting: a campaign would report the host's limit as raft-rs's bug (scenarios and tests/raft_rs_membership.rs run raft-rs's changes)",
    );

    fn supports(config: &raft::Config) -> Result<(), String> {
        config.validate().map_err(|e| e.to_string())?;
        config_of(config, NodeId(1), config.check_quorum).map(|_| ())
    }

    fn boot(b: Boot<'_>) -> Result<RaftRs, String> {
        let mut config = config_of(b.config, b.id, b.lease_reads)?;
        // Every server starts from the boot voters' conf state, a spare too (it is in none of
        // them, so it never campaigns): replaying the log from there gives each server the
        // configurations the leader had. raft-rs's other way, an empty conf state that a
        // leader's snapshot fills in, would have a joiner that replays the log instead apply
        // its first change to nothing and think itself a cluster of one.
        let boot = Membership::of_voters(b.members.iter().copied().collect());
        let mut store = SimStorage {
            mem: MemStorage::new_with_conf_state(conf_state_of(&boot)),
            snapshot: eraftpb::Snapshot::default(),
            stale_for_peer: std::cell::Cell::new(false),
        };
        // §7: the snapshot stands for the log up to its index, committed and applied (the host
        // restores its store from it); raft-rs starts with its applied index there, in the
        // snapshot's configuration.
        let (included, included_term) = b.disk.last_included();
        let included_membership = b.disk.snapshot.as_ref().and_then(|s| s.membership);
        if let Some(s) = &b.disk.snapshot {
            store.take_snapshot(rs_snapshot(s, &boot))?;
            config.applied = included.0;
        }
        let mut before = included_membership.unwrap_or(boot);
        let mut entries = Vec::with_capacity(b.disk.log.len());
        let mut unsure = LogIndex(0);
        for e in &b.disk.log {
            entries.push(rs_entry(e, &before));
            if let Command::Config(c) = e.command {
                before = c.unpack();
                unsure = e.index;
            }
        }
        {
            let mut core = store.mem.wl();
            core.append(&entries).map_err(|e| e.to_string())?;
            core.set_hardstate(eraftpb::HardState {
                term: b.disk.current_term.0,
                vote: b.disk.voted_for.map_or(0, |v| v.0 as u64),
                commit: included.0,
                ..Default::default()
            });
        }
        let logger = slog::Logger::root(slog::Discard, slog::o!());
        let raw = RawNode::new(&config, store, &logger).map_err(|e| e.to_string())?;
        let log = RaftLog::from_snapshot(included, included_term, b.disk.log)
            .with_included_membership(included_membership);
        let mut node = RaftRs {
            raw,
            log,
            boot,
            unsure,
            pending: VecDeque::new(),
            installing: None,
            snapshot_every: b.config.snapshot_threshold_entries,
            snapshot_asked: included,
            writes: 0,
            durable_writes: 0,
            commit: included,
            applied: included,
            rng: ChaCha8Rng::seed_from_u64(b.seed),
            drawn: (0, 0),
            timeouts: (config.min_election_tick, config.max_election_tick),
        };
        node.own_the_timeout();
        Ok(node)
    }

    fn tick(&mut self, out: &mut Vec<Output<RsMessage>>) {
        if self.installing.is_some() {
            // raft-rs's campaign would look for the entries the snapshot compacted.
            return;
        }
        let before = self.phase();
        if self.raw.raft.state != StateRole::Leader && self.config_unsure() {
            // raft-rs's tick for a node that may not campaign (`tick_election`).
            self.raw.raft.election_elapsed += 1;
        } else {
            self.raw.tick();
        }
        self.drive(out, before);
    }

    fn step(&mut self, _from: NodeId, message: RsMessage, out: &mut Vec<Output<RsMessage>>) {
        // Errors are messages raft-rs ignores (from unknown peers, local kinds).
        let before = self.phase();
        if message.0.get_msg_type() == MessageType::MsgTimeoutNow && self.config_unsure() {
            return; // raft-rs ignores it at a node that may not campaign
        }
        let _ = self.raw.step(message.0);
        self.drive(out, before);
    }

    fn timeout_now(&mut self, out: &mut Vec<Output<RsMessage>>) {
        let before = self.phase();
        if self.raw.raft.state != StateRole::Leader && self.may_campaign() {
            // A real election, as raftsim's `timeout` step starts (no pre-vote round).
            self.raw.raft.campaign(raft_rs::CAMPAIGN_ELECTION);
        }
        self.drive(out, before);
    }

    fn propose(&mut self, command: Command, out: &mut Vec<Output<RsMessage>>) {
        let before = self.phase();
        let leads = self.raw.raft.state == StateRole::Leader;
        let data = match command {
            Command::Client(p) => p.to_le_bytes().to_vec(),
            Command::Noop | Command::Config(_) => Vec::new(),
        };
        if leads && self.raw.propose(Vec::new(), data).is_ok() {
            let index = LogIndex(self.raw.raft.raft_log.last_index());
            let term = Term(self.raw.raft.term);
            out.push(Output::ProposalAccepted { index, term });
        } else {
            out.push(Output::ProposalRejected(self.refusal()));
        }
        self.drive(out, before);
    }

    /// Thesis chapter 4 on raft-rs: the leader proposes the change as a `ConfChangeV2`, once
    /// the adapter has checked it by raft-rs's rules (raft-rs does not refuse a conf change
    /// it cannot take: it appends an empty entry in its place and says nothing) and by
    /// raftsim's (a change must change something and keep a voter):
    /// - not the leader, or transferring: `NotLeader`, `Transferring`, as for a proposal;
    /// - a conf change in the log not applied yet (`has_pending_conf`): `Pending` at that entry.
    ///   A new leader also waits until it has applied every entry its log held when it won
    ///   (raft-rs's `pending_conf_index`): `NoCommitInTerm` when no conf change is among them;
    /// - a joint configuration in force: `Joint` (raft-rs leaves it by itself, below);
    /// - anything else raftsim's node would not take: `Invalid`.
    ///
    /// A single change (add, add learner, promote, remove) is a simple change of one step;
    /// `Joint` is an implicit transition: raft-rs enters C_old,new and its leader appends the
    /// empty change that leaves it as soon as it has applied the joint entry
    /// (`Raft::commit_apply`, auto-leave), also a leader elected while it is joint.
    fn propose_change(&mut self, change: ConfChange, out: &mut Vec<Output<RsMessage>>) {
        let before = self.phase();
        match self.check_change(change) {
            Ok((from, to)) => {
                let cc = conf_change_between(&from, &to);
                match self.raw.propose_conf_change(Vec::new(), cc) {
                    Ok(()) => {
                        let log = &self.raw.raft.raft_log;
                        let appended = log.unstable_entries().last().map(|e| e.get_entry_type());
                        assert_eq!(
                            appended,
                            Some(EntryType::EntryConfChangeV2),
                            "raft-rs replaced a checked conf change by an empty entry"
                        );
                        let index = LogIndex(log.last_index());
                        let term = Term(self.raw.raft.term);
                        out.push(Output::ProposalAccepted { index, term });
                    }
                    // Past the checks, raft-rs drops one only over its uncommitted-size limit
                    // (none here) or at a leader without its own progress (which steps down).
                    Err(_) => out.push(Output::ProposalRejected(self.refusal())),
                }
            }
            Err(why) => out.push(Output::ProposalRejected(why)),
        }
        self.drive(out, before);
    }

    /// Thesis §3.10 on raft-rs (`transfer_leader`): the leader stops taking proposals, brings
    /// the target's log up to date and sends it MsgTimeoutNow; it gives up after an election
    /// timeout. raft-rs ignores a target that is a learner, itself or no member; a node that
    /// does not lead does nothing (raft-rs's follower would forward the request).
    fn transfer_leadership(&mut self, target: NodeId, out: &mut Vec<Output<RsMessage>>) {
        let before = self.phase();
        if self.raw.raft.state == StateRole::Leader {
            self.raw.transfer_leader(target.0 as u64);
        }
        self.drive(out, before);
    }

    /// raft-rs's configuration: the one it applied last (raft-rs switches when it applies a
    /// conf change, not when it appends one as thesis §4.1 has it).
    fn membership(&self) -> Option<Membership> {
        Some(membership_of(&self.raw.raft.prs().conf().to_conf_state()))
    }

    fn read_index(&mut self, ctx: u64, out: &mut Vec<Output<RsMessage>>) {
        let before = self.phase();
        self.raw.read_index(ctx.to_le_bytes().to_vec());
        self.drive(out, before);
    }

    fn read_lease(&mut self, ctx: u64, out: &mut Vec<Output<RsMessage>>) {
        // The read option was fixed at boot (`Boot::lease_reads`).
        self.read_index(ctx, out);
    }

    fn persisted(&mut self, synced: Synced, out: &mut Vec<Output<RsMessage>>) {
        let before = self.phase();
        self.durable_writes = self.durable_writes.max(synced.writes);
        self.drive(out, before);
    }

    fn role_kind(&self) -> RoleKind {
        match self.raw.raft.state {
            StateRole::Follower => RoleKind::Follower,
            StateRole::PreCandidate => RoleKind::PreCandidate,
            StateRole::Candidate => RoleKind::Candidate,
            StateRole::Leader => RoleKind::Leader,
        }
    }
    fn current_term(&self) -> Term {
        Term(self.raw.raft.term)
    }
    fn voted_for(&self) -> Option<NodeId> {
        (self.raw.raft.vote != 0).then(|| node_id(self.raw.raft.vote))
    }
    fn leader(&self) -> Option<NodeId> {
        (self.raw.raft.leader_id != 0).then(|| node_id(self.raw.raft.leader_id))
    }
    fn commit_index(&self) -> LogIndex {
        self.commit
    }
    fn last_applied(&self) -> LogIndex {
        self.applied
    }
    fn log(&self) -> &RaftLog {
        &self.log
    }
    /// §7: the host's store as of `index` becomes the storage's snapshot, the log up to
    /// `index` goes, and the snapshot is written. An index at or below the latest snapshot (one
    /// installed since the request) leaves nothing to do.
    fn compact(
        &mut self,
        index: LogIndex,
        data: Vec<u8>,
        out: &mut Vec<Output<RsMessage>>,
    ) -> Result<(), String> {
        let (included, _) = self.log.last_included();
        if index <= included {
            return Ok(());
        }
        if index > self.applied {
            return Err(format!(
                "cannot compact up to {index}: only {} is applied (§7)",
                self.applied
            ));
        }
        let term = Term(self.raw.store().term(index.0).map_err(|e| e.to_string())?);
        let snapshot = raft::Snapshot {
            last_included_index: index,
            last_included_term: term,
            data,
            membership: self.log.membership_at(index).1,
        };
        let snap = rs_snapshot(&snapshot, &self.boot);
        self.raw.mut_store().take_snapshot(snap)?;
        // The storage's conf state is the one raft-rs applied, which may be past the snapshot's.
        let applied = self.raw.raft.prs().conf().to_conf_state();
        self.raw.mut_store().mem.wl().set_conf_state(applied);
        self.log.compact_to(index, term);
        out.push(Output::Persist(Persist::Snapshot(snapshot)));
        self.writes += 1;
        Ok(())
    }
    fn election_timer(&self) -> Option<(u32, u32)> {
        let r = &self.raw.raft;
        (r.state != StateRole::Leader).then(|| {
            let timeout = r.randomized_election_timeout() as u32;
            (r.election_elapsed as u32, timeout)
        })
    }
}

impl RaftRs {
    /// The term and role: raft-rs redraws its election timeout exactly when one of them changes
    /// (`Raft::reset`, from every `become_*`).
    fn phase(&self) -> (u64, u8) {
        (self.raw.raft.term, self.raw.raft.state as u8)
    }

    /// Handles every Ready raft-rs has, in order, and reports what became durable; then, if
    /// the input changed the term or the role, replaces raft-rs's fresh timeout.
    fn drive(&mut self, out: &mut Vec<Output<RsMessage>>, before: (u64, u8)) {
        loop {
            self.finish_persisted();
            if !self.raw.has_ready() {
                break;
            }
            let rd = self.raw.ready();
            self.handle(rd, out);
        }
        if self.raw.store().stale_for_peer.take() {
            self.ask_snapshot_for_peer(out);
        }
        if self.phase() != before {
            self.own_the_timeout();
        }
    }

    /// A leader's snapshot leaves out a peer it must send one to: ask the host for one at the
    /// applied index, once per index (the configuration applied there names the peer).
    fn ask_snapshot_for_peer(&mut self, out: &mut Vec<Output<RsMessage>>) {
        let index = self.applied;
        if self.snapshot_every.is_some()
            && index > self.log.last_included().0.max(self.snapshot_asked)
        {
            self.snapshot_asked = index;
            out.push(Output::SnapshotWanted { index });
        }
    }

    /// Tells raft-rs which Readies are on the disk now; a snapshot one of them installed is
    /// then applied as far as raft-rs is concerned.
    fn finish_persisted(&mut self) {
        let mut done = None;
        let mut installed = None;
        while let Some(&(number, writes, snapshot)) = self.pending.front() {
            if writes > self.durable_writes {
                break;
            }
            done = Some(number);
            installed = snapshot.or(installed);
            self.pending.pop_front();
        }
        if let Some(number) = done {
            self.raw.on_persist_ready(number);
        }
        if let Some(index) = installed {
            if index > self.raw.raft.raft_log.applied {
                self.raw.advance_apply_to(index);
            }
            if self.installing.is_some_and(|i| i <= index) {
                self.installing = None;
            }
        }
    }

    fn handle(&mut self, mut rd: raft_rs::Ready, out: &mut Vec<Output<RsMessage>>) {
        let mut snapshots_to = Vec::new();
        for m in rd.take_messages() {
            if m.get_msg_type() == MessageType::MsgSnapshot {
                snapshots_to.push(m.to);
            }
            out.push(send(m));
        }
        // A snapshot comes with no committed entries; its writes follow the hard state (as
        // raftsim's node orders them) and precede the entries after it.
        let installed = (!rd.snapshot().is_empty()).then(|| {
            self.persist_hard_state(&rd, out);
            self.install(rd.snapshot(), out)
        });
        self.apply(rd.take_committed_entries(), out);
        if installed.is_none() {
            self.persist_hard_state(&rd, out);
        }
        self.persist_entries(&rd, out);
        for m in rd.take_persisted_messages() {
            out.push(send(m));
        }
        for rs in rd.take_read_states() {
            let Ok(bytes) = <[u8; 8]>::try_from(&rs.request_ctx[..]) else {
                continue;
            };
            let ctx = u64::from_le_bytes(bytes);
            out.push(Output::ReadReady {
                ctx,
                index: LogIndex(rs.index),
            });
        }
        let number = rd.number();
        self.raw.advance_append_async(rd);
        self.pending.push_back((number, self.writes, installed));
        // The snapshot left: raft-rs would otherwise send this follower nothing more until it
        // answered (a lost snapshot goes again once a probe after it is refused).
        for to in snapshots_to {
            self.raw.report_snapshot(to, SnapshotStatus::Finish);
        }
    }

    /// Figure 13 steps 6 to 8 on a follower: a leader's snapshot its log does not match (raft-rs
    /// only fast-forwards its commit index for one it matches). The entries after the
    /// snapshot's index go (a truncation the checkers see), the snapshot is written, the
    /// commit index moves to it and the host resets its store from it; raft-rs's storage holds
    /// it at once. Returns its index.
    fn install(&mut self, snap: &eraftpb::Snapshot, out: &mut Vec<Output<RsMessage>>) -> u64 {
        let snapshot = snapshot_of(snap, &self.boot);
        let index = snapshot.last_included_index;
        if self.log.last_index() > index && index >= self.log.last_included().0 {
            let from = index.next();
            self.log.truncate_from(from);
            out.push(Output::Persist(Persist::Truncate { from }));
            self.writes += 1;
        }
        let term = snapshot.last_included_term;
        self.log.install(index, term, snapshot.membership);
        self.raw
            .mut_store()
            .take_snapshot(snap.clone())
            .expect("raft-rs installs a snapshot past its commit index");
        out.push(Output::Persist(Persist::Snapshot(snapshot.clone())));
        self.writes += 1;
        if index > self.commit {
            self.commit = index;
            out.push(Output::Committed { index });
        }
        self.applied = index;
        self.snapshot_asked = index;
        self.installing = Some(index.0);
        out.push(Output::ApplySnapshot { snapshot });
        index.0
    }

    /// The Ready's hard state, then (`persist_entries`) its entries: into raft-rs's memory (its
    /// storage) at once, and onto the disk as `Persist` outputs.
    fn persist_hard_state(&mut self, rd: &raft_rs::Ready, out: &mut Vec<Output<RsMessage>>) {
        if let Some(hs) = rd.hs() {
            self.raw.mut_store().mem.wl().set_hardstate(hs.clone());
            out.push(Output::Persist(Persist::HardState {
                current_term: Term(hs.term),
                voted_for: (hs.vote != 0).then(|| node_id(hs.vote)),
            }));
            self.writes += 1;
        }
    }

    fn persist_entries(&mut self, rd: &raft_rs::Ready, out: &mut Vec<Output<RsMessage>>) {
        let entries = rd.entries();
        let Some(first) = entries.first() else {
            return;
        };
        self.raw
            .mut_store()
            .mem
            .wl()
            .append(entries)
            .expect("raft-rs's entries follow its log");
        let from = LogIndex(first.index);
        if from <= self.log.last_index() {
            self.log.truncate_from(from);
            out.push(Output::Persist(Persist::Truncate { from }));
            self.writes += 1;
        }
        let mut ours = Vec::with_capacity(entries.len());
        for e in entries {
            let entry = entry_of(e, || self.log.membership().1.unwrap_or(self.boot));
            self.log.append(entry);
            ours.push(entry);
        }
        out.push(Output::Persist(Persist::Append { entries: ours }));
        self.writes += 1;
    }

    /// Committed entries: the commit index first, then each entry applied.
    fn apply(&mut self, entries: Vec<eraftpb::Entry>, out: &mut Vec<Output<RsMessage>>) {
        let Some(last) = entries.last() else {
            return;
        };
        let index = LogIndex(last.index);
        if index > self.commit {
            self.commit = index;
            out.push(Output::Committed { index });
        }
        for e in &entries {
            let index = LogIndex(e.index);
            let before = || self.log.membership_at(LogIndex(index.0 - 1)).1;
            let entry = entry_of(e, || before().unwrap_or(self.boot));
            out.push(Output::Apply { entry });
            self.applied = index;
            if e.get_entry_type() == EntryType::EntryConfChangeV2 {
                self.apply_conf_change(e);
            }
        }
        self.raw.advance_apply_to(self.applied.0);
        self.maybe_ask_snapshot(out);
    }

    /// A committed conf change applied: raft-rs switches to the configuration after it (and,
    /// as a leader that has applied a joint entry, appends the empty change that leaves it, at
    /// `advance_apply_to`); the storage keeps it as its conf state.
    ///
    /// A leader the change leaves without a vote (it removed itself, or the joint configuration
    /// it was only an outgoing voter of is left) steps down, in its term, as thesis §4.2.2 has
    /// it. raft-rs's `post_conf_change` leaves it leading (a TODO of raft-rs's): it then drops
    /// every proposal and conf change, yet its heartbeats keep the others from electing anyone,
    /// and the code that unwraps its own progress, which the change removed (`maybe_commit`,
    /// `on_persist_entries`), waits for its commit index to move.
    fn apply_conf_change(&mut self, e: &eraftpb::Entry) {
        let cc = conf_change_in(e);
        let cs = (self.raw.apply_conf_change(&cc))
            .expect("a committed conf change applies to the configuration before it");
        self.raw.mut_store().mem.wl().set_conf_state(cs);
        let r = &mut self.raw.raft;
        if r.state == StateRole::Leader && !r.prs().conf().voters().contains(r.id) {
            let term = r.term;
            r.become_follower(term, raft_rs::INVALID_ID);
        }
    }

    /// Why raft-rs dropped a proposal: a leader transferring its leadership takes none (§3.10);
    /// otherwise the node does not lead.
    fn refusal(&self) -> Rejection {
        match self.raw.raft.lead_transferee {
            Some(to) if self.raw.raft.state == StateRole::Leader => {
                Rejection::Transferring { to: node_id(to) }
            }
            _ => Rejection::NotLeader {
                leader: self.leader(),
            },
        }
    }

    /// The configuration a change takes raft-rs's from, and the one it makes, or why the
    /// leader refuses it (see `propose_change`).
    fn check_change(&self, change: ConfChange) -> Result<(Membership, Membership), Rejection> {
        let r = &self.raw.raft;
        if r.state != StateRole::Leader || r.lead_transferee.is_some() {
            return Err(self.refusal());
        }
        if r.has_pending_conf() {
            // The latest conf change up to raft-rs's pending index, if it is not applied.
            let (index, _) = self.log.membership_at(LogIndex(r.pending_conf_index));
            let why = if index.0 > r.raft_log.applied {
                ConfigRejection::Pending { index }
            } else {
                ConfigRejection::NoCommitInTerm
            };
            return Err(Rejection::Config(why));
        }
        let from = membership_of(&r.prs().conf().to_conf_state());
        let to = change_of(&from, change).map_err(Rejection::Config)?;
        Ok((from, to))
    }

    /// Whether raft-rs would start an election now (`Raft::hup`): it is a voter of the
    /// configuration it applied (a learner, a spare or a removed server is not; raft-rs would
    /// panic on winning without its own progress), and no committed conf change is waiting to
    /// be applied.
    fn may_campaign(&self) -> bool {
        let committed = LogIndex(self.raw.raft.raft_log.committed);
        self.raw.raft.promotable()
            && self.log.membership_at(committed).0 <= self.applied
            && !self.config_unsure()
    }

    /// Whether the node restarted with a configuration entry in its log that raft-rs may not
    /// know to be committed, and has not applied it since (nor seen a leader replace it): the
    /// latest configuration entry up to it is past raft-rs's applied index. Such a node does
    /// not campaign. It restarted in an older configuration (raftsim's disk keeps no commit
    /// index, and raft-rs switches when it applies), and counting votes in it could elect a
    /// second leader of a term: a server removed since, and the servers removed with it, are a
    /// majority of the old configuration. It grants votes, which depend on logs only.
    fn config_unsure(&self) -> bool {
        if self.unsure.0 == 0 {
            return false;
        }
        let (latest, _) = self.log.membership_at(self.unsure);
        latest.0 > self.raw.raft.raft_log.applied
    }

    /// §7, raftsim's node's rule (`Node::maybe_ask_snapshot`): once the applied index has
    /// passed the last snapshot, or the last request, by the threshold, ask for a snapshot at
    /// it, after the `Apply`s that brought the host's store there.
    fn maybe_ask_snapshot(&mut self, out: &mut Vec<Output<RsMessage>>) {
        let Some(threshold) = self.snapshot_every else {
            return;
        };
        let index = self.applied;
        let since = self.log.last_included().0.max(self.snapshot_asked);
        if index.0 >= since.0 + threshold {
            self.snapshot_asked = index;
            out.push(Output::SnapshotWanted { index });
        }
    }

    /// raft-rs drew a new election timeout from `thread_rng`: replace it with the seed's (the
    /// n-th draw of term t comes from the node's stream at (t, n), whatever raft-rs drew).
    fn own_the_timeout(&mut self) {
        let term = self.raw.raft.term;
        if self.drawn.0 != term {
            self.drawn = (term, 0);
        }
        let mut rng = keyed(&self.rng, term, self.drawn.1);
        self.drawn.1 += 1;
        let timeout = rng.gen_range(self.timeouts.0..self.timeouts.1);
        self.raw.raft.set_randomized_election_timeout(timeout);
    }
}

fn send(m: eraftpb::Message) -> Output<RsMessage> {
    Output::Send {
        to: node_id(m.to),
        message: RsMessage(m),
    }
}

impl RaftMessage for RsMessage {
    fn kind(&self) -> MessageKind {
        use MessageType::*;
        match self.0.get_msg_type() {
            MsgAppend => MessageKind::AppendEntries,
            MsgAppendResponse => MessageKind::AppendEntriesResponse,
            MsgRequestVote => MessageKind::RequestVote,
            MsgRequestVoteResponse => MessageKind::RequestVoteResponse,
            MsgRequestPreVote => MessageKind::PreVote,
            MsgRequestPreVoteResponse => MessageKind::PreVoteResponse,
            MsgHeartbeat => MessageKind::Heartbeat,
            MsgHeartbeatResponse => MessageKind::HeartbeatResponse,
            MsgReadIndex => MessageKind::ReadIndex,
            MsgReadIndexResp => MessageKind::ReadIndexResponse,
            MsgTimeoutNow => MessageKind::TimeoutNow,
            MsgSnapshot => MessageKind::Snapshot,
            _ => MessageKind::Other,
        }
    }

    fn content_key(&self) -> u64 {
        let m = &self.0;
        let fields = [
            m.get_msg_type() as u64,
            m.term,
            m.log_term << 20 ^ m.index,
            (m.entries.len() as u64) << 40 ^ m.commit,
            m.reject as u64 ^ m.reject_hint << 1,
            m.context.iter().fold(0, |h, b| mix64(h ^ *b as u64)),
        ];
        let key = fields.iter().fold(0, |h, f| mix64(h ^ f));
        if m.get_msg_type() == MessageType::MsgSnapshot {
            let meta = m.get_snapshot().get_metadata();
            return mix64(key ^ meta.index << 20 ^ meta.term);
        }
        key
    }

    fn hash_into(&self, hash: &mut TraceHash) {
        // protobuf's encoding of one message is deterministic (fields in number order).
        let bytes = self.0.write_to_bytes().expect("a message encodes");
        hash.numbers(&[bytes.len() as u64]);
        hash.add_bytes(&bytes);
    }

    fn to_json(&self) -> serde_json::Value {
        let m = &self.0;
        let entries: Vec<String> = m
            .entries
            .iter()
            .map(|e| format!("{}:{}", e.index, e.term))
            .collect();
        serde_json::json!({
            "type": format!("{:?}", m.get_msg_type()),
            "term": m.term,
            "log_term": m.log_term,
            "index": m.index,
            "commit": m.commit,
            "entries": entries,
            "reject": m.reject,
            "reject_hint": m.reject_hint,
        })
    }

    fn acknowledgement(&self) -> Option<(Term, LogIndex)> {
        let m = &self.0;
        match m.get_msg_type() {
            MessageType::MsgRequestVoteResponse if !m.reject => Some((Term(m.term), LogIndex(0))),
            MessageType::MsgAppendResponse if !m.reject => Some((Term(m.term), LogIndex(m.index))),
            _ => None,
        }
    }

    fn vote_request(&self) -> Option<(Term, LogIndex, Term)> {
        let m = &self.0;
        match m.get_msg_type() {
            MessageType::MsgRequestVote | MessageType::MsgRequestPreVote => {
                Some((Term(m.term), LogIndex(m.index), Term(m.log_term)))
            }
            _ => None,
        }
    }

    fn vote_response(&self) -> Option<(Term, bool)> {
        let m = &self.0;
        match m.get_msg_type() {
            MessageType::MsgRequestVoteResponse | MessageType::MsgRequestPreVoteResponse => {
                Some((Term(m.term), !m.reject))
            }
            _ => None,
        }
    }
}

/// One line, in the words raftsim's own messages use where they mean the same.
impl fmt::Display for RsMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use MessageType::*;
        let m = &self.0;
        match m.get_msg_type() {
            MsgAppend => {
                write!(
                    f,
                    "AppendEntries term={} prev={}:{} entries=[",
                    m.term, m.index, m.log_term
                )?;
                for (i, e) in m.entries.iter().enumerate() {
                    write!(f, "{}{}:{}", if i > 0 { "," } else { "" }, e.index, e.term)?;
                }
                write!(f, "] commit={}", m.commit)
            }
            MsgAppendResponse => write!(
                f,
                "AppendEntriesResponse term={} success={} last={} hint={}",
                m.term, !m.reject, m.index, m.reject_hint
            ),
            MsgRequestVote | MsgRequestPreVote => write!(
                f,
                "{} term={} candidate=n{} last={}:{} commit={}",
                if m.get_msg_type() == MsgRequestVote {
                    "RequestVote"
                } else {
                    "PreVote"
                },
                m.term,
                m.from,
                m.index,
                m.log_term,
                m.commit
            ),
            MsgRequestVoteResponse | MsgRequestPreVoteResponse => write!(
                f,
                "{} term={} granted={}",
                if m.get_msg_type() == MsgRequestVoteResponse {
                    "RequestVoteResponse"
                } else {
                    "PreVoteResponse"
                },
                m.term,
                !m.reject
            ),
            MsgHeartbeat => write!(
                f,
                "Heartbeat term={} commit={} ctx={}",
                m.term,
                m.commit,
                m.context.len()
            ),
            MsgHeartbeatResponse => {
                write!(
                    f,
                    "HeartbeatResponse term={} ctx={}",
                    m.term,
                    m.context.len()
                )
            }
            MsgSnapshot => {
                let meta = m.get_snapshot().get_metadata();
                write!(
                    f,
                    "InstallSnapshot term={} last={}:{} bytes={}",
                    m.term,
                    meta.index,
                    meta.term,
                    m.get_snapshot().data.len()
                )
            }
            other => write!(
                f,
                "{other:?} term={} index={} commit={}",
                m.term, m.index, m.commit
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SimConfig;
    use crate::trace::Trace;
    use crate::world::World;

    fn world(nodes: u8) -> World<RaftRs> {
        let sim = SimConfig {
            nodes,
            ..SimConfig::default()
        };
        World::new(3, sim, raft::Config::default(), Trace::new(true, 0))
    }

    /// raft-rs elects a leader, commits its writes on a durable majority, and the checkers see
    /// its logs: one write per client, all applied everywhere.
    #[test]
    fn raft_rs_elects_commits_and_applies_under_the_simulator() {
        let mut w = world(3);
        w.timeout(NodeId(1));
        assert!(w.run_while(500_000, |w| w.leader() == Some(NodeId(1))));
        for v in 1..=3 {
            w.scripted_write(NodeId(1), v);
        }
        w.run_until(w.now_us() + 500_000);
        assert!(w.violations().is_empty(), "{:?}", w.violations());
        for id in 1..=3 {
            let n = w.node(NodeId(id)).expect("alive");
            assert_eq!(
                n.commit_index(),
                LogIndex(4),
                "n{id}: the leader's entry and 3 writes"
            );
            assert_eq!(n.log().terms(), vec![1, 1, 1, 1], "n{id}");
        }
    }
}

#[cfg(test)]
mod membership_tests {
    use super::*;

    /// raft-rs's own node, in configuration `m` (id 1, whatever its role).
    fn raw_in(m: &Membership) -> RawNode<SimStorage> {
        let store = SimStorage {
            mem: MemStorage::new_with_conf_state(conf_state_of(m)),
            snapshot: eraftpb::Snapshot::default(),
            stale_for_peer: std::cell::Cell::new(false),
        };
        let config = raft_rs::Config {
            id: 1,
            ..raft_rs::Config::default()
        };
        let logger = slog::Logger::root(slog::Discard, slog::o!());
        RawNode::new(&config, store, &logger).expect("a valid conf state")
    }

    /// Every configuration of n1..n4 (a voter at least; learners apart from the voters).
    fn configurations() -> Vec<Membership> {
        let mut all = Vec::new();
        for voters in 1u64..16 {
            for learners in 0u64..16 {
                if voters & learners == 0 {
                    all.push(Membership {
                        voters: (1..=4)
                            .filter(|i| voters >> (i - 1) & 1 == 1)
                            .map(NodeId)
                            .collect(),
                        learners: (1..=4)
                            .filter(|i| learners >> (i - 1) & 1 == 1)
                            .map(NodeId)
                            .collect(),
                        outgoing: NodeSet::new(),
                    });
                }
            }
        }
        all
    }

    /// For every change raftsim's rules take, of every configuration of four servers: the
    /// canonical conf change is one raft-rs's `Changer` applies (simple or joint, as it is
    /// meant) into the configuration the log view shows, the entry rebuilt from the disk has the
    /// same bytes, and leaving the joint configuration (the empty change) gives C_new.
    #[test]
    fn the_canonical_conf_change_is_the_change_raft_rs_makes() {
        let mut checked = 0;
        for from in configurations() {
            let mut changes: Vec<ConfChange> = Vec::new();
            for id in (1..=4).map(NodeId) {
                changes.extend([
                    ConfChange::AddVoter(id),
                    ConfChange::AddLearner(id),
                    ConfChange::Promote(id),
                    ConfChange::Remove(id),
                ]);
            }
            for to in configurations() {
                changes.push(ConfChange::Joint { voters: to.voters });
            }
            for change in changes {
                let Ok(to) = change_of(&from, change) else {
                    continue;
                };
                let cc = conf_change_between(&from, &to);
                assert_eq!(membership_after(&from, &cc), to, "{from} {change}");
                let mut raw = raw_in(&from);
                let cs = raw.apply_conf_change(&cc).expect("raft-rs takes it");
                assert_eq!(membership_of(&cs), to, "{from} {change}: raft-rs's");
                let logged = Entry {
                    index: LogIndex(7),
                    term: Term(2),
                    command: Command::Config(ConfigEntry::pack(&to).unwrap()),
                };
                let rebuilt = rs_entry(&logged, &from);
                assert_eq!(rebuilt.data, cc.write_to_bytes().unwrap());
                assert_eq!(entry_of(&rebuilt, || from), logged);
                if to.is_joint() {
                    let left = Membership {
                        outgoing: NodeSet::new(),
                        ..to
                    };
                    let leave = conf_change_between(&to, &left);
                    assert!(
                        leave.write_to_bytes().unwrap().is_empty(),
                        "raft-rs's own entry"
                    );
                    let cs = raw.apply_conf_change(&leave).expect("raft-rs leaves it");
                    assert_eq!(membership_of(&cs), left);
                    assert_eq!(membership_after(&to, &leave), left);
                }
                checked += 1;
            }
        }
        assert!(checked > 1000, "{checked}");
    }
}

#[cfg(test)]
mod snapshot_tests {
    use super::*;

    fn node(id: u8, disk: raft::DurableState) -> RaftRs {
        let config = raft::Config {
            snapshot_threshold_entries: Some(2),
            ..raft::Config::default()
        };
        let members = [NodeId(1), NodeId(2), NodeId(3)];
        RaftRs::boot(Boot {
            id: NodeId(id),
            members: &members,
            config: &config,
            lease_reads: false,
            seed: 7,
            disk,
        })
        .expect("boots")
    }

    fn snapshot(index: u64) -> raft::Snapshot {
        raft::Snapshot {
            last_included_index: LogIndex(index),
            last_included_term: Term(1),
            data: vec![7; 5],
            membership: None,
        }
    }

    /// A leader's MsgSnapshot, as raft-rs's leader sends it.
    fn install_message(index: u64) -> RsMessage {
        let mut m = eraftpb::Message::default();
        m.set_msg_type(MessageType::MsgSnapshot);
        (m.from, m.to, m.term) = (1, 2, 1);
        let boot = Membership::of_voters([1, 2, 3].map(NodeId).into_iter().collect());
        m.set_snapshot(rs_snapshot(&snapshot(index), &boot));
        RsMessage(m)
    }

    /// A follower installs a leader's snapshot: its writes (hard state, then the snapshot) come
    /// before the store is reset and before its answer, which says it holds the snapshot's index;
    /// and while the snapshot is not durable the node takes no ticks, so that raft-rs's campaign
    /// (which reads the entries between its applied and commit indexes, compacted now) waits.
    #[test]
    fn a_follower_installs_a_snapshot_before_answering_and_campaigns_once_it_is_durable() {
        let mut n = node(2, raft::DurableState::default());
        let mut out = Vec::new();
        n.step(NodeId(1), install_message(5), &mut out);
        let shape: Vec<String> = out
            .iter()
            .map(|o| match o {
                Output::Persist(Persist::HardState { current_term, .. }) => {
                    format!("hard state t{}", current_term.0)
                }
                Output::Persist(Persist::Snapshot(s)) => {
                    format!("snapshot {}", s.last_included_index)
                }
                Output::Committed { index } => format!("commit {index}"),
                Output::ApplySnapshot { snapshot } => {
                    format!("apply snapshot {}", snapshot.last_included_index)
                }
                Output::Send { message, .. } => message.to_string(),
                other => format!("{other:?}"),
            })
            .collect();
        assert_eq!(
            shape,
            [
                "hard state t1",
                "snapshot 5",
                "commit 5",
                "apply snapshot 5",
                "AppendEntriesResponse term=1 success=true last=5 hint=0",
            ]
        );
        assert_eq!(
            (n.commit_index(), n.last_applied()),
            (LogIndex(5), LogIndex(5))
        );
        assert_eq!(n.log().last_included(), (LogIndex(5), Term(1)));
        assert_eq!(n.log().last_index(), LogIndex(5));
        // Not durable yet: ticks past any election timeout start nothing (nor panic).
        for _ in 0..100 {
            out.clear();
            n.tick(&mut out);
            assert!(out.is_empty(), "{out:?}");
        }
        assert_eq!(n.role_kind(), RoleKind::Follower);
        let synced = Synced {
            current_term: Term(1),
            last_index: LogIndex(5),
            last_term: Term(1),
            writes: 2,
        };
        n.persisted(synced, &mut out);
        assert_eq!(
            n.raw.raft.raft_log.applied, 5,
            "raft-rs applied the snapshot"
        );
        for _ in 0..20 {
            n.tick(&mut out);
            if n.role_kind() != RoleKind::Follower {
                break;
            }
        }
        assert_eq!(n.role_kind(), RoleKind::Candidate, "it campaigns as usual");
        assert_eq!(n.current_term(), Term(2));
    }

    /// A restart from a disk with a snapshot: raft-rs's log starts after it, its commit and
    /// applied indexes are there, and as a leader it sends the snapshot, data and all, to a
    /// follower behind its first index (and the simulator counts a `Snapshot`).
    #[test]
    fn a_restart_boots_from_the_snapshot_and_a_leader_sends_it() {
        let disk = raft::DurableState {
            current_term: Term(1),
            voted_for: Some(NodeId(1)),
            log: vec![Entry {
                index: LogIndex(5),
                term: Term(1),
                command: Command::Client(9),
            }],
            snapshot: Some(snapshot(4)),
            damaged: None,
        };
        let mut n = node(1, disk);
        assert_eq!(
            (n.commit_index(), n.last_applied()),
            (LogIndex(4), LogIndex(4))
        );
        assert_eq!(n.log().last_included(), (LogIndex(4), Term(1)));
        assert_eq!(n.log().last_index(), LogIndex(5));
        assert_eq!(n.raw.raft.raft_log.applied, 4);
        assert_eq!(n.raw.raft.raft_log.first_index(), 5);
        let mut out = Vec::new();
        n.timeout_now(&mut out);
        let synced = Synced {
            current_term: Term(2),
            last_index: LogIndex(5),
            last_term: Term(1),
            writes: n.writes,
        };
        n.persisted(synced, &mut out);
        let mut vote = eraftpb::Message::default();
        vote.set_msg_type(MessageType::MsgRequestVoteResponse);
        (vote.from, vote.to, vote.term) = (2, 1, 2);
        n.step(NodeId(2), RsMessage(vote), &mut out);
        assert_eq!(n.role_kind(), RoleKind::Leader);
        // n3 answers the leader's first append: its log ends at 2, below the first index.
        let mut refusal = eraftpb::Message::default();
        refusal.set_msg_type(MessageType::MsgAppendResponse);
        (refusal.from, refusal.to, refusal.term) = (3, 1, 2);
        (refusal.index, refusal.reject, refusal.reject_hint) = (5, true, 2);
        out.clear();
        n.step(NodeId(3), RsMessage(refusal), &mut out);
        let sent: Vec<&RsMessage> = out
            .iter()
            .filter_map(|o| match o {
                Output::Send {
                    to: NodeId(3),
                    message,
                } => Some(message),
                _ => None,
            })
            .collect();
        assert_eq!(sent.len(), 1, "{out:?}");
        assert_eq!(sent[0].kind(), MessageKind::Snapshot);
        assert_eq!(
            sent[0].to_string(),
            "InstallSnapshot term=2 last=4:1 bytes=5"
        );
        assert_eq!(&sent[0].0.get_snapshot().data[..], &[7; 5]);
    }
}
