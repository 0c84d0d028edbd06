//! A single self-contained page (no network access) that tells a run as a story: the caption
//! of each frame (a scenario's `say`, or a random run's fault action) with panel labels such as
//! "(d)" standing out; one tab per branch when a `rewind` forked the story; a view of the
//! cluster in the manner of raftscope (each server's role, term, vote and election timer,
//! crashed and paused servers as such, the messages in flight as arrows, held ones marked);
//! beneath it the logs drawn like the paper's figures; each violation once, with its rule and
//! why it exists. When a server's configuration is ever other than every server a voter (a
//! spare, a change: thesis chapter 4), a line above the cluster names the configuration (each
//! server's while they differ), and a badge in the cluster and on the log's row gives a
//! server's place in its own: learner, outside (a spare, or removed), and while joint joining
//! (C_new only) or leaving (C_old only); a run without any draws the page it always did. The
//! page itself is `page.html`; this file fills in the story as JSON.
//!
//! Addresses: `?branch=B&step=N` opens branch B (from 0) at frame N; `?panel=d` at panel (d)'s
//! first frame, `&at=end` at its last; `?walk=1` makes the page step through every frame of
//! every branch with its own buttons and write what it showed into `#walk` (the browser test
//! reads it).

use super::Story;
use crate::node::RaftNode;
use crate::world::World;

/// The page for a world whose whole trace (and frames) were kept.
pub fn html_page<N: RaftNode>(world: &World<N>, title: &str) -> String {
    story_page(&Story::of(world, title))
}

/// The page for a story.
pub fn story_page(story: &Story) -> String {
    let json = serde_json::to_string(story)
        .unwrap_or_else(|_| "{}".into())
        .replace("</", "<\\/");
    PAGE.replace("__TITLE__", &escape(&story.title))
        .replace("__DATA__", &json)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

const PAGE: &str = include_str!("page.html");
