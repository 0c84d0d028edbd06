//! Everything on the diagram but the messages: lanes (with a gap while a node is down), the
//! shading of network faults, leaderships, breaks in time, the time axis, crash, restart and
//! commit marks, notes of the other network events, and violations.

use super::label::{Placer, Rect, CHAR_PX};
use super::scale::{Scale, Window};
use super::spans::{Band, Leadership};
use super::{clip, esc, Layout};
use crate::node::RaftMessage;
use crate::trace::{TraceEvent, TraceLine, VirtualTime};
use raft::NodeId;
use std::fmt::Write;

pub(super) const FAULT_INK: &str = "#7b3fb0";
const FAULT_FILL: &str = "#efe3fa";
const LEADER_INK: &str = "#2a9d3a";
const CRASH_INK: &str = "#d00";

/// The part of `[from, to]` inside the window, if any.
fn clipped(w: &Window, from: u64, to: u64) -> Option<(u64, u64)> {
    let (a, b) = (from.max(w.from_us), to.min(w.to_us));
    (a <= b).then_some((a, b))
}

/// Each node's lane, drawn only while the node is up: one segment per stretch between its
/// crashes and restarts (`data-from-us`/`data-to-us` say which).
pub(super) fn lanes(
    s: &mut String,
    nodes: u8,
    down: &[(NodeId, u64, u64)],
    layout: &Layout,
    scale: &Scale,
    w: &Window,
) {
    for n in 1..=nodes {
        let id = NodeId(n);
        let xx = layout.x(id);
        let mut from = w.from_us;
        let mut gaps: Vec<(u64, u64)> = down
            .iter()
            .filter(|(node, ..)| *node == id)
            .filter_map(|&(_, a, b)| clipped(w, a, b))
            .collect();
        gaps.sort_unstable();
        let segment = |s: &mut String, a: u64, b: u64| {
            let _ = writeln!(
                s,
                r##"<line class="lane" data-node="{id}" data-from-us="{a}" data-to-us="{b}" x1="{xx:.1}" y1="{:.1}" x2="{xx:.1}" y2="{:.1}" stroke="#444" stroke-width="1"/>"##,
                scale.y(a),
                scale.y(b)
            );
        };
        for (a, b) in gaps {
            if a > from {
                segment(s, from, a);
            }
            let (ya, yb) = (scale.y(a), scale.y(b));
            if yb - ya > 40.0 {
                let _ = writeln!(
                    s,
                    r##"<text x="{xx:.1}" y="{:.1}" text-anchor="middle" fill="#c66" font-size="9" font-style="italic">down</text>"##,
                    (ya + yb) / 2.0
                );
            }
            from = from.max(b);
        }
        if from < w.to_us || w.from_us == w.to_us {
            segment(s, from, w.to_us);
        }
    }
}

/// The node names above the lanes, and the notes column's heading.
pub(super) fn names(s: &mut String, nodes: u8, layout: &Layout, y: f64) {
    for n in 1..=nodes {
        let _ = writeln!(
            s,
            r#"<text class="node" x="{:.1}" y="{y:.1}" text-anchor="middle" font-size="14" font-weight="bold">n{n}</text>"#,
            layout.x(NodeId(n))
        );
    }
    let _ = writeln!(
        s,
        r#"<text x="{:.1}" y="{y:.1}" fill="{FAULT_INK}" font-weight="bold">network</text>"#,
        layout.notes_x
    );
}

/// A shaded band across the lanes while the network is cut; its description goes to the notes.
pub(super) fn bands(
    s: &mut String,
    bands: &[Band],
    layout: &Layout,
    scale: &Scale,
    w: &Window,
) -> Vec<(u64, String, &'static str)> {
    let mut notes = Vec::new();
    for b in bands {
        let Some((from, to)) = clipped(w, b.from_us, b.to_us) else {
            continue;
        };
        let (y0, y1) = (scale.y(from), scale.y(to));
        let _ = writeln!(
            s,
            r##"<rect class="partition" x="{:.1}" y="{y0:.1}" width="{:.1}" height="{:.1}" fill="{FAULT_FILL}"><title>{}</title></rect>"##,
            layout.left - 30.0,
            layout.width - layout.left + 20.0,
            (y1 - y0).max(1.0),
            esc(&b.what)
        );
        notes.push((from, b.what.clone(), FAULT_INK));
    }
    notes
}

