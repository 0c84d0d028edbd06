//! Safety checkers, run after every event. Each doc below says exactly what the checker claims
//! and why Raft guarantees it: a checker that claims more raises false alarms on correct Raft,
//! one that claims less lets a bug through. Each keeps just enough incremental state that its
//! per-event cost does not grow with the length of the history.
//!
//! - **Election Safety** (§5.2): no two nodes are leaders of one term. A candidate needs votes
//!   from a majority, and a server votes at most once per term (its vote is on stable storage
//!   before it is granted), so two majorities of one term would share a voter who voted twice.
//!   State: the leader of every term seen.
//! - **Elected by a majority** (§5.2; thesis §4.1, §4.3): a node that becomes leader of term T
//!   has granted RequestVote responses of T (delivered to it) from a majority of the voters of
//!   a configuration its log is in, counting its own vote if it is one of them, and from a
//!   majority of each half of a joint configuration. A vote is on disk before it is granted and
//!   only one is granted per term, which is what Election Safety rests on. *A configuration its
//!   log is in*: the one in force at its applied index (before the step: a node may commit and
//!   apply in one) or any later configuration entry of its log. Thesis §4.1 has a server use the latest (raftsim's node does); etcd and raft-rs switch
//!   when they apply the entry, and a leader of theirs may count the older one until then. The
//!   configurations are read from the log (its configuration entries, else its snapshot's, else
//!   the boot configuration), not asked of the node. State: per node, the grants of its latest
//!   term.
//! - **Log Matching** (§5.3): when two logs — the nodes' logs as they are, a crashed node's as it
//!   was until it restarts from its disk — hold an entry with the same index and term, it is the
//!   same command after the same previous term. A leader creates at most one entry per index in
//!   its term and never moves it, and AppendEntries checks the entry before the new ones; by
//!   induction on the index, equal (index, term) then means equal prefixes. An entry that a
//!   crash erased before it was durable or sent anywhere belongs to no log any more, and a
//!   later entry at its place is not compared with it: a cluster of one that leads a term
//!   before its term is on disk (raft-rs does) may, after a crash, lead that term again and
//!   write other entries there, which no one can observe. State: each node's log, as
//!   (term, command) by index.
//! - **Leader Completeness** (§5.4): a node that becomes leader of term T holds every entry
//!   committed in a term below T, and when an entry is committed in term T, every node leading
//!   a term above T holds it. The election restriction (§5.4.1) and the commit rule (§5.4.2)
//!   make every majority that elects a later leader contain a voter holding the entry. State:
//!   the committed log, each entry with the term of the node that first reported it committed
//!   (the term it was committed in; a later reporter only weakens no check).
//! - **Committed means replicated** (§5.3: an entry is committed "once the leader that created
//!   the entry has replicated it on a majority of the servers"; Figure 2: persistent state is
//!   "updated on stable storage before responding to RPCs"): when any node first treats
//!   (index, term) as committed, that entry is on the simulated disks of a majority, not just
//!   in their memory. The majority is of the voters of a configuration the committing node's
//!   log is in (both halves of a joint one, §4.3), read from the log as for elections. Followers acknowledge only what is
//!   durable, and a leader counts itself only for what its own disk holds, so a commit always
//!   rests on a durable majority. A disk
//!   damaged since (`disk/`; its node not repaired yet) counts as holding the entry: the
//!   acknowledgement was true when made, and no protocol can stop a leader counting one in
//!   flight across the damage. State: none beyond the committed log; each new commit reads
//!   the disks.
//! - **Committed-entry durability**: (a) a node whose current term is at or above the term an
//!   entry was committed in never deletes it: the only deletion is on an AppendEntries of the
//!   node's current term, from that term's leader, and a leader of the commit term or a later
//!   one holds the entry (Leader Completeness), so it never conflicts. A node below that term
//!   may legally lose its copy to a stale leader of an older term (it was not of the committing
//!   majority, or it has not yet heard of it) and have it repaired later: that is not reported.
//!   (b) Every node that commits an index commits the entry committed there before. (c) An
//!   entry acknowledged to a client is the entry committed at its index, once that index
//!   commits. State: a shadow of each node's log terms, to see what a truncation deletes.
//! - **State Machine Safety** (§5.4.3): no two nodes apply different entries at one index.
//!   Follows from Leader Completeness and Log Matching. State: the entry applied at each index.
//! - **Monotonicity** (Figure 2): a live node's currentTerm, commitIndex and lastApplied never
//!   decrease. A crash legally loses the volatile commitIndex and lastApplied and an unsynced
//!   term, so each node's record starts again at its restart. State: each live node's last
//!   values.
//!
//! With log compaction (§7) a log may start after a snapshot: `snapshot.rs` says how each check
//! reads a compacted prefix (held, committed; never a deletion) and what it checks of snapshots.
//!
//! Linearizability (`lin/`) and liveness (`liveness.rs`) are checked outside this module.

