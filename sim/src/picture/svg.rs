//! The space-time diagram (Lamport 1978; Maelstrom's messages.svg) of a world whose whole trace
//! was kept: time runs down, one lane per node, an arrow per message from its sending to its
//! arrival, labelled along it with its type and key fields ("AE t4 prev 2:2 [3:4] c1",
//! "vote ✓ t5"; `label.rs`), each with its whole trace line as a tooltip. A dropped message is
//! a dashed stub crossed where it was lost. A node's lane stops at its crash (a red cross) and
//! starts again at its restart (a ring); each leadership is a green bar along its lane with its
//! term; commit points are dots with the new commit index; network faults (partitions, cuts,
//! kept links, up to the heal) shade the lanes and are named, with the other network events,
//! in a column on the right; violations are red lines. Where the configuration changes (thesis
//! chapter 4) a brown tick on a node's lane names its new configuration, the change asked of
//! the leader is noted in the right column, and a lane is dashed while its node is outside
//! its own configuration (a spare, or removed) and dotted while it is a learner; a run that
//! never leaves its boot configuration of every node a voter draws none of these (nor their
//! legend row). Client operations, ticks, timeouts and disk completions are not drawn (the
//! HTML page shows clients).
//!
//! A header says what the picture shows and a legend explains every colour and mark. The
//! picture is bounded whatever the run ([`MAX_HEIGHT`], [`MAX_WIDTH`]): idle stretches are
//! cut short behind a zig-zag that says how long they were (`scale.rs`), and a run still too
//! tall or too crowded to read is drawn only around its first violation (its start if none),
//! the header saying what was left out. The output is a pure function of the world.

mod arrows;
mod label;
mod legend;
mod marks;
mod scale;
mod spans;
#[cfg(test)]
mod tests;

use crate::node::RaftNode;
use crate::trace::{TraceEvent, TraceLine};
use crate::world::World;
use label::Placer;
use scale::{Scale, Window};
use std::fmt::Write;

/// Bound on the drawing's height, in pixels.
pub const MAX_HEIGHT: f64 = 4000.0;
/// Bound on its width: lanes come closer together in bigger clusters.
pub const MAX_WIDTH: f64 = 1200.0;
/// Bound on the messages drawn, so that the arrows can still be told apart.
const MAX_MESSAGES: usize = 300;
const MIN_WIDTH: f64 = 840.0;
/// Where the first lane is (the time axis and break labels are left of it).
const LEFT: f64 = 96.0;
const MAX_LANE_GAP: f64 = 170.0;
/// Room right of the last lane for its leader's label.
const LEADER_ROOM: f64 = 72.0;
const NOTES_PX: f64 = 250.0;
const BOTTOM_PX: f64 = 30.0;
/// Where lane names are written, and where time starts below them.
const NAMES_Y: f64 = legend::HEADER_PX + legend::LEGEND_PX + 26.0;
const BODY_TOP: f64 = NAMES_Y + 24.0;

/// Where the lanes and columns are.
pub(super) struct Layout {
    left: f64,
    gap: f64,
    notes_x: f64,
    width: f64,
}

impl Layout {
    fn new(nodes: u8) -> Layout {
        let spaces = nodes.max(1) as f64 - 1.0;
        let gap = match spaces {
            0.0 => 0.0,
            _ => ((MAX_WIDTH - LEFT - LEADER_ROOM - NOTES_PX) / spaces).min(MAX_LANE_GAP),
        };
        let notes_x = LEFT + gap * spaces + LEADER_ROOM;
        Layout {
            left: LEFT,
            gap,
            notes_x,
            width: (notes_x + NOTES_PX).max(MIN_WIDTH),
        }
    }

