//! Pictures of a run: a Lamport space-time diagram (SVG) and a self-contained HTML page that
//! tells the run as a story — its captions, a view of the cluster with the messages in flight,
//! each server's configuration, and the logs drawn like the paper's figures — with one branch
//! per `rewind`.
//!
//! [`Frames`] is the recorder: an observer that keeps the cluster's state after every event
//! that changed the picture.
//! A scenario tells it which step and caption each frame belongs to, and at a `rewind` hands
//! the finished branch to the next world's recorder ([`Frames::fork`]); a random run gets its
//! captions from the fault schedule ([`Observer::on_fault`]).

mod html;
mod story;
mod svg;

pub use html::html_page;
pub use story::{Branch, Story};
pub use svg::space_time_svg;

use crate::event::Event;
use crate::node::{RaftMessage, RaftNode};
use crate::scenario::Step;
use crate::world::{Observer, World};
use raft::{Membership, NodeSet, RoleKind};
use serde::{Serialize, Serializer};
use std::collections::BTreeMap;

/// Bound on the frames one branch keeps: past it, the oldest go (a random run ends at its
/// violation, so the frames kept are those that lead to it).
pub const MAX_FRAMES: usize = 20_000;
/// Bound on the log cells the frames of one branch hold together (the page's size); a node's
/// configuration counts as one cell.
pub const MAX_CELLS: usize = 4_000_000;
/// Bound on the distinct messages the frames of one branch draw in flight.
pub const MAX_MESSAGES: usize = 200_000;
/// Bound on the captions one branch keeps (a random run's fault schedule).
pub const MAX_CAPTIONS: usize = 5_000;

/// The recorder of frames for pictures (`--html`): the cluster's state after every event that
/// changed the picture, up to [`MAX_FRAMES`], each with the caption and step it belongs to. Attach it before the run
/// (`World::observe(Frames::default())`).
#[derive(Clone, Debug, Default)]
pub struct Frames {
    pub frames: Vec<Frame>,
    /// Captions in the order they came; a frame names one by index.
    pub captions: Vec<String>,
    /// The steps frames belong to ("line 97: n1 crashes"); a frame names one by index.
    pub steps: Vec<String>,
    /// A scenario sets captions itself; otherwise each fault action is one.
    scripted: bool,
    /// The branches that ended at a `rewind` before this one, and where this one forks.
    pub(crate) past: Vec<Branch>,
    pub(crate) fork: Option<(usize, usize)>,
    /// What a scenario says about itself, for the page's header.
    pub(crate) about: Option<(String, String)>,
    /// Log cells held by `frames`, and how many of the oldest frames the bounds let go.
    cells: usize,
    pub(crate) let_go: usize,
    /// Every message a frame saw in flight, once; a frame names them by index.
    pub(crate) messages: Vec<story::Msg>,
    /// Where each message is in `messages`, by its place in the event queue.
    seen: BTreeMap<u64, u32>,
}

impl<N: RaftNode> Observer<N> for Frames {
    fn wants_every_event(&self) -> bool {
        true
    }

    /// After every event, once its sends are on their way: a frame when the picture changed
    /// (a message left or arrived, a role, term, vote, commit or log changed), so that the
    /// reader watches each message move.
    fn on_event(&mut self, world: &World<N>) {
        self.snap(world);
    }

    fn on_fault(&mut self, at_us: u64, step: &Step) {
        if self.scripted || self.captions.len() >= MAX_CAPTIONS {
            return;
        }
        let text = format!("t={}: {}", crate::trace::VirtualTime(at_us), step);
        self.steps.push(text.clone());
        self.captions.push(text);
    }
}

impl Frames {
    /// A recorder for a scenario, which names each step and caption itself.
    pub fn scripted(description: &str, header: &str) -> Frames {
        Frames {
            scripted: true,
            captions: vec![String::new()],
            steps: vec!["start".into()],
            about: Some((description.into(), header.into())),
            ..Frames::default()
        }
    }