mod property;
mod snapshot;
#[cfg(test)]
mod tests;

pub use property::Property;

use raft::{Command, DurableState, Entry, LogIndex, Membership, NodeId, NodeSet, Output};
use raft::{Persist, RaftLog, RoleKind, Term};
use serde::Serialize;
use std::collections::BTreeMap;

/// What the checkers may look at of one live node.
pub struct NodeView<'a> {
    pub role: RoleKind,
    pub term: Term,
    pub commit_index: LogIndex,
    pub last_applied: LogIndex,
    pub log: &'a RaftLog,
}

/// The cluster as the checkers see it: live nodes, and every node's stable storage.
pub trait Cluster {
    /// A live node; `None` while it is crashed.
    fn view(&self, id: NodeId) -> Option<NodeView<'_>>;
    /// What a node's disk holds (crashed or not): only what finished writing, and of a
    /// damaged disk only what its reader accepts (intact records).
    fn disk(&self, id: NodeId) -> Option<&DurableState>;
    /// The node's disk was damaged (`disk/`) and the node has not been repaired since.
    fn impaired(&self, _id: NodeId) -> bool {
        false
    }
    /// The number of servers (hosts) in the cluster, `n1..=size`.
    fn size(&self) -> usize;
}

/// A property that failed, with what was seen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Violation {
    pub property: Property,
    pub node: Option<NodeId>,
    pub detail: String,
}

#[derive(Clone, Copy, Debug)]
struct Committed {
    term: Term,
    command: Command,
    /// The term of the node that first saw the entry committed.
    commit_term: Term,
}

#[derive(Clone, Copy, Debug, Default)]
struct Seen {
    role: Option<RoleKind>,
    term: Term,
    commit_index: LogIndex,
    last_applied: LogIndex,
}

#[derive(Default)]
pub struct Checkers {
    leader_of_term: BTreeMap<Term, NodeId>,
    committed: Vec<Committed>,
    applied: Vec<Option<(Term, Command, NodeId)>>,
    /// Entries acknowledged to clients, not yet covered by the committed log.
    acked: BTreeMap<LogIndex, (Term, Command)>,
    /// Each node's log as (term, command) by index: live, or as it was until its restart.
    shadow: ByNode<Vec<(Term, Command)>>,
    seen: ByNode<Seen>,
    violations: Vec<Violation>,
    /// The boot configuration (`None`: every server is a voter).
    boot: Option<Membership>,
    /// Elected by a majority: per node, the term of the latest granted RequestVote responses
    /// delivered to it, and who granted them.
    grants: ByNode<(Term, NodeSet)>,
    /// What the truncations of the steps since the last [`Checkers::take_truncations`]
    /// deleted, read from the shadow (the one record of what a node's log held before the
    /// step), for the trace to say.
    truncations: Vec<Truncation>,
}

/// A truncation a node asked for, and the entries of its log it deleted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Truncation {
    pub node: NodeId,
    pub from: LogIndex,
    pub deleted: Vec<(LogIndex, Term)>,
}

/// A value per node, indexed by id: what the per-event checks read and write (a map's search
/// and rebalancing cost more than the check itself). Iterates in id order.
#[derive(Default)]
struct ByNode<T>(Vec<Option<T>>);

