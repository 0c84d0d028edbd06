//! The node: Figure 2's state, its three inputs (`tick`, `step`, `propose`), and the ordered
//! outputs they produce. The election rules live in `election.rs`, log replication and commit in
//! `replication.rs`; this file holds the state and the rules "for all servers".

use crate::config::{BugKnob, Config, ConfigError};
use crate::log::RaftLog;
use crate::membership::Transfer;
use crate::message::Message;
use crate::output::{DurableState, Output, Persist, Rejection, Snapshot, Synced};
use crate::types::{Command, Entry, LogIndex, Membership, NodeId, NodeSet, Term};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

/// Figure 2, "Volatile state on leaders", one per follower.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Progress {
    pub peer: NodeId,
    /// Index of the next log entry to send to that server.
    pub next_index: LogIndex,
    /// Index of the highest log entry known to be replicated on that server.
    /// Invariant: match_index only grows within one leadership.
    pub match_index: LogIndex,
    /// §7: when (node ticks) the last InstallSnapshot went to it, and up to which index.
    #[serde(skip)]
    pub snapshot_sent: Option<(u64, LogIndex)>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Role {
    Follower,
    /// Thesis §9.6: asking for pre-votes, its term not yet raised.
    PreCandidate {
        votes: NodeSet,
    },
    Candidate {
        votes: NodeSet,
    },
    Leader {
        progress: Vec<Progress>,
    },
}

/// The role's name alone, for checkers and renderers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum RoleKind {
    Follower,
    PreCandidate,
    Candidate,
    Leader,
}

impl std::fmt::Display for RoleKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            RoleKind::Follower => "follower",
            RoleKind::PreCandidate => "pre-candidate",
            RoleKind::Candidate => "candidate",
            RoleKind::Leader => "leader",
        })
    }
}

pub struct Node {
    pub(crate) id: NodeId,
    /// The other members of its configuration (voters, learners, outgoing voters), in
    /// increasing id order: the servers a leader replicates to. A leader's `progress` and
    /// its read rounds' answers are kept in this order.
    pub(crate) peers: Vec<NodeId>,
    /// The configuration the node was started with, in force while neither its log nor its
    /// snapshot holds one (membership.rs).
    pub(crate) boot_membership: Membership,
    /// Thesis §4.1: the configuration in force, the latest in its log.
    /// Invariant: equals the log's latest configuration (else the snapshot's, else the boot
    /// one) after every input; `refresh_membership` keeps it so.
    pub(crate) membership: Membership,
    /// The index of the entry that configuration came from (0: the boot configuration).
    pub(crate) membership_index: LogIndex,
    /// Thesis §3.10: the leadership transfer in progress. Only a leader has one.
    pub(crate) transfer: Option<Transfer>,
    pub(crate) config: Config,
    /// The node's own random stream; the only source of its randomness (election timeouts).
    rng: ChaCha8Rng,
    /// Election timeouts drawn so far in the current term: the n-th draw of term t comes from
    /// the node's stream at (t, n), so it does not depend on how many draws earlier terms made.
    timeouts_drawn: (Term, u64),

    // Figure 2, "Persistent state on all servers".
    pub(crate) current_term: Term,
    pub(crate) voted_for: Option<NodeId>,
    pub(crate) log: RaftLog,

    // Figure 2, "Volatile state on all servers".
    // Invariant: last_applied <= commit_index <= log.last_index().
    pub(crate) commit_index: LogIndex,
    pub(crate) last_applied: LogIndex,
    /// The longest prefix of `log` that the host reported on stable storage (`persisted`).
    /// A leader counts itself toward a majority only up to here (§5.3: committed means
    /// replicated on a majority of servers, on their stable storage).
    /// Invariant: durable_index <= log.last_index().
    pub(crate) durable_index: LogIndex,
    /// The highest currentTerm the host reported on stable storage.
    pub(crate) durable_term: Term,

