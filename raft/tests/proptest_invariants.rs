//! Node-level invariants under arbitrary inputs: ticks, proposals, elections forced by
//! `timeout_now`, reports that writes are durable, compactions (§7), and well-formed messages from arbitrary senders, with arbitrary terms, indexes
//! and entries. However the rest of the cluster behaves, one node must not panic, and after every
//! input its own state must stay sane (Figure 2's invariants on the fields it owns).
//!
//! With membership changes and leadership transfers (thesis chapter 4, §3.10) among the inputs
//! too — changes, transfers, configuration entries and snapshots' configurations in arriving
//! messages, TimeoutNow, restarts — the node's configuration stays the one its log says.

mod common;

use common::*;
use proptest::prelude::*;
use raft::{BugKnob, Config, DurableState, Knobs, LogIndex, Message, Node, NodeId, Output, Term};
use raft::{Command, ConfChange, ConfigEntry, Membership, NodeSet, Rejection, Role, RoleKind};

/// The node under test is n1 of {n1, n2, n3}; n4 is outside the cluster and talks anyway.
const MEMBERS: u8 = 3;
const SENDERS: [u8; 5] = [2, 2, 3, 3, 4];
/// Terms of messages relative to the node's current term: mostly current or next, sometimes
/// stale.
const TERM_DELTAS: [i64; 7] = [-1, 0, 0, 0, 0, 1, 1];

/// One input to the node. Messages are drawn relative to the node's state when they arrive
/// (a term near its own, a prev index near its last index), so that they are accepted often
/// enough to matter; resolved, each is a well-formed message any peer could send.
#[derive(Clone, Debug)]
enum Input {
    Tick,
    TimeoutNow,
    Propose(u64),
    Step(NodeId, Draw),
    /// The host reports that the writes so far are on the disk (`Node::persisted`).
    Persisted,
    /// The host compacts the log up to the applied index (§7; refused if already there).
    Compact,
}

#[derive(Clone, Debug)]
enum Draw {
    /// prev = last index − `back` (or + 1 + `back` if `ahead`); its term the log's own if
    /// `matching`, else any up to the message's term; entries' terms rise by `steps`.
    Append {
        dt: i64,
        back: u64,
        ahead: bool,
        matching: bool,
        pick: u64,
        steps: Vec<u64>,
        commit: u64,
    },
    /// The candidate's last index is the node's last index −/+ `back`.
    RequestVote {
        dt: i64,
        back: u64,
        newer: bool,
        pick: u64,
        commit: u64,
    },
    Vote {
        dt: i64,
        granted: bool,
    },
    /// The follower's last index is the node's last index − `back`.
    AppendReply {
        dt: i64,
        success: bool,
        back: u64,
    },
    /// Figure 13: a snapshot ending at the node's last index −/+ `back`, at the log's own term
    /// there if `matching`.
    InstallSnapshot {
        dt: i64,
        back: u64,
        ahead: bool,
        matching: bool,
        pick: u64,
    },
    SnapshotReply {
        dt: i64,
        back: u64,
    },
}

fn dt() -> impl Strategy<Value = i64> {
    prop::sample::select(&TERM_DELTAS[..])
}

/// Replies come mostly from the node's own term, so that a leader lives long enough to commit.
fn reply_dt() -> impl Strategy<Value = i64> {
    prop::sample::select(&[-1i64, 0, 0, 0, 0, 0, 0, 1][..])
}

fn draw() -> impl Strategy<Value = Draw> {
    let steps = prop::collection::vec(0..=2u64, 0..=4);
    let append = (
        dt(),
        0..=4u64,
        any::<bool>(),
        any::<bool>(),
        any::<u64>(),
        steps,
        0..=8u64,
    )
        .prop_map(|(dt, back, ahead, m, pick, steps, commit)| Draw::Append {
            dt,
            back,
            ahead: ahead && back % 2 == 0, // a quarter of them
            matching: m || back == 0,
            pick,
            steps,
            commit,
        });
    let vote_req = (dt(), 0..=3u64, any::<bool>(), any::<u64>(), 0..=6u64).prop_map(
        |(dt, back, newer, pick, commit)| Draw::RequestVote {
            dt,
            back,
            newer,
            pick,
            commit,
        },
    );
    prop_oneof![
        4 => append,
        2 => vote_req,
        2 => (reply_dt(), any::<bool>()).prop_map(|(dt, granted)| Draw::Vote { dt, granted }),
        3 => (reply_dt(), any::<bool>(), prop::sample::select(&[0u64, 0, 0, 1, 3][..]))
            .prop_map(|(dt, success, back)| Draw::AppendReply { dt, success, back }),
        1 => (dt(), 0..=4u64, any::<bool>(), any::<bool>(), any::<u64>()).prop_map(
            |(dt, back, ahead, matching, pick)| Draw::InstallSnapshot { dt, back, ahead, matching, pick }
        ),
        1 => (reply_dt(), 0..=3u64).prop_map(|(dt, back)| Draw::SnapshotReply { dt, back }),
    ]
}

