//! The messages: an arrow from sending to arrival (a dashed one ending in a cross when the
//! network lost it), coloured by kind, with its short label written along it.
//!
//! Labels are placed after every arrow is drawn, most useful first, so that when they crowd it
//! is the heartbeats' (which say least) that are left out: arrows that deliver something other
//! than a heartbeat, then drops, then heartbeats. A label that would cover another tries a few
//! places along its arrow and is left out if none is free; every arrow keeps its whole trace
//! line as a tooltip.

use super::label::{short_label, Placer, Rect, CHAR_PX, LINE_PX};
use super::scale::Scale;
use super::{esc, Layout};
use crate::node::RaftMessage;
use crate::trace::{TraceEvent, TraceLine};
use raft::MessageKind;
use std::fmt::Write;

/// Line colour and (darker, for legibility) label colour of a kind.
pub(super) fn colours(kind: MessageKind) -> (&'static str, &'static str) {
    match kind {
        MessageKind::AppendEntries => ("#1f6fd0", "#1a5fb4"),
        MessageKind::AppendEntriesResponse => ("#7fb0ea", "#3d7cc4"),
        MessageKind::RequestVote | MessageKind::PreVote => ("#e07b00", "#b86400"),
        MessageKind::RequestVoteResponse | MessageKind::PreVoteResponse => ("#f3b866", "#a86d12"),
        MessageKind::Heartbeat | MessageKind::HeartbeatResponse => ("#a0a0a0", "#707070"),
        MessageKind::ReadIndex | MessageKind::ReadIndexResponse => ("#2a9d8f", "#1f776c"),
        MessageKind::TimeoutNow
        | MessageKind::Snapshot
        | MessageKind::SnapshotResponse
        | MessageKind::Other => ("#8e44ad", "#7a3596"),
    }
}

fn is_heartbeat(kind: MessageKind) -> bool {
    matches!(
        kind,
        MessageKind::Heartbeat | MessageKind::HeartbeatResponse
    )
}

/// A drawn arrow, waiting for its label.
pub(super) struct Arrow {
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
    label: String,
    title: String,
    text_colour: &'static str,
    /// Lower goes first: 0 delivered, 1 dropped, 2 heartbeats.
    rank: u8,
}

/// How many labels were written.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Labelled {
    pub arrows: usize,
    pub labelled: usize,
    pub heartbeats_left_out: usize,
}

/// Draws every message of `lines` (those sent before the window start at its top edge).
/// `drop_px` is how far down a dropped message's dashed stub reaches at full length.
pub(super) fn draw<M: RaftMessage>(
    s: &mut String,
    lines: &[&TraceLine<M>],
    layout: &Layout,
    scale: &Scale,
    drop_px: f64,
) -> Vec<Arrow> {
    let mut arrows = Vec::new();
    for l in lines {
        let (from, to, message, sent_us, dropped, dup) = match &l.event {
            TraceEvent::Deliver {
                from,
                to,
                message,
                sent_us,
                duplicate,
            } => (*from, *to, message, *sent_us, false, *duplicate),
            TraceEvent::Drop {
                from,
                to,
                message,
                sent_us,
                ..
            } => (*from, *to, message, *sent_us, true, false),
            _ => continue,
        };
        let kind = message.kind();
        let (line_colour, text_colour) = colours(kind);
        let (x0, y0) = (layout.x(from), scale.y(sent_us));
        let (mut x1, mut y1) = (layout.x(to), scale.y(l.t_us));
        let title = esc(&l.to_string());
        if dropped {
            // Lost on the way: a stub halfway to the receiver, at a message's usual slope.
            // 45% of the way: on no lane, for clusters below twenty nodes.
            (x1, y1) = (x0 + 0.45 * (x1 - x0), y0 + 0.45 * (y1 - y0).max(drop_px));
            let _ = writeln!(
                s,
                r##"<g class="dropped"><title>{title}</title><line x1="{x0:.1}" y1="{y0:.1}" x2="{x1:.1}" y2="{y1:.1}" stroke="{line_colour}" stroke-width="1.2" stroke-dasharray="4,3"/><path d="M{:.1} {:.1}l7 7m0 -7l-7 7" stroke="#d00" stroke-width="1.6"/></g>"##,
                x1 - 3.5,
                y1 - 3.5
            );
        } else {
            let _ = writeln!(
                s,
                r#"<line class="msg" x1="{x0:.1}" y1="{y0:.1}" x2="{x1:.1}" y2="{y1:.1}" stroke="{line_colour}" stroke-width="1.2" marker-end="url(#arrow)"><title>{title}</title></line>"#
            );
        }
        let mut label = short_label(&message.to_string(), kind);
        if dup {
            label.push_str(" dup");
        }
        let rank = if is_heartbeat(kind) { 2 } else { dropped as u8 };
        arrows.push(Arrow {
            x0,
            y0,
            x1,
            y1,
            label,
            title,
            text_colour,
            rank,
        });
    }
    arrows
}

