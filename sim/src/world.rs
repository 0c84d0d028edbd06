//! The run loop. One event at a time: pop the earliest `(time, seq)` from the queue, hand it to
//! the node it concerns, carry out the node's outputs in order, and run the checkers on what
//! changed. Follow `World::step` → `World::deliver`/`tick` → `World::input` (the only place a
//! node is stepped and the checkers run) → `World::drain`.
//!
//! Layers: this file is the cluster (hosts and their disks, the queue, the network, the
//! checkers, the trace) and its loop; `control.rs` holds its levers (crash, restart, pause,
//! partition, …) and `service.rs` the KV service and its clients. Above it, and seen here only
//! through two traits: the `Nemesis` (the random fault schedule, `faults.rs`), which the loop
//! hands its own events and tells of each step, and [`Observer`]s (pictures, `--explain`'s
//! tables, the shrinker's schedule, the liveness watch), which hear what happens and change
//! nothing. The trace stays a field: it records every event and is statically dispatched.

use crate::checker::{Checkers, Property, Violation};
use crate::client::{Clients, WorkloadConfig};
use crate::config::SimConfig;
use crate::host::{Host, HostsView};
use crate::network::{Fate, Network};
use crate::node::{RaftMessage, RaftNode};
use crate::queue::EventQueue;
use crate::rng::{stream, stream_seed, Stream};
use crate::scenario::Step;
use crate::trace::vote::{self, VoteAsk, Voter};
use crate::trace::{DropReason, Trace, TraceEvent};
use raft::{Command, LogIndex, Node, NodeId, Output, Persist, RoleKind, Term};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::any::Any;
use std::rc::Rc;

/// Bound on the ticks a resumed node catches up on at once.
pub(crate) const MAX_CATCH_UP_TICKS: u64 = 10_000;

pub(crate) use crate::event::{Event, NemesisEvent, Stats};

/// What hears a run without changing it: the pictures' frames, `--explain`'s log tables, the
/// shrinker's schedule, the liveness watch. Attached with [`World::observe`], read back with
/// [`World::observer`] or [`World::detach`]. Each hook is called with the world as it is at
/// that moment; every hook does nothing by default.
pub trait Observer<N: RaftNode>: Any {
    /// A node's role, term or commit index changed, or it wrote to its disk (after the
    /// checkers ran on that step); or a node crashed or restarted.
    fn on_change(&mut self, _world: &World<N>) {}
    /// Whether it hears [`Observer::on_event`] (asked once, when attached: a run whose
    /// observers say no pays nothing per event).
    fn wants_every_event(&self) -> bool {
        false
    }
    /// An event of the queue ran and what it caused was carried out (sends are on their way).
    fn on_event(&mut self, _world: &World<N>) {}
    /// `node`'s term, or whether it leads, changed.
    fn on_role(&mut self, _world: &World<N>, _node: NodeId) {}
    /// `node` became leader (its role line is traced; its step's other outputs are not yet).
    fn on_new_leader(&mut self, _world: &World<N>, _node: NodeId) {}
    /// A fault action was taken, as the scenario step that replays it.
    fn on_fault(&mut self, _at_us: u64, _step: &Step) {}
    /// `node`, leader of `term`, accepted a client's proposal. An observer that watches a
    /// property (the liveness watch) answers with what it found broken.
    fn on_proposal(
        &mut self,
        _world: &World<N>,
        _node: NodeId,
        _term: Term,
    ) -> Option<(Property, String)> {
        None
    }
}

/// A fault schedule that runs inside the loop (`faults.rs`'s random one): the loop hands it
/// the events it queued for itself and tells it of every step, so that faults can aim at
/// protocol moments (a new leader, a reply behind a write). Its actions step nodes, which
/// calls it again: it is shared (`Rc`) and takes `&self`, so a nemesis with state of its own
/// keeps it in cells.
pub(crate) trait Nemesis<N: RaftNode> {
    /// One of its events came due.
    fn on_event(&self, world: &mut World<N>, event: NemesisEvent);
    /// `node` was stepped and gave `out`; `new_leader` is the term it just became leader of.
    fn after_step(
        &self,
        world: &mut World<N>,
        node: NodeId,
        new_leader: Option<Term>,
        out: &[Output<N::Message>],
    );
}