    pub(crate) role: Role,
    pub(crate) leader_id: Option<NodeId>,
    pub(crate) election_elapsed: u32,
    pub(crate) election_timeout: u32,
    pub(crate) heartbeat_elapsed: u32,
    /// The node's own clock: ticks since it started (leases are measured on it).
    pub(crate) ticks: u64,
    /// The term its disk held when it started.
    pub(crate) started_in_term: Term,
    /// Its disk was damaged (`DurableState::damaged`) and no leader has repaired its log yet:
    /// it stays out of elections (recovery.rs). Invariant: only ever goes from true to false,
    /// and while true the node is a follower.
    pub(crate) repairing: bool,
    /// While repairing: the last entry its log held before the damage, (index, term).
    pub(crate) written_last: (LogIndex, Term),
    /// CheckQuorum: followers that answered this leader (an AppendEntries or heartbeat
    /// response of its term) since the last check, and ticks since that check. A PreVote does
    /// not count: it comes from a server that stopped hearing the leader.
    pub(crate) recent_active: NodeSet,
    pub(crate) quorum_elapsed: u32,
    pub(crate) reads: crate::read::ReadState,
    /// §7: the latest snapshot, taken or installed, what a leader sends to a follower behind.
    /// Invariant: its last included (index, term) is `log.last_included()`.
    pub(crate) snapshot: Option<Snapshot>,
    /// The applied index of the last `SnapshotWanted` (the node asks once per threshold).
    pub(crate) snapshot_asked: LogIndex,

    // Outputs of the current input, released in dependency order by `flush`.
    persisted_hard: (Term, Option<NodeId>),
    pub(crate) pending_persist: Vec<Persist>,
    pub(crate) pending_sends: Vec<Output>,
    pub(crate) pending_notices: Vec<Output>,
}

impl Node {
    /// A node starting (or restarting) from `durable`, the state its disk holds. `members` lists
    /// the voters of the cluster's boot configuration, the same at every server; a server
    /// outside it joins when a leader's configuration entry names it (membership.rs).
    pub fn new(
        id: NodeId,
        members: &[NodeId],
        config: Config,
        seed: u64,
        durable: DurableState,
    ) -> Result<Node, ConfigError> {
        config.validate()?;
        let boot_membership = Membership::of_voters(members.iter().copied().collect());
        let mut others = boot_membership.members();
        others.remove(id);
        let peers: Vec<NodeId> = others.iter().collect();
        let (included, included_term) = durable
            .snapshot
            .as_ref()
            .map_or((LogIndex(0), Term(0)), |s| {
                (s.last_included_index, s.last_included_term)
            });
        let log = RaftLog::from_snapshot(included, included_term, durable.log)
            .with_included_membership(durable.snapshot.as_ref().and_then(|s| s.membership));
        let repairing = Node::repairing_at_boot(&config, durable.damaged.is_some());
        let written_last = durable
            .damaged
            .map_or((LogIndex(0), Term(0)), |d| (d.last_index, d.last_term));
        let mut node = Node {
            id,
            peers,
            boot_membership,
            membership: boot_membership,
            membership_index: LogIndex(0),
            transfer: None,
            config,
            rng: ChaCha8Rng::seed_from_u64(seed),
            timeouts_drawn: (Term(0), 0),
            current_term: durable.current_term,
            voted_for: durable.voted_for,
            durable_index: log.last_index(),
            durable_term: durable.current_term,
            log,
            // §7: a snapshot holds only committed entries, and the host restores its state
            // machine from it at restart.
            commit_index: included,
            last_applied: included,
            role: Role::Follower,
            leader_id: None,
            election_elapsed: 0,
            election_timeout: 0,
            heartbeat_elapsed: 0,
            ticks: 0,
            started_in_term: durable.current_term,
            repairing,
            written_last,
            recent_active: NodeSet::new(),
            quorum_elapsed: 0,
            reads: Default::default(),
            snapshot: durable.snapshot,
            snapshot_asked: included,
            persisted_hard: (durable.current_term, durable.voted_for),
            pending_persist: Vec::new(),
            pending_sends: Vec::new(),
            pending_notices: Vec::new(),
        };
        node.refresh_membership();
        node.reset_election_timer();
        Ok(node)
    }

