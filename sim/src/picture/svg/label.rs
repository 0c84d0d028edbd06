//! What an arrow says ("AE t4 prev 2:2 [3:4] c1", "vote ✓ t5") and where it can say it
//! without covering another label.
//!
//! Labels are read off the message's trace line, its `Display`, because that is the one face
//! every implementation shows in the same words (raftsim's node and the raft-rs host both print
//! `AppendEntries term=4 prev=2:2 entries=[3:4] commit=1`); what cannot be read falls back to
//! the kind's name.

use raft::MessageKind;

/// Advance of one character at the labels' font size (10px monospace).
pub(super) const CHAR_PX: f64 = 6.0;
pub(super) const LINE_PX: f64 = 11.0;

/// The short label of a message whose trace text is `display`.
pub(super) fn short_label(display: &str, kind: MessageKind) -> String {
    let mut words = display.split_whitespace();
    let name = words.next().unwrap_or("");
    let fields: Vec<(&str, &str)> = words.filter_map(|w| w.split_once('=')).collect();
    let get = |key: &str| fields.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
    let tick = |key: &str| match get(key) {
        Some("true") => Some("✓"),
        Some("false") => Some("✗"),
        _ => None,
    };
    let term = get("term");
    let known = match (name, term) {
        ("AppendEntries", Some(t)) => get("prev").zip(get("entries")).map(|(p, e)| {
            let commit = get("commit").map_or(String::new(), |c| format!(" c{c}"));
            format!("AE t{t} prev {p} {}{commit}", entries(e))
        }),
        ("AppendEntriesResponse", Some(t)) => tick("success").map(|ok| {
            let last = get("last").map_or(String::new(), |l| format!(" last {l}"));
            // raft-rs's hint is where the follower's log ends: news only on a refusal.
            let hint = match (ok, get("hint")) {
                ("✗", Some(h)) => format!(" hint {h}"),
                _ => String::new(),
            };
            format!("AE{ok} t{t}{last}{hint}")
        }),
        ("RequestVote" | "PreVote", Some(t)) => get("last").map(|l| {
            let short = if name == "PreVote" { "PV" } else { "RV" };
            format!("{short} t{t} last {l}")
        }),
        ("RequestVoteResponse" | "PreVoteResponse", Some(t)) => tick("granted").map(|ok| {
            let short = if name == "PreVoteResponse" {
                "prevote"
            } else {
                "vote"
            };
            format!("{short} {ok} t{t}")
        }),
        ("Heartbeat" | "HeartbeatResponse", Some(t)) => {
            let short = if name == "Heartbeat" { "HB" } else { "HB ack" };
            let extra = match (get("round"), get("commit")) {
                (Some(r), _) => format!(" r{r}"),
                (None, Some(c)) => format!(" c{c}"),
                _ => String::new(),
            };
            Some(format!("{short} t{t}{extra}"))
        }
        _ => None,
    };
    known.unwrap_or_else(|| fallback(name, term, kind))
}

/// A kind the parser does not know: its short name, and the term when there is one.
fn fallback(name: &str, term: Option<&str>, kind: MessageKind) -> String {
    let short = match kind {
        MessageKind::ReadIndex => "RI".to_string(),
        MessageKind::ReadIndexResponse => "RI ack".to_string(),
        MessageKind::TimeoutNow => "TimeoutNow".to_string(),
        MessageKind::Snapshot => "Snapshot".to_string(),
        MessageKind::SnapshotResponse => "Snapshot ack".to_string(),
        // raft-rs's other messages print their type (`MsgTransferLeader`).
        MessageKind::Other if !name.trim_start_matches("Msg").is_empty() => {
            name.trim_start_matches("Msg").to_string()
        }
        _ => kind.name().to_string(),
    };
    match term {
        Some(t) => format!("{short} t{t}"),
        None => short,
    }
}

/// `[3:4]` as it is; a long batch as its first and last entry and its length.
fn entries(list: &str) -> String {
    let inner = list.trim_start_matches('[').trim_end_matches(']');
    let items: Vec<&str> = inner.split(',').filter(|e| !e.is_empty()).collect();
    match items.as_slice() {
        [first, .., last] if items.len() > 2 => format!("[{first}…{last}]×{}", items.len()),
        _ => format!("[{}]", items.join(",")),
    }
}

/// An axis-aligned box on the drawing.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Rect {
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
}