pub struct World<N: RaftNode = Node> {
    pub seed: u64,
    pub config: SimConfig,
    pub raft: raft::Config,
    pub(crate) now_us: u64,
    pub(crate) queue: EventQueue<Event<N::Message>>,
    pub hosts: Vec<Host<N>>,
    pub network: Network<N::Message>,
    pub(crate) fault_rng: ChaCha8Rng,
    pub(crate) workload_rng: ChaCha8Rng,
    pub checkers: Checkers,
    pub trace: Trace<N::Message>,
    pub clients: Clients,
    pub stats: Stats,
    scratch: Vec<Output<N::Message>>,
    /// Ticks and disk completions are traced only when asked (they are most of the events).
    pub trace_quiet_ticks: bool,
    /// The random fault schedule, while it runs.
    pub(crate) nemesis: Option<Rc<dyn Nemesis<N>>>,
    /// Writes made by scenario steps, answered when the node they were made at applies them.
    pub(crate) scripted_writes: Vec<(NodeId, Command)>,
    /// What hears the run (never part of the trace hash).
    observers: Vec<Box<dyn Observer<N>>>,
    /// Some observer wants `on_event`.
    every_event: bool,
    /// The virtual time at which each violation (in `checkers.violations()` order) was found.
    pub violation_times: Vec<u64>,
    /// The leader of the highest term so far and when it was elected.
    pub(crate) newest_leader: Option<(raft::Term, NodeId, u64)>,
    /// The node being stepped, if any: the one to blame for a panic.
    stepping: Option<NodeId>,
    /// A panic stopped the run: nothing more happens in this world (`guarded`).
    poisoned: bool,
    /// A configuration change or transfer was asked of this run (`membership.rs`): from then
    /// on each step compares the node's configuration before and after.
    pub(crate) membership_in_play: bool,
    /// Every server that was a member of a configuration so far: the boot voters and those a
    /// change added (`reconfig.rs` shuts down the ones removed since).
    pub(crate) ever_members: raft::NodeSet,
}

impl<N: RaftNode> World<N> {
    /// A cluster of `config.nodes` fresh nodes; every random choice derives from `seed`.
    pub fn new(
        seed: u64,
        config: SimConfig,
        raft: raft::Config,
        trace: Trace<N::Message>,
    ) -> World<N> {
        let members: Vec<NodeId> = (1..=config.nodes).map(NodeId).collect();
        let voters = config.boot_voters();
        let hosts = members
            .iter()
            .map(|&id| {
                Host::new(
                    id,
                    boot_node(id, &voters, &raft, &config, seed, 0, Default::default()),
                )
            })
            .collect();
        let mut world = World {
            seed,
            network: Network::new(
                config.nodes,
                config.network.clone(),
                stream(seed, Stream::Network),
            ),
            config,
            raft,
            now_us: 0,
            queue: EventQueue::default(),
            hosts,
            fault_rng: stream(seed, Stream::Faults),
            workload_rng: stream(seed, Stream::Workload),
            checkers: Checkers::new(),
            trace,
            clients: Clients::new(
                WorkloadConfig {
                    clients: 0,
                    ..WorkloadConfig::default()
                },
                members.len() as u8,
            ),
            stats: Stats::default(),
            scratch: Vec::new(),
            trace_quiet_ticks: true,
            nemesis: None,
            observers: Vec::new(),
            every_event: false,
            violation_times: Vec::new(),
            scripted_writes: Vec::new(),
            newest_leader: None,
            stepping: None,
            poisoned: false,
            membership_in_play: false,
            ever_members: raft::NodeSet::new(),
        };
        world.ever_members = world.config.boot_voters().into_iter().collect();
        if world.config.voters.is_some() {
            let voters = world.config.boot_voters().into_iter().collect();
            world.checkers.set_boot_voters(voters);
        }
        for id in members {
            // Each node's clock starts at its own phase within the first tick.
            let phase = world.fault_rng.gen_range(0..world.config.tick_us);
            let phase = if world.config.aligned_clocks {
                0
            } else {
                phase
            };
            world.schedule_tick(id, phase);
        }
        world
    }

