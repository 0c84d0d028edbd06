//! The intervals a diagram shades or leaves out, read from the whole trace (a window shows the
//! part of each that falls inside it): when each node was down, who led when, and when the
//! network was cut.

use crate::node::RaftMessage;
use crate::trace::{TraceEvent, TraceLine};
use raft::{NodeId, RoleKind};

/// A node's leadership of `term`, from its election to its step-down or crash.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Leadership {
    pub node: NodeId,
    pub from_us: u64,
    pub to_us: u64,
    pub term: u64,
}

/// A network fault while it lasts: what the network looked like, from a partition, a cut or a
/// set of kept links to the next change or the heal.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Band {
    pub from_us: u64,
    pub to_us: u64,
    pub what: String,
}

#[derive(Debug, Default)]
pub(super) struct Spans {
    /// (node, crash, restart or the end).
    pub down: Vec<(NodeId, u64, u64)>,
    pub leaders: Vec<Leadership>,
    pub bands: Vec<Band>,
    /// The other network events (drop and hold rules, releases, pauses), drawn as notes.
    pub notes: Vec<(u64, String)>,
}

/// The spans of a trace that ends at `end_us`, for `nodes` nodes.
pub(super) fn spans<M: RaftMessage>(lines: &[&TraceLine<M>], nodes: u8, end_us: u64) -> Spans {
    let mut spans = Spans::default();
    let slots = nodes as usize + 1;
    let mut crashed: Vec<Option<u64>> = vec![None; slots];
    let mut leading: Vec<Option<(u64, u64)>> = vec![None; slots];
    let mut cut: Option<(u64, String)> = None;
    for l in lines {
        let t = l.t_us;
        match &l.event {
            TraceEvent::Crash { node, .. } => {
                end_leadership(&mut spans, &mut leading, *node, t);
                crashed[node.0 as usize] = Some(t);
            }
            TraceEvent::Restart { node } => {
                if let Some(from) = crashed[node.0 as usize].take() {
                    spans.down.push((*node, from, t));
                }
            }
            TraceEvent::Role { node, role, term } => {
                end_leadership(&mut spans, &mut leading, *node, t);
                if *role == RoleKind::Leader {
                    leading[node.0 as usize] = Some((t, term.0));
                }
            }
            TraceEvent::Fault { description } => fault(&mut spans, &mut cut, t, description),
            _ => {}
        }
    }
    for (i, from) in crashed.iter().enumerate() {
        if let Some(from) = from {
            spans.down.push((NodeId(i as u8), *from, end_us));
        }
    }
    for i in 0..slots {
        end_leadership(&mut spans, &mut leading, NodeId(i as u8), end_us);
    }
    if let Some((from_us, what)) = cut {
        spans.bands.push(Band {
            from_us,
            to_us: end_us,
            what,
        });
    }
    spans
}

fn end_leadership(spans: &mut Spans, leading: &mut [Option<(u64, u64)>], node: NodeId, t: u64) {
    if let Some((from_us, term)) = leading[node.0 as usize].take() {
        spans.leaders.push(Leadership {
            node,
            from_us,
            to_us: t,
            term,
        });
    }
}

/// A partition or a set of kept links replaces the network's shape; a one-way cut adds to the
/// shape before it (`Network::cut` removes one more link); a heal ends it.
fn fault(spans: &mut Spans, cut: &mut Option<(u64, String)>, t: u64, description: &str) {
    let replaces = description.starts_with("partition") || description.starts_with("only links");
    let adds = description.starts_with("one-way cut");
    let heals = description.starts_with("heal");
    if !(replaces || adds || heals) {
        spans.notes.push((t, description.to_string()));
        return;
    }
    let before = cut.take().map(|(from_us, what)| {
        spans.bands.push(Band {
            from_us,
            to_us: t,
            what: what.clone(),
        });
        what
    });
    *cut = match (replaces, adds, before) {
        (true, _, _) => Some((t, description.to_string())),
        (_, true, Some(before)) => Some((t, format!("{before}; {description}"))),
        (_, true, None) => Some((t, description.to_string())),
        _ => None,
    };
    if heals {
        spans.notes.push((t, description.to_string()));
    }
}