    // ----- Inputs -----

    /// Time passes by one tick. Followers and candidates count toward their election timeout
    /// (§5.2); leaders count toward their next heartbeat.
    pub fn tick(&mut self, out: &mut Vec<Output>) {
        self.ticks += 1;
        match self.role {
            Role::Leader { .. } => {
                self.heartbeat_elapsed += 1;
                if self.heartbeat_elapsed >= self.config.heartbeat_interval_ticks {
                    self.heartbeat_elapsed = 0;
                    if self.config.heartbeats_carry_entries {
                        self.broadcast_append();
                    } else {
                        self.broadcast_heartbeat();
                    }
                    if self.config.check_quorum {
                        // Keeps the lease fresh (thesis §6.4.1).
                        self.start_round();
                    }
                }
                self.check_quorum();
                self.tick_transfer();
            }
            Role::Follower | Role::PreCandidate { .. } | Role::Candidate { .. } => {
                self.election_elapsed += 1;
                if self.election_elapsed >= self.election_timeout {
                    self.start_election();
                }
            }
        }
        self.flush(out);
    }

    /// Thesis §6.2, CheckQuorum: a leader that has not heard from a majority within the minimum
    /// election timeout steps down, so that a leader cut off in a minority stops serving.
    fn check_quorum(&mut self) {
        if !self.config.check_quorum {
            return;
        }
        self.quorum_elapsed += 1;
        if self.quorum_elapsed < self.config.election_timeout_min_ticks {
            return;
        }
        self.quorum_elapsed = 0;
        let mut active = self.recent_active;
        active.insert(self.id);
        self.recent_active = NodeSet::new();
        if !self.membership.has_quorum(active) {
            self.become_follower(self.current_term, None);
        }
    }

    /// Thesis §4.2.3: with CheckQuorum, a server that heard from a leader within the minimum
    /// election timeout ignores requests to vote (the leader itself too): the lease that lease
    /// reads rely on. A server that has just restarted counts as having heard from one: it may
    /// have answered a leader's heartbeat round just before it crashed, and it cannot know, so
    /// a leader's lease confirmed by it must not end at its restart. (A disk still in term 0
    /// has never heard of a leader.)
    pub(crate) fn in_leader_lease(&self) -> bool {
        let min = self.config.election_timeout_min_ticks;
        let restarted = self.started_in_term > Term(0) && self.ticks < min as u64;
        self.config.check_quorum
            && match self.role {
                Role::Leader { .. } => true,
                _ => (self.leader_id.is_some() && self.election_elapsed < min) || restarted,
            }
    }

    /// Makes this node start an election now, as if its election timeout had passed. The
    /// simulator uses it for scripted scenarios ("S5 times out first"). A node repairing its
    /// log does nothing (recovery.rs), and so does one that is no voter of its configuration
    /// (membership.rs).
    pub fn timeout_now(&mut self, out: &mut Vec<Output>) {
        if !matches!(self.role, Role::Leader { .. }) && !self.repairing && self.promotable() {
            self.campaign();
        }
        self.flush(out);
    }

    /// A message arrives from `from`.
    pub fn step(&mut self, from: NodeId, message: Message, out: &mut Vec<Output>) {
        if self.observe_term(from, &message) {
            self.dispatch(from, message);
        }
        self.flush(out);
    }