    /// Starts a client workload (none runs by default).
    pub fn start_clients(&mut self, config: WorkloadConfig) {
        self.clients = Clients::new(config, self.config.nodes);
        for c in 0..self.clients.config.clients {
            let mut rng = crate::rng::keyed(&self.workload_rng, (2 << 32) | c as u64, 0);
            let at = self.now_us + rng.gen_range(0..self.config.tick_us * 10);
            self.queue.push(at, Event::ClientWake { client: c });
        }
    }

    pub fn now_us(&self) -> u64 {
        self.now_us
    }

    pub fn violations(&self) -> &[Violation] {
        self.checkers.violations()
    }

    pub fn node(&self, id: NodeId) -> Option<&N> {
        self.hosts[id.0 as usize - 1].node.as_ref()
    }

    pub fn ids(&self) -> impl Iterator<Item = NodeId> {
        (1..=self.config.nodes).map(NodeId)
    }

    /// The live leader with the highest term, if any.
    pub fn leader(&self) -> Option<NodeId> {
        self.ids()
            .filter_map(|id| self.node(id).map(|n| (n, id)))
            .filter(|(n, _)| n.role_kind() == RoleKind::Leader)
            .max_by_key(|(n, _)| n.current_term())
            .map(|(_, id)| id)
    }

    /// Whether the run is out of its bounds (events or virtual time).
    pub fn exhausted(&self) -> bool {
        self.stats.events >= self.config.max_events || self.now_us >= self.config.max_time_us
    }

    pub(crate) fn schedule(&mut self, at_us: u64, event: Event<N::Message>) {
        self.queue.push(at_us, event);
    }

    pub(crate) fn record(&mut self, event: TraceEvent<N::Message>) {
        self.trace.record(self.now_us, event);
    }

    /// Tells the observers of a fault action, as the scenario step that replays it.
    pub(crate) fn note_step(&mut self, step: Step) {
        let at = self.now_us;
        for o in self.observers.iter_mut() {
            o.on_fault(at, &step);
        }
    }

    /// Reports a violation found outside the per-event checks (liveness, linearizability).
    pub(crate) fn report(&mut self, property: crate::checker::Property, detail: String) {
        self.report_at(property, None, detail);
    }

    fn report_at(
        &mut self,
        property: crate::checker::Property,
        node: Option<NodeId>,
        detail: String,
    ) {
        let found = self.checkers.violations().len();
        self.checkers.report_external(property, node, detail);
        if self.checkers.violations().len() > found {
            self.violation_times.push(self.now_us);
        }
    }

    /// Runs `f` on the world unless a panic already stopped the run. A panic inside `f` (in a
    /// node or in the simulator) is reported as a violation of `Panic`, naming the node being
    /// stepped, and stops the run: every later `guarded` call, step and run does nothing.
    pub fn guarded(&mut self, f: impl FnOnce(&mut World<N>)) {
        if self.poisoned {
            return;
        }
        if let Err(message) = crate::panic::catch(|| f(&mut *self)) {
            self.poisoned = true;
            let node = self.stepping.take();
            let who = node.map_or("the simulator".to_string(), |n| n.to_string());
            let detail = format!("{who} panicked: {message}");
            self.report_at(crate::checker::Property::Panic, node, detail);
        }
    }

    /// Whether a panic stopped the run.
    pub fn panicked(&self) -> bool {
        self.poisoned
    }

