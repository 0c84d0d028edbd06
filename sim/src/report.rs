//! Human-readable renderings: the log table drawn like the paper's figures and the violation
//! report with the command that replays it.

use crate::checker::Violation;
use crate::node::RaftNode;
use crate::trace::VirtualTime;
use crate::world::{Observer, World};
use raft::{Entry, LogIndex, NodeId, RoleKind};
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
                note: if host.paused {
                    "(paused)".into()
                } else {
                    String::new()
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
