//! Pictures of a run: a Lamport space-time diagram (SVG) and a self-contained HTML page that
//! steps through the run with the logs drawn like the paper's figures.

mod html;
mod svg;

pub use html::html_page;
pub use svg::space_time_svg;

use crate::node::RaftNode;
use crate::world::{Observer, World};
use raft::RoleKind;
use serde::Serialize;

/// Bound on the frames one run keeps.
pub const MAX_FRAMES: usize = 20_000;

/// The recorder of frames for pictures (`--html`): the cluster's state after every change, up
/// to [`MAX_FRAMES`]. Attach it before the run (`World::observe(Frames::default())`).
#[derive(Clone, Debug, Default)]
pub struct Frames(pub Vec<Frame>);

impl<N: RaftNode> Observer<N> for Frames {
    fn on_change(&mut self, world: &World<N>) {
        if self.0.len() < MAX_FRAMES {
            self.0.push(Frame::capture(world));
        }
    }
}

/// The cluster's state at one moment.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Frame {
    /// Trace lines recorded up to this moment.
    pub line: u64,
    pub t_us: u64,
    pub nodes: Vec<NodeFrame>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NodeFrame {
    pub alive: bool,
    /// "L", "C", "P", "F", or "-" when crashed.
    pub role: &'static str,
    pub term: u64,
    pub commit: u64,
    /// Terms by index, as the paper draws a log (a crashed node: its disk).
    pub log: Vec<u64>,
}

impl Frame {
    pub fn capture<N: RaftNode>(world: &World<N>) -> Frame {
        let nodes = world
            .hosts
            .iter()
            .map(|h| match &h.node {
                Some(n) => NodeFrame {
                    alive: true,
                    role: match n.role_kind() {
                        RoleKind::Leader => "L",
                        RoleKind::Candidate => "C",
                        RoleKind::PreCandidate => "P",
                        RoleKind::Follower => "F",
                    },
                    term: n.current_term().0,
                    commit: n.commit_index().0,
                    log: n.log().terms(),
                },
                None => NodeFrame {
                    alive: false,
                    role: "-",
                    term: h.disk.current_term.0,
                    commit: 0,
                    log: h.disk.log.iter().map(|e| e.term.0).collect(),
                },
            })
            .collect();
        Frame {
            line: world.trace.len(),
            t_us: world.now_us(),
            nodes,
        }
    }
}