/// Each leadership as a green bar along its lane, labelled with its term where there is room.
pub(super) fn leaders(
    s: &mut String,
    leaders: &[Leadership],
    layout: &Layout,
    scale: &Scale,
    w: &Window,
    placer: &mut Placer,
) {
    for l in leaders {
        let Some((from, to)) = clipped(w, l.from_us, l.to_us) else {
            continue;
        };
        let (xx, y0, y1) = (layout.x(l.node), scale.y(from), scale.y(to));
        let _ = writeln!(
            s,
            r##"<rect class="leader" x="{:.1}" y="{y0:.1}" width="7" height="{:.1}" fill="{LEADER_INK}" opacity="0.75"><title>{} leads term {}</title></rect>"##,
            xx - 3.5,
            (y1 - y0).max(2.0),
            l.node,
            l.term
        );
        let text = format!("leader t{}", l.term);
        if placer.try_take(Rect::text(xx + 7.0, y0 + 11.0, text.len())) {
            let _ = writeln!(
                s,
                r#"<text x="{:.1}" y="{:.1}" fill="{LEADER_INK}" font-weight="bold">{text}</text>"#,
                xx + 7.0,
                y0 + 11.0
            );
        }
    }
}

/// Each break in time: the lanes cut between two zig-zags, and the time skipped.
pub(super) fn breaks(s: &mut String, scale: &Scale, layout: &Layout) {
    let (x0, x1) = (layout.left - 30.0, layout.width - 10.0);
    for (y0, y1, skipped_us) in scale.breaks() {
        let ym = (y0 + y1) / 2.0;
        let zigzag = |y: f64| {
            let mut pts = String::new();
            let mut x = x0;
            let mut up = true;
            while x <= x1 {
                let _ = write!(pts, "{x:.0},{:.1} ", if up { y - 3.0 } else { y + 3.0 });
                x += 8.0;
                up = !up;
            }
            pts
        };
        let _ = writeln!(
            s,
            r##"<g class="break"><rect x="{x0:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="#fff"/><polyline points="{}" fill="none" stroke="#999"/><polyline points="{}" fill="none" stroke="#999"/><text x="4" y="{:.1}" fill="#555" font-size="10">… {} …<title>{} with nothing drawn</title></text></g>"##,
            ym - 6.0,
            x1 - x0,
            12.0,
            zigzag(ym - 6.0),
            zigzag(ym + 6.0),
            ym + 4.0,
            rounded(skipped_us),
            VirtualTime(skipped_us)
        );
    }
}

/// A skipped duration as short as it reads: "480ms", "2.5ms", "800µs".
fn rounded(us: u64) -> String {
    match us {
        10_000.. => format!("{}ms", (us + 500) / 1000),
        1_000.. => format!("{:.1}ms", us as f64 / 1000.0),
        _ => format!("{us}µs"),
    }
}

/// Times down the left margin: at the start of every stretch, and at round steps within.
pub(super) fn axis(s: &mut String, scale: &Scale) {
    let step_us = [
        100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000,
    ]
    .into_iter()
    .find(|st| *st as f64 * scale.px_per_us >= 60.0)
    .unwrap_or(1_000_000);
    for st in &scale.stretches {
        let mut last_y = f64::NEG_INFINITY;
        let mut t = st.from_us;
        while t <= st.to_us {
            let y = scale.y(t);
            if y - last_y >= 18.0 {
                let _ = writeln!(
                    s,
                    r##"<text class="time" x="4" y="{:.1}" fill="#888" font-size="10">{}</text>"##,
                    y + 3.0,
                    VirtualTime(t)
                );
                let _ = writeln!(
                    s,
                    r##"<line x1="60" y1="{y:.1}" x2="66" y2="{y:.1}" stroke="#bbb"/>"##
                );
                last_y = y;
            }
            t = (t / step_us + 1) * step_us;
        }
    }
}