    /// Attaches an observer: it hears everything from now on.
    pub fn observe(&mut self, observer: impl Observer<N>) {
        self.every_event |= observer.wants_every_event();
        self.observers.push(Box::new(observer));
    }

    /// The attached observer of type `T`, if any.
    pub fn observer<T: Observer<N>>(&self) -> Option<&T> {
        self.observers
            .iter()
            .find_map(|o| (&**o as &dyn Any).downcast_ref::<T>())
    }

    /// The attached observer of type `T`, to change what it records (a scenario tells the
    /// pictures' frames which step they belong to).
    pub fn observer_mut<T: Observer<N>>(&mut self) -> Option<&mut T> {
        self.observers
            .iter_mut()
            .find_map(|o| (&mut **o as &mut dyn Any).downcast_mut::<T>())
    }

    /// Detaches the observer of type `T` and hands it back.
    pub fn detach<T: Observer<N>>(&mut self) -> Option<T> {
        let i = self
            .observers
            .iter()
            .position(|o| (&**o as &dyn Any).is::<T>())?;
        let o: Box<dyn Any> = self.observers.remove(i);
        self.every_event = self.observers.iter().any(|o| o.wants_every_event());
        o.downcast::<T>().ok().map(|b| *b)
    }

    /// Calls `f` on every observer, with the world as it is.
    pub(crate) fn notify(&mut self, mut f: impl FnMut(&mut dyn Observer<N>, &World<N>)) {
        if self.observers.is_empty() {
            return;
        }
        let mut observers = std::mem::take(&mut self.observers);
        for o in observers.iter_mut() {
            f(o.as_mut(), self);
        }
        self.observers = observers;
    }

    /// `node`, leader of `term`, accepted a proposal: observers that watch a property are
    /// asked, and what they found is reported.
    pub(crate) fn proposal_accepted(&mut self, node: NodeId, term: Term) {
        let mut found = Vec::new();
        self.notify(|o, w| found.extend(o.on_proposal(w, node, term)));
        for (property, detail) in found {
            self.report(property, detail);
        }
    }

    /// Whether the random fault schedule runs.
    pub fn faulting(&self) -> bool {
        self.nemesis.is_some()
    }

    /// Stops the random fault schedule: its queued events come due and do nothing.
    pub(crate) fn stop_nemesis(&mut self) {
        self.nemesis = None;
    }

    // ----- The loop -----

    /// Runs the earliest event. Returns false when nothing is left, the bounds are reached or
    /// a panic stopped the run.
    pub fn step(&mut self) -> bool {
        let mut stepped = false;
        self.guarded(|w| stepped = w.step_unguarded());
        stepped && !self.poisoned
    }

    fn step_unguarded(&mut self) -> bool {
        if self.exhausted() {
            return false;
        }
        let Some((t, event)) = self.queue.pop() else {
            return false;
        };
        debug_assert!(t >= self.now_us, "virtual time never goes back");
        self.now_us = t;
        self.stats.events += 1;
        match event {
            Event::Deliver {
                from,
                to,
                message,
                duplicate,
                sent_us,
            } => self.deliver(from, to, message, duplicate, sent_us),
            Event::Tick { node, incarnation } => self.tick(node, incarnation),
            Event::DiskDone { node, incarnation } => self.disk_done(node, incarnation),
            Event::Supervisor { node, incarnation } => self.supervisor_restart(node, incarnation),
            Event::ClientWake { client } => self.client_wake(client),
            Event::ClientTimeout { client, attempt } => self.client_timeout(client, attempt),
            Event::Nemesis(e) => {
                if let Some(nemesis) = self.nemesis.clone() {
                    nemesis.on_event(self, e);
                }
            }
        }
        if self.every_event {
            self.notify(|o, w| o.on_event(w));
        }
        true
    }

