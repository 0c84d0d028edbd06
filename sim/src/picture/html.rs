//! A single self-contained page (no network access) that steps through a run: the logs drawn
//! like the paper's figures at each step, the messages in flight, the events of the step, and
//! the violation with its rule. `?step=N` opens it at step N.

use crate::trace::TraceEvent;
use crate::world::World;
use serde::Serialize;

#[derive(Serialize)]
struct Data<'a> {
    title: &'a str,
    nodes: u8,
    frames: &'a [super::Frame],
    lines: Vec<String>,
    messages: Vec<Msg>,
    violations: Vec<Viol>,
}

#[derive(Serialize)]
struct Msg {
    from: u8,
    to: u8,
    sent: u64,
    at: u64,
    dropped: bool,
    text: String,
}

#[derive(Serialize)]
struct Viol {
    at: u64,
    property: &'static str,
    detail: String,
    rule: &'static str,
    why: &'static str,
}

/// The page for a world whose whole trace (and frames) were kept.
pub fn html_page<N: crate::node::RaftNode>(world: &World<N>, title: &str) -> String {
    let mut messages = Vec::new();
    for l in world.trace.lines() {
        let (from, to, sent, dropped) = match &l.event {
            TraceEvent::Deliver {
                from, to, sent_us, ..
            } => (from, to, sent_us, false),
            TraceEvent::Drop {
                from, to, sent_us, ..
            } => (from, to, sent_us, true),
            _ => continue,
        };
        messages.push(Msg {
            from: from.0,
            to: to.0,
            sent: *sent,
            at: l.t_us,
            dropped,
            text: l.to_string(),
        });
    }
    let violations = world
        .violations()
        .iter()
        .zip(&world.violation_times)
        .map(|(v, t)| Viol {
            at: *t,
            property: v.property.name(),
            detail: v.detail.clone(),
            rule: v.property.rule(),
            why: v.property.why(),
        })
        .collect();
    let data = Data {
        title,
        nodes: world.config.nodes,
        frames: world
            .observer::<super::Frames>()
            .map_or(&[][..], |f| &f.0[..]),
        lines: world.trace.lines().map(|l| l.to_string()).collect(),
        messages,
        violations,
    };
    let json = serde_json::to_string(&data)
        .unwrap_or_else(|_| "{}".into())
        .replace("</", "<\\/");
    PAGE.replace("__TITLE__", &escape(title))
        .replace("__DATA__", &json)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

const PAGE: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>raftsim — __TITLE__</title>
<style>
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.3em; }
#controls button { font-size: 1em; margin-right: .5em; }
#controls input { width: 60%; vertical-align: middle; }
table.logs { border-collapse: collapse; margin: 1em 0; font-family: monospace; }
table.logs td, table.logs th { border: 1px solid #bbb; padding: 3px 7px; text-align: center; min-width: 1.6em; }
table.logs th.node { text-align: left; background: #f4f4f4; }
td.committed { background: #d8f0d8; font-weight: bold; }
tr.leader th.node { background: #c9ecc9; }
tr.crashed { color: #999; }
#violation { display: none; border: 2px solid #d00; background: #fff0f0; padding: .6em; margin: 1em 0; }
#violation.shown { display: block; }
#events, #inflight { font-family: monospace; font-size: .85em; white-space: pre; background: #fafafa; border: 1px solid #ddd; padding: .5em; max-height: 16em; overflow: auto; }
.legend { color: #666; font-size: .85em; }
</style></head>
<body>
<h1>raftsim — __TITLE__</h1>
<div id="controls"><button id="back">◀ back</button><button id="forward">forward ▶</button>
<input id="slider" type="range" min="0" value="0"> <span id="step"></span></div>
<div id="violation"></div>
<p class="legend">Logs as in the paper's figures: a row per server (role, term), the term of each entry by index; green cells are committed.</p>
<div id="logs"></div>
<h3>Messages in flight</h3><div id="inflight"></div>
<h3>Events of this step</h3><div id="events"></div>
<script id="data" type="application/json">__DATA__</script>
<script>
const D = JSON.parse(document.getElementById('data').textContent);
let step = 0;
const last = Math.max(0, D.frames.length - 1);
const q = new URLSearchParams(location.search).get('step');
if (q !== null) step = Math.min(last, Math.max(0, parseInt(q, 10) || 0));
const slider = document.getElementById('slider');
slider.max = last;
function esc(s) { return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;'); }
function render() {
  const f = D.frames[step];
  slider.value = step;
  if (!f) { document.getElementById('logs').textContent = 'no frames'; return; }
  document.getElementById('step').textContent = 'step ' + step + ' / ' + last + ', t=' + (f.t_us / 1000) + 'ms';
  const width = Math.max(1, ...f.nodes.map(n => n.log.length));
  let h = '<table class="logs" id="logtable"><tr><th></th>';
  for (let i = 1; i <= width; i++) h += '<th>' + i + '</th>';
  h += '</tr>';
  f.nodes.forEach((n, k) => {
    const cls = n.role === 'L' ? 'leader' : (n.alive ? '' : 'crashed');
    h += '<tr class="' + cls + '"><th class="node">n' + (k + 1) + ' ' + n.role + ' t' + n.term + '</th>';
    for (let i = 0; i < width; i++) {
      const t = n.log[i];
      h += t === undefined ? '<td></td>' : '<td class="' + (i < n.commit ? 'committed' : '') + '">' + t + '</td>';
    }
    h += '</tr>';
  });
  document.getElementById('logs').innerHTML = h + '</table>';
  const t = f.t_us;
  const fly = D.messages.filter(m => m.sent <= t && m.at > t);
  document.getElementById('inflight').textContent = fly.length ? fly.map(m => m.text).join('\n') : '(none)';
  const from = step > 0 ? D.frames[step - 1].line : 0;
  document.getElementById('events').textContent = D.lines.slice(from, f.line).join('\n') || '(none)';
  const v = D.violations.filter(v => v.at <= t);
  const box = document.getElementById('violation');
  box.className = v.length ? 'shown' : '';
  box.innerHTML = v.map(v => '<b>VIOLATION of ' + esc(v.property) + '</b>: ' + esc(v.detail) + '<br><i>The rule:</i> ' + esc(v.rule) + '<br><i>Why it exists:</i> ' + esc(v.why)).join('<hr>');
}
document.getElementById('back').onclick = () => { if (step > 0) { step--; render(); } };
document.getElementById('forward').onclick = () => { if (step < last) { step++; render(); } };
slider.oninput = () => { step = parseInt(slider.value, 10); render(); };
document.addEventListener('keydown', e => { if (e.key === 'ArrowLeft') document.getElementById('back').click(); if (e.key === 'ArrowRight') document.getElementById('forward').click(); });
render();
</script>
</body></html>
"#;
