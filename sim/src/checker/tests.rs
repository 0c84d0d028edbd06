//! Every checker is fed a hand-made violating history and must report it; the same history
//! without the fault must pass.

use super::*;
use std::collections::BTreeMap;

/// raftsim's own outputs (the checkers take any implementation's).
type Output = raft::Output;
const NOTHING: &[Output] = &[];

/// A cluster drawn by hand: each node's role, term, commit index and log, and its disk. A
/// node's disk holds its whole log unless a test says otherwise (`set_disk`).
struct Fake {
    nodes: BTreeMap<NodeId, (RoleKind, Term, LogIndex, RaftLog)>,
    disks: BTreeMap<NodeId, DurableState>,
    /// The cluster's size; by default the number of nodes drawn.
    size: Option<usize>,
    /// Nodes whose disk was damaged since they acknowledged (`Cluster::impaired`).
    impaired: Vec<NodeId>,
}

impl Cluster for Fake {
    fn view(&self, id: NodeId) -> Option<NodeView<'_>> {
        self.nodes
            .get(&id)
            .map(|(role, term, commit, log)| NodeView {
                role: *role,
                term: *term,
                commit_index: *commit,
                last_applied: *commit,
                log,
            })
    }
    fn disk(&self, id: NodeId) -> Option<&DurableState> {
        self.disks.get(&id)
    }
    fn size(&self) -> usize {
        self.size.unwrap_or(self.nodes.len())
    }
    fn impaired(&self, id: NodeId) -> bool {
        self.impaired.contains(&id)
    }
}

const N1: NodeId = NodeId(1);
const N2: NodeId = NodeId(2);
const N5: NodeId = NodeId(5);

fn entry(index: u64, term: u64, cmd: u64) -> Entry {
    Entry {
        index: LogIndex(index),
        term: Term(term),
        command: Command::Client(cmd),
    }
}

fn log(entries: &[Entry]) -> RaftLog {
    RaftLog::from_entries(entries.to_vec())
}

impl Fake {
    fn new() -> Fake {
        Fake {
            nodes: BTreeMap::new(),
            disks: BTreeMap::new(),
            size: None,
            impaired: Vec::new(),
        }
    }
    fn set(&mut self, id: NodeId, role: RoleKind, term: u64, commit: u64, entries: &[Entry]) {
        self.nodes
            .insert(id, (role, Term(term), LogIndex(commit), log(entries)));
        self.set_disk(id, term, entries);
    }
    fn set_disk(&mut self, id: NodeId, term: u64, entries: &[Entry]) {
        let disk = DurableState {
            current_term: Term(term),
            voted_for: None,
            log: entries.to_vec(),
            snapshot: None,
            damaged: None,
        };
        self.disks.insert(id, disk);
    }
}

/// Five servers; the disks of n1, n2 and n3 hold `entries` (crashed or live, they count).
fn majority_holds(cluster: &mut Fake, entries: &[Entry]) {
    cluster.size = Some(5);
    for id in [N1, N2, NodeId(3)] {
        cluster.set_disk(id, 4, entries);
    }
}

fn append(entries: &[Entry]) -> Output {
    Output::Persist(Persist::Append {
        entries: entries.to_vec(),
    })
}

/// One step of a hand-drawn history. A node drawn as a leader won its term with the votes of
/// every server (the grants a real run delivers before it leads), so that only the check under
/// test sees something wrong; `Checkers::after_step` alone sees a leader no vote reached.
trait Observe {
    fn observe(&mut self, id: NodeId, out: &[Output], cluster: &Fake);
}

impl Observe for Checkers {
    fn observe(&mut self, id: NodeId, out: &[Output], cluster: &Fake) {
        if let Some((RoleKind::Leader, term, ..)) = cluster.nodes.get(&id) {
            for n in 1..=cluster.size() as u8 {
                self.on_vote_granted(id, NodeId(n), *term);
            }
        }
        self.after_step(id, out, cluster);
    }
}