/// Writes the labels of `arrows` where they fit, best first; `lanes` are the lanes' x.
pub(super) fn label(
    s: &mut String,
    arrows: &[Arrow],
    lanes: &[f64],
    placer: &mut Placer,
) -> Labelled {
    let mut count = Labelled {
        arrows: arrows.len(),
        ..Labelled::default()
    };
    for rank in 0..=2 {
        for i in (0..arrows.len()).filter(|&i| arrows[i].rank == rank) {
            if place(s, i, arrows, lanes, placer) {
                count.labelled += 1;
            } else if rank == 2 {
                count.heartbeats_left_out += 1;
            }
        }
    }
    count
}

/// Where along its arrow a label may go, the midpoint first.
const ALONG: [f64; 7] = [0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8];

/// Places arrow `i`'s label on a free spot along it, the one the fewest other arrows (and then
/// lanes) cross; false if no spot is free.
fn place(s: &mut String, i: usize, arrows: &[Arrow], lanes: &[f64], placer: &mut Placer) -> bool {
    let a = &arrows[i];
    let (dx, dy) = (a.x1 - a.x0, a.y1 - a.y0);
    // Upright: text reads left to right whichever way the arrow points.
    let mut degrees = dy.atan2(dx).to_degrees();
    if degrees > 90.0 {
        degrees -= 180.0;
    } else if degrees < -90.0 {
        degrees += 180.0;
    }
    let chars = a.label.chars().count();
    let (sin, cos) = degrees.to_radians().sin_cos();
    let half = (chars as f64 * CHAR_PX / 2.0 + 1.0, LINE_PX / 2.0);
    let mut best: Option<(f64, f64, f64, Rect)> = None;
    for f in ALONG {
        let (cx, cy) = (a.x0 + f * dx, a.y0 + f * dy);
        // The text sits just above its arrow: its box is centred 6px off the line.
        let centre = (cx + 6.0 * sin, cy - 6.0 * cos);
        let rect = Rect::around(centre.0, centre.1, chars, degrees);
        if !placer.is_free(&rect) {
            continue;
        }
        let crossings = (arrows.iter().enumerate())
            .filter(|(j, b)| *j != i && crosses(b, centre, (sin, cos), half))
            .count() as f64;
        let lanes_under = lanes
            .iter()
            .filter(|x| rect.x0 < **x && **x < rect.x1)
            .count();
        let score = crossings + 0.3 * lanes_under as f64 + (f - 0.5).abs();
        if best.is_none_or(|b| score < b.0) {
            best = Some((score, cx, cy, rect));
        }
    }
    let Some((_, cx, cy, rect)) = best else {
        return false;
    };
    placer.take(rect);
    let width = chars as f64 * CHAR_PX + 2.0;
    let _ = writeln!(
        s,
        r##"<g transform="rotate({degrees:.1} {cx:.1} {cy:.1})"><rect x="{:.1}" y="{:.1}" width="{width:.1}" height="{LINE_PX:.1}" fill="#fff" opacity="0.85"/><text class="label" x="{cx:.1}" y="{:.1}" text-anchor="middle" font-size="10" fill="{}">{}<title>{}</title></text></g>"##,
        cx - width / 2.0,
        cy - 3.0 - 8.5,
        cy - 3.0,
        a.text_colour,
        esc(&a.label),
        a.title
    );
    true
}

/// Whether arrow `b` passes through the box of half sizes `half` centred on `centre` and
/// turned by the angle of (`sin`, `cos`): the segment clipped to the box (Liang–Barsky) in
/// the box's own frame.
fn crosses(b: &Arrow, centre: (f64, f64), (sin, cos): (f64, f64), half: (f64, f64)) -> bool {
    let frame = |x: f64, y: f64| {
        let (dx, dy) = (x - centre.0, y - centre.1);
        (dx * cos + dy * sin, -dx * sin + dy * cos)
    };
    let (p, q) = (frame(b.x0, b.y0), frame(b.x1, b.y1));
    let (dx, dy) = (q.0 - p.0, q.1 - p.1);
    let (mut t0, mut t1) = (0.0_f64, 1.0_f64);
    for (pk, qk) in [
        (-dx, p.0 + half.0),
        (dx, half.0 - p.0),
        (-dy, p.1 + half.1),
        (dy, half.1 - p.1),
    ] {
        if pk == 0.0 {
            if qk < 0.0 {
                return false;
            }
        } else if pk < 0.0 {
            t0 = t0.max(qk / pk);
        } else {
            t1 = t1.min(qk / pk);
        }
        if t0 > t1 {
            return false;
        }
    }
    true
}