    /// A client asks the cluster to replicate `command`. Only a leader accepts (§5.3), and not
    /// while it transfers its leadership (thesis §3.10).
    pub fn propose(&mut self, command: Command, out: &mut Vec<Output>) {
        if let Some(refusal) = self.transfer_refusal() {
            self.pending_notices.push(Output::ProposalRejected(refusal));
        } else if matches!(self.role, Role::Leader { .. }) {
            let entry = self.append_own(command);
            self.pending_notices.push(Output::ProposalAccepted {
                index: entry.index,
                term: entry.term,
            });
            // §5.3: committed once "replicated on a majority of the servers". The leader's own
            // copy counts once it is durable (`persisted`); in a cluster of one it is the whole
            // majority.
            self.broadcast_append();
        } else {
            self.pending_notices
                .push(Output::ProposalRejected(Rejection::NotLeader {
                    leader: self.leader_id,
                }));
        }
        self.flush(out);
    }

    /// The host's stable storage finished the writes this node asked for; `synced` is what it
    /// now holds. A leader counts its own log toward a majority only up to what is durable (as
    /// etcd raft does with the self-addressed append response it steps after the write), and a
    /// candidate counts its own vote only once the term it voted in is durable: an entry or a
    /// vote that a crash can still erase is never counted.
    pub fn persisted(&mut self, synced: Synced, out: &mut Vec<Output>) {
        self.durable_term = self.durable_term.max(synced.current_term);
        // Writes reach the disk in the order they were asked for, so the disk holds a prefix of
        // a log this node had. If our log still has that entry, the prefix up to it is ours.
        let (index, term) = (synced.last_index, synced.last_term);
        if self.log.matches(index, term) && index > self.durable_index {
            self.durable_index = index;
            self.maybe_commit();
        }
        self.count_own_vote();
        self.flush(out);
    }

    // ----- Rules for all servers (Figure 2) -----

    /// Figure 2, "Rules for Servers / All Servers": "If RPC request or response contains term
    /// T > currentTerm: set currentTerm = T, convert to follower (§5.1)." Requests from an older
    /// term are refused with our term, so their sender learns it is stale; replies from an older
    /// term are dropped (§5.1), unless `accept-stale-term-replies` is on. Returns whether the
    /// message should still be handled.
    fn observe_term(&mut self, from: NodeId, message: &Message) -> bool {
        if matches!(
            message,
            Message::PreVote { .. } | Message::PreVoteResponse { .. }
        ) {
            return true; // pre-votes change no term (thesis §9.6); see election.rs
        }
        let term = message.term();
        if term > self.current_term {
            // §4.2.3, unless the candidate campaigns on its leader's TimeoutNow (§3.10).
            let transfer = matches!(message, Message::RequestVote { transfer: true, .. });
            if matches!(message, Message::RequestVote { .. }) && self.in_leader_lease() && !transfer
            {
                return false;
            }
            let leader = matches!(
                message,
                Message::AppendEntries { .. }
                    | Message::Heartbeat { .. }
                    | Message::InstallSnapshot { .. }
                    | Message::TimeoutNow { .. }
            )
            .then_some(from);
            self.become_follower(term, leader);
            return true;
        }
        if term == self.current_term {
            return true;
        }
        match message {
            Message::RequestVote { .. } => {
                self.send(from, self.vote_response(false));
                false
            }
            Message::AppendEntries { .. } => {
                let last_index = self.log.last_index();
                self.send(
                    from,
                    Message::AppendEntriesResponse {
                        term: self.current_term,
                        success: false,
                        last_index,
                    },
                );
                false
            }
            Message::Heartbeat { .. } => {
                let reply = Message::HeartbeatResponse {
                    term: self.current_term,
                    round: 0,
                };
                self.send(from, reply);
                false
            }
            Message::RequestVoteResponse { .. }
            | Message::AppendEntriesResponse { .. }
            | Message::HeartbeatResponse { .. }
            | Message::InstallSnapshotResponse { .. } => {
                self.config.bugs.contains(BugKnob::AcceptStaleTermReplies)
            }
            Message::TimeoutNow { .. } => false,
            Message::InstallSnapshot { .. } => {
                let reply = self.snapshot_response(self.commit_index);
                self.send(from, reply);
                false
            }
            Message::PreVote { .. } | Message::PreVoteResponse { .. } => unreachable!(),
        }
    }