fn properties(c: &Checkers) -> Vec<Property> {
    c.violations().iter().map(|v| v.property).collect()
}

#[test]
fn election_safety_reports_two_leaders_in_one_term() {
    let mut c = Checkers::new();
    let mut cluster = Fake::new();
    cluster.set(N1, RoleKind::Leader, 2, 0, &[]);
    cluster.set(N2, RoleKind::Leader, 3, 0, &[]);
    c.observe(N1, NOTHING, &cluster);
    c.observe(N2, NOTHING, &cluster);
    assert!(
        c.violations().is_empty(),
        "leaders of different terms are fine"
    );
    cluster.set(N5, RoleKind::Leader, 2, 0, &[]);
    c.observe(N5, NOTHING, &cluster);
    assert_eq!(properties(&c), vec![Property::ElectionSafety]);
    assert!(c.violations()[0]
        .detail
        .contains("n1 and n5 are both leaders of term 2"));
}

#[test]
fn log_matching_reports_same_index_and_term_with_different_commands() {
    let mut c = Checkers::new();
    let mut cluster = Fake::new();
    let a = [entry(1, 1, 10), entry(2, 2, 20)];
    cluster.set(N1, RoleKind::Follower, 2, 0, &a);
    c.observe(N1, &[append(&a)], &cluster);
    let b = [entry(1, 1, 10), entry(2, 2, 21)];
    cluster.set(N2, RoleKind::Follower, 2, 0, &b);
    c.observe(N2, &[append(&b)], &cluster);
    assert_eq!(properties(&c), vec![Property::LogMatching]);
}

#[test]
fn log_matching_reports_equal_entry_after_different_prefix() {
    let mut c = Checkers::new();
    let mut cluster = Fake::new();
    let a = [entry(1, 1, 10), entry(2, 3, 30)];
    cluster.set(N1, RoleKind::Follower, 3, 0, &a);
    c.observe(N1, &[append(&a)], &cluster);
    let b = [entry(1, 2, 11), entry(2, 3, 30)];
    cluster.set(N2, RoleKind::Follower, 3, 0, &b);
    c.observe(N2, &[append(&b)], &cluster);
    assert_eq!(properties(&c), vec![Property::LogMatching]);
}

/// An entry a crash erased before it was durable or sent belongs to no log: a cluster of one
/// that re-leads term 3 after losing it may write another 2:3 there. If another log still holds
/// the first 2:3, it is a violation.
#[test]
fn log_matching_compares_logs_that_exist_not_erased_entries() {
    let mut c = Checkers::new();
    let mut cluster = Fake::new();
    let first = [entry(1, 1, 10), entry(2, 3, 31)];
    cluster.set(N1, RoleKind::Leader, 3, 0, &first);
    c.observe(N1, &[append(&first)], &cluster);
    c.on_crash(N1);
    cluster.set(N1, RoleKind::Follower, 2, 0, &first[..1]);
    c.on_restart(N1, &cluster);
    let second = [entry(1, 1, 10), entry(2, 3, 32)];
    cluster.set(N1, RoleKind::Leader, 3, 0, &second);
    c.observe(N1, &[append(&second[1..])], &cluster);
    assert!(c.violations().is_empty(), "{:?}", c.violations());
    cluster.set(N2, RoleKind::Follower, 3, 0, &first);
    c.observe(N2, &[append(&first)], &cluster);
    assert_eq!(properties(&c), vec![Property::LogMatching]);
    assert!(
        c.violations()[0].detail.contains("but n1 holds 2:3 (c32"),
        "{:?}",
        c.violations()
    );
}

