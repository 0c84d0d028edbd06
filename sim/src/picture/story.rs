//! What the HTML page draws: a story of one or more branches (a scenario's `rewind` starts a
//! new one), each a run of frames with their captions, the trace lines between them, the
//! messages in flight at each, and the violations found, each once with a count.

use super::{Frame, Frames};
use crate::node::RaftNode;
use crate::trace::TraceEvent;
use crate::world::World;
use serde::Serialize;

/// Everything the page shows.
#[derive(Clone, Debug, Serialize)]
pub struct Story {
    pub title: String,
    /// The scenario's description and header comment (empty for a random run).
    pub description: String,
    pub header: String,
    pub nodes: u8,
    pub branches: Vec<Branch>,
}

/// One way the story goes.
#[derive(Clone, Debug, Serialize)]
pub struct Branch {
    /// What the reader picks it by: its first panel label and caption after the fork
    /// ("(e) Back to the end of (c), …"), or "the run".
    pub name: String,
    /// The branch it forks from and the frame up to which the two are the same.
    pub fork: Option<(usize, usize)>,
    /// Frames before the first one kept, let go to keep the page bounded.
    pub let_go: usize,
    pub frames: Vec<Frame>,
    pub captions: Vec<String>,
    pub steps: Vec<String>,
    /// The trace, without ticks and disk completions (the trace file has them); a frame's
    /// `line` counts the lines kept here up to it.
    pub lines: Vec<String>,
    /// Every message a frame saw in flight; frames name them by index.
    pub messages: Vec<Msg>,
    pub violations: Vec<Viol>,
}

/// A message some frame saw on its way: when it left and when it arrives.
#[derive(Clone, Debug, Serialize)]
pub struct Msg {
    pub from: u8,
    pub to: u8,
    pub sent: u64,
    pub at: u64,
    pub kind: &'static str,
    pub text: String,
}

/// A violated property, shown once, with how often it fired.
#[derive(Clone, Debug, Serialize)]
pub struct Viol {
    pub at: u64,
    pub property: &'static str,
    pub detail: String,
    pub rule: &'static str,
    pub why: &'static str,
    /// The times it fired again.
    pub repeats: Vec<u64>,
}

impl Story {
    /// The story of a world whose whole trace was kept, with the branches its recorder holds.
    pub fn of<N: RaftNode>(world: &World<N>, title: &str) -> Story {
        let mut frames = world.observer::<Frames>().cloned().unwrap_or_default();
        let (description, header) = frames.about.clone().unwrap_or_default();
        let mut branches = std::mem::take(&mut frames.past);
        branches.push(Branch::of(world, &mut frames));
        name_branches(&mut branches);
        Story {
            title: title.into(),
            description,
            header,
            nodes: world.config.nodes,
            branches,
        }
    }
}

impl Branch {
    /// The branch `world` ran, taking the frames its recorder kept.
    pub(crate) fn of<N: RaftNode>(world: &World<N>, frames: &mut Frames) -> Branch {
        let (lines, kept_before) = kept_lines(world);
        let mut taken = std::mem::take(&mut frames.frames);
        for f in &mut taken {
            f.line = kept_before[(f.line as usize).min(kept_before.len() - 1)];
        }
        let mut captions = std::mem::take(&mut frames.captions);
        if captions.is_empty() {
            captions.push(String::new());
        }
        Branch {
            name: String::new(),
            fork: frames.fork,
            let_go: std::mem::take(&mut frames.let_go),
            frames: taken,
            captions,
            steps: std::mem::take(&mut frames.steps),
            lines,
            messages: std::mem::take(&mut frames.messages),
            violations: violations(world),
        }
    }
}

/// The trace lines worth reading, and for each count of trace lines how many of them it kept.
fn kept_lines<N: RaftNode>(world: &World<N>) -> (Vec<String>, Vec<u64>) {
    let mut lines = Vec::new();
    let mut kept_before = vec![0];
    for l in world.trace.lines() {
        if !matches!(
            l.event,
            TraceEvent::Tick { .. } | TraceEvent::Durable { .. }
        ) {
            lines.push(l.to_string());
        }
        kept_before.push(lines.len() as u64);
    }
    (lines, kept_before)
}

