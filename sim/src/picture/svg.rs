//! The space-time diagram (Lamport 1978; Maelstrom's messages.svg): time runs down, one lane
//! per node; an arrow per delivered message from its sending to its arrival, dropped messages
//! marked with a cross, crashes and restarts on the lanes, partitions shaded, each leadership
//! drawn along its lane with its term, commit points, and the violations marked.

use crate::node::RaftMessage;
use crate::trace::{TraceEvent, TraceLine};
use crate::world::World;
use raft::{MessageKind, RoleKind};
use std::fmt::Write;

const LANE_GAP: f64 = 150.0;
const LEFT: f64 = 90.0;
const TOP: f64 = 50.0;
/// Bound on the drawing's height, in pixels.
const MAX_HEIGHT: f64 = 4000.0;

struct Scale {
    t0: u64,
    px_per_us: f64,
}

impl Scale {
    fn y(&self, t_us: u64) -> f64 {
        TOP + (t_us.saturating_sub(self.t0)) as f64 * self.px_per_us
    }
}

fn x(node: raft::NodeId) -> f64 {
    LEFT + (node.0 as f64 - 1.0) * LANE_GAP
}

fn colour(kind: MessageKind) -> &'static str {
    match kind {
        MessageKind::AppendEntries => "#1f6fd0",
        MessageKind::AppendEntriesResponse => "#7fb0ea",
        MessageKind::RequestVote | MessageKind::PreVote => "#e07b00",
        MessageKind::RequestVoteResponse | MessageKind::PreVoteResponse => "#f3b866",
        MessageKind::Heartbeat | MessageKind::HeartbeatResponse => "#888888",
        MessageKind::ReadIndex | MessageKind::ReadIndexResponse => "#2a9d8f",
        MessageKind::TimeoutNow
        | MessageKind::Snapshot
        | MessageKind::SnapshotResponse
        | MessageKind::Other => "#8e44ad",
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The diagram of a world whose whole trace was kept.
pub fn space_time_svg<N: crate::node::RaftNode>(world: &World<N>) -> String {
    let lines: Vec<&TraceLine<N::Message>> = world.trace.lines().collect();
    let t0 = lines.first().map_or(0, |l| l.t_us);
    let t1 = lines
        .last()
        .map_or(0, |l| l.t_us)
        .max(world.now_us())
        .max(t0 + 1);
    let px_per_us = (MAX_HEIGHT / (t1 - t0) as f64).min(0.2);
    let scale = Scale { t0, px_per_us };
    let nodes = world.config.nodes;
    let width = LEFT * 2.0 + (nodes as f64 - 1.0) * LANE_GAP;
    let height = scale.y(t1) + 40.0;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" font-family="monospace" font-size="11">"#
    );
    s.push_str(r#"<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="context-stroke"/></marker></defs>"#);
    s.push('\n');
    partitions(&mut s, &lines, &scale, t1, width);
    lanes(&mut s, world, &scale, t1);
    leaderships(&mut s, &lines, &scale, t1);
    for line in &lines {
        event(&mut s, line, &scale);
    }
    violations(&mut s, world, &scale, width);
    s.push_str("</svg>\n");
    s
}

fn lanes<N: crate::node::RaftNode>(s: &mut String, world: &World<N>, scale: &Scale, t1: u64) {
    for id in world.ids() {
        let (xx, bottom) = (x(id), scale.y(t1));
        let _ = writeln!(
            s,
            r##"<g class="lane" data-node="{id}"><text x="{xx:.1}" y="{:.1}" text-anchor="middle" font-size="14" font-weight="bold">{id}</text><line x1="{xx:.1}" y1="{TOP:.1}" x2="{xx:.1}" y2="{bottom:.1}" stroke="#444" stroke-width="1"/></g>"##,
            TOP - 15.0
        );
    }
    // A time axis: a tick every so many milliseconds.
    let span_ms = (t1 - scale.t0) / 1000;
    let step_ms = [1, 5, 10, 50, 100, 500, 1000, 5000]
        .into_iter()
        .find(|st| span_ms / st <= 40)
        .unwrap_or(10_000);
    let mut ms = scale.t0 / 1000 / step_ms * step_ms;
    while ms * 1000 <= t1 {
        let y = scale.y(ms * 1000);
        if y >= TOP {
            let _ = writeln!(s, r##"<text x="5" y="{y:.1}" fill="#999">{ms}ms</text>"##);
        }
        ms += step_ms;
    }
}

/// Shaded bands while the network is not whole (between a cut and the next heal).
fn partitions<M: RaftMessage>(
    s: &mut String,
    lines: &[&TraceLine<M>],
    scale: &Scale,
    t1: u64,
    width: f64,
) {
    let mut since: Option<(u64, String)> = None;
    let band = |s: &mut String, from: u64, to: u64, what: &str| {
        let (y0, y1) = (scale.y(from), scale.y(to));
        let _ = writeln!(
            s,
            r##"<rect class="partition" x="0" y="{y0:.1}" width="{width:.0}" height="{:.1}" fill="#f2e6ff" opacity="0.6"><title>{}</title></rect>"##,
            (y1 - y0).max(1.0),
            esc(what)
        );
    };
    for l in lines {
        if let TraceEvent::Fault { description } = &l.event {
            let cut = ["partition", "one-way cut", "only links"]
                .iter()
                .any(|p| description.starts_with(p));
            if cut || description.starts_with("heal") {
                if let Some((from, what)) = since.take() {
                    band(s, from, l.t_us, &what);
                }
            }
            if cut {
                since = Some((l.t_us, description.clone()));
            }
        }
    }
    if let Some((from, what)) = since {
        band(s, from, t1, &what);
    }
}

/// Each leadership as a thick band along its node's lane, labelled with its term.
fn leaderships<M: RaftMessage>(s: &mut String, lines: &[&TraceLine<M>], scale: &Scale, t1: u64) {
    let mut leading: Vec<Option<(u64, u64)>> = vec![None; 64];
    let draw = |s: &mut String, node: raft::NodeId, from: u64, to: u64, term: u64| {
        let (y0, y1) = (scale.y(from), scale.y(to));
        let _ = writeln!(
            s,
            r##"<rect class="leader" x="{:.1}" y="{y0:.1}" width="8" height="{:.1}" fill="#2a9d3a" opacity="0.7"/><text x="{:.1}" y="{:.1}" fill="#2a9d3a">leader t{term}</text>"##,
            x(node) - 4.0,
            (y1 - y0).max(2.0),
            x(node) + 8.0,
            y0 + 10.0
        );
    };
    for l in lines {
        let (node, ends, starts) = match &l.event {
            TraceEvent::Role { node, role, term } => {
                (*node, true, (*role == RoleKind::Leader).then_some(term.0))
            }
            TraceEvent::Crash { node, .. } => (*node, true, None),
            _ => continue,
        };
        let slot = &mut leading[node.0 as usize];
        if ends {
            if let Some((from, term)) = slot.take() {
                draw(s, node, from, l.t_us, term);
            }
        }
        if let Some(term) = starts {
            *slot = Some((l.t_us, term));
        }
    }
    for (i, slot) in leading.iter().enumerate() {
        if let Some((from, term)) = slot {
            draw(s, raft::NodeId(i as u8), *from, t1, *term);
        }
    }
}

fn event<M: RaftMessage>(s: &mut String, l: &TraceLine<M>, scale: &Scale) {
    let y = scale.y(l.t_us);
    match &l.event {
        TraceEvent::Deliver {
            from,
            to,
            message,
            sent_us,
            ..
        } => {
            let c = colour(message.kind());
            let _ = writeln!(
                s,
                r#"<line class="msg" x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{y:.1}" stroke="{c}" stroke-width="1.2" marker-end="url(#arrow)"><title>{}</title></line>"#,
                x(*from),
                scale.y(*sent_us),
                x(*to),
                esc(&l.to_string())
            );
        }
        TraceEvent::Drop {
            from,
            to,
            message,
            sent_us,
            ..
        } => {
            let (x0, y0) = (x(*from), scale.y(*sent_us));
            let (xm, ym) = ((x0 + x(*to)) / 2.0, (y0 + y.max(y0 + 6.0)) / 2.0);
            let _ = writeln!(
                s,
                r##"<g class="dropped"><line x1="{x0:.1}" y1="{y0:.1}" x2="{xm:.1}" y2="{ym:.1}" stroke="{}" stroke-dasharray="3,2"/><text x="{xm:.1}" y="{:.1}" fill="#d00" text-anchor="middle">x</text><title>{}</title></g>"##,
                colour(message.kind()),
                ym + 4.0,
                esc(&l.to_string())
            );
        }
        TraceEvent::Crash { node, .. } => {
            let _ = writeln!(
                s,
                r##"<text class="crash" x="{:.1}" y="{:.1}" fill="#d00" font-size="18" text-anchor="middle">✕<title>{}</title></text>"##,
                x(*node),
                y + 6.0,
                esc(&l.to_string())
            );
        }
        TraceEvent::Restart { node } => {
            let _ = writeln!(
                s,
                r##"<circle class="restart" cx="{:.1}" cy="{y:.1}" r="5" fill="#2a9d3a"><title>{}</title></circle>"##,
                x(*node),
                esc(&l.to_string())
            );
        }
        TraceEvent::Commit { node, index } => {
            let _ = writeln!(
                s,
                r##"<circle class="commit" cx="{:.1}" cy="{y:.1}" r="2.5" fill="#000"/><text x="{:.1}" y="{:.1}" fill="#555" font-size="9">c{index}</text>"##,
                x(*node),
                x(*node) - 22.0,
                y + 3.0
            );
        }
        _ => {}
    }
}

fn violations<N: crate::node::RaftNode>(
    s: &mut String,
    world: &World<N>,
    scale: &Scale,
    width: f64,
) {
    for (v, t) in world.violations().iter().zip(&world.violation_times) {
        let y = scale.y(*t);
        let _ = writeln!(
            s,
            r##"<g class="violation"><line x1="0" y1="{y:.1}" x2="{width:.0}" y2="{y:.1}" stroke="#d00" stroke-width="2"/><text x="4" y="{:.1}" fill="#d00" font-weight="bold">VIOLATION of {}: {}</text></g>"##,
            y - 4.0,
            esc(v.property.name()),
            esc(&v.detail)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::play::run_scenario;
    use crate::scenario::parse_scenario;

    /// A crude XML well-formedness check: tags open and close in order.
    fn balanced(svg: &str) -> bool {
        let mut stack: Vec<String> = Vec::new();
        let mut rest = svg;
        while let Some(i) = rest.find('<') {
            let j = rest[i..].find('>').map(|j| i + j);
            let Some(j) = j else { return false };
            let tag = &rest[i + 1..j];
            rest = &rest[j + 1..];
            if tag.ends_with('/') {
                continue;
            }
            let name: String = tag
                .trim_start_matches('/')
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_string();
            if tag.starts_with('/') {
                if stack.pop().as_deref() != Some(name.as_str()) {
                    return false;
                }
            } else {
                stack.push(name);
            }
        }
        stack.is_empty()
    }

    #[test]
    fn the_figure8_diagram_is_well_formed_with_one_lane_per_node() {
        let text = include_str!("../../../scenarios/figure8-unsafe-commit.toml");
        let scenario = parse_scenario("f8", text).unwrap();
        let report = run_scenario(&scenario, false);
        let svg = space_time_svg(&report.world);
        assert!(svg.starts_with("<svg"), "{}", &svg[..80]);
        assert!(balanced(&svg), "tags must nest");
        assert_eq!(svg.matches(r#"class="lane""#).count(), 5);
        assert!(svg.contains(r#"class="msg""#) && svg.contains(r#"class="crash""#));
        assert!(svg.contains("VIOLATION of Leader Completeness"));
        assert!(!balanced("<svg><g></svg>"), "the check itself can fail");
    }
}