    /// The cluster now, with the messages in flight (each kept once in `messages`).
    fn capture<N: RaftNode>(&mut self, world: &World<N>) -> Frame {
        let mut flying: Vec<(u64, u64, u32)> = Vec::new();
        for (at, seq, event) in world.queue.waiting() {
            let Event::Deliver {
                from,
                to,
                message,
                sent_us,
                ..
            } = event
            else {
                continue;
            };
            let next = self.messages.len() as u32;
            if next as usize >= MAX_MESSAGES && !self.seen.contains_key(&seq) {
                continue; // past the bound, new messages go undrawn
            }
            let i = *self.seen.entry(seq).or_insert(next);
            if i == next {
                self.messages.push(story::Msg {
                    from: from.0,
                    to: to.0,
                    sent: *sent_us,
                    at,
                    kind: message.kind().name(),
                    text: message.to_string(),
                });
            }
            flying.push((at, seq, i));
        }
        flying.sort_unstable();
        let mut frame = Frame::capture(world, self.caption(), self.step());
        frame.flying = flying.into_iter().map(|(_, _, i)| i).collect();
        frame
    }

    fn caption(&self) -> usize {
        self.captions.len().saturating_sub(1)
    }

    fn step(&self) -> usize {
        self.steps.len().saturating_sub(1)
    }

    fn push(&mut self, frame: Frame) {
        self.cells += frame.cells();
        self.frames.push(frame);
        let over = |f: &Frames| f.frames.len() > MAX_FRAMES || f.cells > MAX_CELLS;
        if over(self) {
            // Rare (long random runs): let the oldest tenth go at once.
            let n = (self.frames.len() / 10).max(1);
            self.cells -= self.frames[..n].iter().map(Frame::cells).sum::<usize>();
            self.frames.drain(..n);
            self.let_go += n;
        }
    }

    /// The frames from now on belong to `step` (a scenario step, described).
    pub fn begin_step(&mut self, step: String) {
        self.steps.push(step);
    }

    /// A `say`: its text captions the frames from now on, starting with one drawn now.
    pub fn say<N: RaftNode>(&mut self, world: &World<N>, text: &str) {
        self.captions.push(text.into());
        let frame = self.capture(world);
        self.push(frame);
    }

    /// The caption in force, to restore after a rewind's silent replay.
    pub fn current_caption(&self) -> String {
        self.captions.last().cloned().unwrap_or_default()
    }

    /// Draws a frame now (the end of a step), unless the cluster looks as it did in the last.
    pub fn snap<N: RaftNode>(&mut self, world: &World<N>) {
        let frame = self.capture(world);
        if self.frames.last().is_none_or(|f| !f.same_picture(&frame)) {
            self.push(frame);
        }
    }

    /// Ends this branch at a `rewind` and starts the next world's recorder: it keeps the
    /// branches so far and forks from branch `parent` at the frame where the replay ends.
    pub fn fork<N: RaftNode>(mut self, world: &World<N>, next: &mut Frames, parent: usize) {
        let branch = Branch::of(world, &mut self);
        next.past = std::mem::take(&mut self.past);
        next.past.push(branch);
        next.fork = Some((parent, 0));
        next.about = self.about.take();
    }

    /// The replay of a rewind is done: the next frames are the new branch's own.
    pub fn replayed(&mut self) {
        if let Some((parent, _)) = self.fork {
            self.fork = Some((parent, self.frames.len()));
        }
    }

    /// The branches ended so far (each `rewind` ends one).
    pub fn branches_so_far(&self) -> usize {
        self.past.len()
    }
}

/// The cluster's state at one moment.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Frame {
    /// Trace lines recorded up to this moment.
    pub line: u64,
    pub t_us: u64,
    /// Indexes into [`Frames::captions`] and [`Frames::steps`].
    pub caption: usize,
    pub step: usize,
    pub nodes: Vec<NodeFrame>,
    /// Messages held on their links (scenario `hold`): from, to, the message.
    pub held: Vec<(u8, u8, String)>,
    /// Messages on their way, by index into the branch's messages, the earliest arrival first.
    pub flying: Vec<u32>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NodeFrame {
    pub alive: bool,
    pub paused: bool,
    /// "L", "C", "P", "F", or "-" when crashed.
    pub role: &'static str,
    pub term: u64,
    /// votedFor in `term` (a crashed node: its disk's).
    pub vote: Option<u8>,
    /// The leader it knows of.
    pub leader: Option<u8>,
    pub commit: u64,
    /// Election timer: ticks elapsed and the tick it fires at, where the node shows it.
    pub timer: Option<(u32, u32)>,
    /// Terms by index, as the paper draws a log (a crashed node: its disk).
    pub log: Vec<u64>,
    /// It booted on a damaged log and no leader has repaired it yet (`raft/src/recovery.rs`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub repairing: bool,
    /// Its configuration (thesis §4.1: the latest in its log; a crashed node: its disk's), when
    /// the implementation reports one and it is not every server a voter: a cluster that never
    /// leaves that configuration records none, and its page is what it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conf: Option<Conf>,
}