    fn x(&self, node: raft::NodeId) -> f64 {
        self.left + (node.0 as f64 - 1.0) * self.gap
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `s` cut to `chars` characters, the cut marked.
fn clip(s: &str, chars: usize) -> String {
    if s.chars().count() <= chars {
        return s.to_string();
    }
    let mut out: String = s.chars().take(chars.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// The moments a line puts on the drawing (ticks, disk completions and clients put none).
fn drawn_times<M: crate::node::RaftMessage>(l: &TraceLine<M>, out: &mut Vec<u64>) {
    match &l.event {
        TraceEvent::Deliver { sent_us, .. } | TraceEvent::Drop { sent_us, .. } => {
            out.extend([*sent_us, l.t_us])
        }
        TraceEvent::Crash { .. }
        | TraceEvent::Restart { .. }
        | TraceEvent::Role { .. }
        | TraceEvent::Commit { .. }
        | TraceEvent::Fault { .. }
        | TraceEvent::Config { .. }
        | TraceEvent::Membership { .. } => out.push(l.t_us),
        _ => {}
    }
}

/// What part of the run is drawn, and at what scale.
struct View {
    window: Window,
    whole: bool,
    scale: Scale,
    /// How far down a message travels in a typical latency.
    latency_px: f64,
    messages: usize,
    messages_before: usize,
    messages_after: usize,
}

fn view<M: crate::node::RaftMessage>(
    lines: &[&TraceLine<M>],
    found: &[(u64, String)],
    end_us: u64,
) -> View {
    let (mut times, mut latencies, mut arrivals) = (Vec::new(), Vec::new(), Vec::new());
    for l in lines {
        drawn_times(l, &mut times);
        match &l.event {
            TraceEvent::Deliver { sent_us, .. } => {
                latencies.push((l.t_us, l.t_us - sent_us));
                arrivals.push(l.t_us);
            }
            TraceEvent::Drop { .. } => arrivals.push(l.t_us),
            _ => {}
        }
    }
    times.extend(found.iter().map(|f| f.0));
    times.push(end_us);
    times.sort_unstable();
    times.dedup();
    arrivals.sort_unstable();
    let whole = Window {
        from_us: times[0],
        to_us: end_us,
    };
    // The scale of the messages and moments inside a window.
    let scale_of = |w: &Window| {
        let inside = |t: &u64| w.from_us <= *t && *t <= w.to_us;
        let mut lat: Vec<u64> = (latencies.iter().filter(|l| inside(&l.0)))
            .map(|l| l.1)
            .collect();
        let kept: Vec<u64> = times.iter().copied().filter(inside).collect();
        let messages = arrivals.iter().filter(|t| inside(t)).count();
        scale::px_per_us(&mut lat, &kept, messages)
    };
    let (mut px_per_us, mut latency_us) = scale_of(&whole);
    let global = Scale::new(&times, BODY_TOP, px_per_us);
    let budget_px = MAX_HEIGHT - BODY_TOP - BOTTOM_PX;
    let fits = global.bottom() - BODY_TOP <= budget_px && arrivals.len() <= MAX_MESSAGES;
    let mut window = whole;
    if !fits {
        let focus = found.first().map_or(times[0], |f| f.0);
        let first = scale::window_around(&global, &arrivals, focus, budget_px, MAX_MESSAGES);
        // A crowded stretch gets room of its own: rescaled, and cut again at that scale.
        (px_per_us, latency_us) = scale_of(&first);
        let rescaled = Scale::new(&times, BODY_TOP, px_per_us);
        window = scale::window_around(&rescaled, &arrivals, focus, budget_px, MAX_MESSAGES);
    }
    View {
        window,
        whole: fits,
        scale: scale::within(&times, &window, BODY_TOP, px_per_us),
        latency_px: latency_us as f64 * px_per_us,
        messages: arrivals.len(),
        messages_before: arrivals.partition_point(|&t| t < window.from_us),
        messages_after: arrivals.len() - arrivals.partition_point(|&t| t <= window.to_us),
    }
}

/// The diagram of a world whose whole trace was kept.
pub fn space_time_svg<N: RaftNode>(world: &World<N>) -> String {
    let all: Vec<&TraceLine<N::Message>> = world.trace.lines().collect();
    let found: Vec<(u64, String)> = world
        .violations()
        .iter()
        .zip(&world.violation_times)
        .map(|(v, t)| (*t, format!("{}: {}", v.property.name(), v.detail)))
        .collect();
    let end_us = (all.last().map_or(0, |l| l.t_us))
        .max(world.now_us())
        .max(found.iter().map(|f| f.0).max().unwrap_or(0));
    let nodes = world.config.nodes;
    let layout = Layout::new(nodes);
    let v = view(&all, &found, end_us);
    let (w, scale) = (&v.window, &v.scale);
    let lines: Vec<&TraceLine<N::Message>> = all
        .iter()
        .copied()
        .filter(|l| w.from_us <= l.t_us && l.t_us <= w.to_us)
        .collect();
    let boot = world.config.boot_membership();
    let spans = spans::spans(&all, nodes, &boot, end_us);
    // Whether the picture draws configurations at all (and so their legend row).
    let configurations = !spans.not_voting.is_empty()
        || !spans.asked.is_empty()
        || (all.iter()).any(|l| matches!(l.event, TraceEvent::Membership { .. }));
    let shown: Vec<(u64, String)> = found
        .iter()
        .filter(|f| w.from_us <= f.0 && f.0 <= w.to_us)
        .cloned()
        .collect();
    // Layers, bottom to top; the placer hands out room in order of importance instead.
    let (mut back, mut messages, mut points, mut labels, mut front) = Default::default();
    let mut placer = Placer::default();
    marks::violations(&mut front, &shown, &layout, scale, &mut placer);
    let mut notes = marks::bands(&mut back, &spans.bands, &layout, scale, w);
    notes.extend(
        (spans.notes.iter())
            .filter(|n| w.from_us <= n.0 && n.0 <= w.to_us)
            .map(|(t, text)| (*t, text.clone(), "#555")),
    );
    notes.extend(
        (spans.asked.iter())
            .filter(|n| w.from_us <= n.0 && n.0 <= w.to_us)
            .map(|(t, text)| (*t, text.clone(), marks::CONFIG_INK)),
    );
    let lane_marks = marks::Lanes {
        down: &spans.down,
        not_voting: &spans.not_voting,
    };
    marks::lanes(&mut back, nodes, &lane_marks, &layout, scale, w);
    let note_boxes = marks::note_boxes(&notes, &layout, scale);
    marks::points(
        &mut points,
        &lines,
        &layout,
        scale,
        &mut placer,
        &note_boxes,
    );
    marks::leaders(&mut back, &spans.leaders, &layout, scale, w, &mut placer);
    marks::breaks(&mut back, scale, &layout);
    marks::axis(&mut back, scale);
    let drawn = arrows::draw(&mut messages, &lines, &layout, scale, v.latency_px);
    let lanes: Vec<f64> = world.ids().map(|id| layout.x(id)).collect();
    let labelled = arrows::label(&mut labels, &drawn, &lanes, &mut placer);
    marks::notes(&mut front, notes, &layout, scale);
    let summary = legend::Summary {
        seed: world.seed,
        nodes,
        implementation: N::NAME,
        start_us: all.first().map_or(0, |l| l.t_us),
        end_us,
        window: (!v.whole).then_some(*w),
        messages: v.messages,
        messages_before: v.messages_before,
        messages_after: v.messages_after,
        breaks: scale.breaks().count(),
        violation: found.first().cloned(),
        labels: labelled,
        configurations,
    };
    let height = scale.bottom() + BOTTOM_PX;
    document(
        &summary,
        &layout,
        height,
        [back, messages, points, labels, front],
    )
}

/// The whole SVG: header, legend, lane names, then the layers bottom to top.
fn document(
    summary: &legend::Summary,
    layout: &Layout,
    height: f64,
    layers: [String; 5],
) -> String {
    let width = layout.width;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" font-family="monospace" font-size="11">"#
    );
    s.push_str(r##"<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="context-stroke"/></marker></defs><rect width="100%" height="100%" fill="#fff"/>"##);
    s.push('\n');
    legend::header(&mut s, summary, width);
    legend::legend(&mut s, legend::HEADER_PX, width, summary.configurations);
    marks::names(&mut s, summary.nodes, layout, NAMES_Y);
    for layer in layers {
        s.push_str(&layer);
    }
    s.push_str("</svg>\n");
    s
}