fn input() -> impl Strategy<Value = Input> {
    let step = (prop::sample::select(&SENDERS[..]), draw()).prop_map(|(f, d)| Input::Step(n(f), d));
    prop_oneof![
        3 => Just(Input::Tick),
        1 => Just(Input::TimeoutNow),
        1 => (0..100u64).prop_map(Input::Propose),
        3 => Just(Input::Persisted),
        1 => Just(Input::Compact),
        8 => step,
    ]
}

/// A term in `1..=term`, picked by `pick`.
fn term_upto(term: u64, pick: u64) -> u64 {
    1 + pick % term
}

/// The message a draw stands for, against the node's state now. Well-formed: a message of term
/// T names no entry, prev or last term above T; entries are contiguous from prev + 1 with
/// non-decreasing terms, none below prev's term.
fn resolve(node: &Node, from: NodeId, draw: &Draw) -> Message {
    let dterm = |dt: i64| (node.current_term().0 as i64 + dt).max(1) as u64;
    let last = node.log().last_index().0;
    match draw.clone() {
        Draw::Append {
            dt,
            back,
            ahead,
            matching,
            pick,
            steps,
            commit,
        } => {
            let term = dterm(dt);
            let prev = if ahead {
                last + 1 + back
            } else {
                last.saturating_sub(back)
            };
            let own = node.log().term_at(LogIndex(prev)).filter(|_| matching);
            let prev_term = match (prev, own) {
                (0, _) => 0,
                (_, Some(t)) => t.0.min(term),
                (_, None) => term_upto(term, pick),
            };
            let mut t = prev_term.max(1);
            let terms: Vec<u64> = steps
                .iter()
                .map(|s| {
                    t = (t + s).min(term);
                    t
                })
                .collect();
            append(term, from.0, (prev, prev_term), &terms, commit)
        }
        Draw::RequestVote {
            dt,
            back,
            newer,
            pick,
            commit,
        } => {
            let term = dterm(dt);
            let last_index = if newer {
                last + back
            } else {
                last.saturating_sub(back)
            };
            let last_term = if last_index == 0 {
                0
            } else {
                term_upto(term, pick)
            };
            Message::RequestVote {
                term: Term(term),
                candidate: from,
                last_log_index: LogIndex(last_index),
                last_log_term: Term(last_term),
                commit_index: LogIndex(commit),
                transfer: false,
            }
        }
        Draw::Vote { dt, granted } => vote(dterm(dt), granted),
        Draw::AppendReply { dt, success, back } => {
            append_reply(dterm(dt), success, last.saturating_sub(back))
        }
        Draw::InstallSnapshot {
            dt,
            back,
            ahead,
            matching,
            pick,
        } => {
            let term = dterm(dt);
            let index = if ahead {
                last + 1 + back
            } else {
                last.saturating_sub(back).max(1)
            };
            let own = node.log().term_at(LogIndex(index)).filter(|_| matching);
            let at = own.map_or_else(|| term_upto(term, pick), |t| t.0.clamp(1, term));
            Message::InstallSnapshot {
                term: Term(term),
                leader: from,
                last_included_index: LogIndex(index),
                last_included_term: Term(at),
                data: vec![index as u8],
                membership: None,
            }
        }
        Draw::SnapshotReply { dt, back } => Message::InstallSnapshotResponse {
            term: Term(dterm(dt)),
            last_index: LogIndex(last.saturating_sub(back)),
        },
    }
}

