//! Human-readable renderings: the log table drawn like the paper's figures and the violation
//! report with the command that replays it.

use crate::checker::Violation;
use crate::node::RaftNode;
use crate::trace::VirtualTime;
use crate::world::{Observer, World};
use raft::{Entry, LogIndex, Membership, NodeId, RoleKind};
use std::fmt::Write;

/// The recorder of log tables for `--explain`: the table after every change of leader, with
/// the number of trace lines recorded by then, so a listing can print each table after its
/// line.
#[derive(Clone, Debug, Default)]
pub struct Snapshots(pub Vec<(u64, String)>);

impl<N: RaftNode> Observer<N> for Snapshots {
    fn on_new_leader(&mut self, world: &World<N>, _node: NodeId) {
        self.0.push((world.trace.len(), log_table(world)));
    }
}

/// Columns shown at most; longer logs show their last ones.
const MAX_COLUMNS: u64 = 24;

/// The logs of every node as a table: rows = servers, columns = log index, the term in each
/// cell, committed entries marked `*`. A crashed node shows what its disk holds.
///
/// ```text
///        1  2  3
/// n1 L4  1* 2* 4
/// n5 --  1* 3     (crashed; disk)
/// ```
pub fn log_table<N: RaftNode>(world: &World<N>) -> String {
    let rows: Vec<Row> = world.ids().map(|id| row(world, id)).collect();
    let longest = rows
        .iter()
        .map(|r| r.entries.last().map_or(r.compacted.0, |e| e.index.0))
        .max()
        .unwrap_or(0);
    let first = longest.saturating_sub(MAX_COLUMNS - 1).max(1);
    let mut out = String::new();
    let _ = write!(out, "{:<7}", if first > 1 { "   ..." } else { "" });
    for i in first..=longest {
        let _ = write!(out, "{i:<4}");
    }
    out.push('\n');
    for r in &rows {
        let _ = write!(out, "{:<3}{:<4}", r.id.to_string(), r.status);
        for i in first..=longest {
            let held = i.checked_sub(r.compacted.0 + 1);
            let cell = match held.and_then(|k| r.entries.get(k as usize)) {
                Some(e) if e.index <= r.commit => format!("{}*", e.term),
                Some(e) => e.term.to_string(),
                None if i <= r.compacted.0 => "s".into(), // in the snapshot (§7)
                None => String::new(),
            };
            let _ = write!(out, "{cell:<4}");
        }
        out.truncate(out.trim_end().len());
        if !r.note.is_empty() {
            let _ = write!(out, "  {}", r.note);
        }
        out.push('\n');
    }
    out
}

struct Row {
    id: NodeId,
    status: String,
    /// The snapshot's last included index: the entries start after it.
    compacted: LogIndex,
    entries: Vec<Entry>,
    commit: LogIndex,
    note: String,
}

fn row<N: RaftNode>(world: &World<N>, id: NodeId) -> Row {
    let host = &world.hosts[id.0 as usize - 1];
    match &host.node {
        Some(n) => {
            let role = match n.role_kind() {
                RoleKind::Leader => "L",
                RoleKind::Candidate => "C",
                RoleKind::PreCandidate => "P",
                RoleKind::Follower => "F",
            };
            Row {
                id,
                status: format!("{role}{}", n.current_term()),
                compacted: n.log().last_included().0,
                entries: n.log().entries().to_vec(),
                commit: n.commit_index(),
                note: {
                    let paused = if host.paused { "(paused)" } else { "" };
                    let standing = n.membership().map_or("", |m| standing(&m, id));
                    let both = paused.is_empty() || standing.is_empty();
                    format!("{paused}{}{standing}", if both { "" } else { " " })
                },
            }
        }
        None => Row {
            id,
            status: "--".into(),
            compacted: host.disk.last_included().0,
            entries: host.disk.log.clone(),
            commit: LogIndex(0),
            note: "(crashed; its disk)".into(),
        },
    }
}