    fn dispatch(&mut self, from: NodeId, message: Message) {
        match message {
            Message::RequestVote {
                candidate,
                last_log_index,
                last_log_term,
                commit_index,
                ..
            } => self.handle_request_vote(candidate, last_log_index, last_log_term, commit_index),
            Message::RequestVoteResponse { vote_granted, .. } => {
                self.handle_vote_response(from, vote_granted)
            }
            Message::AppendEntries {
                leader,
                prev_log_index,
                prev_log_term,
                entries,
                leader_commit,
                ..
            } => self.handle_append_entries(
                leader,
                prev_log_index,
                prev_log_term,
                entries,
                leader_commit,
            ),
            Message::AppendEntriesResponse {
                success,
                last_index,
                ..
            } => self.handle_append_response(from, success, last_index),
            Message::PreVote {
                term,
                candidate,
                last_log_index,
                last_log_term,
            } => self.handle_pre_vote(term, candidate, last_log_index, last_log_term),
            Message::PreVoteResponse { term, vote_granted } => {
                self.handle_pre_vote_response(from, term, vote_granted)
            }
            Message::Heartbeat { leader, round, .. } => self.handle_heartbeat(leader, round),
            Message::HeartbeatResponse { round, .. } => self.handle_heartbeat_response(from, round),
            Message::InstallSnapshot {
                leader,
                last_included_index,
                last_included_term,
                data,
                membership,
                ..
            } => self.handle_install_snapshot(
                leader,
                last_included_index,
                last_included_term,
                data,
                membership,
            ),
            Message::InstallSnapshotResponse { last_index, .. } => {
                self.handle_snapshot_response(from, last_index)
            }
            Message::TimeoutNow { .. } => self.handle_timeout_now(),
        }
    }

    /// Figure 2, "Followers": the election timer restarts on an AppendEntries from the current
    /// leader or a granted vote (their handlers restart it), not on a change of term alone. A
    /// server that restarted it on every candidate's RequestVote would never stand for election
    /// while stale candidates keep asking, even when it is the only one whose log can win:
    /// the cluster livelocks (catalogue §5). A leader stepping down starts a fresh timeout, as
    /// it counted none while it led.
    pub(crate) fn become_follower(&mut self, term: Term, leader: Option<NodeId>) {
        let was_leader = matches!(self.role, Role::Leader { .. });
        if was_leader {
            self.drop_reads();
            self.transfer = None;
        }
        if term > self.current_term {
            self.current_term = term;
            self.voted_for = None;
        }
        self.role = Role::Follower;
        self.leader_id = leader;
        if was_leader {
            self.reset_election_timer();
        }
    }

    /// §5.2: election timeouts are "chosen randomly from a fixed interval".
    pub(crate) fn reset_election_timer(&mut self) {
        self.election_elapsed = 0;
        let (min, max) = (
            self.config.election_timeout_min_ticks,
            self.config.election_timeout_max_ticks,
        );
        self.election_timeout = if self.config.bugs.contains(BugKnob::NoRandomizedTimeout) {
            min
        } else {
            if self.timeouts_drawn.0 != self.current_term {
                self.timeouts_drawn = (self.current_term, 0);
            }
            let mut rng = self.rng.clone();
            rng.set_stream(self.current_term.0);
            rng.set_word_pos((self.timeouts_drawn.1 as u128) << 4);
            self.timeouts_drawn.1 += 1;
            rng.gen_range(min..max)
        };
    }

    /// Figure 2, "All Servers": "If commitIndex > lastApplied: increment lastApplied, apply
    /// log[lastApplied] to state machine (§5.3)". Commit never moves backwards.
    pub(crate) fn advance_commit(&mut self, index: LogIndex) {
        let index = index.min(self.log.last_index());
        if index <= self.commit_index {
            return;
        }
        self.commit_index = index;
        self.pending_notices.push(Output::Committed { index });
        // Only `compact-past-applied` compacts entries not yet applied: they are never applied.
        self.last_applied = self.last_applied.max(self.log.last_included().0.min(index));
        while self.last_applied < self.commit_index {
            self.last_applied = self.last_applied.next();
            let entry = *self
                .log
                .get(self.last_applied)
                .expect("committed entry exists");
            self.pending_notices.push(Output::Apply { entry });
        }
        self.maybe_ask_snapshot();
        self.after_commit_membership();
    }