#[test]
fn state_machine_safety_reports_different_entries_applied_at_one_index() {
    let mut c = Checkers::new();
    let mut cluster = Fake::new();
    cluster.set(N1, RoleKind::Follower, 4, 0, &[]);
    cluster.set(N5, RoleKind::Follower, 5, 0, &[]);
    c.observe(
        N1,
        &[Output::Apply {
            entry: entry(2, 2, 7),
        }],
        &cluster,
    );
    c.observe(
        N5,
        &[Output::Apply {
            entry: entry(2, 2, 7),
        }],
        &cluster,
    );
    assert!(c.violations().is_empty());
    c.observe(
        N5,
        &[Output::Apply {
            entry: entry(2, 3, 8),
        }],
        &cluster,
    );
    assert_eq!(properties(&c), vec![Property::StateMachineSafety]);
}

/// Figure 8 (d) after an unsafe commit in (c): S1 committed 2:2 in term 4, then S5 wins term 5
/// with log [1, 3].
#[test]
fn leader_completeness_reports_a_leader_without_a_committed_entry() {
    let mut c = Checkers::new();
    let mut cluster = Fake::new();
    let s1 = [entry(1, 1, 1), entry(2, 2, 2), entry(3, 4, 4)];
    cluster.set(N1, RoleKind::Leader, 4, 2, &s1);
    majority_holds(&mut cluster, &s1);
    c.observe(
        N1,
        &[append(&s1), Output::Committed { index: LogIndex(2) }],
        &cluster,
    );
    assert!(c.violations().is_empty());
    let s5 = [entry(1, 1, 1), entry(2, 3, 3)];
    cluster.set(N5, RoleKind::Leader, 5, 0, &s5);
    c.observe(N5, NOTHING, &cluster);
    assert_eq!(properties(&c), vec![Property::LeaderCompleteness]);
    // A leader of the same term as the commit, elected before it, is not held to it.
    let mut c = Checkers::new();
    cluster.set(N5, RoleKind::Leader, 4, 0, &s5);
    c.observe(
        N1,
        &[append(&s1), Output::Committed { index: LogIndex(2) }],
        &cluster,
    );
    c.observe(N5, NOTHING, &cluster);
    assert_eq!(properties(&c), vec![Property::ElectionSafety]);
}

#[test]
fn leader_completeness_reports_commit_missing_from_a_later_leader() {
    let mut c = Checkers::new();
    let mut cluster = Fake::new();
    cluster.set(
        N5,
        RoleKind::Leader,
        5,
        0,
        &[entry(1, 1, 1), entry(2, 3, 3)],
    );
    c.observe(N5, NOTHING, &cluster);
    let s1 = [entry(1, 1, 1), entry(2, 2, 2)];
    cluster.set(N1, RoleKind::Leader, 4, 2, &s1);
    majority_holds(&mut cluster, &s1);
    c.observe(N1, &[Output::Committed { index: LogIndex(2) }], &cluster);
    assert_eq!(properties(&c), vec![Property::LeaderCompleteness]);
}

#[test]
fn durability_reports_truncation_of_a_committed_entry() {
    let mut c = Checkers::new();
    let mut cluster = Fake::new();
    let s = [entry(1, 1, 1), entry(2, 2, 2)];
    cluster.set(N1, RoleKind::Leader, 2, 2, &s);
    cluster.set(N2, RoleKind::Follower, 2, 0, &s);
    c.observe(
        N1,
        &[append(&s), Output::Committed { index: LogIndex(2) }],
        &cluster,
    );
    c.observe(N2, &[append(&s)], &cluster);
    // Truncating a stale suffix beyond the committed log is fine.
    cluster.set(N2, RoleKind::Follower, 3, 0, &s[..1]);
    let trunc = Output::Persist(Persist::Truncate { from: LogIndex(3) });
    c.observe(N2, &[trunc], &cluster);
    assert!(c.violations().is_empty());
    let trunc = Output::Persist(Persist::Truncate { from: LogIndex(2) });
    c.observe(N2, &[trunc], &cluster);
    assert_eq!(properties(&c), vec![Property::CommittedEntryDurability]);
    assert!(
        c.violations()[0]
            .detail
            .contains("n2, in term 3, deleted the entry 2:2 committed in term 2"),
        "{:?}",
        c.violations()
    );
}