/// Crashes (a big cross, and the writes lost), restarts (a ring) and commits (a dot and the
/// new commit index).
pub(super) fn points<M: RaftMessage>(
    s: &mut String,
    lines: &[&TraceLine<M>],
    layout: &Layout,
    scale: &Scale,
    placer: &mut Placer,
) {
    for l in lines {
        let y = scale.y(l.t_us);
        let title = esc(&l.to_string());
        match &l.event {
            TraceEvent::Crash { node, lost_writes } => {
                let xx = layout.x(*node);
                let _ = writeln!(
                    s,
                    r##"<path class="crash" d="M{:.1} {:.1}l12 12m0 -12l-12 12" stroke="{CRASH_INK}" stroke-width="3"><title>{title}</title></path>"##,
                    xx - 6.0,
                    y - 6.0
                );
                let text = match lost_writes {
                    0 => "crash".to_string(),
                    n => format!("crash, {n} write(s) lost"),
                };
                placer.take(Rect::text(xx - 7.0, y + 7.0, 2));
                if placer.try_take(Rect::text(xx + 9.0, y + 4.0, text.len())) {
                    let _ = writeln!(
                        s,
                        r#"<text x="{:.1}" y="{:.1}" fill="{CRASH_INK}" font-size="10">{text}</text>"#,
                        xx + 9.0,
                        y + 4.0
                    );
                }
            }
            TraceEvent::Restart { node } => {
                let xx = layout.x(*node);
                let _ = writeln!(
                    s,
                    r##"<circle class="restart" cx="{xx:.1}" cy="{y:.1}" r="5" fill="#fff" stroke="{LEADER_INK}" stroke-width="2.5"><title>{title}</title></circle>"##
                );
                placer.take(Rect::text(xx - 6.0, y + 6.0, 2));
            }
            TraceEvent::Commit { node, index } => {
                let xx = layout.x(*node);
                let _ = writeln!(
                    s,
                    r##"<circle class="commit" cx="{xx:.1}" cy="{y:.1}" r="2.5" fill="#000"><title>{title}</title></circle>"##
                );
                let text = format!("c{index}");
                let x0 = xx - 5.0 - text.len() as f64 * CHAR_PX;
                if placer.try_take(Rect::text(x0, y + 3.0, text.len())) {
                    let _ = writeln!(
                        s,
                        r##"<text x="{x0:.1}" y="{:.1}" fill="#333" font-size="10">{text}</text>"##,
                        y + 3.0
                    );
                }
            }
            _ => {}
        }
    }
}

/// The notes column: each network event at its time, pushed down when they come together.
pub(super) fn notes(
    s: &mut String,
    mut notes: Vec<(u64, String, &'static str)>,
    layout: &Layout,
    scale: &Scale,
) {
    notes.sort_by_key(|n| n.0);
    let room = ((layout.width - layout.notes_x - 8.0) / CHAR_PX) as usize;
    let mut next_y = f64::NEG_INFINITY;
    for (t, text, ink) in notes {
        let y = scale.y(t);
        let at = (y + 3.0).max(next_y);
        if at > scale.bottom() + 30.0 {
            break;
        }
        let _ = writeln!(
            s,
            r##"<g class="note"><line x1="{:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="{ink}"/><text x="{:.1}" y="{at:.1}" fill="{ink}" font-size="10">{}<title>{}</title></text></g>"##,
            layout.notes_x - 10.0,
            layout.notes_x - 3.0,
            layout.notes_x,
            esc(&clip(&text, room)),
            esc(&text)
        );
        next_y = at + 12.0;
    }
}

/// A red line across the drawing where each violation was found, and what it was.
pub(super) fn violations(
    s: &mut String,
    found: &[(u64, String)],
    layout: &Layout,
    scale: &Scale,
    placer: &mut Placer,
) {
    let room = ((layout.width - layout.left) / CHAR_PX) as usize;
    for (t, text) in found {
        let y = scale.y(*t);
        let shown = clip(text, room);
        placer.take(Rect::text(
            layout.left - 20.0,
            y - 4.0,
            shown.chars().count(),
        ));
        let _ = writeln!(
            s,
            r##"<g class="violation"><line x1="{:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="{CRASH_INK}" stroke-width="2"/><text x="{:.1}" y="{:.1}" fill="{CRASH_INK}" font-weight="bold" stroke="#fff" stroke-width="3" paint-order="stroke">{}<title>{}</title></text></g>"##,
            layout.left - 30.0,
            layout.width - 10.0,
            layout.left - 20.0,
            y - 4.0,
            esc(&shown),
            esc(text)
        );
    }
}