    /// Appends an entry of the current term to the leader's own log.
    pub(crate) fn append_own(&mut self, command: Command) -> Entry {
        let entry = Entry {
            index: self.log.last_index().next(),
            term: self.current_term,
            command,
        };
        self.log.append(entry);
        self.persist_append(vec![entry]);
        if matches!(command, Command::Config(_)) {
            self.refresh_membership();
        }
        entry
    }

    pub(crate) fn persist_append(&mut self, entries: Vec<Entry>) {
        if let Some(Persist::Append { entries: last }) = self.pending_persist.last_mut() {
            last.extend(entries);
        } else {
            self.pending_persist.push(Persist::Append { entries });
        }
    }

    pub(crate) fn send(&mut self, to: NodeId, message: Message) {
        self.pending_sends.push(Output::Send { to, message });
    }

    /// Releases this input's outputs: writes first, then the messages that depend on them, then
    /// the notices (Figure 2: "updated on stable storage before responding to RPCs").
    /// `respond-before-persist` swaps the first two.
    pub(crate) fn flush(&mut self, out: &mut Vec<Output>) {
        let volatile_vote = self.config.bugs.contains(BugKnob::VolatileVote);
        let hard = (
            self.current_term,
            if volatile_vote { None } else { self.voted_for },
        );
        let respond_first = self.config.bugs.contains(BugKnob::RespondBeforePersist);
        if respond_first {
            out.append(&mut self.pending_sends);
        }
        if hard != self.persisted_hard {
            self.persisted_hard = hard;
            out.push(Output::Persist(Persist::HardState {
                current_term: hard.0,
                voted_for: hard.1,
            }));
        }
        out.extend(self.pending_persist.drain(..).map(Output::Persist));
        out.append(&mut self.pending_sends);
        out.append(&mut self.pending_notices);
        debug_assert!(self.last_applied <= self.commit_index);
        debug_assert!(self.commit_index <= self.log.last_index());
        debug_assert!(self.durable_index <= self.log.last_index());
    }

    // ----- Introspection, for checkers and renderers -----

    pub fn id(&self) -> NodeId {
        self.id
    }
    pub fn role(&self) -> &Role {
        &self.role
    }
    pub fn role_kind(&self) -> RoleKind {
        match self.role {
            Role::Follower => RoleKind::Follower,
            Role::PreCandidate { .. } => RoleKind::PreCandidate,
            Role::Candidate { .. } => RoleKind::Candidate,
            Role::Leader { .. } => RoleKind::Leader,
        }
    }
    pub fn current_term(&self) -> Term {
        self.current_term
    }
    pub fn voted_for(&self) -> Option<NodeId> {
        self.voted_for
    }
    pub fn log(&self) -> &RaftLog {
        &self.log
    }
    pub fn commit_index(&self) -> LogIndex {
        self.commit_index
    }
    pub fn last_applied(&self) -> LogIndex {
        self.last_applied
    }
    /// The longest prefix of the log the host reported durable.
    pub fn durable_index(&self) -> LogIndex {
        self.durable_index
    }
    /// The leader this node knows of in its current term (itself, if it leads).
    pub fn leader(&self) -> Option<NodeId> {
        self.leader_id
    }
    pub fn config(&self) -> &Config {
        &self.config
    }
    pub fn election_timeout_ticks(&self) -> u32 {
        self.election_timeout
    }
    /// Ticks since the election timer was last reset (a leader's stays at 0).
    pub fn election_elapsed_ticks(&self) -> u32 {
        self.election_elapsed
    }
}
