//! Everything on the diagram but the messages: lanes (with a gap while a node is down, dashed
//! or dotted while it is not a voter of its configuration), the shading of network faults,
//! leaderships, breaks in time, the time axis, crash, restart, commit and configuration marks,
//! notes of the other network events and of the configuration changes asked, and violations.

use super::label::{Placer, Rect, CHAR_PX};
use super::scale::{Scale, Window};
use super::spans::{Band, Leadership, NotVoting, Standing};
use super::{clip, esc, Layout};
use crate::node::RaftMessage;
use crate::trace::{TraceEvent, TraceLine, VirtualTime};
use raft::{Membership, NodeId};
use std::fmt::Write;

pub(super) const FAULT_INK: &str = "#7b3fb0";
/// Configuration changes: the ticks on the lanes and the changes asked in the notes.
pub(super) const CONFIG_INK: &str = "#a0522d";
const FAULT_FILL: &str = "#efe3fa";
const LEADER_INK: &str = "#2a9d3a";
const CRASH_INK: &str = "#d00";

/// The part of `[from, to]` inside the window, if any.
fn clipped(w: &Window, from: u64, to: u64) -> Option<(u64, u64)> {
    let (a, b) = (from.max(w.from_us), to.min(w.to_us));
    (a <= b).then_some((a, b))
}

/// What the lanes show besides time: when each node was down, and when it was not a voter of
/// its configuration.
pub(super) struct Lanes<'a> {
    pub down: &'a [(NodeId, u64, u64)],
    pub not_voting: &'a [NotVoting],
}