fn apply(node: &mut Node, input: &Input, disk: &DurableState) -> Vec<Output> {
    let mut out = Vec::new();
    match input {
        Input::Persisted => node.persisted(disk.synced(), &mut out),
        Input::Tick => node.tick(&mut out),
        Input::TimeoutNow => node.timeout_now(&mut out),
        Input::Propose(p) => node.propose(raft::Command::Client(*p), &mut out),
        Input::Compact => {
            let applied = node.last_applied();
            if applied > node.log().last_included().0 {
                let compacted = node.compact(applied, vec![applied.0 as u8], &mut out);
                assert_eq!(compacted, Ok(()), "compaction at the applied index");
            }
        }
        Input::Step(from, draw) => {
            let message = resolve(node, *from, draw);
            node.step(*from, message, &mut out)
        }
    }
    out
}

/// What must hold of the node after every input whatever its knobs: it keeps its own state
/// consistent.
fn check_consistent(node: &Node) -> Result<(), TestCaseError> {
    let log = node.log();
    prop_assert!(
        node.commit_index() <= log.last_index(),
        "commit beyond the log"
    );
    prop_assert!(
        node.last_applied() <= node.commit_index(),
        "applied beyond commit"
    );
    let terms = log.terms();
    prop_assert!(
        terms.windows(2).all(|w| w[0] <= w[1]),
        "log terms {terms:?}"
    );
    prop_assert!(
        log.last_term() <= node.current_term(),
        "an entry from the future"
    );
    prop_assert!(
        node.durable_index() <= log.last_index(),
        "durable beyond the log"
    );
    Ok(())
}

/// With every rule on, also: currentTerm and commitIndex never decrease, and the disk (every
/// `Persist` applied in order) always equals the node's persistent state.
fn check_safe(
    node: &Node,
    before: (Term, LogIndex),
    disk: &DurableState,
) -> Result<(), TestCaseError> {
    prop_assert!(node.current_term() >= before.0, "currentTerm went back");
    prop_assert!(node.commit_index() >= before.1, "commitIndex went back");
    prop_assert_eq!(disk.current_term, node.current_term());
    prop_assert_eq!(disk.voted_for, node.voted_for());
    prop_assert_eq!(&disk.log[..], node.log().entries());
    prop_assert_eq!(disk.last_included(), node.log().last_included());
    prop_assert!(
        node.log().last_included().0 <= node.last_applied(),
        "compacted past the applied index"
    );
    Ok(())
}

fn run(bugs: Knobs, inputs: &[Input]) -> Result<(), TestCaseError> {
    let config = Config {
        bugs,
        ..Config::default()
    };
    let mut s = node_with(1, MEMBERS, config, DurableState::default());
    let mut disk = DurableState::default();
    for input in inputs {
        let before = (s.current_term(), s.commit_index());
        let out = apply(&mut s, input, &disk);
        write_to(&mut disk, &out);
        check_consistent(&s)?;
        check_membership(&s)?;
        if bugs.is_empty() {
            check_safe(&s, before, &disk)?;
        }
    }
    Ok(())
}

// ----- Membership changes and leadership transfer -----

/// The ids changes, transfers and drawn configurations name: the cluster's, two spares, the
/// largest id an entry can name, one beyond it, and 0, which names no server.
const CHANGE_IDS: [u8; 11] = [1, 2, 3, 4, 4, 5, 5, 21, 22, 0, 2];
/// Senders of the messages drawn here: the cluster's peers and the spares.
const CHANGE_SENDERS: [u8; 6] = [2, 3, 4, 5, 2, 3];

/// One input of the membership property: an input of the property above, or one of chapter 4
/// and §3.10.
#[derive(Clone, Debug)]
enum MInput {
    Base(Input),
    /// An operator asks for a change (`Node::propose_change`).
    Change(ConfChange),
    /// An operator asks for a transfer (`Node::transfer_leadership`).
    Transfer(NodeId),
    /// A drawn message (see `Draw`), then: an AppendEntries' entries carry the configurations
    /// of `configs` where it has one, an InstallSnapshot carries `snapshot`, a RequestVote is
    /// marked as a transfer's if `transfer`.
    Step {
        from: NodeId,
        draw: Draw,
        configs: Vec<Option<Membership>>,
        snapshot: Option<Membership>,
        transfer: bool,
    },
    /// TimeoutNow (§3.10) of a term near the node's.
    TimeoutNow {
        from: NodeId,
        dt: i64,
    },
    /// The node crashes and restarts from its disk.
    Restart,
    /// Macro inputs, so that leaders that commit (and so change their configuration and
    /// transfer) are common: n1 campaigns, its vote is durable, and every voter of its
    /// configuration grants its vote;
    Elect,
    /// its writes are durable, and every member of its configuration acknowledges its whole
    /// log (in its term);
    AckAll,
    /// time passes until its election timeout (a leader's: the longest one) has elapsed.
    Timeout,
}