/// The legal case (seeds 27342 and 27716 of the old checker's false alarm): 2:2 commits in
/// term 3 on a majority without n5, which holds a copy but is still in term 2; a stale leader
/// of term 2 replaces n5's copy. Raft promises nothing to a server below the commit term: the
/// leader of term 2 never held the committed entry, and the next leader of term 3 or above
/// repairs n5's log.
#[test]
fn durability_allows_a_lagging_server_below_the_commit_term_to_lose_its_copy() {
    let mut c = Checkers::new();
    let mut cluster = Fake::new();
    let s = [entry(1, 1, 1), entry(2, 2, 2)];
    cluster.set(N5, RoleKind::Follower, 2, 0, &s);
    c.observe(N5, &[append(&s)], &cluster);
    cluster.set(N1, RoleKind::Leader, 3, 2, &s);
    cluster.set(N2, RoleKind::Follower, 3, 0, &s);
    c.observe(
        N1,
        &[append(&s), Output::Committed { index: LogIndex(2) }],
        &cluster,
    );
    assert!(c.violations().is_empty());
    let stale = [entry(1, 1, 1), entry(2, 2, 9)];
    cluster.set(N5, RoleKind::Follower, 2, 0, &stale);
    let out = [
        Output::Persist(Persist::Truncate { from: LogIndex(2) }),
        append(&stale[1..]),
    ];
    c.observe(N5, &out, &cluster);
    assert_eq!(
        properties(&c),
        vec![Property::LogMatching],
        "only the hand-drawn entry 2:2 with another command is wrong here"
    );
    // The same truncation by a server of the commit term is a violation.
    let mut c = Checkers::new();
    cluster.set(N5, RoleKind::Follower, 3, 0, &s);
    c.observe(N5, &[append(&s)], &cluster);
    c.observe(
        N1,
        &[append(&s), Output::Committed { index: LogIndex(2) }],
        &cluster,
    );
    cluster.set(N5, RoleKind::Follower, 3, 0, &s[..1]);
    let trunc = Output::Persist(Persist::Truncate { from: LogIndex(2) });
    c.observe(N5, &[trunc], &cluster);
    assert_eq!(properties(&c), vec![Property::CommittedEntryDurability]);
}

/// Committed means replicated (§5.3): a commit must rest on a majority of disks. n1 commits
/// 2:2 held on its disk and n2's; in a cluster of three, that is a majority. With only n1's
/// disk holding it (n2 holds it in memory, its write still in flight), it is not.
#[test]
fn committed_means_replicated_reports_a_commit_without_a_durable_majority() {
    let s = [entry(1, 1, 1), entry(2, 2, 2)];
    for (n2_durable, violated) in [(true, false), (false, true)] {
        let mut c = Checkers::new();
        let mut cluster = Fake::new();
        cluster.size = Some(3);
        cluster.set(N1, RoleKind::Leader, 2, 2, &s);
        cluster.set(N2, RoleKind::Follower, 2, 0, &s);
        if !n2_durable {
            cluster.set_disk(N2, 2, &s[..1]);
        }
        c.observe(N1, &[Output::Committed { index: LogIndex(2) }], &cluster);
        let expected = if violated {
            vec![Property::CommittedMeansReplicated]
        } else {
            vec![]
        };
        assert_eq!(properties(&c), expected, "n2 durable: {n2_durable}");
        if violated {
            assert!(
                c.violations()[0]
                    .detail
                    .contains("n1 commits 2:2 but only 1 of 3 disks hold it"),
                "{:?}",
                c.violations()
            );
        }
    }
}