/// A configuration as bitmasks (bit i: node i), as the page reads it: voters, learners, and the
/// outgoing voters (C_old) while joint, each in hexadecimal (a double holds only 53 bits), the
/// empty sets at the end left out — a configuration of voters only is `["e"]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conf(pub [NodeSet; 3]);

impl Conf {
    pub fn of(m: &Membership) -> Conf {
        Conf([m.voters, m.learners, m.outgoing])
    }

    /// `m`, unless it is `plain` (every server a voter), which the page assumes.
    fn unless_plain(m: Option<Membership>, plain: &Membership) -> Option<Conf> {
        m.filter(|m| m != plain).map(|m| Conf::of(&m))
    }
}

impl Serialize for Conf {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let sets = self
            .0
            .iter()
            .rposition(|set| !set.is_empty())
            .map_or(1, |i| i + 1);
        s.collect_seq(self.0[..sets].iter().map(|set| format!("{:x}", set.bits())))
    }
}

impl Frame {
    fn capture<N: RaftNode>(world: &World<N>, caption: usize, step: usize) -> Frame {
        let plain = Membership::of_voters(world.ids().collect());
        let boot = world.config.boot_membership();
        let nodes = world
            .hosts
            .iter()
            .map(|h| match &h.node {
                Some(n) => NodeFrame {
                    alive: true,
                    paused: h.paused,
                    role: match n.role_kind() {
                        RoleKind::Leader => "L",
                        RoleKind::Candidate => "C",
                        RoleKind::PreCandidate => "P",
                        RoleKind::Follower => "F",
                    },
                    term: n.current_term().0,
                    vote: n.voted_for().map(|v| v.0),
                    leader: n.leader().map(|v| v.0),
                    commit: n.commit_index().0,
                    timer: n.election_timer(),
                    log: n.log().terms(),
                    repairing: n.repairing(),
                    conf: Conf::unless_plain(n.membership(), &plain),
                },
                None => NodeFrame {
                    alive: false,
                    paused: false,
                    role: "-",
                    term: h.disk.current_term.0,
                    vote: h.disk.voted_for.map(|v| v.0),
                    leader: None,
                    commit: 0,
                    timer: None,
                    log: h.disk.log.iter().map(|e| e.term.0).collect(),
                    repairing: false,
                    // An implementation that reports no configuration has none on its disk.
                    conf: Conf::unless_plain(
                        N::CHANGES_MEMBERSHIP.then(|| h.disk.membership(boot)),
                        &plain,
                    ),
                },
            })
            .collect();
        let held = (world.network.held().iter())
            .map(|(f, t, m)| (f.0, t.0, m.to_string()))
            .collect();
        Frame {
            line: world.trace.len(),
            t_us: world.now_us(),
            caption,
            step,
            nodes,
            held,
            flying: Vec::new(),
        }
    }

    fn cells(&self) -> usize {
        let node = |n: &NodeFrame| n.log.len() + 1 + n.conf.is_some() as usize;
        self.nodes.iter().map(node).sum::<usize>() + self.flying.len()
    }

    /// Whether two frames draw the same picture: the same caption, servers, held messages
    /// and messages in flight. Time and election timers alone do not make a new picture
    /// (every tick moves a timer).
    fn same_picture(&self, other: &Frame) -> bool {
        fn server(n: &NodeFrame) -> impl PartialEq + '_ {
            (
                n.alive,
                n.paused,
                n.role,
                n.term,
                n.vote,
                n.leader,
                n.commit,
                &n.log,
                n.repairing,
                n.conf,
            )
        }
        (self.caption, &self.held, &self.flying) == (other.caption, &other.held, &other.flying)
            && self.nodes.len() == other.nodes.len()
            && (self.nodes.iter().zip(&other.nodes)).all(|(a, b)| server(a) == server(b))
    }
}

/// A scenario whose configuration changes every way, for the tests of the pictures: n4 and n5
/// start as spares, n4 joins as a learner and is promoted, n3 is removed, and joint consensus
/// swaps n4 for n5 (`tests/html_viewer.rs` reads it too).
#[cfg(test)]
pub(crate) const CHANGES: &str = include_str!("changes.toml");

