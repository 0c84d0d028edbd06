//! The intervals a diagram shades or leaves out, read from the whole trace (a window shows the
//! part of each that falls inside it): when each node was down, who led when, when the network
//! was cut, and when a node was not a voter of its own configuration.

use crate::node::RaftMessage;
use crate::trace::{TraceEvent, TraceLine};
use raft::{Membership, NodeId, RoleKind};

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

/// A node's place in its own configuration (thesis chapter 4), where it is not a voter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Standing {
    /// A voter, of either half while joint.
    Voter,
    /// It receives the log and never votes (§4.2.1).
    Learner,
    /// Not in its configuration: a spare never added, or removed.
    Outside,
}

impl Standing {
    pub fn of(m: &Membership, node: NodeId) -> Standing {
        if m.is_voter(node) {
            Standing::Voter
        } else if m.learners.contains(node) {
            Standing::Learner
        } else {
            Standing::Outside
        }
    }
}

/// A stretch of time in which a node was a learner or outside its configuration.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct NotVoting {
    pub node: NodeId,
    pub from_us: u64,
    pub to_us: u64,
    pub standing: Standing,
}

#[derive(Debug, Default)]
pub(super) struct Spans {
    /// (node, crash, restart or the end).
    pub down: Vec<(NodeId, u64, u64)>,
    pub leaders: Vec<Leadership>,
    pub bands: Vec<Band>,
    /// The other network events (drop and hold rules, releases, pauses), drawn as notes.
    pub notes: Vec<(u64, String)>,
    /// The stretches in which a node was not a voter of its configuration: from the boot
    /// configuration, and from each change of a node's configuration the trace records. A
    /// crash keeps the standing a node had (the trace says nothing of the configuration its
    /// disk restarts it in, which differs only when the crash lost its latest entry).
    pub not_voting: Vec<NotVoting>,
    /// The configuration changes and transfers asked of the cluster, and the leader's answers.
    pub asked: Vec<(u64, String)>,
}

/// The spans of a trace that ends at `end_us`, for `nodes` nodes that booted in configuration
/// `boot`.
pub(super) fn spans<M: RaftMessage>(
    lines: &[&TraceLine<M>],
    nodes: u8,
    boot: &Membership,
    end_us: u64,
) -> Spans {
    let mut spans = Spans::default();
    let slots = nodes as usize + 1;
    let mut crashed: Vec<Option<u64>> = vec![None; slots];
    let mut leading: Vec<Option<(u64, u64)>> = vec![None; slots];
    let mut cut: Option<(u64, String)> = None;
    let start_us = lines.first().map_or(0, |l| l.t_us);
    let mut standing: Vec<(Standing, u64)> = (0..slots)
        .map(|i| (Standing::of(boot, NodeId(i as u8)), start_us))
        .collect();
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
            TraceEvent::Membership { node, membership } => {
                let now = Standing::of(membership, *node);
                let (was, since) = standing[node.0 as usize];
                if now != was {
                    spans.end_standing(*node, was, since, t);
                    standing[node.0 as usize] = (now, t);
                }
            }
            TraceEvent::Config { description } => spans.asked.push((t, description.clone())),
            _ => {}
        }
    }
    for (i, &(was, since)) in standing.iter().enumerate().skip(1) {
        spans.end_standing(NodeId(i as u8), was, since, end_us);
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

impl Spans {
    fn end_standing(&mut self, node: NodeId, standing: Standing, from_us: u64, to_us: u64) {
        if standing != Standing::Voter && from_us < to_us {
            self.not_voting.push(NotVoting {
                node,
                from_us,
                to_us,
                standing,
            });
        }
    }
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