/// Each property once, at its first violation, with the times it fired again.
fn violations<N: RaftNode>(world: &World<N>) -> Vec<Viol> {
    let mut out: Vec<Viol> = Vec::new();
    for (v, t) in world.violations().iter().zip(&world.violation_times) {
        match out.iter_mut().find(|o| o.property == v.property.name()) {
            Some(o) => o.repeats.push(*t),
            None => out.push(Viol {
                at: *t,
                property: v.property.name(),
                detail: v.detail.clone(),
                rule: v.property.rule(),
                why: v.property.why(),
                repeats: Vec::new(),
            }),
        }
    }
    out
}

/// A panel label at the start of a caption: "(d) S1 crashes" gives "(d)".
pub fn panel_label(caption: &str) -> Option<&str> {
    let rest = caption.strip_prefix('(')?;
    let end = rest.find(')')?;
    (end > 0 && end <= 3 && rest[..end].chars().all(|c| c.is_ascii_alphanumeric()))
        .then(|| &caption[..end + 2])
}

/// Names each branch by the first captioned frame after its fork (after the next branch's
/// fork, for the branch it forks from), preferring one with a panel label.
fn name_branches(branches: &mut [Branch]) {
    let forks: Vec<Option<(usize, usize)>> = branches.iter().map(|b| b.fork).collect();
    for (i, b) in branches.iter_mut().enumerate() {
        let from = match b.fork {
            Some((_, at)) => at,
            // The first branch reads from where the next one leaves it.
            None => forks
                .iter()
                .flatten()
                .filter(|(p, _)| *p == i)
                .map(|(_, at)| *at)
                .min()
                .unwrap_or(0),
        };
        let captions: Vec<&str> = (b.frames.iter().skip(from))
            .map(|f| b.captions.get(f.caption).map_or("", |c| c.as_str()))
            .filter(|c| !c.is_empty())
            .collect();
        let pick = (captions.iter().find(|c| panel_label(c).is_some()))
            .or(captions.first())
            .copied();
        b.name = match pick {
            Some(c) => shorten(c, 60),
            None if forks.len() > 1 => format!("branch {}", i + 1),
            None => "the run".into(),
        };
    }
}

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.into();
    }
    let cut: String = s.chars().take(max).collect();
    let at = cut.rfind(' ').unwrap_or(cut.len());
    format!("{}…", &cut[..at])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::parse_scenario;

    fn story(file: &str, text: &str) -> Story {
        let s = parse_scenario(file, text).unwrap();
        let report = crate::play::run_scenario_pictured::<raft::Node>(&s, false);
        Story::of(&report.world, &s.name)
    }

    #[test]
    fn a_rewind_forks_the_story_and_both_branches_share_the_frames_before_it() {
        let s = story(
            "figure8.toml",
            include_str!("../../../scenarios/figure8.toml"),
        );
        assert_eq!(s.branches.len(), 2);
        let (d, e) = (&s.branches[0], &s.branches[1]);
        assert_eq!(d.fork, None);
        let (parent, at) = e.fork.expect("the second branch forks");
        assert_eq!(parent, 0);
        assert!(at > 10 && at < d.frames.len(), "fork at frame {at}");
        for (i, (a, b)) in d.frames[..at].iter().zip(&e.frames[..at]).enumerate() {
            assert!(a.same_picture(b), "frame {i} differs before the fork");
        }
        assert!(d.name.starts_with("(d) S1 crashes"), "{}", d.name);
        assert!(
            e.name.starts_with("(e) Back to the end of (c)"),
            "{}",
            e.name
        );
        // The say before the rewind captions the new branch, not the old one.
        let said = |b: &Branch, text: &str| {
            b.frames
                .iter()
                .any(|f| b.captions[f.caption].starts_with(text))
        };
        assert!(!said(d, "(e)") && said(e, "(e)"));
        assert!(said(d, "(d)") && !said(e, "(d)"));
    }

    /// A node that booted on a damaged log is drawn repairing until a leader repairs it: in
    /// corrupted-entry-loses-commit's protocol-aware branch S2 is repairing in some frames and
    /// repaired in the last, and no frame of the naive branch shows it repairing.
    #[test]
    fn frames_show_a_repairing_node() {
        let s = parse_scenario(
            "corrupted-entry-loses-commit.toml",
            include_str!("../../../scenarios/corrupted-entry-loses-commit.toml"),
        );
        let report = crate::play::run_scenario_pictured::<raft::Node>(&s.unwrap(), false);
        let story = Story::of(&report.world, "corrupted-entry-loses-commit");
        let repairing = |b: &Branch| b.frames.iter().filter(|f| f.nodes[1].repairing).count();
        let first = story.branches.first().expect("a branch");
        let last = story.branches.last().expect("a branch");
        assert_eq!(repairing(first), 0, "the naive node never repairs");
        assert!(repairing(last) > 0, "S2 is drawn repairing");
        let end = last.frames.last().expect("frames");
        assert!(!end.nodes[1].repairing, "and repaired at the end");
    }

    /// Each frame records each server's configuration as the server reports it: the spares
    /// outside the boot configuration, a learner, servers that disagree while a change
    /// spreads, a joint configuration; the page's data carries them.
    #[test]
    fn frames_record_each_servers_configuration() {
        let s = story("changes.toml", super::super::CHANGES);
        let b = &s.branches[0];
        let sets = |n: &super::super::NodeFrame| n.conf.map(|c| c.0.map(|set| set.bits()));
        let v123 = 0b1110;
        let first = &b.frames[0];
        assert!(
            first.nodes.iter().all(|n| sets(n) == Some([v123, 0, 0])),
            "every server boots in n1 n2 n3: {:?}",
            first.nodes.iter().map(sets).collect::<Vec<_>>()
        );
        let any = |f: &dyn Fn(&Frame) -> bool| b.frames.iter().any(f);
        assert!(
            any(&|f| sets(&f.nodes[3]) == Some([v123, 1 << 4, 0])),
            "n4 is drawn a learner"
        );
        assert!(
            any(&|f| f.nodes.iter().any(|n| n.conf != f.nodes[0].conf)),
            "servers disagree while a change spreads"
        );
        assert!(
            any(&|f| sets(&f.nodes[0]) == Some([0b100110, 0, 0b10110])),
            "joint"
        );
        let end = b.frames.last().expect("frames");
        assert_eq!(sets(&end.nodes[0]), Some([0b100110, 0, 0]));
        let page = super::super::html::story_page(&s);
        assert!(page.contains(r#""conf":["e"]"#), "the page carries them");
        assert!(
            page.contains(r#""conf":["26","0","16"]"#),
            "joint, in hexadecimal"
        );
    }

    /// A cluster whose servers are all voters, always, records no configuration: its page's
    /// data is what it was before configurations were drawn (on raft-rs, which reports none,
    /// too).
    #[test]
    fn a_cluster_that_never_changes_its_configuration_records_none() {
        for (name, text) in [
            (
                "figure8.toml",
                include_str!("../../../scenarios/figure8.toml"),
            ),
            (
                "disk-wipe-rejoin.toml",
                include_str!("../../../scenarios/disk-wipe-rejoin.toml"),
            ),
        ] {
            let s = story(name, text);
            let frames = s.branches.iter().flat_map(|b| &b.frames);
            assert!(frames.flat_map(|f| &f.nodes).all(|n| n.conf.is_none()));
            assert!(!serde_json::to_string(&s).unwrap().contains(r#""conf""#));
        }
        let s = parse_scenario(
            "figure8.toml",
            include_str!("../../../scenarios/figure8.toml"),
        );
        let report = crate::play::run_scenario_pictured::<crate::node::RaftRs>(&s.unwrap(), false);
        let story = Story::of(&report.world, "figure8");
        assert!(!serde_json::to_string(&story).unwrap().contains(r#""conf""#));
    }

    /// The messages drawn in flight are those on their way at that moment: left, not arrived,
    /// and never from a server crashed at the time (raft-rs's figure 8 once drew the
    /// RequestVotes S5 would send after its restart in the frame before it).
    #[test]
    fn frames_draw_only_messages_on_their_way() {
        let s = parse_scenario(
            "figure8.toml",
            include_str!("../../../scenarios/figure8.toml"),
        );
        let report = crate::play::run_scenario_pictured::<crate::node::RaftRs>(&s.unwrap(), false);
        let story = Story::of(&report.world, "figure8");
        let mut drawn = 0;
        for b in &story.branches {
            for f in &b.frames {
                for &i in &f.flying {
                    let m = &b.messages[i as usize];
                    assert!(m.sent <= f.t_us && f.t_us <= m.at, "{m:?} at {}", f.t_us);
                    let sender = &f.nodes[m.from as usize - 1];
                    assert!(
                        sender.alive || m.sent < f.t_us,
                        "{m:?} from a crashed server"
                    );
                    drawn += 1;
                }
            }
        }
        assert!(drawn > 50, "frames draw messages in flight ({drawn})");
        // The reader watches messages move: one message drawn at two moments of its way.
        let b = &story.branches[0];
        let moved = (0..b.messages.len() as u32).any(|i| {
            let mut at = b
                .frames
                .iter()
                .filter(|f| f.flying.contains(&i))
                .map(|f| f.t_us);
            at.next().is_some_and(|first| at.any(|t| t != first))
        });
        assert!(moved, "some message is drawn twice on its way");
    }

    #[test]
    fn each_violated_property_is_shown_once_with_its_repeats() {
        let s = story(
            "figure8-unsafe-commit.toml",
            include_str!("../../../scenarios/figure8-unsafe-commit.toml"),
        );
        let b = &s.branches[0];
        assert!(
            !b.violations.is_empty(),
            "the unsafe commit breaks a property"
        );
        let mut names: Vec<&str> = b.violations.iter().map(|v| v.property).collect();
        names.dedup();
        assert_eq!(names.len(), b.violations.len(), "each property once");
        assert!(b
            .violations
            .iter()
            .all(|v| v.repeats.iter().all(|&t| t >= v.at)));
    }

    #[test]
    fn a_random_run_is_captioned_by_its_fault_schedule() {
        let config = crate::RunConfig {
            keep_trace: true,
            ..crate::RunConfig::default()
        };
        let (_, world) = crate::run::run_seed_with(3, &config, |w| w.observe(Frames::default()));
        let s = Story::of(&world, "seed 3");
        let b = &s.branches[0];
        let captioned: Vec<&str> = (b.frames.iter())
            .map(|f| b.captions[f.caption].as_str())
            .filter(|c| c.starts_with("t="))
            .collect();
        assert!(!captioned.is_empty(), "frames carry fault captions");
        assert!(b.frames.windows(2).all(|w| w[0].t_us <= w[1].t_us));
    }

    #[test]
    fn panel_labels_are_short_parenthesised_marks_at_the_start() {
        assert_eq!(panel_label("(d) S1 crashes."), Some("(d)"));
        assert_eq!(panel_label("(e) Back to (c)"), Some("(e)"));
        assert_eq!(panel_label("(On raft-rs, S1 appends)"), None);
        assert_eq!(panel_label("S1 (d) crashes"), None);
        assert_eq!(panel_label("()"), None);
    }

    #[test]
    fn long_names_are_cut_at_a_word() {
        assert_eq!(shorten("short", 60), "short");
        let s = shorten(
            "(e) Back to the end of (c), the other way: S1 replicates its own",
            30,
        );
        assert_eq!(s, "(e) Back to the end of (c),…");
    }
}