impl<T: Default> ByNode<T> {
    fn get(&self, id: &NodeId) -> Option<&T> {
        self.0.get(id.0 as usize)?.as_ref()
    }
    fn insert(&mut self, id: NodeId, value: T) {
        let i = id.0 as usize;
        if self.0.len() <= i {
            self.0.resize_with(i + 1, || None);
        }
        self.0[i] = Some(value);
    }
    fn remove(&mut self, id: &NodeId) {
        if let Some(slot) = self.0.get_mut(id.0 as usize) {
            *slot = None;
        }
    }
    fn entry_or_default(&mut self, id: NodeId) -> &mut T {
        if self.get(&id).is_none() {
            self.insert(id, T::default());
        }
        self.0[id.0 as usize].as_mut().expect("just inserted")
    }
    fn iter(&self) -> impl Iterator<Item = (NodeId, &T)> {
        self.0
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.as_ref().map(|v| (NodeId(i as u8), v)))
    }
}

fn at(log: &[Committed], index: LogIndex) -> Option<&Committed> {
    log.get((index.0 as usize).wrapping_sub(1))
}

impl Checkers {
    pub fn new() -> Checkers {
        Checkers::default()
    }

    /// The cluster's boot configuration has these voters (by default every server is one).
    pub fn set_boot_voters(&mut self, voters: NodeSet) {
        self.boot = Some(Membership::of_voters(voters));
    }

    /// Whether `set` holds a majority of one of the configurations a node whose log is `log`
    /// and which applied up to `applied` may be in: the one in force at `applied`, then every
    /// later configuration entry (module doc).
    /// `None` when `set` holds a majority of one of them; otherwise the latest, for the report.
    fn without_quorum(
        &self,
        log: &RaftLog,
        applied: LogIndex,
        cluster: &dyn Cluster,
        set: NodeSet,
    ) -> Option<Membership> {
        let boot = self.boot.unwrap_or_else(|| {
            Membership::of_voters((1..=cluster.size() as u8).map(NodeId).collect())
        });
        if !log.has_configuration() {
            // The common case, without an allocation: the boot configuration at every index.
            return (!boot.has_quorum(set)).then_some(boot);
        }
        let applied = applied.max(log.last_included().0);
        let all = log.memberships_since(applied);
        let mut ms = all.iter().map(|m| m.unwrap_or(boot));
        if ms.clone().any(|m| m.has_quorum(set)) {
            return None;
        }
        ms.next_back()
    }

    /// A granted RequestVote response of `term` from `from` reached `to` (a duplicate changes
    /// nothing; a grant of an older term than the latest seen is stale and is not kept).
    pub fn on_vote_granted(&mut self, to: NodeId, from: NodeId, term: Term) {
        let slot = self.grants.entry_or_default(to);
        if slot.0 < term {
            *slot = (term, NodeSet::new());
        }
        if slot.0 == term {
            slot.1.insert(from);
        }
    }

    /// Every violation found so far, in the order found.
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    fn report(&mut self, property: Property, node: Option<NodeId>, detail: String) {
        let v = Violation {
            property,
            node,
            detail,
        };
        // A broken rule tends to be seen again on every later event: report each once.
        if !self.violations.contains(&v) {
            self.violations.push(v);
        }
    }

    /// A violation found outside the per-event checks (liveness, linearizability).
    pub fn report_external(&mut self, property: Property, node: Option<NodeId>, detail: String) {
        self.report(property, node, detail);
    }

