//! Tests of the diagram as a reader meets it: a legend, labelled arrows, gaps where nodes are
//! down, idle time cut short, and a bounded picture of any run that still shows its violation.

use super::*;
use crate::play::{run_scenario, run_scenario_on};
use crate::scenario::parse_scenario;

/// A crude XML well-formedness check: tags open and close in order.
fn balanced(svg: &str) -> bool {
    let mut stack: Vec<String> = Vec::new();
    let mut rest = svg;
    while let Some(i) = rest.find('<') {
        let j = rest[i..].find('>').map(|j| i + j);
        let Some(j) = j else { return false };
        let tag = &rest[i + 1..j];
        rest = &rest[j + 1..];
        if tag.ends_with('/') {
            continue;
        }
        let name: String = tag
            .trim_start_matches('/')
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_string();
        if tag.starts_with('/') {
            if stack.pop().as_deref() != Some(name.as_str()) {
                return false;
            }
        } else {
            stack.push(name);
        }
    }
    stack.is_empty()
}

/// The value of attribute `name` in `tag`.
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    tag[start..].split('"').next()
}

/// Every element `<kind ...>` whose class is `class`, as its opening tag.
fn elements<'a>(svg: &'a str, kind: &str, class: &str) -> Vec<&'a str> {
    let open = format!("<{kind} class=\"{class}\"");
    svg.match_indices(&open)
        .map(|(i, _)| &svg[i..i + svg[i..].find('>').unwrap_or(0)])
        .collect()
}

/// The texts of the arrows' visible labels.
fn labels(svg: &str) -> Vec<String> {
    svg.match_indices("<text class=\"label\"")
        .map(|(i, _)| {
            let rest = &svg[i..];
            let body = &rest[rest.find('>').unwrap() + 1..];
            body[..body.find('<').unwrap()].replace("&gt;", ">")
        })
        .collect()
}

fn height(svg: &str) -> f64 {
    attr(svg.lines().next().unwrap(), "height")
        .unwrap()
        .parse()
        .unwrap()
}

fn figure8() -> crate::world::World {
    let text = include_str!("../../../../scenarios/figure8.toml");
    run_scenario(&parse_scenario("figure8", text).unwrap(), false).world
}

/// Three nodes elect a leader, one crashes, and nothing happens for two seconds (heartbeats
/// every five) until it restarts.
const IDLE: &str = r#"
name = "idle"
description = "an election, a crash, two idle seconds, a restart"
[cluster]
nodes = 3
seed = 1
[raft]
election_timeout_min_ticks = 1000
election_timeout_max_ticks = 1001
heartbeat_interval_ticks = 500
[network]
latency_min_us = 1000
latency_max_us = 1000
[sim]
disk_latency_us = 0
[[step]]
timeout = 1
[[step]]
run = "50ms"
[[step]]
crash = 2
[[step]]
run = "2000ms"
[[step]]
restart = 2
[[step]]
run = "50ms"
"#;

fn idle() -> crate::world::World {
    run_scenario(&parse_scenario("idle", IDLE).unwrap(), false).world
}

