//! The time axis: virtual time to y, piecewise. Busy stretches are drawn at one scale; an idle
//! gap (nothing drawn in it) taller than [`GAP_MIN_PX`] at that scale becomes a break of
//! [`BREAK_PX`], so that a run which waits 480ms between two steps does not draw 480ms of
//! empty lanes. And the window: when even the compressed run would be too tall, or too crowded
//! to read, the stretch around one moment (the first violation) that fits.

/// The height of a break.
pub(super) const BREAK_PX: f64 = 40.0;
// The marker (two zig-zags 12px apart, `marks::breaks`) must fit, with room either side.
const _: () = assert!(BREAK_PX >= 24.0);
/// Gaps that would be drawn taller than this become breaks.
const GAP_MIN_PX: f64 = 110.0;
/// How tall a typical message arrow is drawn (median latency), so that its label reads.
const ARROW_PX: f64 = 32.0;
/// Room per message when messages are denser than one per arrow height.
const MESSAGE_PX: f64 = 9.0;
const MIN_PX_PER_US: f64 = 0.002;
const MAX_PX_PER_US: f64 = 0.3;

/// One busy stretch of time, drawn linearly from `y` down.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Stretch {
    pub from_us: u64,
    pub to_us: u64,
    pub y: f64,
}

/// Virtual time to y: stretches in order, a break between each two.
#[derive(Debug)]
pub(super) struct Scale {
    pub px_per_us: f64,
    pub stretches: Vec<Stretch>,
}

impl Scale {
    /// The scale of the moments in `times` (sorted, without repeats, at least one) from `top`.
    pub fn new(times: &[u64], top: f64, px_per_us: f64) -> Scale {
        let gap_us = (GAP_MIN_PX / px_per_us) as u64;
        let first = times.first().copied().unwrap_or(0);
        let mut stretches = Vec::new();
        let mut now = Stretch {
            from_us: first,
            to_us: first,
            y: top,
        };
        for &t in times.iter().skip(1) {
            if t - now.to_us > gap_us {
                let y = now.y + (now.to_us - now.from_us) as f64 * px_per_us + BREAK_PX;
                stretches.push(now);
                now = Stretch {
                    from_us: t,
                    to_us: t,
                    y,
                };
            } else {
                now.to_us = t;
            }
        }
        stretches.push(now);
        Scale {
            px_per_us,
            stretches,
        }
    }

    fn end_y(&self, s: &Stretch) -> f64 {
        s.y + (s.to_us - s.from_us) as f64 * self.px_per_us
    }

    pub fn top(&self) -> f64 {
        self.stretches[0].y
    }

    pub fn bottom(&self) -> f64 {
        self.end_y(self.stretches.last().expect("a scale has a stretch"))
    }

    pub fn first_us(&self) -> u64 {
        self.stretches[0].from_us
    }

    pub fn last_us(&self) -> u64 {
        self.stretches.last().map_or(0, |s| s.to_us)
    }

    /// Where `t_us` is drawn; inside a break, proportionally across it; outside, at the edge.
    pub fn y(&self, t_us: u64) -> f64 {
        let i = self.stretches.partition_point(|s| s.from_us <= t_us);
        let Some(s) = i.checked_sub(1).map(|i| &self.stretches[i]) else {
            return self.top();
        };
        if t_us <= s.to_us {
            return s.y + (t_us - s.from_us) as f64 * self.px_per_us;
        }
        let end = self.end_y(s);
        match self.stretches.get(i) {
            Some(next) => {
                let f = (t_us - s.to_us) as f64 / (next.from_us - s.to_us) as f64;
                end + f * (next.y - end)
            }
            None => end,
        }
    }

    /// The moment drawn at `y` (the inverse of [`Scale::y`]).
    pub fn time_at(&self, y: f64) -> u64 {
        let i = self.stretches.partition_point(|s| s.y <= y);
        let Some(s) = i.checked_sub(1).map(|i| &self.stretches[i]) else {
            return self.first_us();
        };
        let end = self.end_y(s);
        if y <= end {
            return s.from_us + ((y - s.y) / self.px_per_us) as u64;
        }
        match self.stretches.get(i) {
            Some(next) => {
                let f = (y - end) / (next.y - end);
                s.to_us + (f * (next.from_us - s.to_us) as f64) as u64
            }
            None => s.to_us,
        }
    }

    /// Each break: its top, its bottom, and the virtual time it stands for.
    pub fn breaks(&self) -> impl Iterator<Item = (f64, f64, u64)> + '_ {
        self.stretches
            .windows(2)
            .map(|w| (self.end_y(&w[0]), w[1].y, w[1].from_us - w[0].to_us))
    }
}