/// A configuration of servers 1..=5: some voters, learners among the others, and, half the
/// time, the voters of a configuration it is joint with.
fn membership() -> impl Strategy<Value = Membership> {
    let joint = prop_oneof![Just(0u8), 1u8..32];
    (1u8..32, 0u8..32, joint).prop_map(|(v, l, o)| {
        let set = |bits: u8| -> NodeSet {
            (1..=5u8)
                .filter(|i| bits >> (i - 1) & 1 == 1)
                .map(NodeId)
                .collect()
        };
        Membership {
            voters: set(v),
            learners: set(l & !v & !o),
            outgoing: set(o),
        }
    })
}

fn conf_change() -> impl Strategy<Value = ConfChange> {
    let id = || prop::sample::select(&CHANGE_IDS[..]).prop_map(NodeId);
    let voters = prop::sample::subsequence(CHANGE_IDS.to_vec(), 0..=4)
        .prop_map(|ids| ids.into_iter().map(NodeId).collect());
    prop_oneof![
        2 => id().prop_map(ConfChange::AddVoter),
        1 => id().prop_map(ConfChange::AddLearner),
        1 => id().prop_map(ConfChange::Promote),
        2 => id().prop_map(ConfChange::Remove),
        1 => voters.prop_map(|voters| ConfChange::Joint { voters }),
    ]
}

fn membership_input() -> impl Strategy<Value = MInput> {
    let sender = || prop::sample::select(&CHANGE_SENDERS[..]).prop_map(n);
    let configs = prop::collection::vec(prop::option::weighted(0.3, membership()), 0..=4);
    let step = (
        sender(),
        draw(),
        configs,
        prop::option::of(membership()),
        any::<bool>(),
    )
        .prop_map(|(from, draw, configs, snapshot, transfer)| MInput::Step {
            from,
            draw,
            configs,
            snapshot,
            transfer,
        });
    prop_oneof![
        8 => input().prop_map(MInput::Base),
        4 => conf_change().prop_map(MInput::Change),
        2 => prop::sample::select(&CHANGE_IDS[..]).prop_map(|i| MInput::Transfer(n(i))),
        4 => step,
        1 => (sender(), dt()).prop_map(|(from, dt)| MInput::TimeoutNow { from, dt }),
        1 => Just(MInput::Restart),
        2 => Just(MInput::Elect),
        3 => Just(MInput::AckAll),
        1 => Just(MInput::Timeout),
    ]
}

/// The message `MInput::Step` stands for.
fn resolve_membership(
    node: &Node,
    from: NodeId,
    draw: &Draw,
    configs: &[Option<Membership>],
    snapshot: Option<Membership>,
    marked: bool,
) -> Message {
    let mut message = resolve(node, from, draw);
    match &mut message {
        Message::AppendEntries { entries, .. } => {
            for (e, m) in entries.iter_mut().zip(configs) {
                if let Some(m) = m {
                    let packed = ConfigEntry::pack(m).expect("ids 1..=5");
                    e.command = Command::Config(packed);
                }
            }
        }
        Message::InstallSnapshot { membership, .. } => *membership = snapshot,
        Message::RequestVote { transfer, .. } => *transfer = marked,
        _ => {}
    }
    message
}

/// Thesis §4.1 and the module doc of `membership.rs`, after every input: the configuration
/// in force is the latest of the log (else its snapshot's, else the boot configuration); a
/// leader keeps progress for exactly the other members of it, in id order; only a voter of it
/// campaigns (or of the one before, while it is uncommitted); only a leader transfers.
fn check_membership(node: &Node) -> Result<(), TestCaseError> {
    let boot = Membership::of_voters(ids(MEMBERS).into_iter().collect());
    let logged = node.log().membership().1.unwrap_or(boot);
    prop_assert_eq!(node.membership(), logged, "not the log's configuration");
    if let Role::Leader { progress } = node.role() {
        let mut others = logged.members();
        others.remove(node.id());
        let peers: Vec<NodeId> = progress.iter().map(|p| p.peer).collect();
        prop_assert_eq!(
            peers,
            others.iter().collect::<Vec<_>>(),
            "progress of {}",
            logged
        );
    }
    if matches!(
        node.role_kind(),
        RoleKind::Candidate | RoleKind::PreCandidate
    ) {
        // Or, while that configuration is uncommitted, a voter of the one before it (thesis
        // §4.2.2, Figure 4.6).
        let (index, _) = node.log().membership();
        let before = node.log().membership_at(index.prev()).1.unwrap_or(boot);
        let uncommitted = index > node.commit_index();
        prop_assert!(
            logged.is_voter(node.id()) || uncommitted && before.is_voter(node.id()),
            "campaigns, no voter of {} (nor of {} before it, uncommitted: {})",
            logged,
            before,
            uncommitted
        );
    }
    if node.transfer_target().is_some() {
        prop_assert_eq!(node.role_kind(), RoleKind::Leader);
    }
    Ok(())
}

