//! The shipped scenario catalogue: every expectation holds, every narration is pinned by an
//! insta snapshot (review changes with `cargo insta review`), and the built-in list matches the
//! files in scenarios/.

use raftsim::catalogue::SCENARIOS;
use sim::play::run_scenario;
use sim::scenario::parse_scenario;

#[test]
fn every_shipped_scenario_holds() {
    for (file, text) in SCENARIOS {
        let scenario = parse_scenario(file, text).unwrap_or_else(|e| panic!("{e}"));
        let report = run_scenario(&scenario, false);
        assert!(
            report.passed(),
            "{file}: failures {:?}, unexpected violations {:?}",
            report.failures,
            report.unexpected
        );
        assert!(report.expectations_checked > 0, "{file} checks nothing");
    }
}

#[test]
fn explain_narrations_match_their_snapshots() {
    for (file, text) in SCENARIOS {
        let scenario = parse_scenario(file, text).unwrap();
        let narration = run_scenario(&scenario, true).narration;
        insta::assert_snapshot!(file.trim_end_matches(".toml"), narration);
    }
}

#[test]
fn the_built_in_catalogue_is_the_scenarios_folder() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut on_disk: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    on_disk.sort();
    let mut built_in: Vec<String> = SCENARIOS.iter().map(|(f, _)| f.to_string()).collect();
    built_in.sort();
    assert_eq!(
        on_disk, built_in,
        "add new scenario files to src/catalogue.rs"
    );
}

#[test]
fn every_scenario_has_a_story_and_a_description() {
    for (file, text) in SCENARIOS {
        let s = parse_scenario(file, text).unwrap();
        assert!(
            s.header.lines().count() >= 3,
            "{file}: tell the story in the header comment"
        );
        assert!(
            s.header.contains("Source"),
            "{file}: name the source in the header"
        );
        assert!(!s.description.is_empty(), "{file}: needs a description");
    }
}

/// Every shipped scenario that needs no bug knob holds on raft-rs too; where raft-rs differs by
/// design, the scenario's expectations say so with `on = "raft-rs"` (figure8 and
/// snapshot-lagging-follower among them). A story that tells the rules of raftsim's node alone
/// says so (`on = "raftsim"`) and is not run.
#[test]
fn every_knob_free_scenario_holds_on_raft_rs() {
    use sim::node::RaftRs;
    use sim::play::run_scenario_on;
    use sim::scenario::Step;
    let mut ran = Vec::new();
    for (file, text) in SCENARIOS {
        let scenario = parse_scenario(file, text).unwrap();
        // The node's knobs are raftsim's own; the host's apply to raft-rs too.
        let mut needs_knobs = !scenario.raft.bugs.is_empty();
        for st in &scenario.steps {
            if let Step::Rewind { changes, .. } = &st.step {
                needs_knobs |= changes.bugs.is_some_and(|b| !b.raft.is_empty());
            }
        }
        let elsewhere = scenario.on.as_deref().is_some_and(|on| on != "raft-rs");
        if needs_knobs || elsewhere {
            continue;
        }
        let report = run_scenario_on::<RaftRs>(&scenario, false);
        assert!(
            report.passed(),
            "{file} on raft-rs: failures {:?}, unexpected violations {:?}",
            report.failures,
            report.unexpected
        );
        ran.push(file.trim_end_matches(".toml"));
    }
    assert!(ran.contains(&"figure8"), "{ran:?}");
    assert!(ran.len() >= 9, "{ran:?}");
}