#[test]
fn the_figure8_diagram_is_well_formed_with_a_legend_and_one_lane_per_node() {
    let svg = space_time_svg(&figure8());
    assert!(svg.starts_with("<svg"), "{}", &svg[..80]);
    assert!(balanced(&svg), "tags must nest");
    assert!(!balanced("<svg><g></svg>"), "the check itself can fail");
    assert_eq!(svg.matches(r#"<text class="node""#).count(), 5);
    assert!(svg.contains(r#"<g class="legend">"#));
    for meaning in legend::MARKS {
        assert!(svg.contains(meaning), "legend explains {meaning:?}");
    }
    for sample in ["AE t4 prev 2:2 [3:4] c1", "vote ✓ t5", "HB t4 r2"] {
        assert!(svg.contains(sample), "legend shows {sample:?}");
    }
    assert!(svg.contains(r#"class="msg""#) && svg.contains(r#"class="crash""#));
    assert!(svg.contains("Shown: the whole run ("));
    assert_eq!(
        svg,
        space_time_svg(&figure8()),
        "the same run, the same bytes"
    );
}

#[test]
fn arrows_carry_visible_labels_with_their_message_type() {
    let svg = space_time_svg(&figure8());
    let labels = labels(&svg);
    let arrows = svg.matches(r#"<line class="msg""#).count();
    assert!(arrows > 50, "{arrows}");
    assert!(
        labels.len() * 10 >= arrows * 8,
        "{} of {arrows}",
        labels.len()
    );
    for prefix in ["AE t", "AE✓ t", "AE✗ t", "RV t", "vote ✓ t", "vote ✗ t"] {
        assert!(
            labels.iter().any(|l| l.starts_with(prefix)),
            "a label starts {prefix:?}: {labels:?}"
        );
    }
    // S1 repairs S3 with 2:2 alone (figure 8 (c)).
    assert!(
        labels.iter().any(|l| l == "AE t4 prev 1:1 [2:2] c0"),
        "{labels:?}"
    );
    assert!(
        svg.contains("<title>t="),
        "tooltips keep the whole trace line"
    );
}

#[test]
fn raft_rs_arrows_are_labelled_in_the_same_words() {
    let text = include_str!("../../../../scenarios/figure8.toml");
    let scenario = parse_scenario("figure8", text).unwrap();
    let report = run_scenario_on::<crate::node::RaftRs>(&scenario, false);
    let svg = space_time_svg(&report.world);
    let labels = labels(&svg);
    for prefix in ["AE t", "AE✓ t", "RV t", "vote ✓ t"] {
        assert!(
            labels.iter().any(|l| l.starts_with(prefix)),
            "{prefix:?}: {labels:?}"
        );
    }
    assert!(
        svg.contains("(raft-rs)"),
        "the header names the implementation"
    );
}

/// Every (node, crash, restart) of the world's trace.
fn down_intervals(world: &crate::world::World) -> Vec<(raft::NodeId, u64, u64)> {
    let mut crashed = std::collections::BTreeMap::new();
    let mut down = Vec::new();
    for l in world.trace.lines() {
        match &l.event {
            TraceEvent::Crash { node, .. } => {
                crashed.insert(*node, l.t_us);
            }
            TraceEvent::Restart { node } => {
                if let Some(from) = crashed.remove(node) {
                    down.push((*node, from, l.t_us));
                }
            }
            _ => {}
        }
    }
    down
}

#[test]
fn a_crashed_nodes_lane_has_a_gap_from_crash_to_restart() {
    for world in [figure8(), idle()] {
        let svg = space_time_svg(&world);
        let down = down_intervals(&world);
        assert!(!down.is_empty());
        let lanes = elements(&svg, "line", "lane");
        for (node, crash, restart) in down {
            let mine: Vec<(u64, u64)> = lanes
                .iter()
                .filter(|l| attr(l, "data-node") == Some(&node.to_string()))
                .map(|l| {
                    let t = |a| attr(l, a).unwrap().parse::<u64>().unwrap();
                    (t("data-from-us"), t("data-to-us"))
                })
                .collect();
            assert!(mine.len() >= 2, "{node}: a lane before and after: {mine:?}");
            let covered = |t: u64| mine.iter().any(|&(a, b)| a < t && t < b);
            for t in [crash + 1, (crash + restart) / 2, restart - 1] {
                assert!(!covered(t), "{node} is down at {t} but its lane is drawn");
            }
            assert!(covered(restart + 1) || mine.iter().any(|&(a, _)| a == restart));
        }
        assert!(svg.contains(r#"class="restart""#));
    }
}

#[test]
fn a_long_idle_gap_is_cut_short_behind_a_break_that_says_how_long() {
    let world = idle();
    let svg = space_time_svg(&world);
    let px_per_us = view(
        &world.trace.lines().collect::<Vec<_>>(),
        &[],
        world.now_us(),
    )
    .scale
    .px_per_us;
    let uncompressed = world.now_us() as f64 * px_per_us;
    let drawn = height(&svg) - BODY_TOP;
    assert!(uncompressed > 20_000.0, "{uncompressed}");
    assert!(drawn * 20.0 < uncompressed, "{drawn} vs {uncompressed}");
    let breaks = elements(&svg, "g", "break");
    assert!(!breaks.is_empty());
    // The idle stretch is almost all of the two seconds.
    let skipped = svg
        .match_indices("… ")
        .filter_map(|(i, _)| svg[i + 4..].split("ms …").next())
        .filter_map(|n| n.parse::<f64>().ok())
        .fold(0.0, f64::max);
    assert!(skipped > 1900.0, "the longest break says {skipped}ms");
}

#[test]
fn a_long_random_run_stays_bounded_and_shows_its_first_violation() {
    let bugs = crate::knob::Bugs::none()
        .with(crate::knob::Knob::from_name("respond-before-persist").unwrap());
    let config = crate::run::RunConfig {
        bugs,
        keep_trace: true,
        ..Default::default()
    };
    let world = (0..40)
        .map(|seed| crate::run::run_seed(seed, &config).1)
        .find(|w| !w.violations().is_empty() && w.trace.len() > 3000)
        .expect("a seed among the first 40 breaks respond-before-persist");
    let svg = space_time_svg(&world);
    assert!(balanced(&svg));
    assert!(height(&svg) <= MAX_HEIGHT, "{}", height(&svg));
    let width: f64 = attr(svg.lines().next().unwrap(), "width")
        .unwrap()
        .parse()
        .unwrap();
    assert!(width <= MAX_WIDTH, "{width}");
    assert_eq!(svg.matches(r#"<g class="violation">"#).count(), 1);
    let name = world.violations()[0].property.name();
    assert!(svg.contains("VIOLATION at t=") && svg.contains(name));
    assert!(
        svg.contains("around the first violation (left out: "),
        "the header says what was cut"
    );
    let arrows = svg.matches(r#"<line class="msg""#).count();
    assert!(arrows <= MAX_MESSAGES && arrows > 20, "{arrows}");
}

/// Whether raft-rs can play the scenario: its knobs (also those of its rewinds) are none of
/// raftsim's node's, and it changes no configuration (raft-rs's host does not).
fn runs_on_raft_rs(s: &crate::scenario::Scenario) -> bool {
    use crate::scenario::Step;
    let mut configs = vec![s.raft.clone()];
    for st in &s.steps {
        match &st.step {
            Step::Change(_) | Step::Transfer(_) => return false,
            Step::Rewind { changes, .. } => {
                let (mut raft, mut sim) = (s.raft.clone(), s.sim.clone());
                changes.apply(&mut raft, &mut sim);
                configs.push(raft);
            }
            _ => {}
        }
    }
    configs
        .iter()
        .all(|c| crate::node::RaftRs::supports(c).is_ok())
}

/// Every shipped scenario, on both implementations where it runs, draws a well-formed picture
/// within the bounds (some are windowed: their windows end inside idle stretches, which their
/// own scale must not redraw at full size).
#[test]
fn every_shipped_scenario_draws_within_the_bounds() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    assert!(paths.len() > 10);
    let mut windowed = 0;
    for path in paths {
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        let scenario = parse_scenario(&name, &std::fs::read_to_string(&path).unwrap()).unwrap();
        let mut pictures = vec![space_time_svg(&run_scenario(&scenario, false).world)];
        if runs_on_raft_rs(&scenario) {
            let world = run_scenario_on::<crate::node::RaftRs>(&scenario, false).world;
            pictures.push(space_time_svg(&world));
        }
        for svg in pictures {
            assert!(balanced(&svg), "{name}");
            assert!(height(&svg) <= MAX_HEIGHT, "{name}: {}", height(&svg));
            windowed += svg.contains("only, around") as usize;
        }
    }
    assert!(windowed > 0, "some picture is windowed");
}

fn changes() -> crate::world::World {
    let text = crate::picture::CHANGES;
    run_scenario(&parse_scenario("changes", text).unwrap(), false).world
}

/// A node's lane segments: (from, to, standing), `voter` where the lane is plain.
fn segments(svg: &str, node: &str) -> Vec<(u64, u64, String)> {
    let mut out: Vec<(u64, u64, String)> = elements(svg, "line", "lane")
        .iter()
        .filter(|l| attr(l, "data-node") == Some(node))
        .map(|l| {
            let t = |a| attr(l, a).unwrap().parse::<u64>().unwrap();
            let standing = attr(l, "data-standing").unwrap_or("voter");
            (t("data-from-us"), t("data-to-us"), standing.to_string())
        })
        .collect();
    out.sort();
    out
}

/// The standing a node's lane draws at `t`.
fn standing_at(segments: &[(u64, u64, String)], t: u64) -> &str {
    let s = segments.iter().find(|&&(a, b, _)| a <= t && t < b);
    s.map_or("none", |s| s.2.as_str())
}

/// The trace times of `node`'s configuration changes, with the configuration.
fn changes_of(world: &crate::world::World, node: &str) -> Vec<(u64, raft::Membership)> {
    (world.trace.lines())
        .filter_map(|l| match &l.event {
            TraceEvent::Membership {
                node: n,
                membership,
            } if n.to_string() == node => Some((l.t_us, *membership)),
            _ => None,
        })
        .collect()
}

/// Where the configuration changes, each node's lane gets a tick that names its new
/// configuration, with the trace line as its tooltip; the changes asked are noted on the
/// right; and the legend explains both.
#[test]
fn each_change_of_a_nodes_configuration_is_ticked_on_its_lane() {
    let world = changes();
    let svg = space_time_svg(&world);
    assert!(balanced(&svg));
    let ticks = elements(&svg, "path", "config");
    let traced = (world.trace.lines())
        .filter(|l| matches!(l.event, TraceEvent::Membership { .. }))
        .count();
    assert!(traced >= 15, "{traced} changes traced");
    assert_eq!(
        ticks.len(),
        traced,
        "a tick per change (the whole run is drawn)"
    );
    for node in ["n1", "n2", "n3", "n4", "n5"] {
        assert!(
            ticks.iter().any(|t| attr(t, "data-node") == Some(node)),
            "{node} changes its configuration"
        );
    }
    for label in [
        ">cfg n1 n2 n3 +learner n4<",
        ">cfg n1 n2 n3 n4<",
        ">cfg joint n1 n2 n4 → n1 n2 n5<",
    ] {
        assert!(svg.contains(label), "a tick is labelled {label:?}");
    }
    assert!(
        svg.contains("<title>t=122.595ms n4's configuration is now n1 n2 n3 + learners n4</title>"),
        "a tick's tooltip is its trace line"
    );
    assert!(
        svg.contains(r#"class="lane" data-node="n5""#) && svg.contains("Shown: the whole run ("),
        "{}",
        &svg[..600]
    );
    for asked in [
        "n1 is asked to add learner n4: it appends the configuration at 2:1",
        "n1 is asked to remove n3",
    ] {
        assert!(svg.contains(asked), "the notes say {asked:?}");
    }
    for meaning in legend::CONFIG_MARKS {
        assert!(svg.contains(meaning), "legend explains {meaning:?}");
    }
}

/// A node outside its own configuration (a spare never added, or removed) has a dashed lane,
/// a learner a dotted one, from the moment its configuration says so to the next change; a
/// voter's lane is drawn as ever.
#[test]
fn a_lane_says_whether_its_node_votes_in_its_configuration() {
    let world = changes();
    let svg = space_time_svg(&world);
    // n4: a spare, a learner once it appends the entry that adds it, a voter once promoted.
    let n4 = segments(&svg, "n4");
    let changes = changes_of(&world, "n4");
    let learner_at = changes
        .iter()
        .find(|(_, m)| m.learners.contains(raft::NodeId(4)));
    let voter_at = changes
        .iter()
        .find(|(_, m)| m.voters.contains(raft::NodeId(4)));
    let (learner_at, voter_at) = (learner_at.unwrap().0, voter_at.unwrap().0);
    assert_eq!(standing_at(&n4, 0), "outside", "{n4:?}");
    assert_eq!(standing_at(&n4, learner_at - 1), "outside");
    assert_eq!(standing_at(&n4, learner_at), "learner", "{n4:?}");
    assert_eq!(standing_at(&n4, voter_at - 1), "learner");
    assert_eq!(standing_at(&n4, voter_at), "voter");
    // n5: outside until the joint configuration reaches it.
    let n5 = segments(&svg, "n5");
    let joined = changes_of(&world, "n5")[0].0;
    assert_eq!(standing_at(&n5, joined - 1), "outside");
    assert_eq!(standing_at(&n5, joined), "voter", "{n5:?}");
    // n1 leads throughout: always a voter's lane.
    assert!(segments(&svg, "n1").iter().all(|s| s.2 == "voter"));
    let dashed = elements(&svg, "line", "lane")
        .into_iter()
        .filter(|l| attr(l, "data-standing") == Some("outside"))
        .all(|l| attr(l, "stroke-dasharray").is_some());
    assert!(dashed, "an outside lane is dashed");
}

/// A run whose nodes are all voters of its boot configuration, always, draws none of it: no
/// tick, no dashed lane, no legend row (its picture is the one drawn before configurations
/// were: every shipped scenario's was compared byte for byte when they came).
#[test]
fn a_run_that_keeps_its_configuration_draws_none_of_it() {
    let text = include_str!("../../../../scenarios/figure8.toml");
    let scenario = parse_scenario("figure8", text).unwrap();
    let raft_rs = run_scenario_on::<crate::node::RaftRs>(&scenario, false).world;
    for svg in [
        space_time_svg(&figure8()),
        space_time_svg(&idle()),
        space_time_svg(&raft_rs),
    ] {
        assert!(!svg.contains(r#"class="config""#));
        assert!(!svg.contains("data-standing"));
        for meaning in legend::CONFIG_MARKS {
            assert!(!svg.contains(meaning), "no legend row {meaning:?}");
        }
    }
}