/// A crashed node's disk counts (stable storage survives the crash); a disk holding another
/// entry at the index does not.
#[test]
fn committed_means_replicated_counts_crashed_disks_and_only_the_same_entry() {
    let s = [entry(1, 1, 1), entry(2, 2, 2)];
    let mut c = Checkers::new();
    let mut cluster = Fake::new();
    cluster.size = Some(3);
    cluster.set(N1, RoleKind::Leader, 2, 2, &s);
    cluster.set_disk(N2, 2, &s);
    cluster.set_disk(N5, 3, &[entry(1, 1, 1), entry(2, 3, 3)]);
    c.observe(N1, &[Output::Committed { index: LogIndex(2) }], &cluster);
    assert!(
        c.violations().is_empty(),
        "n2 is crashed, its disk holds 2:2"
    );
    let mut c = Checkers::new();
    cluster.set_disk(N2, 3, &[entry(1, 1, 1), entry(2, 3, 3)]);
    c.observe(N1, &[Output::Committed { index: LogIndex(2) }], &cluster);
    assert_eq!(properties(&c), vec![Property::CommittedMeansReplicated]);
}

/// A disk damaged since its node acknowledged (its reader cut the entry away) counts as
/// holding the entry: the leader may count the acknowledgement, which was true when made. The
/// same disk, not known to be damaged, does not.
#[test]
fn committed_means_replicated_counts_an_impaired_disk_as_holding_what_it_acknowledged() {
    let s = [entry(1, 1, 1), entry(2, 2, 2)];
    for (impaired, violated) in [(true, false), (false, true)] {
        let mut c = Checkers::new();
        let mut cluster = Fake::new();
        cluster.size = Some(3);
        cluster.set(N1, RoleKind::Leader, 2, 2, &s);
        cluster.set_disk(N2, 2, &s[..1]);
        if impaired {
            cluster.impaired.push(N2);
        }
        c.observe(N1, &[Output::Committed { index: LogIndex(2) }], &cluster);
        assert_eq!(
            properties(&c).is_empty(),
            !violated,
            "n2 impaired: {impaired}: {:?}",
            c.violations()
        );
    }
}

#[test]
fn durability_reports_a_different_commit_and_a_lost_acknowledged_write() {
    let mut c = Checkers::new();
    let mut cluster = Fake::new();
    c.on_client_ack(LogIndex(2), Term(2), Command::Client(2));
    cluster.set(
        N1,
        RoleKind::Leader,
        3,
        2,
        &[entry(1, 1, 1), entry(2, 3, 3)],
    );
    c.observe(N1, &[Output::Committed { index: LogIndex(2) }], &cluster);
    assert_eq!(properties(&c), vec![Property::CommittedEntryDurability]);
    assert!(c.violations()[0].detail.contains("a client was told c2"));
    cluster.set(
        N2,
        RoleKind::Follower,
        3,
        2,
        &[entry(1, 1, 1), entry(2, 2, 2)],
    );
    c.observe(N2, &[Output::Committed { index: LogIndex(2) }], &cluster);
    assert_eq!(c.violations().len(), 2);
    assert!(c.violations()[1].detail.contains("was committed before"));
}

#[test]
fn monotonicity_reports_going_back_on_a_live_node_but_not_across_a_restart() {
    let mut c = Checkers::new();
    let mut cluster = Fake::new();
    let s = [entry(1, 1, 1), entry(2, 1, 2)];
    cluster.set(N1, RoleKind::Follower, 1, 2, &s);
    c.observe(N1, NOTHING, &cluster);
    c.on_crash(N1);
    cluster.set(N1, RoleKind::Follower, 1, 0, &s);
    c.on_restart(N1, &cluster);
    assert!(
        c.violations().is_empty(),
        "a restart forgets commitIndex legally"
    );
    c.on_crash(N1);
    cluster.set(N1, RoleKind::Follower, 0, 0, &s);
    c.on_restart(N1, &cluster);
    assert!(c.violations().is_empty(), "and an unsynced term write");
    cluster.set(N1, RoleKind::Follower, 1, 0, &s);
    c.observe(N1, NOTHING, &cluster);
    cluster.set(N1, RoleKind::Follower, 1, 2, &s);
    c.observe(N1, NOTHING, &cluster);
    cluster.set(N1, RoleKind::Follower, 1, 1, &s);
    c.observe(N1, NOTHING, &cluster);
    assert_eq!(properties(&c), vec![Property::Monotonicity; 2]);
    assert!(c.violations()[0]
        .detail
        .contains("commitIndex went back from 2 to 1"));
    assert!(c.violations()[1]
        .detail
        .contains("lastApplied went back from 2 to 1"));
    cluster.set(N1, RoleKind::Follower, 0, 1, &s);
    c.observe(N1, NOTHING, &cluster);
    assert!(c.violations()[2]
        .detail
        .contains("currentTerm went back from 1 to 0"));
}