/// A node's place in its own configuration (thesis chapter 4) where it is not a plain voter, as
/// the log table notes it; a voter's is empty, so that a cluster whose servers are all voters
/// reads as it always did.
fn standing(m: &Membership, id: NodeId) -> &'static str {
    let (new, old) = (m.voters.contains(id), m.outgoing.contains(id));
    match (m.is_joint(), new, old) {
        (false, true, _) | (true, true, true) => "",
        (true, true, false) => "(joining: a voter of C_new only)",
        (true, false, true) => "(leaving: a voter of C_old only)",
        _ if m.learners.contains(id) => "(learner)",
        _ => "(outside its configuration)",
    }
}

/// Who leads, as `n1 leads term 4` or `no leader`.
pub fn leadership<N: RaftNode>(world: &World<N>) -> String {
    match world.leader() {
        Some(id) => {
            let term = world
                .node(id)
                .map(|n| n.current_term().0)
                .unwrap_or_default();
            format!("{id} leads term {term}")
        }
        None => "no leader".into(),
    }
}

/// The full report of a violation.
pub fn violation_report<N: RaftNode>(world: &World<N>, v: &Violation, reproduce: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "violation: {} seed={}", v.property, world.seed);
    let _ = writeln!(out, "  what:  {}", v.detail);
    let _ = writeln!(out, "  rule:  {}", v.property.rule());
    let _ = writeln!(out, "  why:   {}", v.property.why());
    let _ = writeln!(
        out,
        "  where: event {} at t={} ({})",
        world.stats.events,
        VirtualTime(world.now_us()),
        leadership(world)
    );
    let _ = writeln!(out, "\nlast events:");
    let lines: Vec<_> = world.trace.lines().collect();
    for line in &lines[lines.len().saturating_sub(15)..] {
        let _ = writeln!(out, "  {line}");
    }
    let _ = writeln!(out, "\nlogs (term per index, * = committed):");
    for line in log_table(world).lines() {
        let _ = writeln!(out, "  {line}");
    }
    let _ = writeln!(out, "\nreproduce: {reproduce}");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::parse_scenario;
    use raft::NodeSet;

    fn set(ids: &[u8]) -> NodeSet {
        ids.iter().map(|&i| NodeId(i)).collect()
    }

    #[test]
    fn a_nodes_place_in_its_configuration_is_noted_unless_it_votes() {
        let m = Membership {
            voters: set(&[1, 2, 5]),
            learners: set(&[6]),
            outgoing: set(&[1, 2, 4]),
        };
        let of = |i| standing(&m, NodeId(i));
        assert_eq!(of(1), "", "a voter of both halves");
        assert_eq!(of(4), "(leaving: a voter of C_old only)");
        assert_eq!(of(5), "(joining: a voter of C_new only)");
        assert_eq!(of(6), "(learner)");
        assert_eq!(of(3), "(outside its configuration)");
        assert_eq!(
            standing(&Membership::of_voters(set(&[1, 2])), NodeId(2)),
            ""
        );
    }

    /// `--explain` says what each change was asked and answered before what it changed, and
    /// its log tables note the spares, the learner and the voter a joint configuration leaves.
    #[test]
    fn the_narration_of_changes_reads_in_order_and_its_tables_note_non_voters() {
        let s = parse_scenario("changes.toml", crate::picture::CHANGES).unwrap();
        let report = crate::play::run_scenario(&s, true);
        assert!(report.failures.is_empty(), "{:?}", report.failures);
        let text = &report.narration;
        let asked = text
            .find("config: n1 is asked to add learner n4: it appends the configuration at 2:1")
            .expect("the ask is narrated");
        let changed = text
            .find("n1's configuration is now n1 n2 n3 + learners n4")
            .expect("the change is narrated");
        assert!(asked < changed, "the ask, then what it changed");
        for note in [
            "n5 F0  (outside its configuration)",
            "(learner)",
            "(leaving: a voter of C_old only)",
        ] {
            assert!(text.contains(note), "a table notes {note:?}:\n{text}");
        }
        let figure8 = include_str!("../../scenarios/figure8.toml");
        let plain = crate::play::run_scenario(&parse_scenario("figure8", figure8).unwrap(), true);
        for note in ["(outside", "(learner)", "(leaving", "(joining"] {
            assert!(!plain.narration.contains(note), "figure 8 notes {note:?}");
        }
    }
}