/// Each node's lane, drawn only while the node is up: one segment per stretch between its
/// crashes and restarts (`data-from-us`/`data-to-us` say which), cut again where the node
/// leaves or rejoins the voters of its configuration: dashed and grey while outside it, dotted
/// while a learner (`data-standing` says which).
pub(super) fn lanes(
    s: &mut String,
    nodes: u8,
    lanes: &Lanes,
    layout: &Layout,
    scale: &Scale,
    w: &Window,
) {
    for n in 1..=nodes {
        let id = NodeId(n);
        let xx = layout.x(id);
        let mut from = w.from_us;
        let mut gaps: Vec<(u64, u64)> = (lanes.down.iter())
            .filter(|(node, ..)| *node == id)
            .filter_map(|&(_, a, b)| clipped(w, a, b))
            .collect();
        gaps.sort_unstable();
        let mut standings: Vec<(u64, u64, Standing)> = (lanes.not_voting.iter())
            .filter(|nv| nv.node == id)
            .filter_map(|nv| clipped(w, nv.from_us, nv.to_us).map(|(a, b)| (a, b, nv.standing)))
            .collect();
        standings.sort_unstable_by_key(|&(a, b, _)| (a, b));
        let line = |s: &mut String, a: u64, b: u64, standing: Standing| {
            let (standing, ink, dashes) = match standing {
                Standing::Voter => ("", "#444", ""),
                Standing::Learner => (
                    r#" data-standing="learner""#,
                    "#444",
                    r#" stroke-dasharray="1.5,3""#,
                ),
                Standing::Outside => (
                    r#" data-standing="outside""#,
                    "#aaa",
                    r#" stroke-dasharray="6,4""#,
                ),
            };
            let _ = writeln!(
                s,
                r##"<line class="lane" data-node="{id}" data-from-us="{a}" data-to-us="{b}"{standing} x1="{xx:.1}" y1="{:.1}" x2="{xx:.1}" y2="{:.1}" stroke="{ink}" stroke-width="1"{dashes}/>"##,
                scale.y(a),
                scale.y(b)
            );
        };
        // An up stretch, cut where the node is not a voter.
        let segment = |s: &mut String, a: u64, b: u64| {
            let mut at = a;
            for &(x, y, standing) in &standings {
                let (x, y) = (x.max(at), y.min(b));
                if x >= y {
                    continue;
                }
                if x > at {
                    line(s, at, x, Standing::Voter);
                }
                line(s, x, y, standing);
                at = y;
            }
            // `at == a`: the whole stretch is a voter's (a window of one moment, too).
            if at < b || at == a {
                line(s, at, b, Standing::Voter);
            }
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

/// A configuration as a tick's label: "cfg n1 n2 n3", "cfg n1 n2 n3 +learner n5", and while
/// joint "cfg joint n1 n2 n3 → n2 n3 n4" (C_old → C_new).
pub(super) fn config_label(m: &Membership) -> String {
    let mut s = match m.is_joint() {
        true => format!("cfg joint {} → {}", m.outgoing, m.voters),
        false => format!("cfg {}", m.voters),
    };
    if !m.learners.is_empty() {
        let _ = write!(s, " +learner {}", m.learners);
    }
    s
}

/// Crashes (a big cross, and the writes lost), restarts (a ring), commits (a dot and the new
/// commit index) and changes of a node's configuration (a brown tick and the configuration).
pub(super) fn points<M: RaftMessage>(
    s: &mut String,
    lines: &[&TraceLine<M>],
    layout: &Layout,
    scale: &Scale,
    placer: &mut Placer,
    notes: &[Rect],
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
            TraceEvent::Membership { node, membership } => {
                let xx = layout.x(*node);
                let _ = writeln!(
                    s,
                    r##"<path class="config" data-node="{node}" d="M{:.1} {y:.1}h14" stroke="{CONFIG_INK}" stroke-width="3"><title>{title}</title></path>"##,
                    xx - 7.0
                );
                let text = config_label(membership);
                let chars = text.chars().count();
                // Right of the lane where there is room (clear of the notes), else left of it
                // (right of the time axis), else only the tooltip.
                let right = Rect::text(xx + 9.0, y + 4.0, chars);
                let left = Rect::text(xx - 9.0 - chars as f64 * CHAR_PX, y + 4.0, chars);
                let at = [right, left]
                    .into_iter()
                    .filter(|r| r.x0 >= layout.left - 30.0 && r.x1 <= layout.width - 8.0)
                    .filter(|r| !notes.iter().any(|n| n.overlaps(r)))
                    .find_map(|r| {
                        let x0 = r.x0;
                        placer.try_take(r).then_some(x0)
                    });
                if let Some(x0) = at {
                    let _ = writeln!(
                        s,
                        r##"<text class="config" x="{x0:.1}" y="{:.1}" fill="{CONFIG_INK}" font-size="10" stroke="#fff" stroke-width="3" paint-order="stroke">{}<title>{title}</title></text>"##,
                        y + 4.0,
                        esc(&text)
                    );
                }
            }
            _ => {}
        }
    }
}

/// Where [`notes`] writes each note: the baseline of its text, at its time's height pushed
/// down below the note before; `times` in order.
fn note_rows(times: impl Iterator<Item = u64>, scale: &Scale) -> Vec<(f64, f64)> {
    let mut rows = Vec::new();
    let mut next_y = f64::NEG_INFINITY;
    for t in times {
        let y = scale.y(t);
        let at = (y + 3.0).max(next_y);
        if at > scale.bottom() + 30.0 {
            break;
        }
        rows.push((y, at));
        next_y = at + 12.0;
    }
    rows
}

/// The room each note of the notes column takes, its mark and its text, for the labels
/// that may reach into the column to keep clear of.
pub(super) fn note_boxes(
    notes: &[(u64, String, &'static str)],
    layout: &Layout,
    scale: &Scale,
) -> Vec<Rect> {
    let mut times: Vec<u64> = notes.iter().map(|n| n.0).collect();
    times.sort_unstable();
    let room = ((layout.width - layout.notes_x - 8.0) / CHAR_PX) as usize;
    (note_rows(times.into_iter(), scale).into_iter())
        .map(|(y, at)| {
            let mut r = Rect::text(layout.notes_x - 10.0, at, room + 2);
            r.y0 = r.y0.min(y - 2.0);
            r
        })
        .collect()
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
    let rows = note_rows(notes.iter().map(|n| n.0), scale);
    for ((text, ink), (y, at)) in notes
        .into_iter()
        .map(|(_, text, ink)| (text, ink))
        .zip(rows)
    {
        let _ = writeln!(
            s,
            r##"<g class="note"><line x1="{:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="{ink}"/><text x="{:.1}" y="{at:.1}" fill="{ink}" font-size="10">{}<title>{}</title></text></g>"##,
            layout.notes_x - 10.0,
            layout.notes_x - 3.0,
            layout.notes_x,
            esc(&clip(&text, room)),
            esc(&text)
        );
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