#[test]
fn each_violation_is_reported_once() {
    let mut c = Checkers::new();
    let mut cluster = Fake::new();
    cluster.set(N1, RoleKind::Leader, 2, 0, &[]);
    cluster.set(N2, RoleKind::Leader, 2, 0, &[]);
    c.observe(N1, NOTHING, &cluster);
    for _ in 0..3 {
        c.on_crash(N2);
        c.observe(N2, NOTHING, &cluster);
    }
    assert_eq!(c.violations().len(), 1);
}

#[test]
fn property_names_round_trip() {
    for p in Property::ALL {
        assert_eq!(Property::from_name(p.name()), Some(p));
        assert!(!p.rule().is_empty() && !p.why().is_empty());
    }
    assert_eq!(
        Property::from_name("state machine safety"),
        Some(Property::StateMachineSafety)
    );
}

fn snapshot_write(index: u64, term: u64) -> Output {
    Output::Persist(Persist::Snapshot(raft::Snapshot {
        last_included_index: LogIndex(index),
        last_included_term: Term(term),
        data: Vec::new(),
        membership: None,
    }))
}

/// §7: an index below a log's first index is in its snapshot, committed: a leader whose
/// snapshot ends at the committed entry holds every committed entry before it.
#[test]
fn a_compacted_prefix_is_held_not_missing() {
    let mut c = Checkers::new();
    let mut cluster = Fake::new();
    let s1 = [entry(1, 1, 1), entry(2, 1, 2), entry(3, 2, 3)];
    cluster.set(N1, RoleKind::Leader, 2, 2, &s1);
    majority_holds(&mut cluster, &s1);
    c.observe(
        N1,
        &[append(&s1), Output::Committed { index: LogIndex(2) }],
        &cluster,
    );
    cluster.set(NodeId(3), RoleKind::Follower, 3, 3, &s1);
    c.observe(
        NodeId(3),
        &[Output::Committed { index: LogIndex(3) }],
        &cluster,
    );
    let compacted = RaftLog::from_snapshot(LogIndex(3), Term(2), Vec::new());
    let follower = (RoleKind::Follower, Term(3), LogIndex(3), compacted.clone());
    cluster.nodes.insert(N2, follower);
    c.observe(N2, &[snapshot_write(3, 2)], &cluster);
    cluster
        .nodes
        .insert(N2, (RoleKind::Leader, Term(3), LogIndex(3), compacted));
    c.observe(N2, NOTHING, &cluster);
    assert!(c.violations().is_empty(), "{:?}", c.violations());
}