    /// A node handled one input and produced `outputs` (in memory; the disk may lag).
    pub fn after_step<M>(&mut self, id: NodeId, outputs: &[Output<M>], cluster: &dyn Cluster) {
        let Some(mut view) = cluster.view(id) else {
            return;
        };
        // The configurations a commit or an election may have counted start at the node's
        // applied index before the step: an implementation that switches configuration when
        // it applies may commit and apply in one step, and it counted the older one.
        let applied_before = self.seen.get(&id).map(|s| s.last_applied);
        self.on_state(id, &view, cluster);
        if let Some(before) = applied_before {
            view.last_applied = view.last_applied.min(before);
        }
        for output in outputs {
            match output {
                Output::Persist(Persist::Append { entries }) => self.on_append(id, entries),
                Output::Persist(Persist::Truncate { from }) => {
                    self.on_truncate(id, *from, view.term)
                }
                Output::Committed { index } => self.on_commit(id, *index, &view, cluster),
                Output::Apply { entry } => self.on_apply(id, entry),
                Output::Persist(Persist::Snapshot(s)) => self.on_snapshot(id, s, view.log),
                _ => {}
            }
        }
    }

    /// The truncations seen since the last call, with what each deleted (none are kept when
    /// nothing was deleted).
    pub fn take_truncations(&mut self) -> Vec<Truncation> {
        std::mem::take(&mut self.truncations)
    }

    /// Whether truncations wait to be taken (the common answer, no, costs a comparison).
    #[inline]
    pub fn has_truncations(&self) -> bool {
        !self.truncations.is_empty()
    }

    /// A node crashed: its volatile state is gone, and so are writes that had not reached its
    /// disk (a term it never acted on may be among them). Monotonicity starts again from what
    /// it restarts with.
    pub fn on_crash(&mut self, id: NodeId) {
        self.seen.remove(&id);
    }

    /// A node restarted from its durable state.
    pub fn on_restart(&mut self, id: NodeId, cluster: &dyn Cluster) {
        if let Some(view) = cluster.view(id) {
            self.rebuild_shadow(id, view.log);
            self.on_state(id, &view, cluster);
        }
    }

    /// A client was told its command, at `index` in `term`, took effect.
    pub fn on_client_ack(&mut self, index: LogIndex, term: Term, command: Command) {
        match at(&self.committed, index) {
            Some(c) => self.check_ack(index, term, command, *c),
            None => {
                self.acked.insert(index, (term, command));
            }
        }
    }

    fn check_ack(&mut self, index: LogIndex, term: Term, command: Command, c: Committed) {
        if (c.term, c.command) != (term, command) {
            self.report(
                Property::CommittedEntryDurability,
                None,
                format!(
                    "a client was told {command} took effect at {index}:{term}, but {index}:{} ({}) is what committed there",
                    c.term, c.command
                ),
            );
        }
    }

    /// Election Safety and Monotonicity, from the node's state after the step.
    fn on_state(&mut self, id: NodeId, view: &NodeView, cluster: &dyn Cluster) {
        let before = self.seen.get(&id).copied().unwrap_or_default();
        let was_leader_of_term = before.role == Some(RoleKind::Leader) && before.term == view.term;
        if view.role == RoleKind::Leader && !was_leader_of_term {
            self.on_new_leader(id, view);
            self.check_elected_by_majority(id, view, cluster);
        }
        for (what, old, new) in [
            ("currentTerm", before.term.0, view.term.0),
            ("commitIndex", before.commit_index.0, view.commit_index.0),
            ("lastApplied", before.last_applied.0, view.last_applied.0),
        ] {
            if new < old {
                self.report(
                    Property::Monotonicity,
                    Some(id),
                    format!("{id}'s {what} went back from {old} to {new}"),
                );
            }
        }
        self.seen.insert(
            id,
            Seen {
                role: Some(view.role),
                term: view.term,
                commit_index: view.commit_index,
                last_applied: view.last_applied,
            },
        );
    }

    /// Election Safety, and Leader Completeness at election time: a leader of term T holds
    /// every entry committed in terms below T.
    fn on_new_leader(&mut self, id: NodeId, view: &NodeView) {
        match self.leader_of_term.get(&view.term) {
            Some(other) if *other != id => {
                let detail = format!("{other} and {id} are both leaders of term {}", view.term);
                self.report(Property::ElectionSafety, Some(id), detail);
            }
            _ => {
                self.leader_of_term.insert(view.term, id);
            }
        }
        let n = self
            .committed
            .partition_point(|c| c.commit_term < view.term);
        if n > 0 {
            self.check_holds_committed(id, view.term, view.log, LogIndex(n as u64));
        }
    }