/// Feeds `input` to `s`, whose disk is `disk`; returns its outputs.
fn apply_membership(
    s: &mut Node,
    input: &MInput,
    disk: &DurableState,
    config: &Config,
) -> Vec<Output> {
    let mut out = Vec::new();
    match input {
        MInput::Base(base) => out = apply(s, base, disk),
        MInput::Change(change) => s.propose_change(*change, &mut out),
        MInput::Transfer(to) => s.transfer_leadership(*to, &mut out),
        MInput::Step {
            from,
            draw,
            configs,
            snapshot,
            transfer,
        } => {
            let message = resolve_membership(s, *from, draw, configs, *snapshot, *transfer);
            s.step(*from, message, &mut out);
        }
        MInput::TimeoutNow { from, dt } => {
            let term = (s.current_term().0 as i64 + dt).max(1) as u64;
            let message = Message::TimeoutNow {
                term: Term(term),
                leader: *from,
            };
            s.step(*from, message, &mut out);
        }
        MInput::Restart => {
            let restarted = Node::new(n(1), &ids(MEMBERS), config.clone(), 1, disk.clone());
            *s = restarted.expect("valid config");
        }
        MInput::Elect => {
            s.timeout_now(&mut out);
            let mut synced = disk.clone();
            write_to(&mut synced, &out);
            s.persisted(synced.synced(), &mut out);
            let (m, me, term) = (s.membership(), s.id(), s.current_term().0);
            for voter in m.voters.union(m.outgoing).iter().filter(|v| *v != me) {
                s.step(voter, vote(term, true), &mut out);
            }
        }
        MInput::AckAll => {
            let mut synced = disk.clone();
            write_to(&mut synced, &out);
            s.persisted(synced.synced(), &mut out);
            let (m, me) = (s.membership(), s.id());
            let (term, last) = (s.current_term().0, s.log().last_index().0);
            for member in m.members().iter().filter(|v| *v != me) {
                s.step(member, append_reply(term, true, last), &mut out);
            }
        }
        MInput::Timeout => {
            let left = match s.role_kind() {
                RoleKind::Leader => s.config().election_timeout_max_ticks,
                _ => s.election_timeout_ticks() - s.election_elapsed_ticks(),
            };
            for _ in 0..left {
                s.tick(&mut out);
            }
        }
    }
    out
}

fn run_membership(bugs: Knobs, inputs: &[MInput]) -> Result<(), TestCaseError> {
    let config = Config {
        bugs,
        ..Config::default()
    };
    let mut s = node_with(1, MEMBERS, config.clone(), DurableState::default());
    let mut disk = DurableState::default();
    for input in inputs {
        let before = (s.current_term(), s.commit_index());
        let transferring = s.transfer_target();
        let out = apply_membership(&mut s, input, &disk, &config);
        write_to(&mut disk, &out);
        check_consistent(&s)?;
        check_membership(&s)?;
        if !bugs.is_empty() {
            continue;
        }
        if !matches!(input, MInput::Restart) {
            check_safe(&s, before, &disk)?;
        }
        // §3.10: a leader transferring its leadership takes no proposal.
        if let (Some(to), MInput::Base(Input::Propose(_)) | MInput::Change(_)) =
            (transferring, input)
        {
            let refused = Output::ProposalRejected(Rejection::Transferring { to });
            prop_assert!(out.contains(&refused), "taken while transferring: {out:?}");
        }
    }
    Ok(())
}