    /// Runs every event up to and including virtual time `until_us`; returns false if the
    /// bounds (or a panic) stopped it first.
    pub fn run_until(&mut self, until_us: u64) -> bool {
        let mut finished = false;
        self.guarded(|w| {
            while w.queue.peek_time().is_some_and(|t| t <= until_us) {
                if !w.step_unguarded() {
                    return;
                }
            }
            w.now_us = w.now_us.max(until_us);
            finished = true;
        });
        finished
    }

    /// Runs until `done` holds (checked after every event) or `deadline_us` passes.
    pub fn run_while(&mut self, deadline_us: u64, mut done: impl FnMut(&World<N>) -> bool) -> bool {
        let mut reached = false;
        self.guarded(|w| loop {
            if done(w) {
                reached = true;
                return;
            }
            if w.queue.peek_time().is_none_or(|t| t > deadline_us) {
                w.now_us = w.now_us.max(deadline_us);
                reached = done(w);
                return;
            }
            if !w.step_unguarded() {
                reached = done(w); // a cap stopped it: time stays where it stopped
                return;
            }
        });
        reached || done(self)
    }

    fn deliver(
        &mut self,
        from: NodeId,
        to: NodeId,
        message: N::Message,
        duplicate: bool,
        sent_us: u64,
    ) {
        let host = &mut self.hosts[to.0 as usize - 1];
        if host.paused && self.network.is_up(from, to) {
            // Still in flight: it arrives when the node resumes.
            host.paused_inbox.push((from, message));
            return;
        }
        self.network.arrived(from, to);
        let reason = if !self.network.is_up(from, to) {
            Some(DropReason::Partition)
        } else if !self.hosts[to.0 as usize - 1].is_alive() {
            Some(DropReason::Crashed)
        } else {
            None
        };
        if let Some(reason) = reason {
            self.stats.messages_dropped += 1;
            return self.record(TraceEvent::Drop {
                from,
                to,
                message,
                reason,
                sent_us,
            });
        }
        self.stats.messages_delivered += 1;
        // Traced without a copy of the message unless the trace keeps its lines.
        let event = TraceEvent::Deliver {
            from,
            to,
            message,
            duplicate,
            sent_us,
        };
        let TraceEvent::Deliver { message, .. } = self.trace.record_and_return(self.now_us, event)
        else {
            unreachable!("the event given back is the one recorded")
        };
        if message.kind() == raft::MessageKind::RequestVoteResponse {
            if let Some((term, true)) = message.vote_response() {
                self.checkers.on_vote_granted(to, from, term);
            }
        }
        let ask = VoteAsk::of(from, &message);
        self.input_asked(to, ask, |node, out| node.step(from, message, out));
    }

    fn tick(&mut self, id: NodeId, incarnation: u64) {
        let host = &self.hosts[id.0 as usize - 1];
        if host.incarnation != incarnation || !host.is_alive() {
            return;
        }
        let interval = host.tick_interval_us(self.config.tick_us);
        let paused = host.paused;
        self.schedule_tick(id, self.now_us + interval);
        if paused {
            // The process is frozen but its clock runs on: it sees these ticks when it resumes.
            self.hosts[id.0 as usize - 1].missed_ticks += 1;
            return;
        }
        if !self.trace_quiet_ticks {
            self.record(TraceEvent::Tick { node: id });
        }
        self.input(id, |node, out| node.tick(out));
    }

    pub(crate) fn schedule_tick(&mut self, id: NodeId, at_us: u64) {
        let incarnation = self.hosts[id.0 as usize - 1].incarnation;
        self.queue.push(
            at_us,
            Event::Tick {
                node: id,
                incarnation,
            },
        );
    }

    /// The one path by which a node takes an input: step it, trace what changed, run the
    /// checkers on its outputs, then carry the outputs out in order.
    pub(crate) fn input(
        &mut self,
        id: NodeId,
        f: impl FnOnce(&mut N, &mut Vec<Output<N::Message>>),
    ) {
        self.input_asked(id, None, f);
    }