/// §7: a snapshot covers "just the committed entries": one that ends past the committed log,
/// or at another entry than the committed one, is reported.
#[test]
fn state_machine_safety_reports_a_snapshot_of_uncommitted_state() {
    let mut c = Checkers::new();
    let mut cluster = Fake::new();
    let s1 = [entry(1, 1, 1), entry(2, 1, 2), entry(3, 2, 3)];
    cluster.set(N1, RoleKind::Leader, 2, 2, &s1);
    majority_holds(&mut cluster, &s1);
    c.observe(
        N1,
        &[append(&s1), Output::Committed { index: LogIndex(2) }],
        &cluster,
    );
    c.observe(N1, &[snapshot_write(2, 1)], &cluster);
    assert!(c.violations().is_empty(), "at the committed entry");
    c.observe(N1, &[snapshot_write(3, 2)], &cluster);
    assert_eq!(properties(&c), vec![Property::StateMachineSafety]);
    assert!(c.violations()[0].detail.contains("past the committed log"));
    c.observe(N1, &[snapshot_write(2, 2)], &cluster);
    assert!(c.violations()[1].detail.contains("2:1 is committed there"));
}

/// Elected by a majority (§5.2; thesis §4.1): n1 leads term 2 of five servers with the grants
/// of n2 and n3 (and its own vote): a majority. With n2's grant alone it is not; nor is a
/// grant of an older term, or one from a server outside its configuration.
#[test]
fn elected_by_a_majority_reports_a_leader_without_a_majority_of_votes() {
    let elect = |grants: &[(u8, u64)], config: Option<&[u8]>| {
        let mut c = Checkers::new();
        let mut cluster = Fake::new();
        cluster.size = Some(5);
        let entries: Vec<Entry> = match config {
            None => vec![entry(1, 1, 10)],
            Some(voters) => {
                let m = Membership::of_voters(voters.iter().map(|i| NodeId(*i)).collect());
                let e = raft::ConfigEntry::pack(&m).expect("small ids");
                vec![Entry {
                    index: LogIndex(1),
                    term: Term(1),
                    command: Command::Config(e),
                }]
            }
        };
        for (from, term) in grants {
            c.on_vote_granted(N1, NodeId(*from), Term(*term));
        }
        // It applied its log: the configuration entry is the one in force.
        let applied = entries.len() as u64;
        cluster.set(N1, RoleKind::Leader, 2, applied, &entries);
        c.after_step(N1, NOTHING, &cluster);
        properties(&c)
    };
    assert_eq!(elect(&[(2, 2), (3, 2)], None), vec![]);
    assert_eq!(elect(&[(2, 2)], None), vec![Property::ElectedByMajority]);
    assert_eq!(
        elect(&[(2, 1), (3, 2)], None),
        vec![Property::ElectedByMajority],
        "a grant of term 1 is no vote of term 2"
    );
    // In the configuration n1 n2 (its log's), n2's grant is a majority; in n1 n2 n3, n4's and
    // n5's are not (though they would be of the boot configuration of five).
    assert_eq!(elect(&[(2, 2)], Some(&[1, 2])), vec![]);
    assert_eq!(
        elect(&[(4, 2), (5, 2)], Some(&[1, 2, 3])),
        vec![Property::ElectedByMajority]
    );
}

/// Committed means replicated, with a configuration in the log (thesis §4.1): n1's log holds
/// the configuration n1 n2 n3; the entry 2:2 on n1's and n2's disks is on a majority of it,
/// though not of the five servers. On n1's and n4's (outside it) it is not.
#[test]
fn committed_means_replicated_counts_the_configuration_in_the_log() {
    let check = |holders: &[u8]| {
        let mut c = Checkers::new();
        let mut cluster = Fake::new();
        cluster.size = Some(5);
        let m = Membership::of_voters([N1, N2, NodeId(3)].into_iter().collect());
        let config = Entry {
            index: LogIndex(1),
            term: Term(1),
            command: Command::Config(raft::ConfigEntry::pack(&m).expect("small ids")),
        };
        let s = [config, entry(2, 2, 20)];
        cluster.set(N1, RoleKind::Leader, 2, 2, &s);
        for n in 2..=5u8 {
            let held: &[Entry] = if holders.contains(&n) { &s } else { &s[..1] };
            cluster.set_disk(NodeId(n), 2, held);
        }
        c.observe(N1, &[Output::Committed { index: LogIndex(2) }], &cluster);
        properties(&c)
    };
    assert_eq!(check(&[2]), vec![]);
    assert_eq!(check(&[4]), vec![Property::CommittedMeansReplicated]);
}