impl Rect {
    /// The box around a text of `chars` centred at (`cx`, `cy`) and turned by `degrees`.
    pub fn around(cx: f64, cy: f64, chars: usize, degrees: f64) -> Rect {
        let (w, h) = (chars as f64 * CHAR_PX, LINE_PX);
        let (sin, cos) = degrees.to_radians().sin_cos();
        let hx = (w * cos.abs() + h * sin.abs()) / 2.0;
        let hy = (w * sin.abs() + h * cos.abs()) / 2.0;
        Rect {
            x0: cx - hx,
            y0: cy - hy,
            x1: cx + hx,
            y1: cy + hy,
        }
    }

    /// A text of `chars` starting at `x` on baseline `y`, unturned.
    pub fn text(x: f64, y: f64, chars: usize) -> Rect {
        Rect {
            x0: x,
            y0: y - LINE_PX + 2.0,
            x1: x + chars as f64 * CHAR_PX,
            y1: y + 2.0,
        }
    }

    pub fn overlaps(&self, o: &Rect) -> bool {
        self.x0 < o.x1 && o.x0 < self.x1 && self.y0 < o.y1 && o.y0 < self.y1
    }
}

/// The boxes taken so far; a label goes only where it covers none.
#[derive(Default)]
pub(super) struct Placer {
    taken: Vec<Rect>,
}

impl Placer {
    pub fn take(&mut self, r: Rect) {
        self.taken.push(r);
    }

    pub fn is_free(&self, r: &Rect) -> bool {
        !self.taken.iter().any(|t| t.overlaps(r))
    }

    /// Takes `r` if it is free.
    pub fn try_take(&mut self, r: Rect) -> bool {
        let free = self.is_free(&r);
        if free {
            self.taken.push(r);
        }
        free
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raftsim_messages_read_short() {
        let k = MessageKind::AppendEntries;
        let ae = "AppendEntries term=4 prev=2:2 entries=[3:4] commit=1";
        assert_eq!(short_label(ae, k), "AE t4 prev 2:2 [3:4] c1");
        let long = "AppendEntries term=1 prev=4:1 entries=[5:1,6:1,7:1,8:1] commit=30";
        assert_eq!(short_label(long, k), "AE t1 prev 4:1 [5:1…8:1]×4 c30");
        let rv = "RequestVote term=5 candidate=n5 last=2:3";
        assert_eq!(short_label(rv, MessageKind::RequestVote), "RV t5 last 2:3");
        let no = "RequestVoteResponse term=5 granted=false";
        assert_eq!(
            short_label(no, MessageKind::RequestVoteResponse),
            "vote ✗ t5"
        );
        let ok = "AppendEntriesResponse term=1 success=true last=3";
        assert_eq!(
            short_label(ok, MessageKind::AppendEntriesResponse),
            "AE✓ t1 last 3"
        );
        let hb = "Heartbeat term=2 round=7";
        assert_eq!(short_label(hb, MessageKind::Heartbeat), "HB t2 r7");
    }

    #[test]
    fn raft_rs_messages_read_short_and_unknown_ones_fall_back() {
        let no = "AppendEntriesResponse term=4 success=false last=2 hint=1";
        assert_eq!(
            short_label(no, MessageKind::AppendEntriesResponse),
            "AE✗ t4 last 2 hint 1"
        );
        let pv = "PreVote term=3 candidate=n2 last=5:2 commit=4";
        assert_eq!(short_label(pv, MessageKind::PreVote), "PV t3 last 5:2");
        let hb = "Heartbeat term=3 commit=4 ctx=0";
        assert_eq!(short_label(hb, MessageKind::Heartbeat), "HB t3 c4");
        let odd = "MsgTransferLeader term=3 index=0 commit=4";
        assert_eq!(short_label(odd, MessageKind::Other), "TransferLeader t3");
        assert_eq!(short_label("", MessageKind::Snapshot), "Snapshot");
        assert_eq!(short_label("", MessageKind::Other), "other");
        let garbled = "AppendEntries term=4";
        let k = MessageKind::AppendEntries;
        assert_eq!(short_label(garbled, k), "append-entries t4");
    }

    #[test]
    fn a_placer_refuses_an_overlap() {
        let mut p = Placer::default();
        assert!(p.try_take(Rect::around(100.0, 100.0, 10, 0.0)));
        assert!(!p.try_take(Rect::around(120.0, 104.0, 10, 0.0)));
        assert!(p.try_take(Rect::around(100.0, 120.0, 10, 0.0)));
        let turned = Rect::around(0.0, 0.0, 10, 90.0);
        assert!(turned.y1 - turned.y0 > turned.x1 - turned.x0);
    }
}