    /// [`World::input`] for a delivered message, with the vote request it carries, if any.
    fn input_asked(
        &mut self,
        id: NodeId,
        ask: Option<VoteAsk>,
        f: impl FnOnce(&mut N, &mut Vec<Output<N::Message>>),
    ) {
        self.step_node(id, ask, f);
        self.drain(id);
    }

    /// Steps a live node, traces what changed, runs the checkers on its outputs and queues the
    /// outputs behind those already waiting in its outbox. `ask`: the step delivers a vote
    /// request, and a denial is traced with its reason (from the node's state before the step).
    fn step_node(
        &mut self,
        id: NodeId,
        ask: Option<VoteAsk>,
        f: impl FnOnce(&mut N, &mut Vec<Output<N::Message>>),
    ) {
        let i = id.0 as usize - 1;
        let Some(node) = self.hosts[i].node.as_mut() else {
            return;
        };
        let before = (node.role_kind(), node.current_term(), node.commit_index());
        let membership_before = if self.membership_in_play {
            node.membership()
        } else {
            None
        };
        let voter = ask.map(|_| Voter::of(&*node));
        let mut out = std::mem::take(&mut self.scratch);
        out.clear();
        self.stepping = Some(id);
        f(node, &mut out);
        self.stepping = None;
        let after = (node.role_kind(), node.current_term(), node.commit_index());
        let new_leader = self.note_changes(id, before, after, &out);
        let found = self.checkers.violations().len();
        self.checkers.after_step(id, &out, &HostsView(&self.hosts));
        if self.checkers.violations().len() > found {
            self.violation_times.push(self.now_us);
        }
        self.note_log_changes(id, before.2, after.2);
        if membership_before.is_some() {
            self.note_membership(id, membership_before);
        }
        if self.hosts[i].booted_damaged.is_some() {
            self.note_repair(id);
        }
        if let (Some(ask), Some(voter)) = (ask, voter) {
            if let Some(denied) = vote::denial(id, &ask, &voter, &out, &self.raft) {
                self.record(denied);
            }
        }
        if !self.observers.is_empty()
            && (before != after || out.iter().any(|o| matches!(o, Output::Persist(_))))
        {
            self.notify(|o, w| o.on_change(w));
        }
        if let Some(nemesis) = self.nemesis.clone() {
            nemesis.after_step(self, id, new_leader, &out);
        }
        self.hosts[i].enqueue(out.drain(..));
        self.scratch = out;
    }

    /// Counts and traces a step's change of role or term (its log changes are traced after
    /// the checkers looked at them); returns the term `id` just became leader of.
    fn note_changes(
        &mut self,
        id: NodeId,
        before: (RoleKind, raft::Term, raft::LogIndex),
        after: (RoleKind, raft::Term, raft::LogIndex),
        out: &[Output<N::Message>],
    ) -> Option<Term> {
        let (role, term, _) = after;
        let leads = |r: RoleKind| r == RoleKind::Leader;
        if before.1 != term || leads(before.0) != leads(role) {
            self.notify(|o, w| o.on_role(w, id));
        }
        let mut new_leader = None;
        if leads(role) && self.newest_leader.is_none_or(|(t, _, _)| t < term) {
            self.newest_leader = Some((term, id, self.now_us));
        }
        if (before.0, before.1) != (role, term) {
            if role == RoleKind::Candidate {
                self.stats.elections += 1;
            }
            if role == RoleKind::Leader {
                self.stats.leader_changes += 1;
            }
            self.stats.highest_term = self.stats.highest_term.max(term.0);
            self.record(TraceEvent::Role {
                node: id,
                role,
                term,
            });
            if role == RoleKind::Leader {
                self.notify(|o, w| o.on_new_leader(w, id));
                new_leader = Some(term);
            }
        }
        for o in out {
            match o {
                Output::Persist(Persist::Truncate { .. }) => self.stats.truncations += 1,
                Output::Persist(Persist::Snapshot(s)) => {
                    let installed = out
                        .iter()
                        .any(|o| matches!(o, Output::ApplySnapshot { .. }));
                    self.record(TraceEvent::Snapshot {
                        node: id,
                        index: s.last_included_index,
                        term: s.last_included_term,
                        installed,
                    });
                }
                _ => {}
            }
        }
        new_leader
    }