    /// Elected by a majority: the grants of the leader's term that reached it, and its own
    /// vote, hold a majority of its configuration's voters (of both halves when joint).
    fn check_elected_by_majority(&mut self, id: NodeId, view: &NodeView, cluster: &dyn Cluster) {
        let mut granted = match self.grants.get(&id) {
            Some((term, from)) if *term == view.term => *from,
            _ => NodeSet::new(),
        };
        granted.insert(id);
        if let Some(m) = self.without_quorum(view.log, view.last_applied, cluster, granted) {
            let detail = format!(
                "{id} leads term {} with the votes of {granted} only, not a majority of its configuration {m}",
                view.term
            );
            self.report(Property::ElectedByMajority, Some(id), detail);
        }
    }

    /// Checks that `log` holds the committed entry at `index` (and, by Log Matching, all before).
    fn check_holds_committed(&mut self, id: NodeId, term: Term, log: &RaftLog, index: LogIndex) {
        let c = *at(&self.committed, index).expect("index within the committed log");
        if !self.holds(log, index, c.term) {
            let detail = format!(
                "{id} leads term {term} without the entry {index}:{} committed in term {}",
                c.term, c.commit_term
            );
            self.report(Property::LeaderCompleteness, Some(id), detail);
        }
    }

    /// Log Matching: an entry appended at (index, term) is the same command, after the same
    /// previous term, as the entry any other log holds at (index, term).
    fn on_append(&mut self, id: NodeId, entries: &[Entry]) {
        for e in entries {
            let i = e.index.0 as usize;
            let shadow = self.shadow.entry_or_default(id);
            shadow.truncate(i - 1);
            let prev_term = if i >= 2 { shadow[i - 2].0 } else { Term(0) };
            shadow.push((e.term, e.command));
            let clash = self.shadow.iter().find_map(|(other, log)| {
                let (term, command) = *log.get(i - 1)?;
                let prev = if i >= 2 { log[i - 2].0 } else { Term(0) };
                (other != id && term == e.term && (command, prev) != (e.command, prev_term))
                    .then_some((other, command, prev))
            });
            if let Some((other, command, prev)) = clash {
                let detail = format!(
                    "{id} holds {e} ({}, after term {prev_term}) but {other} holds {e} ({command}, after term {prev})",
                    e.command
                );
                self.report(Property::LogMatching, Some(id), detail);
            }
        }
    }

    /// Committed-entry durability (a): a node at or above an entry's commit term never deletes
    /// it. By Log Matching it is enough to look at the first entry deleted: if a committed
    /// entry is among those deleted, so is the one at `from`.
    fn on_truncate(&mut self, id: NodeId, from: LogIndex, node_term: Term) {
        let shadow = self.shadow.entry_or_default(id);
        let deleted = shadow.get(from.0 as usize - 1).map(|(t, _)| *t);
        if deleted.is_some() {
            let cells = shadow[from.0 as usize - 1..].iter().zip(from.0..);
            self.truncations.push(Truncation {
                node: id,
                from,
                deleted: cells.map(|((t, _), i)| (LogIndex(i), *t)).collect(),
            });
        }
        shadow.truncate(from.0 as usize - 1);
        if let (Some(term), Some(c)) = (deleted, at(&self.committed, from)) {
            if term == c.term && node_term >= c.commit_term {
                let detail = format!(
                    "{id}, in term {node_term}, deleted the entry {from}:{term} committed in term {}",
                    c.commit_term
                );
                self.report(Property::CommittedEntryDurability, Some(id), detail);
            }
        }
    }