/// The scale for a run: a typical message arrow [`ARROW_PX`] tall, or more where messages are
/// so dense that arrows would crowd. `latencies_us` are the delivered messages' (any order);
/// `times` the moments drawn (sorted). Gives the scale and the median latency.
pub(super) fn px_per_us(latencies_us: &mut [u64], times: &[u64], messages: usize) -> (f64, u64) {
    latencies_us.sort_unstable();
    let latency = latencies_us
        .get(latencies_us.len() / 2)
        .copied()
        .unwrap_or(1000)
        .max(1);
    let base = (ARROW_PX / latency as f64).clamp(MIN_PX_PER_US, MAX_PX_PER_US);
    // Busy time: gaps beyond a few latencies are idle (they will mostly be breaks).
    let busy_us: u64 = times
        .windows(2)
        .map(|w| (w[1] - w[0]).min(4 * latency))
        .sum();
    let dense = messages as f64 / busy_us.max(1) as f64 * MESSAGE_PX;
    (base.max(dense).min(MAX_PX_PER_US), latency)
}

/// The virtual time a picture shows.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Window {
    pub from_us: u64,
    pub to_us: u64,
}

/// The window of at most `height_px` (at `scale`) and about `max_messages` messages
/// (`message_times`, sorted) around `focus_us`: mostly before it, since a violation's causes
/// come before it is found.
pub(super) fn window_around(
    scale: &Scale,
    message_times: &[u64],
    focus_us: u64,
    height_px: f64,
    max_messages: usize,
) -> Window {
    let (top, bottom, yf) = (scale.top(), scale.bottom(), scale.y(focus_us));
    let mut after_px = (height_px / 5.0).min(bottom - yf);
    let before_px = (height_px - after_px).min(yf - top);
    after_px = (height_px - before_px).min(bottom - yf);
    let (mut from_us, mut to_us) = (
        scale.time_at(yf - before_px).max(scale.first_us()),
        scale.time_at(yf + after_px).min(scale.last_us()),
    );
    let seen = message_times.partition_point(|&t| t <= focus_us);
    let later = message_times.len() - seen;
    let mut take_after = (max_messages / 5).min(later);
    let take_before = (max_messages - take_after).min(seen);
    take_after = (max_messages - take_before).min(later);
    // Cut just past the nearest message left out, so that ties at the edge stay out too.
    if take_before < seen {
        from_us = from_us.max(message_times[seen - take_before - 1] + 1);
    }
    if take_after < later {
        to_us = to_us.min(message_times[seen + take_after] - 1);
    }
    Window {
        from_us: from_us.min(focus_us),
        to_us: to_us.max(focus_us),
    }
}

/// The scale of the moments of `times` inside `w`: the whole run's scale, cut, so no taller
/// than the window's span in it. Only moments inside count: a window's edge made a moment
/// could redraw part of a break at full scale.
pub(super) fn within(times: &[u64], w: &Window, top: f64, px_per_us: f64) -> Scale {
    let kept: Vec<u64> = (times.iter().copied())
        .filter(|t| w.from_us <= *t && *t <= w.to_us)
        .collect();
    Scale::new(&kept, top, px_per_us)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_idle_gap_becomes_a_break_and_y_is_monotone() {
        // 36 px per ms: 0..3ms is busy, then 480ms of nothing, then 483..485ms.
        let scale = Scale::new(&[0, 1000, 3000, 483_000, 485_000], 10.0, 0.036);
        assert_eq!(scale.stretches.len(), 2);
        let breaks: Vec<_> = scale.breaks().collect();
        assert_eq!(breaks.len(), 1);
        assert_eq!(breaks[0].2, 480_000);
        assert!((breaks[0].1 - breaks[0].0 - BREAK_PX).abs() < 1e-9);
        let h = scale.bottom() - scale.top();
        assert!(h < 3.0 * 36.0 + 2.0 * 36.0 + BREAK_PX + 1.0, "{h}");
        let ys: Vec<f64> = (0..500).map(|ms| scale.y(ms * 1000)).collect();
        assert!(ys.windows(2).all(|w| w[0] <= w[1]), "time runs down");
        for t in [0, 1000, 2500, 100_000, 484_000] {
            let back = scale.time_at(scale.y(t));
            assert!(back.abs_diff(t) <= 1, "{t} -> {back}");
        }
    }

    #[test]
    fn a_window_ending_inside_a_break_is_no_taller_than_its_span() {
        // A break from 2ms to 50ms; the window ends 3ms into it (less than a break's worth).
        let times = [0, 1000, 2000, 50_000, 51_000];
        let whole = Scale::new(&times, 0.0, 0.036);
        let w = Window {
            from_us: 0,
            to_us: 5000,
        };
        let cut = within(&times, &w, 0.0, 0.036);
        let span = whole.y(w.to_us) - whole.y(w.from_us);
        assert!(cut.bottom() - cut.top() <= span + 1e-9, "{cut:?} vs {span}");
    }

    #[test]
    fn a_window_holds_the_focus_within_its_budgets() {
        let times: Vec<u64> = (0..10_000).map(|i| i * 100).collect();
        let scale = Scale::new(&times, 0.0, 0.05);
        let w = window_around(&scale, &times, 900_000, 1000.0, 300);
        assert!(w.from_us <= 900_000 && 900_000 <= w.to_us);
        assert!(scale.y(w.to_us) - scale.y(w.from_us) <= 1000.0 + 1e-6);
        let inside = times
            .iter()
            .filter(|&&t| w.from_us <= t && t <= w.to_us)
            .count();
        assert!(inside <= 300, "{inside}");
        assert!(times.iter().filter(|&&t| t < w.from_us).count() > times.len() / 2);
    }
}
