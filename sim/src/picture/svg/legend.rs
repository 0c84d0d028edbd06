//! The top of the diagram: a header that says what the picture shows (and what it leaves out),
//! and a legend of every colour and mark, so that the diagram reads without its source.

use super::arrows::{colours, Labelled};
use super::marks::{CONFIG_INK, FAULT_INK};
use super::scale::Window;
use super::{clip, esc};
use crate::trace::VirtualTime;
use raft::MessageKind;
use std::fmt::Write;

/// Height of the header's five lines.
pub(super) const HEADER_PX: f64 = 96.0;
/// Height of the legend box.
pub(super) const LEGEND_PX: f64 = 222.0;

/// What the header says.
pub(super) struct Summary {
    pub seed: u64,
    pub nodes: u8,
    pub implementation: &'static str,
    pub start_us: u64,
    pub end_us: u64,
    /// The window, when the picture is not the whole run.
    pub window: Option<Window>,
    pub messages: usize,
    pub messages_before: usize,
    pub messages_after: usize,
    pub breaks: usize,
    /// The first violation's time and "property: detail".
    pub violation: Option<(u64, String)>,
    pub labels: Labelled,
    /// It draws configurations (a change, or a node not a voter): the legend explains them.
    pub configurations: bool,
}

pub(super) fn header(s: &mut String, m: &Summary, width: f64) {
    let room = ((width - 16.0) / 6.6) as usize;
    let title = format!(
        "Space-time diagram: seed {}, {} node(s) ({}), t={}–{} of virtual time",
        m.seed,
        m.nodes,
        m.implementation,
        VirtualTime(m.start_us),
        VirtualTime(m.end_us)
    );
    let cut = match m.breaks {
        0 => "no idle stretch to cut".to_string(),
        1 => "1 idle stretch cut short (zig-zag)".to_string(),
        n => format!("{n} idle stretches cut short (zig-zags)"),
    };
    let shown =
        match m.window {
            None => format!("Shown: the whole run ({} messages); {cut}.", m.messages),
            Some(w) => {
                format!(
            "Shown: t={}–{} only, around {} (left out: {} messages before, {} after); {cut}.",
            VirtualTime(w.from_us),
            VirtualTime(w.to_us),
            if m.violation.is_some() { "the first violation" } else { "the start" },
            m.messages_before,
            m.messages_after,
        )
            }
        };
    let violation = match &m.violation {
        Some((t, what)) => format!("VIOLATION at t={} (red line): {what}", VirtualTime(*t)),
        None => "No violation was found.".to_string(),
    };
    let l = m.labels;
    let labels = format!(
        "{} of {} arrows labelled; {} left out where they would overlap, heartbeats' first ({}). Hover for the trace line.",
        l.labelled,
        l.arrows,
        l.arrows - l.labelled,
        l.heartbeats_left_out
    );
    let _ = writeln!(
        s,
        r#"<text class="header" x="8" y="22" font-size="14" font-weight="bold">{}</text>"#,
        esc(&clip(&title, room * 11 / 14))
    );
    let lines = [
        ("#333", "Time runs down, one lane per node; an arrow per message, from sending to arrival, labelled with its type and fields.".to_string()),
        ("#333", shown),
        (if m.violation.is_some() { "#d00" } else { "#333" }, violation),
        ("#333", labels),
    ];
    for (i, (ink, text)) in lines.iter().enumerate() {
        let _ = writeln!(
            s,
            r#"<text class="header" x="8" y="{}" fill="{ink}">{}<title>{}</title></text>"#,
            40 + 15 * i,
            esc(&clip(text, room)),
            esc(text)
        );
    }
}

/// The message rows: a kind's colour, a sample label, what its fields are.
const MESSAGES: [(MessageKind, &str, &str); 6] = [
    (
        MessageKind::AppendEntries,
        "AE t4 prev 2:2 [3:4] c1",
        "AppendEntries: term, prev index:term, entries index:term, leader commit",
    ),
    (
        MessageKind::AppendEntriesResponse,
        "AE✓ t4 last 3 · AE✗",
        "its answer, accepted or refused: term, last index (raft-rs: hint)",
    ),
    (
        MessageKind::RequestVote,
        "RV t5 last 2:3 · PV",
        "RequestVote (PV: PreVote): term, the candidate's last index:term",
    ),
    (
        MessageKind::RequestVoteResponse,
        "vote ✓ t5 · vote ✗",
        "vote granted or refused (prevote ✓/✗: a pre-vote's answer)",
    ),
    (
        MessageKind::Heartbeat,
        "HB t4 r2 · HB ack",
        "heartbeat and its answer; their labels are the first left out",
    ),
    (
        MessageKind::Other,
        "RI t4 · Snapshot",
        "read-index, snapshots and other kinds (tooltip: whole message)",
    ),
];

/// The marks, each with its meaning.
pub(super) const MARKS: [&str; 8] = [
    "message lost: dashed, crossed where it was lost",
    "crash: no lane while the node is down",
    "restart from what its disk holds",
    "leader, from election to step-down; its term",
    "commit point: the node's commit index is now 3",
    "violation: where a checker found a rule broken",
    "network fault (partition, cut) until the heal",
    "idle time cut short; the time skipped written",
];

/// The configuration marks, in a row of their own below [`MARKS`], drawn only in a picture
/// that has them (a run that never changes its configuration keeps its legend).
pub(super) const CONFIG_MARKS: [&str; 2] = [
    "its configuration is now n1 n2 n3 (asked: right column)",
    "dashed: outside its configuration; dotted: learner",
];