    /// Committed means replicated: the entry at `index` (and by Log Matching every entry
    /// before it), first treated as committed now, is on the disks of a majority. A disk
    /// damaged since its node acknowledged (`Cluster::impaired`) counts as holding it: the
    /// acknowledgement was true when made, and what the disk lost after it is the fault's, not
    /// the protocol's (a leader may count it from a reply in flight across the damage).
    fn check_replicated(
        &mut self,
        id: NodeId,
        index: LogIndex,
        term: Term,
        log: &RaftLog,
        applied: LogIndex,
        cluster: &dyn Cluster,
    ) {
        let holders: NodeSet = (1..=cluster.size() as u8)
            .map(NodeId)
            .filter(|n| {
                cluster.impaired(*n)
                    || cluster
                        .disk(*n)
                        .is_some_and(|d| d.term_at(index) == Some(term))
            })
            .collect();
        if let Some(m) = self.without_quorum(log, applied, cluster, holders) {
            let voters = m.voters.union(m.outgoing);
            let holders = holders.intersection(voters);
            let (held, of) = (holders.len(), voters.len());
            // Without membership changes, in the words of a fixed cluster.
            let changed = log.membership().1.is_some() || self.boot.is_some();
            let detail = if changed {
                format!(
                    "{id} commits {index}:{term} but only the disks of {holders} hold it, not a majority of its configuration {m}"
                )
            } else {
                format!(
                    "{id} commits {index}:{term} but only {held} of {of} disks hold it (a majority is {})",
                    of / 2 + 1
                )
            };
            self.report(Property::CommittedMeansReplicated, Some(id), detail);
        }
    }

    /// A node's commitIndex rose to `index`: its log up to there is committed. It must agree
    /// with what was committed before, and current leaders of later terms must hold it.
    fn on_commit(&mut self, id: NodeId, index: LogIndex, view: &NodeView, cluster: &dyn Cluster) {
        let known = self.committed.len() as u64;
        let overlap = LogIndex(index.0.min(known));
        if overlap.0 > 0 {
            let c = *at(&self.committed, overlap).expect("within committed log");
            if !self.holds(view.log, overlap, c.term) {
                let detail = format!(
                    "{id} commits {overlap}:{} but {overlap}:{} was committed before",
                    view.log.term_at(overlap).unwrap_or_default(),
                    c.term
                );
                self.report(Property::CommittedEntryDurability, Some(id), detail);
                return;
            }
        }
        if index.0 <= known {
            return;
        }
        if let Some(term) = view.log.term_at(index) {
            self.check_replicated(id, index, term, view.log, view.last_applied, cluster);
        }
        if view.log.first_index().0 > known + 1 {
            return; // compacted before any node reported it committed: `on_snapshot` said so
        }
        for e in view
            .log
            .entries_from(LogIndex(known + 1), (index.0 - known) as usize)
        {
            self.committed.push(Committed {
                term: e.term,
                command: e.command,
                commit_term: view.term,
            });
        }
        let newly: Vec<_> = self.acked.range(..=index).map(|(i, v)| (*i, *v)).collect();
        for (i, (term, command)) in newly {
            self.acked.remove(&i);
            let c = *at(&self.committed, i).expect("acked index now committed");
            self.check_ack(i, term, command, c);
        }
        let leaders: Vec<(NodeId, Term)> = self
            .seen
            .iter()
            .filter(|(_, s)| s.role == Some(RoleKind::Leader) && s.term > view.term)
            .map(|(n, s)| (n, s.term))
            .collect();
        for (leader, term) in leaders {
            if let Some(lv) = cluster.view(leader) {
                self.check_holds_committed(leader, term, lv.log, index);
            }
        }
    }

    /// State Machine Safety: one entry per index across all appliers.
    fn on_apply(&mut self, id: NodeId, entry: &Entry) {
        let i = entry.index.0 as usize;
        if self.applied.len() < i {
            self.applied.resize(i, None);
        }
        match self.applied[i - 1] {
            None => self.applied[i - 1] = Some((entry.term, entry.command, id)),
            Some((term, command, other)) if (term, command) != (entry.term, entry.command) => {
                let detail = format!(
                    "{id} applied {entry} ({}) but {other} applied {}:{term} ({command}) at index {}",
                    entry.command, entry.index, entry.index
                );
                self.report(Property::StateMachineSafety, Some(id), detail);
            }
            Some(_) => {}
        }
    }

    /// The committed log as terms by index, for reports.
    pub fn committed_len(&self) -> u64 {
        self.committed.len() as u64
    }
}