    /// Traces what each truncation of the step deleted (the checkers saw it in their shadow
    /// of the logs; implementation-neutral, since every node asks for deletions by `Persist`),
    /// then the new commit index: in the order a follower does them (§5.3, Figure 2's
    /// AppendEntries receiver, steps 3 to 5).
    #[inline]
    fn note_log_changes(&mut self, id: NodeId, commit_before: LogIndex, commit: LogIndex) {
        if self.checkers.has_truncations() {
            self.note_truncations();
        }
        if commit > commit_before {
            self.stats.commits += 1;
            self.record(TraceEvent::Commit {
                node: id,
                index: commit,
            });
        }
    }

    #[cold]
    fn note_truncations(&mut self) {
        for t in self.checkers.take_truncations() {
            self.record(TraceEvent::Truncate {
                node: t.node,
                after: LogIndex(t.from.0 - 1),
                dropped: t.deleted,
            });
        }
    }

    /// A node that booted on a damaged log was repaired by this step: the trace says so, once.
    fn note_repair(&mut self, id: NodeId) {
        let host = &mut self.hosts[id.0 as usize - 1];
        let Some(node) = host.node.as_ref() else {
            return;
        };
        if node.repairing() {
            return;
        }
        let (term, leader) = (node.current_term(), node.leader());
        host.booted_damaged = None;
        let by = leader.map_or(String::new(), |l| format!(" by {l}, leader of term {term}"));
        self.record(TraceEvent::Fault {
            description: format!(
                "{id} is repaired{by}: its log holds that leader's commit index again, and it votes and campaigns as before"
            ),
        });
    }

    /// Carries out a node's outputs in order until one waits for the disk (the ordering
    /// contract of `host.rs`).
    fn drain(&mut self, id: NodeId) {
        let i = id.0 as usize - 1;
        if !self.hosts[i].writing.is_empty() {
            return; // waiting for the disk; `disk_done` resumes
        }
        while let Some((writes_before, output)) = self.hosts[i].outbox.pop_front() {
            if let Output::Persist(write) = output {
                let host = &mut self.hosts[i];
                host.writing.push(write);
                while let Some((_, Output::Persist(_))) = host.outbox.front() {
                    let Some((_, Output::Persist(w))) = host.outbox.pop_front() else {
                        unreachable!()
                    };
                    host.writing.push(w);
                }
                if self.config.disk_latency_us == 0 {
                    self.writes_done(id);
                    continue;
                }
                let incarnation = host.incarnation;
                let at = self.now_us + self.config.disk_latency_us;
                self.queue.push(
                    at,
                    Event::DiskDone {
                        node: id,
                        incarnation,
                    },
                );
                return;
            }
            let durable = self.hosts[i].writes_durable;
            assert!(
                durable >= writes_before,
                "host ordering contract broken: {id}'s output {output:?} follows {writes_before} writes, only {durable} are durable"
            );
            match output {
                Output::Send { to, message } => self.send(id, to, message),
                Output::Apply { entry } => self.applied(id, entry),
                Output::ReadReady { ctx, index } => self.read_ready(id, ctx, index),
                Output::ReadRejected { ctx, leader } => self.read_rejected(ctx, leader),
                Output::SnapshotWanted { index } => self.take_snapshot(id, index),
                Output::ApplySnapshot { snapshot } => self.snapshot_applied(id, &snapshot),
                Output::Persist(_)
                | Output::Committed { .. }
                | Output::ProposalAccepted { .. }
                | Output::ProposalRejected(_) => {}
            }
        }
    }