/// C_old,new (thesis §4.3) from the voters n1 n2 n3 to n1 n4 n5, as the configuration entry
/// 1:1.
fn joint_config_entry() -> Entry {
    let set = |ids: &[u8]| ids.iter().map(|i| NodeId(*i)).collect::<NodeSet>();
    let m = Membership {
        voters: set(&[1, 4, 5]),
        learners: NodeSet::new(),
        outgoing: set(&[1, 2, 3]),
    };
    Entry {
        index: LogIndex(1),
        term: Term(1),
        command: Command::Config(raft::ConfigEntry::pack(&m).expect("small ids")),
    }
}

/// Committed means replicated, in a joint configuration (thesis §4.3: "agreement (for
/// elections and entry commitment) requires separate majorities from both the old and new
/// configurations"). n1's log holds C_old,new (n1 n2 n3 to n1 n4 n5) and it applied it. The
/// entry 2:2 on the disks of n1 and n4 is on a majority of C_new but not of C_old; on n1, n2
/// and n3 it is on a majority of C_old only: both are reported. On n1, n2 and n4 it is on a
/// majority of each, and is not.
#[test]
fn committed_means_replicated_needs_a_majority_of_both_halves_of_a_joint_configuration() {
    let check = |holders: &[u8]| {
        let mut c = Checkers::new();
        let mut cluster = Fake::new();
        cluster.size = Some(5);
        let s = [joint_config_entry(), entry(2, 2, 20)];
        cluster.set(N1, RoleKind::Leader, 2, 2, &s);
        for n in 2..=5u8 {
            let held: &[Entry] = if holders.contains(&n) { &s } else { &s[..1] };
            cluster.set_disk(NodeId(n), 2, held);
        }
        c.observe(N1, &[Output::Committed { index: LogIndex(2) }], &cluster);
        c
    };
    let c_new_only = check(&[4]);
    assert_eq!(
        properties(&c_new_only),
        vec![Property::CommittedMeansReplicated]
    );
    assert!(
        c_new_only.violations()[0].detail.contains(
            "only the disks of n1 n4 hold it, not a majority of its configuration n1 n4 n5 (joint with n1 n2 n3)"
        ),
        "{:?}",
        c_new_only.violations()
    );
    assert_eq!(
        properties(&check(&[2, 3])),
        vec![Property::CommittedMeansReplicated],
        "a majority of C_old only"
    );
    assert_eq!(properties(&check(&[2, 4])), vec![]);
}

/// Elected by a majority, in a joint configuration (thesis §4.3): n1, whose log holds
/// C_old,new (n1 n2 n3 to n1 n4 n5) and applied it, leads term 2 with the grants of n4 and
/// n5 — with its own vote all of C_new, but one of C_old — or of n2 and n3, all of C_old but
/// one of C_new: both are reported (though either would be three of the five servers). With
/// the grants of n2 and n4 it has a majority of each, and is not.
#[test]
fn elected_by_a_majority_needs_a_majority_of_both_halves_of_a_joint_configuration() {
    let elect = |grants: &[u8]| {
        let mut c = Checkers::new();
        let mut cluster = Fake::new();
        cluster.size = Some(5);
        for from in grants {
            c.on_vote_granted(N1, NodeId(*from), Term(2));
        }
        cluster.set(N1, RoleKind::Leader, 2, 1, &[joint_config_entry()]);
        c.after_step(N1, NOTHING, &cluster);
        properties(&c)
    };
    assert_eq!(
        elect(&[4, 5]),
        vec![Property::ElectedByMajority],
        "a majority of C_new only"
    );
    assert_eq!(
        elect(&[2, 3]),
        vec![Property::ElectedByMajority],
        "a majority of C_old only"
    );
    assert_eq!(elect(&[2, 4]), vec![]);
}