/// A node booted on a damaged log (recovery.rs): its disk held [1, 1, 2, 2] in term 2 and
/// its reader kept the first `keep` entries. After every input it stays sane, and while it is
/// repairing it asks for no vote and grants one (or a pre-vote) only to a candidate at least
/// as up-to-date as the log it had, 4:2.
fn run_damaged(keep: usize, inputs: &[Input]) -> Result<(), TestCaseError> {
    let mut disk = durable(2, &[1, 1, 2, 2]);
    disk.log.truncate(keep);
    disk.damaged = Some(raft::DamagedLog {
        last_index: LogIndex(4),
        last_term: Term(2),
    });
    let mut s = node_with(1, MEMBERS, Config::default(), disk.clone());
    disk.damaged = None;
    prop_assert!(s.repairing());
    for input in inputs {
        let repairing = s.repairing();
        let (out, asked) = match input {
            Input::Step(from, draw) => {
                let message = resolve(&s, *from, draw);
                let mut out = Vec::new();
                let asked = match &message {
                    Message::RequestVote {
                        last_log_index,
                        last_log_term,
                        ..
                    }
                    | Message::PreVote {
                        last_log_index,
                        last_log_term,
                        ..
                    } => Some((*last_log_term, *last_log_index)),
                    _ => None,
                };
                s.step(*from, message, &mut out);
                (out, asked)
            }
            other => (apply(&mut s, other, &disk), None),
        };
        write_to(&mut disk, &out);
        check_consistent(&s)?;
        if !repairing {
            continue;
        }
        for o in &out {
            let Output::Send { message, .. } = o else {
                continue;
            };
            match message {
                Message::RequestVote { .. } | Message::PreVote { .. } => {
                    prop_assert!(false, "a repairing node asked for votes: {message:?}")
                }
                Message::RequestVoteResponse {
                    vote_granted: true, ..
                }
                | Message::PreVoteResponse {
                    vote_granted: true, ..
                } => {
                    let last = asked.expect("a grant answers a request");
                    prop_assert!(
                        last >= (Term(2), LogIndex(4)),
                        "granted a candidate whose log ends at {last:?}, below 4:2"
                    );
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// Any set of knobs but `assert-commit-within-log`, whose symptom is the panic.
fn knobs() -> impl Strategy<Value = Knobs> {
    let quiet: Vec<BugKnob> = BugKnob::ALL
        .into_iter()
        .filter(|k| *k != BugKnob::AssertCommitWithinLog)
        .collect();
    let n = quiet.len();
    prop::sample::subsequence(quiet, 0..=n).prop_map(|ks| ks.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Figure 2's invariants on one node's own state hold after every input, whatever arrives:
    /// currentTerm and commitIndex never decrease, lastApplied ≤ commitIndex ≤ last index, log
    /// terms never decrease, and what the node wrote is what it holds.
    #[test]
    fn a_node_stays_sane_under_arbitrary_inputs(inputs in prop::collection::vec(input(), 1..150)) {
        run(Knobs::none(), &inputs)?;
    }

    /// The simulator runs nodes with rules switched off: they must still not panic (but for the
    /// knob that is a panic), and keep their state consistent.
    #[test]
    fn a_node_with_any_knobs_never_panics(
        bugs in knobs(),
        inputs in prop::collection::vec(input(), 1..150),
    ) {
        run(bugs, &inputs)?;
    }

    /// Thesis chapter 4 and §3.10 under arbitrary inputs: whatever changes, transfers,
    /// configuration entries, snapshots and restarts come, the node never panics, stays sane,
    /// and is in the configuration its log says, a leader replicating to exactly its members.
    #[test]
    fn a_node_is_in_the_configuration_its_log_says_under_arbitrary_changes(
        inputs in prop::collection::vec(membership_input(), 1..200),
    ) {
        run_membership(Knobs::none(), &inputs)?;
    }

    /// The same with any knobs switched off.
    #[test]
    fn a_node_with_any_knobs_keeps_its_configuration_and_never_panics(
        bugs in knobs(),
        inputs in prop::collection::vec(membership_input(), 1..200),
    ) {
        run_membership(bugs, &inputs)?;
    }

    /// Protocol-aware recovery keeps its promises under arbitrary inputs (recovery.rs).
    #[test]
    fn a_repairing_node_votes_only_against_the_log_it_had(
        keep in 0usize..4,
        inputs in prop::collection::vec(input(), 1..150),
    ) {
        run_damaged(keep, &inputs)?;
    }
}