    /// §7: the node asked for a snapshot at `index`; the host has carried out every `Apply`
    /// before the request, so its store is the state machine as of `index`. The compaction's
    /// write joins the outbox behind what is already waiting.
    fn take_snapshot(&mut self, id: NodeId, index: LogIndex) {
        let data = self.hosts[id.0 as usize - 1].kv.to_snapshot();
        self.step_node(id, None, |node, out| {
            node.compact(index, data, out)
                .unwrap_or_else(|e| panic!("{id} refused the snapshot it asked for: {e}"))
        });
    }

    /// The writes in flight reached the disk: the node hears so (`Node::persisted`, with the
    /// disk's last entry), and its answer joins the outbox.
    fn writes_done(&mut self, id: NodeId) {
        let i = id.0 as usize - 1;
        if self.hosts[i].fsync_fail_next {
            self.hosts[i].fsync_fail_next = false;
            if !self.fsync_failed(id) {
                return;
            }
        }
        let host = &mut self.hosts[i];
        self.stepping = Some(id); // a write the disk cannot take is the node's
        let writes = host.finish_writes();
        self.stepping = None;
        let synced = host.synced();
        if !self.trace_quiet_ticks {
            self.record(TraceEvent::Durable { node: id, writes });
        }
        self.step_node(id, None, |node, out| node.persisted(synced, out));
    }

    fn disk_done(&mut self, id: NodeId, incarnation: u64) {
        if self.hosts[id.0 as usize - 1].incarnation != incarnation {
            return;
        }
        self.writes_done(id);
        self.drain(id);
    }

    fn send(&mut self, from: NodeId, to: NodeId, message: N::Message) {
        if crate::node::RaftMessage::kind(&message) == raft::MessageKind::Snapshot {
            self.stats.disk.snapshots_sent += 1;
        }
        match self.network.send(self.now_us, from, to, &message) {
            Fate::Deliver {
                latency_us,
                copy_latency_us,
            } => {
                if let Some(copy_us) = copy_latency_us {
                    let copy = Event::Deliver {
                        from,
                        to,
                        message: message.clone(),
                        duplicate: true,
                        sent_us: self.now_us,
                    };
                    self.queue.push(self.now_us + copy_us, copy);
                }
                let event = Event::Deliver {
                    from,
                    to,
                    message,
                    duplicate: false,
                    sent_us: self.now_us,
                };
                self.queue.push(self.now_us + latency_us, event);
            }
            Fate::Dropped(reason) => {
                self.stats.messages_dropped += 1;
                self.record(TraceEvent::Drop {
                    from,
                    to,
                    message,
                    reason,
                    sent_us: self.now_us,
                });
            }
            Fate::Held => self.record(TraceEvent::Hold { from, to, message }),
        }
    }
}

impl<N: RaftNode> World<N> {
    /// Boots node `id` from `disk` now (first boot or restart).
    pub(crate) fn new_node(&self, id: NodeId, disk: raft::DurableState) -> N {
        let members = self.config.boot_voters();
        boot_node(
            id,
            &members,
            &self.raft,
            &self.config,
            self.seed,
            self.now_us,
            disk,
        )
    }
}

fn boot_node<N: RaftNode>(
    id: NodeId,
    members: &[NodeId],
    raft: &raft::Config,
    sim: &SimConfig,
    seed: u64,
    started_us: u64,
    disk: raft::DurableState,
) -> N {
    // Keyed by when the node (re)starts, not by how many times it did: removing an earlier
    // crash while shrinking leaves later restarts' draws alone.
    let node_seed = stream_seed(seed, Stream::Node(id.0)) ^ started_us.wrapping_mul(0x9E37_79B9);
    let boot = crate::node::Boot {
        id,
        members,
        config: raft,
        lease_reads: sim.read_mode == crate::client::ReadMode::Lease,
        seed: node_seed,
        disk,
    };
    N::boot(boot).unwrap_or_else(|e| panic!("{} cannot run this configuration: {e}", N::NAME))
}