#[cfg(test)]
mod tests {
    use super::*;
    use raft::{Command, DurableState};

    fn frame(t_us: u64, log_len: usize) -> Frame {
        let node = NodeFrame {
            alive: true,
            paused: false,
            role: "F",
            term: 1,
            vote: None,
            leader: None,
            commit: 0,
            timer: None,
            log: vec![1; log_len],
            repairing: false,
            conf: None,
        };
        Frame {
            line: t_us,
            t_us,
            caption: 0,
            step: 0,
            nodes: vec![node; 5],
            held: Vec::new(),
            flying: Vec::new(),
        }
    }

    fn set(ids: &[u8]) -> NodeSet {
        ids.iter().map(|&i| raft::NodeId(i)).collect()
    }

    /// A configuration is bitmasks in hexadecimal, the empty sets at the end left out.
    #[test]
    fn a_configuration_is_written_as_few_bitmasks() {
        let json = |c: Conf| serde_json::to_string(&c).unwrap();
        let voters = Membership::of_voters(set(&[1, 2, 3]));
        assert_eq!(json(Conf::of(&voters)), r#"["e"]"#);
        let learner = Membership {
            learners: set(&[5]),
            ..voters
        };
        assert_eq!(json(Conf::of(&learner)), r#"["e","20"]"#);
        let joint = Membership {
            voters: set(&[2, 3, 4]),
            outgoing: set(&[1, 2, 3]),
            ..Membership::default()
        };
        assert_eq!(json(Conf::of(&joint)), r#"["1c","0","e"]"#);
        let far = Membership::of_voters(set(&[63]));
        assert_eq!(json(Conf::of(&far)), r#"["8000000000000000"]"#);
        // Every server a voter is the page's default: not recorded.
        let plain = Membership::of_voters(set(&[1, 2, 3]));
        assert_eq!(Conf::unless_plain(Some(voters), &plain), None);
        assert_eq!(Conf::unless_plain(None, &plain), None);
        assert!(Conf::unless_plain(Some(learner), &plain).is_some());
    }

    /// A crashed node is drawn in the configuration its disk would boot it in.
    #[test]
    fn a_crashed_nodes_configuration_is_its_disks() {
        use raft::{ConfigEntry, Entry, LogIndex, Snapshot, Term};
        let boot = Membership::of_voters(set(&[1, 2, 3]));
        let (m1, m2) = (
            Membership::of_voters(set(&[1, 2, 3, 4])),
            Membership::of_voters(set(&[2, 3])),
        );
        let entry = |i: u64, command| Entry {
            index: LogIndex(i),
            term: Term(1),
            command,
        };
        let mut disk = DurableState::default();
        assert_eq!(disk.membership(boot), boot);
        disk.snapshot = Some(Snapshot {
            last_included_index: LogIndex(2),
            last_included_term: Term(1),
            data: Vec::new(),
            membership: Some(m2),
        });
        assert_eq!(disk.membership(boot), m2, "the snapshot's");
        let packed = ConfigEntry::pack(&m1).unwrap();
        disk.log = vec![
            entry(3, Command::Config(packed)),
            entry(4, Command::Client(7)),
        ];
        assert_eq!(disk.membership(boot), m1, "the log's latest");
    }

    /// A configuration takes room in the page like a log cell.
    #[test]
    fn a_configuration_counts_against_the_bound_on_cells() {
        let mut f = frame(0, 2);
        let before = f.cells();
        f.nodes[0].conf = Some(Conf::of(&Membership::of_voters(set(&[1]))));
        assert_eq!(f.cells(), before + 1);
        assert!(
            !f.same_picture(&frame(0, 2)),
            "a new configuration is a new picture"
        );
    }

    #[test]
    fn the_frames_stay_bounded_and_keep_the_newest() {
        let mut f = Frames::default();
        let n = MAX_FRAMES as u64 + 5_000;
        for t in 0..n {
            f.push(frame(t, 2));
        }
        assert!(f.frames.len() <= MAX_FRAMES);
        assert_eq!(f.let_go + f.frames.len(), n as usize);
        assert_eq!(
            f.frames.last().unwrap().t_us,
            n - 1,
            "the newest frame is kept"
        );
        let mut g = Frames::default();
        for t in 0..2_000 {
            g.push(frame(t, 1_000));
        }
        assert!(
            g.cells <= MAX_CELLS && g.let_go > 0,
            "long logs bound the frames too"
        );
    }
}