pub(super) fn legend(s: &mut String, top: f64, width: f64, configurations: bool) {
    let _ = writeln!(
        s,
        r##"<g class="legend"><rect x="8" y="{top:.1}" width="{:.1}" height="{:.1}" fill="#fafafa" stroke="#ccc"/><text x="16" y="{:.1}" font-weight="bold">Legend</text>"##,
        width - 16.0,
        LEGEND_PX - 6.0,
        top + 16.0
    );
    for (i, (kind, sample, meaning)) in MESSAGES.iter().enumerate() {
        let y = top + 33.0 + 15.0 * i as f64;
        let (line, text) = colours(*kind);
        let _ = writeln!(
            s,
            r##"<line x1="16" y1="{:.1}" x2="50" y2="{:.1}" stroke="{line}" stroke-width="1.5" marker-end="url(#arrow)"/><text x="58" y="{y:.1}" fill="{text}" font-size="10">{}</text><text x="216" y="{y:.1}" fill="#444">{}</text>"##,
            y - 4.0,
            y - 4.0,
            esc(sample),
            esc(meaning)
        );
    }
    let column = (width - 24.0) / 2.0;
    let shown = MARKS.len()
        + if configurations {
            CONFIG_MARKS.len()
        } else {
            0
        };
    for (i, meaning) in MARKS.iter().chain(&CONFIG_MARKS).take(shown).enumerate() {
        let x = 16.0 + column * (i % 2) as f64;
        let y = top + 33.0 + 15.0 * 6.0 + 6.0 + 16.0 * (i / 2) as f64;
        mark(s, i, x, y - 4.0);
        let _ = writeln!(
            s,
            r##"<text x="{:.1}" y="{y:.1}" fill="#444">{meaning}</text>"##,
            x + 44.0
        );
    }
    let _ = writeln!(
        s,
        r##"<text x="16" y="{:.1}" fill="#666" font-size="10">Hover any arrow or mark for its whole trace line. Lane names: n1…; the right column notes network events.</text></g>"##,
        top + LEGEND_PX - 14.0
    );
}

/// The symbol of mark `i` of [`MARKS`], centred on `y` from `x`.
fn mark(s: &mut String, i: usize, x: f64, y: f64) {
    let _ = match i {
        0 => writeln!(
            s,
            r##"<line x1="{x:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#1f6fd0" stroke-dasharray="4,3"/><path d="M{:.1} {:.1}l7 7m0 -7l-7 7" stroke="#d00" stroke-width="1.6"/>"##,
            x + 22.0,
            x + 22.0,
            y - 3.5
        ),
        1 => writeln!(
            s,
            r##"<line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{y:.1}" stroke="#444"/><path d="M{:.1} {:.1}l10 10m0 -10l-10 10" stroke="#d00" stroke-width="3"/>"##,
            x + 18.0,
            y - 9.0,
            x + 18.0,
            x + 13.0,
            y - 5.0
        ),
        2 => writeln!(
            s,
            r##"<circle cx="{:.1}" cy="{y:.1}" r="5" fill="#fff" stroke="#2a9d3a" stroke-width="2.5"/>"##,
            x + 18.0
        ),
        3 => writeln!(
            s,
            r##"<rect x="{:.1}" y="{:.1}" width="7" height="14" fill="#2a9d3a" opacity="0.75"/>"##,
            x + 14.5,
            y - 7.0
        ),
        4 => writeln!(
            s,
            r##"<circle cx="{:.1}" cy="{y:.1}" r="2.5" fill="#000"/><text x="{x:.1}" y="{:.1}" font-size="10">c3</text>"##,
            x + 22.0,
            y + 3.0
        ),
        5 => writeln!(
            s,
            r##"<line x1="{x:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#d00" stroke-width="2"/>"##,
            x + 36.0
        ),
        6 => writeln!(
            s,
            r##"<rect x="{x:.1}" y="{:.1}" width="36" height="12" fill="#efe3fa" stroke="{FAULT_INK}" stroke-width="0.5"/>"##,
            y - 6.0
        ),
        8 => writeln!(
            s,
            r##"<line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#444"/><path d="M{:.1} {y:.1}h14" stroke="{CONFIG_INK}" stroke-width="3"/>"##,
            x + 18.0,
            y - 7.0,
            x + 18.0,
            y + 6.0,
            x + 11.0
        ),
        9 => writeln!(
            s,
            r##"<line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#aaa" stroke-dasharray="6,4"/><line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#444" stroke-dasharray="1.5,3"/>"##,
            x + 10.0,
            y - 8.0,
            x + 10.0,
            y + 7.0,
            x + 26.0,
            y - 8.0,
            x + 26.0,
            y + 7.0
        ),
        _ => writeln!(
            s,
            r##"<polyline points="{x:.0},{:.1} {:.0},{:.1} {:.0},{:.1} {:.0},{:.1} {:.0},{:.1}" fill="none" stroke="#999"/><text x="{:.1}" y="{:.1}" font-size="8" fill="#555">…ms…</text>"##,
            y - 3.0,
            x + 9.0,
            y - 7.0,
            x + 18.0,
            y - 3.0,
            x + 27.0,
            y - 7.0,
            x + 36.0,
            y - 3.0,
            x + 4.0,
            y + 6.0
        ),
    };
}
